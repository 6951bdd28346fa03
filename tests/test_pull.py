"""`summarize models pull` against a local stand-in for the hub (tests/localhub.py): pinned
revisions, the conversion bot's pull request where main has only pickle weights, and one
clear line for every repo it refuses; then the first run, offline, on what was pulled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from localhub import LocalHub

from summarizer.cli import main
from summarizer.hub import BOT, BOT_TITLE, lock_path, read_lock

WEIGHTS = "model.safetensors"


def tiny_files(folder: Path) -> dict[str, Path]:
    """A tiny model folder's files, as a repo holds them (weights included)."""
    return {p.name: p for p in folder.iterdir() if p.is_file()}


def without_weights(files: dict[str, Path]) -> dict[str, Path | bytes]:
    """The repo's main as many real ones are: configs and tokenizer, pickle weights only."""
    main: dict[str, Path | bytes] = {k: v for k, v in files.items() if k != WEIGHTS}
    main["pytorch_model.bin"] = b"pickle weights: must never be downloaded"
    return main


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LocalHub]:
    with LocalHub() as hub, hub.patched(tmp_path / "hf"):
        yield hub


@pytest.fixture
def published(hub: LocalHub, tiny_dir: Path) -> dict[str, str]:
    """Repos in every layout `pull` meets; returns name -> the commit a pull must fetch."""
    marian = tiny_files(tiny_dir / "marian")
    expected: dict[str, str] = {}

    repo = hub.repo("org/bot-pr")  # main: pickle only; a stale bot PR, then a current one
    old_main = repo.commit(without_weights(marian), message="initial")
    repo.open_pr({WEIGHTS: marian[WEIGHTS]}, title=BOT_TITLE, author=BOT, parent=old_main)
    repo.commit({"README.md": b"# tiny"}, message="readme")
    expected["bot"] = repo.open_pr({WEIGHTS: marian[WEIGHTS]}, title=BOT_TITLE, author=BOT).sha
    repo.open_pr({WEIGHTS: b"not the bot"}, title=BOT_TITLE, author="Jona6tc")  # newest

    repo = hub.repo("org/pinned-ref")
    repo.commit(without_weights(marian))
    expected["ref"] = repo.open_pr({WEIGHTS: marian[WEIGHTS]}, title="mine", author="someone").sha

    repo = hub.repo("org/on-main")
    expected["main"] = repo.commit(marian)

    repo = hub.repo("org/impostor")
    repo.commit(without_weights(marian))
    repo.open_pr({WEIGHTS: marian[WEIGHTS]}, title=BOT_TITLE, author="Jona6tc")

    repo = hub.repo("org/stale-bot")
    first = repo.commit(without_weights(marian))
    repo.open_pr({WEIGHTS: marian[WEIGHTS]}, title=BOT_TITLE, author=BOT, parent=first)
    repo.commit({"README.md": b"moved on"})

    hub.repo("org/pickle-only").commit(without_weights(marian))
    hub.repo("org/gated", gated=True).commit(marian)
    return expected


def registry(folder: Path, entries: dict[str, str]) -> Path:
    """A models.yaml of tiny Marian translators (name -> 'id' or 'id@revision')."""
    lines = ["models:"]
    for name, where in entries.items():
        repo, _, revision = where.partition("@")
        lines.append(f"  {name}: {{id: {repo}, task: translation, family: marian"
                     + (f", revision: {revision}" if revision else "") + "}")  # fmt: skip
    first = next(iter(entries))
    lines += ["translation:", f"  routes: {{de: {first}, he: {first}}}",
              "summarization: {engine: extractive}", "stories: {model: tfidf}"]  # fmt: skip
    path = folder / "models.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pull(config: Path, *args: str) -> tuple[int, list[str]]:
    """Run `summarize models pull` in this process; its exit status and printed lines."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        status = main(["models", "pull", "--config", str(config), *args])
    return status, out.getvalue().splitlines()


def test_pull_follows_the_bots_pull_request_and_records_the_commit(
    hub: LocalHub, published: dict[str, str], tmp_path: Path
) -> None:
    config = registry(tmp_path, {"tiny": "org/bot-pr"})
    status, lines = pull(config, "--no-check")
    assert status == 0, lines
    said = "\n".join(lines)
    assert "main of org/bot-pr has no safetensors weights" in said
    assert f"commit {published['bot'][:12]}" in said
    entry = read_lock()["org/bot-pr@default"]
    assert entry["commit"] == published["bot"] and entry["ref"].startswith("refs/pr/")
    assert WEIGHTS in entry["files"]
    assert not any("pytorch_model.bin" in path for _, path in hub.requests)  # never fetched


def test_pull_takes_pinned_refs_and_main_when_it_has_safetensors(
    hub: LocalHub, published: dict[str, str], tmp_path: Path
) -> None:
    config = registry(tmp_path, {"byref": "org/pinned-ref@refs/pr/1", "onmain": "org/on-main"})
    status, lines = pull(config, "--no-check", "byref", "onmain")
    assert status == 0, lines
    entries = read_lock()
    assert entries["org/pinned-ref@refs/pr/1"]["commit"] == published["ref"]
    assert entries["org/on-main@default"]["commit"] == published["main"]


@pytest.mark.parametrize(
    ("repo", "expected"),
    [
        ("org/impostor", r"#1 by 'Jona6tc' carries the bot's title but not its account"),
        ("org/stale-bot", "1 bot pull request(s) sit on an older main"),
        ("org/pickle-only", "main has no safetensors weights and no open pull request"),
        ("org/gated", "is gated: accept its terms"),
        ("org/missing", "is not on the hub (or is private)"),
        ("org/pinned-ref@refs/pr/9", "has no revision 'refs/pr/9'"),
    ],
)
def test_pull_refuses_with_one_line_naming_the_fix(
    hub: LocalHub, published: dict[str, str], tmp_path: Path, repo: str, expected: str
) -> None:
    config = registry(tmp_path, {"bad": repo})
    status, lines = pull(config, "--no-check")
    errors = [line for line in lines if line.startswith("summarize: error: bad (")]
    assert status == 1 and len(errors) == 1, lines
    assert expected in errors[0]
    assert "Traceback" not in "\n".join(lines)
    if repo != "org/gated":  # a gated repo's file list is public: its files answer 401
        assert not any(path.endswith(WEIGHTS) for _, path in hub.requests if "resolve" in path)


def test_pull_says_when_the_hub_rate_limits(
    hub: LocalHub, published: dict[str, str], tmp_path: Path
) -> None:
    hub.fail("org/on-main", 429, times=50, retry_after=7)
    status, lines = pull(registry(tmp_path, {"busy": "org/on-main"}), "--no-check")
    assert status == 1
    assert any("rate-limiting this machine (HTTP 429) (it asks to wait 7 s)" in ln for ln in lines)


@pytest.mark.slow
def test_pull_then_the_first_run_offline_loads_exactly_that_commit(
    hub: LocalHub, published: dict[str, str], tmp_path: Path
) -> None:
    """Pulled by the CLI in a fresh process, then run offline in another, as a user does."""
    config = registry(tmp_path, {"tiny": "org/bot-pr"})
    env = {**os.environ, **hub.environ(tmp_path / "hf"), "SUMMARIZER_LOCK": str(lock_path())}
    cmd = [sys.executable, "-m", "summarizer.cli"]
    got = subprocess.run([*cmd, "models", "pull", "--config", str(config)], env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    # Random weights: the pull succeeds, then its self-check fails, naming the reasons.
    assert "main of org/bot-pr has no safetensors weights" in got.stdout
    assert "tiny: FAILED" in got.stdout and "fix:" in got.stdout, got.stdout + got.stderr
    assert got.returncode == 1
    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    out = tmp_path / "digest.json"
    article = DATA / "de_scraped.txt"
    run = subprocess.run([*cmd, "--config", str(config), str(article), "-o", str(out), "-q"],
                         env=offline, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [a["language"] for a in result["articles"]] == ["de"]
    assert result["articles"][0]["segments"]
    listed = subprocess.run([*cmd, "models", "list", "--config", str(config)], env=offline,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    row = next(line for line in listed.stdout.splitlines() if line.startswith("tiny "))
    assert "FAILED" in row and published["bot"][:12] in row


def test_pull_offline_says_so(tmp_path: Path) -> None:
    """The test session runs with HF_HUB_OFFLINE=1 (conftest): pulling says what to unset."""
    status, lines = pull(registry(tmp_path, {"any": "org/any"}), "--no-check")
    assert status == 1
    assert any("HF_HUB_OFFLINE is set, and pulling needs the hub" in line for line in lines)


def test_a_model_that_was_not_pulled_is_not_checked(
    hub: LocalHub, published: dict[str, str], tmp_path: Path
) -> None:
    status, lines = pull(registry(tmp_path, {"bad": "org/missing", "good": "org/on-main"}),
                         "bad", "good")  # fmt: skip
    assert status == 1
    assert not any("needed by `models check`" in line for line in lines)
    assert any(line.startswith("good: FAILED (") for line in lines)  # random weights
    assert (
        lines[-1] == "summarize: 1 of 2 model(s) pulled; 1 failed; 1 pulled model(s) failed the "
        "self-check (see above)"
    )
