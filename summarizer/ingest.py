"""Read articles: files, folders and stdin, in any common encoding, into Documents.

Every problem becomes an IngestError with a one-line reason naming the file and the fix,
so one bad file never stops the others.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from .types import Document, IngestError

logger = logging.getLogger("summarizer")

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
MAX_BYTES = 20 * 1024 * 1024
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Magic numbers of formats people drop into an article folder by mistake.
BINARY_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (or .docx/.odt)"),
    (b"%PDF", "a PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
)
HTML_TAG = re.compile(
    rb"</?(?:html|head|body|div|p|span|a|article|section|nav|br|h[1-6]|ul|li)\b", re.I
)
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def expand_inputs(inputs: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Turn CLI arguments into a list of sources; folders yield their .txt/.md files.

    Returns the sources and the (input, reason) pairs that cannot be used at all.
    """
    sources: list[str] = []
    problems: list[tuple[str, str]] = []
    for item in inputs:
        if item == "-":
            sources.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            found, broken = folder_articles(path)
            if not found and not broken:
                problems.append(
                    (item, "folder has no .txt, .md or .html files; point at the articles")
                )
            sources.extend(str(p) for p in sorted(found + broken))  # broken links: each fails
        else:
            sources.append(item)
    return sources, problems


def folder_articles(folder: Path) -> tuple[list[Path], list[Path]]:
    """A folder's article files under it, sorted, and its broken links named like articles
    (listed so that each is reported, not silently skipped)."""
    found, broken = [], []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if p.is_file():
            found.append(p)
        elif p.is_symlink() and not p.exists():
            broken.append(p)
    return found, broken


def read_source(source: str) -> Document:
    """Read one file, web page (http/https URL) or '-' (stdin) into a Document.

    Raises IngestError. HTML files and pages give their main text (trafilatura).
    """
    if source == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise IngestError(
                f"stdin: over the {MAX_BYTES // 2**20} MB limit for one article; "
                "split the text or save it to files"
            )
        return document_from_bytes(data, "stdin")
    from .fetch import Fetcher, fetch_page, is_url

    if is_url(source):
        with Fetcher() as fetcher:
            return fetch_page(source, fetcher)
    path = Path(source)
    if path.is_symlink() and not path.exists():
        raise IngestError(f"{source}: broken symbolic link; point it at an existing file")
    if not path.exists():
        raise IngestError(f"{source}: no such file; check the path")
    if path.is_dir():
        raise IngestError(f"{source}: is a folder; pass it on its own to read every .txt/.md in it")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise IngestError(
            f"{source}: {size / 2**20:.1f} MB is over the {MAX_BYTES // 2**20} MB limit "
            "for one article; split the file"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from None
    return document_from_file(data, source)


def document_from_file(data: bytes, source: str) -> Document:
    """A file's bytes as a Document: a web page (by suffix, or by content when saved as
    .txt, with a warning) gives its main text, anything else is decoded as text."""
    suffix = Path(source).suffix.lower()
    if suffix in HTML_SUFFIXES or looks_like_html(data):
        from .formats import from_html

        doc = from_html(source, data)
        if suffix not in HTML_SUFFIXES:
            doc.warnings.append(
                f"{Path(source).name} holds a web page (HTML), not plain text: its main text "
                "was extracted; name it .html to say so"
            )
        return doc
    return document_from_bytes(data, source)


def looks_like_html(data: bytes) -> bool:
    """A web page saved under another name: a doctype or <html> first, or mostly markup."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in head + data[:65536]:
        return True
    tags = len(HTML_TAG.findall(data[:65536]))
    return tags >= 5 and b"</" in data[:65536] and tags * 40 > min(len(data), 65536)


def document_from_bytes(data: bytes, source: str) -> Document:
    """Decode bytes into a Document, reading front matter (title/published/lang) if present."""
    notes: list[str] = []
    text, encoding = decode(data, source, notes)
    doc = Document(source=source, text=text, encoding=encoding, warnings=notes)
    match = FRONT_MATTER.match(text)
    if match:
        try:
            # BaseLoader: every scalar stays a string, so no int/date constructor can raise
            # on a value like "date: 2025-02-30", and "lang: no" stays "no".
            meta = yaml.load(match.group(1), Loader=yaml.BaseLoader)
        except (yaml.YAMLError, RecursionError):
            meta = None
        if isinstance(meta, dict):
            doc.text = text[match.end() :]
            doc.title = _str_or_none(meta.get("title"))
            doc.published = _str_or_none(meta.get("published") or meta.get("date"))
            doc.lang = _str_or_none(meta.get("lang") or meta.get("language"))
            doc.author = _str_or_none(meta.get("author"))
            doc.outlet = _str_or_none(meta.get("outlet") or meta.get("source"))
            doc.topic = _str_or_none(meta.get("topic"))
    if not doc.text.strip():
        raise IngestError(f"{source}: file is empty; give it the article's text")
    return doc


def decode(data: bytes, source: str, notes: list[str] | None = None) -> tuple[str, str]:
    """Bytes to text: BOMs, then UTF-8 (a few broken sequences replaced, with a note added to
    ``notes``), then a detected legacy encoding (windows-1256 ...)."""
    if not data.strip():
        raise IngestError(f"{source}: file is empty; give it the article's text")
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return _normalize(data.decode(codec)), codec.replace("-sig", "")
            except UnicodeDecodeError:
                raise IngestError(
                    f"{source}: starts with a {codec} byte-order mark but is not {codec}; "
                    "re-save it as UTF-8"
                ) from None
    for magic, what in BINARY_MAGIC:
        if data.startswith(magic):
            raise IngestError(f"{source}: is {what}, not text; give the article as plain text")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{source}: looks binary, not text; give the article as plain text")
    try:
        return _normalize(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    mended = _mostly_utf8(data)
    if mended is not None:
        text, bad = mended
        note = (
            f"{Path(source).name}: {bad} invalid UTF-8 byte sequence(s) shown as \ufffd; "
            "re-save the file as UTF-8 to keep those characters"
        )
        logger.warning("%s", note)
        if notes is not None:
            notes.append(note)
        return _normalize(text), "utf-8"
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(
            f"{source}: not text in any known encoding; re-save the article as UTF-8 text"
        )
    logger.info("%s: decoded as %s", source, best.encoding)
    return _normalize(str(best)), best.encoding


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few broken sequences (a cut-off download, a bad copy): the text with
    each one replaced, and how many. None when most non-ASCII bytes are not UTF-8 at all,
    which is a legacy encoding to detect instead."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return (text, bad) if good >= 20 and bad * 20 <= good else None


def article_id(source: str, text: str, taken: set[str]) -> str:
    """A stable, readable id: the file name's stem, made unique with a content hash."""
    stem = "stdin" if source == "stdin" else Path(source).stem
    base = re.sub(r"[^\w-]+", "-", stem, flags=re.UNICODE).strip("-").lower() or "article"
    candidate = base
    if candidate in taken:
        candidate = f"{base}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:6]}"
    n = 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _normalize(text: str) -> str:
    """Unify newlines and drop a stray BOM; the text is otherwise kept as written."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _str_or_none(value: object) -> str | None:
    """A metadata value as text: strings only (YAML aliases can make lists of millions),
    with lone surrogates from "\\ud800" escapes replaced, since they cannot be UTF-8."""
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8").strip() or None
