"""Hostile servers and users of the web page: slow pages, shared slots, Markdown from the web.

Every server here listens on 127.0.0.1 and every limit is set small, so each case takes
about a second: a page that trickles a byte at a time ends at the fetch's deadline, a
user's slow page never holds the model slot or another user's fetches, and text from an
input or a server is shown in the page as text, never as links, images or HTML.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS

from summarizer.fetch import Fetcher, FetchError, FetchSettings

PLAIN = b"Der Rhein f\xc3\xbchrt Hochwasser. Die Uferpromenade ist gesperrt.\n"
HOSTILE_REASON = "OK ![x](http://evil.example/x.png) [log in](https://phish.example/login) <b>"
LONG_REASON = HOSTILE_REASON + "\t" + "x" * 200  # a reason phrase runs to the end of its line
REASON_SHOWN = f"{(HOSTILE_REASON + ' ' + 'x' * 200)[:80]}..."


class Handler(BaseHTTPRequestHandler):
    """Routes for every hostile case; counts requests per path."""

    server: Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        state = self.server.state
        with state.lock:
            state.hits[path] += 1
        if path == "/plain":
            self._send(200, PLAIN)
        elif path == "/trickle":  # Content-Length says 1,000 bytes; one comes every 0.1 s
            self._head(200, length=1000)
            self._trickle(b"x" * 1000)
        elif path == "/trickle-close":  # no length: the body ends when the connection closes
            self.protocol_version = "HTTP/1.0"
            self._head(200)
            self._trickle(b"y" * 1000)
        elif path == "/trickle-head":  # the headers themselves, a byte at a time
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1000)
        elif path == "/silent":  # accepts, reads the request, never answers
            state.stop.wait(10)
        elif path == "/busy":  # asks to be retried in an hour
            self._head(503, length=0, extra={"Retry-After": "3600"})
        elif path.startswith("/to/"):  # a redirect to any address (after /to/)
            self._head(302, length=0, extra={"Location": unquote(self.path[4:])})
        elif path == "/redirect-huge":  # a redirect whose own body never ends
            self.protocol_version = "HTTP/1.0"
            self._head(302, extra={"Location": "/plain"})
            try:
                for _ in range(200_000):
                    self.wfile.write(b"w" * 1024)
                    state.sent[path] += 1024
            except OSError:
                pass
        elif path == "/reason":
            self.send_response(404, LONG_REASON)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/page":
            self._send(200, HOSTILE_PAGE.encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b"not here")

    def _head(self, status: int, length: int | None = None, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self._head(status, len(body), {"Content-Type": content_type})
        self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                if self.server.state.stop.wait(0.1):
                    return
        except OSError:
            pass  # the client gave up: the point of the test

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class State:
    """What the server saw."""

    hits: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    state: State


@pytest.fixture
def server() -> Iterator[tuple[str, State]]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.state = State()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", httpd.state
    httpd.state.stop.set()
    httpd.shutdown()
    httpd.server_close()


def _timed_failure(url: str, settings: FetchSettings) -> tuple[str, float]:
    """The one-line FetchError of fetching ``url``, and the seconds it took."""
    start = time.monotonic()
    with Fetcher(settings) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(url)
    message = str(caught.value)
    assert "\n" not in message
    return message, time.monotonic() - start


# --- 1. slow servers: a deadline for the whole download ------------------------------------


@pytest.mark.parametrize("path", ["/trickle", "/trickle-close", "/trickle-head"])
def test_a_trickling_page_ends_at_the_deadline(server, path) -> None:
    """A byte every 0.1 s never trips a 0.5 s read timeout; the 0.8 s deadline ends it."""
    base, state = server
    settings = FetchSettings(timeout=(1, 0.5), deadline=0.8, retries=3, backoff=0.01)
    message, took = _timed_failure(f"{base}{path}", settings)
    assert message == (
        f"{base}{path}: took over 0.8 s to download (the limit for one page); try again "
        "later, or save its text to a file"
    )
    assert 0.7 < took < 1.6
    assert state.hits[path] == 1  # never retried: the deadline covers the retries too


def test_a_silent_server_is_retried_once_not_four_times(server) -> None:
    """A timeout is retried once whatever `retries` says (those are for 5xx and resets)."""
    base, state = server
    settings = FetchSettings(timeout=(1, 0.3), deadline=5, retries=3, backoff=0.01)
    message, took = _timed_failure(f"{base}/silent", settings)
    assert message == f"{base}/silent: no answer within 0.3 s; try again later"
    assert state.hits["/silent"] == 2 and took < 1.2
    # and a deadline shorter than the two tries ends it sooner
    message, took = _timed_failure(f"{base}/silent", dataclasses.replace(settings, deadline=0.4))
    assert message.startswith(f"{base}/silent: took over 0.4 s to download") and took < 0.9


def test_retry_after_waits_no_longer_than_the_deadline(server) -> None:
    base, state = server
    settings = FetchSettings(timeout=(1, 1), deadline=0.5, retries=3, backoff=0.01)
    message, took = _timed_failure(f"{base}/busy", settings)
    assert message.startswith(f"{base}/busy: took over 0.5 s to download") and took < 1.0
    assert state.hits["/busy"] == 1


def test_a_refused_connection_is_not_retried() -> None:
    """Nothing listens on a closed port: it fails at once, with one line, not after the
    retries' backoff (a large backoff here would show)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = FetchSettings(timeout=(1, 1), deadline=5, retries=2, backoff=2)
    message, took = _timed_failure(f"http://127.0.0.1:{port}/", settings)
    assert message.endswith(": connection refused; is the address right?") and took < 1.0


def test_the_deadline_is_per_url_and_a_fast_page_still_comes(server) -> None:
    base, _ = server
    settings = FetchSettings(timeout=(1, 0.5), deadline=0.5, retries=1, backoff=0.01)
    with Fetcher(settings) as fetcher:
        with pytest.raises(FetchError, match=r"took over 0\.5 s"):
            fetcher.get(f"{base}/trickle")
        assert fetcher.get(f"{base}/plain").content == PLAIN  # the next URL has its own
        assert fetcher.get(f"{base}/plain").content == PLAIN  # a reused connection too


# --- 1b. redirects off the web ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("file:///etc/passwd", "file://"),
        ("gopher://127.0.0.1:70/1", "gopher://"),
        ("FTP://example.org/a.txt", "ftp://"),
        ("javascript:alert(1)", "javascript:"),
    ],
)
def test_a_redirect_off_the_web_is_refused_not_retried(server, target, kind) -> None:
    base, state = server
    settings = FetchSettings(timeout=(1, 1), deadline=5, retries=3, backoff=0.01)
    message, _ = _timed_failure(f"{base}/to/{target}", settings)
    assert message == (
        f"{base}/to/{target}: redirects to a {kind} address, which is never followed; only "
        "http and https pages are fetched"
    )
    assert "try again" not in message and sum(state.hits.values()) == 1


@pytest.mark.parametrize("target", ["http://[evil", "https://[x]/"])
def test_a_redirect_to_no_address_is_refused(server, target) -> None:
    base, state = server
    settings = FetchSettings(timeout=(1, 1), deadline=5, retries=3, backoff=0.01)
    message, _ = _timed_failure(f"{base}/to/{target}", settings)
    assert message == (
        f"{base}/to/{target}: redirects to a malformed address; give the address of the page itself"
    )
    assert sum(state.hits.values()) == 1


def test_a_redirect_body_is_never_read(server) -> None:
    """requests reads a redirect's whole body; one that never ends must not be read."""
    base, state = server
    settings = FetchSettings(timeout=(1, 1), deadline=5, retries=1, backoff=0.01)
    start = time.monotonic()
    with Fetcher(settings) as fetcher:
        assert fetcher.get(f"{base}/redirect-huge").content == PLAIN
    assert time.monotonic() - start < 2
    assert state.sent["/redirect-huge"] < 50 * 2**20  # far from its 200 MB


def test_a_reason_phrase_is_one_short_line(server) -> None:
    base, _ = server
    message, _ = _timed_failure(f"{base}/reason", FetchSettings(timeout=(1, 1), deadline=5))
    assert message == f"{base}/reason: HTTP 404 {REASON_SHOWN}; check the address"


# --- 2. the web page: one user's fetch never holds what others need -----------------------

HOSTILE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>![x](http://evil.example/t.png) Neue Brücke</title></head><body><article>
<h1>Neue Brücke</h1><p>Nach sechs Jahren Bauzeit ist die neue Rheinbrücke in Köln für den
Verkehr freigegeben worden. Sie kostete rund 480 Millionen Euro.</p>
<p>Die Brücke hat vier Fahrspuren und breite Radwege.</p></article></body></html>"""


class Models:
    """A stand-in Summarizer: the real config, and a run that records who ran when."""

    def __init__(self) -> None:
        from summarizer.config import load_config

        self.config = load_config()
        self.running = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.runs: list[int] = []
        self.error: Exception | None = None

    def run(self, docs, options, progress):
        from summarizer.types import Digest, Result

        self.runs.append(len(docs))
        self.running.set()
        self.release.wait(10)
        self.running.clear()
        if self.error is not None:
            raise self.error
        return Result(articles=[], digest=Digest(""), failed=[], models={})

    def check_lang(self, lang: str) -> str:
        from summarizer.pipeline import Summarizer

        return Summarizer.check_lang(self, lang)  # the real check, on the real config


def session(name: str) -> SimpleNamespace:
    """What Gradio passes as gr.Request: the browser session's id."""
    return SimpleNamespace(session_hash=name)


@pytest.fixture
def detected(monkeypatch) -> Counter:
    """Language detection stood in for (lingua takes seconds to load): calls counted."""
    from summarizer import webui

    calls: Counter = Counter()

    def detect(text: str) -> SimpleNamespace:
        calls["calls"] += 1
        return SimpleNamespace(lang="de", confidence=0.99)

    monkeypatch.setattr(webui, "detect", detect)
    return calls


@pytest.fixture
def app(detected):
    """The page's handlers with short fetch limits: 0.8 s a page, 2 s of fetching a request."""
    from summarizer.webui import WebApp

    web = WebApp(summarizer=Models())
    web.fetch = dataclasses.replace(web.fetch, timeout=(1, 0.5), deadline=0.8)
    web.fetch_budget = 2.0
    return web


def _run(app, request, paste="", urls=""):
    return app.run([], None, paste, urls, None, "extractive", 20, 30, None, None, 0, False,
                   False, "", request)  # fmt: skip


def _in_thread(fn, *args) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn(*args)), daemon=True)
    thread.start()
    return thread, out


def _wait_for(check, seconds: float = 5) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.01)


def test_fetching_for_one_user_never_holds_the_model_slot(app, server) -> None:
    base, state = server
    _run(app, session("b"), "Der Plan kostet 40 Millionen Euro.")  # the report's code loaded
    slow, out = _in_thread(_run, app, session("a"), "", f"{base}/trickle")
    _wait_for(lambda: state.hits["/trickle"] == 1)
    start = time.monotonic()
    other = _run(app, session("b"), "Der Plan kostet 40 Millionen Euro.")
    assert time.monotonic() - start < 0.5 and slow.is_alive()  # ran while a is fetching
    assert other[2].startswith("0 article(s) processed") and app.summarizer.runs == [1, 1]
    slow.join(5)
    assert f"{base}/trickle: took over 0.8 s to download" in shown(out[0][2])


def test_runs_wait_their_turn_for_the_models_and_can_be_cancelled(app) -> None:
    models = app.summarizer
    models.release.clear()
    first, out = _in_thread(_run, app, session("a"), "Erster Artikel.")
    _wait_for(models.running.is_set)
    second, out2 = _in_thread(_run, app, session("b"), "Zweiter Artikel.")
    time.sleep(0.3)
    assert models.runs == [1] and second.is_alive()  # one run at a time on the models
    app.cancel(session("b"))
    second.join(2)
    assert out2[0][2].startswith("Cancelled") and models.runs == [1]
    models.release.set()
    first.join(2)
    assert out[0][2].startswith("0 article(s) processed")


def test_one_session_fetches_one_request_at_a_time(app, server) -> None:
    base, state = server
    slow, _ = _in_thread(app.add, "", f"{base}/trickle", [], [], session("a"))
    _wait_for(lambda: state.hits["/trickle"] == 1)
    start = time.monotonic()
    articles, _, status, _, url_box, _ = app.add(
        "Der Plan kostet 40 Millionen Euro.", f"{base}/plain\n{base}/page", [], [], session("a")
    )
    assert time.monotonic() - start < 0.5  # refused at once, the pasted article still added
    assert len(articles) == 1 and state.hits["/plain"] == 0
    assert "2 web address(es) not fetched: this page is still fetching others" in status
    assert url_box == f"{base}/plain\n{base}/page"  # kept, to add again
    # another session fetches meanwhile
    articles, _, status, _, url_box, _ = app.add("", f"{base}/plain", [], [], session("b"))
    assert [a.doc.source for a in articles] == [f"{base}/plain"] and url_box == ""
    slow.join(5)


def test_slow_pages_of_many_sessions_take_only_the_fetch_slots(app, server) -> None:
    from summarizer.webui import FetchSlots

    base, state = server
    app.fetching = FetchSlots(total=2, per_session=1)
    slow = [_in_thread(app.add, "", f"{base}/trickle", [], [], session(s))[0] for s in "ab"]
    _wait_for(lambda: state.hits["/trickle"] == 2)
    start = time.monotonic()
    _, _, status, *_ = app.add("", f"{base}/plain", [], [], session("c"))
    assert "1 web address(es) not fetched: the server is fetching pages for 2 other " in status
    articles, _, status, *_ = app.add("Der Plan kostet 40 Millionen.", "", [], [], session("c"))
    assert len(articles) == 1 and time.monotonic() - start < 0.5  # pasting never waits
    for thread in slow:
        thread.join(5)
    articles, *_ = app.add("", f"{base}/plain", [], [], session("c"))  # slots free again
    assert [a.doc.source for a in articles] == [f"{base}/plain"]


def test_one_request_fetches_for_a_bounded_time(app, server) -> None:
    base, state = server
    app.fetch_budget = 1.0
    urls = "\n".join(f"{base}/trickle?{i}" for i in range(5))
    start = time.monotonic()
    _, _, status, _, url_box, _ = app.add("", urls, [], [], session("a"))
    assert time.monotonic() - start < 2.5 and state.hits["/trickle"] == 2
    assert "3 web address(es) not fetched: over the 1 s one request may spend fetching" in status
    assert url_box.splitlines() == urls.splitlines()[2:]


def test_the_page_gives_fetching_its_own_slots(app) -> None:
    """Model work keeps one slot (WebApp's lock); Add and Run are let in many at a time."""
    from summarizer import webui

    demo = app.build()
    config = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name in ("add", "run")}
    add, run = config["add"], config["run"]
    assert add.concurrency_limit == webui.ADD_SLOTS > webui.FETCH_SLOTS
    assert run.concurrency_limit == webui.RUN_SLOTS > 1
    assert add.concurrency_id != run.concurrency_id
    assert webui.SESSION_FETCHES <= 2


@pytest.mark.slow
def test_served_page_answers_others_while_sessions_fetch_trickles(app, server) -> None:
    """Through Gradio's queue: four sessions' Adds hang on trickling pages, holding every
    fetch slot; a fifth session still adds pasted text and runs at once."""
    gradio_client = pytest.importorskip("gradio_client")
    from summarizer import webui

    base, state = server
    app.fetch = dataclasses.replace(app.fetch, deadline=2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = app.build()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                ssr_mode=False, show_error=False)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        clients = [gradio_client.Client(url, verbose=False) for _ in range(webui.FETCH_SLOTS + 1)]
        *slow_ones, other = clients
        slow = [c.submit("", f"{base}/trickle", [], api_name="/add") for c in slow_ones]
        _wait_for(lambda: state.hits["/trickle"] == webui.FETCH_SLOTS)
        start = time.monotonic()
        _, status, *_ = other.predict("Der Plan kostet 40 Millionen Euro.", "", [], api_name="/add")
        assert "1 article(s) added" in status
        _, status, *_ = other.predict("", f"{base}/plain", [], api_name="/add")
        assert f"fetching pages for {webui.FETCH_SLOTS} other requests" in status
        out = other.predict(*_api_run_args(paste="Die Arbeiten beginnen im Mai."), api_name="/run")
        assert "article(s) processed" in out[1]
        assert time.monotonic() - start < 1.5 and not any(job.done() for job in slow)
        for job in slow:
            assert "took over 2 s to download" in shown(job.result()[1])
    finally:
        demo.close()


def _api_run_args(**overrides) -> list:
    args = {
        "rows": {"headers": ["#", "source", "language", "confidence", "words"], "data": []},
        "paste": "", "urls": "", "files": [], "engine": "extractive", "brief_words": 20,
        "digest_words": 30, "brief_model": None, "digest_model": None, "story_threshold": 0,
        "strict": False, "translate_only": False, "lang": "",
    }  # fmt: skip
    args.update(overrides)
    return list(args.values())


# --- 3. text from inputs and servers is shown as text -------------------------------------

AUTOLINK = re.compile(r"(?i)(?:https?|ftp):(?=//)|www\.|(?<!\\)@")  # what GFM makes a link
UNESCAPED = re.compile(r"(?<!\\)[\[\]`*~|$<>]|(?<![\\A-Za-z0-9])_")


def shown(markdown: str) -> str:
    """The text a Markdown renderer shows for plain escaped text: escapes and entities undone."""
    import html

    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))


def assert_inert(markdown: str, text: str) -> None:
    """``markdown`` shows ``text`` as is: nothing in it can start a link, image, emphasis,
    code, LaTeX, table or HTML, and no bare address can become a link."""
    for line in markdown.splitlines():
        body = line.removeprefix("- **Problem:** ")
        assert not UNESCAPED.search(body), line
        assert not AUTOLINK.search(body), line
    assert text in shown(markdown)


def test_a_servers_reason_phrase_is_text_in_the_status_line(app, server) -> None:
    base, _ = server
    _, _, status, *_ = app.add("", f"{base}/reason", [], [], session("a"))
    assert status.startswith("- **Problem:** ")  # our own Markdown stays
    assert_inert(status, f"{base}/reason: HTTP 404 {REASON_SHOWN}; check the address")
    assert "](" not in status.replace("\\](", "")


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://evil.example/x.png)",
        "[log in](https://phish.example) and <img src=x onerror=alert(1)>",
        "see www.phish.example or mail@phish.example, *now* __really__ `code`",
        "$$\\href{http://evil.example}{x}$$ | a | b | ~~gone~~ &amp; &lt;",
        "[ref]: http://evil.example\n\n# heading\n---",
    ],
)
def test_every_message_path_escapes_input(app, text, tmp_path) -> None:
    import json

    from summarizer.config import ConfigError

    # a pasted article's name in a problem: an uploaded record's url is its source
    app.upload_root = tmp_path
    upload = tmp_path / "a.jsonl"
    upload.write_text(json.dumps({"url": text, "text": "Der Plan kostet 40 Millionen Euro."}))
    articles, _, status, *_ = app.add("", "", [str(upload)], [], session("a"))
    assert "1 article(s) added" in status
    rows = [[1, text, "x!", "1.00", 6]]  # a typed language code that is not one
    out = app.run(articles, rows, "", "", None, "extractive", 20, 30, None, None, 0, False,
                  False, "", session("a"))  # fmt: skip
    one_line = " ".join(text.split())
    assert_inert(out[2], f"row 1 ({one_line}): 'x!' is not a language")
    # a web address that is not one, and a language for every article
    _, _, status, *_ = app.add("", f"gopher://{one_line}", [], [], session("a"))
    assert_inert(status, f"gopher://{one_line}: not a web address")
    out = app.run(articles, None, "", "", None, "extractive", 20, 30, None, None, 0, False,
                  False, text[:20], session("a"))  # fmt: skip
    assert_inert(out[2], f"'{' '.join(text[:20].lower().split())}' is not a language")
    # a run that fails with a message carrying input
    for error in (ConfigError(text), RuntimeError(text)):
        app.summarizer.error = error
        out = _run(app, session("a"), "Der Plan kostet 40 Millionen Euro.")
        assert_inert(out[2], one_line)
    app.summarizer.error = None


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_browser_shows_a_hostile_reason_phrase_as_text(app, server) -> None:
    """In the page itself: no link, no image, the server's words as it wrote them."""
    from playwright.sync_api import sync_playwright

    base, _ = server
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = app.build()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                ssr_mode=False, show_error=False)  # fmt: skip
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("#urls textarea").fill(f"{base}/reason\nwww.phish.example/[x](y)")
                page.locator("#add").click()
                status = page.locator("#status")
                status.get_by_text("check the address").wait_for(timeout=30_000)
                text = status.inner_text()
                assert f"HTTP 404 {REASON_SHOWN}; check the address" in text
                assert "www.phish.example/[x](y): not a web address" in text
                assert status.locator("a, img, b, strong >> text=log in").count() == 0
                assert status.locator("a, img").count() == 0
            finally:
                browser.close()
    finally:
        demo.close()


def test_escaped_text_reads_the_same() -> None:
    from summarizer.webui import _status

    plain = "2 article(s) not added, from pasted-1 on: over 1,000 characters (limits.max_chars)"
    assert _status("", [plain]) == f"- **Problem:** {plain}"  # ordinary words untouched
    tricky = "a\\b *c* [d](e) http://f.example/g_h www.i.example j@k.example <l> `m` $n$"
    assert shown(_status("", [tricky])) == f"- **Problem:** {tricky}"


# --- 3b. pasted text is cut at the cap before any per-article work -------------------------


def test_ten_thousand_pasted_articles_are_cut_before_detection(app, detected) -> None:
    pasted = "\n---\n".join(f"Artikel Nummer {i}: Der Plan kostet 40 Millionen Euro." for i in
                            range(10_000))  # fmt: skip
    start = time.monotonic()
    articles, rows, status, *_ = app.add(pasted, "", [], [], session("a"))
    took = time.monotonic() - start
    assert len(articles) == len(rows) == 100 and detected["calls"] == 100
    assert status.splitlines() == [
        "100 article(s) added, 100 in the list.",
        "- **Problem:** 9900 article(s) not added: at most 100 articles per run "
        "(limits.max_articles in models.yaml); run the rest separately",
    ]
    assert took < 5, took
    # a paste over the character limit is refused before it is detected, too
    detected.clear()
    app.limits = dataclasses.replace(app.limits, max_chars=1000)
    articles, _, status, *_ = app.add("Ein Satz. " * 500, "", [], [], session("b"))
    assert articles == [] and detected["calls"] == 0 and "limits.max_chars" in status
