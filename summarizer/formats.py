"""From bytes to Documents: decoding, plain text with front matter, web pages, JSON records.

Every way an article arrives ends here: a file's or stdin's bytes, an upload, a paste, a
fetched page. Text is decoded (BOMs, UTF-8, then a detected legacy encoding); web pages go
through trafilatura (main text, title, date); JSON and JSON Lines hold one record per
article. Metadata, wherever it comes from, is read by one mapper (`metadata`). Each problem
is an IngestError with a one-line reason naming the file (and record).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import regex
import yaml
from charset_normalizer import from_bytes

from .fetch import Fetched, Fetcher, FetchError
from .types import MAX_BYTES, Document, IngestError

logger = logging.getLogger("summarizer")

HTML_SUFFIXES = (".html", ".htm")
HTML_TYPES = ("text/html", "application/xhtml+xml")
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
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
TEXT_KEYS = ("text", "content", "body", "article")
# A line of three or more dashes or equals signs separates pasted articles.
SEPARATOR = regex.compile(r"^\s*(?:-{3,}|={3,})\s*$", regex.MULTILINE)


# Metadata fields of a Document and the keys that may give each, first found wins; the same
# in front matter, JSON records and batch manifests ("source" is always the outlet).
META_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "published": ("published", "date"),
    "lang": ("lang", "language"),
    "author": ("author",),
    "outlet": ("outlet", "source"),
    "topic": ("topic",),
    "id": ("id",),
}


def metadata(record: dict[str, Any]) -> dict[str, str]:
    """The Document metadata a mapping gives (front matter, a JSON record, a manifest line):
    text values only, stripped, under the names of `META_KEYS`."""
    out: dict[str, str] = {}
    for name, keys in META_KEYS.items():
        for key in keys:
            value = _str_or_none(record.get(key))
            if value is not None:
                out[name] = value
                break
    return out


def with_metadata(doc: Document, meta: dict[str, Any], override: bool = False) -> Document:
    """``doc`` with ``meta`` set: over what it has (``override``) or only where it has none."""
    for key, value in meta.items():
        text = _str_or_none(value)
        if text and (override or getattr(doc, key) is None):
            setattr(doc, key, text)
    return doc


def split_pasted(text: str, name: str = "pasted") -> list[Document]:
    """Articles pasted into one box, separated by lines of '---' (or '===')."""
    parts = [p.strip() for p in SEPARATOR.split(text or "")]
    parts = [p for p in parts if p]
    many = len(parts) > 1
    return [
        Document(source=f"{name}-{i + 1}" if many else name, text=part)
        for i, part in enumerate(parts)
    ]


def read_upload(name: str, data: bytes) -> tuple[list[Document], list[str]]:
    """The articles in one uploaded file, and a one-line reason for each part that failed."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise IngestError(
            f"{name}: '{suffix or 'no suffix'}' files are not read; upload "
            f"{', '.join(UPLOAD_SUFFIXES)} files"
        )
    if len(data) > MAX_BYTES:
        raise IngestError(
            f"{name}: {len(data) / 2**20:.1f} MB is over the {MAX_BYTES // 2**20} MB limit "
            "for one file; split it"
        )
    if suffix in (".json", ".jsonl"):
        return from_json(name, data, lines=suffix == ".jsonl")
    return [document_from_file(data, name)], []


def from_html(name: str, data: bytes) -> Document:
    """The main text of a saved web page (see `extract_html`)."""
    notes: list[str] = []
    html, encoding = decode(data, name, notes)
    doc = extract_html(html, name, encoding=encoding, fix="save the article itself")
    doc.warnings += notes
    doc.outlet = None  # a saved file's source is where the user filed it (see inputs)
    return doc


def extract_html(
    html: str, source: str, url: str | None = None, encoding: str = "utf-8", fix: str = ""
) -> Document:
    """Main text, title, date, author and site of a page, by trafilatura (navigation, ads and
    comments removed); ``url`` helps it with metadata. Raises IngestError naming ``fix``."""
    import trafilatura

    found = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    meta = found if isinstance(found, dict) else (found.as_dict() if found else {})
    text = (meta.get("text") or "").strip()
    if not text:
        raise IngestError(f"{source}: no article text found in the page; {fix}")
    return Document(
        source=source,
        text=text,
        title=_str_or_none(meta.get("title")),
        published=_str_or_none(meta.get("date")),
        encoding=encoding,
        author=_str_or_none(meta.get("author")),
        outlet=_str_or_none(meta.get("sitename")),
    )


def from_json(name: str, data: bytes, lines: bool) -> tuple[list[Document], list[str]]:
    """Records with a text field, an optional url (where it came from) and the metadata of
    `META_KEYS`."""
    raw, _ = decode(data, name)
    records: list[tuple[str, Any]] = []
    problems: list[str] = []
    if lines:
        for number, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((f"{name}:{number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(f"{name}:{number}: not valid JSON ({exc.msg}); fix that line")
    else:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}); fix the file"
            ) from None
        items = value if isinstance(value, list) else [value]
        many = len(items) > 1
        records = [(f"{name}[{i}]" if many else name, item) for i, item in enumerate(items)]
    docs: list[Document] = []
    for where, record in records:
        text = _record_text(record)
        if text is None:
            problems.append(
                f"{where}: no article text; give each record a '{TEXT_KEYS[0]}' field "
                f"(or one of {', '.join(TEXT_KEYS[1:])})"
            )
            continue
        doc = Document(source=_str_or_none(record.get("url")) or where, text=text)
        docs.append(with_metadata(doc, metadata(record), override=True))
    if not docs and not problems:
        problems.append(f"{name}: holds no records; give it one article per record")
    return docs, problems


def document_from_file(data: bytes, source: str) -> Document:
    """A file's bytes as a Document: a web page (by suffix, or by content when saved as
    .txt, with a warning) gives its main text, anything else is decoded as text."""
    suffix = Path(source).suffix.lower()
    if suffix in HTML_SUFFIXES or looks_like_html(data):
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
            with_metadata(doc, metadata(meta), override=True)
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


def fetch_page(url: str, fetcher: Fetcher) -> Document:
    """An article from the web: main text and metadata via trafilatura, or plain text as is."""
    got = fetcher.get(url)
    if not got.content.strip():
        raise FetchError(f"{url}: the page is empty; check the address")
    text, encoding = _decode(got, url)
    host = urlsplit(got.url).hostname
    html = got.content_type in HTML_TYPES or (got.content_type is None and text.lstrip()[:1] == "<")
    if not html:
        return Document(source=url, text=text.strip(), encoding=encoding, outlet=host)
    fix = "pass the article's own address or its text"
    doc = extract_html(text, url, url=got.url, encoding=encoding, fix=fix)
    doc.outlet = doc.outlet or host
    return doc


def _decode(got: Fetched, url: str) -> tuple[str, str]:
    """Text in the charset the server declared, else as ingest.decode detects it."""
    if got.encoding:
        try:
            text = got.content.decode(got.encoding)
            return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), got.encoding
        except (LookupError, UnicodeDecodeError):
            logger.info("%s: not valid %s as declared; detecting its encoding", url, got.encoding)
    return decode(got.content, url)


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


def _record_text(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    for key in TEXT_KEYS:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _normalize(text: str) -> str:
    """Unify newlines and drop a stray BOM; the text is otherwise kept as written."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _str_or_none(value: object) -> str | None:
    """A metadata value as text: strings and numbers only (YAML aliases can make lists of
    millions), with lone surrogates from "\\ud800" escapes replaced, since they cannot be
    UTF-8."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8").strip() or None
