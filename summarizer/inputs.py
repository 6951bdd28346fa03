"""What to read: arguments, folders, stdin, manifests, web pages and feeds, as Documents.

The CLI's arguments expand to sources (`expand_inputs`, `read_source`). What a batch
reads is planned first (so the progress bar knows the total), then read one
article at a time. Whatever cannot be read becomes a `Failure` with a one-line reason (a
manifest's bad line names its line number); nothing here stops the other articles. A
folder's files that the run itself writes, or that are digests this tool wrote, are not
read as articles (a warning says so), and a feed gives at most its newest
`MAX_FEED_ENTRIES` links.
"""

from __future__ import annotations

import json
import logging
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .fetch import FeedEntry, Fetcher, FetchSettings, is_url, is_web_address, read_feed
from .formats import (
    decode,
    document_from_bytes,
    document_from_file,
    fetch_page,
    metadata,
    refuse_nul,
    with_metadata,
)
from .store import Store
from .types import MAX_BYTES, MAX_FEED_ENTRIES, Document, Failure, IngestError, one_line

logger = logging.getLogger("summarizer")

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
MANIFEST_SUFFIXES = (".jsonl", ".ndjson")
MANIFEST_SOURCES = ("text", "path", "url")
# How this tool's reports begin (render.to_markdown; report.to_html and the batch index put
# everything in one `sr-report` element): found in an input folder, such a file is an
# earlier run's digest, and reading it as an article would feed the digest on itself.
OUR_MARKDOWN = re.compile(rb"\A# (?:Digest|Timeline|Sources|Articles|Failed)\n")
OUR_MARKDOWN_MARKS = (b"](#a-", b'<a id="a-', b"\n- `")
OUR_HTML = b'<div class="sr-report">'
REPORT_HEAD = 16384  # bytes of a file looked at to recognise one of our reports
ONLY_OURS = (
    "folder holds only this run's output or digests this tool wrote (see the warning above); "
    "point at the articles"
)


@dataclass
class Plan:
    """The inputs of a batch, in order, and how many articles (or failures) they make."""

    steps: list[tuple[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(self, kind: str, payload: Any, count: int = 1) -> None:
        self.steps.append((kind, payload))
        self.total += count


def expand_inputs(
    inputs: list[str], outputs: Sequence[str | Path] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """Turn CLI arguments into a list of sources; folders yield their .txt/.md files, less
    the run's own ``outputs`` (files or folders) and digests this tool wrote.

    Returns the sources and the (input, reason) pairs that cannot be used at all.
    """
    sources: list[str] = []
    problems: list[tuple[str, str]] = []
    for item in inputs:
        if item == "-":
            sources.append(item)
            continue
        path = Path(item)
        if _is_dir(path):
            found, broken, skipped = folder_articles(path, outputs)
            if not found and not broken:
                why = "folder has no .txt, .md or .html files; point at the articles"
                problems.append((item, ONLY_OURS if skipped else why))
            sources.extend(str(p) for p in sorted(found + broken))  # broken links: each fails
        else:
            sources.append(item)
    return sources, problems


def folder_articles(
    folder: Path, outputs: Sequence[str | Path] = ()
) -> tuple[list[Path], list[Path], int]:
    """A folder's entries named like articles, sorted: the regular files, everything else
    that is not a folder (broken links, FIFOs, devices, links to them), listed so that each
    is refused with its reason, never skipped silently, and how many files were left out
    as the run's own ``outputs`` or earlier digests of this tool (one warning line each)."""
    found, other = [], []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in ARTICLE_SUFFIXES or _is_dir(p):
            continue
        (found if _is_regular(p) else other).append(p)
    roots = [_resolved(Path(out)) for out in outputs]
    own = [p for p in found if any(_within(_resolved(p), root) for root in roots)]
    ours = [p for p in found if p not in own and _our_report(p)]
    if own:
        logger.warning(
            "%s: %d file(s) in this run's own output (%s) not read as articles; keep "
            "-o/--out outside the input folders",
            folder, len(own), _some(own, folder),
        )  # fmt: skip
    if ours:
        logger.warning(
            "%s: %d file(s) are digests this tool wrote (%s), not articles; not read; move "
            "them out of the input folder",
            folder, len(ours), _some(ours, folder),
        )  # fmt: skip
    skipped = set(own + ours)
    return [p for p in found if p not in skipped], other, len(skipped)


def _our_report(path: Path) -> bool:
    """A digest or report this tool wrote (Markdown or HTML), known by how it begins."""
    try:
        with path.open("rb") as handle:
            head = handle.read(REPORT_HEAD)
    except OSError:
        return False  # read again later, and refused with its reason there
    if OUR_HTML in head:
        return True
    return bool(OUR_MARKDOWN.match(head)) and any(m in head for m in OUR_MARKDOWN_MARKS)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a name too long, a loop of links
        return path.absolute()


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _some(paths: list[Path], folder: Path) -> str:
    """The first few of ``paths``, relative to ``folder``, for one line of a warning."""
    names = [p.relative_to(folder).as_posix() for p in paths[:3]]
    return ", ".join(names) + (", ..." if len(paths) > 3 else "")


def _is_dir(path: Path) -> bool:
    """A folder (links followed); False for what cannot be looked at (a name too long)."""
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


class EmptyInput(IngestError):
    """Standard input with nothing in it: a mistake in the command, refused before any work."""


def read_stdin() -> Document:
    """Standard input as a Document; EmptyInput when it holds nothing but whitespace (the
    command is refused then, with no document written), IngestError for other faults."""
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if not data.strip():
        raise EmptyInput(
            "stdin is empty; pipe an article's text in (summarize - < article.txt), or name "
            "files instead of -"
        )
    if len(data) > MAX_BYTES:
        raise IngestError(
            f"stdin: over the {MAX_BYTES // 2**20} MB limit for one article; "
            "split the text or save it to files"
        )
    return document_from_bytes(data, "stdin")


def read_source(source: str, fetch: FetchSettings | None = None) -> Document:
    """Read one file, web page (http/https URL) or '-' (stdin) into a Document.

    Raises IngestError. HTML files and pages give their main text (trafilatura).
    """
    if source == "-":
        return read_stdin()
    if is_url(source):
        with Fetcher(fetch) as fetcher:
            return fetch_page(source, fetcher)
    return document_from_file(read_file(Path(source), source), source)


def read_file(path: Path, source: str) -> bytes:
    """A regular file's bytes, at most MAX_BYTES of them as actually read (a file may claim
    any size); anything else (a device, a FIFO, a socket, a folder) is refused by its type,
    before it is opened. Raises IngestError."""
    try:
        if path.is_symlink() and not path.exists():
            raise IngestError(f"{source}: broken symbolic link; point it at an existing file")
        info = path.stat()
    except FileNotFoundError:
        raise IngestError(f"{source}: no such file; check the path") from None
    except OSError as exc:  # a name too long, a loop of links, no permission on a folder
        raise IngestError(f"{source}: cannot be read ({exc.strerror}); check the path") from None
    if stat.S_ISDIR(info.st_mode):
        raise IngestError(f"{source}: is a folder; pass it on its own to read every .txt/.md in it")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise IngestError(f"{source}: is {kind}, not a file; save the article to a regular file")
    limit = f"over the {MAX_BYTES // 2**20} MB limit for one article; split the file"
    if info.st_size > MAX_BYTES:
        raise IngestError(f"{source}: {info.st_size / 2**20:.1f} MB is {limit}")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise IngestError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from None
    if len(data) > MAX_BYTES:
        raise IngestError(f"{source}: {limit}")
    return data


def read_feed_list(path: str) -> tuple[list[str], list[str]]:
    """Feed URLs from a text file, one a line ('#' comments, blank lines skipped), and problems."""
    data = read_file(Path(path), path)
    if not data.strip():
        raise IngestError(f"{path}: is empty; put one feed URL on each line")
    urls: list[str] = []
    problems: list[str] = []
    for number, raw in enumerate(decode(data, path)[0].splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not is_web_address(line):
            problems.append(
                f"{path}:{number}: {line!r} is not an http(s) URL; fix or remove the line"
            )
        elif line in urls:
            logger.info("%s:%d: %s is listed twice; reading it once", path, number, line)
        else:
            urls.append(line)
    if not urls and not problems:
        raise IngestError(f"{path}: lists no feeds; put one feed URL on each line")
    return urls, problems


def plan(
    inputs: list[str],
    feeds: str | None,
    since: datetime | None,
    fetcher: Fetcher,
    *,
    outputs: Sequence[str | Path] = (),
    max_feed_entries: int = MAX_FEED_ENTRIES,
) -> Plan:
    """Files, folders (their article files, sorted, less the run's own ``outputs`` and
    digests this tool wrote), manifests, URLs, and the newest ``max_feed_entries`` entries
    of each feed."""
    out = Plan()
    for item in inputs:
        path = Path(item)
        if is_url(item):
            out.add("url", (item, {}))
        elif _is_dir(path):
            files, broken, skipped = folder_articles(path, outputs)
            files = sorted(files + broken)
            if not files:
                why = f"folder has no {'/'.join(ARTICLE_SUFFIXES)} files; point at articles"
                out.add("failed", Failure(item, f"{item}: {ONLY_OURS if skipped else why}"))
            for file in files:
                out.add("file", (file, path))
        elif path.suffix.lower() in MANIFEST_SUFFIXES and _is_regular(path):
            out.add("manifest", path, _count_lines(path))
        else:
            out.add("file", (path, None))
    if feeds:
        _plan_feeds(out, feeds, since, fetcher, max_feed_entries)
    return out


def _plan_feeds(
    out: Plan, feeds: str, since: datetime | None, fetcher: Fetcher, limit: int
) -> None:
    try:
        urls, problems = read_feed_list(feeds)
    except IngestError as exc:
        out.add("failed", Failure(feeds, str(exc)))
        return
    for problem in problems:
        out.add("failed", Failure(feeds, problem))
    for url in urls:
        try:
            entries, problems = read_feed(url, fetcher, since)
        except IngestError as exc:
            out.add("failed", Failure(url, str(exc)))
            continue
        for problem in problems:
            out.add("failed", Failure(url, problem))
        logger.info("feed %s: %d entr%s", url, len(entries), "y" if len(entries) == 1 else "ies")
        for entry in newest(entries, limit, url):
            meta = {"title": entry.title, "published": entry.published, "author": entry.author}
            out.add("url", (entry.url, meta))


def newest(entries: list[FeedEntry], limit: int, url: str) -> list[FeedEntry]:
    """At most ``limit`` of a feed's entries, in the feed's order: the newest (undated ones
    after every dated one), with one warning line saying how many were left out."""
    if len(entries) <= limit:
        return entries
    order = sorted(range(len(entries)), key=lambda i: entries[i].published or "", reverse=True)
    keep = set(order[:limit])  # ISO 8601 UTC strings sort by time; undated ("") last
    logger.warning(
        "%s: lists %d entries; reading the newest %d, leaving out %d; pass "
        "--max-feed-entries N to read more",
        url, len(entries), limit, len(entries) - limit,
    )  # fmt: skip
    return [entry for i, entry in enumerate(entries) if i in keep]


def documents(planned: Plan, store: Store | None, fetcher: Fetcher) -> Iterator[Document | Failure]:
    """Each planned article as a Document, or a Failure saying why it cannot be read."""
    for kind, payload in planned.steps:
        if kind == "failed":
            yield payload
        elif kind == "manifest":
            yield from _manifest(payload, store, fetcher)
        else:
            where = str(payload[0])
            try:
                if kind == "url":
                    yield with_metadata(_page(where, store, fetcher), payload[1])
                else:
                    yield _file(*payload)
            except IngestError as exc:
                yield Failure(where, str(exc))
            except Exception as exc:  # one bad input never stops the others
                logger.debug("reading %s failed", where, exc_info=True)
                yield Failure(where, f"{where}: cannot be read ({one_line(exc)})")


def _file(path: Path, root: Path | None) -> Document:
    """A file; one in a subfolder of the given folder takes that subfolder as its outlet."""
    doc = read_source(str(path))
    if root is not None and doc.outlet is None:
        parts = path.relative_to(root).parts
        doc.outlet = parts[0] if len(parts) > 1 else None
    return doc


def _page(url: str, store: Store | None, fetcher: Fetcher) -> Document:
    """A web page's article, fetched once: later runs take it from the store. A run that
    refuses private addresses takes only pages fetched under that same policy (every hop
    checked), so a page an earlier local run fetched from this machine's network is
    fetched again, and refused, rather than served from the store."""
    public_only = not fetcher.settings.allow_private
    cached = store.page(url) if store else None
    if cached is not None:
        checked = cached.pop("public", False)
        if checked or not public_only:
            return Document(**cached)
    doc = fetch_page(url, fetcher)
    if store is not None:
        with store.transaction():
            store.put_page(url, {**asdict(doc), "public": public_only})
    return doc


def _manifest(path: Path, store: Store | None, fetcher: Fetcher) -> Iterator[Document | Failure]:
    """One article per line: a JSON object with text, path or url, plus optional title,
    source, published, lang, topic, author and id. A bad line fails alone."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield _record(where, line, path.parent, store, fetcher)
            except IngestError as exc:
                yield Failure(where, str(exc))
            except Exception as exc:
                logger.debug("reading %s failed", where, exc_info=True)
                yield Failure(where, f"{where}: cannot be read ({one_line(exc)})")


def _record(where: str, line: str, base: Path, store: Store | None, fetcher: Fetcher) -> Document:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{where}: not valid JSON ({exc.msg}); fix or remove the line") from None
    if not isinstance(record, dict):
        raise IngestError(f"{where}: not a JSON object; give one object per line")
    given = [k for k in MANIFEST_SOURCES if isinstance(record.get(k), str) and record[k].strip()]
    if not given:
        raise IngestError(
            f"{where}: no article; give the line a 'text', 'path' or 'url' field (a string)"
        )
    kind = given[0]
    value = record[kind]
    if kind == "text":
        refuse_nul(value, where)
        doc = Document(source=where, text=value)
    elif kind == "url":
        doc = _page(value, store, fetcher)
    else:
        doc = read_source(str(_manifest_path(where, value, base, fetcher.settings.allow_private)))
    return with_metadata(doc, metadata(record), override=True)


def _manifest_path(where: str, value: str, base: Path, anywhere: bool) -> Path:
    """A manifest line's `path`, relative to the manifest's folder. Serving others' input
    (no private addresses), it must stay inside that folder once links are resolved:
    no absolute path, no `~`, no `..` out of it."""
    if anywhere:
        file = Path(value).expanduser()
        return file if file.is_absolute() else base / file
    file = base / value
    try:
        inside = file.resolve().is_relative_to(base.resolve())
    except (OSError, RuntimeError):  # a name too long, a loop of links
        inside = False
    if value.startswith("~") or Path(value).is_absolute() or not inside:
        raise IngestError(
            f"{where}: path '{value}' is outside the manifest's folder; with "
            "--no-private-urls a manifest names only files inside its own folder"
        )
    return file


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())
