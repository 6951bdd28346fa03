"""The store: single runs reuse translations and briefs, settings changes invalidate them,
syndicated copies are translated once, and a bad store file is refused in one line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import EXAMPLES

import summarizer.pipeline as pipeline
from summarizer import Document, Options, Summarizer
from summarizer.config import load_config
from summarizer.store import Store, StoreError, content_hash, model_key

SOURCES = [EXAMPLES / "de_wasserkonferenz.txt", EXAMPLES / "he_solar.txt"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each call of the pipeline's translate_jobs got."""
    calls: list[int] = []
    real = pipeline.translate_jobs

    def spy(jobs, *args, **kwargs):
        calls.append(sum(len(j.texts) for j in jobs))
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(pipeline, "translate_jobs", spy)
    return calls


def test_single_runs_reuse_the_store(
    summarizer: Summarizer, tmp_path: Path, counted: list[int]
) -> None:
    store = Store(tmp_path / "s.sqlite")
    first = Summarizer(summarizer.config, "cpu", store=store)
    first.pool = summarizer.pool  # the session's loaded models
    one = first.run(SOURCES)
    assert counted[-1] > 0 and store.counts()["briefs"] == 2
    two = first.run(SOURCES)
    assert counted[-1] == 0  # nothing left to translate
    assert one.to_dict() == two.to_dict()
    # Other brief settings: translations reused, briefs written anew.
    three = first.run(SOURCES, Options(brief_words=12))
    assert counted[-1] == 0 and store.counts()["briefs"] == 4
    assert [a.translation for a in three.articles] == [a.translation for a in one.articles]


def test_syndicated_copies_are_translated_once(
    summarizer: Summarizer, tmp_path: Path, counted: list[int]
) -> None:
    text = (EXAMPLES / "de_wasserkonferenz.txt").read_text(encoding="utf-8")
    docs = [Document(source="agency.txt", text=text), Document(source="paper.txt", text=text)]
    summarizer.run(docs[:1], Options(translate_only=True))  # one copy, no store
    run = Summarizer(summarizer.config, "cpu", store=tmp_path / "s.sqlite")
    run.pool = summarizer.pool
    result = run.run(docs, Options(engine="extractive"))
    assert counted[1] == counted[0] > 0  # both copies: one copy's texts translated
    assert result.articles[0].hash == result.articles[1].hash
    assert result.articles[0].translation == result.articles[1].translation
    assert result.articles[0].brief == result.articles[1].brief


def test_keys_follow_content_and_model_settings(tiny_config: Path) -> None:
    assert content_hash("de", "T", "body") == content_hash("de", "T", "body")
    assert content_hash("de", "T", "body") != content_hash("de", None, "body")
    spec = load_config(tiny_config).models["tiny-marian"]
    changed = dataclasses.replace(spec, generation={**spec.generation, "num_beams": 3})
    assert model_key(spec) == model_key(spec) != model_key(changed)


def test_a_bad_store_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(StoreError, match=r"dir: cannot be used as the store .*--store"):
        Store(tmp_path / "dir")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"garbage\.sqlite: cannot be used as the store"):
        Store(garbage)


def test_the_web_ui_takes_a_store(tiny_config: Path, tmp_path: Path) -> None:
    from summarizer.webui import WebApp

    app = WebApp(tiny_config, "cpu", store=tmp_path / "ui.sqlite")
    assert app.summarizer.store is not None
    assert app.summarizer.store.path == tmp_path / "ui.sqlite"


def test_restore_gives_the_article_back_from_its_stored_spans(summarizer, tmp_path) -> None:
    """A batch keeps articles without their text; the store gives them back with the same
    sentences (its spans, not a second segmentation that could disagree) and translation."""
    store = Store(tmp_path / "s.sqlite")
    run = Summarizer(summarizer.config, "cpu", store=store)
    run.pool = summarizer.pool
    (article,) = run.translate([SOURCES[0]]).articles
    back = run.restore(article.without_text())
    assert back.segments == article.segments and back.translation == article.translation
    assert store.article(article.hash).spans == [
        (s.start, s.end, s.paragraph) for s in article.segments
    ]


def test_a_schema_1_store_is_upgraded_in_place(summarizer, tmp_path) -> None:
    """Articles stored before spans were kept come back by segmenting their text again."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE articles (hash TEXT PRIMARY KEY, lang TEXT NOT NULL, title TEXT, "
        "body TEXT NOT NULL, source TEXT, added TEXT NOT NULL);"
        "INSERT INTO articles VALUES ('h1', 'en', 'T', 'One sentence. Two.', 's', 'then');"
        "PRAGMA user_version=1;"
    )
    db.close()
    with Store(path) as store:
        assert store.article("h1").spans is None
        store.put_article("h2", "en", None, "Three.", "t", [[0, 6, 0]])
        assert store.article("h2").spans == [(0, 6, 0)]
    run = Summarizer(summarizer.config, "cpu", store=Store(path))
    stub = dataclasses.replace(
        run.prepare(Document("s", "One sentence. Two."), Options(), set()), hash="h1"
    ).without_text()
    assert [s.source for s in run.restore(stub).segments] == ["One sentence.", "Two."]
