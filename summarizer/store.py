"""The store: an embedded SQLite database of finished work, so nothing is done twice.

Articles are keyed by a hash of their cleaned content (language, title, text): translations
are kept per translation model, briefs per brief settings, fetched pages per URL and
rendered digests per group content. A re-run with the same models skips what is done, a
killed run resumes, and syndicated copies of one text are translated once. Each write is
one transaction in a write-ahead journal, so a killed process leaves the store consistent.

Batch runs also hold `batch_lock`, a lock file beside the store, so two of them never work
on one store at once; single runs and the web UI share the store through SQLite alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from .config import ModelSpec
from .types import BriefRecord, SummarizerError, TranslationRecord
from .utils import weights_fingerprint

logger = logging.getLogger("summarizer")

ENV_VAR = "SUMMARIZER_STORE"
SCHEMA_VERSION = 2  # 2: articles keep their sentence spans
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    hash TEXT PRIMARY KEY, lang TEXT NOT NULL, title TEXT, body TEXT NOT NULL,
    source TEXT, added TEXT NOT NULL, spans TEXT);
CREATE TABLE IF NOT EXISTS translations (
    hash TEXT NOT NULL, model TEXT NOT NULL, data TEXT NOT NULL, added TEXT NOT NULL,
    PRIMARY KEY (hash, model));
CREATE TABLE IF NOT EXISTS briefs (
    hash TEXT NOT NULL, settings TEXT NOT NULL, data TEXT NOT NULL, added TEXT NOT NULL,
    PRIMARY KEY (hash, settings));
CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, data TEXT NOT NULL, added TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (key TEXT PRIMARY KEY, data TEXT NOT NULL, added TEXT NOT NULL);
"""


class StoreError(SummarizerError, RuntimeError):
    """The store file cannot be opened or used; the message says which file and what to do."""


def store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file a `Store(path)` opens: ``path``, else `default_path()`."""
    return Path(path).expanduser() if path else default_path()


def default_path() -> Path:
    """$SUMMARIZER_STORE, else store.sqlite in the user's cache folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("summarizer")) / "store.sqlite"


def content_hash(lang: str, title: str | None, body: str) -> str:
    """The identity of a cleaned article: the same text in the same language, same hash."""
    data = json.dumps([lang, title or "", body], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def digest_of(value: Any) -> str:
    """A short stable hash of any JSON-able value (settings, lists of hashes)."""
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]


def model_key(spec: ModelSpec, runtime: str = "") -> str:
    """What a model's output depends on: its source and revision, settings, weights, and
    ``runtime`` (backend and compute type).

    A local folder's weights are fingerprinted by file size and time, so replacing the
    model invalidates what it produced.
    """
    weights = weights_fingerprint(spec.local_path) if spec.local_path is not None else []
    settings = [spec.max_input_tokens, spec.prefix, spec.generation, weights]
    if runtime:
        settings.append(runtime)
    return f"{spec.source}@{spec.load_revision or 'default'}#{digest_of(settings)}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class StoredArticle(NamedTuple):
    """What the store keeps of a cleaned article: enough to give the Article back."""

    lang: str
    title: str | None
    body: str
    spans: list[tuple[int, int, int]] | None  # per sentence: start, end, paragraph (None:
    # stored by schema 1, which did not keep them)


class Store:
    """One SQLite file shared by the CLI, the web UI and batch runs (thread-safe)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = store_path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: made by a newer summarizer (schema {version}); upgrade, "
                    "or pass --store with another file"
                )
            self._db.executescript(SCHEMA)
            if version == 1:  # a store of schema 1: its articles gain spans (unknown: NULL)
                self._db.execute("ALTER TABLE articles ADD COLUMN spans TEXT")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"{self.path}: cannot be used as the store ({exc}); pass --store with "
                "another file, or delete this one to start afresh"
            ) from None
        logger.debug("store: %s", self.path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside lands together, or (if killed) not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def apply(self, writes: Iterable[tuple[str, list[Any]]]) -> None:
        """Several ``put_<table>(*args)`` writes as one transaction (a batch chunk's results).

        A write that fails (disk full, a read-only file) rolls them all back and is raised as
        a StoreError naming the file, so the caller can stop with one line.
        """
        try:
            with self.transaction():
                for table, args in writes:
                    getattr(self, f"put_{table}")(*args)
        except sqlite3.Error as exc:
            fix = "free some space" if "full" in str(exc) else "check the file and its folder"
            raise StoreError(
                f"{self.path}: cannot be written ({exc}); {fix}, then run the same command "
                "again (what was saved before is kept)"
            ) from None

    def _get(self, sql: str, *args: Any) -> Any:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, sql: str, *args: Any) -> None:
        with self._lock:
            self._db.execute(sql, (*args, _now()))

    def put_article(
        self,
        hash_: str,
        lang: str,
        title: str | None,
        body: str,
        source: str,
        spans: list[list[int]] | None = None,
    ) -> None:
        """The cleaned article and its sentences' [start, end, paragraph] spans, kept once
        however many sources carried it."""
        spans_json = json.dumps(spans) if spans is not None else None
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO articles (hash, lang, title, body, source, added, spans) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (hash_, lang, title, body, source, _now(), spans_json),
            )

    def article(self, hash_: str) -> StoredArticle | None:
        """A cleaned article as stored, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT lang, title, body, spans FROM articles WHERE hash=?", (hash_,)
            ).fetchone()
        if row is None:
            return None
        spans = [tuple(s) for s in json.loads(row[3])] if row[3] else None
        return StoredArticle(row[0], row[1], row[2], spans)

    def translation(self, hash_: str, model: str) -> TranslationRecord | None:
        """The article's translation by this model, or None."""
        data = self._get("SELECT data FROM translations WHERE hash=? AND model=?", hash_, model)
        return TranslationRecord.from_dict(data) if data is not None else None

    def put_translation(self, hash_: str, model: str, record: TranslationRecord | dict) -> None:
        """``record``, or its dict form (as a worker process sends it)."""
        data = record.to_dict() if isinstance(record, TranslationRecord) else record
        self._put(
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
            hash_, model, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def brief(self, hash_: str, settings: str) -> BriefRecord | None:
        """The article's brief written with these settings, or None."""
        data = self._get("SELECT data FROM briefs WHERE hash=? AND settings=?", hash_, settings)
        return BriefRecord.from_dict(data) if data is not None else None

    def put_brief(self, hash_: str, settings: str, record: BriefRecord | dict) -> None:
        """``record``, or its dict form (as a worker process sends it)."""
        data = record.to_dict() if isinstance(record, BriefRecord) else record
        self._put(
            "INSERT OR REPLACE INTO briefs VALUES (?, ?, ?, ?)",
            hash_, settings, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def page(self, url: str) -> dict | None:
        """A fetched page's extracted article (Document fields), or None."""
        return self._get("SELECT data FROM pages WHERE url=?", url)

    def put_page(self, url: str, data: dict) -> None:
        self._put(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
            url, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def digest(self, key: str) -> dict | None:
        """A group's rendered outputs ({format: text}) for exactly these articles and settings."""
        return self._get("SELECT data FROM digests WHERE key=?", key)

    def put_digest(self, key: str, data: dict) -> None:
        self._put(
            "INSERT OR REPLACE INTO digests VALUES (?, ?, ?)",
            key, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Rows per table (for logs and tests)."""
        tables: Iterable[str] = ("articles", "translations", "briefs", "pages", "digests")
        with self._lock:
            return {t: self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' for a sound file."""
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]


@contextlib.contextmanager
def batch_lock(path: str | os.PathLike[str] | None = None, wait: bool = False) -> Iterator[Path]:
    """Hold the store's batch lock, a file beside it (``store.sqlite.lock``), for one run.

    A second batch run on the same store is refused with a StoreError (or, with ``wait``,
    waits its turn). The lock is the operating system's (flock): it goes with the process
    that held it, so a crashed run never blocks the next one.
    """
    from filelock import FileLock, Timeout

    store = store_path(path)
    lock_path = store.with_name(store.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path)
        try:
            lock.acquire(blocking=False)
        except Timeout:
            holder = _holder(lock_path)
            if not wait:
                raise StoreError(
                    f"{store} is in use by another batch run{holder}; wait for it to finish "
                    "(or pass --wait), or pass --store with another file"
                ) from None
            logger.warning("waiting for the other batch run%s on %s to finish", holder, store)
            lock.acquire()
    except OSError as exc:
        raise StoreError(
            f"{lock_path}: cannot be created ({exc.strerror or exc}), so the store cannot be "
            "locked for this run; pass --store with a file in a writable folder"
        ) from None
    try:
        with contextlib.suppress(OSError):  # who holds it, for the message above
            lock_path.write_text(f"{os.getpid()}\n", encoding="ascii")
        yield lock_path
    finally:
        lock.release()


def _holder(lock_path: Path) -> str:
    """The holder's process id as ' (pid N)', read from the lock file it wrote; else ''."""
    try:
        pid = int(lock_path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return ""
    return f" (pid {pid})"
