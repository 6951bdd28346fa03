"""The whole job: articles in; translations, briefs and a cited digest out.

`Summarizer` is what the CLI, the web UI and batch mode call. Each article that cannot be
processed lands in `Result.failed` with a one-line reason; the others go on.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .briefs import write_briefs
from .clean import clean
from .config import TFIDF, Config, ConfigError, Engine, load_config
from .digest import Digest, build_digest, sources_table
from .guard import Flag
from .ingest import Document, IngestError, article_id, read_source
from .language import detect, language_name
from .models import ModelLoadError, ModelPool, Seq2Seq, is_cached
from .segment import Sentence, split_sentences
from .similarity import Similarity
from .translate import TranslationJob, translate_jobs
from .utils import ProgressCallback, report, reporting

logger = logging.getLogger("summarizer")

LOW_CONFIDENCE = 0.5


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
    show_progress: bool = False


@dataclass
class Segment:
    """One source sentence, its translation, its paragraph, and its offsets in `original`."""

    source: str
    translation: str
    paragraph: int
    start: int
    end: int


@dataclass
class Article:
    """One processed article."""

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


@dataclass
class Failure:
    """An input (or a stage) that could not be processed, and why, in one line."""

    source: str
    error: str


@dataclass
class Result:
    """Everything a run produced; `to_dict()` is the stable JSON contract."""

    articles: list[Article]
    digest: Digest
    failed: list[Failure]
    models: dict[str, str]
    options: Options = field(default_factory=Options)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["options"] = {k: v for k, v in data["options"].items() if k not in ("show_progress",)}
        data["digest"]["faithfulness"]["share"] = self.digest.faithfulness.share
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


@dataclass
class _Prepared:
    doc: Document
    id: str
    title: str | None
    published: str | None
    lang: str
    confidence: float
    body: str
    sentences: list[Sentence]
    warnings: list[str]


class Summarizer:
    """Translate, brief and digest articles with the models named in models.yaml.

    Models load lazily on first use, once per instance, and only those the inputs need.
    """

    def __init__(
        self, config: Config | str | os.PathLike[str] | None = None, device: str = "auto"
    ) -> None:
        self.config = config if isinstance(config, Config) else load_config(config)
        self.pool = ModelPool(self.config, device)

    def run(
        self,
        sources: Sequence[str | Path | Document],
        options: Options | None = None,
        progress: ProgressCallback | None = None,
    ) -> Result:
        """Process every source (a path, '-' for stdin, or a Document).

        ``progress(stage, done, total)`` hears every step; raising `Cancelled` in it stops
        the run.
        """
        options = options or Options()
        self.check_options(options)
        with reporting(progress):
            return self._run(sources, options)

    def check_options(self, options: Options) -> None:
        """Options that name models must name summarization models of models.yaml."""
        choices = sorted(n for n, m in self.config.models.items() if m.task == "summarization")
        for stage in ("brief", "digest"):
            name = getattr(options, f"{stage}_model")
            if name is not None and name not in choices:
                raise ConfigError(
                    f"{stage} model '{name}' is not a summarization model of "
                    f"{self.config.path} (choices: {', '.join(choices) or 'none'})"
                )

    def _run(self, sources: Sequence[str | Path | Document], options: Options) -> Result:
        failed: list[Failure] = []
        models: dict[str, str] = {}
        prepared = self._prepare(sources, options, failed)

        jobs = [
            TranslationJob(
                p.id, p.lang, ([p.title] if p.title else []) + [s.text for s in p.sentences]
            )
            for p in prepared
        ]
        outcomes = translate_jobs(jobs, self.pool, self.config, options.show_progress)
        articles: list[Article] = []
        for p in prepared:
            outcome = outcomes[p.id]
            if outcome.translations is None:
                failed.append(Failure(p.doc.source, outcome.error or "translation failed"))
                continue
            texts = list(outcome.translations)
            title_en = texts.pop(0) if p.title else None
            spec = self.config.models.get(outcome.model or "")
            if spec is not None:
                models[f"translation.{p.lang}"] = spec.source
            warnings = list(p.warnings)
            if outcome.split:
                warnings.append(
                    f"{outcome.split} sentence(s) longer than the translation model's input "
                    "limit were split into parts and translated in full"
                )
            segments = [
                Segment(s.text, t, s.paragraph, s.start, s.end)
                for s, t in zip(p.sentences, texts, strict=True)
            ]
            articles.append(
                Article(
                    id=p.id, source=p.doc.source, title=p.title, title_translation=title_en,
                    published=p.published, language=p.lang, language_confidence=p.confidence,
                    original=p.body, translation=_join_segments(segments), segments=segments,
                    translation_model=spec.source if spec else None, warnings=warnings,
                )
            )  # fmt: skip

        digest = Digest(text="", sources=sources_table(articles))
        if not options.translate_only and articles:
            digest = self._summarize(articles, options, failed, models)
        return Result(
            articles=articles, digest=digest, failed=failed, models=models, options=options
        )

    def translate(
        self, sources: Sequence[str | Path | Document], options: Options | None = None
    ) -> Result:
        """Translation only: no briefs, no digest."""
        options = options or Options()
        options.translate_only = True
        return self.run(sources, options)

    def _prepare(
        self, sources: Sequence[str | Path | Document], options: Options, failed: list[Failure]
    ) -> list[_Prepared]:
        """Read, clean, identify and segment each source; failures go to ``failed``."""
        taken: set[str] = set()
        prepared: list[_Prepared] = []
        for done, source in enumerate(sources):
            name = source.source if isinstance(source, Document) else str(source)
            report(f"reading {Path(name).name}", done, len(sources))
            try:
                doc = source if isinstance(source, Document) else read_source(str(source))
                prepared.append(self._prepare_one(doc, options, taken))
            except IngestError as exc:
                failed.append(Failure(name, str(exc)))
        return prepared

    def _prepare_one(self, doc: Document, options: Options, taken: set[str]) -> _Prepared:
        src = doc.source
        forced = options.lang or doc.lang
        lang = forced or detect(doc.text).lang
        cleaned = clean(doc.text, lang, title=doc.title)
        if not cleaned.paragraphs:
            raise IngestError(
                f"{src}: no article text left after removing boilerplate; "
                "check that the file holds the article body"
            )
        body = cleaned.body
        warnings: list[str] = []
        if forced:
            confidence = 1.0
        else:
            found = detect(body)
            if found.lang is None:
                raise IngestError(
                    f"{src}: no language could be identified (no words in it?); "
                    "pass --lang if it is an article"
                )
            lang, confidence = found.lang, found.confidence
            if confidence < LOW_CONFIDENCE:
                warnings.append(
                    f"language identified as {language_name(lang)} with low "
                    f"confidence ({confidence:.2f}); pass --lang to override"
                )
        sentences = split_sentences(body, lang)
        if not sentences:
            raise IngestError(f"{src}: no translatable text; check the file's content")
        title = cleaned.title
        return _Prepared(
            doc=doc,
            id=_unique_id(doc, taken),
            title=title,
            published=doc.published or cleaned.published,
            lang=lang,
            confidence=confidence,
            body=body,
            sentences=sentences,
            warnings=warnings,
        )

    def _summarize(
        self,
        articles: list[Article],
        options: Options,
        failed: list[Failure],
        models: dict[str, str],
    ) -> Digest:
        """Briefs for every article, then the digest; a missing model fails its stage."""
        stages = self.config.stages
        engines = {s: options.engine or stages[s].engine for s in stages}
        words = {s: getattr(options, f"{s}_words") or stages[s].words for s in stages}
        empty = Digest(text="", sources=sources_table(articles))
        loaded: dict[str, Seq2Seq | None] = {}
        for stage in ("brief", "digest"):
            loaded[stage] = None
            if engines[stage] == "extractive":
                models[stage] = "extractive"
                continue
            name = getattr(options, f"{stage}_model") or stages[stage].model
            if name is None:  # models.yaml made the stage extractive; --engine asked otherwise
                failed.append(
                    Failure(stage, f"summarization stage '{stage}' has no model in models.yaml; "
                            "name one there or use --engine extractive")
                )  # fmt: skip
                return empty
            try:
                loaded[stage] = self.pool.get(name, f"summarization stage '{stage}'")
            except ModelLoadError as exc:
                failed.append(Failure(stage, f"{exc}; or use --engine extractive (no model)"))
                return empty
            models[stage] = loaded[stage].spec.source  # type: ignore[union-attr]

        report("stories and citations", 0, 1)
        sim, note = self._similarity(articles, engines, options)
        models["stories"] = sim.name
        faith = write_briefs(
            articles, engines["brief"], loaded["brief"], sim, words["brief"],
            strict=options.strict, show_progress=options.show_progress,
        )  # fmt: skip
        digest = build_digest(
            articles, sim, engines["digest"], words["digest"], loaded["digest"],
            window_days=self.config.stories.window_days, brief_words=words["brief"],
            strict=options.strict, show_progress=options.show_progress,
        )  # fmt: skip
        digest.faithfulness.checked += faith.checked
        digest.faithfulness.flagged += faith.flagged
        digest.faithfulness.dropped += faith.dropped
        if note:
            digest.warnings.insert(0, note)
        return digest

    def _similarity(
        self, articles: list[Article], engines: dict[str, Engine], options: Options
    ) -> tuple[Similarity, str | None]:
        """Embeddings when the stories model is here (or may be fetched), else TF-IDF.

        An all-extractive run never downloads: it uses the model only if already cached.
        """
        spec = self.config.stories
        note = None
        if spec.model != TFIDF:
            model_spec = self.config.models[spec.model]
            if "abstractive" in engines.values() or is_cached(model_spec):
                try:
                    embedder = self.pool.embedder(spec.model, "stories")
                    threshold = options.story_threshold or spec.threshold
                    return Similarity.embeddings(embedder, threshold, options.show_progress), None
                except ModelLoadError as exc:
                    note = f"stories and citations use TF-IDF instead: {exc}"
                    logger.warning("%s", note)
            else:
                note = (
                    f"stories and citations use TF-IDF: embedding model '{spec.model}' is not on "
                    "this machine and the extractive engine downloads nothing "
                    f"(`summarize models pull {spec.model}` to use it)"
                )
                logger.info("%s", note)
        corpus = [s.translation for a in articles for s in a.segments]
        corpus += [a.title_translation or a.title or "" for a in articles]
        return Similarity.tfidf(corpus, options.story_threshold or spec.tfidf_threshold), note


def _unique_id(doc: Document, taken: set[str]) -> str:
    """The document's own id when it has a free one, else one made from its source."""
    if doc.id and doc.id not in taken:
        taken.add(doc.id)
        return doc.id
    return article_id(doc.id or doc.source, doc.text, taken)


def _join_segments(segments: list[Segment]) -> str:
    """The translation as text: sentences joined by spaces, paragraphs by blank lines."""
    paragraphs: dict[int, list[str]] = {}
    for seg in segments:
        paragraphs.setdefault(seg.paragraph, []).append(seg.translation)
    return "\n\n".join(" ".join(p) for p in paragraphs.values())
