"""Batch digests: many articles in, one digest per group (day, topic, source) out.

Articles stream through: each is read, cleaned and hashed here; what the store already
has is skipped, a text seen earlier in the run waits for its first copy, and the rest go
in chunks to a runner (this process, or Ray actors) that translates and briefs them. Each
chunk's results land in the store in one transaction, so a killed run resumes where it
stopped. Then each group's digest is written as Markdown, JSON and HTML, plus an index:
all staged as temporary files first and renamed into place together, so a failed write
(disk full) or an interrupt leaves the previous outputs as they were.

Under `stop_on_signals` (the CLI), SIGINT and SIGTERM stop a run cleanly: `Interrupted` is
raised between chunk commits, never inside one, and says how many articles are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import html
import json
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Literal
from urllib.parse import urlsplit

from .fetch import Fetcher, FetchSettings
from .inputs import Plan, documents, plan
from .pipeline import Stages, Summarizer, apply_brief
from .render import FORMATS, render
from .report import CSS, PAGE_CSS
from .runners import ChunkResult, ChunkWorker, RunnerName, run_local, run_ray
from .similarity import Embedder, Similarity
from .store import digest_of
from .stories import group, parse_date
from .types import (
    MAX_FEED_ENTRIES,
    Article,
    Document,
    Failure,
    Faithfulness,
    IngestError,
    ModelLoadError,
    Options,
    Result,
    SummarizerError,
    describe_flags,
    one_line,
)
from .utils import progress_bar, visible_controls, write_temp

logger = logging.getLogger("summarizer")

GroupBy = Literal["day", "topic", "source", "none"]


@dataclass
class BatchOptions:
    """How a batch reads, runs and writes; `Options` says how each article is processed."""

    out: Path
    feeds: str | None = None
    since: dt.datetime | None = None
    max_feed_entries: int = MAX_FEED_ENTRIES  # links read from one feed, the newest
    group_by: GroupBy = "none"
    runner: RunnerName = "local"
    chunk_size: int = 16  # articles per model batch
    workers: int | None = None  # Ray actors (default: one per GPU, else per CPU)
    ray_address: str | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)


@dataclass
class Group:
    """One digest of the run: its name, file stem, size and what it covers."""

    name: str
    slug: str
    articles: int
    languages: list[str]
    first_date: str | None
    last_date: str | None
    stories: int
    flagged: dict[str, int] = field(default_factory=dict)  # empty or looping model outputs


@dataclass
class BatchReport:
    """What a batch did: counts, failures, groups written, and how long it took."""

    done: int = 0  # processed by this run
    skipped: int = 0  # already done by an earlier run (found in the store)
    duplicates: int = 0  # same text as an earlier article of this run: processed once
    failed: list[Failure] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    seconds: float = 0.0
    index: Path | None = None

    def summary(self) -> str:
        flagged: dict[str, int] = {}
        for g in self.groups:
            for kind, n in g.flagged.items():
                flagged[kind] = flagged.get(kind, 0) + n
        outputs = describe_flags(flagged)
        return (
            f"{self.done} done, {len(self.failed)} failed, {self.skipped} skipped as already "
            f"done ({self.duplicates} duplicate texts processed once); {len(self.groups)} "
            f"digest(s) in {_duration(self.seconds)}" + (f"; {outputs}" if outputs else "")
        )


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a batch run; ``kept``: its articles whose work is in the
    store (None when the run stopped before reading any)."""

    def __init__(self, signum: int = signal.SIGINT, kept: int | None = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum, self.kept = int(signum), kept


class OutputError(SummarizerError, RuntimeError):
    """An output file cannot be written (disk full, no permission); says which, and the fix."""

    def __init__(self, path: Path, exc: OSError) -> None:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            fix = "free some space"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            fix = f"make {path.parent} writable, or pass --out with another folder"
        elif exc.errno in (errno.EEXIST, errno.ENOTDIR):
            fix = "pass --out with a folder (a file is in the way)"
        else:
            fix = "check the --out folder"
        super().__init__(
            f"cannot write {path} ({exc.strerror or exc}); {fix}, then run the same command "
            "again (the finished articles are kept in the store; no previous output file was "
            "changed)"
        )


class _Stop:
    """The SIGINT/SIGTERM handler: raises `Interrupted`, or inside `whole()` (a chunk being
    committed) holds the signal back until the chunk is in."""

    def __init__(self) -> None:
        self.holding = 0
        self.pending: int | None = None

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.holding:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def whole(self) -> Iterator[None]:
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if not self.holding and self.pending is not None:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


_STOP = _Stop()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` (a KeyboardInterrupt) while inside, never in the
    middle of a chunk's commit; the previous handlers come back afterwards.

    A signal the process was started with ignored (``nohup``, ``cmd &``) stays ignored, and
    outside the main thread (where Python cannot set handlers) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _STOP.handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if signal.getsignal(signum) == _STOP.handler:  # not replaced meanwhile (by Ray)
                signal.signal(signum, handler)
        _STOP.pending = None


def run_batch(
    summarizer: Summarizer, inputs: list[str], batch: BatchOptions, options: Options
) -> BatchReport:
    """Read every input, process what the store lacks, write one digest per group.

    Raises `Interrupted` (with how many articles are kept) on Ctrl-C or, under
    `stop_on_signals`, SIGTERM; `OutputError` when an output file cannot be written;
    `ModelLoadError` (before reading any input) when a summarization stage has no model.
    """
    if summarizer.store is None:
        raise ValueError("a batch needs a store: Summarizer(..., store=Store(path))")
    summarizer.check_options(options)  # a bad --lang or model name: refused before any work
    try:  # a bad --out is found now, not after hours of work
        batch.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(batch.out, exc) from None
    started = time.monotonic()
    report = BatchReport()
    models: dict[str, str] = {}
    stages = summarizer.stages(options, models)
    if stages.errors:  # a summarization model is missing: no article could be done
        raise ModelLoadError("; ".join(stages.errors.values()))
    embedder, note = summarizer.stories_embedder(stages.engines)
    brief_sim = summarizer.similarity([], embedder, options)
    outputs = _Outputs()
    try:
        with Fetcher(batch.fetch) as fetcher:
            planned = plan(
                inputs, batch.feeds, batch.since, fetcher,
                outputs=[batch.out], max_feed_entries=batch.max_feed_entries,
            )  # fmt: skip
            items = _process(
                summarizer, planned, fetcher, batch, options, stages, brief_sim, report
            )
        done = [i for i in items if i is not None]
        groups = _groups(done, batch.group_by, summarizer, embedder, options)
        writer = _Writer(summarizer, stages, embedder, brief_sim, note, options, models, outputs)
        with progress_bar(len(groups), "digests", options.show_progress, unit="digest") as bar:
            for name, members in groups:
                taken = {g.slug for g in report.groups}
                report.groups.append(writer.write(batch.out, name, members, taken))
                bar.update(1)
        report.seconds = time.monotonic() - started
        report.index = batch.out / "index.html"
        _write_index(report, batch, outputs)
        outputs.publish()
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        raise Interrupted(signum, report.done + report.skipped) from None
    finally:
        outputs.discard()  # what was staged and not published: nothing after publish()
    return report


class _Outputs:
    """The run's output files, staged as temporary files beside their targets and renamed
    into place together by `publish()`: until then, every previous file stays as it was."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, target)

    def add(self, path: Path, text: str) -> None:
        try:
            self.staged.append((write_temp(path, text), path))
        except OSError as exc:
            raise OutputError(path, exc) from None

    def publish(self) -> None:
        with _STOP.whole():  # all renamed, or (a signal) still all renamed
            while self.staged:
                tmp, path = self.staged[0]
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise OutputError(path, exc) from None
                self.staged.pop(0)

    def discard(self) -> None:
        for tmp, _ in self.staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.staged.clear()


def _process(
    summarizer: Summarizer,
    planned: Plan,
    fetcher: Fetcher,
    batch: BatchOptions,
    options: Options,
    stages: Stages,
    brief_sim: Similarity,
    report: BatchReport,
) -> list[Article | None]:
    """Stream the articles through the runner; returns the items that ended done."""
    store = summarizer.store
    assert store is not None
    items: list[Article] = []
    state: dict[str, str | None] = {}  # hash -> None (done) or why it failed
    waiting: dict[str, list[Article]] = {}  # hash -> items waiting for its chunk
    earlier: set[str] = set()  # hashes an earlier run finished
    total = planned.total
    with progress_bar(total, "articles", options.show_progress, unit="article") as bar:

        def chunks() -> Iterator[list[Article]]:
            taken: set[str] = set()
            pending: list[Article] = []
            for got in documents(planned, store, fetcher):
                prepared = _prepare(summarizer, got, options, taken, report)
                if prepared is None:
                    bar.update(1)
                    continue
                item = prepared.without_text()  # the text goes on to the runner, not kept
                items.append(item)
                if prepared.hash in waiting:
                    report.duplicates += 1
                    waiting[prepared.hash].append(item)
                    continue
                if prepared.hash in state:
                    report.duplicates += 1
                    if prepared.hash in earlier:
                        report.skipped += 1
                    else:
                        _settle(item, state[prepared.hash], report)
                elif _done(summarizer, prepared, stages, brief_sim, options):
                    state[prepared.hash] = None
                    earlier.add(prepared.hash)
                    report.skipped += 1
                else:
                    waiting[prepared.hash] = [item]
                    pending.append(prepared)
                    if len(pending) >= batch.chunk_size:
                        yield pending
                        pending = []
                    continue
                bar.update(1)
            if pending:
                yield pending

        for result in _run(chunks(), summarizer, batch, options, brief_sim):
            with _STOP.whole():  # a chunk is in the store and counted, or neither
                store.apply(result.writes)
                for h in result.hashes:
                    state[h] = result.failed.get(h)
                    for item in waiting.pop(h, []):
                        _settle(item, state[h], report)
                        bar.update(1)
    return [i if state.get(i.hash, "") is None else None for i in items]


def _run(
    chunks: Iterator[list[Article]],
    summarizer: Summarizer,
    batch: BatchOptions,
    options: Options,
    brief_sim: Similarity,
) -> Iterator[ChunkResult]:
    stories = summarizer.config.stories.model if brief_sim.backend == "embeddings" else None
    if batch.runner == "ray":
        device = summarizer.pool.device
        yield from run_ray(
            chunks, summarizer.config, device, options, stories, batch.ray_address, batch.workers
        )
        return
    worker = ChunkWorker(summarizer.config, summarizer.pool.device, options, stories,
                         pool=summarizer.pool)  # fmt: skip
    yield from run_local(chunks, worker)


def _prepare(
    summarizer: Summarizer,
    got: Document | Failure,
    options: Options,
    taken: set[str],
    report: BatchReport,
) -> Article | None:
    """The prepared article, or None when it failed (recorded in ``report``)."""
    if isinstance(got, Failure):
        report.failed.append(got)
        return None
    try:
        p = summarizer.prepare(got, options, taken)
    except IngestError as exc:
        report.failed.append(Failure(got.source, str(exc)))
        return None
    except Exception as exc:  # one bad article never stops the others
        logger.debug("preparing %s failed", got.source, exc_info=True)
        report.failed.append(Failure(got.source, f"{got.source}: cannot be read ({one_line(exc)})"))
        return None
    if p.outlet is None and "://" in got.source:  # a page: its site is who published it
        p.outlet = urlsplit(got.source).hostname
    return p


def _settle(item: Article, error: str | None, report: BatchReport) -> None:
    if error is None:
        report.done += 1
    else:
        report.failed.append(Failure(item.source, f"{item.source}: {error}"))


def _done(
    summarizer: Summarizer, p: Article, stages: Stages, sim: Similarity, options: Options
) -> bool:
    """Whether the store has this text, its translation and brief for these settings, each
    readable and fitting the others (a garbled row is a miss, with a warning: done again)."""
    store = summarizer.store
    assert store is not None
    row = store.article(p.hash, p.source)
    if row is None:
        return False
    key = summarizer.translation_key(p.language)
    sentences = len(row.spans) if row.spans is not None else len(p.segments)
    if key is not None and store.translation(p.hash, key, p.source, sentences) is None:
        return False
    key = summarizer.brief_key(p.language, stages, sim, options)
    return store.brief(p.hash, key, p.source) is not None


def _groups(
    items: list[Article],
    by: GroupBy,
    summarizer: Summarizer,
    embedder: Embedder | None,
    options: Options,
) -> list[tuple[str, list[Article]]]:
    """The run's articles split by day, source, topic (or story), or not at all."""
    if not items:
        return []
    if by == "none":
        return [("All articles", items)]
    out: dict[str, list[Article]] = {}
    if by == "day":
        for item in items:
            day = parse_date(item.published)
            out.setdefault(day.isoformat() if day else "undated", []).append(item)
        return sorted(out.items(), key=lambda kv: (kv[0] == "undated", kv[0]))
    if by == "source":
        for item in items:
            out.setdefault(item.outlet or "unknown source", []).append(item)
        return sorted(out.items(), key=lambda kv: kv[0].casefold())
    rest = []
    for item in items:
        if item.topic:
            out.setdefault(item.topic, []).append(item)
        else:
            rest.append(item)
    named = sorted(out.items(), key=lambda kv: kv[0].casefold())
    return named + _stories(rest, summarizer, embedder, options)


def _stories(
    items: list[Article], summarizer: Summarizer, embedder: Embedder | None, options: Options
) -> list[tuple[str, list[Article]]]:
    """Articles without a topic, grouped into stories by the stories model."""
    if not items:
        return []
    articles = [summarizer.restore(item) for item in items]
    sim = summarizer.similarity(articles, embedder, options)
    vectors = sim.documents([[a.title_translation or ""] + [s.translation for s in a.segments]
                             for a in articles])  # fmt: skip
    dates = [parse_date(a.published) for a in articles]
    clusters = group(vectors, dates, sim.thresholds.story, summarizer.config.stories.window_days)
    named = []
    for k, members in enumerate(clusters, 1):
        lead = articles[members[0]]
        title = lead.title_translation or lead.segments[0].translation
        named.append((f"Story {k}: {_clip(title, 60)}", [items[i] for i in members]))
    return named


class _Writer:
    """Writes one group's digest files; reuses the store's copy when nothing changed."""

    def __init__(
        self,
        summarizer: Summarizer,
        stages: Stages,
        embedder: Embedder | None,
        brief_sim: Similarity,
        note: str | None,
        options: Options,
        models: dict[str, str],
        outputs: _Outputs,
    ) -> None:
        self.summarizer, self.stages, self.embedder = summarizer, stages, embedder
        self.brief_sim, self.note, self.options = brief_sim, note, options
        self.models, self.outputs = models, outputs

    def write(self, out: Path, name: str, members: list[Article], taken: set[str]) -> Group:
        """Stage the group's files in ``out``; the store keeps the rendering for a re-run."""
        store = self.summarizer.store
        assert store is not None
        slug = _slug(name, taken)
        settings = {k: v for k, v in asdict(self.options).items() if k != "show_progress"}
        key = digest_of(
            [name, [asdict(i) for i in members], settings, self.models, self.brief_sim.name,
             asdict(self.summarizer.config.stories), self.stages.engines, self.stages.words]
        )  # fmt: skip
        cached = store.digest(key, f"digest '{name}'", _check_digest)
        if cached is None:
            texts, info = self._render(name, members)
            cached = {"texts": texts, "info": info}
            store.apply([("digest", [key, cached])])
        for fmt, text in cached["texts"].items():
            self.outputs.add(out / f"{slug}.{fmt}", text)
        return Group(name=name, slug=slug, **cached["info"])

    def _render(self, name: str, members: list[Article]) -> tuple[dict[str, str], dict]:
        summarizer, options = self.summarizer, self.options
        articles: list[Article] = []
        faith = Faithfulness()
        first: dict[str, Article] = {}
        for item in members:
            if item.hash in first:  # a syndicated copy: one article, both sources named
                first[item.hash].warnings.append(f"the same text also came from {item.source}")
                continue
            article = summarizer.restore(item)
            key = summarizer.brief_key(article.language, self.stages, self.brief_sim, options)
            faith.merge(apply_brief(article, summarizer.store.brief(item.hash, key, item.source)))  # type: ignore[union-attr, arg-type]
            first[item.hash] = article
            articles.append(article)
        sim = summarizer.similarity(articles, self.embedder, options)
        digest = summarizer.digest_articles(articles, self.stages, sim, options)
        digest.faithfulness.merge(faith)
        if self.note:
            digest.warnings.insert(0, self.note)
        models = dict(self.models, stories=sim.name)
        for a in articles:
            if a.translation_model:
                models[f"translation.{a.language}"] = a.translation_model
        result = Result(articles=articles, digest=digest, failed=[], models=models,
                        options=options)  # fmt: skip
        texts = {fmt: render(result, fmt, title=f"News digest: {name}") for fmt in FORMATS}
        dates = sorted(d.isoformat() for d in (parse_date(a.published) for a in articles) if d)
        info = {
            "articles": len(members),
            "languages": sorted({a.language for a in articles}),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "stories": len(digest.stories),
            "flagged": result.flagged_outputs(),
        }
        return texts, info


def _check_digest(data: dict) -> None:
    """Raise unless ``data`` is a stored digest as `_Writer.write` keeps it."""
    texts, info = data["texts"], data["info"]
    if set(texts) != set(FORMATS) or not all(isinstance(t, str) for t in texts.values()):
        raise ValueError(f"not one text per format ({', '.join(FORMATS)})")
    Group(name="", slug="", **info)  # TypeError for fields it does not have


def _write_index(report: BatchReport, batch: BatchOptions, outputs: _Outputs) -> None:
    """index.json and index.html: every digest of the run, and every article that failed."""
    data = {
        "group_by": batch.group_by,
        "summary": {
            "done": report.done, "failed": len(report.failed), "skipped": report.skipped,
            "duplicates": report.duplicates, "seconds": round(report.seconds, 1),
        },
        "groups": [asdict(g) | {"files": {f: f"{g.slug}.{f}" for f in FORMATS}}
                   for g in report.groups],
        "failed": [asdict(f) for f in report.failed],
    }  # fmt: skip
    outputs.add(batch.out / "index.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def e(text: str) -> str:  # names and messages: their bidi and terminal controls shown
        return html.escape(visible_controls(text))

    rows = [
        f'<tr><td><a href="{e(g.slug)}.html">{e(g.name)}</a></td><td>{g.articles}</td>'
        f"<td>{g.stories}</td><td>{e(', '.join(g.languages))}</td>"
        f"<td>{e(_span(g.first_date, g.last_date))}</td>"
        f'<td><a href="{e(g.slug)}.md">md</a> · <a href="{e(g.slug)}.json">json</a></td></tr>'
        for g in report.groups
    ]
    failed = [f"<li><code>{e(f.source)}</code>: {e(f.error)}</li>" for f in report.failed]
    page = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Digests</title>\n<style>{PAGE_CSS}{CSS}</style>\n</head>\n<body>",
        '<div class="sr-report"><h1>Digests</h1>',
        f'<p class="meta">{e(report.summary())}</p>',
        "<table><thead><tr><th>Digest</th><th>Articles</th><th>Stories</th><th>Languages</th>"
        "<th>Dates</th><th>Also as</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        *(['<section id="failed"><h2>Not processed</h2><ul>', *failed, "</ul></section>"]
          if failed else []),
        "</div>\n</body>\n</html>\n",
    ]  # fmt: skip
    outputs.add(batch.out / "index.html", "\n".join(page))


def _slug(name: str, taken: set[str]) -> str:
    """An ASCII file stem for a group, unique in the run."""
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:60].strip("-")
    base = base or "group-" + digest_of(name)[:8]
    slug, n = base, 2
    while slug in taken or slug == "index":
        slug, n = f"{base}-{n}", n + 1
    return slug


def _span(first: str | None, last: str | None) -> str:
    if not first:
        return "undated"
    return first if first == last else f"{first} – {last}"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"
