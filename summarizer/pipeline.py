"""The whole job: articles in; translations, briefs and a cited digest out.

`Summarizer` is what the CLI, the web UI and batch mode call. Each article that cannot be
processed lands in `Result.failed` with a one-line reason; the others go on. A summarization
stage that cannot run (its model missing) fails no article: it is a warning on the articles
and the digest it left out, and its reason is in `Result.stage_errors`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import regex

from .briefs import write_briefs
from .checks import degenerate, segment_flags
from .clean import clean
from .config import TFIDF, Config, ConfigError, Engine, ModelSpec, load_config
from .digest import build_digest, sources_table
from .extractive import RANKED
from .fetch import FetchSettings
from .formats import article_id
from .hub import is_cached, with_lock
from .inputs import read_source
from .language import (
    FORCED_DOUBT,
    LanguageCodeError,
    confidence_in,
    detect,
    detectable,
    language_name,
    main_script,
    normalize_lang,
    sentence_languages,
)
from .models import Seq2Seq, runtime_tag
from .pool import ModelPool
from .segment import split_sentences
from .similarity import Embedder, Similarity
from .store import Store, StoreError, content_hash, digest_of, model_key
from .translate import TranslationJob, translate_group, translate_jobs
from .types import (
    Article,
    BriefRecord,
    Digest,
    Document,
    Failure,
    Faithfulness,
    IngestError,
    ModelLoadError,
    Options,
    Result,
    Segment,
    TranslationRecord,
)
from .utils import ProgressCallback, report, reporting

logger = logging.getLogger("summarizer")

LOW_CONFIDENCE = 0.5
URL = regex.compile(r"(?:https?://|www\.)\S+", regex.I)
WORD = regex.compile(r"\p{L}{2}")


class Summarizer:
    """Translate, brief and digest articles with the models named in models.yaml.

    Models load lazily on first use, once per instance, and only those the inputs need.
    With a `Store`, translations and briefs already made with the same models and settings
    are reused, and new ones are saved.
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str] | None = None,
        device: str = "auto",
        store: Store | str | os.PathLike[str] | None = None,
        fetch: FetchSettings | None = None,
    ) -> None:
        """``fetch``: how URL sources are fetched (limits, and whether private addresses
        may be: the policy a server fetching for others sets), else the defaults."""
        self.config = with_lock(config if isinstance(config, Config) else load_config(config))
        self.fetch = fetch or FetchSettings()
        self.pool = ModelPool(self.config, device)
        self.store = store if isinstance(store, Store) or store is None else Store(store)
        self._model_keys: dict[str, str] = {}  # model name -> store key (stats weight files)

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
        """Options that name models must name models of models.yaml of the right task, and
        a given language must be one (made a lower-case ISO 639-1 code) that is routed:
        refused before any work, not after an hour of it."""
        if options.lang is not None:
            options.lang = self.check_lang(options.lang)
        second = options.second_opinion
        spec = self.config.models.get(second) if second is not None else None
        if second is not None and (spec is None or spec.task != "translation"):
            names = sorted(n for n, m in self.config.models.items() if m.task == "translation")
            raise ConfigError(
                f"second opinion '{second}' is not a translation model of {self.config.path} "
                f"(choices: {', '.join(names) or 'none'})"
            )
        choices = sorted(n for n, m in self.config.models.items() if m.task == "summarization")
        for stage in ("brief", "digest"):
            name = getattr(options, f"{stage}_model")
            if name is not None and name not in choices:
                raise ConfigError(
                    f"{stage} model '{name}' is not a summarization model of "
                    f"{self.config.path} (choices: {', '.join(choices) or 'none'})"
                )

    def check_lang(self, lang: str) -> str:
        """``lang`` (--lang) as the ISO 639-1 code routes use; ConfigError when it is no
        language, or models.yaml has no route for it."""
        try:
            code = normalize_lang(lang)
        except LanguageCodeError as exc:
            raise ConfigError(f"--lang: {exc}") from None
        if len(code) > 2 and code not in self.config.routes:  # ISO 639-3: a route must name it
            raise ConfigError(
                f"--lang: '{code}' is not an ISO 639-1 code and no route of "
                f"{self.config.path} names it; give a two-letter code (e.g. de, ar, fa), or "
                f"add a '{code}: MODEL' route"
            )
        self.config.route(code)  # no route and no catch-all: ConfigError naming the fix
        return code

    def _run(self, sources: Sequence[str | Path | Document], options: Options) -> Result:
        failed: list[Failure] = []
        models: dict[str, str] = {}
        stage_errors: dict[str, str] = {}
        prepared = self._prepare(sources, options, failed)
        articles = self.translate_prepared(prepared, options, failed, models)
        digest = Digest(text="", sources=sources_table(articles))
        if not options.translate_only and articles:
            digest = self._summarize(articles, options, stage_errors, models)
        return Result(
            articles=articles, digest=digest, failed=failed, models=models, options=options,
            stage_errors=stage_errors,
        )  # fmt: skip

    def translate_prepared(
        self,
        prepared: Sequence[Article],
        options: Options,
        failed: list[Failure],
        models: dict[str, str],
    ) -> list[Article]:
        """The prepared articles with their translations: from the store when there, else
        translated (each distinct text once, sentences of all articles batched together) and
        saved. Each is a new Article; the prepared ones are left as they were."""
        found: dict[str, TranslationRecord] = {}
        todo: dict[str, Article] = {}
        for p in prepared:
            key = self.translation_key(p.language)
            hit = (
                self.store.translation(p.hash, key, p.source, len(p.segments))
                if self.store and key
                else None
            )
            if hit is not None:
                found[p.hash] = hit
            elif p.hash not in found:
                todo.setdefault(p.hash, p)
        jobs = [job for p in todo.values() for job in _jobs(p)]
        outcomes = translate_jobs(jobs, self.pool, self.config, options.show_progress)
        # Sentences in another language that its route cannot take (no route, a model
        # without it) are translated as the article's language instead of failing it.
        again = [_as_main(p, job) for p in todo.values() for job in _jobs(p)
                 if job.lang != p.language and outcomes[job.key].translations is None]  # fmt: skip
        if again:
            outcomes.update(translate_jobs(again, self.pool, self.config, options.show_progress))
        errors: dict[str, str] = {}
        for h, p in todo.items():
            record, error = _record(p, outcomes)
            if record is None:
                errors[h] = error or "translation failed"
            else:
                found[h] = record
        if self.store is not None:
            with self._saving():
                for h, p in todo.items():
                    key = self.translation_key(p.language)
                    if h in found:
                        spans = [[s.start, s.end, s.paragraph] for s in p.segments]
                        self.store.put_article(h, p.language, p.title, p.original, p.source, spans)
                        if key:
                            self.store.put_translation(h, key, found[h])
        articles: list[Article] = []
        for p in prepared:
            if p.hash not in found:
                why = errors.get(p.hash, "translation failed")
                failed.append(Failure(p.source, f"{p.source}: {why}"))
                continue
            spec = self.config.route(p.language)
            if spec is not None:
                models[f"translation.{p.language}"] = spec.source
            model = spec.source if spec else None
            articles.append(translated(p, found[p.hash], model, self.config.target))
        second = options.second_opinion or self.config.second_opinion
        if second and articles:
            self.second_opinion(articles, second, options, models)
        return articles

    def second_opinion(
        self, articles: list[Article], name: str, options: Options, models: dict[str, str]
    ) -> None:
        """Translate the doubtful sentences again with model ``name``: each keeps the
        version the checks find fewer problems in, the other shown beside it."""
        wanted = [
            (i, k) for i, a in enumerate(articles) if a.translation_model
            for k, s in enumerate(a.segments) if s.flags
        ]  # fmt: skip
        if not wanted:
            return
        try:
            model = self.pool.get(name, "translation.second_opinion")
        except ModelLoadError as exc:
            for i in sorted({i for i, _ in wanted}):
                articles[i].warnings.append(f"no second opinion: {exc}")
            return
        models["second_opinion"] = model.spec.source
        groups: dict[tuple[int, str], list[int]] = {}
        for i, k in wanted:
            segment = articles[i].segments[k]
            groups.setdefault((i, segment.lang or articles[i].language), []).append(k)
        jobs = [
            TranslationJob(key, key[1], [articles[key[0]].segments[k].source for k in ks])
            for key, ks in groups.items()
            if model.supports(key[1])
        ]
        outcomes = translate_group(model, jobs, options.show_progress)
        changed: dict[int, int] = {}
        for job in jobs:
            i, lang = job.key  # type: ignore[misc]
            outcome = outcomes[job.key]
            if outcome.translations is None:
                articles[i].warnings.append(f"no second opinion: {outcome.error}")
                continue
            article = articles[i]
            for k, text in zip(groups[job.key], outcome.translations, strict=True):
                old = article.segments[k]
                other = check_segment(replace(old, translation=text), lang, self.config.target)
                if len(other.flags) < len(old.flags):
                    other = replace(other, alternative=old.translation,
                                    alternative_model=article.translation_model)  # fmt: skip
                    changed[i] = changed.get(i, 0) + 1
                else:
                    other = replace(old, alternative=text, alternative_model=model.spec.source)
                article.segments[k] = other
        for i, n in changed.items():
            article = articles[i]
            article.translation = _join_segments(article.segments)
            article.flagged_share = _flagged_share(article.segments)
            article.output_flags["translations"] = sum(
                any(f.kind in ("empty", "repetition") for f in s.flags) for s in article.segments
            )
            article.warnings.append(
                f"second opinion from {model.spec.source}: {n} doubtful sentence(s) now use "
                "its translation (the first one is shown beside them)"
            )

    def restore(self, article: Article) -> Article:
        """An article kept without its text (`Article.without_text`) given back its cleaned
        text, its sentences (as stored: the same spans it was translated with) and its
        translation from the store (no brief); LookupError when not there."""
        row = self.store.article(article.hash, article.source) if self.store else None
        where = f" {self.store.path}" if self.store is not None else ""
        if row is None:
            raise LookupError(f"{article.source}: not in the store{where}")
        lang, title, body, spans = row
        segments = (
            [Segment(body[start:end], "", paragraph, start, end) for start, end, paragraph in spans]
            if spans is not None
            else split_sentences(body, lang)  # stored before spans were kept
        )
        key = self.translation_key(lang)
        if key is None:  # no translation needed: the text is in the target language
            record = TranslationRecord(title, [s.source for s in segments])
        else:
            found = self.store.translation(article.hash, key, article.source, len(segments))
            if found is None:
                raise LookupError(f"{article.source}: its translation is not in the store{where}")
            record = found
        spec = self.config.route(lang)
        base = replace(article, title=title, language=lang, original=body, segments=segments)
        return translated(base, record, spec.source if spec else None, self.config.target)

    def translation_key(self, lang: str) -> str | None:
        """The store key of the model that translates ``lang`` (None: no translation)."""
        spec = self.config.route(lang)
        return None if spec is None else f"{self.config.target}:{self.model_key(spec)}"

    def model_key(self, spec: ModelSpec) -> str:
        """The store key of a model of this config, worked out once per instance."""
        if spec.name not in self._model_keys:
            runtime = runtime_tag(spec, self.config, self.pool.device)
            self._model_keys[spec.name] = model_key(spec, runtime)
        return self._model_keys[spec.name]

    def translate(
        self, sources: Sequence[str | Path | Document], options: Options | None = None
    ) -> Result:
        """Translation only: no briefs, no digest."""
        options = options or Options()
        options.translate_only = True
        return self.run(sources, options)

    def _prepare(
        self, sources: Sequence[str | Path | Document], options: Options, failed: list[Failure]
    ) -> list[Article]:
        """Read, clean, identify and segment each source; failures go to ``failed``."""
        taken: set[str] = set()
        prepared: list[Article] = []
        for done, source in enumerate(sources):
            name = source.source if isinstance(source, Document) else str(source)
            report(f"reading {Path(name).name}", done, len(sources))
            try:
                doc = source if isinstance(source, Document) else read_source(name, self.fetch)
                prepared.append(self.prepare(doc, options, taken))
            except IngestError as exc:
                failed.append(Failure(name, str(exc)))
        return prepared

    def prepare(self, doc: Document, options: Options, taken: set[str]) -> Article:
        """Clean, identify and segment one document into an Article, not yet translated;
        raises IngestError with the reason."""
        src = doc.source
        if not WORD.search(URL.sub(" ", doc.text)):
            raise IngestError(
                f"{src}: no words in it, only numbers, links or symbols; give it the article's text"
            )
        forced = options.lang or _given_lang(doc)
        lang = forced or detect(doc.text).lang
        cleaned = clean(doc.text, lang, title=doc.title)
        if not cleaned.paragraphs:
            raise IngestError(
                f"{src}: no article text left after removing boilerplate; "
                "check that the file holds the article body"
            )
        body = cleaned.body
        warnings: list[str] = list(doc.warnings)
        if forced:
            confidence = _forced_confidence(body, forced, warnings)
        else:
            found = detect(body)
            if found.lang is None:
                script = main_script(body)
                raise IngestError(
                    f"{src}: written in {script} script, in no language the detector knows; "
                    "pass --lang CODE, and route that language to a model that covers it "
                    "in models.yaml"
                )
            lang, confidence = found.lang, found.confidence
            if confidence < LOW_CONFIDENCE:
                warnings.append(
                    f"language identified as {language_name(lang)} with low "
                    f"confidence ({confidence:.2f}); pass --lang to override"
                )
        segments = split_sentences(body, lang)
        if not segments:
            raise IngestError(f"{src}: no translatable text; check the file's content")
        if self.config.route(lang) is not None:  # translated: route each part by its language
            langs = sentence_languages([s.source for s in segments],
                                       [s.paragraph for s in segments], lang)  # fmt: skip
            for segment, own in zip(segments, langs, strict=True):
                segment.lang = own or None
        title = cleaned.title
        given = _unique_id(doc, taken)
        if doc.id and given != doc.id:
            warnings.append(f"id '{doc.id}' is taken by an earlier article; this one is '{given}'")
        return Article(
            id=given, source=doc.source, title=title, title_translation=None,
            published=doc.published or cleaned.published, language=lang,
            published_original=None if doc.published else cleaned.published_original,
            language_confidence=confidence, original=body, translation="", segments=segments,
            warnings=warnings, hash=content_hash(lang, title, body),
            outlet=doc.outlet or cleaned.outlet,
            topic=doc.topic,
        )  # fmt: skip

    def _summarize(
        self,
        articles: list[Article],
        options: Options,
        stage_errors: dict[str, str],
        models: dict[str, str],
    ) -> Digest:
        """Briefs for every article, then the digest. A stage whose model cannot be had is
        a warning on what it would have made (each article's brief, the digest), and its
        reason goes to ``stage_errors``: the articles themselves were processed."""
        stages = self.stages(options, models)
        stage_errors.update(stages.errors)
        if "brief" in stages.errors:  # no briefs: nothing for the digest to draw on either
            why = stages.errors["brief"]
            for a in articles:  # the reason once, on the digest: it is the same for all
                a.warnings.append("no brief: the brief stage failed (see the digest's warning)")
            warning = f"the brief stage failed, so there are no briefs and no digest: {why}"
            return Digest(text="", sources=sources_table(articles), warnings=[warning])
        report("stories and citations", 0, 1)
        embedder, note = self.stories_embedder(stages.engines)
        sim = self.similarity(articles, embedder, options)
        models["stories"] = sim.name
        faith = self.brief_articles(articles, stages, sim, options)
        if "digest" in stages.errors:
            warning = f"the digest stage failed, so there is no digest: {stages.errors['digest']}"
            digest = Digest(text="", sources=sources_table(articles), warnings=[warning])
        else:
            digest = self.digest_articles(articles, stages, sim, options)
        digest.faithfulness.merge(faith)
        if note:
            digest.warnings.insert(0, note)
        return digest

    def stages(self, options: Options, models: dict[str, str]) -> Stages:
        """Engines, lengths and loaded models of both stages. A stage whose model cannot be
        had gets no model and its one-line reason in `Stages.errors` (the digest stage is
        not loaded when the brief stage failed: it would have nothing to digest)."""
        config = self.config.stages
        stages = Stages(
            engines={s: options.engine or config[s].engine for s in config},
            words={s: getattr(options, f"{s}_words") or config[s].words for s in config},
        )
        for stage in ("brief", "digest"):
            stages.models[stage] = None
            if stages.errors:
                continue
            if stages.engines[stage] == "extractive":
                models[stage] = "extractive"
                continue
            name = getattr(options, f"{stage}_model") or config[stage].model
            if name is None:  # models.yaml made the stage extractive; --engine asked otherwise
                stages.errors[stage] = (
                    f"summarization stage '{stage}' has no model in models.yaml; name one "
                    "there or use --engine extractive"
                )
                continue
            try:
                stages.models[stage] = self.pool.get(name, f"summarization stage '{stage}'")
            except ModelLoadError as exc:
                stages.errors[stage] = f"{exc}; or use --engine extractive (no model)"
                continue
            models[stage] = stages.models[stage].spec.source  # type: ignore[union-attr]
        return stages

    def brief_articles(
        self, articles: Sequence[Article], stages: Stages, sim: Similarity, options: Options
    ) -> Faithfulness:
        """Set every article's brief: from the store when made with the same settings,
        else written (each distinct text once) and saved. Returns the guard's totals."""
        total = Faithfulness()
        todo: dict[str, Article] = {}
        waiting: list[Article] = []
        for a in articles:
            key = self.brief_key(a.language, stages, sim, options)
            record = self.store.brief(a.hash, key, a.source) if self.store else None
            if record is None and a.hash in todo:
                waiting.append(a)
            elif record is None:
                todo[a.hash] = a
            else:
                total.merge(apply_brief(a, record))
        fresh = list(todo.values())
        before = [len(a.warnings) for a in fresh]
        reports = write_briefs(
            fresh, stages.engines["brief"], stages.models["brief"], sim, stages.words["brief"],
            strict=options.strict, show_progress=options.show_progress,
        )  # fmt: skip
        records = {
            a.hash: brief_record(a, a.warnings[n:], r)
            for a, n, r in zip(fresh, before, reports, strict=True)
        }
        for r in reports:
            total.merge(r)
        for a in waiting:
            total.merge(apply_brief(a, records[a.hash]))
        if self.store is not None and records:
            with self._saving():
                for a in fresh:
                    key = self.brief_key(a.language, stages, sim, options)
                    self.store.put_brief(a.hash, key, records[a.hash])
        return total

    @contextlib.contextmanager
    def _saving(self) -> Iterator[None]:
        """A store transaction whose failure (a full disk) is a warning: the run's results
        stand, they are only not kept (a batch writes through `Store.apply`, and stops)."""
        assert self.store is not None
        try:
            with self.store.transaction():
                yield
        except StoreError as exc:
            logger.warning("%s; this run's results are not kept in the store", exc)

    def brief_key(self, lang: str, stages: Stages, sim: Similarity, options: Options) -> str:
        """What a brief depends on: the translation, engine, model, length, strictness."""
        model = stages.models["brief"]
        return digest_of(
            [
                self.translation_key(lang),
                stages.engines["brief"],
                self.model_key(model.spec) if model else None,
                stages.words["brief"],
                options.strict,
                sim.name,
            ]
        )

    def digest_articles(
        self, articles: list[Article], stages: Stages, sim: Similarity, options: Options
    ) -> Digest:
        """The merged digest of articles that have their briefs. An article of more than
        RANKED sentences takes part with its first ones (with a warning on it): stories and
        citations compare sentences pairwise, so an untrimmed 20 MB text ran out of memory."""
        heads = [_head(a) for a in articles]
        for a in articles:
            if len(a.segments) > RANKED:
                a.warnings.append(
                    f"a long text: stories and citations (and an extractive brief) use its "
                    f"first {RANKED:,} of {len(a.segments):,} sentences"
                )
        digest = build_digest(
            heads, sim, stages.engines["digest"], stages.words["digest"],
            stages.models["digest"], window_days=self.config.stories.window_days,
            brief_words=stages.words["brief"], strict=options.strict,
            show_progress=options.show_progress,
        )  # fmt: skip
        for a, head in zip(articles, heads, strict=True):
            a.story = head.story
        return digest

    def stories_embedder(self, engines: dict[str, Engine]) -> tuple[Embedder | None, str | None]:
        """The stories embedding model when it is here (or may be fetched), else None and
        a note saying why TF-IDF is used. An all-extractive run never downloads."""
        spec = self.config.stories
        if spec.model == TFIDF:
            return None, None
        model_spec = self.config.models[spec.model]
        if "abstractive" in engines.values() or is_cached(model_spec):
            try:
                return self.pool.embedder(spec.model, "stories"), None
            except ModelLoadError as exc:
                note = f"stories and citations use TF-IDF instead: {exc}"
                logger.warning("%s", note)
                return None, note
        note = (
            f"stories and citations use TF-IDF: embedding model '{spec.model}' is not on "
            "this machine and the extractive engine downloads nothing "
            f"(`summarize models pull {spec.model}` to use it)"
        )
        logger.info("%s", note)
        return None, note

    def similarity(
        self, articles: Sequence[Article], embedder: Embedder | None, options: Options
    ) -> Similarity:
        """Embeddings with ``embedder``, else TF-IDF fitted on these articles' texts."""
        spec = self.config.stories
        if embedder is not None:
            threshold = options.story_threshold or spec.threshold
            return Similarity.embeddings(embedder, threshold, options.show_progress)
        corpus = [s.translation for a in articles for s in _head(a).segments]
        corpus += [a.title_translation or a.title or "" for a in articles]
        return Similarity.tfidf(corpus, options.story_threshold or spec.tfidf_threshold)


@dataclass
class Stages:
    """Per summarization stage ("brief", "digest"): its engine, length and loaded model, or
    why its model cannot be had."""

    engines: dict[str, Engine]
    words: dict[str, int]
    models: dict[str, Seq2Seq | None] = field(default_factory=dict)
    # A stage whose model cannot be had -> why, in one line naming the fix.
    errors: dict[str, str] = field(default_factory=dict)


def _jobs(p: Article) -> list[TranslationJob]:
    """The translation jobs of one article: its title and sentences in its language, and
    one job per other language its sentences were found in (see `sentence_languages`)."""
    groups: dict[str, list[str]] = {p.language: [p.title] if p.title else []}
    for segment in p.segments:
        groups.setdefault(segment.lang or p.language, []).append(segment.source)
    return [
        TranslationJob((p.hash, lang), lang, texts, has_title=lang == p.language and bool(p.title))
        for lang, texts in groups.items()
        if texts
    ]


def _head(article: Article) -> Article:
    """``article`` with its first RANKED sentences only (itself when it has no more): what
    the digest compares of it."""
    if len(article.segments) <= RANKED:
        return article
    return replace(article, segments=article.segments[:RANKED])


def _as_main(p: Article, job: TranslationJob) -> TranslationJob:
    """``job``'s sentences (in another language) to be translated as ``p``'s language."""
    return TranslationJob((*job.key, p.language), p.language, job.texts)


def _record(p: Article, outcomes: dict) -> tuple[TranslationRecord | None, str | None]:
    """One article's translation record from its jobs' outcomes, or (None, the error)."""
    parts: dict[str, list[str]] = {}
    confidence: dict[str, list[float | None]] = {}
    models: dict[str, str | None] = {}
    fallback: set[str] = set()
    split = 0
    for job in _jobs(p):
        outcome = outcomes[job.key]
        if outcome.translations is None and (*job.key, p.language) in outcomes:
            outcome = outcomes[(*job.key, p.language)]
            fallback.add(job.lang)
        if outcome.translations is None:
            return None, outcome.error
        parts[job.lang] = list(outcome.translations)
        confidence[job.lang] = list(outcome.scores or [None] * len(outcome.translations))
        models[job.lang] = outcome.model
        split += outcome.split
    texts = {lang: iter(found) for lang, found in parts.items()}  # (pop(0) was quadratic)
    sure = {lang: iter(found) for lang, found in confidence.items()}
    title = next(texts[p.language]) if p.title else None
    if p.title:
        next(sure[p.language])
    segments, scores, other = [], [], {}
    for segment in p.segments:
        lang = segment.lang or p.language
        segments.append(next(texts[lang]))
        scores.append(next(sure[lang]))
        if lang != p.language:
            other.setdefault(lang, [0, models[lang], lang in fallback])[0] += 1
    return TranslationRecord(title, segments, split, other, scores), None


def translated(
    article: Article, record: TranslationRecord, model: str | None, target: str = "en"
) -> Article:
    """``article`` (prepared, or restored from the store) with its translation record
    applied (see the store), each translated sentence checked against its source: a new
    Article, the given one unchanged."""
    warnings = list(article.warnings)
    for lang, (count, used, fell_back) in sorted(record.languages.items()):
        name, main = language_name(lang), language_name(article.language)
        if fell_back:
            warnings.append(
                f"{count} sentence(s) look like {name}, which its route cannot translate: "
                f"translated as {main}"
            )
            continue
        how = f"translated with model '{used}'" if used else "kept as written"
        warnings.append(f"{count} sentence(s) in {name}, not {main}: {how}")
    if record.split:
        warnings.append(
            f"{record.split} sentence(s) longer than the translation model's input "
            "limit were split into parts and translated in full"
        )
    scores = record.scores or [None] * len(record.segments)
    segments = [
        replace(s, translation=t, confidence=c if model else None)
        for s, t, c in zip(article.segments, record.segments, scores, strict=True)
    ]
    flagged = _degenerate_translations(segments, model, warnings) if model else 0
    if model:
        segments = [check_segment(s, article.language, target) for s in segments]
        _doubtful(segments, warnings)
    return replace(
        article, title_translation=record.title, translation=_join_segments(segments),
        segments=segments, translation_model=model, warnings=warnings,
        output_flags={"translations": flagged, "brief": 0},
        flagged_share=_flagged_share(segments) if model else 0.0,
    )  # fmt: skip


def check_segment(segment: Segment, lang: str, target: str) -> Segment:
    """``segment`` with what the translation checks find doubtful in its translation."""
    flags = segment_flags(segment.source, segment.translation, segment.lang or lang, target)
    return replace(segment, flags=flags)


def _flagged_share(segments: list[Segment]) -> float:
    """The share of ``segments`` whose translation a check found doubtful."""
    return round(sum(bool(s.flags) for s in segments) / len(segments), 4) if segments else 0.0


def _doubtful(segments: list[Segment], warnings: list[str]) -> None:
    """One warning naming the sentences whose translation a check found doubtful."""
    hits = [i for i, s in enumerate(segments) if s.flags]
    if not hits:
        return
    kinds = Counter(f.kind for s in segments for f in s.flags)
    what = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in kinds.most_common())
    shown = ", ".join(str(i + 1) for i in hits[:10]) + (", ..." if len(hits) > 10 else "")
    warnings.append(
        f"{len(hits)} of {len(segments)} sentence translation(s) look doubtful ({what}): "
        f"sentence(s) {shown}; read them against the original"
    )


def _degenerate_translations(segments: list[Segment], model: str, warnings: list[str]) -> int:
    """Warn about sentences whose translation came back empty or looping; how many."""
    found = {  # a source of only punctuation may well come back empty
        i: degenerate(s.translation)
        for i, s in enumerate(segments)
        if any(ch.isalnum() for ch in s.source)
    }
    bad = {i: problem for i, problem in found.items() if problem is not None}
    for kind, what in (("empty", "came back empty"), ("repetition", "loop")):
        hits = [i for i, problem in bad.items() if problem.kind == kind]
        if not hits:
            continue
        shown = ", ".join(str(i + 1) for i in hits[:10]) + (", ..." if len(hits) > 10 else "")
        example = "" if kind == "empty" else f" (sentence {hits[0] + 1}: {bad[hits[0]].detail})"
        warnings.append(
            f"{len(hits)} of {len(segments)} sentence translation(s) from {model} {what}"
            f"{example}: sentence(s) {shown}; the model may be broken, see `summarize models "
            "check`"
        )
    return len(bad)


def brief_record(article: Article, notes: list[str], faith: Faithfulness) -> BriefRecord:
    """What the store keeps of a brief (and what `apply_brief` restores)."""
    return BriefRecord(
        article.brief, list(article.brief_segments), list(article.brief_warnings), notes, faith,
        article.output_flags.get("brief", 0),
    )  # fmt: skip


def apply_brief(article: Article, record: BriefRecord) -> Faithfulness:
    """Give ``article`` a stored brief; returns the guard's counts for it."""
    article.brief = record.brief
    article.brief_segments = list(record.segments)
    article.brief_warnings = list(record.warnings)
    article.warnings += [n for n in record.notes if n not in article.warnings]
    if record.flagged:
        article.output_flags["brief"] = record.flagged
    return replace(record.faith)


def _given_lang(doc: Document) -> str | None:
    """The language a document states (front matter, a manifest's `lang`) as an ISO 639-1
    code; IngestError naming the value when it is none."""
    if not doc.lang:
        return None
    try:
        return normalize_lang(doc.lang, names=True)
    except LanguageCodeError as exc:
        raise IngestError(f"{doc.source}: its lang {exc}") from None


def _forced_confidence(body: str, lang: str, warnings: list[str]) -> float:
    """The confidence to report for a language given rather than detected: 1.0, unless
    lingua is sure (FORCED_DOUBT) the text is another language it could tell from this one;
    then lingua's confidence in the given language, and a warning naming what it found."""
    if not detectable(lang):  # lingua cannot recognize it, so it cannot contradict it
        return 1.0
    found = detect(body)
    if found.lang is None or found.lang == lang or found.confidence < FORCED_DOUBT:
        return 1.0
    ours = confidence_in(body, lang)
    warnings.append(
        f"processed as {language_name(lang)} ({lang}) as given, but the text reads as "
        f"{language_name(found.lang)} ({found.lang}, detection confidence "
        f"{found.confidence:.2f}; {ours:.2f} for {language_name(lang)}); check --lang or "
        "the input's lang"
    )
    return ours


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
