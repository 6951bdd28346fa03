"""The extractive engine: pick an article's own sentences instead of writing new ones.

Briefs rank sentences by TextRank centrality (PageRank over the sentence-similarity
graph, via networkx) with a lead prior, since news puts what matters first. The digest
picks across articles with maximal marginal relevance (MMR), so near-duplicates from
several outlets become one point. Needs no model: similarities may come from TF-IDF.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MIN_WORDS = 5  # shorter "sentences" (datelines, bylines, fragments) are never picked
MMR_LAMBDA = 0.7  # relevance vs. novelty
LEAD_WEIGHT = 0.4  # share of a sentence's rank that comes from its position


def position_prior(n: int) -> np.ndarray:
    """Lead bias for news: weight 1/sqrt(position + 1), summing to 1."""
    weights = 1.0 / np.sqrt(np.arange(1, n + 1, dtype=np.float64))
    return weights / weights.sum() if n else weights


def textrank(similarity: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
    """PageRank centrality of each sentence in the graph weighted by ``similarity``.

    ``prior`` is the teleport distribution (personalised PageRank); scores sum to 1.
    """
    import networkx as nx

    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = np.clip(np.asarray(similarity, dtype=np.float64), 0.0, None)
    np.fill_diagonal(weights, 0.0)
    graph = nx.from_numpy_array(weights)
    prior = position_prior(n) if prior is None else prior
    personal = {i: float(p) for i, p in enumerate(prior)}
    try:
        ranks = nx.pagerank(graph, alpha=0.85, personalization=personal, weight="weight")
    except nx.PowerIterationFailedConvergence:
        return np.asarray(prior, dtype=np.float64)
    return np.array([ranks[i] for i in range(n)])


def rank(similarity: np.ndarray) -> np.ndarray:
    """News sentence rank in [0, 1]: TextRank centrality blended with the lead prior."""
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    prior = position_prior(n)
    centrality = textrank(similarity, prior)
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
