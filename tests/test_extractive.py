"""TextRank, sentence selection, MMR and story grouping: pure functions on small inputs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from summarizer.extractive import MIN_WORDS, mmr, position_prior, rank, select, textrank
from summarizer.similarity import Similarity
from summarizer.stories import group, parse_date, timeline


def test_textrank_prefers_the_sentence_everyone_resembles() -> None:
    sim = np.array([[1, 0.1, 0.1, 0.1], [0.1, 1, 0.8, 0.8], [0.1, 0.8, 1, 0.2], [0.1, 0.8, 0.2, 1]])
    scores = textrank(sim, np.full(4, 0.25))
    assert int(np.argmax(scores)) == 1
    assert scores.sum() == pytest.approx(1.0)


def test_rank_breaks_ties_by_position() -> None:
    scores = rank(np.ones((4, 4)))
    assert list(scores) == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(1.0)
    assert list(position_prior(3)) == sorted(position_prior(3), reverse=True)


def test_select_stays_in_budget_and_keeps_text_order() -> None:
    scores = [0.1, 0.9, 0.5, 0.8]
    lengths = [10, 10, 10, 10]
    assert select(scores, lengths, 20) == [1, 3]
    assert select(scores, lengths, 5) == [1]  # at least one sentence
    assert select([0.9, 0.1], [MIN_WORDS - 1, 10], 50) == [1]  # fragments are not picked
    assert select([0.9], [MIN_WORDS - 1], 50) == [0]  # ... unless there is nothing else


def test_mmr_merges_near_duplicates_and_keeps_novelty() -> None:
    sim = np.array([[1, 0.95, 0.1], [0.95, 1, 0.2], [0.1, 0.2, 1]])
    picked = mmr([0.9, 0.85, 0.3], sim, [10, 10, 10], words=100, duplicate=0.8)
    assert picked == [0, 2]  # item 1 says what item 0 says
    assert mmr([0.9, 0.85, 0.3], sim, [10, 10, 10], words=10, duplicate=0.8) == [0]


def test_mmr_on_real_sentences_drops_the_paraphrase() -> None:
    texts = [
        "Ministers from seven countries signed a declaration in Vienna to build a plant.",
        "Ministers of seven countries signed a Vienna declaration to build the plant.",
        "Experts warned that brine disposal must be solved before construction.",
    ]
    sim = Similarity.tfidf(texts, 0.2)
    picked = mmr([1.0, 0.9, 0.5], sim.matrix(texts, texts), [12, 12, 10], 100, 0.5)
    assert picked == [0, 2]


def unit(*rows: list[float]) -> np.ndarray:
    m = np.array(rows, dtype=float)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_group_by_similarity_and_date_window() -> None:
    vectors = unit([1, 0.1, 0], [0.9, 0.2, 0], [0, 0.1, 1])
    day = dt.date(2025, 3, 12)
    assert group(vectors, [day, day, day], 0.8, 30) == [[0, 1], [2]]
    # the same words two years apart are two stories
    years = [day, day.replace(year=2023), day]
    assert group(vectors, years, 0.8, 30) == [[1], [0], [2]]
    assert group(vectors, years, 0.8, 0) == [[0, 1], [2]]  # window off
    # undated articles may join anything; clusters are ordered oldest first
    assert group(vectors, [None, day, None], 0.8, 30) == [[0, 1], [2]]
    assert group(vectors[:1], [None], 0.8, 30) == [[0]]


def test_parse_date_never_guesses() -> None:
    assert parse_date("2025-03-12") == dt.date(2025, 3, 12)
    assert parse_date("12 March 2025") == dt.date(2025, 3, 12)
    assert parse_date("March 2025") is None  # no day: not made up
    assert parse_date("soon") is None
    assert parse_date(None) is None


def test_timeline_lists_undated_last_without_a_date() -> None:
    dates = [None, dt.date(2025, 3, 12), dt.date(2024, 6, 3)]
    entries = timeline(["x", "a", "b"], dates, {"x": 1, "a": 0, "b": 0})
    assert [(e.date, e.article, e.story) for e in entries] == [
        ("2024-06-03", "b", 0),
        ("2025-03-12", "a", 0),
        (None, "x", 1),
    ]
