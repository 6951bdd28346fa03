"""A local HTTP stand-in for the Hugging Face hub, for tests (against huggingface_hub 2.4.0).

What huggingface_hub 2.4.0 requests, in order:

- ``snapshot_download(repo, revision=R)``: ``GET /api/models/{repo}/revision/{R}`` (skipped when R
  is a 40-hex sha), ``GET /api/models/{repo}/tree/{sha}?recursive=true&expand=false`` (skipped if
  ``trees/{sha}.json`` is cached), then for each allowed file not yet cached
  ``HEAD /{repo}/resolve/{sha}/{path}`` and a GET: of the same URL for a regular file, of the
  HEAD's ``Location`` for an LFS file. As on the real hub an LFS HEAD is a 302 to another origin
  (our "CDN", a second port) carrying ``X-Linked-Etag``/``X-Linked-Size``; huggingface_hub does
  not follow a HEAD redirect off the hub's origin, it GETs the Location itself.
- ``hf_hub_download(repo, f, revision=R)``: that HEAD and GET, with R as given.
- Xet is used only when a resolve answer carries ``X-Xet-Hash``: we never send it, and set
  ``HF_HUB_DISABLE_XET`` too. With telemetry on, a process's first request would be
  ``GET /api/agent-harnesses``: we disable telemetry (and answer that route anyway).
- A missing repo answers 401 + ``X-Error-Code: RepoNotFound`` to anonymous requests (404 with a
  token), as the real hub does; a gated repo's metadata is public, its files answer 401 (403 with
  a token) + ``X-Error-Code: GatedRepo``.

429 in huggingface_hub 2.4.0 (from its source; tests/test_localhub.py asserts all but the limit):

- ``model_info``/``repo_info``, ``list_repo_refs``, ``get_repo_discussions`` and
  ``get_discussion_details`` never retry: ``HfHubHTTPError`` (status 429) at once.
- ``list_repo_tree`` and ``list_repo_commits`` (``http_backoff``) retry up to 5 times, sleeping
  ``Retry-After + 1`` s, uncapped (1, 2, 4, 8, 8 s without the header); a 6th 429 raises.
- ``hf_hub_download``: the first HEAD does not retry, but with no cached copy it HEADs again at
  once, now with that backoff; the file GET retries 408/429 the same way.
- ``snapshot_download``: a 429 on the revision lookup is swallowed and it falls back to the cache,
  raising ``LocalEntryNotFoundError`` (``__cause__``: the 429) when nothing is cached; given a
  sha it skips that lookup, so its tree listing and file HEADs sit through the backoff instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, quote, unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".h5", ".ot", ".msgpack", ".onnx", ".zip", ".model", ".spm")
Files = Mapping[str, bytes | str | Path]
Answer = tuple[int, dict[str, str], bytes]
_API_WORDS = {"revision", "tree", "refs", "commits", "discussions", "paths-info", "resolve"}
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_PAGE = 50  # discussions per page, as on the hub
_OCTETS = "application/octet-stream"
# environ(): fixed settings, then paths under HF_HOME; patched() also sets the matching constants.
_ENV = (
    "HF_HUB_OFFLINE=0 TRANSFORMERS_OFFLINE=0 HUGGINGFACE_CO_STAGING=0 HF_HUB_DISABLE_XET=1 "
    "HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1 HF_HUB_DISABLE_IMPLICIT_TOKEN=1 "
    "HF_HUB_ETAG_TIMEOUT=10 HF_HUB_DOWNLOAD_TIMEOUT=10 HF_TOKEN= HUGGING_FACE_HUB_TOKEN= "
    "HF_OIDC_RESOURCE="
)
_PATHS = (
    "HF_HOME=. HF_HUB_CACHE=hub HUGGINGFACE_HUB_CACHE=hub HF_ASSETS_CACHE=assets "
    "HUGGINGFACE_ASSETS_CACHE=assets HF_XET_CACHE=xet HF_TOKEN_PATH=token "
    "HF_STORED_TOKENS_PATH=stored_tokens AGENT_HARNESSES_PATH=.agent_harnesses.json"
)


def git_blob_sha1(data: bytes) -> str:
    """Git's blob id for `data` (the hub's ETag for a regular file)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    """The git-lfs pointer file that stands in git for `data`."""
    spec, oid = "https://git-lfs.github.com/spec/v1", hashlib.sha256(data).hexdigest()
    return f"version {spec}\noid sha256:{oid}\nsize {len(data)}\n".encode()


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _json(data: Any, status: int = 200, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(data).encode()


def _error(status: int, message: str, code: str | None = None, **headers: str) -> Answer:
    extra = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {}), **headers}
    return _json({"error": message}, status, **extra)


def _entry(path: str, data: bytes) -> dict[str, Any]:
    """A file as the hub's tree endpoint lists it (LFS by name, see LFS_SUFFIXES)."""
    entry = {"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": path}
    if path.endswith(LFS_SUFFIXES):
        pointer, sha256 = lfs_pointer(data), hashlib.sha256(data).hexdigest()
        entry["oid"] = git_blob_sha1(pointer)
        entry["lfs"] = {"oid": sha256, "size": len(data), "pointerSize": len(pointer)}
    return entry


@dataclass
class _Commit:
    sha: str
    parent: str | None
    files: dict[str, bytes]
    title: str
    message: str
    author: str
    date: datetime

    def to_json(self) -> dict[str, Any]:
        head = {"id": self.sha, "title": self.title, "message": self.message}
        return head | {"authors": [{"user": self.author, "avatar": None}], "date": _iso(self.date)}


@dataclass
class PullRequest:
    """A pull request: a discussion whose commit is reachable as refs/pr/<num>."""

    num: int
    title: str
    author: str
    status: str
    sha: str
    created_at: datetime = _EPOCH

    @property
    def ref(self) -> str:
        return f"refs/pr/{self.num}"

    def to_json(self, repo_id: str) -> dict[str, Any]:
        head = {"num": self.num, "title": self.title, "status": self.status, "isPullRequest": True}
        author, repo = {"name": self.author}, {"name": repo_id, "type": "model"}
        return head | {"createdAt": _iso(self.created_at), "author": author, "repo": repo}


class HubRepo:
    """A model repo on a LocalHub: commits, branches and pull requests, in memory."""

    def __init__(self, hub: LocalHub, repo_id: str, gated: bool) -> None:
        self.hub, self.repo_id, self.gated = hub, repo_id, gated
        self.commits: dict[str, _Commit] = {}
        self.branches: dict[str, str] = {}
        self.prs: dict[int, PullRequest] = {}

    def head(self, branch: str = "main") -> str:
        """The sha at the tip of `branch`."""
        return self.branches[branch]

    def commit(
        self,
        files: Files,
        *,
        branch: str = "main",
        message: str = "",
        sha: str | None = None,
        delete: Iterable[str] = (),
    ) -> str:
        """Commit `files` (minus `delete`) on top of `branch`; a new branch forks from main."""
        with self.hub._lock:
            parent = self.branches.get(branch) or self.branches.get("main")
            new = self._add(files, parent, message or "Upload files", "localhub", sha, delete)
            self.branches[branch] = new.sha
        return new.sha

    def open_pr(
        self,
        files: Files,
        *,
        title: str,
        author: str,
        num: int | None = None,
        sha: str | None = None,
        parent: str | None = None,
        status: str = "open",
    ) -> PullRequest:
        """Open PR `num` (default: the next free number): one commit on `parent` (main's head)."""
        with self.hub._lock:
            base = self.resolve(parent or "main")
            if base is None and parent is not None:
                raise KeyError(f"{self.repo_id}: no revision {parent!r}")
            num = num if num is not None else max(self.prs, default=0) + 1
            if num in self.prs:
                raise ValueError(f"{self.repo_id}: discussion #{num} exists")
            new = self._add(files, base.sha if base else None, title, author, sha, ())
            self.prs[num] = PullRequest(num, title, author, status, new.sha, new.date)
        return self.prs[num]

    def resolve(self, revision: str) -> _Commit | None:
        """The commit that a branch, refs/heads/<b>, refs/pr/<n> or a full sha names."""
        revision = revision.removeprefix("refs/heads/")
        if match := re.fullmatch(r"refs/pr/(\d+)", revision):
            pr = self.prs.get(int(match[1]))
            return self.commits.get(pr.sha) if pr else None
        return self.commits.get(self.branches.get(revision, revision))

    def _add(
        self,
        files: Files,
        parent: str | None,
        message: str,
        author: str,
        sha: str | None,
        delete: Iterable[str],
    ) -> _Commit:
        tree = dict(self.commits[parent].files) if parent else {}
        for path, content in files.items():
            content = content.read_bytes() if isinstance(content, Path) else content
            tree[path] = content.encode() if isinstance(content, str) else bytes(content)
        for path in delete:
            tree.pop(path, None)
        if sha is None:
            seed = f"{self.repo_id}\0{parent}\0{message}\0{len(self.commits)}\0"
            seed += "".join(f"{p}\0{git_blob_sha1(d)}\0" for p, d in sorted(tree.items()))
            sha = hashlib.sha1(seed.encode()).hexdigest()
        if not re.fullmatch(r"[0-9a-f]{40}", sha) or sha in self.commits:
            raise ValueError(f"{self.repo_id}: bad or duplicate commit sha {sha!r}")
        self.hub._blobs.update((hashlib.sha256(d).hexdigest(), d) for d in tree.values())
        title, _, body = message.partition("\n")
        date = _EPOCH + timedelta(minutes=len(self.commits))
        self.commits[sha] = _Commit(sha, parent, tree, title, body.strip(), author, date)
        return self.commits[sha]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hub: LocalHub, cdn: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub, self.cdn = hub, cdn


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def _serve(self, method: str) -> None:
        hub = self.server.hub
        hub.requests.append((method, self.path))
        try:
            status, headers, body = hub._answer(self.path, self.headers, self.server.cdn)
        except Exception as exc:  # a bug in the stand-in must fail the test, not hang it
            status, headers, body = _error(500, f"localhub: {exc!r}")
        self.send_response(status)
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method == "GET":
            self.wfile.write(body)


class LocalHub:
    """HTTP stand-in for the Hugging Face hub on 127.0.0.1."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._repos: dict[str, HubRepo] = {}
        self._blobs: dict[str, bytes] = {}  # sha256 -> content, what the "CDN" serves
        self._failures: dict[str, deque[tuple[int, int | None]]] = {}
        self._servers = [_Server(self, cdn=False), _Server(self, cdn=True)]
        self._threads: list[threading.Thread] = []
        self.url = f"http://127.0.0.1:{self._servers[0].server_address[1]}"
        self.cdn_url = f"http://127.0.0.1:{self._servers[1].server_address[1]}"
        self.requests: list[tuple[str, str]] = []  # (method, path with query), CDN's too

    def start(self) -> LocalHub:
        for server in self._servers:
            poll = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
            self._threads.append(poll)
            poll.start()
        return self

    def close(self) -> None:
        for server in self._servers:
            if self._threads:
                server.shutdown()
            server.server_close()
        self._threads.clear()

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def repo(self, repo_id: str, *, gated: bool = False) -> HubRepo:
        """Create (or return) the model repo `repo_id`."""
        with self._lock:
            repo = self._repos.setdefault(repo_id, HubRepo(self, repo_id, gated))
            repo.gated = repo.gated or gated
            return repo

    def fail(
        self, repo_id: str, status: int, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer `status` to the next `times` requests touching `repo_id`."""
        with self._lock:
            self._failures.setdefault(repo_id, deque()).extend([(status, retry_after)] * times)

    def environ(self, hf_home: Path) -> dict[str, str]:
        """Environment variables for a subprocess that should pull from this hub, anonymously."""
        env = dict(item.split("=", 1) for item in _ENV.split())
        paths = dict(item.split("=", 1) for item in _PATHS.split())
        env |= {
            name: str(Path(hf_home, path)) for name, path in paths.items() if "PATH" not in name
        }
        return env | {"HF_TOKEN_PATH": str(Path(hf_home, "token")), "HF_ENDPOINT": self.url}

    @contextlib.contextmanager
    def patched(self, hf_home: Path) -> Iterator[None]:
        """In-process environ(), plus the huggingface_hub constants that were read at import."""
        from huggingface_hub import constants
        from huggingface_hub.utils import _http

        paths = dict(item.split("=", 1) for item in _PATHS.split())
        values: dict[str, Any] = {name: str(Path(hf_home, path)) for name, path in paths.items()}
        values |= {"ENDPOINT": self.url, "HF_HUB_OFFLINE": False, "HF_HUB_DISABLE_XET": True}
        values |= {"HF_HUB_DISABLE_TELEMETRY": True, "HF_HUB_DISABLE_IMPLICIT_TOKEN": True}
        values |= {"HF_HUB_ETAG_TIMEOUT": 10, "HF_HUB_DOWNLOAD_TIMEOUT": 10}
        template = "/{repo_id}/resolve/{revision}/{filename}"
        values["HUGGINGFACE_CO_URL_TEMPLATE"] = self.url + template
        targets = [(constants, name, value) for name, value in values.items()]
        copies = {"_cache_manager": "HF_HUB_CACHE", "_cache_assets": "HF_ASSETS_CACHE"}
        for module, name in copies.items():
            if (loaded := sys.modules.get(f"huggingface_hub.utils.{module}")) is not None:
                targets.append((loaded, name, values[name]))  # copied the constant on import
        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.dict(os.environ, self.environ(hf_home)))
            for target, name, value in targets:
                stack.enter_context(mock.patch.object(target, name, value))
            _http.close_session()  # no pooled connection to another hub
            stack.callback(_http.close_session)
            yield

    def _answer(self, raw: str, headers: Mapping[str, str], cdn: bool) -> Answer:
        url = urlsplit(raw)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if parts[:2] == ["api", "agent-harnesses"]:
            return _json({"standardEnvVars": [], "harnesses": {}})
        if cdn and parts[0] == "lfs" and len(parts) >= 4:  # /lfs/{repo}/{sha256}/{name}
            repo_id, tail = "/".join(parts[1:-2]), parts[-2:]
        elif parts[0] == "api" and len(parts) >= 3 and parts[1] == "models":
            rest = parts[2:]
            n = 2 if len(rest) > 1 and rest[1] not in _API_WORDS else 1
            repo_id, tail = "/".join(rest[:n]), rest[n:]
        elif not cdn and "resolve" in parts[1:3]:
            n = parts.index("resolve")
            repo_id, tail = "/".join(parts[:n]), parts[n + 1 :]
        else:
            return _error(404, "Not Found")
        authed = "authorization" in {k.lower() for k in headers}
        with self._lock:
            if pending := self._failures.get(repo_id):
                status, retry_after = pending.popleft()
                extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return _error(status, f"localhub: injected {status}", **extra)
            repo = self._repos.get(repo_id)
            if repo is None:
                return _error(404 if authed else 401, "Repository not found", "RepoNotFound")
            if cdn:
                data = self._blobs.get(tail[0])
                if data is None:
                    return _error(404, "NoSuchKey")
                return 200, {"ETag": f'"{tail[0]}"', "Content-Type": _OCTETS}, data
            if parts[0] == "api":
                return self._api(repo, tail, query)
            return self._resolve(repo, tail, authed)

    def _api(self, repo: HubRepo, tail: list[str], query: dict[str, str]) -> Answer:
        what, args = (tail[0], tail[1:]) if tail else ("revision", ["main"])
        if what == "refs":
            return _json(self._refs(repo, "include_prs" in query))
        if what == "discussions":
            return self._discussions(repo, args, query)
        commit = repo.resolve(args[0]) if args else None
        if commit is None:
            return _error(404, f"Invalid rev id: {args[0] if args else ''}", "RevisionNotFound")
        if what == "revision":
            return _json(self._info(repo, commit, query.get("blobs") in ("1", "true", "True")))
        if what == "tree":
            return self._tree(commit, "/".join(args[1:]), query.get("recursive") == "true")
        if what == "commits":  # one page: the commit and its ancestors, newest first
            chain = [commit]
            while chain[-1].parent:
                chain.append(repo.commits[chain[-1].parent])
            return _json([c.to_json() for c in chain])
        return _error(404, "Not Found")

    @staticmethod
    def _info(repo: HubRepo, commit: _Commit, blobs: bool) -> dict[str, Any]:
        siblings = []
        for path, data in commit.files.items():
            siblings.append({"rfilename": path})
            if blobs:
                entry = _entry(path, data)
                siblings[-1] |= {"blobId": entry["oid"], "size": entry["size"]}
                if lfs := entry.get("lfs"):
                    siblings[-1]["lfs"] = {"sha256": lfs["oid"], "size": lfs["size"]}
                    siblings[-1]["lfs"]["pointerSize"] = lfs["pointerSize"]
        info = {"id": repo.repo_id, "modelId": repo.repo_id, "sha": commit.sha, "private": False}
        info |= {"gated": "auto" if repo.gated else False, "disabled": False, "tags": []}
        return info | {"lastModified": _iso(commit.date), "siblings": siblings}

    @staticmethod
    def _tree(commit: _Commit, path: str, recursive: bool) -> Answer:
        prefix = f"{path}/" if path else ""
        under = {p: d for p, d in commit.files.items() if p.startswith(prefix)}
        if not under:
            return _error(404, f"{path} does not exist on {commit.sha}", "EntryNotFound")
        folders: set[str] = set()
        for p in under:
            steps = p[len(prefix) :].split("/")[:-1]
            folders.update(prefix + "/".join(steps[: i + 1]) for i in range(len(steps)))
        entries = [
            {"type": "directory", "oid": hashlib.sha1(f"{commit.sha}:{f}".encode()).hexdigest()}
            | {"size": 0, "path": f}
            for f in sorted(folders)
        ] + [_entry(p, d) for p, d in sorted(under.items())]
        if not recursive:
            entries = [e for e in entries if "/" not in e["path"][len(prefix) :]]
        return _json(entries)

    def _resolve(self, repo: HubRepo, tail: list[str], authed: bool) -> Answer:
        if repo.gated:
            message = f"Access to model {repo.repo_id} is restricted. You must have access to it."
            return _error(403 if authed else 401, message, "GatedRepo")
        commit = repo.resolve(tail[0]) if tail else None
        if commit is None:
            return _error(404, f"Invalid rev id: {tail[0] if tail else ''}", "RevisionNotFound")
        path = "/".join(tail[1:])
        if path not in commit.files:
            return _error(404, "Entry not found", "EntryNotFound", **{"X-Repo-Commit": commit.sha})
        data, entry = commit.files[path], _entry(path, commit.files[path])
        common = {"X-Repo-Commit": commit.sha, "Accept-Ranges": "bytes"}
        if lfs := entry.get("lfs"):
            etag, name = f'"{lfs["oid"]}"', quote(path.rsplit("/", 1)[-1])
            location = f"{self.cdn_url}/lfs/{quote(repo.repo_id)}/{lfs['oid']}/{name}"
            linked = {"X-Linked-Etag": etag, "X-Linked-Size": str(len(data)), "Location": location}
            return 302, {**common, "ETag": etag, **linked}, b""
        return 200, {**common, "ETag": f'"{entry["oid"]}"', "Content-Type": _OCTETS}, data

    @staticmethod
    def _refs(repo: HubRepo, include_prs: bool) -> dict[str, Any]:
        branches = [
            {"name": b, "ref": f"refs/heads/{b}", "targetCommit": s}
            for b, s in repo.branches.items()
        ]
        refs: dict[str, Any] = {"branches": branches, "converts": [], "tags": []}
        if include_prs:
            prs = sorted(repo.prs.items())
            refs["pullRequests"] = [
                {"name": str(n), "ref": pr.ref, "targetCommit": pr.sha} for n, pr in prs
            ]
        return refs

    @staticmethod
    def _discussions(repo: HubRepo, args: list[str], query: dict[str, str]) -> Answer:
        if args:  # one discussion, with details
            pr = repo.prs.get(int(args[0])) if args[0].isdigit() else None
            if pr is None:
                return _error(404, "Discussion not found")
            data = {"subject": pr.title, "oid": pr.sha}
            event = {"id": pr.sha[:24], "type": "commit", "createdAt": _iso(pr.created_at)}
            event |= {"author": {"name": pr.author}, "data": data}
            changes = {"base": "refs/heads/main"}
            details = {"events": [event], "changes": changes, "filesWithConflicts": [], "diff": ""}
            return _json(pr.to_json(repo.repo_id) | details)
        statuses = {"open": ("open", "draft"), "closed": ("closed", "merged")}
        prs = [
            pr
            for _, pr in sorted(repo.prs.items(), reverse=True)
            if query.get("type", "all") in ("all", "pull_request")
            and pr.status in statuses.get(query.get("status", "all"), (pr.status,))
            and query.get("author", pr.author) == pr.author
        ]
        start = int(query.get("p", "0")) * _PAGE
        page = [pr.to_json(repo.repo_id) for pr in prs[start : start + _PAGE]]
        return _json({"discussions": page, "count": len(prs), "start": start})
