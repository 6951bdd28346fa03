"""Hostile input while reading: guessed encodings, NUL bytes, mislabelled pages, huge
metadata, huge feeds and layouts that feed a run its own digests.

Issue 17's "weak" reading cases, each with its defined outcome: read with a warning that
says what was guessed or changed, or refused with one line. No models run here: reading
(formats, inputs) is called directly, web cases against a local HTTP server.
"""

from __future__ import annotations

import codecs
import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from summarizer import cli, pipeline
from summarizer.batch import BatchOptions, run_batch
from summarizer.clean import clean
from summarizer.fetch import FeedEntry, Fetcher, FetchSettings
from summarizer.formats import (
    META_LIMITS,
    document_from_bytes,
    fetch_page,
    read_upload,
    with_metadata,
)
from summarizer.inputs import documents, expand_inputs, newest, plan, read_source
from summarizer.render import render
from summarizer.types import (
    MAX_FEED_ENTRIES,
    Article,
    Digest,
    Document,
    Failure,
    IngestError,
    Options,
    Result,
    Segment,
)

ENGLISH = (
    "The library opened on Monday. Visitors queued for an hour before the doors opened.\n\n"
    "The mayor said the building would stay open late every Thursday.\n"
)
ARABIC = (
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة في وسط المدينة القديمة. "
    "وتضم المكتبة أكثر من عشرين ألف كتاب باللغتين العربية والإنجليزية.\n\n"
    "وقال مدير المشروع إن القاعة الكبرى ستستقبل الطلاب مجاناً طوال أيام الأسبوع. "
    "ومن المتوقع أن تفتح المكتبة أبوابها للجمهور في بداية الشهر المقبل.\n"
)
GERMAN = "Grüße aus Köln: Die Brücke über den Rhein ist wieder für Fußgänger geöffnet.\n"
PAGE = (
    "<!DOCTYPE html><html><head><title>Library opens downtown</title></head><body>"
    "<nav><a href='/'>Home</a> | <a href='/city'>City</a></nav><article>"
    "<h1>Library opens downtown</h1>"
    + "".join(f"<p>{p}</p>" for p in ENGLISH.split("\n\n"))
    + "</article><footer>© 2026 Example News</footer></body></html>"
)
FAST = FetchSettings(timeout=(2.0, 2.0), retries=0, backoff=0.0)
SEVERAL = 1200  # feed entries in the big feed: over MAX_FEED_ENTRIES, quick to parse


def read(tmp_path: Path, name: str, data: bytes) -> Document:
    path = tmp_path / name
    path.write_bytes(data)
    return read_source(str(path))


def refused(tmp_path: Path, name: str, data: bytes, match: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError, match=match) as info:
        read_source(str(path))
    message = str(info.value)
    assert "\n" not in message and name in message
    return message


def _rss(count: int, now: datetime) -> bytes:
    """An RSS feed of ``count`` links, listed oldest first: entry i is i hours old,
    counting back from the last one; the last two are undated."""
    items = []
    for i in range(count):
        age = count - 1 - i
        date = f"<pubDate>{format_datetime(now - timedelta(hours=age), usegmt=True)}</pubDate>"
        items.append(
            f"<item><title>Entry {i}</title><link>BASE/a/{i}.html</link>"
            f"{date if i < count - 2 else ''}</item>"
        )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Big</title>"
        f"<link>BASE/</link>{''.join(items)}</channel></rss>"
    ).encode()


ROUTES: dict[str, tuple[bytes, str]] = {
    "/page-as-text": (PAGE.encode(), "text/plain; charset=utf-8"),
    "/page-no-type": (PAGE.encode(), ""),
    "/plain": (ENGLISH.encode(), "text/plain; charset=utf-8"),
    "/arabic-utf8-says-latin1": (ARABIC.encode(), "text/plain; charset=iso-8859-1"),
    "/arabic-page-says-latin1": (
        "<html><body><article><h1>مكتبة</h1>"
        f"{''.join(f'<p>{p}</p>' for p in ARABIC.split(chr(10) * 2))}"
        "</article></body></html>".encode(),
        "text/html; charset=ISO-8859-1",
    ),
    "/arabic-1256-says-latin1": (ARABIC.encode("cp1256"), "text/plain; charset=iso-8859-1"),
    "/german-latin1": (GERMAN.encode("latin-1"), "text/plain; charset=iso-8859-1"),
    "/nul-late": (ENGLISH.encode() * 200 + b"\x00" + ENGLISH.encode(), "text/plain; charset=utf-8"),
}


class Handler(BaseHTTPRequestHandler):
    """Serves `ROUTES` as given (a wrong charset, a wrong type) and the big feed."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        base = f"http://127.0.0.1:{self.server.server_port}"
        if path == "/big.xml":
            body, kind = _rss(SEVERAL, datetime.now(timezone.utc)), "application/rss+xml"
            body = body.replace(b"BASE", base.encode())
        elif path in ROUTES:
            body, kind = ROUTES[path]
        else:
            body, kind = b"not here", "text/plain"
        self.send_response(200 if path in ROUTES or path == "/big.xml" else 404)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f


# --- 1. decoding that guesses says so ----------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [ENGLISH, ARABIC], ids=["english", "arabic"])
def test_utf16_without_bom_is_read_with_a_warning(tmp_path: Path, codec: str, text: str) -> None:
    doc = read(tmp_path, "wide.txt", text.encode(codec))
    assert doc.text == text
    assert doc.encoding == codec
    (warning,) = doc.warnings
    assert f"read as {codec.upper()}" in warning and "a guess" in warning
    assert "re-save it as UTF-8" in warning


def test_utf16_with_bom_is_no_guess(tmp_path: Path) -> None:
    doc = read(tmp_path, "bom.txt", ARABIC.encode("utf-16"))
    assert doc.text == ARABIC and doc.warnings == []


def test_binary_with_zero_bytes_at_both_parities_is_still_refused(tmp_path: Path) -> None:
    refused(tmp_path, "blob.txt", bytes(range(256)) * 40, r"looks binary, not text")


def test_utf7_is_decoded_with_a_warning(tmp_path: Path) -> None:
    doc = read(tmp_path, "seven.txt", codecs.encode(ARABIC, "utf-7"))
    assert doc.text == ARABIC
    (warning,) = doc.warnings
    assert "read as UTF-7" in warning and "a guess" in warning
    markup = read(tmp_path, "xss.txt", b"Hello +ADw-script+AD4-alert(1)+ADw-/script+AD4- there")
    assert markup.text == "Hello <script>alert(1)</script> there"  # text, escaped when shown
    assert "read as UTF-7" in markup.warnings[0]


def test_one_utf7_like_sequence_is_only_noted(tmp_path: Path) -> None:
    doc = read(tmp_path, "cafe.txt", b"Caf+AOk- au lait is served all day.\n")
    assert doc.text == "Caf+AOk- au lait is served all day.\n"
    (warning,) = doc.warnings
    assert "'+AOk-' may be UTF-7" in warning and "'é'" in warning and "kept as written" in warning


def test_plus_signs_in_plain_text_are_not_utf7(tmp_path: Path) -> None:
    text = "Call +44 20 7946 0000 or +Facebook; C++ and a+b; +Yes- was the answer.\n"
    doc = read(tmp_path, "plus.txt", text.encode())
    assert doc.text == text
    assert not [w for w in doc.warnings if "UTF-7" in w and "read as" in w]


def test_a_detected_legacy_encoding_is_named_in_a_warning(tmp_path: Path) -> None:
    doc = read(tmp_path, "ar.txt", ARABIC.encode("cp1256"))
    assert doc.text == ARABIC
    (warning,) = doc.warnings
    assert f"read as {doc.encoding} (detected, a guess)" in warning
    assert "1256" in doc.encoding


def test_json_records_carry_the_guess(tmp_path: Path) -> None:
    data = json.dumps([{"text": ARABIC}], ensure_ascii=False).encode("cp1256")
    (doc,), problems = read_upload("ar.json", data)
    assert problems == [] and doc.text == ARABIC
    assert any("(detected, a guess)" in w for w in doc.warnings)


def test_wrong_declared_charset_on_utf8_arabic(site: str, fetcher: Fetcher) -> None:
    doc = fetch_page(f"{site}/arabic-utf8-says-latin1", fetcher)
    assert doc.text == ARABIC.strip() and doc.encoding == "utf-8"
    (warning,) = doc.warnings
    assert "declared charset=iso-8859-1, but the page is UTF-8" in warning
    assert "declared charset ignored" in warning
    # As a page, too: the article survives cleaning instead of being refused as boilerplate.
    page = fetch_page(f"{site}/arabic-page-says-latin1", fetcher)
    assert "مكتبة عامة جديدة" in page.text
    assert clean(page.text, "ar").paragraphs
    assert any("declared charset=iso-8859-1" in w for w in page.warnings)


def test_wrong_declared_charset_on_legacy_arabic(site: str, fetcher: Fetcher) -> None:
    doc = fetch_page(f"{site}/arabic-1256-says-latin1", fetcher)
    assert doc.text == ARABIC.strip()
    (warning,) = doc.warnings
    assert f"but the page is {doc.encoding} (detected, a guess)" in warning


def test_a_right_declared_charset_is_kept_silently(site: str, fetcher: Fetcher) -> None:
    doc = fetch_page(f"{site}/german-latin1", fetcher)
    assert doc.text == GERMAN.strip()
    assert doc.encoding == "iso-8859-1" and doc.warnings == []


# --- 2. NUL bytes anywhere ----------------------------------------------------------------


def test_nul_after_the_first_8_kb_is_refused(tmp_path: Path) -> None:
    data = ENGLISH.encode() * 200
    assert len(data) > 8192
    message = refused(tmp_path, "late.txt", data + b"\x00" + data, r"looks binary, not text")
    assert f"at byte {len(data):,}" in message


def test_nul_in_a_fetched_page_with_a_declared_charset_is_refused(
    site: str, fetcher: Fetcher
) -> None:
    with pytest.raises(IngestError, match=r"/nul-late: looks binary, not text \(a NUL byte"):
        fetch_page(f"{site}/nul-late", fetcher)


def test_nul_characters_are_refused_however_they_come(tmp_path: Path) -> None:
    text = ENGLISH * 200 + "\x00" + ENGLISH
    refused(tmp_path, "bom16.txt", text.encode("utf-16"), r"a NUL character at character")
    _, problems = read_upload("nul.json", json.dumps([{"text": text}]).encode())
    assert len(problems) == 1 and "nul.json: looks binary, not text" in problems[0]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"text": text}) + "\n", encoding="utf-8")
    with Fetcher(FAST) as fetcher:
        (got,) = documents(plan([str(manifest)], None, None, fetcher), None, fetcher)
    assert isinstance(got, Failure) and "m.jsonl:1: looks binary, not text" in got.error


# --- 3. a web page served as text/plain ---------------------------------------------------


def test_page_served_as_text_plain_is_extracted_like_a_txt_page(
    tmp_path: Path, site: str, fetcher: Fetcher
) -> None:
    served = fetch_page(f"{site}/page-as-text", fetcher)
    saved = read(tmp_path, "page.txt", PAGE.encode())
    for doc in (served, saved):
        assert "<" not in doc.text and "Visitors queued" in doc.text
        assert "Home" not in doc.text.split()
        assert doc.title == "Library opens downtown"
    (warning,) = served.warnings
    assert "is served as text/plain but holds a web page (HTML)" in warning
    assert "main text was extracted" in warning
    (warning,) = saved.warnings
    assert "page.txt holds a web page (HTML)" in warning


def test_plain_text_served_as_text_plain_stays_text(site: str, fetcher: Fetcher) -> None:
    doc = fetch_page(f"{site}/plain", fetcher)
    assert doc.text == ENGLISH.strip() and doc.warnings == []
    untyped = fetch_page(f"{site}/page-no-type", fetcher)  # no type, starts with "<": a page
    assert "Visitors queued" in untyped.text and untyped.warnings == []


# --- 4. huge metadata -------------------------------------------------------------------

HUGE = "Headline " * 120_000  # about 1 MB


def _bounded(doc: Document, field: str = "title") -> None:
    value = getattr(doc, field)
    assert value is not None and len(value) <= META_LIMITS[field] and value.endswith("…")
    assert "  " not in value and not value[:-1].endswith(" ")
    assert any(w.startswith(f"its {field} was ") and "cut at a word" in w for w in doc.warnings)


def test_a_huge_front_matter_title_is_cut_with_a_warning() -> None:
    data = f"---\ntitle: {HUGE}\nauthor: {'Name ' * 1000}\n---\n{ENGLISH}".encode()
    doc = document_from_bytes(data, "a.txt")
    _bounded(doc, "title")
    _bounded(doc, "author")
    assert doc.text == ENGLISH


def test_huge_metadata_is_cut_wherever_it_comes_from(tmp_path: Path) -> None:
    record = {"text": ENGLISH, "title": HUGE, "source": "Outlet " * 500, "topic": "t" * 5000}
    (doc,), _ = read_upload("a.json", json.dumps(record).encode())
    _bounded(doc, "title")
    _bounded(doc, "outlet")
    assert doc.topic is not None and len(doc.topic) <= META_LIMITS["topic"]
    titled = PAGE.replace("<h1>Library opens downtown</h1>", "")
    titled = titled.replace("Library opens downtown</title>", f"{HUGE}</title>")
    page = read(tmp_path, "p.html", titled.encode())
    _bounded(page, "title")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"text": ENGLISH, "title": HUGE}) + "\n", encoding="utf-8")
    with Fetcher(FAST) as fetcher:
        (from_manifest,) = documents(plan([str(manifest)], None, None, fetcher), None, fetcher)
    _bounded(from_manifest, "title")
    # a feed entry's title reaches its page's Document the same way (inputs.documents)
    _bounded(with_metadata(Document("https://example.org/a", ENGLISH), {"title": HUGE}))


def test_a_huge_first_line_is_never_the_title() -> None:
    cleaned = clean(" ".join(["Headline"] * 20_000) + "\n\n" + ENGLISH, "en")
    assert cleaned.title is None or len(cleaned.title) <= META_LIMITS["title"]


# --- 5. a feed of thousands of links ----------------------------------------------------


def test_a_huge_feed_is_cut_to_its_newest_entries_with_one_warning(
    site: str, fetcher: Fetcher, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{site}/big.xml\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        planned = plan([], str(feeds), None, fetcher)
    urls = [payload[0] for kind, payload in planned.steps if kind == "url"]
    assert len(urls) == planned.total == MAX_FEED_ENTRIES
    # entry i is older the smaller i is; the two undated ones come last
    expected = [f"{site}/a/{i}.html" for i in range(SEVERAL - 2 - MAX_FEED_ENTRIES, SEVERAL - 2)]
    assert urls == expected
    (line,) = [r.getMessage() for r in caplog.records if "big.xml" in r.getMessage()]
    assert f"lists {SEVERAL} entries; reading the newest {MAX_FEED_ENTRIES}" in line
    assert f"leaving out {SEVERAL - MAX_FEED_ENTRIES}" in line and "--max-feed-entries" in line
    more = plan([], str(feeds), None, fetcher, max_feed_entries=SEVERAL)
    assert more.total == SEVERAL


def test_newest_keeps_the_feed_order_and_undated_entries_last() -> None:
    entries = [
        FeedEntry("https://e.org/old", published="2026-01-01T00:00:00+00:00"),
        FeedEntry("https://e.org/undated"),
        FeedEntry("https://e.org/new", published="2026-03-01T00:00:00+00:00"),
        FeedEntry("https://e.org/mid", published="2026-02-01T00:00:00+00:00"),
    ]
    assert [e.url for e in newest(entries, 2, "f")] == ["https://e.org/new", "https://e.org/mid"]
    assert newest(entries, 4, "f") == entries
    kept = newest(entries, 3, "f")
    assert [e.url.rsplit("/", 1)[1] for e in kept] == ["old", "new", "mid"]


def test_the_feed_limit_is_a_batch_flag() -> None:
    args = cli._parser().parse_args(["batch", "--out", "x", "--max-feed-entries", "2000"])
    assert args.max_feed_entries == 2000
    default = cli._parser().parse_args(["batch", "--out", "x"])
    assert default.max_feed_entries == MAX_FEED_ENTRIES == BatchOptions(Path("x")).max_feed_entries
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["batch", "--out", "x", "--max-feed-entries", "0"])


# --- 6. layouts that feed on themselves -----------------------------------------------


def _our_digest() -> Result:
    """A small Result as a run would give it, to render as our tool's own outputs."""
    segment = Segment(ENGLISH.split(".")[0] + ".", "The library opened.", 0, 0, 29)
    article = Article(
        id="library", source="in/library.txt", title="Library opens", title_translation=None,
        published="2026-01-02", language="en", language_confidence=1.0,
        original=ENGLISH, translation=ENGLISH, segments=[segment], brief="It opened.",
    )  # fmt: skip
    return Result(articles=[article], digest=Digest(text=""), failed=[], models={})


def _articles(folder: Path) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "sub" / "b.md").write_text(f"# Digest\n\n{ENGLISH}", encoding="utf-8")  # ours? no


def test_summarize_output_inside_the_input_folder_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "in"
    _articles(folder)
    (folder / "digest.md").write_text("anything at all\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        sources, problems = expand_inputs([str(folder)], [str(folder / "digest.md")])
    assert problems == []
    assert [Path(s).relative_to(folder).as_posix() for s in sources] == ["a.txt", "sub/b.md"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert "1 file(s) in this run's own output (digest.md)" in line
    assert "keep -o/--out outside the input folders" in line


def test_digests_an_earlier_run_wrote_are_recognised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "in"
    _articles(folder)
    result = _our_digest()
    (folder / "monday.md").write_text(render(result, "md"), encoding="utf-8")
    (folder / "monday.html").write_text(render(result, "html"), encoding="utf-8")
    (folder / "monday.txt").write_text(render(result, "md"), encoding="utf-8")  # -o x.txt: md
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        sources, problems = expand_inputs([str(folder)])
    assert problems == []
    assert [Path(s).relative_to(folder).as_posix() for s in sources] == ["a.txt", "sub/b.md"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert "3 file(s) are digests this tool wrote (monday.html, monday.md, monday.txt)" in line
    assert "move them out of the input folder" in line
    # named on its own, a digest is read as asked
    assert expand_inputs([str(folder / "monday.md")]) == ([str(folder / "monday.md")], [])


def test_a_folder_of_only_our_digests_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "monday.md").write_text(render(_our_digest(), "md"), encoding="utf-8")
    _, problems = expand_inputs([str(folder)])
    assert problems == [(str(folder), problems[0][1])]
    assert "holds only this run's output or digests this tool wrote" in problems[0][1]


def test_batch_out_inside_the_input_folder_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "in"
    _articles(folder)
    out = folder / "digests"
    out.mkdir()
    for name in ("none.md", "none.html", "index.html", "notes.txt"):
        (out / name).write_text("whatever the run wrote\n", encoding="utf-8")
    with Fetcher(FAST) as fetcher, caplog.at_level(logging.WARNING, logger="summarizer"):
        planned = plan([str(folder)], None, None, fetcher, outputs=[out])
    files = [payload[0].relative_to(folder).as_posix() for _, payload in planned.steps]
    assert files == ["a.txt", "sub/b.md"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert "4 file(s) in this run's own output (digests/index.html" in line


def test_summarize_and_batch_pass_their_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    _articles(folder)
    seen: list[list[str]] = []

    class Fake:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.store = object()

        def check_options(self, options: Options) -> None:
            pass

        def run(self, sources: list[str], options: Options) -> Result:
            seen.append([Path(s).relative_to(folder).as_posix() for s in sources])
            return _our_digest()

    monkeypatch.setattr(pipeline, "Summarizer", Fake)
    for _ in range(2):  # the second run finds the first one's digest in the folder
        assert cli.main([str(folder), "-o", str(folder / "digest.md"), "-q"]) == 0
    cli.main([str(folder), "-o", str(folder / "digest.html"), "-q"])  # ours, by its content
    assert seen == [["a.txt", "sub/b.md"]] * 3

    class Stop(Exception):
        pass

    planned: dict[str, object] = {}

    def plan_stub(*args: object, **kwargs: object) -> None:
        planned.update(kwargs)
        raise Stop

    fake = SimpleNamespace(
        store=object(),
        check_options=lambda options: None,
        stages=lambda *a: SimpleNamespace(engines=(), errors={}),
        stories_embedder=lambda engines: (None, None),
        similarity=lambda *a: None,
    )
    monkeypatch.setattr("summarizer.batch.plan", plan_stub)
    batch = BatchOptions(out=folder / "out", max_feed_entries=7)
    with pytest.raises(Stop):
        run_batch(fake, [str(folder)], batch, Options())  # type: ignore[arg-type]
    assert planned == {"outputs": [folder / "out"], "max_feed_entries": 7}
