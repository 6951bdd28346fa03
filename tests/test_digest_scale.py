"""The digest at scale: grouping never compares all articles with all articles.

Story grouping clusters only articles linked by close pairs, so its result must equal the
all-pairs clustering it replaced (checked against that algorithm, kept here as the
reference), while no clustering ever sees more than `MAX_GROUP` articles. The time and
memory of a 10,000-article batch are measured by `python -m bench.scale`, not here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import numpy as np
import pytest
from test_digest import make_article

from summarizer import stories
from summarizer.digest import Seen, build_digest
from summarizer.similarity import Similarity
from summarizer.stories import group


def all_pairs(vectors: np.ndarray, dates: list, threshold: float, window: int) -> list[list[int]]:
    """The grouping before linked sets: average linkage over every pair of the run."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(dates)
    if n == 1:
        return [[0]]
    distance = 1.0 - np.clip(vectors @ vectors.T, -1.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = dates[i], dates[j]
            if window and a and b and abs((a - b).days) > window:
                distance[i, j] = distance[j, i] = stories.APART
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1 - threshold
    ).fit_predict(distance)
    found: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        found.setdefault(int(label), []).append(index)
    return sorted(sorted(c) for c in found.values())


def corpus(seed: int, n: int) -> tuple[np.ndarray, list[dt.date | None]]:
    """Unit vectors around a few centres (stories), some dated, some a year apart."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(2, n // 6), 24))
    vectors = centres[rng.integers(0, len(centres), n)] + rng.normal(scale=0.6, size=(n, 24))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = dt.date(2025, 1, 1)
    picks = random.Random(seed)
    dates = [
        None if picks.random() < 0.2 else start + dt.timedelta(days=picks.choice([0, 5, 20, 400]))
        for _ in range(n)
    ]
    return vectors.astype(np.float32), dates


@pytest.mark.parametrize("seed", range(12))
def test_linked_sets_group_exactly_as_all_pairs(seed: int) -> None:
    n = random.Random(seed).randint(2, 90)
    vectors, dates = corpus(seed, n)
    for threshold, window in ((0.6, 30), (0.8, 30), (0.5, 0)):
        ours = group(vectors, dates, threshold, window)
        assert sorted(ours) == all_pairs(vectors, dates, threshold, window)
        assert sorted(i for c in ours for i in c) == list(range(n))  # each article once


def test_sparse_rows_group_as_dense_ones() -> None:
    from scipy.sparse import csr_matrix

    vectors, dates = corpus(3, 60)
    assert group(csr_matrix(vectors), dates, 0.6, 30) == group(vectors, dates, 0.6, 30)


def test_a_set_of_alike_articles_past_the_bound_is_split_by_date_with_a_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "MAX_GROUP", 40)
    monkeypatch.setattr(stories, "BLOCK_ROWS", 16)  # several row blocks, as on a big run
    seen: list[int] = []
    real = stories._cluster
    monkeypatch.setattr(
        stories, "_cluster", lambda v, d, t, w: seen.append(len(d)) or real(v, d, t, w)
    )
    n = 100
    vectors = np.ones((n, 4), dtype=np.float32) / 2  # every article says the same
    dates = [dt.date(2025, 1, 1) + dt.timedelta(days=i % 9) for i in range(n)]
    notes: list[str] = []
    clusters = group(vectors, dates, 0.6, 30, notes)
    assert max(seen) <= 40 and sum(seen) == n
    assert sorted(i for c in clusters for i in c) == list(range(n))
    assert all(len(c) <= 40 for c in clusters)
    (note,) = notes
    assert "100 articles were alike enough to be one story" in note and "3 blocks" in note
    # blocks follow the calendar: every date of a block is on or before the next block's
    firsts = sorted(clusters, key=lambda c: min(dates[i] for i in c))
    for earlier, later in itertools.pairwise(firsts):
        assert max(dates[i] for i in earlier) <= min(dates[i] for i in later)


def test_a_big_digest_clusters_and_cites_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 one-line articles, in stories of about 20 and one story of 200 alike ones: every
    article lands in one story, no clustering sees more than the bound, and no similarity
    matrix is as large as all sentences by all sentences."""
    monkeypatch.setattr(stories, "MAX_GROUP", 120)
    rng = random.Random(5)
    words = [f"word{k}" for k in range(300)]
    topics = [rng.sample(words, 6) for _ in range(20)]
    articles = []
    for i in range(600):
        topic = topics[0] if i < 200 else rng.choice(topics[1:])
        extra = rng.sample(words, 2) if i >= 200 else []
        text = " ".join(topic[:5] + extra) + "."
        published = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        articles.append(make_article(f"a{i:04d}", "en", published, [(text, None)]))
    sim = Similarity.tfidf([a.translation for a in articles], 0.3)
    shapes: list[tuple[int, int]] = []
    matrix = Similarity.matrix

    def spy(self: Similarity, a: list[str], b: list[str]) -> np.ndarray:
        shapes.append((len(a), len(b)))
        return matrix(self, a, b)

    monkeypatch.setattr(Similarity, "matrix", spy)
    digest = build_digest(articles, sim, "extractive", words=400, brief_words=40)
    members = [a for s in digest.stories for a in s.articles]
    assert sorted(members) == sorted(a.id for a in articles)
    assert max(len(s.articles) for s in digest.stories) <= 120
    assert any("alike enough to be one story" in w for w in digest.warnings)
    assert max(x * y for x, y in shapes) < len(articles) ** 2 / 4
    assert all(p.evidence and p.sources for p in digest.points)


def test_seen_points_answer_as_one_matrix_would() -> None:
    texts = [f"point number {k} about topic {k % 7} and place {k % 11}" for k in range(200)]
    sim = Similarity.tfidf(texts, 0.3)
    kept = Seen(sim)
    assert kept.closest(texts[0]) == -1.0
    for k, text in enumerate(texts):
        if k:
            expected = float(sim.matrix([text], texts[:k]).max())
            assert kept.closest(text) == pytest.approx(expected, abs=1e-6)
        kept.add(text)
