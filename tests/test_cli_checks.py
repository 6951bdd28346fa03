"""The CLI checks before it works (issue 18): bad --lang and -o are usage errors at once, a
given language detection contradicts is said, a failed stage is not a failed article, the
Markdown says what it left out, log lines do not land inside progress bars, and `models
pull` and a closed port fail fast with one short line."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES

from summarizer import cli
from summarizer.cli import main
from summarizer.types import Options

ENGLISH = EXAMPLES / "en_solar_negev.txt"
ENGLISH_2 = EXAMPLES / "en_desalination.txt"
GERMAN = EXAMPLES / "de_wasserkonferenz.txt"
FAST = ["--engine", "extractive", "-q"]
# A summarization model that is nowhere: the brief stage cannot run (HF_HUB_OFFLINE, conftest).
NO_SUMMARIZER = """\
models:
  sum: {id: example-org/not-cached-summarizer, task: summarization}
translation: {routes: {}}
summarization: {brief: {model: sum}, digest: {model: sum}}
stories: {model: tfidf}
"""
NO_CATCH_ALL = """\
models:
  opus: {id: example-org/not-cached-model, task: translation, family: marian}
translation: {routes: {de: opus}}
summarization: {engine: extractive}
stories: {model: tfidf}
"""


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def usage_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """argparse's exit 2 for ``args``; its stderr."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any run reaching the pipeline fails the test: the check must come first."""
    from summarizer.pipeline import Summarizer

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started before the check")

    monkeypatch.setattr(Summarizer, "run", refuse)


def config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- 1. --lang ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [("EN", "en"), ("en", "en"), ("eng", "en"), ("en-GB", "en"),
     ("en_US", "en")],
)  # fmt: skip
def test_lang_is_normalised_at_parse_time(capsys, given: str, code: str) -> None:
    status, out, _ = run_cli(capsys, str(ENGLISH), "--lang", given, *FAST, "-f", "json")
    assert status == 0
    (article,) = json.loads(out)["articles"]
    assert article["language"] == code and article["translation_model"] is None
    assert article["warnings"] == []  # detection agrees: nothing to say


def test_codes_in_any_case_and_form_map_to_iso_639_1() -> None:
    from summarizer.language import LanguageCodeError, normalize_lang

    assert [normalize_lang(v) for v in ("DE", "de-AT", "deu", "iw", "fa_IR")] == [
        "de", "de", "de", "he", "fa",
    ]  # fmt: skip
    for name, code in (("german", "de"), ("Persian", "fa")):  # a name is not a code
        with pytest.raises(LanguageCodeError, match=f"name, not its code.*: {code} "):
            normalize_lang(name)


def test_lang_german_exits_2_at_once_naming_the_code(capsys) -> None:
    started = time.monotonic()
    err = usage_error(capsys, "run", "x.txt", "--lang", "german")
    assert time.monotonic() - started < 5  # refused before any work
    assert "'german'" in err and "ISO 639-1 code: de" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "x.txt"],
        ["translate", "x.txt"],
        ["batch", "x.txt", "--out", "out"],
        ["models", "check"],
    ],
    ids=["run", "translate", "batch", "models-check"],
)
def test_an_unknown_lang_is_a_usage_error_for_every_subcommand(capsys, argv) -> None:
    started = time.monotonic()
    err = usage_error(capsys, *argv, "--lang", "klingonese")
    assert time.monotonic() - started < 5  # refused before any work
    assert "--lang" in err and "'klingonese'" in err
    assert "ISO 639-1" in err and "models list" in err  # what is valid, how to list it


def test_a_misspelt_language_name_gets_the_close_one(capsys) -> None:
    err = usage_error(capsys, "run", "x.txt", "--lang", "germna")
    assert "did you mean de (german)?" in err


def test_a_three_letter_code_no_route_names_is_refused_before_work(capsys, no_work: None) -> None:
    status, out, err = run_cli(capsys, str(ENGLISH), "--lang", "yue", *FAST)
    assert status == 2 and out == ""
    assert "'yue'" in err and "route" in err


def test_a_language_without_a_route_is_refused_before_work(capsys, tmp_path, no_work) -> None:
    config = config_file(tmp_path, NO_CATCH_ALL)
    status, out, err = run_cli(capsys, str(ENGLISH), "--config", config, "--lang", "fr", *FAST)
    assert status == 2 and out == ""
    assert "'fr'" in err and err.count("\n") == 1


def test_a_given_language_detection_contradicts_is_warned_not_called_certain(capsys) -> None:
    """--lang en on a German article: kept as asked, but not reported as 1.0 as if detected."""
    status, out, _ = run_cli(capsys, str(GERMAN), "--lang", "en", *FAST, "-f", "json")
    assert status == 0
    (article,) = json.loads(out)["articles"]
    assert article["language"] == "en"
    assert article["language_confidence"] < 0.5
    (warning,) = [w for w in article["warnings"] if "German" in w]
    assert "(de," in warning and "--lang" in warning


def test_a_given_language_lingua_cannot_detect_is_not_contradicted() -> None:
    """Pashto is routed, not detected: lingua calling it Persian says nothing about it."""
    from summarizer.pipeline import _forced_confidence

    warnings: list[str] = []
    text = (EXAMPLES / "fa_solar.txt").read_text(encoding="utf-8")
    assert _forced_confidence(text, "ps", warnings) == 1.0 and warnings == []
    assert _forced_confidence(text, "de", warnings) < 0.5 and len(warnings) == 1


def test_a_documents_own_lang_is_normalised_too(capsys, tmp_path) -> None:
    text = ENGLISH.read_text(encoding="utf-8")
    given = tmp_path / "given.md"
    given.write_text(f"---\nlang: English\n---\n{text}", encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(f"---\nlang: elvish\n---\n{text}", encoding="utf-8")
    status, out, _ = run_cli(capsys, str(given), str(bad), *FAST, "-f", "json")
    data = json.loads(out)
    assert status == 1
    assert [a["language"] for a in data["articles"]] == ["en"]
    (failure,) = data["failed"]
    assert failure["source"] == str(bad) and "'elvish'" in failure["error"]


# --- 2. -o ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out/", "out"], ids=["slash", "existing-folder"])
def test_output_to_a_folder_is_a_usage_error_before_work(capsys, tmp_path, no_work, name) -> None:
    (tmp_path / "out").mkdir()
    target = str(tmp_path / "out") + ("/" if name.endswith("/") else "")
    status, out, err = run_cli(capsys, str(ENGLISH), "-o", target, *FAST)
    assert status == 2 and out == ""
    assert "folder" in err and err.count("\n") == 1
    assert list((tmp_path / "out").iterdir()) == []


def test_output_in_a_missing_folder_or_under_a_file_is_a_usage_error(
    capsys, tmp_path, no_work
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    for target in (tmp_path / "missing" / "d.md", tmp_path / "file.txt" / "d.md"):
        status, _, err = run_cli(capsys, str(ENGLISH), "-o", str(target), *FAST)
        assert status == 2 and str(target.parent) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_output_in_a_read_only_folder_is_a_usage_error(capsys, tmp_path, no_work) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        status, _, err = run_cli(capsys, str(ENGLISH), "-o", str(locked / "d.md"), *FAST)
    finally:
        locked.chmod(0o700)
    assert status == 2 and "permission" in err


def test_an_unknown_suffix_without_format_is_a_usage_error_naming_the_valid_ones(
    capsys, tmp_path, no_work
) -> None:
    target = tmp_path / "digest.pdf"
    status, out, err = run_cli(capsys, str(ENGLISH), "-o", str(target), *FAST)
    assert status == 2 and out == "" and not target.exists()
    assert all(s in err for s in (".md", ".json", ".html", "-f"))


def test_an_unknown_suffix_with_format_is_written(capsys, tmp_path) -> None:
    target = tmp_path / "digest.txt"
    status, _, _ = run_cli(capsys, str(ENGLISH), "-o", str(target), "-f", "json", *FAST)
    assert status == 0
    assert json.loads(target.read_text(encoding="utf-8"))["articles"]


@pytest.mark.parametrize(("suffix", "start"), [(".json", "{"), (".htm", "<!DOCTYPE html>")])
def test_known_suffixes_pick_the_format(capsys, tmp_path, suffix: str, start: str) -> None:
    target = tmp_path / f"digest{suffix}"
    assert run_cli(capsys, str(ENGLISH), "-o", str(target), *FAST)[0] == 0
    assert target.read_text(encoding="utf-8").startswith(start)


def test_eval_checks_its_output_before_work(capsys, tmp_path, monkeypatch) -> None:
    import summarizer.evaluate

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluated before the check")

    monkeypatch.setattr(summarizer.evaluate, "evaluate", refuse)
    status, _, err = run_cli(capsys, "eval", str(tmp_path), "-o", str(tmp_path / "no" / "s.json"))
    assert status == 2 and "does not exist" in err


# --- 3. a failed stage is not a failed article ----------------------------------------------


def test_a_failed_brief_stage_counts_articles_as_articles(capsys, tmp_path) -> None:
    config = config_file(tmp_path, NO_SUMMARIZER)
    missing = str(tmp_path / "missing.txt")
    status, out, err = run_cli(
        capsys, "--config", config, str(ENGLISH), str(ENGLISH_2), missing, "-q", "-f", "json"
    )
    data = json.loads(out)
    assert status == 1  # something failed: the stage
    assert [f["source"] for f in data["failed"]] == [missing]  # no {"source": "brief"}
    assert len(data["articles"]) == 2
    for article in data["articles"]:
        assert article["brief"] == "" and any("brief stage" in w for w in article["warnings"])
    assert data["digest"]["text"] == ""
    assert any("summarize models pull sum" in w for w in data["digest"]["warnings"])
    assert "stage_errors" not in data  # the JSON contract is as it was
    assert "summarize models pull sum" in err  # the fix, on stderr once
    assert "2 article(s) processed, 1 failed" in err


def test_a_failed_stage_is_on_the_result_not_in_failed(tmp_path) -> None:
    from summarizer.pipeline import Summarizer

    result = Summarizer(config_file(tmp_path, NO_SUMMARIZER), device="cpu").run([ENGLISH])
    assert result.failed == [] and set(result.stage_errors) == {"brief"}
    assert [a.source for a in result.articles] == [str(ENGLISH)]


def test_a_batch_without_its_summarizer_refuses_before_reading(capsys, tmp_path) -> None:
    config = config_file(tmp_path, NO_SUMMARIZER)
    out = tmp_path / "digests"
    status, _, err = run_cli(
        capsys, "batch", str(ENGLISH), "--config", config, "--out", str(out),
        "--store", str(tmp_path / "store.sqlite"), "-q",
    )  # fmt: skip
    assert status == 1 and "summarize models pull sum" in err
    assert not (out / "index.json").exists()


# --- 4. the Markdown ------------------------------------------------------------------------


def test_failed_lines_name_the_source_once(capsys, tmp_path) -> None:
    missing = str(tmp_path / "missing.txt")
    status, out, _ = run_cli(capsys, str(ENGLISH), missing, *FAST)
    assert status == 1
    (line,) = [ln for ln in out.splitlines() if ln.startswith("- `") and "missing.txt" in ln]
    assert line.count("missing.txt") == 1


def test_markdown_says_why_there_is_no_digest(capsys, tmp_path) -> None:
    _, translated, _ = run_cli(capsys, "translate", str(ENGLISH), "-q")
    _, nothing, _ = run_cli(capsys, str(tmp_path / "missing.txt"), *FAST)
    config = config_file(tmp_path, NO_SUMMARIZER)
    _, no_stage, _ = run_cli(capsys, "--config", config, str(ENGLISH), "-q")
    for text in (translated, nothing, no_stage):
        assert "No digest" in text
    assert "translation only" in translated
    assert "no article could be processed" in nothing
    assert "summarize models pull sum" in no_stage


def test_an_article_in_the_target_language_is_not_headed_as_a_translation(capsys) -> None:
    status, out, _ = run_cli(capsys, str(ENGLISH), *FAST)
    assert status == 0
    assert "Text, sentence by sentence" in out and "Translation, sentence by" not in out


@pytest.mark.parametrize("data", [b"", b"  \n\t\n"], ids=["empty", "whitespace"])
@pytest.mark.parametrize("more", [[], [str(ENGLISH)]], ids=["alone", "with-a-file"])
def test_empty_stdin_is_a_one_line_refusal(capsys, monkeypatch, no_work, data, more) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, err = run_cli(capsys, "-", *more, *FAST)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "stdin" in err


# --- 5. logging and progress bars -----------------------------------------------------------


def test_a_log_line_clears_the_progress_bar_instead_of_writing_into_it(capsys) -> None:
    from summarizer.utils import progress_bar

    logger = logging.getLogger("summarizer")
    saved = (logger.handlers, logger.level, logger.propagate)
    try:
        cli._setup_logging(verbose=False, quiet=False)
        with progress_bar(10, "translating", True) as bar:
            bar.update(3)
            logger.warning("a line between the bars")
            bar.update(3)
    finally:
        logger.handlers, logger.level, logger.propagate = saved
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.split("\n") if "a line between the bars" in ln]
    assert line.rsplit("\r", 1)[-1] == "summarize: a line between the bars"  # a line of its own


class _Echo:
    """A 'summarizer' that gives back what it reads: its summaries never shrink."""

    max_input_tokens = 20

    def counter(self):
        return lambda text: len(text.split())

    def generate(self, texts, **kwargs):
        if kwargs.get("on_batch"):
            kwargs["on_batch"](len(texts))
        return list(texts)


def test_a_summary_that_stops_shrinking_names_its_article(caplog) -> None:
    from summarizer.summarize import summarize_many

    text = " ".join(f"Sentence number {k} says a few words here." for k in range(12))
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        summarize_many(_Echo(), [text], 20, "briefs", labels=["news/article-7.txt"])  # type: ignore[arg-type]
    (message,) = [r.getMessage() for r in caplog.records if "shrinking" in r.getMessage()]
    assert "news/article-7.txt" in message


def test_briefs_name_their_article_in_log_lines(caplog) -> None:
    from summarizer.briefs import write_briefs
    from summarizer.pipeline import Summarizer
    from summarizer.similarity import Similarity
    from summarizer.types import Document

    summarizer = Summarizer()
    text = "\n\n".join(f"Paragraph {k} of the report says a few words here." for k in range(12))
    prepared = summarizer.prepare(Document("news/report.txt", text), Options(), set())
    articles = summarizer.translate_prepared([prepared], Options(), [], {})
    sim = Similarity.tfidf([s.translation for s in articles[0].segments], 0.5)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        write_briefs(articles, "abstractive", _Echo(), sim, 20)  # type: ignore[arg-type]
    shrinking = [r.getMessage() for r in caplog.records if "shrinking" in r.getMessage()]
    assert shrinking and all("news/report.txt" in m for m in shrinking)


# --- 6, 7. the network ----------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_models_pull_without_the_hub_is_one_short_line_per_model(tmp_path) -> None:
    from contextlib import redirect_stderr, redirect_stdout

    from localhub import LocalHub

    hub = LocalHub()
    hub.close()  # bound, then closed: its address refuses connections
    config = config_file(
        tmp_path,
        "models:\n"
        "  first: {id: org/first, task: translation, family: marian}\n"
        "  second: {id: org/second, task: translation, family: marian}\n"
        "translation: {routes: {de: first, he: second}}\n"
        "summarization: {engine: extractive}\nstories: {model: tfidf}\n",
    )
    out = io.StringIO()
    with hub.patched(tmp_path / "hf"), redirect_stdout(out), redirect_stderr(out):
        status = main(["models", "pull", "--config", config, "--no-check"])
    lines = out.getvalue().splitlines()
    assert status == 1
    assert len(lines) == 3, lines  # one per model, then the summary
    for line, name in zip(lines, ("first", "second"), strict=False):
        assert line.startswith(f"summarize: error: {name}: ") and len(line) < 100, line
    assert "connection refused" in lines[0]
    assert "0 of 2 model(s) pulled; 2 failed" in lines[-1] and "HF_ENDPOINT" in lines[-1]
    assert "Traceback" not in out.getvalue()


def test_a_closed_port_fails_at_once_with_one_line(capsys) -> None:
    url = f"http://127.0.0.1:{closed_port()}/article"
    started = time.monotonic()
    status, out, err = run_cli(capsys, url, *FAST, "-f", "json")
    assert time.monotonic() - started < 3  # default settings: retries and backoff skipped
    assert status == 1
    (failure,) = json.loads(out)["failed"]
    assert failure["error"] == f"{url}: connection refused; is the address right?"
    assert err.count("summarize: failed:") == 1


# --- 8. where the batch store is ------------------------------------------------------------


def test_the_batch_summary_line_says_where_the_store_is(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SUMMARIZER_STORE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    status, _, err = run_cli(
        capsys, "batch", str(ENGLISH), "--engine", "extractive", "--out", str(tmp_path / "out")
    )
    assert status == 0
    (line,) = [ln for ln in err.splitlines() if ln.startswith("summarize: batch: ")]
    assert line.endswith(f"; store: ~{os.sep}{Path('.cache', 'summarizer', 'store.sqlite')}")
    assert (tmp_path / ".cache" / "summarizer" / "store.sqlite").is_file()
