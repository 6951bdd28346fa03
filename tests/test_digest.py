"""The structured digest: stories, cited points, corroboration, timeline, sources.

Grouping and citations are checked where the right answer is known: our English examples
(two articles on the Vienna desalination declaration, one on the Negev solar park) with
the extractive engine, and hand-translated articles built here. The abstractive digest
on tiny random models is checked for structure only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLES, ROOT

from summarizer import Options, Summarizer
from summarizer.digest import build_digest
from summarizer.pipeline import Article, Result, Segment
from summarizer.similarity import Similarity

ENGLISH = sorted(EXAMPLES.glob("en_*.txt"))
DESALINATION = {"en_desalination", "en_desalination_wire"}

# Runs the CLI with every outgoing connection refused and recorded, and an empty model cache.
NO_NETWORK = """
import socket, sys
attempts = []
def refuse(self, address, *args, **kwargs):
    attempts.append(address)
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
from summarizer.cli import main
code = main(sys.argv[1:])
print("CONNECT ATTEMPTS:", len(attempts), file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def english_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    """`summarize --engine extractive examples/en_*.txt` with no network and no models."""
    tmp = tmp_path_factory.mktemp("extractive")
    out = tmp / "digest.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "SUMMARIZER_"))}
    env |= {"HF_HOME": str(tmp / "hf-home"), "PYTHONPATH": str(ROOT)}
    args = ["--engine", "extractive", *map(str, ENGLISH), "-o", str(out), "-q"]
    proc = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8")), proc.stderr, tmp / "hf-home"


def test_extractive_run_needs_no_model_and_no_network(english_json) -> None:
    data, stderr, hf_home = english_json
    assert "CONNECT ATTEMPTS: 0" in stderr
    assert not [p for p in hf_home.rglob("*") if p.is_file()]  # nothing was downloaded
    assert data["failed"] == []
    assert data["digest"]["engine"] == "extractive"
    assert data["digest"]["similarity"] == "tfidf"
    assert data["digest"]["text"]
    assert data["models"] == {"brief": "extractive", "digest": "extractive", "stories": "tfidf"}


def test_english_examples_group_into_their_two_events(english_json) -> None:
    data, _, _ = english_json
    stories = data["digest"]["stories"]
    assert [set(s["articles"]) for s in stories] == [{"en_solar_negev"}, DESALINATION]
    solar, water = stories
    assert (solar["first_date"], solar["last_date"]) == ("2024-06-03", "2024-06-03")
    assert (water["first_date"], water["last_date"]) == ("2025-03-12", "2025-03-13")
    assert "desalination" in water["headline"].lower()
    points = data["digest"]["points"]
    assert sorted(i for s in stories for i in s["points"]) == list(range(len(points)))
    assert all(s["points"] for s in stories)


def test_points_cite_sentences_that_exist_and_say_the_same(english_json) -> None:
    data, _, _ = english_json
    articles = {a["id"]: a for a in data["articles"]}
    stories = data["digest"]["stories"]
    for point in data["digest"]["points"]:
        story = stories[point["story"]]
        assert point["sources"], point["text"]
        assert set(point["sources"]) <= set(story["articles"])
        assert {e["article"] for e in point["evidence"]} == set(point["sources"])
        for e in point["evidence"]:
            assert 0 <= e["segment"] < len(articles[e["article"]]["segments"])
        # an extracted point is a sentence of one of its sources, cited as such
        quoted = [
            e for e in point["evidence"]
            if articles[e["article"]]["segments"][e["segment"]]["translation"] == point["text"]
        ]  # fmt: skip
        assert quoted, point["text"]
        assert point["corroborated"] == (len(point["sources"]) >= 2)
        assert point["warnings"] == []


def test_shared_facts_are_corroborated_and_lone_reports_are_not(english_json) -> None:
    data, _, _ = english_json
    points = data["digest"]["points"]
    water = [p for p in points if set(p["sources"]) & DESALINATION]
    solar = [p for p in points if "en_solar_negev" in p["sources"]]
    assert any(p["corroborated"] and set(p["sources"]) == DESALINATION for p in water)
    assert solar and not any(p["corroborated"] for p in solar)


def test_timeline_sources_and_faithfulness(english_json) -> None:
    data, _, _ = english_json
    digest = data["digest"]
    assert [(e["date"], e["article"]) for e in digest["timeline"]] == [
        ("2024-06-03", "en_solar_negev"),
        ("2025-03-12", "en_desalination"),
        ("2025-03-13", "en_desalination_wire"),
    ]
    rows = {r["article"]: r for r in digest["sources"]}
    assert set(rows) == {a["id"] for a in data["articles"]}
    for row in rows.values():
        assert set(row) == {
            "article", "title", "source", "language", "published", "words", "translation_model",
            "outlet",
        }  # fmt: skip
        assert row["language"] == "en" and row["translation_model"] is None
        assert row["words"] > 50 and row["title"]
    faith = digest["faithfulness"]
    assert faith["checked"] > 0 and faith["flagged"] == 0 and faith["share"] == 0.0
    assert all(not a["brief_warnings"] for a in data["articles"])


def test_story_threshold_is_the_users_to_set() -> None:
    summarizer = Summarizer(device="cpu")  # the packaged models.yaml; extractive needs none
    strict = summarizer.run(ENGLISH, Options(engine="extractive", story_threshold=0.99))
    assert len(strict.digest.stories) == 3
    loose = summarizer.run(ENGLISH, Options(engine="extractive", story_threshold=0.01))
    # still two: the articles are 15 months apart, beyond the 30-day window
    assert [len(s.articles) for s in loose.digest.stories] == [1, 2]


# Hand-translated articles (our own text): the originals are what a reader checks against.
HE_SOLAR = [
    ("פארק סולארי בהספק 450 מגה-וואט נחנך ביום שני בנגב.",
     "A 450-megawatt solar park was inaugurated in the Negev on Monday."),
    ("הפארק כולל מערכת אגירה בסוללות בקיבולת של 200 מגה-וואט-שעה.",
     "The park includes a battery storage system with a capacity of 200 megawatt-hours."),
    ("ארגוני סביבה קראו לשמור על השטחים הפתוחים בנגב.",
     "Environmental groups called for protecting open land in the Negev."),
]  # fmt: skip
DE_WATER = [
    ("Der Bau der Anlage soll 2026 in der Nähe von Triest beginnen, teilte das Ministerium mit.",
     "Construction of the plant is to begin near Trieste in 2026, the ministry said."),
    ("Minister aus sieben Ländern haben in Wien eine Erklärung zum Bau einer gemeinsamen "
     "Entsalzungsanlage unterzeichnet.",
     "Ministers from seven countries signed a declaration in Vienna on building a shared "
     "desalination plant."),
    ("Das Projekt Blue Horizon soll 1,2 Milliarden Euro kosten.",
     "The Blue Horizon project is to cost 1.2 billion euros."),
]  # fmt: skip
EN_WATER = [
    ("Ministers from seven countries signed a declaration in Vienna to build a shared "
     "desalination plant.", None),
    ("The Blue Horizon project is expected to cost 1.2 billion euros.", None),
    ("Experts warned about the energy needs of the plant.", None),
]  # fmt: skip


def make_article(
    article_id: str, lang: str, published: str | None, pairs: list[tuple[str, str | None]]
) -> Article:
    original, segments, offset = [], [], 0
    for source, translation in pairs:
        segments.append(Segment(source, translation or source, 0, offset, offset + len(source)))
        original.append(source)
        offset += len(source) + 1
    return Article(
        id=article_id, source=f"{article_id}.txt", title=None, title_translation=None,
        published=published, language=lang, language_confidence=1.0,
        original=" ".join(original), translation=" ".join(s.translation for s in segments),
        segments=segments, translation_model=None if lang == "en" else "hand",
    )  # fmt: skip


@pytest.fixture
def translated() -> list[Article]:
    return [
        make_article("he_solar", "he", "2024-06-03", HE_SOLAR),
        make_article("de_water", "de", "2025-03-12", DE_WATER),
        make_article("en_water", "en", None, EN_WATER),
    ]


def corpus(articles: list[Article]) -> list[str]:
    return [s.translation for a in articles for s in a.segments]


def test_translated_articles_group_cite_and_corroborate(translated) -> None:
    sim = Similarity.tfidf(corpus(translated), 0.2)
    digest = build_digest(translated, sim, "extractive", words=200, brief_words=60)
    assert [s.articles for s in digest.stories] == [["he_solar"], ["de_water", "en_water"]]
    # the undated English article neither gets nor changes a date
    assert (digest.stories[1].first_date, digest.stories[1].last_date) == ("2025-03-12",) * 2
    assert [(e.date, e.article) for e in digest.timeline][-1] == (None, "en_water")
    by_text = {p.text: p for p in digest.points}
    (shared,) = [p for p in digest.points if p.text.startswith("Ministers from seven countries")]
    assert shared.corroborated and set(shared.sources) == {"de_water", "en_water"}
    assert {(e.article, e.segment) for e in shared.evidence} >= {("de_water", 1), ("en_water", 0)}
    only_de = by_text[DE_WATER[0][1]]  # Trieste: one outlet reports it
    assert not only_de.corroborated and only_de.sources == ["de_water"]
    # a citation leads back to the original sentence
    cited = translated[1].segments[only_de.evidence[0].segment]
    assert cited.source.startswith("Der Bau der Anlage")
    assert all(p.sources == ["he_solar"] for p in digest.points if p.story == 0)


def test_near_duplicates_across_articles_are_merged(translated) -> None:
    sim = Similarity.tfidf(corpus(translated), 0.2)
    digest = build_digest(translated, sim, "extractive", words=200, brief_words=60)
    texts = [p.text for p in digest.points]
    declarations = [t for t in texts if t.startswith("Ministers from seven countries")]
    assert len(declarations) == 1


def test_uncited_abstractive_point_is_flagged(summarizer, translated) -> None:
    """A generated point that no sentence supports carries an 'unsupported' warning."""
    bart = summarizer.pool.get("tiny-bart", "test")
    for a in translated:
        a.brief = a.translation
    sim = Similarity.tfidf(corpus(translated), 0.2)
    digest = build_digest(translated, sim, "abstractive", words=40, model=bart)
    assert digest.points
    for point in digest.points:
        assert bool(point.sources) != any(f.kind == "unsupported" for f in point.warnings)
        assert point.corroborated == (len(point.sources) >= 2)


def test_tiny_models_digest_has_the_full_structure(sample_run) -> None:
    """Abstractive run on tiny models: stories, cited points, timeline, sources."""
    _, result = sample_run
    data = json.loads(Result.to_json(result))
    digest = data["digest"]
    assert set(digest) >= {"text", "engine", "points", "stories", "timeline", "sources"}
    assert digest["engine"] == "abstractive"
    assert digest["similarity"].endswith("st")  # the tiny sentence-transformers model
    articles = {a["id"]: a for a in data["articles"]}
    assert {a for s in digest["stories"] for a in s["articles"]} == set(articles)
    assert len(digest["timeline"]) == len(articles) == len(digest["sources"])
    for story in digest["stories"]:
        assert story["headline"] and story["articles"]
    cited = [p for p in digest["points"] if p["sources"]]
    assert cited, "no point cites an article"
    for point in digest["points"]:
        assert {"text", "sources", "evidence", "corroborated", "warnings"} <= set(point)
        for e in point["evidence"]:
            assert 0 <= e["segment"] < len(articles[e["article"]]["segments"])
    assert 0.0 <= digest["faithfulness"]["share"] <= 1.0


def test_strict_drops_every_flagged_sentence(summarizer) -> None:
    """--strict on tiny random models, whose output names things no article says."""
    sources = sorted(DATA.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
    result = summarizer.run(sources, Options(strict=True))
    faith = result.digest.faithfulness
    assert faith.checked > 0
    assert faith.dropped == faith.flagged
    for a in result.articles:
        assert not a.brief_warnings
        # the tiny models' translations all look doubtful: --strict briefs none of them
        doubtful = any(s.flags for s in a.segments)
        assert a.brief or (doubtful and any("kept out of the brief" in w for w in a.warnings))
    assert result.digest.points
    assert all(not p.warnings for p in result.digest.points)
