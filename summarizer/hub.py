"""Where models come from: local folders and the hub cache, the offline rules, pinned
revisions, the conversion bot's pull requests, pulling, weight safety, and the lock that
records what was pulled and how its self-check went. `model_folder` is what loading asks.

Many hub repos keep only pickle weights on ``main``; the hub's conversion bot
(``SFconvertbot``) opened pull requests that add ``model.safetensors``. A model pinned to a
commit or a ``refs/pr/N`` ref is pulled as pinned. A model without a revision is pulled
from ``main`` when it has safetensors, else from the bot's open pull request whose parent
is ``main``'s head, found the way transformers' own auto-conversion finds it (the author
is checked too: anyone can open a pull request with the bot's title).

`pull` records the commit it fetched in the lock file (``models.lock.json`` in the user
cache folder, or ``$SUMMARIZER_LOCK``); runs load exactly that commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .config import Config, ModelSpec
from .types import ModelLoadError, SummarizerError, one_line
from .utils import atomic_write, weights_fingerprint

logger = logging.getLogger("summarizer")

BOT = "SFconvertbot"
BOT_TITLE = "Adding `safetensors` variant of this model"
# Configs, tokenizers and safetensors weights: everything a model needs, no pickles.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.spm", "*.txt", "*.tiktoken"]
LOCK_ENV = "SUMMARIZER_LOCK"
SHA = 40


class HubError(SummarizerError, RuntimeError):
    """A model cannot be pulled; one line that names the model and the fix."""


class HubUnreachable(HubError):
    """The hub did not answer at all (no connection): ``cause`` says why in a few words
    ("connection refused"), ``endpoint`` where it was looked for; the message, the fix too."""

    def __init__(self, who: str, cause: str, endpoint: str) -> None:
        super().__init__(
            f"{who}: cannot reach the hub at {endpoint} ({cause}); check the network (or "
            "HF_ENDPOINT), then pull again"
        )
        self.cause, self.endpoint = cause, endpoint


@dataclass(frozen=True)
class Resolved:
    """The commit a pull fetches, the ref it came from, and a note when it was not main."""

    commit: str
    ref: str
    weights: tuple[str, ...]
    note: str | None = None


def lock_path() -> Path:
    """$SUMMARIZER_LOCK, else models.lock.json in the user cache folder."""
    if os.environ.get(LOCK_ENV):
        return Path(os.environ[LOCK_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("summarizer")) / "models.lock.json"


def lock_key(spec: ModelSpec) -> str:
    """A model's entry in the lock: its hub id and the revision models.yaml asks for, or
    its local folder."""
    if spec.local_path is not None:
        return str(spec.local_path)
    return f"{spec.id}@{spec.revision or 'default'}"


def read_lock() -> dict[str, dict[str, Any]]:
    """The lock's entries; an unreadable lock is treated as empty (with a warning)."""
    path = lock_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the model lock %s: %s", path, exc)
        return {}
    models = data.get("models") if isinstance(data, dict) else None
    return {k: v for k, v in (models or {}).items() if isinstance(v, dict)}


@contextlib.contextmanager
def editing_lock() -> Iterator[dict[str, dict[str, Any]]]:
    """The lock's entries to change in place; written back atomically, one writer at a time."""
    from filelock import FileLock

    path = lock_path()
    lock = FileLock(str(path) + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as exc:
        raise HubError(_lock_failure(path, exc)) from None
    try:
        entries = read_lock()
        yield entries
        try:
            atomic_write(path, json.dumps({"version": 1, "models": entries}, indent=2) + "\n")
        except OSError as exc:
            raise HubError(_lock_failure(path, exc)) from None
    finally:
        lock.release()


def _lock_failure(path: Path, exc: OSError) -> str:
    """The model lock cannot be written: which file, why, and the fix (a full disk: space)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space on its disk"
    else:
        fix = f"check that you may write its folder, or set {LOCK_ENV} to a file elsewhere"
    return f"the model lock {path} cannot be written ({exc.strerror or exc}); {fix}"


def with_lock(config: Config) -> Config:
    """``config`` with each hub model's pulled commit (from the lock) to load."""
    entries = read_lock()
    models = {}
    for name, spec in config.models.items():
        commit = entries.get(lock_key(spec), {}).get("commit")
        if spec.local_path is None and isinstance(commit, str) and len(commit) == SHA:
            spec = replace(spec, commit=commit)
        models[name] = spec
    return replace(config, models=models)


def model_folder(spec: ModelSpec, needed_by: str) -> Path:
    """The model's folder on this machine, by the rules every model shares: a local folder
    must hold safetensors weights (pickles only when allowed); a hub model comes from the
    cache, else is pulled now when the hub can be reached, resolved and recorded as
    `summarize models pull` does. Every failure is one ModelLoadError line."""
    cached = is_cached(spec)
    if not cached and (offline() or not hub_reachable()):
        raise ModelLoadError(missing_message(spec, needed_by))
    if spec.local_path is not None:
        check_weights(spec)
        return spec.local_path
    with load_errors(spec, needed_by, cached):
        if cached:
            return snapshot(spec, local_files_only=True)
        folder, resolved = pull(spec)
        if resolved.note:
            logger.warning("%s", resolved.note)
        return folder


@contextlib.contextmanager
def load_errors(spec: ModelSpec, needed_by: str, cached: bool = True) -> Iterator[None]:
    """Any failure to get or open ``spec``'s files as one ModelLoadError line naming the
    model, what needed it, and the fix."""
    try:
        yield
    except ModelLoadError:
        raise
    except HubError as exc:
        raise ModelLoadError(f"{exc} (needed by {needed_by})") from exc
    except OSError as exc:
        if not cached:
            raise ModelLoadError(missing_message(spec, needed_by)) from exc
        raise ModelLoadError(
            f"model '{spec.name}' ({spec.source}), needed by {needed_by}, could not be loaded: "
            f"{one_line(exc)}; re-download it with `summarize models pull {spec.name}`"
        ) from exc
    except Exception as exc:
        raise ModelLoadError(
            f"model '{spec.name}' ({spec.source}), needed by {needed_by}, could not be loaded: "
            f"{one_line(exc)}"
        ) from exc


def offline() -> bool:
    """Whether HF_HUB_OFFLINE forbids the hub (as huggingface_hub reads it)."""
    return os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")


def check_weights(spec: ModelSpec) -> None:
    """A local folder's weights must be safetensors, or pickles the user allowed."""
    folder = spec.local_path
    assert folder is not None
    if any(folder.glob("*.safetensors")):
        return
    if any(folder.glob("*.bin")) or any(folder.glob("*.pt")):
        if spec.allow_pickle:
            return
        raise ModelLoadError(
            f"model '{spec.name}' ({folder}) has only pickle weights (.bin), which can run code "
            "when loaded; convert them to safetensors, or set allow_pickle: true for it in "
            "models.yaml if you trust the folder"
        )
    raise ModelLoadError(
        f"model '{spec.name}' ({folder}) has no weights file (*.safetensors); "
        "point its id at a complete model folder"
    )


def missing_message(spec: ModelSpec, needed_by: str) -> str:
    return (
        f"model '{spec.name}' ({spec.id}), needed by {needed_by}, is not in the local cache and "
        f"the hub cannot be reached: run `summarize models pull {spec.name}` on a connected "
        f"machine, or set its id in models.yaml to a local folder"
    )


def is_cached(spec: ModelSpec) -> bool:
    """Whether the model's files are on this machine (a local folder or the hub cache)."""
    if spec.local_path is not None:
        return True
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.id, "config.json", revision=spec.load_revision)
    return isinstance(found, str)


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """One quick TCP probe of the hub per process, so an offline run fails in seconds
    instead of waiting through huggingface_hub's retries for every model."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def snapshot(spec: ModelSpec, local_files_only: bool) -> Path:
    """A hub model's snapshot folder at its pinned (or pulled) revision."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            spec.id,
            revision=spec.load_revision,
            allow_patterns=patterns(spec),
            local_files_only=local_files_only,
        )
    )


def patterns(spec: ModelSpec) -> list[str]:
    return [*HUB_PATTERNS, *(["*.bin"] if spec.allow_pickle else [])]


def resolve(spec: ModelSpec) -> Resolved:
    """The commit to pull for ``spec``: its pinned revision, else main when main has
    safetensors, else the conversion bot's open pull request on top of main."""
    from huggingface_hub import HfApi

    api = HfApi()
    asked = spec.revision or "main"
    info = _call(spec, asked, lambda: api.model_info(spec.id, revision=asked))
    weights = _weights(info, spec)
    if weights or spec.revision:
        if not weights:
            raise HubError(
                f"{spec.name} ({spec.id}): revision '{asked}' has no safetensors weights; pin "
                "a revision that has them (a commit or refs/pr/N), or set allow_pickle: true "
                "for it in models.yaml if you trust its pickle weights"
            )
        return Resolved(info.sha, asked, weights)
    return _bot_pull_request(api, spec, info.sha)


def _bot_pull_request(api: Any, spec: ModelSpec, main: str) -> Resolved:
    """The bot's open safetensors pull request whose parent is ``main``, or HubError."""
    prs = _call(spec, "main", lambda: list(api.get_repo_discussions(
        spec.id, discussion_type="pull_request", discussion_status="open")))  # fmt: skip
    titled = [p for p in prs if p.title == BOT_TITLE and p.status == "open" and p.is_pull_request]
    impostors = [p for p in titled if p.author != BOT]
    stale = 0
    for pr in sorted((p for p in titled if p.author == BOT), key=lambda p: -p.num):
        ref = pr.git_reference or f"refs/pr/{pr.num}"
        commits = _call(spec, ref, lambda ref=ref: api.list_repo_commits(spec.id, revision=ref))
        if len(commits) < 2 or commits[1].commit_id != main:
            stale += 1
            continue
        info = _call(spec, ref, lambda ref=ref: api.model_info(spec.id, revision=ref))
        weights = _weights(info, spec)
        if weights:
            note = (
                f"{spec.name}: main of {spec.id} has no safetensors weights; using the hub "
                f"conversion bot's pull request #{pr.num} ({ref}, commit {info.sha[:7]}) on top "
                f"of main, as transformers does; pin it with `revision: {ref}` in models.yaml"
            )
            return Resolved(info.sha, ref, weights, note)
    why = []
    if stale:
        why.append(f"{stale} bot pull request(s) sit on an older main")
    if impostors:
        named = ", ".join(f"#{p.num} by '{p.author}'" for p in impostors)
        why.append(f"{named} carr{'ies' if len(impostors) == 1 else 'y'} the bot's title but "
                   f"not its account ({BOT}), so {'it is' if len(impostors) == 1 else 'they are'} "
                   "not used")  # fmt: skip
    found = f" ({'; '.join(why)})" if why else ""
    raise HubError(
        f"{spec.name} ({spec.id}): main has no safetensors weights and no open pull request "
        f"by the hub's conversion bot ({BOT}) adds them on top of main{found}; pin a revision "
        "that has safetensors (`revision:` in models.yaml), or set allow_pickle: true for it "
        "if you trust its pickle weights"
    )


def _weights(info: Any, spec: ModelSpec) -> tuple[str, ...]:
    names = [s.rfilename for s in (info.siblings or [])]
    safe = tuple(n for n in names if n.endswith(".safetensors") and "/" not in n)
    if safe or not spec.allow_pickle:
        return safe
    return tuple(n for n in names if n.endswith(".bin") and "/" not in n)


def pull(spec: ModelSpec) -> tuple[Path, Resolved]:
    """Fetch ``spec``'s configs, tokenizer and weights at the resolved commit, check that the
    weights arrived, and record the commit in the lock. Raises HubError (one line)."""
    from huggingface_hub import snapshot_download

    resolved = resolve(spec)
    # A pinned ref is fetched by name, so the hub cache records it (offline loads by ref work);
    # the commit must still be the one resolved above.
    by_name = spec.revision and len(spec.revision) != SHA and resolved.ref == spec.revision
    revision = resolved.ref if by_name else resolved.commit
    folder = Path(_call(spec, revision, lambda: snapshot_download(
        spec.id, revision=revision, allow_patterns=patterns(spec))))  # fmt: skip
    if folder.name != resolved.commit:
        raise HubError(
            f"{spec.name} ({spec.id}): '{revision}' moved to commit {folder.name[:7]} while "
            "pulling; run `summarize models pull` again"
        )
    missing = [w for w in resolved.weights if not (folder / w).is_file()]
    if missing:
        raise HubError(
            f"{spec.name} ({spec.id}): {', '.join(missing)} did not arrive; run "
            f"`summarize models pull {spec.name}` again"
        )
    with editing_lock() as entries:
        entries[lock_key(spec)] = {
            "id": spec.id,
            "revision": spec.revision,
            "ref": resolved.ref,
            "commit": resolved.commit,
            "pulled": _now(),
            "files": {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()},
        }
    return folder, resolved


def record_check(spec: ModelSpec, runtime: str, problems: list[str]) -> None:
    """Remember how ``spec``'s self-check on ``runtime`` went (shown by `models list`)."""
    with editing_lock() as entries:
        entry = entries.setdefault(lock_key(spec), {"id": spec.id, "revision": spec.revision})
        if spec.local_path is not None:
            entry["weights"] = weights_fingerprint(spec.local_path)
        checks = entry.setdefault("checks", {})
        checks[runtime] = {"ok": not problems, "problems": problems, "at": _now()}


def check_status(spec: ModelSpec, entries: dict[str, dict[str, Any]]) -> str:
    """'ok', 'FAILED' or '-' (never checked) for ``spec``'s weights, from the lock."""
    entry = entries.get(lock_key(spec))
    if not entry or not entry.get("checks"):
        return "-"
    if spec.local_path is not None and entry.get("weights") != weights_fingerprint(spec.local_path):
        return "-"
    if spec.local_path is None and entry.get("commit") not in (None, spec.load_revision):
        return "-"
    return "ok" if all(c.get("ok") for c in entry["checks"].values()) else "FAILED"


def _call(spec: ModelSpec, revision: str, fn: Any) -> Any:
    """``fn()``, with huggingface_hub's errors turned into one HubError line each."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    who = f"{spec.name} ({spec.id})"
    try:
        try:
            return fn()
        except Exception as exc:
            # snapshot_download wraps a hub error (a 429, a gated file) in a cache miss.
            raise _root_cause(exc) from None
    except GatedRepoError:
        raise HubError(
            f"{who} is gated: accept its terms on its hub page and log in (`hf auth login`, "
            "or set HF_TOKEN), then pull again"
        ) from None
    except RepositoryNotFoundError:
        raise HubError(
            f"{who} is not on the hub (or is private): check its id in models.yaml"
        ) from None
    except RevisionNotFoundError:
        raise HubError(
            f"{who} has no revision '{revision}': check `revision:` in models.yaml"
        ) from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status == 429:
            wait = exc.response.headers.get("Retry-After") if exc.response is not None else None
            after = f" (it asks to wait {wait} s)" if wait else ""
            raise HubError(
                f"{who}: the hub is rate-limiting this machine (HTTP 429){after}; wait, then "
                f"run `summarize models pull {spec.name}` again"
            ) from None
        raise HubError(f"{who}: the hub answered HTTP {status}: {_line(exc)}") from None
    except HubError:
        raise
    except OfflineModeIsEnabled:
        raise HubError(
            f"{who}: HF_HUB_OFFLINE is set, and pulling needs the hub: unset it to pull"
        ) from None
    except Exception as exc:  # no connection (httpx's errors are not OSErrors), a bad reply
        from huggingface_hub import constants

        full = _disk_full(exc)
        if full is not None:  # not the network's fault: say where the space ran out
            raise HubError(
                f"{who}: cannot be saved in the model cache {constants.HF_HUB_CACHE} "
                f"({full.strerror}); free some space on its disk (or set HF_HOME to a folder "
                f"on another disk), then run `summarize models pull {spec.name}` again"
            ) from None

        cause = _unreachable(exc)
        if cause is not None:
            raise HubUnreachable(who, cause, constants.ENDPOINT) from None
        raise HubError(
            f"{who}: cannot pull from the hub at {constants.ENDPOINT} ({_line(exc)}); check "
            "the network (or HF_ENDPOINT), then pull again"
        ) from None


def _unreachable(exc: BaseException) -> str | None:
    """Why the hub could not be reached at all, in a few words, from the errors behind
    ``exc`` (the HTTP client's own text is a paragraph); None when it answered."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        names = {cls.__name__ for cls in type(seen).__mro__}
        if isinstance(seen, ConnectionRefusedError) or code == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "host name not found"
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        if isinstance(seen, TimeoutError) or any("Timeout" in n for n in names):
            return "timed out"
        if "SSLError" in names or "SSLCertVerificationError" in names:
            return "TLS error"
        if names & {"ProxyError"}:
            return "proxy error"
        seen = seen.__cause__ or seen.__context__
    found = {cls.__name__ for cls in type(exc).__mro__}
    return "no connection" if found & {"ConnectError", "ConnectionError"} else None


def _disk_full(exc: BaseException) -> OSError | None:
    """The "no space left" (or quota) error behind ``exc``, if it is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _root_cause(exc: Exception) -> Exception:
    """The hub's own HTTP error behind ``exc``, if it wraps one, else ``exc``."""
    from huggingface_hub.errors import HfHubHTTPError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, HfHubHTTPError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def _line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()).split(" (Request ID")[0] or type(exc).__name__
    return text[:200] + ("..." if len(text) > 200 else "")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
