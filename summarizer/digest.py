"""The merged digest: stories, cited points with sentence evidence, timeline and sources.

Articles are grouped into stories; each story gets points, written by the summarizer from
its articles' briefs (abstractive) or picked from their sentences by MMR (extractive).
Every point cites the articles, and the sentences in them, that say the same thing; a
point two or more articles support is corroborated. Near-duplicate points are merged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .briefs import rank_segments, source_texts
from .checks import degenerate
from .extractive import mmr, select
from .guard import SourceFacts, check, facts
from .segment import sentence_texts
from .similarity import Similarity
from .stories import date_range, group, parse_date, timeline
from .summarize import fit_words, summarize_many
from .types import (
    Article,
    Digest,
    DigestPoint,
    Engine,
    Evidence,
    Flag,
    SourceRow,
    Story,
)
from .utils import dense, progress_bar

if TYPE_CHECKING:
    from .models import Seq2Seq

logger = logging.getLogger("summarizer")

MAX_EVIDENCE = 3  # cited sentences per article and point
RESTACK = 64  # kept points compared one by one before they join the stacked matrix
BLOCK = 256  # texts compared with a story's sentences at once (bounds the memory of a big story)
SUPPORT_WEIGHT = 0.4  # how much cross-article support adds to an extractive point's rank


class Sentences:
    """A story's translated sentences, all articles in one list, so one point is compared
    with all of them in one product instead of one per article."""

    def __init__(self, members: Sequence[Article]) -> None:
        self.texts = [s.translation for a in members for s in a.segments]
        sizes = [len(a.segments) for a in members]
        self.starts = np.cumsum([0, *sizes[:-1]])
        self.ends = self.starts + np.asarray(sizes, dtype=np.int64)

    def scores(self, sim: Similarity, text: str) -> list[np.ndarray]:
        """``text``'s similarity with each sentence, one array per article."""
        row = sim.matrix([text], self.texts)[0]
        return [row[a:b] for a, b in zip(self.starts, self.ends, strict=True)]

    def best(self, sim: Similarity, texts: Sequence[str]) -> np.ndarray:
        """For each of ``texts``, its best similarity in each article (texts x articles)."""
        return np.maximum.reduceat(sim.matrix(texts, self.texts), self.starts, axis=1)


class Seen:
    """The points kept so far, for the near-duplicate test. Their vectors are held in one
    matrix, stacked again only every `RESTACK` points: stacking all of them for every new
    point made a digest of thousands of stories quadratic."""

    def __init__(self, sim: Similarity) -> None:
        self.sim = sim
        self.texts: list[str] = []
        self.stacked = 0
        self.matrix: Any = None

    def add(self, text: str) -> None:
        self.texts.append(text)

    def closest(self, text: str) -> float:
        """The highest similarity of ``text`` with a kept point (-1 when none is kept)."""
        if len(self.texts) - self.stacked > RESTACK:
            self.matrix, self.stacked = self.sim.vectors(self.texts), len(self.texts)
        best = -1.0
        if self.stacked:
            best = float(dense(self.sim.vectors([text]) @ self.matrix.T).max())
        if rest := self.texts[self.stacked :]:
            best = max(best, float(self.sim.matrix([text], rest).max()))
        return best


def sources_table(articles: Sequence[Article]) -> list[SourceRow]:
    return [
        SourceRow(
            article=a.id,
            title=a.title_translation or a.title,
            source=a.source,
            language=a.language,
            published=a.published,
            words=len(a.translation.split()),
            translation_model=a.translation_model,
            outlet=a.outlet,
        )
        for a in articles
    ]


def build_digest(
    articles: Sequence[Article],
    sim: Similarity,
    engine: Engine,
    words: int,
    model: Seq2Seq | None = None,
    window_days: int = 30,
    brief_words: int = 80,
    strict: bool = False,
    show_progress: bool = False,
) -> Digest:
    """Group ``articles`` into stories and write each story's cited points."""
    digest = Digest(text="", engine=engine, similarity=sim.name, sources=sources_table(articles))
    doubts = sum(bool(s.flags) for a in articles for s in a.segments)
    if strict and doubts:
        digest.warnings.append(
            f"{doubts} sentence(s) whose translation looks doubtful kept out of the digest's "
            "points and evidence (--strict)"
        )
    if not articles:
        return digest
    dates = [parse_date(a.published) for a in articles]
    vectors = sim.documents([_document(a) for a in articles])
    clusters = group(vectors, dates, sim.thresholds.story, window_days, digest.warnings)
    total = len(articles)
    budgets = [max(words * len(c) // total, 12) for c in clusters]
    for index, members in enumerate(clusters):
        first, last = date_range([dates[i] for i in members])
        story = Story(
            headline=_headline([articles[i] for i in members], vectors[members], sim),
            articles=[articles[i].id for i in members],
            first_date=first,
            last_date=last,
        )
        digest.stories.append(story)
        for i in members:
            articles[i].story = index
    digest.timeline = timeline([a.id for a in articles], dates, {a.id: a.story for a in articles})

    if engine == "abstractive":
        assert model is not None, "the abstractive engine needs a model"
        failed: dict[int, str] = {}
        drafts = _abstractive_drafts(articles, clusters, budgets, model, show_progress, failed)
        for k, why in failed.items():  # the model failed on this story alone
            members = [articles[i] for i in clusters[k]]
            drafts[k] = _extractive_drafts(members, sim, budgets[k], brief_words, strict)
            digest.warnings.append(
                f"story {k + 1}: the digest model failed on it ({why}); its points are "
                "sentences from its articles instead"
            )
    else:
        drafts = [
            _extractive_drafts([articles[i] for i in c], sim, b, brief_words, strict)
            for c, b in zip(clusters, budgets, strict=True)
        ]

    kept = Seen(sim)
    with progress_bar(len(clusters), "citing", show_progress) as bar:
        for index, story_drafts in enumerate(drafts):
            _story_points(digest, index, clusters[index], story_drafts, articles, sim, kept,
                          engine, budgets[index], brief_words, strict)  # fmt: skip
            bar.update(1)
    digest.text = "\n\n".join(
        " ".join(digest.points[i].text for i in story.points)
        for story in digest.stories
        if story.points
    )
    return digest


def _story_points(
    digest: Digest,
    index: int,
    members: list[int],
    story_drafts: list[Draft],
    articles: Sequence[Article],
    sim: Similarity,
    kept: Seen,
    engine: Engine,
    budget: int,
    brief_words: int,
    strict: bool,
) -> None:
    """Cite, check and add one story's points; near-duplicates of ``kept`` are merged."""
    story_articles = [articles[i] for i in members]
    sentences = Sentences(story_articles)
    points = []
    dropped = unusable = 0
    for text, own in story_drafts:
        problem = degenerate(text)
        if problem is not None:  # never render a point with no text, or a looping one
            unusable += 1
            digest.output_flags["points"] += 1
            digest.warnings.append(
                f"story {index + 1}: a point was left out ({problem.describe()})"
            )
            continue
        if kept.closest(text) >= sim.thresholds.duplicate:
            continue  # a near-duplicate of an earlier point: merged into it
        point = _cite(text, own, story_articles, sentences, sim, index, strict)
        digest.faithfulness.add([point.warnings])
        if strict and engine == "abstractive" and point.warnings:
            dropped += 1
            continue
        points.append(point)
        kept.add(text)
    digest.faithfulness.dropped += dropped
    if not points and engine == "abstractive":
        # Nothing of its own survived: the story's key sentences speak for it instead.
        for text, own in _extractive_drafts(story_articles, sim, budget, brief_words, strict):
            if degenerate(text) is not None:
                continue
            points.append(_cite(text, own, story_articles, sentences, sim, index, strict))
            kept.add(text)
        why = (
            "every generated point was flagged by the faithfulness guard (--strict)"
            if dropped
            else "the generated points were empty or looping"
            if unusable
            else "the generated points repeated other stories"
        )
        digest.warnings.append(
            f"story {index + 1}: {why}; its points are sentences from its articles instead"
        )
    digest.stories[index].points = list(range(len(digest.points), len(digest.points) + len(points)))
    digest.points.extend(points)


def _document(article: Article) -> list[str]:
    title = article.title_translation or article.title
    return ([title] if title else []) + [s.translation for s in article.segments]


def _headline(members: Sequence[Article], vectors: np.ndarray, sim: Similarity) -> str:
    """The title (else lead sentence) closest to the story's centre."""
    candidates = [a.title_translation or a.title for a in members]
    candidates = [c for c in candidates if c]
    if not candidates:
        leads = [
            next((s.translation for s in a.segments if len(s.translation.split()) >= 5), None)
            for a in members
        ]
        candidates = [lead for lead in leads if lead] or [members[0].segments[0].translation]
    return candidates[sim.nearest_to_mean(candidates, vectors)]


Draft = tuple[str, tuple[str, int] | None]  # a point's text and, if extracted, its sentence


def _abstractive_drafts(
    articles: Sequence[Article],
    clusters: list[list[int]],
    budgets: list[int],
    model: Seq2Seq,
    show_progress: bool,
    failed: dict[int, str],
) -> list[list[Draft]]:
    """Each story's points: its briefs summarized together, cut to its share of words. A
    story told by one article whose brief fits its share is that brief (a summary of a
    summary of one text would only drift from it). A story the model fails on goes into
    ``failed`` with the reason."""
    texts = ["\n\n".join(articles[i].brief for i in c if articles[i].brief) for c in clusters]
    todo = [
        k
        for k, (c, text) in enumerate(zip(clusters, texts, strict=True))
        if len(c) > 1 or len(text.split()) > budgets[k]
    ]
    summaries = list(texts)
    failures: dict[int, str] = {}
    written = summarize_many(
        model, [texts[k] for k in todo], max(budgets), "digest", show_progress, failures
    )
    for n, (k, summary) in enumerate(zip(todo, written, strict=True)):
        summaries[k] = summary
        if n in failures:
            failed[k] = failures[n]
    return [
        [(s, None) for s in sentence_texts(fit_words(summary, budget))]
        for summary, budget in zip(summaries, budgets, strict=True)
    ]


def _extractive_drafts(
    members: Sequence[Article], sim: Similarity, words: int, brief_words: int, strict: bool = False
) -> list[Draft]:
    """MMR over the story's key sentences, preferring those other articles also report."""
    candidates: list[tuple[Article, int, float]] = []
    for article in members:
        scores = rank_segments(article, sim)
        top = max(scores) or 1.0
        lengths = [len(s.translation.split()) for s in article.segments]
        for k in select(scores, lengths, brief_words):
            if strict and article.segments[k].flags:  # --strict: never a doubtful sentence
                continue
            if degenerate(article.segments[k].translation) is None:  # never a looping point
                candidates.append((article, k, scores[k] / top))
    if not candidates:
        return []
    texts = [a.segments[k].translation for a, k, _ in candidates]
    position = {id(a): m for m, a in enumerate(members)}
    others = len(members) - 1
    sentences = Sentences(members)
    relevance = []
    for start in range(0, len(texts), BLOCK):  # one block of candidates against every sentence
        best = sentences.best(sim, texts[start : start + BLOCK])
        for row, (article, _, rank) in zip(best, candidates[start : start + BLOCK], strict=True):
            supported = row >= sim.thresholds.evidence
            supported[position[id(article)]] = False
            share = int(supported.sum()) / others if others else 0.0
            relevance.append((1 - SUPPORT_WEIGHT) * rank + SUPPORT_WEIGHT * share)
    picked = mmr(
        relevance,
        sim.matrix(texts, texts),
        [len(t.split()) for t in texts],
        words,
        sim.thresholds.duplicate,
    )
    return [(texts[i], (candidates[i][0].id, candidates[i][1])) for i in picked]


def _facts(articles: Sequence[Article]) -> SourceFacts:
    """What the articles' texts support: each article's facts worked out once (a story's
    every point is checked against them), then joined."""
    found = [_article_facts(tuple(source_texts(a))) for a in articles]
    return SourceFacts(
        frozenset().union(*(f.values for f in found)), frozenset().union(*(f.words for f in found))
    )


@functools.lru_cache(maxsize=1024)
def _article_facts(texts: tuple[str, ...]) -> SourceFacts:
    return facts(texts)


def _cite(
    text: str,
    own: tuple[str, int] | None,
    members: Sequence[Article],
    sentences: Sentences,
    sim: Similarity,
    story: int,
    strict: bool = False,
) -> DigestPoint:
    """The point with the sentences of the story's articles that support it, and its flags."""
    threshold = sim.thresholds.evidence
    evidence: list[Evidence] = []
    for article, scores in zip(members, sentences.scores(sim, text), strict=True):
        if own and own[0] == article.id:
            scores[own[1]] = 1.0
        if strict:  # a sentence whose translation looks doubtful is never evidence
            for k, segment in enumerate(article.segments):
                if segment.flags:
                    scores[k] = -1.0
        best = float(scores.max())
        if best < threshold:
            continue
        order = [
            int(k)
            for k in np.argsort(-scores, kind="stable")
            if scores[k] >= max(threshold, best - 0.1)
        ]
        evidence += [
            Evidence(article.id, k, round(float(scores[k]), 4)) for k in order[:MAX_EVIDENCE]
        ]
    best_of: dict[str, float] = {}
    for e in evidence:
        best_of[e.article] = max(best_of.get(e.article, 0.0), e.score)
    sources = sorted(best_of, key=lambda a: -best_of[a])
    cited = [a for a in members if a.id in best_of] or list(members)
    flags = check(text, _facts(cited))
    if not sources:
        flags.insert(0, Flag("unsupported", text, 0, len(text)))
    # Articles carrying one outlet's wire are one source; one without an outlet is its own.
    outlets = {
        ("outlet", a.outlet.strip().casefold()) if (a.outlet or "").strip() else ("article", a.id)
        for a in members
        if a.id in best_of
    }
    return DigestPoint(
        text=text,
        sources=sources,
        evidence=evidence,
        corroborated=len(outlets) >= 2,
        story=story,
        warnings=flags,
    )
