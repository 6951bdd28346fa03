"""Fetching pages and feeds from a local HTTP server: retries, limits, errors, metadata."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import urllib3.util.connection
from urllib3 import HTTPResponse

import summarizer.fetch
from summarizer.fetch import (
    RETRY_AFTER_MAX,
    FeedEntry,
    Fetcher,
    FetchError,
    FetchSettings,
    is_url,
    parse_since,
    read_feed,
)
from summarizer.formats import fetch_page
from summarizer.inputs import read_feed_list
from summarizer.types import IngestError

FAST = FetchSettings(timeout=(2, 1), retries=3, backoff=0.01)

ARTICLE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Neue Rheinbrücke in Köln eröffnet | Rheinische Tagespost</title>
<meta property="og:title" content="Neue Rheinbrücke in Köln eröffnet">
<meta property="og:site_name" content="Rheinische Tagespost">
<meta name="author" content="Anna Schmidt">
<meta property="article:published_time" content="2024-03-14T08:30:00+01:00">
</head><body>
<nav><a href="/">Startseite</a> | <a href="/politik">Politik</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Neue Rheinbrücke in Köln eröffnet</h1>
<p>Nach sechs Jahren Bauzeit ist am Donnerstagmorgen die neue Rheinbrücke zwischen Köln-Mülheim
und Deutz für den Verkehr freigegeben worden. Oberbürgermeisterin und Landesverkehrsminister
schnitten gemeinsam das Band durch, während hunderte Schaulustige am Ufer zusahen.</p>
<p>Die Brücke ersetzt einen maroden Vorgängerbau aus den sechziger Jahren, der seit 2019 für
Lastwagen gesperrt war. Pendler mussten seither täglich lange Umwege in Kauf nehmen; viele
Betriebe im Hafen klagten über steigende Kosten und verspätete Lieferungen.</p>
<p>Insgesamt kostete das Bauwerk nach Angaben der Stadt rund 480 Millionen Euro und damit
knapp ein Viertel mehr als ursprünglich geplant. Als Gründe nannte die Verwaltung gestiegene
Preise für Stahl sowie Verzögerungen bei der Genehmigung der Pfeiler im Flussbett.</p>
<p>Neben vier Fahrspuren für Autos bietet die Brücke breite Radwege auf beiden Seiten und eine
eigene Trasse für die Stadtbahn, die ab dem Sommer im Zehn-Minuten-Takt fahren soll.</p>
</article>
<footer><a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a>
· © Rheinische Tagespost</footer>
</body></html>
"""
NO_TEXT = '<html><head><title>Tagespost</title></head><body><div id="app"></div></body></html>'
PLAIN = "Kurzmeldung: Der Rhein führt Hochwasser.\nDie Uferpromenade ist gesperrt.\n"


def _rss(now: datetime) -> str:
    """An RSS 2.0 feed: fresh, old, undated, and two items with no usable link."""
    fresh = format_datetime(now - timedelta(hours=1), usegmt=True)
    old = format_datetime(now - timedelta(days=3), usegmt=True)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tagespost</title><link>/</link><description>x</description>
<item><title>Neue Rheinbrücke</title><link>BASE/article.html</link><pubDate>{fresh}</pubDate>
<author>anna@example.org (Anna Schmidt)</author><description>Die &lt;b&gt;Brücke&lt;/b&gt;
ist offen.</description></item>
<item><title>Alter Bericht</title><link>old.html</link><pubDate>{old}</pubDate></item>
<item><title>Ohne Datum</title><link>/plain.txt</link></item>
<item><title>Ohne Link</title><guid isPermaLink="false">urn:x:1</guid></item>
<item><guid>12345</guid><description>guid only</description></item>
</channel></rss>"""


def _atom(now: datetime) -> str:
    """An Atom feed: one entry from an hour ago, one from three days ago."""
    fresh = (now - timedelta(hours=1)).isoformat()
    old = (now - timedelta(days=3)).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tagespost</title><id>urn:feed</id>
<updated>{fresh}</updated>
<entry><title>Neue Rheinbrücke</title><id>urn:1</id><link href="/article.html"/>
<published>{fresh}</published><updated>{fresh}</updated><author><name>Anna Schmidt</name></author>
<summary>Die Brücke ist offen.</summary></entry>
<entry><title>Alter Bericht</title><id>urn:2</id><link rel="alternate" href="BASE/plain.txt"/>
<updated>{old}</updated></entry>
</feed>"""


class Handler(BaseHTTPRequestHandler):
    """Routes for every case; counts requests and remembers each path's User-Agent."""

    server: Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        state = self.server.state
        with state.lock:
            state.hits[path] += 1
            n = state.hits[path]
        state.agents[path] = self.headers.get("User-Agent", "")
        base = f"http://127.0.0.1:{self.server.server_port}"
        now = datetime.now(timezone.utc)
        if path == "/article.html":
            self._send(200, ARTICLE.encode(), "text/html; charset=utf-8")
        elif path == "/no-text.html":
            self._send(200, NO_TEXT.encode(), "text/html")
        elif path == "/plain.txt":
            self._send(200, PLAIN.encode(), "text/plain; charset=utf-8")
        elif path == "/latin1.txt":
            self._send(200, "Grüße aus Köln".encode("iso-8859-1"), "text/plain; charset=ISO-8859-1")
        elif path == "/empty":
            self._send(200, b"  \n", "text/html")
        elif path == "/feeds/rss.xml":
            self._send(200, _rss(now).replace("BASE", base).encode(), "application/rss+xml")
        elif path == "/feeds/atom.xml":
            self._send(200, _atom(now).replace("BASE", base).encode(), "application/atom+xml")
        elif path == "/flaky":
            self._send(500, b"oops") if n <= 2 else self._send(200, b"recovered")
        elif path == "/always-503":
            self._send(503, b"busy")
        elif path == "/slow":
            time.sleep(1.0)
            self._send(200, b"too late")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{left - 1}" if left > 1 else "/article.html")
            self.end_headers()
        elif path.startswith("/away/"):  # a redirect to the same port on another host
            self.send_response(302)
            host = path.rsplit("/", 1)[1]
            self.send_header("Location", f"http://{host}:{self.server.server_port}/plain.txt")
            self.end_headers()
        elif path == "/big-declared":
            self._send(200, b"x" * 50_000)
        elif path == "/big-streamed":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()  # no Content-Length: HTTP/1.0 ends the body by closing
            self._write(b"y" * 1000 for _ in range(50))
        else:
            self._send(404, b"not here")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write([body])

    def _write(self, chunks: Iterator[bytes] | list[bytes]) -> None:
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading on purpose (size cap)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class State:
    """What the server saw."""

    hits: Counter[str] = field(default_factory=Counter)
    agents: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    state: State


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, State]]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.state = State()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", httpd.state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f


def test_article_page_gives_text_and_metadata(server, fetcher):
    base, state = server
    doc = fetch_page(f"{base}/article.html", fetcher)
    assert doc.source == f"{base}/article.html"
    assert "480 Millionen Euro" in doc.text and "Stadtbahn" in doc.text
    assert "Impressum" not in doc.text and "Startseite" not in doc.text
    assert doc.title == "Neue Rheinbrücke in Köln eröffnet"
    assert doc.published == "2024-03-14"
    assert doc.author == "Anna Schmidt"
    assert doc.outlet == "Rheinische Tagespost"
    assert doc.encoding == "utf-8"
    assert state.agents["/article.html"].startswith("summarizer/")
    assert state.agents["/article.html"] == FAST.user_agent


def test_plain_text_is_taken_as_is(server, fetcher):
    base, _ = server
    doc = fetch_page(f"{base}/plain.txt", fetcher)
    assert doc.text == PLAIN.strip()
    assert doc.title is None and doc.outlet == "127.0.0.1"
    latin = fetcher.get(f"{base}/latin1.txt")
    assert (latin.content_type, latin.encoding) == ("text/plain", "iso-8859-1")
    assert fetch_page(f"{base}/latin1.txt", fetcher).text == "Grüße aus Köln"


def test_pages_without_text(server, fetcher):
    base, _ = server
    with pytest.raises(IngestError, match=r"/no-text\.html: no article text found in the page; "):
        fetch_page(f"{base}/no-text.html", fetcher)
    with pytest.raises(FetchError, match=r"/empty: the page is empty"):
        fetch_page(f"{base}/empty", fetcher)


def test_redirects_are_followed_up_to_five(server, fetcher):
    base, _ = server
    got = fetcher.get(f"{base}/hop/3")
    assert got.url == f"{base}/article.html"
    assert fetch_page(f"{base}/hop/3", fetcher).source == f"{base}/hop/3"
    with pytest.raises(FetchError, match=r"^http://\S+/hop/9: more than 5 redirects"):
        fetcher.get(f"{base}/hop/9")


def test_server_errors_are_retried(server, fetcher):
    base, state = server
    got = fetcher.get(f"{base}/flaky")
    assert got.content == b"recovered"
    assert state.hits["/flaky"] == 3
    with pytest.raises(FetchError, match=r"/always-503: HTTP 503 Service Unavailable; try again"):
        fetcher.get(f"{base}/always-503")
    assert state.hits["/always-503"] == 1 + FAST.retries


def test_missing_page_names_the_status(server, fetcher):
    base, state = server
    with pytest.raises(
        FetchError, match=r"^http://\S+/missing: HTTP 404 Not Found; check the addr"
    ):
        fetcher.get(f"{base}/missing")
    assert state.hits["/missing"] == 1  # 404 is not retried


def test_slow_server_times_out_quickly(server):
    base, state = server
    start = time.monotonic()
    settings = FetchSettings(timeout=(2, 0.2), retries=1, backoff=0.01)
    with (
        Fetcher(settings) as fetcher,
        pytest.raises(FetchError, match=r"/slow: no answer within 0\.2 s; try again later$"),
    ):
        fetcher.get(f"{base}/slow")
    assert time.monotonic() - start < 0.9
    assert state.hits["/slow"] == 2  # urllib3 retries a read timeout on GET, too


def test_closed_port_cannot_connect():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        Fetcher(FetchSettings(timeout=(2, 1), retries=1, backoff=0.01)) as fetcher,
        pytest.raises(FetchError, match=r"connection refused; is the address right\?$") as caught,
    ):
        fetcher.get(f"http://127.0.0.1:{port}/")
    assert "\n" not in str(caught.value)


def test_size_cap(server):
    base, _ = server
    with Fetcher(FetchSettings(timeout=(2, 1), max_bytes=10_000, backoff=0.01)) as fetcher:
        with pytest.raises(
            FetchError, match=r"/big-declared: over the 10,000 bytes limit for one page"
        ):
            fetcher.get(f"{base}/big-declared")
        with pytest.raises(FetchError, match=r"/big-streamed: over the 10,000 bytes limit"):
            fetcher.get(f"{base}/big-streamed")
        assert fetcher.get(f"{base}/plain.txt").content == PLAIN.encode()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.txt", "FTP://x/y"])
def test_other_schemes_are_refused_without_a_request(url, fetcher, monkeypatch):
    def no_request(*args, **kwargs):
        raise AssertionError("a request was made")

    monkeypatch.setattr(fetcher.session, "get", no_request)
    with pytest.raises(FetchError, match=r"only http and https URLs are fetched; download"):
        fetch_page(url, fetcher)
    assert is_url(url)


@pytest.fixture
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every (host, port) urllib3 opens a socket to, recorded as it connects."""
    opened: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def record(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened


PRIVATE = FetchSettings(timeout=(2, 1), retries=1, backoff=0.01, allow_private=False)


def test_private_addresses_are_refused_before_connecting(server, connections):
    base, state = server
    before = state.hits["/plain.txt"]
    with Fetcher(PRIVATE) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(f"{base}/plain.txt")
    assert str(caught.value) == (
        f"{base}/plain.txt: 127.0.0.1 is a private/loopback/link-local address (127.0.0.1); "
        "refused while serving others; give a public address, or leave out "
        "--no-private-urls for local use"
    )
    assert state.hits["/plain.txt"] == before and connections == []


@pytest.mark.parametrize(
    ("url", "ip"),
    [
        ("http://[::1]/", "::1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://10.0.0.1/", "10.0.0.1"),
        ("https://192.168.1.1:8443/admin", "192.168.1.1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),  # 127.0.0.1 written as one number
    ],
)
def test_private_literals_are_refused_offline(url, ip, connections):
    with Fetcher(PRIVATE) as fetcher, pytest.raises(FetchError) as caught:
        fetch_page(url, fetcher)
    message = str(caught.value)
    assert message.startswith(f"{url}: ") and f"address ({ip}); refused while serving" in message
    assert "\n" not in message and connections == []


def test_redirect_to_a_private_address_is_refused_without_connecting(
    server, connections, monkeypatch
):
    base, state = server
    monkeypatch.setattr(summarizer.fetch, "is_public", lambda ip: ip != "127.0.0.2")
    port = int(base.rsplit(":", 1)[1])
    with Fetcher(PRIVATE) as fetcher:
        assert fetcher.get(f"{base}/away/127.0.0.1").content == PLAIN.encode()  # public now
        with pytest.raises(FetchError) as caught:
            fetcher.get(f"{base}/away/127.0.0.2")
    assert str(caught.value).startswith(
        f"{base}/away/127.0.0.2: 127.0.0.2 (redirected) is a private/loopback/link-local "
        "address (127.0.0.2); refused while serving others; "
    )
    assert state.hits["/away/127.0.0.2"] == 1
    assert ("127.0.0.2", port) not in connections and ("127.0.0.1", port) in connections


def test_a_name_resolving_elsewhere_on_connecting_is_refused(server, monkeypatch):
    """DNS rebinding: the check resolves a public address, the connection lands on loopback."""
    base, state = server
    monkeypatch.setattr(summarizer.fetch, "resolve", lambda host, port: ["93.184.216.34"])
    before = state.hits["/article.html"]
    with Fetcher(PRIVATE) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(f"{base}/article.html")
    assert "127.0.0.1 is a private/loopback/link-local address (127.0.0.1)" in str(caught.value)
    assert state.hits["/article.html"] == before  # closed before a request was sent


def test_retry_after_is_capped(fetcher):
    retry = fetcher.session.get_adapter("http://x").max_retries
    assert (retry.total, retry.backoff_factor) == (FAST.retries, FAST.backoff)
    response = HTTPResponse(body=b"", headers={"Retry-After": "3600"}, status=503)
    assert retry.get_retry_after(response) == RETRY_AFTER_MAX


def test_rss_feed(server, fetcher):
    base, _ = server
    entries, problems = read_feed(f"{base}/feeds/rss.xml", fetcher)
    assert [e.url for e in entries] == [
        f"{base}/article.html",
        f"{base}/feeds/old.html",
        f"{base}/plain.txt",
    ]
    first = entries[0]
    assert first.title == "Neue Rheinbrücke"
    assert first.author == "anna@example.org (Anna Schmidt)"
    assert first.summary and "Brücke" in first.summary
    published = datetime.fromisoformat(first.published)
    assert published.tzinfo is not None
    assert timedelta(minutes=55) < datetime.now(timezone.utc) - published < timedelta(minutes=65)
    assert entries[2].published is None
    assert problems == [
        f"{base}/feeds/rss.xml: entry 4 'Ohne Link' has no web link; it is skipped",
        f"{base}/feeds/rss.xml: entry 5 (untitled) has no web link; it is skipped",
    ]
    doc = fetch_page(first.url, fetcher)
    assert doc.title == "Neue Rheinbrücke in Köln eröffnet"


def test_since_keeps_fresh_and_undated_entries(server, fetcher, caplog):
    base, _ = server
    since = parse_since("24h")
    with caplog.at_level("INFO", logger="summarizer"):
        entries, _ = read_feed(f"{base}/feeds/rss.xml", fetcher, since=since)
    assert [e.title for e in entries] == ["Neue Rheinbrücke", "Ohne Datum"]
    assert "kept 1 undated" in caplog.text
    atom, problems = read_feed(f"{base}/feeds/atom.xml", fetcher, since=since)
    assert atom == [
        FeedEntry(
            url=f"{base}/article.html",
            title="Neue Rheinbrücke",
            published=atom[0].published,
            author="Anna Schmidt",
            summary="Die Brücke ist offen.",
        )
    ]
    assert problems == []
    everything, _ = read_feed(f"{base}/feeds/atom.xml", fetcher)
    assert [e.url for e in everything] == [f"{base}/article.html", f"{base}/plain.txt"]
    assert everything[1].published is not None  # from <updated>


def test_a_page_is_not_a_feed(server, fetcher):
    base, _ = server
    with pytest.raises(FetchError, match=r"/article\.html: not an RSS or Atom feed; "):
        read_feed(f"{base}/article.html", fetcher)


NOW = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("24h", datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)),
        ("90m", datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc)),
        ("7d", datetime(2026, 10, 26, 12, 0, tzinfo=timezone.utc)),
        ("2W", datetime(2026, 10, 19, 12, 0, tzinfo=timezone.utc)),
        (" 30s ", datetime(2026, 11, 2, 11, 59, 30, tzinfo=timezone.utc)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=timezone.utc)),
        ("2026-11-01T06:00", datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)),
        ("2026-11-01T06:00Z", datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)),
        ("2026-11-01T06:00+02:00", datetime(2026, 11, 1, 4, 0, tzinfo=timezone.utc)),
    ],
)
def test_parse_since(value, expected):
    got = parse_since(value, now=NOW)
    assert got == expected
    assert got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["yesterday", "", "24 hours", "-1h", "1.5h", "2026-13-01"])
def test_parse_since_rejects(value):
    with pytest.raises(ValueError, match=r"is not a time; give a duration \(30s, 90m, 24h"):
        parse_since(value, now=NOW)


def test_read_feed_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.txt").write_text(
        "# German papers\n\nhttps://a.example/rss\nftp://x\n  https://b.example/atom.xml  \n"
        "https://a.example/rss\n"
    )
    urls, problems = read_feed_list("feeds.txt")
    assert urls == ["https://a.example/rss", "https://b.example/atom.xml"]
    assert problems == ["feeds.txt:4: 'ftp://x' is not an http(s) URL; fix or remove the line"]
    (tmp_path / "comments.txt").write_text("# nothing yet\n\n")
    with pytest.raises(IngestError, match=r"^comments\.txt: lists no feeds"):
        read_feed_list("comments.txt")
    with pytest.raises(IngestError, match=r"^absent\.txt: no such file; check the path"):
        read_feed_list("absent.txt")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://a.example/x", True),
        ("HTTPS://a.example", True),
        ("ftp://x", True),
        ("file:///tmp/a.txt", True),
        ("article.txt", False),
        ("/tmp/http://x", False),
        ("C:\\news\\a.txt", False),
        ("mailto:a@b", False),
        ("-", False),
    ],
)
def test_is_url(value, expected):
    assert is_url(value) is expected


def test_cli_no_private_urls_reaches_the_batch_fetcher(tmp_path, monkeypatch):
    import summarizer.batch
    from summarizer import cli

    seen: list[FetchSettings] = []

    @dataclass
    class Report:
        failed: list = field(default_factory=list)
        index: None = None

        def summary(self) -> str:
            return "nothing"

    def run_batch(summarizer, inputs, batch, options):
        seen.append(batch.fetch)
        return Report()

    monkeypatch.setattr(summarizer.batch, "run_batch", run_batch)
    monkeypatch.setattr(cli, "_setup_logging", lambda *args: None)  # leave pytest's logging be
    common = ["batch", "--out", str(tmp_path / "out"), "--store", str(tmp_path / "s.db")]
    assert cli.main([*common, "--device", "cpu", "http://10.0.0.1/"]) == 0
    assert cli.main([*common, "--device", "cpu", "--no-private-urls", "http://10.0.0.1/"]) == 0
    assert [s.allow_private for s in seen] == [True, False]
    for command in ("run", "translate"):
        args = cli._parser().parse_args([command, "--no-private-urls", "a.txt"])
        assert args.no_private_urls is True
