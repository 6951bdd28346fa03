"""Stories, timeline and sources: how the articles of a run relate to one another.

Articles reporting the same event form one story: agglomerative clustering (average
linkage) of their document vectors, cut at a similarity threshold, where two articles
published more than a window of days apart never share a story. Only articles linked by
close pairs are clustered together, so the work grows with the size of the largest set of
alike articles (bounded by `MAX_GROUP`), not with the square of the run. Dates are only ever
read from the articles; an article without one stays undated. A date of another calendar
(Solar Hijri, Hijri, Hebrew) counts as its Gregorian day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .calendars import find_calendar_date
from .types import TimelineEntry
from .utils import dense

APART = 10.0  # the distance given to articles too far apart in time to share a story
MAX_GROUP = 1000  # the most articles clustered at once (the distances of all their pairs)
BLOCK_ROWS = 512  # rows of similarities held at once while finding the linked sets
SLACK = 1e-6  # pairs this close under the threshold still link (rounding never splits)


@functools.lru_cache(maxsize=4096)
def parse_date(value: str | None) -> dt.date | None:
    """A full calendar date from an article's published field, else None (never guessed).

    Every stage that needs the date (stories, timeline, batch groups and index) asks here,
    and each distinct value is parsed once (dateparser takes milliseconds a value)."""
    if not value:
        return None
    if other := find_calendar_date(value):  # "۱۴۰۲/۰۸/۱۵" is no day of the year 1402
        return other.gregorian
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    import dateparser

    found = dateparser.parse(value, settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    return found.date() if found else None


def group(
    vectors: Any,
    dates: Sequence[dt.date | None],
    threshold: float,
    window_days: int,
    notes: list[str] | None = None,
) -> list[list[int]]:
    """Clusters of article indices: similar enough, and within ``window_days`` when dated.

    Only articles linked by a chain of close pairs can share a story (average linkage never
    merges clusters with no pair under the cut), so the clustering runs within each linked
    set, never on all pairs; a set larger than `MAX_GROUP` is clustered in time-ordered
    blocks, with a line in ``notes``. ``vectors`` are unit rows, dense or sparse.
    Clusters come oldest first (undated-only clusters last); members keep input order.
    """
    n = len(dates)
    if n == 0:
        return []
    days = np.array([d.toordinal() if d else 0 for d in dates], dtype=np.int64)
    clusters: list[list[int]] = []
    for linked in _linked_sets(vectors, days, threshold, window_days):
        blocks = _time_blocks(linked, days)
        if len(blocks) > 1 and notes is not None:
            notes.append(
                f"{len(linked)} articles were alike enough to be one story; they were grouped "
                f"in {len(blocks)} blocks of consecutive dates (at most {MAX_GROUP:,} articles "
                "are compared at once), so a story may be cut where two blocks meet"
            )
        for block in blocks:
            for members in _cluster(vectors[block], days[block], threshold, window_days):
                clusters.append(sorted(block[k] for k in members))

    def key(members: list[int]) -> tuple[int, dt.date, int]:
        known = [d for d in (dates[i] for i in members) if d]
        return (0, min(known), members[0]) if known else (1, dt.date.max, members[0])

    return sorted(clusters, key=key)


def _far(days_a: np.ndarray, days_b: np.ndarray, window_days: int) -> np.ndarray:
    """Which pairs are both dated and more than ``window_days`` apart."""
    gap = np.abs(days_a[:, None] - days_b[None, :]) > window_days
    return gap & (days_a[:, None] > 0) & (days_b[None, :] > 0)


def _linked_sets(
    vectors: Any, days: np.ndarray, threshold: float, window_days: int
) -> list[list[int]]:
    """Connected sets of the graph of close pairs (similar and in the window), found a block
    of rows at a time so memory stays at ``BLOCK_ROWS`` rows whatever the corpus size."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(days)
    labels = np.arange(n)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        close = dense(vectors[start:stop] @ vectors.T) >= threshold - SLACK
        if window_days:
            close &= ~_far(days[start:stop], days, window_days)
        rows, cols = np.nonzero(close)
        a, b = labels[rows + start], labels[cols]
        new = a != b
        if new.any():
            pairs = np.unique(np.stack([a[new], b[new]]), axis=1)
            graph = coo_matrix((np.ones(pairs.shape[1]), (pairs[0], pairs[1])), shape=(n, n))
            labels = connected_components(graph, directed=False)[1][labels]
    sets: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        sets.setdefault(int(label), []).append(index)
    return list(sets.values())


def _time_blocks(members: list[int], days: np.ndarray) -> list[list[int]]:
    """``members`` in one block, or, past `MAX_GROUP`, in near-equal blocks by date."""
    if len(members) <= MAX_GROUP:
        return [members]
    order = sorted(members, key=lambda i: (days[i] == 0, days[i], i))
    count = -(-len(order) // MAX_GROUP)
    size = -(-len(order) // count)
    return [order[k : k + size] for k in range(0, len(order), size)]


def _cluster(vectors: Any, days: np.ndarray, threshold: float, window_days: int) -> list[list[int]]:
    """Average-linkage clusters of one linked set (indices into it)."""
    n = len(days)
    if n == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    distance = 1.0 - np.clip(dense(vectors @ vectors.T), -1.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    if window_days:
        distance[_far(days, days, window_days)] = APART
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - threshold,
    ).fit_predict(distance)
    clusters: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)
    return list(clusters.values())


def date_range(dates: Sequence[dt.date | None]) -> tuple[str | None, str | None]:
    known = sorted(d for d in dates if d)
    return (known[0].isoformat(), known[-1].isoformat()) if known else (None, None)


def timeline(
    ids: Sequence[str], dates: Sequence[dt.date | None], story_of: dict[str, int | None]
) -> list[TimelineEntry]:
    """Dated articles oldest first, then the undated ones in input order."""
    order = sorted(range(len(ids)), key=lambda i: (dates[i] is None, dates[i] or dt.date.max, i))
    return [
        TimelineEntry(dates[i].isoformat() if dates[i] else None, ids[i], story_of.get(ids[i]))
        for i in order
    ]
