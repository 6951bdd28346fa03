"""Articles and feeds from the web: polite, bounded, retried requests with one-line errors.

One requests Session carries our User-Agent, the timeouts and a urllib3 Retry (backoff,
Retry-After honoured but capped; a timeout retried once at most); bodies are streamed and
cut off at a size cap. Every fetch has a deadline for all of it (connecting, redirects,
retries, the body): a watchdog shuts its sockets when the time is up, so a server that
trickles a byte at a time, which no read timeout ever trips, costs at most the deadline.
Redirects are followed to http(s) only, and a redirect's own body is never read. Feeds are
parsed by feedparser from bytes we fetched, so it never opens a connection or file itself.
With ``allow_private=False`` (a server fetching for others) every hop, redirects included,
is resolved and refused before connecting unless all its addresses are public, and the
connected peer is checked again (a name that resolves differently the second time).
"""

from __future__ import annotations

import contextlib
import errno
import io
import ipaddress
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import Retry

from .types import MAX_BYTES, VERSION, IngestError

logger = logging.getLogger("summarizer")

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
SINCE_FORMS = "a duration (30s, 90m, 24h, 7d, 2w) or an ISO date (2026-11-01, 2026-11-01T06:00)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_AFTER_MAX = 30.0  # seconds; urllib3 would otherwise wait as long as a server asks
MAX_REDIRECTS = 5
TIMEOUT_RETRIES = 1  # a connect or read that timed out is tried again once, never more
DEADLINE = 60.0  # seconds for one whole download, whatever the server does
CHUNK = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses reached through NAT64
PRIVATE_FIX = "give a public address, or leave out --no-private-urls for local use"
REASON_MAX = 80  # characters of a server's HTTP reason phrase that a message quotes
_active = threading.local()  # .deadline: the _Deadline of the fetch running in this thread


class FetchError(IngestError):
    """A URL that cannot be fetched or read; the message is one line starting with the URL."""


def _user_agent() -> str:
    """Our polite User-Agent."""
    return f"summarizer/{VERSION} (news digest; +https://github.com/)"


@dataclass
class FetchSettings:
    """Limits for every request: (connect, read) timeouts, a deadline for the whole download,
    size cap, retries, User-Agent."""

    timeout: tuple[float, float] = (10.0, 30.0)
    deadline: float = DEADLINE  # seconds for all of one URL: connects, redirects, retries, body
    max_bytes: int = MAX_BYTES
    retries: int = 3  # for 5xx, 429 and broken connections; a timeout is retried once at most
    backoff: float = 0.5  # urllib3 backoff_factor, in seconds
    user_agent: str = field(default_factory=_user_agent)
    # False when fetching for others (a served UI): only public addresses are connected to
    allow_private: bool = True
    private_fix: str = PRIVATE_FIX  # what the refusal tells the user to do


@dataclass
class Fetched:
    """One response: the final URL after redirects, its body and its declared type/charset."""

    url: str
    content: bytes
    content_type: str | None = None
    encoding: str | None = None


@dataclass
class FeedEntry:
    """One feed item worth fetching: its absolute link and what the feed says about it."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601, UTC
    author: str | None = None
    summary: str | None = None


class _PastDeadline(Exception):
    """The fetch's deadline passed; Fetcher.get words it for the user."""


class _BadRedirect(Exception):
    """A redirect to an address that is not http(s), or not an address at all; ``why`` is
    the reason in words."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        found = re.match(r"([A-Za-z][A-Za-z0-9+.-]{0,19}):(//)?", target)
        scheme = found[1].lower() if found else ""
        if scheme and scheme not in ("http", "https"):
            kind = f"{scheme}:{found[2] or ''}" if found else scheme
            self.why = (
                f"redirects to a {kind} address, which is never followed; only http and https "
                "pages are fetched"
            )
        else:
            self.why = "redirects to a malformed address; give the address of the page itself"


class _Deadline:
    """One fetch's wall clock. When it runs out, a timer thread shuts down the sockets the
    fetch uses, which ends a blocked read at once: read timeouts count from the last byte,
    so a page trickled a byte at a time never trips them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        """Seconds until the deadline; raises _PastDeadline when there are none."""
        left = self.end - time.monotonic()
        if left <= 0 or self.expired:
            self._expire()
            raise _PastDeadline
        return left

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down when the time is up (at once if it already is)."""
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                if not any(s is sock for s in self._sockets):
                    self._sockets.append(sock)
                return
        _shut(sock)
        raise _PastDeadline

    def finish(self) -> bool:
        """Stop the watchdog (it touches nothing after this); True if the time ran out."""
        with self._lock:
            self._done = True
            expired = self.expired
        self._timer.cancel()
        return expired

    def _expire(self) -> None:
        with self._lock:
            if self._done or self.expired:
                return
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End every read and write on ``sock`` now (its owner closes it); a TLS socket too."""
    with contextlib.suppress(OSError):  # already closed, or detached when TLS took it over
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the OS call, not SSLSocket's


def _deadline() -> _Deadline | None:
    """The deadline of the fetch running in this thread, if any."""
    return getattr(_active, "deadline", None)


def _is_timeout(error: Exception | None) -> bool:
    """A connect or read that timed out (a refused connection is not a timeout)."""
    return isinstance(error, (ConnectTimeoutError, ReadTimeoutError)) and not isinstance(
        error, NewConnectionError
    )


def _is_refused(error: BaseException | None) -> bool:
    """A connection the host refused (ECONNREFUSED: nothing listens on that port)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Retry(Retry):
    """urllib3's Retry with Retry-After and backoff capped by the fetch's deadline (and
    Retry-After by RETRY_AFTER_MAX), and a timeout retried TIMEOUT_RETRIES times at most:
    a server that does not answer in 30 s will not answer in the next 90 either. A refused
    connection is not retried at all: nothing listens there, and backing off only made a
    closed port take 10 s to say so."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        deadline = _deadline()
        if deadline is not None:
            deadline.left()  # no retry after the deadline
        timeouts = sum(_is_timeout(h.error) for h in self.history)
        if _is_refused(error) or (_is_timeout(error) and timeouts >= TIMEOUT_RETRIES):
            raise MaxRetryError(_pool, url or "", error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else _within_deadline(min(seconds, RETRY_AFTER_MAX))

    def get_backoff_time(self) -> float:
        return _within_deadline(super().get_backoff_time())


def _within_deadline(seconds: float) -> float:
    """A wait cut short at the running fetch's deadline."""
    deadline = _deadline()
    return seconds if deadline is None else min(seconds, max(deadline.end - time.monotonic(), 0))


class _Refused(Exception):
    """A host (or connected peer) with a non-public address; Fetcher.get words it for the user."""

    def __init__(self, host: str, ip: str) -> None:
        super().__init__(f"{host} is not public ({ip})")
        self.host, self.ip = host, ip


class _PeerCheck:
    """Checks the address actually connected to, before a byte is sent: a name resolved once
    by the adapter may resolve to another address when urllib3 connects (DNS rebinding)."""

    host: str
    proxy: Any

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        if self.proxy is None:  # through a proxy, the peer is the proxy, not the site
            peer = sock.getpeername()[0]
            if not is_public(peer):
                sock.close()
                raise _Refused(self.host, peer)
        return sock


class _Watched:
    """Hands every socket a request uses, new or reused, to the running fetch's deadline,
    connects only within it, and never starts a request after it."""

    sock: Any
    timeout: Any

    def _new_conn(self) -> socket.socket:
        deadline = _deadline()
        if deadline is not None:
            left = deadline.left()
            if not isinstance(self.timeout, (int, float)) or self.timeout > left:
                self.timeout = left  # the connect timeout, for this connection attempt
        sock = super()._new_conn()  # type: ignore[misc]
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if (deadline := _deadline()) is not None:
            deadline.watch(self.sock)  # after TLS, the socket that wraps the one above

    def request(self, *args: Any, **kwargs: Any) -> None:
        if (deadline := _deadline()) is not None:
            deadline.left()
            deadline.watch(self.sock)  # a pooled connection, reused
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTP(_Watched, HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnection):
    pass


class _CheckedHTTP(_PeerCheck, _WatchedHTTP):
    pass


class _CheckedHTTPS(_PeerCheck, _WatchedHTTPS):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTP


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPS


class _Adapter(HTTPAdapter):
    """requests' adapter; with ``allow_private=False`` each request, and so each redirect
    requests follows (they all pass through ``send``), goes to public addresses only."""

    def __init__(self, allow_private: bool, **kwargs: Any) -> None:
        self.allow_private = allow_private  # before super(), which calls init_poolmanager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self.allow_private:
            pools = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        else:
            pools = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}
        self.poolmanager.pool_classes_by_scheme = pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own connections
            pools = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
            manager.pool_classes_by_scheme = pools  # the peer is the proxy: never checked
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if not self.allow_private:
            _check_host(request.url or "")
        return super().send(request, *args, **kwargs)


def is_public(address: str) -> bool:
    """True for a globally routable unicast IP; False for private, loopback, link-local,
    shared, reserved, multicast and unspecified ones, also inside IPv6 (::ffff:10.0.0.1)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(str(inner))
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
        or ip.is_multicast or ip.is_unspecified
    )  # fmt: skip


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _check_host(url: str) -> None:
    """Raise _Refused unless every address of the URL's host is public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(host, port)
    except (OSError, ValueError, UnicodeError):
        return  # unresolvable or malformed: connecting fails the usual way, with its reason
    for ip in addresses:
        if not is_public(ip):
            raise _Refused(host, ip)


class _Session(requests.Session):
    """requests' Session that follows redirects to http(s) addresses only, and drops a
    redirect's body unread (requests would read all of it, past any size cap)."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        resp.raw.close()  # the body is never used; closing it leaves nothing to read
        try:
            where = urljoin(resp.url, target)
        except ValueError:  # 'http://[x': not an address
            raise _BadRedirect(target) from None
        if not is_web_address(where):
            raise _BadRedirect(where)
        return target


class Fetcher:
    """One HTTP session for a run: connection reuse, our User-Agent, retries with backoff,
    and a deadline for each URL."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = s = settings or FetchSettings()
        retry = _Retry(
            total=s.retries, connect=s.retries, read=s.retries, status=s.retries,
            backoff_factor=s.backoff, status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True,
            raise_on_status=False,
        )  # fmt: skip
        self.session = _Session()
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers["User-Agent"] = s.user_agent
        adapter = _Adapter(s.allow_private, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str) -> Fetched:
        """GET one URL within the settings' limits, all of it within ``settings.deadline``
        seconds (read each call); raises FetchError with a one-line reason."""
        if not is_web_address(url):
            raise FetchError(
                f"{url}: only http and https URLs are fetched; download the file and pass its path"
            )
        deadline = _Deadline(self.settings.deadline)
        outer, _active.deadline = _deadline(), deadline
        try:
            return self._get(url, deadline)
        finally:
            deadline.finish()
            _active.deadline = outer

    def _get(self, url: str, deadline: _Deadline) -> Fetched:
        """`get` under a running deadline."""
        too_slow = FetchError(
            f"{url}: took over {deadline.seconds:g} s to download (the limit for one page); "
            "try again later, or save its text to a file"
        )
        try:
            with self.session.get(url, timeout=self.settings.timeout, stream=True) as response:
                status = response.status_code
                if status >= 400:
                    fix = "try again later" if status in RETRY_STATUSES else "check the address"
                    raise FetchError(f"{url}: HTTP {status} {_reason(response.reason)}; {fix}")
                content = self._read(url, response, deadline)
        except _PastDeadline:
            raise too_slow from None
        except _BadRedirect as exc:
            raise FetchError(f"{url}: {exc.why}") from None
        except _Refused as exc:
            where = exc.host if exc.host == urlsplit(url).hostname else f"{exc.host} (redirected)"
            raise FetchError(
                f"{url}: {where} is a private/loopback/link-local address ({exc.ip}); refused "
                f"while serving others; {self.settings.private_fix}"
            ) from None
        except requests.TooManyRedirects:
            why = f"more than {MAX_REDIRECTS} redirects; pass the address they end at instead"
            raise FetchError(f"{url}: {why}") from None
        except (requests.RequestException, OSError) as exc:
            if deadline.finish():  # the watchdog ended the read: the error is only its echo
                raise too_slow from None
            raise FetchError(f"{url}: {_network_reason(exc, self.settings)}") from None
        header = Message()
        header["Content-Type"] = response.headers.get("Content-Type", "")
        content_type = header.get_content_type() if header["Content-Type"] else None
        return Fetched(response.url, content, content_type, header.get_content_charset())

    def _read(self, url: str, response: requests.Response, deadline: _Deadline) -> bytes:
        """The body in chunks, stopping as soon as it is over the size cap or the deadline."""
        limit = self.settings.max_bytes
        size = f"{limit / 2**20:.1f} MB" if limit >= 2**20 else f"{limit:,} bytes"
        too_big = FetchError(f"{url}: over the {size} limit for one page; save its text to a file")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big  # before reading any of it
        chunks, total = [], 0
        for chunk in response.iter_content(CHUNK):
            total += len(chunk)
            if total > limit:
                raise too_big
            chunks.append(chunk)
            deadline.left()
        if deadline.finish():  # a body that ends at the connection's close: cut off, not whole
            raise _PastDeadline
        return b"".join(chunks)

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_feed(
    url: str, fetcher: Fetcher, since: datetime | None = None
) -> tuple[list[FeedEntry], list[str]]:
    """A feed's entries (links made absolute; older than `since` dropped) and entry problems."""
    import feedparser

    got = fetcher.get(url)
    # A stream, not bytes: given bytes, feedparser first tries them as a local file name.
    # No base URL either, so that links made from bare RSS guids can be told apart below.
    parsed = feedparser.parse(io.BytesIO(got.content))
    if not parsed.get("version") or (parsed.get("bozo") and not parsed.entries):
        raise FetchError(f"{url}: not an RSS or Atom feed; give the feed's address, not a page's")
    since = _utc(since) if since else None
    entries: list[FeedEntry] = []
    problems: list[str] = []
    undated = 0
    for number, entry in enumerate(parsed.entries, 1):
        title = _text(entry.get("title"))
        raw = _text(entry.get("link"))
        if raw and not entry.get("links") and not is_url(raw):
            raw = None  # no <link>: feedparser copied a bare guid or id ('12345') into link
        link = urljoin(got.url, raw) if raw else ""
        if not is_web_address(link):
            name = f"'{title}'" if title else "(untitled)"
            problems.append(f"{url}: entry {number} {name} has no web link; it is skipped")
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        when = datetime(*stamp[:6], tzinfo=timezone.utc) if stamp else None
        if when is None:
            undated += 1
        elif since is not None and when < since:
            continue
        published = when.isoformat() if when else None
        author, summary = _text(entry.get("author")), _text(entry.get("summary"))
        entries.append(FeedEntry(link, title, published, author, summary))
    if since is not None and undated:
        logger.info("%s: kept %d undated entries; their age is unknown", url, undated)
    return entries, problems


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """A --since value as an aware UTC datetime: a duration back from now, or an ISO date."""
    now = _utc(now) if now else datetime.now(timezone.utc)
    match = DURATION.match(value or "")
    if match:
        return now - timedelta(**{UNITS[match[2].lower()]: int(match[1])})
    text = (value or "").strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"{value!r} is not a time; give {SINCE_FORMS}") from None


def is_url(value: str) -> bool:
    """True for 'scheme://...' strings, so ftp:// or file:// are refused, not read as paths."""
    return bool(SCHEME.match(value))


def is_web_address(value: str) -> bool:
    """True for an http(s) URL with a host: the only addresses anything here fetches."""
    try:
        parts = urlsplit(value)
    except ValueError:  # 'http://[x]/': a bracketed host that is no IPv6 address
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _reason(phrase: str | None) -> str:
    """A server's HTTP reason phrase as one short line (any text the server chose)."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", phrase or "").split())
    return (text[:REASON_MAX] + "...") if len(text) > REASON_MAX else text or "error"


def _network_reason(exc: requests.RequestException, settings: FetchSettings) -> str:
    """A one-line reason for a failed request: which timeout, or the system's own words."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", None) or inner  # MaxRetryError wraps the last error
    connect, read = settings.timeout
    found = re.search(r"\[Errno -?\d+\] ([^)\]'\"]+)", str(inner))  # 'Connection refused'
    why = found.group(1).strip() if found else str(inner).rsplit(": ", 1)[-1][:80].strip()
    if _is_refused(inner):
        return "connection refused; is the address right?"
    if isinstance(inner, NewConnectionError):
        return f"cannot connect ({why}); check the address or try again later"
    if isinstance(exc, requests.ConnectTimeout) or isinstance(inner, ConnectTimeoutError):
        return f"no connection within {connect:g} s; try again later"
    if isinstance(exc, requests.ReadTimeout) or isinstance(inner, ReadTimeoutError):
        return f"no answer within {read:g} s; try again later"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect ({why}); try again later"
    return f"download failed ({why}); try again later"


def _utc(when: datetime) -> datetime:
    """Aware UTC; a naive time is taken to be UTC already."""
    return when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None
