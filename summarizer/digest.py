"""The merged digest: one summary over all briefs, each point citing its articles.

The briefs are summarized together (map-reduce when they exceed the model's limit); each
sentence of the result becomes a point, attributed to the articles whose translation and
brief share its content words.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regex

from .models import Seq2Seq
from .segment import split_sentences
from .summarize import summarize_many

MIN_SUPPORT = 0.2  # share of a point's content words an article must contain to be cited
RELATIVE_SUPPORT = 0.6  # ... and at least this share of the best article's score


@dataclass
class DigestPoint:
    """One digest sentence and the ids of the articles it came from."""

    text: str
    sources: list[str] = field(default_factory=list)


@dataclass
class Digest:
    """The merged summary across articles, as text and as cited points."""

    text: str
    points: list[DigestPoint] = field(default_factory=list)


@dataclass
class Brief:
    """What the digest needs from one article."""

    id: str
    brief: str
    translation: str


def build_digest(
    model: Seq2Seq, briefs: list[Brief], words: int, show_progress: bool = False
) -> Digest:
    """Summarize the briefs into one digest and cite the articles behind each point."""
    usable = [b for b in briefs if b.brief.strip()]
    if not usable:
        return Digest(text="")
    joined = "\n\n".join(b.brief for b in usable)
    (text,) = summarize_many(model, [joined], words, desc="digest", show_progress=show_progress)
    points = [DigestPoint(s.text, attribute(s.text, usable)) for s in split_sentences(text, "en")]
    return Digest(text=text, points=points)


def attribute(point: str, briefs: list[Brief]) -> list[str]:
    """Ids of the articles that support ``point``, best supported first."""
    words = content_words(point)
    if not words:
        return []
    scores = []
    for b in briefs:
        vocabulary = content_words(b.translation) | content_words(b.brief)
        scores.append((len(words & vocabulary) / len(words), b.id))
    best = max(score for score, _ in scores)
    threshold = max(MIN_SUPPORT, best * RELATIVE_SUPPORT)
    return [i for score, i in sorted(scores, key=lambda s: -s[0]) if score >= threshold]


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` that are not English stopwords."""
    stops = _english_stopwords()
    return {w for w in regex.findall(r"\w+", text.casefold()) if w not in stops and len(w) > 1}


@functools.lru_cache(maxsize=1)
def _english_stopwords() -> frozenset[str]:
    import justext

    return frozenset(w.casefold() for w in justext.get_stoplist("English"))
