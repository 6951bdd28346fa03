"""The HTML report, opened in a real headless browser (Debian's chromium via Playwright)."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, EXAMPLES

from summarizer import Document, Options
from summarizer.render import anchor, render
from summarizer.utils import isolate_bidi

IN_VIEW = (
    "e => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }"
)
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def report(summarizer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """An extractive run over all our examples (five languages), as one HTML file."""
    sources: list[Path | Document] = sorted(EXAMPLES.glob("*.txt"))
    he = (EXAMPLES / "he_solar.txt").read_text(encoding="utf-8")
    sources.append(Document(source="hostile.txt", text=he + f"\n\n{HOSTILE} ההודעה נמסרה היום."))
    result = summarizer.run(sources, Options(engine="extractive"))
    assert result.failed == []
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(result, "html"), encoding="utf-8")
    return path, result


class Tags(HTMLParser):
    """Every tag and attribute of a document, as the browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_report_is_self_contained_and_escaped(report) -> None:
    path, _ = report
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    parser = Tags()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed"}
    for _, attrs in parser.tags:
        assert "src" not in attrs and not any(k.startswith("on") for k in attrs)
        assert (attrs.get("href") or "#").startswith("#")  # links stay inside the report
    assert "&lt;script&gt;" in html
    for section in ('id="digest"', 'id="timeline"', 'id="sources"', 'id="articles"'):
        assert section in html


def test_report_cards_head_once_in_their_direction_and_chart_coverage(report) -> None:
    """Issue 18 on a real run: each card has one heading, an RTL one right to left; a title
    is never shown twice in its card; English cards do not claim a translation; a coverage
    chart (inline SVG, labelled for screen readers) sits above the timeline."""
    path, result = report
    page = path.read_text(encoding="utf-8")
    for a in result.articles:
        start = page.index(f'<article class="card" id="{anchor(a.id)}">')
        card = page[start : page.index("</article>", start)]
        parser = Tags()
        parser.feed(card)
        headings = [attrs for tag, attrs in parser.tags if tag == "h3"]
        assert len(headings) == 1, a.id
        shows_original = not a.title_translation or a.title_translation == a.title
        if a.title and shows_original:
            assert headings[0].get("lang") == a.language, a.id
            assert headings[0].get("dir") == ("rtl" if a.language in ("he", "ar", "fa") else "ltr")
        if a.title:
            assert card.count(escape(isolate_bidi(a.title.strip()))) == 1, a.id
        if a.language == "en":
            assert "not translated" in card and "English translation" not in card
    assert page.index('id="coverage"') < page.index('id="timeline"')
    assert '<svg class="chart" role="img" aria-label="Articles per ' in page


def test_anchor_ids_are_ascii_and_distinct() -> None:
    ids = ["a", "a-1", "a_1", "דוח", "a b", "a/b", "a:b", "a.2f.", "a-s0", "a~s0"]
    anchors = [anchor(i, 0) for i in ids] + [anchor(i) for i in ids]
    assert len(set(anchors)) == len(anchors)
    assert all(a.isascii() and " " not in a for a in anchors)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_report_in_a_browser_rtl_and_citation_links(report, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    path, result = report
    url = path.as_uri()
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url)
            assert page.evaluate("document.scripts.length") == 0
            assert page.locator("img").count() == 0
            # nothing wider than the window (model paths, long ids wrap or are shortened)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            assert HOSTILE in page.locator("body").inner_text()  # shown as the text it is

            # Right-to-left originals, left-to-right translations.
            for lang in ("he", "ar", "fa"):
                cells = page.locator(f'td[lang="{lang}"]')
                assert cells.count() > 0, lang
                directions = cells.evaluate_all(
                    "cells => cells.map(c => getComputedStyle(c).direction)"
                )
                assert set(directions) == {"rtl"}, lang
            english = page.locator('td[lang="en"]').first
            assert english.evaluate("c => getComputedStyle(c).direction") == "ltr"

            # Every citation points at a sentence row that exists; following one lands on it.
            links = page.locator("a.cite")
            hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
            assert hrefs, "no citation links"
            for href in hrefs:
                assert page.locator(f"tr[id='{href[1:]}']").count() == 1, href
            target = hrefs[-1]
            page.locator(f"a.cite[href='{target}']").first.click()
            assert page.evaluate("location.hash") == target
            row = page.locator("tr:target")
            assert row.get_attribute("id") == target[1:]
            assert row.evaluate(IN_VIEW)  # scrolled into view
            # the cited row shows the original sentence next to its translation
            assert row.locator("td").count() in (2, 3)
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert dialogs == []  # the hostile markup stayed text
    assert requests == [url]  # nothing fetched beyond the file itself
    points = result.digest.points
    assert sum(len(p.evidence) for p in points) == len(hrefs)
