"""From bytes to Documents: decoding, plain text with front matter, web pages, JSON records.

Every way an article arrives ends here: a file's or stdin's bytes, an upload, a paste, a
fetched page. Text is decoded (BOMs, UTF-8, then a detected legacy encoding; whatever was
guessed says so in a warning); web pages, also ones saved or served as plain text, go
through trafilatura (main text, title, date); JSON and JSON Lines hold one record per
article. Metadata, wherever it comes from, is read by one mapper (`metadata`) and bounded
in length (`bound_metadata`). Each problem is an IngestError with a one-line reason naming
the file (and record).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import regex
import yaml
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from .fetch import Fetcher, FetchError
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
    r"</?(?:html|head|body|div|p|span|a|article|section|nav|br|h[1-6]|ul|li)\b", re.I
)
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
TEXT_KEYS = ("text", "content", "body", "article")
# A line of three or more dashes or equals signs separates pasted articles.
SEPARATOR = regex.compile(r"^\s*(?:-{3,}|={3,})\s*$", regex.MULTILINE)
# A UTF-7 shift sequence ("+ADw-" is "<"): "+", base64 letters, an optional "-".
UTF7_RUN = re.compile(r"\+([A-Za-z0-9+/]{2,})(-?)")
# Characters no real text is made of: controls (but tab, newline, carriage return, form
# feed), unassigned, private-use and surrogate code points.
JUNK = frozenset(("Cc", "Cn", "Co", "Cs"))
COMMON = regex.compile(r"[\p{Common}\p{Inherited}]")
# Scripts one language writes together (Japanese: kanji and kana), as Unicode names start.
SCRIPT_KIN = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK", "IDEOGRAPHIC": "CJK"}
SAMPLE = 65536  # bytes (or characters) looked at to guess an encoding or a mess

# The most characters each metadata field keeps: a title is a headline, an outlet or author
# a name. Anything longer is cut at a word (with "…") and a warning says so, wherever it
# comes from (front matter, JSON, a manifest, a feed, a page's <title>), so one
# megabyte-long title cannot be repeated through a digest.
META_LIMITS: dict[str, int] = {
    "title": 300,
    "author": 200,
    "outlet": 200,
    "topic": 200,
    "id": 200,
    "published": 100,
    "lang": 50,
}


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
    return bound_metadata(doc)


def bound_metadata(doc: Document) -> Document:
    """``doc`` with each metadata field over its `META_LIMITS` length cut at a word, with
    a warning: a field is a line, never an article's worth of text."""
    for key, limit in META_LIMITS.items():
        value = getattr(doc, key)
        if value is None or len(value) <= limit:
            continue
        setattr(doc, key, _cut(value, limit))
        note = (
            f"its {key} was {len(value):,} characters long; cut at a word to {limit} "
            "characters (the most kept)"
        )
        logger.warning("%s: %s", doc.source, note)
        doc.warnings.append(note)
    return doc


def _cut(value: str, limit: int) -> str:
    """``value`` in at most ``limit`` characters, on one line: cut at the last space in the
    second half of the allowance (else mid-word), with "…" to show it was cut."""
    head = " ".join(value[: limit * 2].split())[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"


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
    doc = Document(
        source=source,
        text=text,
        title=_str_or_none(meta.get("title")),
        published=_str_or_none(meta.get("date")),
        encoding=encoding,
        author=_str_or_none(meta.get("author")),
        outlet=_str_or_none(meta.get("sitename")),
    )
    return bound_metadata(doc)


def from_json(name: str, data: bytes, lines: bool) -> tuple[list[Document], list[str]]:
    """Records with a text field, an optional url (where it came from) and the metadata of
    `META_KEYS`; what decoding the file guessed is a warning on each record's Document."""
    notes: list[str] = []
    raw, _ = decode(data, name, notes)
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
        try:
            refuse_nul(text, where)
        except IngestError as exc:
            problems.append(str(exc))
            continue
        doc = Document(source=_str_or_none(record.get("url")) or where, text=text)
        doc.warnings += notes
        docs.append(with_metadata(doc, metadata(record), override=True))
    if not docs and not problems:
        problems.append(f"{name}: holds no records; give it one article per record")
    return docs, problems


def document_from_file(data: bytes, source: str) -> Document:
    """A file's bytes as a Document: a web page (by suffix, or by content when saved as
    .txt, with a warning) gives its main text, anything else is decoded as text."""
    html = Path(source).suffix.lower() in HTML_SUFFIXES
    name = Path(source).name
    return _read(
        data,
        source,
        html=html,
        mislabelled=f"{name} holds a web page (HTML), not plain text: its main text was "
        "extracted; name it .html to say so",
        fix="save the article itself",
    )


def looks_like_html(text: str) -> bool:
    """A web page saved or served as something else: a doctype or <html> first, or mostly
    markup. Looks at the decoded text, so a UTF-16 page is seen as one too."""
    sample = text[:SAMPLE]
    head = sample[:4096].lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<?xml")) and "<html" in sample.lower():
        return True
    if head.startswith("<html"):
        return True
    tags = len(HTML_TAG.findall(sample))
    return tags >= 5 and "</" in sample and tags * 40 > len(sample)


def document_from_bytes(data: bytes, source: str) -> Document:
    """Decode bytes into a Document, reading front matter (title/published/lang) if present."""
    notes: list[str] = []
    text, encoding = decode(data, source, notes)
    return _from_text(text, source, encoding, notes)


def _read(
    data: bytes,
    source: str,
    html: bool,
    declared: str | None = None,
    url: str | None = None,
    mislabelled: str = "",
    fix: str = "",
) -> Document:
    """The one way bytes become a Document, for files and fetched pages alike: decoded
    (``declared``: the server's charset), then a web page's main text when ``html`` says
    it is one or its content plainly is (with the ``mislabelled`` warning), else text."""
    notes: list[str] = []
    text, encoding = decode(data, source, notes, declared=declared)
    if not html and looks_like_html(text):
        _note(notes, mislabelled)
        html = True
    if not html:
        return _from_text(text, source, encoding, notes)
    doc = extract_html(text, source, url=url, encoding=encoding, fix=fix)
    doc.warnings[:0] = notes
    if url is None:
        doc.outlet = None  # a saved file's source is where the user filed it (see inputs)
    return doc


def _from_text(text: str, source: str, encoding: str, notes: list[str]) -> Document:
    """Decoded text as a Document, its front matter (title, published, lang ...) read."""
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


def refuse_nul(text: str, source: str) -> None:
    """Raise IngestError when ``text`` holds a NUL character anywhere: no article has one,
    and a binary file decodes to them (checked over the whole text, not a first part)."""
    at = text.find("\x00")
    if at >= 0:
        raise IngestError(
            f"{source}: looks binary, not text (a NUL character at character {at:,}); "
            "give the article as plain text"
        )


def decode(
    data: bytes, source: str, notes: list[str] | None = None, declared: str | None = None
) -> tuple[str, str]:
    """Bytes to text: a BOM; UTF-16 without one (by its zero bytes); the server's
    ``declared`` charset unless the bytes plainly are another; UTF-8 (UTF-7 sequences and
    a few broken sequences noted); then a detected legacy encoding (windows-1256 ...).
    Whatever was guessed is a note in ``notes`` (and a logged warning) naming the encoding
    used. NUL bytes anywhere, and files of known binary formats, are refused."""
    notes = notes if notes is not None else []
    if not data.strip():
        raise IngestError(f"{source}: file is empty; give it the article's text")
    text, encoding = _decode_bytes(data, source, notes, declared)
    refuse_nul(text, source)
    return _normalize(text), encoding


def _decode_bytes(
    data: bytes, source: str, notes: list[str], declared: str | None
) -> tuple[str, str]:
    """`decode` before newlines are unified: the text and the encoding used."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "")
            except UnicodeDecodeError:
                raise IngestError(
                    f"{source}: starts with a {codec} byte-order mark but is not {codec}; "
                    "re-save it as UTF-8"
                ) from None
    for magic, what in BINARY_MAGIC:
        if data.startswith(magic):
            raise IngestError(f"{source}: is {what}, not text; give the article as plain text")
    label = _label(source)
    utf16 = _utf16(data)
    if utf16 is not None:
        text, codec = utf16
        _note(notes, f"{label}: no byte-order mark; read as {codec.upper()} by its pattern of "
              "zero bytes (a guess); re-save it as UTF-8")  # fmt: skip
        return text, codec
    at = data.find(b"\x00")
    if at >= 0:
        raise IngestError(
            f"{source}: looks binary, not text (a NUL byte at byte {at:,}); give the article "
            "as plain text"
        )
    if declared:
        text = _declared(data, source, notes, declared)
        if text is not None:
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _utf7(text, label, notes), "utf-8"
    mended = _mostly_utf8(data)
    if mended is not None:
        text, bad = mended
        _note(notes, f"{label}: {bad} invalid UTF-8 byte sequence(s) shown as \ufffd; "
              "re-save the file as UTF-8 to keep those characters")  # fmt: skip
        return text, "utf-8"
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(
            f"{source}: not text in any known encoding; re-save the article as UTF-8 text"
        )
    _note(notes, f"{label}: not UTF-8; read as {best.encoding} (detected, a guess); "
          "re-save it as UTF-8 if the text looks wrong")  # fmt: skip
    return str(best), best.encoding


def _declared(data: bytes, source: str, notes: list[str], declared: str) -> tuple[str, str] | None:
    """The text in the charset a server declared, unless that is not the page's: invalid
    in it (None: detect instead), or mojibake where the bytes are valid UTF-8 or
    charset-normalizer reads them far more cleanly (that reading, with a note)."""
    label = _label(source)
    try:
        text = data.decode(declared)
    except (LookupError, UnicodeDecodeError):
        if _codec(declared) == "utf-8":  # a few broken sequences are noted as such
            logger.info("%s: not valid %s as declared; detecting its encoding", source, declared)
        else:
            _note(notes, f"{label}: the server declared charset={declared}, but the page is "
                  "not valid in it; its encoding was detected instead")  # fmt: skip
        return None
    if data.isascii() and _codec(declared) != "utf-7":
        return _utf7(text, label, notes), declared
    if _codec(declared) in ("utf-8", "utf-7"):
        return text, declared
    ignored = f"{label}: the server declared charset={declared}, but the page is"
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # non-ASCII bytes that are valid UTF-8: Latin-1 text almost never is
        _note(notes, f"{ignored} UTF-8; read as UTF-8, the declared charset ignored")
        return utf8, "utf-8"
    declared_mess = mess_ratio(text[:SAMPLE])
    if declared_mess < 0.2:
        return text, declared
    best = from_bytes(data).best()
    if best is None or best.encoding is None or _codec(best.encoding) == _codec(declared):
        return text, declared
    if best.chaos * 4 > declared_mess:
        return text, declared
    _note(notes, f"{ignored} {best.encoding} (detected, a guess); read as {best.encoding}, "
          "the declared charset ignored")  # fmt: skip
    return str(best), best.encoding


def _utf16(data: bytes) -> tuple[str, str] | None:
    """Text in UTF-16 without a byte-order mark, and its codec: zero bytes at one parity of
    position only (the high bytes of Latin letters, digits and spaces), the whole decoding
    cleanly into real characters. None for anything else (a binary file has zeros at
    both parities)."""
    sample = data[:SAMPLE]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    zeros, other = max(even, odd), min(even, odd)
    if zeros < max(2, len(sample) // 40) or other * 50 > zeros:
        return None
    codec = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[: len(data) - len(data) % 2].decode(codec)
    except UnicodeDecodeError:
        return None
    head = text[:SAMPLE]
    junk = sum(1 for ch in head if _junk(ch))
    spaced = any(ch.isspace() for ch in head)
    return (text, codec) if spaced and junk * 200 <= len(head) else None


def _utf7(text: str, label: str, notes: list[str]) -> str:
    """ASCII text that is UTF-7 ("+ADw-" for "<", "+BkQGJw-" for Arabic): decoded, with a
    note. Two or more sequences that decode to real characters of one script (never to
    ASCII letters or digits, which UTF-7 writes as they are) make it UTF-7; a single one
    is only noted, the text kept as written."""
    if "+" not in text or not text.isascii():
        return text
    runs = list(UTF7_RUN.finditer(text))
    good = [m for m in runs if _utf7_run(m.group(1)) is not None]
    if not good:
        return text
    first = good[0]
    if len(good) == 1:
        _note(notes, f"{label}: '{first.group(0)}' may be UTF-7 (it would read "
              f"'{_utf7_run(first.group(1))}'); kept as written; re-save the file as UTF-8 "
              "if it was UTF-7")  # fmt: skip
        return text
    if len(good) * 2 < len(runs):
        return text

    def plain(match: re.Match[str]) -> str:
        return _utf7_run(match.group(1)) or match.group(0)

    _note(notes, f"{label}: read as UTF-7 ({len(good)} '+...-' sequences such as "
          f"'{first.group(0)}' decoded; a guess); re-save it as UTF-8")  # fmt: skip
    return UTF7_RUN.sub(plain, text).replace("+-", "+")


def _utf7_run(run: str) -> str | None:
    """What one UTF-7 shift sequence's base64 reads as, when it is real text: characters
    that are not ASCII letters or digits, no junk, letters of a single script."""
    try:
        chars = f"+{run}-".encode("ascii").decode("utf-7")
    except UnicodeDecodeError:
        return None
    if not chars or any(_junk(ch) or (ch.isascii() and ch.isalnum()) for ch in chars):
        return None
    scripts = {_script(ch) for ch in chars if not COMMON.match(ch)}
    return chars if len(scripts) <= 1 else None


def _script(ch: str) -> str:
    """A letter's script, roughly: the first word of its Unicode name (ARABIC, CJK ...)."""
    word = re.split(r"[ -]", unicodedata.name(ch, "?"), maxsplit=1)[0]
    return SCRIPT_KIN.get(word, word)


def _junk(ch: str) -> bool:
    return ch not in "\t\n\r\f" and unicodedata.category(ch) in JUNK


def _codec(name: str) -> str:
    """An encoding's canonical name (iso8859-1 for latin1 ...), to compare two names."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _label(source: str) -> str:
    """How a note names its input: a web address whole, a file by its name."""
    return source if "://" in source else Path(source).name


def _note(notes: list[str], note: str) -> None:
    """A warning about what reading an input guessed or changed: logged, and kept for the
    Document's warnings."""
    logger.warning("%s", note)
    notes.append(note)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few broken sequences (a cut-off download, a bad copy): the text with
    each one replaced, and how many. None when most non-ASCII bytes are not UTF-8 at all,
    which is a legacy encoding to detect instead."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return (text, bad) if good >= 20 and bad * 20 <= good else None


def fetch_page(url: str, fetcher: Fetcher) -> Document:
    """An article from the web: main text and metadata via trafilatura, or plain text as is.
    A page served as text/plain (or any type but HTML) that plainly is HTML is read as a
    page, with a warning, as a web page saved as .txt is."""
    got = fetcher.get(url)
    if not got.content.strip():
        raise FetchError(f"{url}: the page is empty; check the address")
    html = got.content_type in HTML_TYPES or (
        got.content_type is None and got.content.lstrip()[:1] == b"<"
    )
    served = got.content_type or "no type"
    doc = _read(
        got.content,
        url,
        html=html,
        declared=got.encoding,
        url=got.url,
        mislabelled=f"{url} is served as {served} but holds a web page (HTML): its main "
        "text was extracted",
        fix="pass the article's own address or its text",
    )
    doc.outlet = doc.outlet or urlsplit(got.url).hostname
    doc.text = doc.text.strip()
    return doc


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
