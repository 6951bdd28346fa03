"""The `summarize` command as a user runs it: exit codes, outputs, messages."""

from __future__ import annotations

import io
import json
import os
import sys

import pytest
from conftest import DATA, EXAMPLES

from summarizer.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_folder_to_json_file(capsys, tiny_config, tmp_path):
    out = tmp_path / "digest.json"
    code, stdout, _ = run_cli(
        capsys, str(EXAMPLES), "--config", str(tiny_config), "-o", str(out), "-q"
    )
    assert code == 0 and stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["articles"]) == len(list(EXAMPLES.glob("*.txt")))
    assert data["digest"]["points"]
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left nothing behind
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # normal rights, not mkstemp's 0600


def test_markdown_to_stdout_by_default(capsys, tiny_config):
    code, stdout, _ = run_cli(
        capsys, str(EXAMPLES / "he_solar.txt"), "--config", str(tiny_config), "-q"
    )
    assert code == 0
    assert stdout.startswith("# Digest")
    assert '<div dir="rtl" lang="he">' in stdout


def test_stdin(capsys, tiny_config, monkeypatch):
    text = (EXAMPLES / "fa_solar.txt").read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    code, stdout, _ = run_cli(capsys, "-", "--config", str(tiny_config), "-f", "json", "-q")
    assert code == 0
    (article,) = json.loads(stdout)["articles"]
    assert article["id"] == "stdin" and article["language"] == "fa"


def test_translate_only(capsys, tiny_config):
    code, stdout, _ = run_cli(
        capsys,
        "translate",
        str(DATA / "ar_scraped.txt"),
        "--config",
        str(tiny_config),
        "-f",
        "json",
        "-q",
    )
    assert code == 0
    data = json.loads(stdout)
    assert data["articles"][0]["translation"] and data["articles"][0]["brief"] == ""
    assert data["digest"]["text"] == "" and "brief" not in data["models"]


def test_failures_exit_1_and_others_still_run(capsys, tiny_config, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, stdout, err = run_cli(
        capsys, str(empty), str(tmp_path / "nope.txt"), str(EXAMPLES / "de_wasserkonferenz.txt"),
        "--config", str(tiny_config), "-f", "json", "-q",
    )  # fmt: skip
    assert code == 1
    data = json.loads(stdout)
    assert len(data["articles"]) == 1
    assert {f["source"] for f in data["failed"]} == {str(empty), str(tmp_path / "nope.txt")}
    assert "Traceback" not in err
    assert err.count("summarize: failed:") == 2


def test_lang_override(capsys, tiny_config):
    code, stdout, _ = run_cli(
        capsys, "translate", str(EXAMPLES / "ar_desalination.txt"), "--lang", "fa",
        "--config", str(tiny_config), "-f", "json", "-q",
    )  # fmt: skip
    assert code == 0
    article = json.loads(stdout)["articles"][0]
    assert article["language"] == "fa"  # as given; but lingua is sure it is Arabic, so
    assert article["language_confidence"] < 1.0  # not reported as certain, and said:
    assert any("Arabic (ar" in w for w in article["warnings"])


def test_bad_usage_exits_2(capsys, tiny_config, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(EXAMPLES), "--brief-words", "lots"])
    assert exc.value.code == 2
    bad = tmp_path / "models.yaml"
    bad.write_text("models: {x: {id: a/b, task: translation, family: klingon}}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, str(EXAMPLES), "--config", str(bad))
    assert code == 2
    assert "family 'klingon' is not one of marian, nllb, m2m100" in err
    assert "Traceback" not in err


def test_models_list_shows_routes_and_cache(capsys, tiny_config):
    code, stdout, _ = run_cli(capsys, "models", "list", "--config", str(tiny_config))
    assert code == 0
    lines = {line.split()[0]: line for line in stdout.splitlines()[2:]}
    assert "translate de" in lines["tiny-marian"] and " yes " in lines["tiny-marian"]
    assert "brief (abstractive), digest (abstractive)" in lines["tiny-bart"]
    assert "stories, citations" in lines["tiny-st"]


def test_disk_full_keeps_previous_output(capsys, tiny_config, tmp_path, monkeypatch):
    """A failed write (disk full, injected at fsync) leaves the previous file as it was."""
    import errno

    from summarizer import utils

    target = tmp_path / "out.md"
    target.write_text("previous", encoding="utf-8")

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(utils.os, "fsync", full)
    code, _, err = run_cli(
        capsys, str(EXAMPLES / "en_desalination.txt"), "--config", str(tiny_config),
        "-o", str(target), "-q",
    )  # fmt: skip
    assert code == 1
    assert "No space left on device" in err and "unchanged" in err
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_extractive_html_report(capsys, tmp_path):
    """--engine extractive on English input: no model at all, an HTML file by suffix."""
    out = tmp_path / "report.html"
    code, stdout, err = run_cli(
        capsys, *map(str, sorted(EXAMPLES.glob("en_*.txt"))), "--engine", "extractive",
        "-o", str(out),
    )  # fmt: skip
    assert code == 0 and stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="cite"' in html
    assert "faithfulness: 0 of" in err  # the run's share of flagged sentences


def test_strict_and_story_threshold_reach_the_run(capsys, tiny_config):
    code, stdout, _ = run_cli(
        capsys, *map(str, sorted(EXAMPLES.glob("en_*.txt"))), "--config", str(tiny_config),
        "--strict", "--story-threshold", "0.999", "--engine", "extractive", "-f", "json", "-q",
    )  # fmt: skip
    assert code == 0
    data = json.loads(stdout)
    assert data["options"]["strict"] is True and data["options"]["story_threshold"] == 0.999
    assert len(data["digest"]["stories"]) == 3


@pytest.mark.parametrize(
    "args",
    [["--story-threshold", "2"], ["--story-threshold", "x"], ["--engine", "magic"]],
)
def test_bad_run_options_exit_2(args):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(EXAMPLES), *args])
    assert exc.value.code == 2


def test_unknown_stage_model_names_the_choices(capsys, tiny_config):
    code, _, err = run_cli(
        capsys, str(EXAMPLES / "en_desalination.txt"), "--config", str(tiny_config),
        "--digest-model", "gpt-9", "-q",
    )  # fmt: skip
    assert code == 2
    assert "digest model 'gpt-9' is not a summarization model" in err and "tiny-bart" in err
