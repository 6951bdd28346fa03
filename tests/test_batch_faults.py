"""Batch runs under faults: SIGINT/SIGTERM mid-run, a second run on the same store, and a
full disk. Each ends with one line and no traceback, a sound store holding whole chunks
only, no half-written or temporary file, and a re-run that picks up where it stopped."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES
from test_batch import batch, check_outputs, child_env, cli, index, rows, synthetic_manifest

import summarizer.batch as batch_module
from summarizer import utils
from summarizer.store import Store, batch_lock


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def sound(store: Path) -> dict[str, int]:
    """The store passes SQLite's integrity check; its row counts."""
    with Store(store) as opened:
        assert opened.check() == "ok"
        return opened.counts()


def one_error_line(err: str) -> str:
    """stderr holds no traceback and exactly one error line (log warnings aside): that line."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("summarize: error:")]
    assert len(errors) == 1, err
    return errors[0]


N = 60  # articles in the interrupted runs: enough that a signal lands mid-way


@pytest.fixture(scope="module")
def whole(tiny_config: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The manifest, and the outputs of one uninterrupted run over it."""
    tmp = tmp_path_factory.mktemp("whole")
    manifest = synthetic_manifest(tmp / "m.jsonl", N)
    args = cli(tiny_config, manifest, tmp / "out", tmp / "w.sqlite")
    done = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return manifest, tmp / "out"


def reset_sigint() -> None:
    """In the child: SIGINT as a terminal's Ctrl-C sends it, even if pytest runs in the
    background (where the shell starts it ignored, and Python keeps it so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_and_a_rerun_resumes(
    tiny_config: Path, tmp_path: Path, whole: tuple[Path, Path], signum: signal.Signals
) -> None:
    manifest, clean = whole
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    args = cli(tiny_config, manifest, out, store, "--chunk-size", "2")
    if signum == signal.SIGINT:  # with the progress bars drawn, as a user at a terminal sees
        args.remove("-q")
    child = subprocess.Popen(
        args, env=child_env(), stderr=subprocess.PIPE, text=True, preexec_fn=reset_sigint
    )
    deadline = time.monotonic() + 300
    while rows(store, "briefs") < 4 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signum)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 128 + signum, err  # exited by itself, not killed

    assert "Traceback" not in err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    stopped = [line for line in lines if "interrupted" in line]
    assert stopped == [lines[-1]], err
    found = re.fullmatch(
        r"summarize: interrupted; the (\d+) article\(s\) done are kept in the store (.+); "
        r"run the same command again to resume",
        lines[-1],
    )
    assert found and found[2] == str(store), lines[-1]
    kept = int(found[1])
    counts = sound(store)
    assert 4 <= kept < N, f"the run was not stopped mid-way ({kept} of {N})"
    assert counts["translations"] == counts["briefs"] == kept  # whole chunks, all counted
    assert not (out / "index.html").exists()
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"

    again = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    summary = index(tmp_path)["summary"]
    assert (summary["done"], summary["skipped"], summary["failed"]) == (N - kept, kept, 0)
    assert rows(store, "translations") == N
    check_outputs(tmp_path)
    mine = {k: v for k, v in snapshot(out).items() if not k.startswith("index.")}
    assert mine == {k: v for k, v in snapshot(clean).items() if not k.startswith("index.")}


def test_sigterm_handler_is_restored_after_a_batch(tiny_config: Path, tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    assert batch(tiny_config, tmp_path, str(EXAMPLES / "en_desalination.txt")) == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


@pytest.mark.slow
def test_second_batch_on_the_same_store_is_refused(tiny_config: Path, tmp_path: Path) -> None:
    files = [str(EXAMPLES / "de_wasserkonferenz.txt"), str(EXAMPLES / "en_desalination.txt")]
    store = tmp_path / "store.sqlite"
    assert batch(tiny_config, tmp_path, *files) == 0
    outputs, counts = snapshot(tmp_path / "out"), sound(store)

    args = [sys.executable, "-m", "summarizer.cli", "batch", *files, "--out",
            str(tmp_path / "out"), "--store", str(store), "--config", str(tiny_config),
            "-q"]  # fmt: skip
    with batch_lock(store):  # this process is the first run
        second = subprocess.run(args, env=child_env(), capture_output=True, text=True,
                                timeout=300)  # fmt: skip
    assert second.returncode == 1
    line = one_error_line(second.stderr)
    assert line == (
        f"summarize: error: {store} is in use by another batch run (pid {os.getpid()}); wait "
        "for it to finish (or pass --wait), or pass --store with another file"
    )
    assert snapshot(tmp_path / "out") == outputs and sound(store) == counts

    # The lock file stays behind, but nothing holds it: the next run goes ahead.
    assert (tmp_path / "store.sqlite.lock").is_file()
    again = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert index(tmp_path)["summary"]["skipped"] == 2


def test_wait_takes_its_turn(
    tiny_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store.sqlite"
    held, go = threading.Event(), threading.Event()

    def first_run() -> None:
        with batch_lock(store):
            held.set()
            go.wait(30)
            time.sleep(0.5)  # still holding when the second run starts waiting

    holder = threading.Thread(target=first_run)
    holder.start()
    held.wait(30)
    go.set()
    started = time.monotonic()
    code = batch(tiny_config, tmp_path, str(EXAMPLES / "en_desalination.txt"), "--wait")
    holder.join()
    assert code == 0 and time.monotonic() - started >= 0.4
    assert "waiting for the other batch run" in capsys.readouterr().err
    assert index(tmp_path)["summary"]["done"] == 1


def corpus(root: Path, outlets: dict[str, list[str]]) -> Path:
    for outlet, names in outlets.items():
        (root / outlet).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(EXAMPLES / name, root / outlet / name)
    return root


def test_disk_full_writing_digests_keeps_every_previous_file(
    tiny_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = corpus(tmp_path / "corpus", {"daily": ["he_solar.txt"],
                                          "wire": ["de_wasserkonferenz.txt"]})  # fmt: skip
    assert batch(tiny_config, tmp_path, str(folder), "--group-by", "source") == 0
    before = snapshot(tmp_path / "out")
    assert sorted(before) == ["daily.html", "daily.json", "daily.md", "index.html",
                              "index.json", "wire.html", "wire.json", "wire.md"]  # fmt: skip
    capsys.readouterr()

    # More articles: every digest changes. The disk fills up at wire.md, after daily's
    # three new files were already written (staged).
    corpus(folder, {"daily": ["ar_desalination.txt"], "wire": ["en_desalination_wire.txt"]})
    real = batch_module.write_temp

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def write_temp(path: str | os.PathLike[str], text: str) -> Path:
        if Path(path).name != "wire.md":
            return real(path, text)
        with monkeypatch.context() as patch:
            patch.setattr(utils.os, "fsync", full)
            return real(path, text)

    monkeypatch.setattr(batch_module, "write_temp", write_temp)
    assert batch(tiny_config, tmp_path, str(folder), "--group-by", "source") == 1
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"summarize: error: cannot write {tmp_path / 'out' / 'wire.md'} "
                           "(No space left on device); free some space")  # fmt: skip
    assert snapshot(tmp_path / "out") == before  # byte for byte, and no temporary file
    counts = sound(tmp_path / "store.sqlite")
    assert counts["briefs"] == 4  # the articles were processed and kept

    monkeypatch.setattr(batch_module, "write_temp", real)  # space freed: run again
    assert batch(tiny_config, tmp_path, str(folder), "--group-by", "source") == 0
    found = check_outputs(tmp_path)
    assert found["summary"] | {"seconds": 0} == {
        "done": 0, "failed": 0, "skipped": 4, "duplicates": 0, "seconds": 0}  # fmt: skip
    assert snapshot(tmp_path / "out")["wire.md"] != before["wire.md"]


def test_disk_full_in_the_store_keeps_whole_chunks(
    tiny_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest = synthetic_manifest(tmp_path / "m.jsonl", 6)
    store = tmp_path / "store.sqlite"
    real, calls = Store.put_brief, []

    def put_brief(self: Store, *args: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise sqlite3.OperationalError("database or disk is full")
        real(self, *args)

    monkeypatch.setattr(Store, "put_brief", put_brief)
    assert batch(tiny_config, tmp_path, str(manifest), "--chunk-size", "1") == 1
    line = one_error_line(capsys.readouterr().err)
    assert line == (
        f"summarize: error: {store}: cannot be written, the disk is full (database or disk is "
        "full); free some space on it (or pass --store with a file on another disk), then run "
        "the same command again (what was saved before is kept)"
    )
    counts = sound(store)
    assert counts["translations"] == counts["briefs"] == 2  # the third chunk rolled back
    assert not list((tmp_path / "out").iterdir())

    monkeypatch.setattr(Store, "put_brief", real)
    assert batch(tiny_config, tmp_path, str(manifest), "--chunk-size", "1") == 0
    assert index(tmp_path)["summary"]["skipped"] == 2


def test_unwritable_out_is_found_before_any_work(
    tiny_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").write_text("a file, not a folder", encoding="utf-8")
    assert batch(tiny_config, tmp_path, str(EXAMPLES / "de_wasserkonferenz.txt")) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"summarize: error: cannot write {tmp_path / 'out'} (")
    assert "pass --out with a folder" in line
    assert rows(tmp_path / "store.sqlite", "translations") == 0
