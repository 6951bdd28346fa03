"""The web UI, running on loopback with the tiny models: driven by gradio_client and a browser."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DATA, EXAMPLES

pytest.importorskip("gradio", reason="the web UI needs the ui extra: pip install -e '.[ui]'")

HEADERS = ["#", "source", "language", "confidence", "words"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_config: Path):
    """`summarize serve` as the CLI starts it, but not blocking: (url, WebApp's Blocks)."""
    from summarizer.webui import serve

    port = free_port()
    demo = serve(str(tiny_config), host="127.0.0.1", port=port, device="cpu", block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture
def client(server: str):
    """A fresh session: the article list lives per browser session."""
    from gradio_client import Client

    return Client(server, verbose=False)


def run_args(**overrides):
    """The /run endpoint's inputs, by name, with the page's defaults."""
    args = {
        "rows": {"headers": HEADERS, "data": []}, "paste": "", "urls": "", "files": [],
        "engine": "abstractive", "brief_words": 20, "digest_words": 30,
        "brief_model": "tiny-bart", "digest_model": "tiny-bart",
        "story_threshold": 0, "strict": False, "translate_only": False, "lang": "",
    }  # fmt: skip
    args.update(overrides)
    return list(args.values())


def test_server_binds_to_loopback_only(server: str) -> None:
    assert server.startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_api_runs_three_uploaded_articles(client) -> None:
    from gradio_client import handle_file

    files = [EXAMPLES / "he_solar.txt", EXAMPLES / "ar_desalination.txt", DATA / "de_scraped.txt"]
    out = client.predict(*run_args(files=[handle_file(str(f)) for f in files]), api_name="/run")
    _, status, report, data, downloads = out[:5]
    assert "3 article(s) processed" in status
    assert data["failed"] == []
    assert [a["language"] for a in data["articles"]] == ["he", "ar", "de"]
    digest = data["digest"]
    assert {"text", "engine", "points", "stories", "timeline", "sources"} <= set(digest)
    assert digest["points"] and digest["stories"] and len(digest["sources"]) == 3
    ids = {a["id"] for a in data["articles"]}
    assert all(set(p["sources"]) <= ids for p in digest["points"])
    assert 'dir="rtl" lang="he"' in report and 'class="sr-report"' in report
    names = sorted(Path(d).name for d in downloads)
    assert names == ["digest.html", "digest.json", "digest.md"]
    saved = json.loads(Path(next(d for d in downloads if d.endswith(".json"))).read_text())
    assert [a["id"] for a in saved["articles"]] == [a["id"] for a in data["articles"]]


def test_empty_input_is_a_message_and_the_server_keeps_serving(client) -> None:
    _, status, report, data, downloads = client.predict(*run_args(), api_name="/run")[:5]
    assert status.startswith("- **Problem:** Nothing to summarize")
    assert report == "" and data is None and downloads is None
    # an unreadable upload is named, the pasted article still runs
    out = client.predict(
        *run_args(
            paste=(EXAMPLES / "en_desalination.txt").read_text(encoding="utf-8"),
            files=[_handle(b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.txt")],
            engine="extractive",
        ),
        api_name="/run",
    )
    _, status, _, data, _ = out[:5]
    assert "1 article(s) processed" in status and "photo.txt: is a PNG image" in status
    assert len(data["articles"]) == 1


def test_add_detects_language_and_splits_pasted_articles(client) -> None:
    pasted = "\n---\n".join(
        (EXAMPLES / name).read_text(encoding="utf-8")
        for name in ("fa_solar.txt", "de_wasserkonferenz.txt")
    )
    rows, status, paste, _, _ = client.predict(pasted, "", [], api_name="/add")
    assert "2 article(s) added" in status and paste == ""
    assert [row[2] for row in rows["data"]] == ["fa", "de"]


def test_language_for_every_article_and_translation_only(client) -> None:
    paste = (EXAMPLES / "ar_desalination.txt").read_text(encoding="utf-8")
    out = client.predict(*run_args(paste=paste, lang="fa", translate_only=True), api_name="/run")
    (article,) = out[3]["articles"]
    assert article["language"] == "fa" and article["brief"] == ""
    assert out[3]["options"]["lang"] == "fa" and out[3]["options"]["translate_only"] is True


def test_unknown_language_codes_are_refused_as_the_cli_refuses_them(client) -> None:
    """A cell of the list or the every-article box holding no language the server can use
    is a status line naming the row and the valid codes; the article keeps its detected
    language (the report never says "Original (zz)"), and codes are read as --lang is."""
    pasted = "\n---\n".join(
        (EXAMPLES / name).read_text(encoding="utf-8")
        for name in ("de_wasserkonferenz.txt", "en_desalination.txt")
    )
    rows = client.predict(pasted, "", [], api_name="/add")[0]["data"]
    rows[0][2], rows[1][2] = "zz", "DE"
    out = client.predict(
        *run_args(rows={"headers": HEADERS, "data": rows}, engine="extractive", lang="zz"),
        api_name="/run",
    )
    table, status, report, data = out[:4]
    assert [row[2] for row in table["data"]] == ["de", "de"]  # zz reverted, DE read as de
    assert [a["language"] for a in data["articles"]] == ["de", "de"]
    assert "Original (zz)" not in report and 'lang="zz"' not in report
    assert (
        "- **Problem:** row 1 (pasted-1): 'zz' is not a language this server can use; kept "
        "German (de); valid: ar, de, en, fa, he, or any other ISO 639-1 code (e.g. it, ru, zh)"
    ) in shown(status).splitlines()
    assert (
        "- **Problem:** 'zz' is not a language this server can use; detecting each article's "
        "language instead (valid: ar, de, en, fa, he, or any other ISO 639-1 code (e.g. it, "
        "ru, zh))"
    ) in shown(status).splitlines()
    assert data["options"]["lang"] is None


def test_unknown_model_is_refused_with_the_choices(client) -> None:
    from gradio_client.exceptions import AppError

    paste = (EXAMPLES / "en_desalination.txt").read_text(encoding="utf-8")
    with pytest.raises(AppError, match=r"gpt-9 is not in the list of choices: \['tiny-bart'\]"):
        client.predict(*run_args(paste=paste, brief_model="gpt-9"), api_name="/run")
    # and the server still serves
    assert (
        "1 article(s) processed"
        in client.predict(*run_args(paste=paste, engine="extractive"), api_name="/run")[1]
    )


def _handle(data: bytes, name: str):
    """An upload of ``data`` named ``name`` (written to a temporary folder)."""
    import tempfile

    from gradio_client import handle_file

    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(data)
    return handle_file(str(path))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_browser_paste_run_rtl_citation_and_screenshot(server: str) -> None:
    from playwright.sync_api import sync_playwright

    # The English pair makes points whatever the tiny models write (they loop, and a
    # looping translation never becomes a point).
    names = ("ar_desalination.txt", "de_wasserkonferenz.txt", "en_desalination.txt",
             "en_desalination_wire.txt")  # fmt: skip
    pasted = "\n\n---\n\n".join((EXAMPLES / n).read_text(encoding="utf-8") for n in names)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server)
            page.locator("#paste textarea").fill(pasted)
            page.get_by_label("Extractive", exact=False).first.check()
            page.locator("#run").click()
            page.locator("#report .story").first.wait_for(timeout=120_000)
            arabic = page.locator('#report td[lang="ar"]').first
            assert arabic.evaluate("c => getComputedStyle(c).direction") == "rtl"
            german = page.locator('#report td[lang="de"]').first
            assert german.evaluate("c => getComputedStyle(c).direction") == "ltr"
            assert "4 article(s) processed" in page.locator("#status").inner_text()
            cite = page.locator("#report a.cite").first
            target = cite.get_attribute("href")
            cite.click()
            page.wait_for_function("h => location.hash === h", arg=target)
            row = page.locator(f"#report tr[id='{target[1:]}']")
            assert row.evaluate("e => e.matches(':target')")
            page.screenshot(path=str(ARTIFACTS / "app-citation.png"))
            # the tiny models' translations are doubtful: marked beside the original
            assert "translated sentences look doubtful" in page.locator("#status").inner_text()
            doubtful = page.locator('#report tr.doubtful td[lang="ar"]').first
            doubtful.scroll_into_view_if_needed()
            reason = doubtful.locator(".doubt").first
            assert reason.is_visible() and reason.inner_text().startswith("\u26a0 ")
            assert reason.evaluate("c => getComputedStyle(c).direction") == "ltr"
            # right-aligned inside Gradio's page too (its table styles would make it left)
            assert doubtful.evaluate("c => getComputedStyle(c).textAlign") == "right"
            assert page.locator("#report .legend").first.is_visible()
            page.screenshot(path=str(ARTIFACTS / "app-doubtful.png"))
            page.locator("#report .story").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "app.png").stat().st_size > 10_000


def test_cancel_stops_the_run_between_steps(summarizer) -> None:
    """Cancel is cooperative: the pipeline stops at its next progress step."""
    from summarizer.webui import WebApp

    app = WebApp(summarizer=summarizer)  # the session's already-loaded models
    stages: list[str] = []

    def progress(_value, desc=None):
        stages.append(desc)
        if len(stages) == 3:
            app.cancel(None)

    paste = (EXAMPLES / "de_wasserkonferenz.txt").read_text(encoding="utf-8")
    out = app.run([], [], paste, "", None, "abstractive", 20, 30, None, None, 0, False, False,
                  "", None, progress)  # fmt: skip
    assert out[2].startswith("Cancelled: the run stopped before it finished.")
    assert [a.doc.source for a in out[0]] == ["pasted"] and out[3] == "" and out[4] is None
    assert app.wait_idle(10)  # the run's thread stopped at its next step and gave back the slot
    assert len(stages) == 3
    assert app.cancel(None) is False  # nothing left to cancel


def test_server_serves_no_arbitrary_files(server: str, tiny_config: Path) -> None:
    import urllib.error
    import urllib.request

    for path in (tiny_config, Path("/etc/passwd"), EXAMPLES / "he_solar.txt"):
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"{server}gradio_api/file={path}", timeout=10)
        assert exc.value.code == 403


SECRET = "not-for-the-web-7f3a"


@pytest.fixture
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file in the system's temp folder (where Gradio keeps uploads too), never uploaded."""
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_text(f"{SECRET}\nThe minister said the plan costs 40 million.\n", encoding="utf-8")
    return path


def test_no_path_traversal_through_the_file_route(server: str, secret_file: Path) -> None:
    """Raw request paths (no client-side normalising): absolute, ../ and encoded forms."""
    import http.client
    import tempfile
    from urllib.parse import quote, urlsplit

    upload_dir = Path(tempfile.gettempdir()) / "gradio"
    targets = ["/etc/passwd", str(secret_file), f"{upload_dir}/../../etc/passwd"]
    paths = []
    for target in targets:
        paths += [f"/gradio_api/file={target}", f"/file={target}"]
        paths.append(f"/gradio_api/file={quote(target, safe='')}")
    paths += [
        "/gradio_api/file=../../../../../../etc/passwd",
        "/gradio_api/file=..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=/proc/self/environ",
        "/static/../../../../../../etc/passwd",
        "/assets/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/gradio_api/file=" + quote(str(secret_file)).replace("/", "%252F"),
    ]
    where = urlsplit(server)
    for path in paths:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        assert response.status >= 400 or "<html" in body.lower(), (path, response.status)
        assert "root:" not in body and SECRET not in body and "PATH=" not in body, path


def _call(server: str, name: str, data: list) -> tuple[str, str]:
    """One raw API call, as any HTTP client could make it: (event, data) of the result."""
    import urllib.request

    request = urllib.request.Request(
        f"{server}gradio_api/call/{name}",
        data=json.dumps({"data": data}).encode(),
        headers={"Content-Type": "application/json"},
    )
    event_id = json.load(urllib.request.urlopen(request, timeout=10))["event_id"]
    with urllib.request.urlopen(f"{server}gradio_api/call/{name}/{event_id}", timeout=120) as r:
        lines = r.read().decode().splitlines()
    event = next(line[7:] for line in lines if line.startswith("event: "))
    return event, "\n".join(line[6:] for line in lines if line.startswith("data: "))


@pytest.mark.parametrize("target", ["/etc/passwd", "secret", "traversal"])
def test_api_reads_no_file_that_was_not_uploaded(server: str, secret_file: Path, target) -> None:
    import tempfile

    path = {
        "/etc/passwd": "/etc/passwd",
        "secret": str(secret_file),
        "traversal": f"{tempfile.gettempdir()}/gradio/../../{secret_file.relative_to('/')}",
    }[target]
    file = {"path": path, "meta": {"_type": "gradio.FileData"}}
    for name, data in (
        ("add", ["", "", [file]]),
        ("run", run_args(files=[file], engine="extractive")),
    ):
        event, payload = _call(server, name, data)
        assert event == "error", (name, payload)  # Gradio refuses it before our handler runs
        assert "root:" not in payload and SECRET not in payload and "Traceback" not in payload


@pytest.mark.slow
def test_handlers_read_only_files_under_the_upload_folder(summarizer, secret_file) -> None:
    """Our own check behind Gradio's: a path from anywhere else is named, never read."""
    from summarizer.webui import WebApp

    app = WebApp(summarizer=summarizer)
    app.upload_root = secret_file.parent / "uploads"
    (app.upload_root / "ok").mkdir(parents=True)
    uploaded = app.upload_root / "ok" / "a.txt"
    uploaded.write_text("Der Minister sagte, der Plan koste 40 Millionen Euro.", encoding="utf-8")
    sneaky = str(app.upload_root / "ok" / ".." / ".." / "secret.txt")
    for path in (str(secret_file), sneaky, "/etc/passwd"):
        articles, _, status, *_ = app.add("", "", [path, str(uploaded)], [])
        assert [a.doc.source for a in articles] == ["a.txt"]
        assert f"{Path(path).name}: was not uploaded to this page; upload the file" in status
        state = json.dumps([dataclasses.asdict(a) for a in articles])
        assert SECRET not in state and "root:" not in state


def test_no_public_link_unless_asked(server: str, tiny_config: Path, monkeypatch) -> None:
    """The running server has no share link; serve() passes share only when asked, and
    private web addresses are fetched only on loopback without --share, or when allowed."""
    import gradio as gr

    from summarizer import webui

    running = [b for b in gr.Blocks.get_instances() if getattr(b, "local_url", None) == server]
    assert running and all(b.share is False and b.share_url is None for b in running)

    launched: list[tuple[webui.WebApp, dict]] = []

    class Demo:
        local_url, share_url = "http://127.0.0.1:7860/", None

        def launch(self, **kwargs):
            launched.append((app, kwargs))

    def build(self):
        nonlocal app
        app = self
        return Demo()

    app = None
    monkeypatch.setattr(webui.WebApp, "build", build)
    cases = [  # host, share, --allow-private-urls: private addresses fetched?
        ("127.0.0.1", False, False, True),
        ("localhost", False, False, True),
        ("::1", False, False, True),
        ("127.0.0.1", True, False, False),
        ("0.0.0.0", False, False, False),
        ("192.168.1.20", False, False, False),
        ("0.0.0.0", False, True, True),
    ]
    for host, share, allow, expected in cases:
        webui.serve(str(tiny_config), host=host, device="cpu", share=share,
                    allow_private_urls=allow, block=False)  # fmt: skip
        got, kwargs = launched[-1]
        assert got.fetch.allow_private is expected, host
        assert kwargs["share"] is share and kwargs["server_name"] == host
    webui.serve(str(tiny_config), device="cpu", block=False)
    assert launched[-1][1]["share"] is False and launched[-1][1]["server_name"] == "127.0.0.1"


def test_cli_and_app_pass_allow_private_urls(tiny_config: Path, monkeypatch) -> None:
    import runpy
    import sys

    from summarizer import cli, webui

    calls: list[dict] = []
    monkeypatch.setattr(webui, "serve", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli, "_setup_logging", lambda *args: None)  # leave pytest's logging be
    assert cli.main(["serve", "--config", str(tiny_config), "--host", "0.0.0.0"]) == 0
    assert calls[-1]["allow_private_urls"] is False and calls[-1]["share"] is False
    assert cli.main(["serve", "--config", str(tiny_config), "--allow-private-urls"]) == 0
    assert calls[-1]["allow_private_urls"] is True
    monkeypatch.setattr(
        sys, "argv", ["app.py", "--config", str(tiny_config), "--allow-private-urls"]
    )
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(Path(__file__).parent.parent / "app.py"), run_name="__main__")
    assert done.value.code == 0 and calls[-1]["allow_private_urls"] is True


def test_progress_reaches_the_page_with_stage_names(client) -> None:
    import time

    paste = "\n---\n".join(
        (EXAMPLES / name).read_text(encoding="utf-8")
        for name in ("de_wasserkonferenz.txt", "ar_desalination.txt")
    )
    job = client.submit(*run_args(paste=paste), api_name="/run")
    seen: set[str] = set()
    while not job.done():
        seen |= {p.desc for p in job.status().progress_data or [] if p.desc}
        time.sleep(0.02)
    assert "2 article(s) processed" in job.result()[1]
    # polled, so the quickest steps (reading, and translating on CTranslate2) may slip by;
    # the summaries, several model calls each, do not
    assert any(s.startswith(("translating", "briefs", "digest")) for s in seen), seen
    assert len(seen) >= 2, seen


# --- limits, web addresses and hostile markup ---------------------------------------------


@pytest.fixture
def app(summarizer):
    """The page's handlers on the session's loaded models, with private addresses allowed."""
    from summarizer.webui import WebApp

    return WebApp(summarizer=summarizer)


def shown(status: str) -> str:
    """The status line as the page shows it: Markdown's backslash escapes and entities undone."""
    import html
    import re

    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", status))


def _limit(app, **changes) -> None:
    import dataclasses

    app.limits = dataclasses.replace(app.limits, **changes)


def test_upload_size_limit(app, tmp_path: Path, http_server) -> None:
    _limit(app, max_upload_mb=1)
    big = tmp_path / "big.txt"
    big.write_bytes(b"Der Plan kostet 40 Millionen Euro. " * 40_000)  # 1.4 MB
    small = tmp_path / "small.txt"
    small.write_text("Der Plan kostet 40 Millionen Euro.", encoding="utf-8")
    articles, _, status, *_ = app.add("", "", [str(big), str(small)], [])
    assert [a.doc.source for a in articles] == ["small.txt"]
    assert (
        "big.txt: over the 1 MB upload limit (limits.max_upload_mb in models.yaml); split the file"
        in status
    )
    base, _ = http_server  # a fetched page is held to the same size
    articles, _, status, *_ = app.add("", f"{base}/big", [], [])
    assert articles == [] and f"{base}/big: over the 1.0 MB limit for one page" in shown(status)


def test_article_count_limit(app, http_server) -> None:
    base, hits = http_server
    _limit(app, max_articles=2)
    pasted = "Erster Artikel.\n---\nZweiter Artikel.\n---\nDritter Artikel."
    articles, rows, status, *_ = app.add(pasted, "", [], [])
    assert len(articles) == len(rows) == 2
    assert "1 article(s) not added: at most 2 articles per run (limits.max_articles in " in status
    # the list is full: web addresses past the limit are not even fetched
    more, _, status, *_ = app.add("", f"{base}/article\n{base}/article", [], articles)
    assert len(more) == 2 and hits == []
    assert status.endswith(
        "- **Problem:** 2 article(s) not added: at most 2 articles per run "
        "(limits.max_articles in models.yaml); run the rest separately"
    )


def test_total_characters_limit(app) -> None:
    _limit(app, max_chars=1000)
    first, second, third = ("A" * 500 + ".", "B" * 400 + ".", "C" * 300 + ".")
    articles, _, status, *_ = app.add(f"{first}\n---\n{second}", "", [], [])
    assert len(articles) == 2 and "Problem" not in status
    more, _, status, *_ = app.add(f"{third}\n---\nD.", "", [], articles)
    assert len(more) == 2
    assert status == (
        "- **Problem:** 2 article(s) not added, from pasted-1 on: over 1,000 characters of text "
        "per run (limits.max_chars in models.yaml); run them separately"
    )
    # pending text given straight to Run is held to the same limit
    out = app.run(articles, None, third, "", None, "extractive", 20, 30, None, None, 0,
                  False, False, "")  # fmt: skip
    assert "limits.max_chars in models.yaml" in out[2] and len(out[0]) == 2


ARTICLE_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Neue Brücke eröffnet</title></head><body><article><h1>Neue Brücke eröffnet</h1>
<p>Nach sechs Jahren Bauzeit ist die neue Rheinbrücke in Köln für den Verkehr freigegeben
worden. Sie kostete rund 480 Millionen Euro und damit ein Viertel mehr als geplant.</p>
<p>Die Brücke hat vier Fahrspuren, breite Radwege und eine eigene Trasse für die Stadtbahn,
die ab dem Sommer im Zehn-Minuten-Takt fahren soll.</p></article></body></html>"""


@pytest.fixture
def http_server():
    """A news site on loopback: (base URL, paths requested)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b"x" * (3 * 2**19) if self.path == "/big" else ARTICLE_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_web_addresses_are_fetched_and_private_ones_refused_when_serving_others(
    summarizer, http_server
) -> None:
    from summarizer.webui import WebApp

    base, hits = http_server
    urls = f"{base}/article\n\n  ftp://example.org/a.txt \n"
    local = WebApp(summarizer=summarizer)  # loopback: local use
    articles, rows, status, _, url_box, _ = local.add("", urls, [], [])
    assert [a.doc.source for a in articles] == [f"{base}/article"]
    assert articles[0].doc.title == "Neue Brücke eröffnet" and rows[0][2] == "de"
    assert "1 article(s) added" in status and url_box == "" and hits == ["/article"]
    shown_status = shown(status)  # addresses are escaped, never links (test_hostile_web.py)
    assert (
        "ftp://example.org/a.txt: not a web address; give an http:// or https:// " in shown_status
    )

    public = WebApp(summarizer=summarizer, allow_private_urls=False)  # serving others
    articles, _, status, *_ = public.add("", f"{base}/article\nhttp://169.254.169.254/", [], [])
    assert articles == [] and hits == ["/article"]  # never reached the server
    assert shown(status).splitlines() == [
        f"- **Problem:** {base}/article: 127.0.0.1 is a private/loopback/link-local address "
        "(127.0.0.1); refused while serving others; give a public address, or start the "
        "server with --allow-private-urls",
        "- **Problem:** http://169.254.169.254/: 169.254.169.254 is a private/loopback/"
        "link-local address (169.254.169.254); refused while serving others; give a public "
        "address, or start the server with --allow-private-urls",
    ]


HOSTILE_TEXT = (
    '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> Der Minister '
    "sagte am Montag, der Plan koste 40 Millionen Euro. Die Arbeiten beginnen im Mai."
)
HOSTILE_RECORD = {
    "url": "<img src=x onerror=window.pwned=3>",
    "title": "<script>window.pwned=4</script>Neue Brücke",
    "text": "Die neue Brücke <b onmouseover=window.pwned=5>kostet</b> 480 Millionen Euro. "
    "Sie hat vier Fahrspuren und breite Radwege.",
}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_browser_shows_hostile_markup_as_text(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    upload = tmp_path / "hostile.jsonl"
    upload.write_text(json.dumps(HOSTILE_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(server)
            page.locator("#paste textarea").fill(HOSTILE_TEXT)  # waits for the page's scripts
            with page.expect_response(lambda r: "/upload" in r.url, timeout=60_000):
                page.locator("#files input[type=file]").set_input_files(str(upload))
            # the uploaded file's row (its name is drawn in two spans, stem and suffix)
            page.locator("#files").get_by_label("hostile.jsonl").first.wait_for(timeout=60_000)
            page.locator("#add").click()
            page.locator("#status").get_by_text("2 article(s) added").wait_for(timeout=60_000)
            table = page.locator("#article-list").inner_text()
            assert HOSTILE_RECORD["url"] in table
            page.get_by_label("Extractive", exact=False).first.check()
            page.locator("#run").click()
            page.locator("#report .story").first.wait_for(timeout=120_000)
            report = page.locator("#report").inner_text()
            assert "<script>window.pwned=1</script>" in report
            assert '<img src=x onerror="window.pwned=2">' in report
            assert "<script>window.pwned=4</script>Neue Brücke" in report
            assert page.evaluate("typeof window.pwned") == "undefined"
            assert page.locator("img[src='x'], #report script, #article-list script").count() == 0
            assert page.locator("[onerror], [onmouseover]").count() == 0
            assert not page.evaluate(
                "[...document.scripts].some(s => s.textContent.includes('pwned'))"
            )
        finally:
            browser.close()
    assert dialogs == []
