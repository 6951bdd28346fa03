"""The HTML report's layout (issue 18): notes said once, a sources table that fits, card
headings in their own direction, a coverage chart without scripts, a fitting heading for
untranslated text, long tokens that wrap. Results are built by hand: no model runs."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from summarizer.digest import sources_table
from summarizer.report import (
    UNTITLED,
    coverage,
    date_bins,
    first_words,
    merge_notes,
    model_name,
    report_body,
    to_html,
)
from summarizer.stories import parse_date, timeline
from summarizer.types import Article, Digest, Result, Segment, Story

RLO = "\u202e"
LONG_MODEL = "/home/someone/.cache/models/translation/very/deep/folder/opus-mt-tc-big-fa-en"
TOKEN = "x" * 400  # one long unbroken token


def article(
    id: str,
    lang: str,
    sentences: list[str],
    translations: list[str] | None = None,
    title: str | None = None,
    title_translation: str | None = None,
    published: str | None = None,
    outlet: str | None = None,
    model: str | None = None,
) -> Article:
    """An article as the pipeline leaves it: translated when ``translations`` are given."""
    translations = translations or sentences
    segments, at = [], 0
    for source, translation in zip(sentences, translations, strict=True):
        segments.append(Segment(source, translation, 0, at, at + len(source)))
        at += len(source) + 1
    return Article(
        id=id, source=f"{id}.txt", title=title, title_translation=title_translation,
        published=published, language=lang, language_confidence=1.0,
        original=" ".join(sentences), translation=" ".join(translations), segments=segments,
        translation_model=model if translations is not sentences else None, outlet=outlet,
    )  # fmt: skip


def result(articles: list[Article], warnings: list[str] | None = None, stories: int = 1) -> Result:
    """A run's result over ``articles``: one story each (up to ``stories``), the timeline
    and sources table as the digest makes them."""
    dates = [parse_date(a.published) for a in articles]
    for k, a in enumerate(articles):
        a.story = k % stories
    digest = Digest(
        text="",
        engine="extractive",
        similarity="/very/long/path/to/models/all-MiniLM-L6-v2",
        stories=[Story(f"Story {k + 1}", [a.id for a in articles]) for k in range(stories)],
        timeline=timeline([a.id for a in articles], dates, {a.id: a.story for a in articles}),
        sources=sources_table(articles),
        warnings=warnings or [],
    )
    return Result(articles, digest, [], {})


def english(id: str = "en_water", published: str | None = "2025-03-12", **kw: object) -> Article:
    return article(
        id, "en", ["The plant opened on Tuesday.", "It supplies water to 300,000 people."],
        title="Desalination plant opens", published=published, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


PERSIAN = ["نیروگاه خورشیدی جدید افتتاح شد.", "این نیروگاه ۴۵۰ مگاوات ظرفیت دارد."]
PERSIAN_EN = ["A new solar plant opened.", "The plant has a capacity of 450 megawatts."]
PERSIAN_TITLE = "نیروگاه خورشیدی در صحرای نقب افتتاح شد"
HEBREW = ["פארק סולארי חדש נחנך היום בנגב.", "הפארק כולל מערכת אגירה."]
HEBREW_EN = ["A new solar park opened in the Negev today.", "The park includes storage."]


class Tags(HTMLParser):
    """Every element's tag, attributes and text, in document order."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[int, str] = {}  # the index of an open heading: its text
        self._open: list[int] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h3", "p"):
            self._open.append(len(self.tags) - 1)
            self.text[len(self.tags) - 1] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h3", "p") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for k in self._open:
            self.text[k] += data

    def headings(self) -> list[tuple[dict[str, str | None], str]]:
        return [(attrs, self.text[k]) for k, (tag, attrs) in enumerate(self.tags) if tag == "h3"]


def card(page: str, id: str) -> str:
    """The HTML of one article's card."""
    match = re.search(rf'<article class="card" id="a-{id}">.*?</article>', page, re.S)
    assert match, id
    return match.group()


# --- 1. notes said once -----------------------------------------------------------------------


def test_identical_notes_are_said_once_with_their_stories() -> None:
    left_out = "a point was left out (empty output)"
    notes = [f"story 1: {left_out}"] * 6 + ["story 4: fell back", "story 2: fell back"]
    notes += ["stories use TF-IDF", "stories use TF-IDF", "story 3: once"]
    assert merge_notes(notes) == [
        f'story <a href="#story-1">1</a>: {left_out} (6 times)',
        'stories <a href="#story-2">2</a>, <a href="#story-4">4</a>: fell back',
        "stories use TF-IDF (2 times)",
        'story <a href="#story-3">3</a>: once',
    ]
    assert merge_notes([f"story 1: <b>{RLO}</b>"]) == [
        'story <a href="#story-1">1</a>: &lt;b&gt;&lt;U+202E&gt;&lt;/b&gt;'
    ]


def test_the_digest_says_a_repeated_note_once() -> None:
    notes = ["story 1: a point was left out (empty output)"] * 6
    page = report_body(result([english()], notes))
    assert page.count("a point was left out") == 1 and "(6 times)" in page


def test_the_markdown_says_a_repeated_note_once_and_names_models_short() -> None:
    from summarizer.render import to_markdown

    notes = ["story 1: a point was left out (empty output)"] * 6 + ["story 2: fell back"]
    a = english()
    a.translation_model = LONG_MODEL
    text = to_markdown(result([a], notes, stories=2))
    assert text.count("a point was left out") == 1 and "(6 times)" in text
    assert "> Note: story 2: fell back" in text
    assert "opus-mt-tc-big-fa-en" in text and LONG_MODEL not in text.split("# Articles")[0]


def test_an_articles_repeated_warning_is_said_once() -> None:
    a = english()
    a.warnings = ["3 sentence(s) split"] * 3
    assert card(report_body(result([a])), "en_water").count("3 sentence(s) split") == 1


# --- 2. the sources table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "short"),
    [
        ("Helsinki-NLP/opus-mt-de-en", "opus-mt-de-en"),
        ("/work/golden/models/marian", "marian"),
        ("/work/golden/models/marian/", "marian"),
        ("C:\\models\\nllb-200-distilled-600M", "nllb-200-distilled-600M"),
        ("~/.cache/huggingface/hub/models--facebook--m2m100_418M/snapshots/0123abc", "m2m100_418M"),
        ("tiny-marian", "tiny-marian"),
    ],
)
def test_a_model_is_named_short(model: str, short: str) -> None:
    assert model_name(model) == short


def test_the_sources_table_names_models_short_with_the_path_on_hover() -> None:
    fa = article("fa_solar", "fa", PERSIAN, PERSIAN_EN, title=PERSIAN_TITLE, model=LONG_MODEL)
    page = report_body(result([fa, english()]))
    sources = page[page.index('id="sources"') : page.index('id="articles"')]
    assert f'<span class="model" title="{LONG_MODEL}">opus-mt-tc-big-fa-en</span>' in sources
    assert sources.count(LONG_MODEL) == 1  # only in the tooltip
    assert "<td>not translated</td>" in sources
    assert f'title="{LONG_MODEL}">opus-mt-tc-big-fa-en</span>' in card(page, "fa_solar")
    assert 'title="/very/long/path/to/models/all-MiniLM-L6-v2">all-MiniLM-L6-v2' in page


# --- 3. card headings ---------------------------------------------------------------------


def test_an_untranslated_rtl_title_heads_its_card_once_right_to_left() -> None:
    for shown in (None, PERSIAN_TITLE):  # not translated, or "translated" to itself
        fa = article("fa_solar", "fa", PERSIAN, PERSIAN_EN, title=PERSIAN_TITLE,
                     title_translation=shown, model="m2m100")  # fmt: skip
        html = card(report_body(result([fa])), "fa_solar")
        assert html.count(PERSIAN_TITLE) == 1
        (heading,) = Tags(html).headings()
        assert heading == ({"dir": "rtl", "lang": "fa"}, PERSIAN_TITLE)


def test_a_translated_rtl_title_heads_its_card_and_the_original_follows_once() -> None:
    fa = article("fa_solar", "fa", PERSIAN, PERSIAN_EN, title=PERSIAN_TITLE,
                 title_translation="Solar plant opens in the Negev", model="m2m100")  # fmt: skip
    html = card(report_body(result([fa])), "fa_solar")
    tags = Tags(html)
    (heading,) = tags.headings()
    assert heading == ({"dir": "auto", "lang": "en"}, "Solar plant opens in the Negev")
    assert html.count(PERSIAN_TITLE) == 1
    original = next((attrs, tags.text[k]) for k, (tag, attrs) in enumerate(tags.tags) if tag == "p")
    assert original == ({"class": "original-title", "dir": "rtl", "lang": "fa"}, PERSIAN_TITLE)


def test_an_untitled_article_is_headed_by_its_first_words_marked_so() -> None:
    he = article("he_solar", "he", HEBREW, HEBREW_EN, model="marian")
    (heading,) = Tags(card(report_body(result([he])), "he_solar")).headings()
    attrs, text = heading
    assert text == f"A new solar park opened in the Negev today. The\u2026{UNTITLED}"
    assert attrs == {"dir": "auto", "lang": "en"}
    # not translated: its own words, right to left
    he = article("he_solar", "he", HEBREW)
    (heading,) = Tags(card(report_body(result([he])), "he_solar")).headings()
    assert heading[0] == {"dir": "rtl", "lang": "he"} and heading[1].startswith(HEBREW[0])
    # no text at all: its id
    empty = article("empty", "he", [""])
    (heading,) = Tags(card(report_body(result([empty])), "empty")).headings()
    assert heading[1] == f"empty{UNTITLED}"


def test_first_words() -> None:
    assert first_words("one two three", words=5) == "one two three"
    assert first_words("one  two\nthree four", words=3) == "one two three\u2026"
    assert first_words("a" * 200, chars=10) == "a" * 10 + "\u2026"
    # cut between graphemes: a base letter keeps its combining mark
    assert first_words("e\u0301" * 20, chars=3) == "e\u0301" * 3 + "\u2026"
    assert first_words("") == ""


def test_a_cut_heading_keeps_its_bidi_controls_closed() -> None:
    text = f"{RLO}" + " ".join(["word"] * 30)
    page = report_body(result([article("x", "en", [text])]))
    line = next(x for x in page.splitlines() if UNTITLED in x)
    assert line.count(RLO) == 1 and "\u202c\u2069" in line  # closed within the heading


# --- 5. untranslated text is not called a translation -----------------------------------------


def test_a_target_language_article_is_not_headed_as_a_translation() -> None:
    fa = article("fa_solar", "fa", PERSIAN, PERSIAN_EN, title=PERSIAN_TITLE, model="m2m100")
    page = report_body(result([english(), fa]))
    en = card(page, "en_water")
    assert "Translation" not in en and "translation" not in en
    assert "written in English: not translated" in en and "<th>Text</th>" in en
    assert "The original and its English translation, sentence by sentence" in card(
        page, "fa_solar"
    )


def test_an_untranslated_rtl_article_is_shown_right_to_left() -> None:
    page = report_body(result([article("he_solar", "he", HEBREW, title="פארק")]))
    html = card(page, "he_solar")
    assert "(Hebrew: not translated)" in html
    assert f'<td dir="rtl" lang="he">{HEBREW[0]}</td>' in html and 'lang="en"' not in html


# --- 4. the coverage chart ----------------------------------------------------------------


def test_date_bins_keep_a_chart_readable() -> None:
    day = dt.date(2025, 3, 12)
    unit, bins = date_bins(day, day)
    assert unit == "day" and [b.label for b in bins] == ["2025-03-12"]
    unit, bins = date_bins(day, day + dt.timedelta(30))
    assert unit == "day" and len(bins) == 31  # empty days kept: a gap shows
    unit, bins = date_bins(day, day + dt.timedelta(31))
    assert unit == "week" and bins[0].start == dt.date(2025, 3, 10)  # a Monday
    assert bins[0].name == "the week of 2025-03-10" and len(bins) == 5
    unit, bins = date_bins(day, dt.date(2025, 9, 30))
    assert unit == "month" and [b.label for b in bins][:2] == ["2025-03", "2025-04"]
    assert len(bins) == 7 and bins[0].name == "March 2025"
    unit, bins = date_bins(dt.date(2020, 11, 2), day)
    assert unit == "month" and len(bins) == 53  # up to five years
    unit, bins = date_bins(dt.date(2001, 1, 1), day)
    assert unit == "year" and len(bins) == 25
    unit, bins = date_bins(dt.date(1, 1, 1), day)  # a wild date: still few bins
    assert unit == "year" and len(bins) <= 41 and bins[-1].start <= day


def dated(n: int, start: dt.date, step: int, **kw: object) -> list[Article]:
    return [
        english(f"a{k}", (start + dt.timedelta(step * k)).isoformat(), **kw)  # type: ignore[arg-type]
        for k in range(n)
    ]


def charts(page: str) -> list[tuple[dict[str, str | None], str]]:
    """Each chart's attributes and its markup."""
    found = re.findall(r"(<svg class=\"chart\"[^>]*>)(.*?)</svg>", page, re.S)
    return [(Tags(head).tags[0][1], body) for head, body in found]


def test_the_coverage_chart_counts_articles_per_day_and_undated_apart() -> None:
    articles = dated(3, dt.date(2025, 3, 10), 1) + dated(2, dt.date(2025, 3, 10), 0)
    articles += [english("u1", None), english("u2", None)]
    for k, a in enumerate(articles):
        a.id = f"a{k}"
    page = report_body(result(articles))
    assert page.index('id="coverage"') < page.index('id="timeline"')
    ((attrs, body),) = charts(page)  # no outlet known: no outlet chart
    assert attrs["role"] == "img"
    label = attrs["aria-label"] or ""
    assert label.startswith("Articles per day by language, 2025-03-10 to 2025-03-12")
    assert "5 dated articles" in label and "most in 2025-03-10 (3)" in label
    assert "2 undated, counted apart" in label
    tips = re.findall(r"<title>(.*?)</title>", body)
    assert tips == [
        "2025-03-10: 3 articles (English 3)",
        "2025-03-11: 1 article (English 1)",
        "2025-03-12: 1 article (English 1)",
        "no date: 2 articles (English 2)",
    ]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", body)
    assert {"3", "1", "2", "2025-03-10", "undated"} <= set(labels)
    assert "English (7)" in page  # the key counts each language


def test_the_coverage_chart_with_no_date_says_so() -> None:
    page = report_body(result([english("u1", None), english("u2", None)]))
    assert "No article has a publication date (2 articles undated)" in page
    assert charts(page) == []


def test_the_coverage_chart_is_left_out_for_a_single_article() -> None:
    assert coverage(result([english()])) == []


@pytest.mark.parametrize(
    ("step", "unit", "bars"), [(1, "day", 20), (3, "week", 9), (30, "month", 19), (400, "year", 21)]
)
def test_many_dates_are_binned(step: int, unit: str, bars: int) -> None:
    articles = dated(20, dt.date(2024, 1, 1), step)
    page = report_body(result(articles))
    ((attrs, body),) = charts(page)
    assert (attrs["aria-label"] or "").startswith(f"Articles per {unit} by language")
    assert f"Articles per {unit}, coloured by language" in page
    assert body.count("<title>") == bars  # a tooltip each, empty bins too
    counts = [int(n) for n in re.findall(r'fill="#1d2430">(\d+)</text>', body)]
    assert sum(counts) == 20  # every bar with articles labelled with its count
    # the first bar and every few after it labelled with their date, never overlapping
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*middle">\d{4}', body)]
    assert len(xs) >= 2 and min(b - a for a, b in pairwise(xs)) >= 70
    assert re.search(r'middle">2024(-01(-01)?)?</text>', body)


def test_the_outlet_chart_shows_outlets_escaped() -> None:
    outlets = ["<script>alert(1)</script>", f"Wire{RLO}Co", f"Wire{RLO}Co", None]
    articles = [english(f"a{k}", outlet=o) for k, o in enumerate(outlets)]
    articles.append(article("fa", "fa", PERSIAN, PERSIAN_EN, outlet="خبرگزاری آران", model="m"))
    page = to_html(result(articles))
    assert "<script" not in page and RLO not in page.split("<body>")[1].split('id="articles"')[0]
    _, (attrs, body) = charts(page)  # over time, then per outlet
    assert "Articles per outlet, by language" in (attrs["aria-label"] or "")
    assert "Wire&lt;U+202E&gt;Co: 2 articles (English 2)" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "خبرگزاری آران: 1 article (Persian 1)" in body
    assert "unknown outlet" in body


def test_many_languages_and_outlets_share_a_key() -> None:
    langs = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "pl"]
    articles = [
        article(f"a{k}", lang, ["Text."], ["Text, translated."], outlet=f"Outlet {k}", model="m")
        for k, lang in enumerate(langs * 2)
    ]
    page = report_body(result(articles))
    assert "2 other languages (4)" in page
    assert "7 more outlets" in page  # 18 outlets: 11 rows and one for the rest


# --- the whole page in a browser: nothing wider than the screen ----------------------------


def layout_result() -> Result:
    """The issue's cases in one report: long paths and tokens, RTL titles, no title."""
    fa = article("fa_solar_" + "0" * 30, "fa", PERSIAN, PERSIAN_EN, title=PERSIAN_TITLE,
                 published="2025-03-12", outlet="خبرگزاری آران", model=LONG_MODEL)  # fmt: skip
    articles = [
        fa,
        article("he_solar", "he", HEBREW, HEBREW_EN, published="2025-03-14", model=LONG_MODEL),
        english(published="2025-03-13", outlet="Regional Water Cooperation Forum Newsroom"),
        article("en_token", "en", [f"A long token: {TOKEN}.", "And more."], title=TOKEN),
    ]
    notes = ["story 1: a point was left out (empty output)"] * 6
    return result(articles, notes)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
@pytest.mark.slow
def test_the_report_fits_a_1400_px_screen(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    path.write_text(to_html(layout_result()), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 1400
            for selector in ("div.wide", ".card", "td", "svg.chart"):
                for box in page.locator(selector).evaluate_all(
                    "els => els.map(e => [e.scrollWidth ?? 0, e.clientWidth ?? 0,"
                    " e.getBoundingClientRect().right])"
                ):  # nothing scrolls sideways (a table would), nothing past the screen
                    assert box[0] <= box[1] and box[2] <= 1400, (selector, box)
            # the Persian heading: right to left, right-aligned, once
            heading = page.locator("h3[lang='fa']")
            assert heading.count() == 1
            style = heading.evaluate("h => [getComputedStyle(h).direction, getComputedStyle(h)"
                                     ".textAlign]")  # fmt: skip
            assert style[0] == "rtl" and style[1] in ("right", "start")
            fa = page.locator("article.card").first.inner_text()
            assert fa.count(PERSIAN_TITLE) == 1
            # the untitled Hebrew article: its first words, marked
            untitled = page.locator("#a-he_solar h3")
            assert untitled.inner_text().startswith("A new solar park")
            assert UNTITLED in untitled.inner_text()
            # the chart: drawn, with its tooltips, no script
            assert page.evaluate("document.scripts.length") == 0
            chart = page.locator("svg.chart[role='img']").first
            assert chart.bounding_box()["height"] > 100  # type: ignore[index]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-layout.png"), full_page=True)
        finally:
            browser.close()
