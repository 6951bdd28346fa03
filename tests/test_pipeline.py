"""End to end on tiny real-class models: real loading and generation, no mocks.

The models have random weights, so these tests check structure and coverage, never wording.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, SEEDS

from summarizer import Document, Options, Summarizer
from summarizer.render import render

EXPECTED_LANG = {"ar": "ar", "de": "de", "en": "en", "fa": "fa", "he": "he"}


def test_every_article_is_present_with_its_language(sample_run):
    sources, result = sample_run
    assert result.failed == []
    assert [a.source for a in result.articles] == [str(s) for s in sources]
    for article in result.articles:
        prefix = Path(article.source).name[:2]
        assert article.language == EXPECTED_LANG[prefix]
        assert 0.5 < article.language_confidence <= 1.0
    assert len({a.id for a in result.articles}) == len(result.articles)


def test_every_source_sentence_lands_in_exactly_one_segment(sample_run):
    _, result = sample_run
    for article in result.articles:
        assert article.segments, article.id
        for seg in article.segments:
            assert article.original[seg.start : seg.end] == seg.source
            assert isinstance(seg.translation, str)
        spans = [(s.start, s.end) for s in article.segments]
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
        covered = "".join(s.source for s in article.segments)
        assert covered.replace(" ", "") == "".join(article.original.split())


def test_paragraph_breaks_survive_into_the_translation(sample_run):
    _, result = sample_run
    for article in result.articles:
        paragraphs = {s.paragraph for s in article.segments}
        assert article.translation.count("\n\n") == len(paragraphs) - 1
        assert article.original.count("\n\n") == len(paragraphs) - 1


def test_english_articles_are_not_translated(sample_run):
    _, result = sample_run
    english = [a for a in result.articles if a.language == "en"]
    assert english
    for article in english:
        assert all(s.source == s.translation for s in article.segments)
        assert article.translation_model is None


def test_briefs_and_digest_cite_valid_articles(sample_run):
    _, result = sample_run
    ids = {a.id for a in result.articles}
    assert all(a.brief for a in result.articles)
    assert all(len(a.brief.split()) <= 20 for a in result.articles)
    assert result.digest.text
    assert result.digest.points
    for point in result.digest.points:
        assert set(point.sources) <= ids
    assert set(result.models) >= {"brief", "digest", "translation.ar", "translation.fa"}


def test_json_contract(sample_run):
    _, result = sample_run
    data = json.loads(render(result, "json"))
    assert set(data) >= {"articles", "digest", "failed", "models"}
    article_keys = {
        "id", "source", "title", "published", "language", "language_confidence",
        "original", "translation", "segments", "brief", "warnings",
    }  # fmt: skip
    for article in data["articles"]:
        assert article_keys <= set(article)
        assert all({"source", "translation"} <= set(s) for s in article["segments"])
    assert {"text", "points"} <= set(data["digest"])
    assert all({"text", "sources"} <= set(p) for p in data["digest"]["points"])


def test_long_text_is_split_and_fully_covered(summarizer):
    """Sentences over the model limit are split; a text over the summarizer limit is
    chunked and map-reduced; nothing is dropped."""
    sentence = (
        "Die Minister aus sieben Ländern, die sich in Wien trafen, vereinbarten den Bau einer "
        "gemeinsamen Anlage, deren Kosten, Zeitplan und Standort noch offen sind"
    )
    run_on = " und ".join([sentence] * 6) + "."
    body = "\n\n".join([run_on] + [f"{sentence}, sagte Sprecher Nummer {i}." for i in range(30)])
    doc = Document(source="long_de.txt", text=f"Lange Meldung aus Wien\n\n{body}")
    result = summarizer.run([doc])
    assert result.failed == []
    (article,) = result.articles
    assert len(article.segments) == 31
    assert any("split into parts" in w for w in article.warnings)
    first = article.segments[0]
    assert first.source == run_on and first.translation
    assert article.brief


def test_one_bad_article_does_not_stop_the_others(summarizer, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    image = tmp_path / "photo.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    only_links = tmp_path / "links.txt"
    only_links.write_text("Share this article\nComments (0)\n", encoding="utf-8")
    good = EXAMPLES / "de_wasserkonferenz.txt"
    sources = [empty, tmp_path / "missing.txt", image, only_links, good]
    result = summarizer.run(sources, Options(translate_only=True))
    assert [a.source for a in result.articles] == [str(good)]
    assert [f.source for f in result.failed] == [str(s) for s in sources[:4]]
    for failure in result.failed:
        assert "\n" not in failure.error
        assert Path(failure.source).name in failure.error


def test_unsupported_language_fails_alone(summarizer):
    """A language the catch-all model lacks fails that article with a fix, not the run."""
    latin = Document(source="latin.txt", text="Gallia est omnis divisa in partes tres. " * 5)
    german = Document(source="de.txt", text=(EXAMPLES / "de_wasserkonferenz.txt").read_text())
    result = summarizer.translate([latin, german])
    assert [a.source for a in result.articles] == ["de.txt"]
    (failure,) = result.failed
    assert failure.source == "latin.txt"
    assert "models.yaml" in failure.error and "route" in failure.error


def test_missing_model_is_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = tmp_path / "models.yaml"
    config.write_text(
        "models:\n"
        "  opus: {id: example-org/not-cached-model, task: translation, family: marian}\n"
        "  sum: {id: example-org/not-cached-summarizer, task: summarization}\n"
        "translation: {routes: {de: opus}}\n"
        "summarization: {brief: {model: sum}, digest: {model: sum}}\n",
        encoding="utf-8",
    )
    result = Summarizer(config, device="cpu").run([EXAMPLES / "de_wasserkonferenz.txt"])
    (failure,) = result.failed
    assert "model 'opus' (example-org/not-cached-model)" in failure.error
    assert "route 'de'" in failure.error
    assert "summarize models pull opus" in failure.error


def test_markdown_escapes_article_html_and_marks_rtl(summarizer):
    text = (EXAMPLES / "ar_desalination.txt").read_text(encoding="utf-8")
    doc = Document(
        source="ar.txt", text=text + "\n\n<script>alert('x')</script> وقال الوزير إن الخطة جيدة."
    )
    result = summarizer.run([doc], Options(translate_only=True))
    md = render(result, "md")
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    assert '<div dir="rtl" lang="ar">' in md


@pytest.mark.slow
def test_seeds_give_valid_json_with_their_languages(tiny_config, tmp_path):
    """The third-party seed articles (read from ../shared, never copied)."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    from summarizer.cli import main

    out = tmp_path / "seeds.json"
    code = main([str(SEEDS), "--config", str(tiny_config), "-o", str(out), "-q"])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [a["language"] for a in data["articles"]] == ["he", "ar", "fa", "ar", "de"]
    assert data["failed"] == []
    for article in data["articles"]:
        assert article["segments"] and article["brief"]
    ids = {a["id"] for a in data["articles"]}
    assert all(set(p["sources"]) <= ids for p in data["digest"]["points"])


def test_progress_names_every_stage(summarizer):
    seen: list[tuple[str, int, int]] = []
    sources = [EXAMPLES / "ar_desalination.txt", EXAMPLES / "en_desalination.txt"]
    summarizer.run(sources, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    assert stages[0] == "reading ar_desalination.txt"
    assert any(s.startswith("translating (tiny-nllb)") for s in stages)
    for step in ("briefs", "digest", "citing", "stories and citations"):
        assert step in stages
    assert all(0 <= done <= total for _, done, total in seen)
