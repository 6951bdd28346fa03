"""Per-article briefs by either engine, each sentence checked by the faithfulness guard.

Abstractive briefs come from the seq2seq summarizer (map-reduce for long articles);
extractive briefs are the article's own most central sentences. With ``strict``, an
abstractive sentence the guard flags is dropped; a brief left empty falls back to the
extractive one, so every article keeps a brief.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .checks import degenerate
from .extractive import RANKED, rank, select
from .guard import check, facts
from .segment import sentence_texts
from .similarity import Similarity
from .summarize import summarize_many
from .types import Article, Engine, Faithfulness, Flag
from .utils import progress_bar

if TYPE_CHECKING:
    from .models import Seq2Seq

logger = logging.getLogger("summarizer")


def rank_segments(article: Article, sim: Similarity) -> list[float]:
    """Rank in [0, 1] of each translated sentence of ``article`` (centrality and position);
    past the first RANKED sentences, by position alone (the matrix grows as their square)."""
    head = [s.translation for s in article.segments[:RANKED]]
    return [float(x) for x in rank(sim.matrix(head, head), len(article.segments))]


def extractive_brief(
    article: Article, sim: Similarity, words: int, strict: bool = False
) -> list[int]:
    """Indices of the segments that make the article's extractive brief, in text order;
    with ``strict``, never a sentence whose translation a check found doubtful.

    Ranked within the article alone, so the brief is the same whatever else is in the run.
    """
    scores = rank_segments(article, sim.local([s.translation for s in article.segments[:RANKED]]))
    lengths = [len(s.translation.split()) for s in article.segments]
    allowed = [k for k, s in enumerate(article.segments) if not (strict and s.flags)]
    picked = select([scores[k] for k in allowed], [lengths[k] for k in allowed], words)
    return [allowed[i] for i in picked]


def trusted_text(article: Article) -> str:
    """The translation without the sentences a check found doubtful (paragraphs kept)."""
    paragraphs: dict[int, list[str]] = {}
    for s in article.segments:
        if not s.flags:
            paragraphs.setdefault(s.paragraph, []).append(s.translation)
    return "\n\n".join(" ".join(p) for p in paragraphs.values())


def source_texts(article: Article) -> list[str]:
    """What a summary of ``article`` may draw on: its translated title and text."""
    return [t for t in (article.title_translation or article.title, article.translation) if t]


def write_briefs(
    articles: Sequence[Article],
    engine: Engine,
    model: Seq2Seq | None,
    sim: Similarity,
    words: int,
    strict: bool = False,
    show_progress: bool = False,
) -> list[Faithfulness]:
    """Set each article's brief, its segments (extractive) and the guard's flags on it;
    returns what the guard found in each brief."""
    reports = [Faithfulness() for _ in articles]
    texts: list[str] = []
    failures: dict[int, str] = {}
    if engine == "abstractive":
        assert model is not None, "the abstractive engine needs a model"
        inputs = [trusted_text(a) if strict else a.translation for a in articles]
        labels = [a.source or a.id for a in articles]  # log lines name the article
        texts = summarize_many(model, inputs, words, "briefs", show_progress, failures, labels)
    with progress_bar(len(articles), "checking briefs", show_progress) as bar:
        for i, article in enumerate(articles):
            if strict and (doubts := sum(bool(s.flags) for s in article.segments)):
                article.warnings.append(
                    f"{doubts} sentence(s) whose translation looks doubtful kept out of the "
                    "brief (--strict)"
                )
            problem = None
            if texts and i not in failures and article.translation.strip():
                problem = degenerate(texts[i])
            if i in failures or problem is not None:  # the article's key sentences instead
                _one_brief(article, "extractive", "", sim, words, strict, reports[i])
                why = (
                    f"the brief model failed on this article ({failures[i]})"
                    if i in failures
                    else f"the brief model's output was unusable ({problem.describe()})"  # type: ignore[union-attr]
                )
                article.warnings.append(
                    f"{why}; the brief is the article's own key sentences instead"
                )
                if problem is not None:
                    article.output_flags["brief"] = 1
            else:
                _one_brief(article, engine, texts[i] if texts else "", sim, words, strict,
                           reports[i])  # fmt: skip
            if not article.brief.strip():  # never an empty brief without a word on why
                article.warnings.append(
                    "no brief: the article's translation has no text to brief"
                    if not article.translation.strip()
                    else "no brief: no sentence of the translation could make one"
                )
            bar.update(1)
    return reports


def _one_brief(
    article: Article,
    engine: Engine,
    text: str,
    sim: Similarity,
    words: int,
    strict: bool,
    report: Faithfulness,
) -> None:
    """One article's brief: extracted, or generated ``text`` checked by the guard."""
    if engine == "extractive":
        article.brief_segments = extractive_brief(article, sim, words, strict)
        article.brief = _joined(article, article.brief_segments)
        article.brief_warnings = []
        report.add([[] for _ in article.brief_segments])
        return
    source = facts(source_texts(article))
    sentences = sentence_texts(text)
    flags = [check(s, source) for s in sentences]
    report.add(flags)
    if not (strict and any(flags)):
        article.brief = " ".join(sentences)
        article.brief_warnings = _offset_flags(sentences, flags)
        return
    kept = [s for s, f in zip(sentences, flags, strict=True) if not f]
    report.dropped += len(sentences) - len(kept)
    article.brief_warnings = []
    if kept:
        article.brief = " ".join(kept)
        return
    article.brief_segments = extractive_brief(article, sim, words, strict)
    article.brief = _joined(article, article.brief_segments)
    article.warnings.append(
        "every sentence of the generated brief named a number or name not in the "
        "article (--strict); the brief is the article's own key sentences instead"
    )


def _joined(article: Article, segments: list[int]) -> str:
    return " ".join(article.segments[k].translation for k in segments)


def _offset_flags(sentences: list[str], flags: list[list[Flag]]) -> list[Flag]:
    """Flags with offsets moved from their sentence into the brief (sentences joined by ' ')."""
    out: list[Flag] = []
    offset = 0
    for sentence, found in zip(sentences, flags, strict=True):
        out += [Flag(f.kind, f.span, f.start + offset, f.end + offset) for f in found]
        offset += len(sentence) + 1
    return out
