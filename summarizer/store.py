"""The store: an embedded SQLite database of finished work, so nothing is done twice.

Articles are keyed by a hash of their cleaned content (language, title, text): translations
are kept per translation model, briefs per brief settings, fetched pages per URL and
rendered digests per group content. A re-run with the same models skips what is done, a
killed run resumes, and syndicated copies of one text are translated once. Each write is
one transaction in a write-ahead journal, so a killed process leaves the store consistent.

Batch runs also hold `batch_lock`, a lock file beside the store, so two of them never work
on one store at once; single runs and the web UI share the store through SQLite alone.

A file that cannot be opened or written is a `StoreError` naming it and the fix (a full
disk: free space, never delete the store). A row that cannot be read back (not JSON, the
wrong shape, sentences that do not fit) is a miss: a warning names the store and the
article, and the work is done again and stored over it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .config import ModelSpec
from .types import BriefRecord, Document, SummarizerError, TranslationRecord
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


T = TypeVar("T")
FULL_BELOW = 1 << 20  # free bytes under which a write's I/O error is taken for a full disk


class StoreError(SummarizerError, RuntimeError):
    """The store file cannot be opened or used; the message says which file and what to do."""


class _Garbled(ValueError):
    """A stored row that cannot be read back as what it should be (says why)."""


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
            raise StoreError(self._open_failure(exc)) from None
        self._warned: set[tuple[str, str]] = set()  # garbled rows already named
        logger.debug("store: %s", self.path)

    def _open_failure(self, exc: sqlite3.Error | OSError) -> str:
        """Why the store cannot be used, and the fix: never to delete it for a full disk."""
        why = _reason(exc)
        if _disk_full(exc, self.path):
            fix = (
                "the disk is full; free some space on it, or pass --store with a file on "
                "another disk"
            )
        elif _denied(exc):
            fix = "check that you may write it and its folder, or pass --store with another file"
        elif "not a database" in why or "malformed" in why:
            fix = "pass --store with another file, or move this one aside to start afresh"
        else:
            fix = "pass --store with another file"
        return f"{self.path}: cannot be used as the store ({why}); {fix}"

    def write_failure(self, exc: sqlite3.Error | OSError) -> StoreError:
        """A failed write as one line naming the file and the fix (a full disk: free space)."""
        why = _reason(exc)
        if _disk_full(exc, self.path):
            return StoreError(
                f"{self.path}: cannot be written, the disk is full ({why}); free some space on "
                "it (or pass --store with a file on another disk)"
            )
        if _denied(exc):
            return StoreError(
                f"{self.path}: cannot be written ({why}); check that you may write it and its "
                "folder (or pass --store with another file)"
            )
        return StoreError(f"{self.path}: cannot be written ({why}); check the file and its folder")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside lands together, or (if killed) not at all.

        A write that fails (disk full, a read-only file) rolls them all back and is raised
        as a StoreError naming the file and the fix (see `write_failure`).
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except (sqlite3.Error, OSError) as exc:
                raise self.write_failure(exc) from None
            try:
                yield
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back itself
                    self._db.execute("ROLLBACK")
                if isinstance(exc, (sqlite3.Error, OSError)):
                    raise self.write_failure(exc) from None
                raise
            try:
                self._db.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise self.write_failure(exc) from None

    def apply(self, writes: Iterable[tuple[str, list[Any]]]) -> None:
        """Several ``put_<table>(*args)`` writes as one transaction (a batch chunk's results).

        A write that fails rolls them all back and is raised as a StoreError naming the file
        and the fix, so the caller can stop with one line.
        """
        try:
            with self.transaction():
                for table, args in writes:
                    getattr(self, f"put_{table}")(*args)
        except StoreError as exc:
            raise StoreError(
                f"{exc}, then run the same command again (what was saved before is kept)"
            ) from None

    def _load(
        self, what: str, about: str, sql: str, args: tuple[Any, ...], parse: Callable[[Any], T]
    ) -> T | None:
        """A row's JSON read back by ``parse``; None when there is none, or (with a warning
        naming the store and ``about``, once) when it cannot be read back."""
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        if row is None:
            return None
        try:
            return parse(json.loads(row[0]))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            self.garbled(what, about, exc)
            return None

    def garbled(self, what: str, about: str, exc: Exception) -> None:
        """Warn, once per row, that the stored ``what`` of ``about`` is unreadable."""
        if (what, about) in self._warned:
            return
        self._warned.add((what, about))
        why = " ".join(str(exc).split())[:120] or type(exc).__name__
        logger.warning(
            "%s: the stored %s of %s cannot be read back (%s); it is made again",
            self.path, what, about, why,
        )  # fmt: skip

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
        however many sources carried it (the first one's name). Written again with the
        translation it goes with, so its spans always fit the latest one (and a garbled row
        is replaced)."""
        spans_json = json.dumps(spans) if spans is not None else None
        with self._lock:
            self._db.execute(
                "INSERT INTO articles (hash, lang, title, body, source, added, spans) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET "
                "lang=excluded.lang, title=excluded.title, body=excluded.body, "
                "spans=excluded.spans",
                (hash_, lang, title, body, source, _now(), spans_json),
            )

    def article(self, hash_: str, about: str | None = None) -> StoredArticle | None:
        """A cleaned article as stored, or None (also, with a warning, when its row cannot be
        read back). ``about``: the article's name for that warning."""
        with self._lock:
            row = self._db.execute(
                "SELECT lang, title, body, spans FROM articles WHERE hash=?", (hash_,)
            ).fetchone()
        if row is None:
            return None
        try:
            return _stored_article(*row)
        except (ValueError, TypeError) as exc:
            self.garbled("article", about or f"article {hash_[:12]}", exc)
            return None

    def translation(
        self, hash_: str, model: str, about: str | None = None, sentences: int | None = None
    ) -> TranslationRecord | None:
        """The article's translation by this model, or None (also, with a warning naming
        ``about``, when it cannot be read back or has not ``sentences`` sentences)."""

        def parse(data: Any) -> TranslationRecord:
            record = _translation(data)
            if sentences is not None and len(record.segments) != sentences:
                raise _Garbled(f"{len(record.segments)} sentences, the article has {sentences}")
            return record

        sql = "SELECT data FROM translations WHERE hash=? AND model=?"
        return self._load("translation", about or f"article {hash_[:12]}", sql,
                          (hash_, model), parse)  # fmt: skip

    def put_translation(self, hash_: str, model: str, record: TranslationRecord | dict) -> None:
        """``record``, or its dict form (as a worker process sends it)."""
        data = record.to_dict() if isinstance(record, TranslationRecord) else record
        self._put(
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
            hash_, model, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def brief(self, hash_: str, settings: str, about: str | None = None) -> BriefRecord | None:
        """The article's brief written with these settings, or None (also, with a warning
        naming ``about``, when it cannot be read back)."""
        sql = "SELECT data FROM briefs WHERE hash=? AND settings=?"
        return self._load("brief", about or f"article {hash_[:12]}", sql, (hash_, settings),
                          _brief)  # fmt: skip

    def put_brief(self, hash_: str, settings: str, record: BriefRecord | dict) -> None:
        """``record``, or its dict form (as a worker process sends it)."""
        data = record.to_dict() if isinstance(record, BriefRecord) else record
        self._put(
            "INSERT OR REPLACE INTO briefs VALUES (?, ?, ?, ?)",
            hash_, settings, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def page(self, url: str) -> dict | None:
        """A fetched page's extracted article (Document fields), or None (also, with a
        warning, when it cannot be read back: the page is fetched again)."""
        return self._load("page", url, "SELECT data FROM pages WHERE url=?", (url,), _page)

    def put_page(self, url: str, data: dict) -> None:
        self._put(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
            url, json.dumps(data, ensure_ascii=False),
        )  # fmt: skip

    def digest(
        self, key: str, about: str | None = None, check: Callable[[dict], Any] | None = None
    ) -> dict | None:
        """A group's rendered outputs for exactly these articles and settings, or None (also,
        with a warning naming ``about``, when it is not a JSON object or ``check`` raises)."""

        def parse(data: Any) -> dict:
            if not isinstance(data, dict):
                raise _Garbled(f"a JSON {type(data).__name__}, not an object")
            if check is not None:
                check(data)
            return data

        sql = "SELECT data FROM digests WHERE key=?"
        return self._load("digest", about or f"digest {key}", sql, (key,), parse)

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


def _stored_article(lang: Any, title: Any, body: Any, spans_json: Any) -> StoredArticle:
    """An articles row read back, its spans checked against its text; _Garbled if not."""
    if not isinstance(lang, str) or not isinstance(body, str):
        raise _Garbled("no language or text")
    if title is not None and not isinstance(title, str):
        raise _Garbled("a title that is not text")
    if not spans_json:
        return StoredArticle(lang, title, body, None)
    found = json.loads(spans_json)
    if not isinstance(found, list):
        raise _Garbled(f"spans are a JSON {type(found).__name__}, not a list")
    spans: list[tuple[int, int, int]] = []
    for span in found:
        if (
            not isinstance(span, list)
            or len(span) != 3
            or not all(type(n) is int for n in span)
            or not 0 <= span[0] <= span[1] <= len(body)
        ):
            raise _Garbled(f"a sentence span {json.dumps(span)[:40]} that does not fit the text")
        spans.append((span[0], span[1], span[2]))
    return StoredArticle(lang, title, body, spans)


def _translation(data: Any) -> TranslationRecord:
    """A stored translation read back and checked; _Garbled if it is not one."""
    if not isinstance(data, dict):
        raise _Garbled(f"a JSON {type(data).__name__}, not an object")
    record = TranslationRecord.from_dict(data)
    if not all(isinstance(t, str) for t in record.segments):
        raise _Garbled("a sentence that is not text")
    if record.title is not None and not isinstance(record.title, str):
        raise _Garbled("a title that is not text")
    if record.scores and len(record.scores) != len(record.segments):
        raise _Garbled("scores that do not fit its sentences")
    for value in record.languages.values():
        count, _, _ = value  # [sentences, model or None, fell back]
        if not isinstance(count, int):
            raise _Garbled("a language count that is not a number")
    return record


def _brief(data: Any) -> BriefRecord:
    """A stored brief read back and checked; _Garbled if it is not one."""
    if not isinstance(data, dict):
        raise _Garbled(f"a JSON {type(data).__name__}, not an object")
    record = BriefRecord.from_dict(data)
    if not isinstance(record.brief, str) or not all(isinstance(n, str) for n in record.notes):
        raise _Garbled("a brief or note that is not text")
    if not all(type(k) is int and k >= 0 for k in record.segments):
        raise _Garbled("a sentence number that is not one")
    return record


_DOCUMENT_FIELDS = {f.name for f in dataclasses.fields(Document)} | {"public"}


def _page(data: Any) -> dict:
    """A stored page read back as Document fields (plus "public"); _Garbled if it is not."""
    if not isinstance(data, dict):
        raise _Garbled(f"a JSON {type(data).__name__}, not an object")
    if not isinstance(data.get("source"), str) or not isinstance(data.get("text"), str):
        raise _Garbled("no source or text")
    if set(data) - _DOCUMENT_FIELDS:
        raise _Garbled(f"unknown fields {', '.join(sorted(set(data) - _DOCUMENT_FIELDS))}")
    if not isinstance(data.get("warnings", []), list):
        raise _Garbled("warnings that are not a list")
    return data


def _reason(exc: BaseException) -> str:
    """An error's own words, on one line ("No space left on device")."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def _disk_full(exc: BaseException, path: Path) -> bool:
    """Whether ``exc`` means the disk (or quota) is full: SQLite says so, the system says
    so, or an I/O error came while the store's disk has (almost) no space left."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    if "full" in text or "no space" in text or "quota" in text:
        return True
    if "i/o error" in text:
        folder = next((p for p in (path, *path.parents) if p.exists()), None)
        with contextlib.suppress(OSError):
            return folder is not None and shutil.disk_usage(folder).free < FULL_BELOW
    return False


def _denied(exc: BaseException) -> bool:
    """Whether ``exc`` means the file or its folder may not be written."""
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return True
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "permission" in text


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
        fix = (
            "free some space on its disk, or pass --store with a file on another disk"
            if _disk_full(exc, lock_path)
            else "pass --store with a file in a writable folder"
        )
        raise StoreError(
            f"{lock_path}: cannot be created ({_reason(exc)}), so the store cannot be locked "
            f"for this run; {fix}"
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
