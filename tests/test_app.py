"""The web UI, running on loopback with the tiny models: driven by gradio_client and a browser."""

from __future__ import annotations

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
        "rows": {"headers": HEADERS, "data": []}, "paste": "", "files": [],
        "engine": "abstractive", "brief_words": 20, "digest_words": 30,
        "brief_model": "tiny-bart", "digest_model": "tiny-bart",
        "story_threshold": 0, "strict": False, "translate_only": False, "lang": "",
    }  # fmt: skip
    args.update(overrides)
    return list(args.values())


def test_server_binds_to_loopback_only(server: str) -> None:
    assert server.startswith("http://127.0.0.1:")


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
    rows, status, paste, _ = client.predict(pasted, [], api_name="/add")
    assert "2 article(s) added" in status and paste == ""
    assert [row[2] for row in rows["data"]] == ["fa", "de"]


def test_language_for_every_article_and_translation_only(client) -> None:
    paste = (EXAMPLES / "ar_desalination.txt").read_text(encoding="utf-8")
    out = client.predict(*run_args(paste=paste, lang="fa", translate_only=True), api_name="/run")
    (article,) = out[3]["articles"]
    assert article["language"] == "fa" and article["brief"] == ""
    assert out[3]["options"]["lang"] == "fa" and out[3]["options"]["translate_only"] is True


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

    pasted = "\n\n---\n\n".join(
        (EXAMPLES / name).read_text(encoding="utf-8")
        for name in ("ar_desalination.txt", "de_wasserkonferenz.txt")
    )
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
            assert "2 article(s) processed" in page.locator("#status").inner_text()
            cite = page.locator("#report a.cite").first
            target = cite.get_attribute("href")
            cite.click()
            page.wait_for_function("h => location.hash === h", arg=target)
            row = page.locator(f"#report tr[id='{target[1:]}']")
            assert row.evaluate("e => e.matches(':target')")
            page.screenshot(path=str(ARTIFACTS / "app-citation.png"))
            page.locator("#report .story").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "app.png").stat().st_size > 10_000


def test_cancel_stops_the_run_between_steps(summarizer) -> None:
    """Cancel is cooperative: the pipeline stops at its next progress step."""
    from summarizer.webui import WebApp

    app = WebApp.__new__(WebApp)  # the session's already-loaded models
    app.summarizer, app.config = summarizer, summarizer.config
    app.limits, app._cancel = summarizer.config.limits, {}
    stages: list[str] = []

    def progress(_value, desc=None):
        stages.append(desc)
        if len(stages) == 3:
            app.cancel(None)

    paste = (EXAMPLES / "de_wasserkonferenz.txt").read_text(encoding="utf-8")
    out = app.run([], [], paste, None, "abstractive", 20, 30, None, None, 0, False, False,
                  "", None, progress)  # fmt: skip
    assert out[2] == "Cancelled."
    assert len(stages) == 3 and out[4] is None


def test_server_serves_no_arbitrary_files(server: str, tiny_config: Path) -> None:
    import urllib.error
    import urllib.request

    for path in (tiny_config, Path("/etc/passwd"), EXAMPLES / "he_solar.txt"):
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"{server}gradio_api/file={path}", timeout=10)
        assert exc.value.code == 403


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
