"""Articles from what people paste or upload: plain text, Markdown, web pages, JSON records.

Web pages go through trafilatura (main text, title, date); JSON and JSON Lines hold one
record per article with a text field. Each problem is a one-line reason naming the file
(and record), never an exception that stops the other articles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import regex

from .ingest import (
    MAX_BYTES,
    Document,
    IngestError,
    decode,
    document_from_file,
)

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
TEXT_KEYS = ("text", "content", "body", "article")
# A line of three or more dashes or equals signs separates pasted articles.
SEPARATOR = regex.compile(r"^\s*(?:-{3,}|={3,})\s*$", regex.MULTILINE)


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
        title=_text(meta.get("title")),
        published=_text(meta.get("date")),
        encoding=encoding,
        author=_text(meta.get("author")),
        outlet=_text(meta.get("sitename")),
    )


def from_json(name: str, data: bytes, lines: bool) -> tuple[list[Document], list[str]]:
    """Records with a text field (and optional title, published, lang, id, url)."""
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
        docs.append(
            Document(
                source=_text(record.get("url") or record.get("source")) or where,
                text=text,
                title=_text(record.get("title")),
                published=_text(record.get("published") or record.get("date")),
                lang=_text(record.get("lang") or record.get("language")),
                id=_text(record.get("id")),
            )
        )
    if not docs and not problems:
        problems.append(f"{name}: holds no records; give it one article per record")
    return docs, problems


def _record_text(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    for key in TEXT_KEYS:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None
