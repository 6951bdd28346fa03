"""The extractive engine: pick an article's own sentences instead of writing new ones.

Briefs rank sentences by TextRank centrality (PageRank over the sentence-similarity
graph, by power iteration in numpy) with a lead prior, since news puts what matters first;
past its first RANKED sentences an article is ranked by position alone. The digest
picks across articles with maximal marginal relevance (MMR), so near-duplicates from
several outlets become one point. Needs no model: similarities may come from TF-IDF.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MIN_WORDS = 5  # shorter "sentences" (datelines, bylines, fragments) are never picked
MMR_LAMBDA = 0.7  # relevance vs. novelty
LEAD_WEIGHT = 0.4  # share of a sentence's rank that comes from its position
PAGERANK_ALPHA = 0.85  # networkx's defaults, which this module used until it did the sums
PAGERANK_ITERATIONS = 100
PAGERANK_TOLERANCE = 1e-6
# Sentences of an article ranked by centrality; later ones by position alone. 1,000
# sentences (some 25,000 words) is past any news article, and keeps the similarity
# matrix (n x n) and the TF-IDF vectors of one article in tens of megabytes.
RANKED = 1000


def position_prior(n: int) -> np.ndarray:
    """Lead bias for news: weight 1/sqrt(position + 1), summing to 1."""
    weights = 1.0 / np.sqrt(np.arange(1, n + 1, dtype=np.float64))
    return weights / weights.sum() if n else weights


def textrank(similarity: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
    """PageRank centrality of each sentence in the graph weighted by ``similarity``.

    ``prior`` is the teleport distribution (personalised PageRank); scores sum to 1. The
    iteration is networkx's own (a sentence with no edge hands its rank out by ``prior``),
    done on the matrix in numpy: networkx made a Python object per edge, minutes for a
    few thousand sentences. Falls back to ``prior`` when it does not converge.
    """
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = np.clip(np.asarray(similarity, dtype=np.float64), 0.0, None)
    np.fill_diagonal(weights, 0.0)
    prior = position_prior(n) if prior is None else np.asarray(prior, dtype=np.float64)
    prior = prior / prior.sum()
    out = weights.sum(axis=1)
    dangling = out == 0
    out[~dangling] = 1.0 / out[~dangling]
    step = weights * out[:, None]  # row-stochastic, except rows with no edge
    ranks = np.full(n, 1.0 / n)
    for _ in range(PAGERANK_ITERATIONS):
        last = ranks
        ranks = PAGERANK_ALPHA * (ranks @ step + ranks[dangling].sum() * prior)
        ranks += (1 - PAGERANK_ALPHA) * prior
        if np.abs(ranks - last).sum() < n * PAGERANK_TOLERANCE:
            return ranks
    return prior


def rank(similarity: np.ndarray, total: int | None = None) -> np.ndarray:
    """News sentence rank in [0, 1]: TextRank centrality blended with the lead prior.

    ``similarity`` may cover only the first sentences of ``total``: the others have no
    centrality, so their rank is their position's alone.
    """
    n = max(similarity.shape[0], total or 0)
    if n == 0:
        return np.zeros(0)
    prior = position_prior(n)
    centrality = np.zeros(n)
    centrality[: similarity.shape[0]] = textrank(similarity, prior[: similarity.shape[0]])
    top = centrality.max() or 1.0
    return (1 - LEAD_WEIGHT) * centrality / top + LEAD_WEIGHT * prior / prior.max()


def select(scores: Sequence[float], lengths: Sequence[int], words: int) -> list[int]:
    """Best-scored sentences that fit in ``words`` words (at least one), in text order.

    Sentences under MIN_WORDS words are skipped unless nothing else is there; empty ones
    (a translation that came back empty) never count, so all-empty input selects nothing.
    """
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    eligible = [i for i in order if lengths[i] >= MIN_WORDS] or [
        i for i in order if lengths[i] > 0
    ][:1]
    chosen: list[int] = []
    total = 0
    for i in eligible:
        if chosen and total + lengths[i] > words:
            continue
        chosen.append(i)
        total += lengths[i]
    return sorted(chosen)


def mmr(
    relevance: Sequence[float],
    similarity: np.ndarray,
    lengths: Sequence[int],
    words: int,
    duplicate: float,
    lam: float = MMR_LAMBDA,
) -> list[int]:
    """Maximal marginal relevance: pick relevant, mutually different items within ``words``.

    Items at least ``duplicate``-similar to a picked one are near-duplicates and never
    picked; the result is in pick order (most relevant first), with at least one item.
    """
    left = [i for i in range(len(relevance)) if lengths[i] >= MIN_WORDS]
    left = left or list(range(min(1, len(relevance))))
    chosen: list[int] = []
    total = 0
    while left:

        def gain(i: int) -> float:
            redundancy = max((float(similarity[i, j]) for j in chosen), default=0.0)
            return lam * relevance[i] - (1 - lam) * redundancy

        best = max(left, key=gain)
        left.remove(best)
        if chosen and total + lengths[best] > words:
            continue
        chosen.append(best)
        total += lengths[best]
        left = [i for i in left if similarity[i, best] < duplicate]
    return chosen
