"""Where batch work runs: chunks of prepared articles in, store writes out.

A chunk is translated and briefed by a `ChunkWorker`, which holds the models. The local
runner keeps one worker in this process; the Ray runner (``pip install -e .[distributed]``)
gives each Ray Data actor its own worker, one per GPU or CPU, and streams chunks through
them. Workers never touch the store: they return the writes, and the caller applies them
in one transaction per chunk, so a killed run loses at most the chunks in flight.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

from .config import Config
from .pipeline import Summarizer
from .pool import ModelPool
from .types import Article, BriefRecord, Failure, Options, TranslationRecord, one_line

logger = logging.getLogger("summarizer")

RunnerName = Literal["local", "ray"]


@dataclass
class ChunkResult:
    """A chunk's article hashes, its store writes as (table, args) pairs, and the hashes
    that failed, with why."""

    hashes: list[str]
    writes: list[tuple[str, list[Any]]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"hashes": self.hashes, "writes": self.writes, "failed": self.failed}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ChunkResult:
        data = json.loads(text)
        return cls(data["hashes"], [(t, a) for t, a in data["writes"]], data["failed"])


class _Recorder:
    """What a worker's Summarizer sees as its store: nothing stored yet, every write kept."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, list[Any]]] = []

    def translation(self, hash_: str, model: str, about: str | None = None,
                    sentences: int | None = None) -> None:  # fmt: skip
        return None

    def brief(self, hash_: str, settings: str, about: str | None = None) -> None:
        return None

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def put_article(self, *args: Any) -> None:
        self.writes.append(("article", list(args)))

    def put_translation(self, hash_: str, model: str, record: TranslationRecord) -> None:
        self.writes.append(("translation", [hash_, model, record.to_dict()]))

    def put_brief(self, hash_: str, settings: str, record: BriefRecord) -> None:
        self.writes.append(("brief", [hash_, settings, record.to_dict()]))


class ChunkWorker:
    """Translates and briefs chunks of prepared articles with models it loads once."""

    def __init__(
        self,
        config: Config,
        device: str,
        options: Options,
        stories: str | None,
        pool: ModelPool | None = None,  # share a pool's loaded models (the local runner)
    ) -> None:
        self.summarizer = Summarizer(config, device)
        if pool is not None:
            self.summarizer.pool = pool
        self.options = options
        self.stories = stories  # the embedding model for briefs, or None for TF-IDF

    def process(self, chunk: list[Article]) -> ChunkResult:
        """Every article of the chunk translated and briefed, or failed with a reason."""
        try:
            return self._process(chunk)
        except Exception as exc:  # a chunk that breaks fails its articles, not the run
            logger.warning("a chunk of %d article(s) failed: %s", len(chunk), one_line(exc))
            why = f"processing failed ({one_line(exc)})"
            return ChunkResult([p.hash for p in chunk], failed={p.hash: why for p in chunk})

    def _process(self, chunk: list[Article]) -> ChunkResult:
        recorder = _Recorder()
        summarizer, options = self.summarizer, self.options
        summarizer.store = recorder  # type: ignore[assignment]
        failures: list[Failure] = []
        articles = summarizer.translate_prepared(chunk, options, failures, {})
        result = ChunkResult([p.hash for p in chunk])
        why = {f.source: f.error.removeprefix(f"{f.source}: ") for f in failures}
        done = {a.hash for a in articles}
        for p in chunk:
            if p.hash not in done:
                result.failed[p.hash] = why.get(p.source, "translation failed")
        if articles and not options.translate_only:
            stages = summarizer.stages(options, {})
            if stages.errors:  # a batch article is done once briefed: each is not done
                why = "; ".join(stages.errors.values())
                for a in articles:
                    result.failed[a.hash] = why
                return result
            embedder = summarizer.pool.embedder(self.stories, "stories") if self.stories else None
            sim = summarizer.similarity([], embedder, options)
            summarizer.brief_articles(articles, stages, sim, options)
        result.writes = recorder.writes
        return result

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        """Ray Data's entry point: a batch of JSON chunks in, JSON results out."""
        out = []
        for text in batch["chunk"]:
            chunk = [Article.from_dict(d) for d in json.loads(text)]
            out.append(self.process(chunk).to_json())
        return {"result": out}


def run_local(chunks: Iterable[list[Article]], worker: ChunkWorker) -> Iterator[ChunkResult]:
    """Each chunk in this process, one after the other."""
    for chunk in chunks:
        yield worker.process(chunk)


def run_ray(
    chunks: Iterable[list[Article]],
    config: Config,
    device: str,
    options: Options,
    stories: str | None,
    address: str | None = None,
    workers: int | None = None,
) -> Iterator[ChunkResult]:
    """Chunks through a pool of Ray actors, each holding its own models.

    ``address``: an existing cluster ("auto", "ray://host:10001"); None starts a local
    Ray. Chunks go in windows of a few per actor, so memory stays flat on the driver.
    """
    ray = _import_ray()
    if not ray.is_initialized():
        ray.init(
            address=address,
            num_cpus=workers if address is None else None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    gpu = device == "cuda" or (device == "auto" and ray.cluster_resources().get("GPU", 0) >= 1)
    slots = int(ray.cluster_resources().get("GPU" if gpu else "CPU", 1))
    size = max(1, min(workers or slots, slots))
    logger.info("ray: %d worker(s), one %s each", size, "GPU" if gpu else "CPU")
    resources = {"num_gpus": 1} if gpu else {"num_cpus": 1}
    kwargs = {
        "config": config,
        "device": "cuda" if gpu else "cpu",
        "options": options,
        "stories": stories,
    }
    iterator = iter(chunks)
    while window := list(islice(iterator, size * 4)):
        data = ray.data.from_items(
            [{"chunk": json.dumps([p.to_dict() for p in c], ensure_ascii=False)} for c in window]
        )
        mapped = data.map_batches(
            ChunkWorker,
            fn_constructor_kwargs=kwargs,
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=size),
            **resources,
        )
        for row in mapped.iter_rows():
            yield ChunkResult.from_json(row["result"])


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ImportError(
            "--runner ray needs Ray: pip install -e '.[distributed]' (or pip install 'ray[data]')"
        ) from None
    return ray
