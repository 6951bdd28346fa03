"""The local hub stand-in (tests/localhub.py), driven through huggingface_hub itself."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url
from huggingface_hub import snapshot_download as _snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from localhub import LocalHub, git_blob_sha1

REPO = "org/tiny"
FILES = {
    "config.json": b'{"a": 1}',
    "1_Pooling/config.json": b'{"pool": true}',
    "model.safetensors": b"weights-v1",
    "pytorch_model.bin": b"pickle-v1",
}
ALLOW = ["*.json", "*.safetensors"]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LocalHub]:
    with LocalHub() as hub, hub.patched(tmp_path / "hf"):
        yield hub


def snapshot_download(repo_id: str, **kwargs: object) -> Path:
    return Path(_snapshot_download(repo_id, **kwargs))  # type: ignore[call-overload]


def files_in(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_patched_points_huggingface_hub_at_the_hub_and_restores(tmp_path: Path) -> None:
    before = (huggingface_hub.constants.ENDPOINT, huggingface_hub.constants.HF_HUB_CACHE)
    with LocalHub() as hub, hub.patched(tmp_path / "hf"):
        assert hub.url == huggingface_hub.constants.ENDPOINT
        assert str(tmp_path / "hf" / "hub") == huggingface_hub.constants.HF_HUB_CACHE
        assert not huggingface_hub.constants.HF_HUB_OFFLINE and os.environ["HF_HUB_OFFLINE"] == "0"
    after = (huggingface_hub.constants.ENDPOINT, huggingface_hub.constants.HF_HUB_CACHE)
    assert after == before and os.environ["HF_HUB_OFFLINE"] == "1"  # conftest's setting is back


def test_model_info_lists_each_revisions_files(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    first = repo.commit(FILES, message="init")
    second = repo.commit({"notes.txt": "x"}, delete=["pytorch_model.bin"])
    api = HfApi()
    assert api.model_info(REPO).sha == second == repo.head()
    old = api.model_info(REPO, revision=first, files_metadata=True)
    assert old.sha == first
    siblings = {s.rfilename: s for s in old.siblings or []}
    assert set(siblings) == set(FILES)
    config, weights = siblings["config.json"], siblings["model.safetensors"]
    assert (config.blob_id, config.size, config.lfs) == (git_blob_sha1(b'{"a": 1}'), 8, None)
    assert weights.lfs is not None and weights.size == weights.lfs.size == len(b"weights-v1")
    assert weights.lfs.sha256 == hashlib.sha256(b"weights-v1").hexdigest()
    now = {s.rfilename for s in api.model_info(REPO).siblings or []}
    assert now == set(FILES) - {"pytorch_model.bin"} | {"notes.txt"}


def test_snapshot_download_at_main_a_sha_and_a_pr(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    first = repo.commit(FILES)
    second = repo.commit({"model.safetensors": b"weights-v2"})
    pr = repo.open_pr({"model.safetensors": b"weights-pr"}, title="New weights", author="bot")

    main = snapshot_download(REPO, allow_patterns=ALLOW)
    assert main.name == second
    expected = {k: v for k, v in FILES.items() if not k.endswith(".bin")}
    assert files_in(main) == expected | {"model.safetensors": b"weights-v2"}
    # The order huggingface_hub asks in: revision -> sha, the tree at the sha, then the files.
    assert hub.requests[:2] == [
        ("GET", f"/api/models/{REPO}/revision/main"),
        ("GET", f"/api/models/{REPO}/tree/{second}?recursive=true&expand=false"),
    ]
    hub.requests.clear()
    assert files_in(snapshot_download(REPO, revision=first, allow_patterns=ALLOW)) == expected
    assert not any("/revision/" in path for _, path in hub.requests)  # a sha needs no lookup

    at_pr = snapshot_download(REPO, revision=pr.ref, allow_patterns=ALLOW)
    assert at_pr.name == pr.sha and files_in(at_pr)["model.safetensors"] == b"weights-pr"
    assert ("GET", f"/api/models/{REPO}/revision/refs%2Fpr%2F1") in hub.requests
    assert not any(".bin" in path for _, path in hub.requests)  # allow_patterns held


def test_lfs_files_redirect_like_the_real_hub(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    sha = repo.commit(FILES)
    sha256 = hashlib.sha256(b"weights-v1").hexdigest()
    meta = get_hf_file_metadata(hf_hub_url(REPO, "model.safetensors"))
    assert (meta.commit_hash, meta.etag, meta.size) == (sha, sha256, len(b"weights-v1"))
    assert meta.location.startswith(hub.cdn_url)  # a 302 off the hub's origin, not followed
    plain = get_hf_file_metadata(hf_hub_url(REPO, "1_Pooling/config.json"))
    assert (plain.etag, plain.size) == (git_blob_sha1(b'{"pool": true}'), 14)

    path = Path(hf_hub_download(REPO, "model.safetensors"))
    assert path.read_bytes() == b"weights-v1" and path.resolve().name == sha256  # blob = etag
    assert ("GET", f"/lfs/{REPO}/{sha256}/model.safetensors") in hub.requests


def test_hf_hub_download_revisions_and_missing_things(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    repo.commit(FILES)
    pr = repo.open_pr({"1_Pooling/config.json": b"{}"}, title="Pool", author="bot")
    assert Path(hf_hub_download(REPO, "1_Pooling/config.json")).read_bytes() == b'{"pool": true}'
    at_pr = hf_hub_download(REPO, "config.json", subfolder="1_Pooling", revision=pr.ref)
    assert Path(at_pr).read_bytes() == b"{}"
    assert ("HEAD", f"/{REPO}/resolve/refs%2Fpr%2F1/1_Pooling/config.json") in hub.requests
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "missing.json")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "config.json", revision="no-such-branch")
    with pytest.raises(RevisionNotFoundError):
        snapshot_download(REPO, revision="refs/pr/99")


def test_refs_and_commit_history(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    first = repo.commit(FILES, message="init")
    second = repo.commit({"config.json": b"{}"}, message="Bump config\n\nlonger body")
    pr = repo.open_pr({"model.safetensors": b"w2"}, title="Add weights", author="bot")
    stale = repo.open_pr({"x.txt": b"x"}, title="Old", author="bot", parent=first)
    third = repo.commit({"README.md": "hi"}, sha="ab" * 20)
    assert third == "ab" * 20 == repo.head()
    api = HfApi()

    refs = api.list_repo_refs(REPO, include_pull_requests=True)
    assert [(b.name, b.ref, b.target_commit) for b in refs.branches] == [
        ("main", "refs/heads/main", third)
    ]
    assert [(r.name, r.ref, r.target_commit) for r in refs.pull_requests or []] == [
        ("1", "refs/pr/1", pr.sha),
        ("2", "refs/pr/2", stale.sha),
    ]
    assert api.list_repo_refs(REPO).pull_requests is None

    log = api.list_repo_commits(REPO)
    assert [c.commit_id for c in log] == [third, second, first]  # newest first
    assert (log[1].title, log[1].message) == ("Bump config", "longer body")
    pr_log = api.list_repo_commits(REPO, revision=pr.ref)
    assert [c.commit_id for c in pr_log] == [pr.sha, second, first]  # parent: main's head then
    assert pr_log[0].authors == ["bot"] and pr_log[0].title == "Add weights"
    assert [c.commit_id for c in api.list_repo_commits(REPO, revision=stale.ref)] == [
        stale.sha,
        first,
    ]


def test_discussions_are_filtered_server_side(hub: LocalHub) -> None:
    repo = hub.repo(REPO)
    repo.commit(FILES)
    mine = repo.open_pr({"a.txt": "1"}, title="Mine", author="bot")
    repo.open_pr({"b.txt": "2"}, title="Theirs", author="someone")
    repo.open_pr({"c.txt": "3"}, title="Closed", author="bot", status="closed")
    repo.open_pr({"d.txt": "4"}, title="Late", author="bot", num=9)
    api = HfApi()

    found = api.get_repo_discussions(
        REPO, author="bot", discussion_type="pull_request", discussion_status="open"
    )
    assert [(d.num, d.title, d.git_reference) for d in found] == [
        (9, "Late", "refs/pr/9"),
        (1, "Mine", "refs/pr/1"),
    ]
    query = "type=pull_request&status=open&author=bot&p=0"
    assert ("GET", f"/api/models/{REPO}/discussions?{query}") in hub.requests
    assert [d.num for d in api.get_repo_discussions(REPO)] == [9, 3, 2, 1]
    assert [d.num for d in api.get_repo_discussions(REPO, discussion_status="closed")] == [3]

    details = api.get_discussion_details(REPO, mine.num)
    assert (details.git_reference, details.author, details.title) == ("refs/pr/1", "bot", "Mine")
    assert (details.status, details.is_pull_request, details.target_branch) == (
        "open",
        True,
        "refs/heads/main",
    )
    assert [getattr(e, "oid", None) for e in details.events] == [mine.sha]
    with pytest.raises(HfHubHTTPError) as err:
        api.get_discussion_details(REPO, 42)
    assert err.value.response.status_code == 404


def test_gated_repo(hub: LocalHub) -> None:
    hub.repo("org/gated", gated=True).commit(FILES)
    assert HfApi().model_info("org/gated").gated == "auto"  # metadata stays public
    with pytest.raises(GatedRepoError) as err:
        hf_hub_download("org/gated", "config.json")
    assert err.value.response.status_code == 401
    with pytest.raises(GatedRepoError):
        snapshot_download("org/gated")


def test_missing_repo(hub: LocalHub) -> None:
    with pytest.raises(RepositoryNotFoundError) as err:
        HfApi().model_info("org/nope")
    assert not isinstance(err.value, GatedRepoError)
    assert err.value.response.status_code == 401  # anonymous, as on the real hub
    with pytest.raises(RepositoryNotFoundError) as err:
        HfApi().model_info("org/nope", token="hf_not_a_real_token")
    assert err.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("org/nope")


@pytest.mark.slow
def test_rate_limiting_what_huggingface_hub_does(hub: LocalHub) -> None:
    hub.repo(REPO).commit(FILES)
    api = HfApi()
    # Single-shot metadata calls never retry.
    hub.fail(REPO, 429, retry_after=7)
    with pytest.raises(HfHubHTTPError) as err:
        api.model_info(REPO)
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7" and len(hub.requests) == 1
    # snapshot_download swallows a 429 on the revision lookup and falls back to the (empty) cache.
    hub.fail(REPO, 429)
    with pytest.raises(LocalEntryNotFoundError) as lost:
        snapshot_download(REPO)
    cause = lost.value.__cause__
    assert isinstance(cause, HfHubHTTPError) and cause.response.status_code == 429
    # Paginated listings retry, waiting Retry-After + 1 s (the plain backoff's first wait is 1 s).
    hub.requests.clear()
    hub.fail(REPO, 429, retry_after=1)
    start = time.monotonic()
    assert len(api.list_repo_commits(REPO)) == 1
    assert time.monotonic() - start >= 2 and len(hub.requests) == 2
    # hf_hub_download: one HEAD without retry, then HEADs with backoff, then the GET.
    hub.requests.clear()
    hub.fail(REPO, 429, times=2, retry_after=0)
    assert Path(hf_hub_download(REPO, "config.json")).read_bytes() == b'{"a": 1}'
    assert [method for method, _ in hub.requests] == ["HEAD", "HEAD", "HEAD", "GET"]


def test_snapshot_download_in_a_subprocess(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom huggingface_hub import snapshot_download\n"
        "print(snapshot_download(sys.argv[1], revision=sys.argv[2], allow_patterns=sys.argv[3:]))"
    )
    with LocalHub() as hub:
        repo = hub.repo(REPO)
        repo.commit(FILES)
        pr = repo.open_pr({"model.safetensors": b"weights-pr"}, title="PR", author="bot")
        env = {**os.environ, **hub.environ(tmp_path / "hf")}
        args = [sys.executable, "-c", code, REPO, pr.ref, *ALLOW]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    snapshot = Path(done.stdout.strip().splitlines()[-1])
    assert snapshot == tmp_path / "hf" / "hub" / "models--org--tiny" / "snapshots" / pr.sha
    assert files_in(snapshot)["model.safetensors"] == b"weights-pr"
    assert not any(".bin" in path for _, path in hub.requests)
    assert hub.requests[0] == ("GET", f"/api/models/{REPO}/revision/refs%2Fpr%2F1")
