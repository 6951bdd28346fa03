"""Every shape an article takes, the run's results, and the one error base: the leaf module.

Reading gives a `Document`; preparing it (cleaning, language, sentences) makes it an
`Article`, one shape from then on: translation fills in its segments' translations, the
brief stage its brief, the digest its story; batch, the runners and the renderers pass it
around. A run returns a `Result`, whose `to_dict()` is the JSON contract. Nothing here
imports anything else of the package (or any third-party library), so every other module
may import it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

VERSION = "0.1.0"  # the package's version (pyproject.toml reads it from here)

# The JSON contract's version: 2 added each segment's flags (and second opinion), each
# article's flagged_share, and the run's translation_checks (README: "Output").
SCHEMA_VERSION = 2

Engine = Literal["abstractive", "extractive"]
# Field metadata of what the pipeline needs but the JSON contract does not carry.
INTERNAL = {"internal": True}
FlagKind = Literal["number", "amount", "date", "entity", "unsupported"]

# The most one article may be, however it comes (file, stdin, upload, web page).
MAX_BYTES = 20 * 1024 * 1024
# The most links read from one feed, the newest (`batch --max-feed-entries`): a feed of
# 50,000 links is a site's archive, not its news.
MAX_FEED_ENTRIES = 500
# Shown for a story whose every candidate point was empty or looping (a broken model).
NO_POINTS = "No point could be made: every candidate was empty or looping (see the notes)."


# --- errors --------------------------------------------------------------------------------


class SummarizerError(Exception):
    """Base of every refusal the package raises on purpose: the message is one line that
    names the input (file, URL, model, setting) and the fix, fit to show a user as is."""


class IngestError(SummarizerError, ValueError):
    """An input that cannot be read as an article; the message is the one-line reason."""


class ModelLoadError(SummarizerError, RuntimeError):
    """A model that cannot be had or loaded; the message names it, what needed it, and the fix."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line of at most 300 characters (for users and logs)."""
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


# --- reading -------------------------------------------------------------------------------


@dataclass
class Document:
    """One article as given: where it came from and its decoded text, plus any metadata."""

    source: str
    text: str
    title: str | None = None
    published: str | None = None
    lang: str | None = None
    encoding: str = "utf-8"
    id: str | None = None
    author: str | None = None
    outlet: str | None = None  # who published it: a site, paper or agency
    topic: str | None = None  # a label given with the article (batch manifests)
    warnings: list[str] = field(default_factory=list)  # what reading it changed or guessed


# --- articles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """One unsupported span of a summary sentence (offsets are within that sentence)."""

    kind: FlagKind
    span: str
    start: int
    end: int

    def describe(self) -> str:
        return f"{self.kind} '{self.span}' is not in the cited source"


@dataclass(frozen=True)
class SegmentFlag:
    """Why a translated sentence is doubtful: the check that fired and one line for the
    reader; the span of what it is about in the source sentence, when it has one."""

    kind: str  # number, name, empty, repetition, untranslated, not_english, length
    reason: str
    source_span: tuple[int, int] | None = None

    @classmethod
    def from_dict(cls, data: dict) -> SegmentFlag:
        span = data.get("source_span")
        return cls(data["kind"], data["reason"], tuple(span) if span else None)  # type: ignore[arg-type]


@dataclass
class Segment:
    """One sentence of the cleaned text: as written, its translation (empty until
    translated), its paragraph index and its [start, end) offsets in `Article.original`."""

    source: str
    translation: str
    paragraph: int
    start: int
    end: int
    # The sentence's own language when it is not the article's (routes its translation);
    # internal: not part of the JSON contract.
    lang: str | None = field(default=None, metadata=INTERNAL)
    # The translation model's mean token log-probability of `translation` (its confidence:
    # 0 is certain, lower is less sure); None when not translated or not had.
    confidence: float | None = None
    # What the translation checks found doubtful (see checks.check_translation); empty: none.
    flags: list[SegmentFlag] = field(default_factory=list)
    # With a second opinion: the other model's translation (the one not kept) and its model.
    alternative: str | None = None
    alternative_model: str | None = None


@dataclass
class Article:
    """One article from preparation on: its cleaned text (`original`) split into segments,
    then their translations, its brief and its story as the stages fill them in."""

    id: str
    source: str
    title: str | None
    title_translation: str | None
    published: str | None
    language: str
    language_confidence: float
    original: str
    translation: str
    segments: list[Segment]
    brief: str = ""
    brief_segments: list[int] = field(default_factory=list)  # extractive: the brief's sentences
    brief_warnings: list[Flag] = field(default_factory=list)  # offsets within `brief`
    story: int | None = None
    translation_model: str | None = None
    warnings: list[str] = field(default_factory=list)
    hash: str = ""  # of the cleaned content: syndicated copies share it
    # Model outputs found empty or looping: "translations" (sentences), "brief" (replaced).
    output_flags: dict[str, int] = field(default_factory=lambda: {"translations": 0, "brief": 0})
    # Share of the translated sentences whose translation a check found doubtful.
    flagged_share: float = 0.0
    # Who published it: given with the document, else named by its dateline or sign-off.
    outlet: str | None = None
    # From the document, for batch groups; internal: not part of the JSON contract.
    topic: str | None = field(default=None, metadata=INTERNAL)
    # `published` as the article wrote it when that was a date of another calendar (Solar
    # Hijri, Hijri, Hebrew) converted to the Gregorian; None when nothing was converted.
    published_original: str | None = None

    def without_text(self) -> Article:
        """This article's metadata only (no text, no segments): what batch keeps of each
        article while the corpus streams through, so memory stays flat."""
        return replace(
            self, original="", translation="", segments=[], brief="", brief_segments=[],
            brief_warnings=[], warnings=list(self.warnings),
        )  # fmt: skip

    def to_dict(self) -> dict:
        """Every field, internal ones too (a worker process gets the article this way)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        data = dict(data)
        data["segments"] = [
            Segment(**{**s, "flags": [SegmentFlag.from_dict(f) for f in s.get("flags", [])]})
            for s in data["segments"]
        ]
        data["brief_warnings"] = [Flag(**f) for f in data["brief_warnings"]]
        return cls(**data)


@dataclass
class Failure:
    """An input (or a stage) that could not be processed, and why, in one line."""

    source: str
    error: str


@dataclass
class Options:
    """Settings of one run; None means the default from models.yaml."""

    brief_words: int | None = None
    digest_words: int | None = None
    lang: str | None = None  # force the source language of every article
    translate_only: bool = False
    engine: Engine | None = None  # both stages; None: each stage's engine in models.yaml
    strict: bool = False  # drop generated sentences the faithfulness guard flags
    story_threshold: float | None = None  # similarity needed to share a story
    brief_model: str | None = None  # a summarization model of models.yaml for this run
    digest_model: str | None = None
    # A translation model of models.yaml that translates again the doubtful sentences;
    # None: translation.second_opinion of models.yaml (if any).
    second_opinion: str | None = None
    show_progress: bool = False


# --- the digest ----------------------------------------------------------------------------


@dataclass
class Faithfulness:
    """How many summary sentences the guard checked and flagged in a run (and dropped)."""

    checked: int = 0
    flagged: int = 0
    dropped: int = 0

    @property
    def share(self) -> float:
        return round(self.flagged / self.checked, 4) if self.checked else 0.0

    def add(self, flags: Sequence[Sequence[Flag]]) -> None:
        self.checked += len(flags)
        self.flagged += sum(1 for f in flags if f)

    def merge(self, other: Faithfulness) -> None:
        self.checked += other.checked
        self.flagged += other.flagged
        self.dropped += other.dropped


@dataclass
class Evidence:
    """A sentence that supports a point: the article id and the index of its segment."""

    article: str
    segment: int
    score: float


@dataclass
class DigestPoint:
    """One digest sentence, the articles and sentences behind it, and the guard's flags."""

    text: str
    sources: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    corroborated: bool = False
    story: int | None = None
    warnings: list[Flag] = field(default_factory=list)

    def cited(self) -> dict[str, list[int]]:
        """The segment indices this point cites, per article, in citation order."""
        out: dict[str, list[int]] = {a: [] for a in self.sources}
        for e in self.evidence:
            out.setdefault(e.article, []).append(e.segment)
        return out

    def support_label(self) -> str:
        if self.corroborated:
            return f"corroborated by {len(self.sources)} articles"
        return "single source" if self.sources else "no supporting sentence found"


@dataclass
class Story:
    """Articles on one event: a headline, the digest points about it, its date range."""

    headline: str
    articles: list[str]
    points: list[int] = field(default_factory=list)
    first_date: str | None = None
    last_date: str | None = None


@dataclass
class TimelineEntry:
    """One article on the timeline; ``date`` is None for an undated article."""

    date: str | None
    article: str
    story: int | None


@dataclass
class SourceRow:
    """One line of the sources table."""

    article: str
    title: str | None
    source: str
    language: str
    published: str | None
    words: int
    translation_model: str | None
    outlet: str | None = None  # who published it (Article.outlet)


@dataclass
class Digest:
    """The merged result across articles; empty text when there was nothing to digest."""

    text: str
    engine: str | None = None
    similarity: str | None = None
    points: list[DigestPoint] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    faithfulness: Faithfulness = field(default_factory=Faithfulness)
    warnings: list[str] = field(default_factory=list)
    # Model outputs found empty or looping: "points" left out.
    output_flags: dict[str, int] = field(default_factory=lambda: {"points": 0})


# --- what the store keeps ------------------------------------------------------------------


@dataclass
class TranslationRecord:
    """An article's translation as the store keeps it, per translation model."""

    title: str | None
    segments: list[str]  # one per sentence of the article, in order
    split: int = 0  # sentences split into parts to fit the model's input limit
    # Per other language found in the article: [sentences, model used or None (kept as
    # written), whether they fell back to the article's own language].
    languages: dict[str, list] = field(default_factory=dict)
    # Per sentence, the model's mean token log-probability (None: not had; records stored
    # before schema 2 have none).
    scores: list[float | None] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TranslationRecord:
        return cls(data.get("title"), list(data["segments"]), data.get("split", 0),
                   dict(data.get("languages", {})), list(data.get("scores", [])))  # fmt: skip


@dataclass
class BriefRecord:
    """An article's brief as the store keeps it, per brief settings: the brief, its key
    sentences (extractive), the guard's flags, the notes it added, the guard's counts."""

    brief: str
    segments: list[int]
    warnings: list[Flag]
    notes: list[str]
    faith: Faithfulness
    flagged: int = 0  # 1 when the model's brief was empty or looping and was replaced

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> BriefRecord:
        flags = [Flag(**f) for f in data["warnings"]]
        faith = Faithfulness(**data["faith"])
        return cls(data["brief"], list(data["segments"]), flags, list(data["notes"]), faith,
                   data.get("flagged", 0))  # fmt: skip


# --- the run -------------------------------------------------------------------------------


@dataclass
class Result:
    """Everything a run produced; `to_dict()` is the stable JSON contract."""

    articles: list[Article]
    digest: Digest
    failed: list[Failure]
    models: dict[str, str]
    options: Options = field(default_factory=Options)
    # A summarization stage that could not run ("brief", "digest") -> why. Not an article
    # that failed: the reason is a warning on each article (or the digest) it left without
    # a brief; internal, the JSON contract carries those warnings.
    stage_errors: dict[str, str] = field(default_factory=dict, metadata=INTERNAL)

    def flagged_outputs(self) -> dict[str, int]:
        """Model outputs found empty or looping in this run, by kind (see `checks`)."""
        return count_flags(self.articles, self.digest)

    def to_dict(self) -> dict:
        data = asdict(self)
        _drop_internal(data, Result)
        for article in data["articles"]:
            _drop_internal(article, Article)
            for segment in article["segments"]:
                _drop_internal(segment, Segment)
        data["options"] = {k: v for k, v in data["options"].items() if k not in ("show_progress",)}
        data["digest"]["faithfulness"]["share"] = self.digest.faithfulness.share
        flagged, total = doubtful(self.articles)
        data["translation_checks"] = {"segments": total, "flagged": flagged}
        data["schema_version"] = SCHEMA_VERSION
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _drop_internal(data: dict[str, Any], cls: type) -> None:
    """Leave out of ``data`` the fields of ``cls`` that the JSON contract does not carry."""
    for f in fields(cls):
        if f.metadata.get("internal"):
            data.pop(f.name, None)


def doubtful(articles: Sequence[Article]) -> tuple[int, int]:
    """(translated sentences a check found doubtful, translated sentences) of a run."""
    translated = [s for a in articles if a.translation_model for s in a.segments]
    return sum(1 for s in translated if s.flags), len(translated)


def describe_doubtful(articles: Sequence[Article]) -> str:
    """'3 of 40 translated sentences look doubtful (marked beside the original)', or ''."""
    flagged, total = doubtful(articles)
    if not flagged:
        return ""
    return f"{flagged} of {total} translated sentences look doubtful (marked beside the original)"


def count_flags(articles: Sequence[Article], digest: Digest) -> dict[str, int]:
    """Empty or looping model outputs of a run: translated sentences, briefs replaced by
    key sentences, digest points left out."""
    counts = {
        "translations": sum(a.output_flags.get("translations", 0) for a in articles),
        "briefs": sum(a.output_flags.get("brief", 0) for a in articles),
        "points": digest.output_flags.get("points", 0),
    }
    return {k: v for k, v in counts.items() if v}


def describe_flags(counts: dict[str, int]) -> str:
    """'2 empty or looping model outputs (1 sentence translation, 1 brief)', or ''."""
    if not counts:
        return ""
    names = {"translations": "sentence translation", "briefs": "brief", "points": "digest point"}
    parts = ", ".join(f"{n} {names[k]}{'s' if n != 1 else ''}" for k, n in counts.items())
    total = sum(counts.values())
    return f"{total} empty or looping model output{'s' if total != 1 else ''} flagged ({parts})"
