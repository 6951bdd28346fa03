"""Stories, timeline and sources: how the articles of a run relate to one another.

Articles reporting the same event form one story: agglomerative clustering (average
linkage) of their document vectors, cut at a similarity threshold, where two articles
published more than a window of days apart never share a story. Dates are only ever
read from the articles; an article without one stays undated. A date of another calendar
(Solar Hijri, Hijri, Hebrew) counts as its Gregorian day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import numpy as np

from .calendars import find_calendar_date
from .types import TimelineEntry

APART = 10.0  # the distance given to articles too far apart in time to share a story


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
    vectors: np.ndarray, dates: Sequence[dt.date | None], threshold: float, window_days: int
) -> list[list[int]]:
    """Clusters of article indices: similar enough, and within ``window_days`` when dated.

    Clusters come oldest first (undated-only clusters last); members keep input order.
    """
    n = len(dates)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    distance = 1.0 - np.clip(vectors @ vectors.T, -1.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    if window_days:
        for i in range(n):
            for j in range(i + 1, n):
                a, b = dates[i], dates[j]
                if a and b and abs((a - b).days) > window_days:
                    distance[i, j] = distance[j, i] = APART
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - threshold,
    ).fit_predict(distance)
    clusters: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)

    def key(members: list[int]) -> tuple[int, dt.date, int]:
        known = [d for d in (dates[i] for i in members) if d]
        return (0, min(known), members[0]) if known else (1, dt.date.max, members[0])

    return sorted(clusters.values(), key=key)


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
