"""Boilerplate removal: scraped test articles, hard-wrapped text, and the seed articles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DATA, SEEDS

from summarizer.clean import clean

# Characteristic substrings of the boilerplate lines listed in tests/data/README.md.
BOILERPLATE = {
    "he": [
        "| צילום:",
        "עוד כתבות",
        "רשות החשמל מפרסמת תעריפים",
        "איך לחסוך בחשבון החשמל",
        "גגות סולאריים בערים",
        "חקלאי הערבה נגד",
        "התקלה ברשת",
        "תחנות טעינה לרכב חשמלי",
        "שתפו: פייסבוק",
    ],
    "ar": [
        "وكالة الرافد",
        "اقرأ أيضا",
        "الجفاف يهدد المحاصيل",
        "خبراء: الطاقة الشمسية",
        "ارتفاع أسعار المياه المعبأة",
        "مشروع جديد لإعادة استخدام",
        "الوسوم:",
        "تعليقات (0)",
    ],
    "fa": ["خبرگزاری آوای انرژی |", "سرویس بین‌الملل", "انتهای پیام"],
    "de": [
        "dpa",
        "WienWasserversorgung",
        "Kommentare (0)",
        "Kommentar schreiben",
        "Teilen: Facebook",
    ],
    "en": [
        "By Martin Kessler",
        "Published: 12 March",
        "Related articles",
        "Drought pushes farmers",
        "How solar power could cut",
        "Water prices rise across",
        "Share this article",
        "© 2025 Example News",
    ],
}
# Line number (1-based) of each file's headline.
HEADLINE_LINE = {"he": 2, "ar": 1, "fa": 1, "de": 1, "en": 1}
TITLE_BUG = (
    "bug: split_units() joins the headline with the next short line(s) as if they were one "
    "hard-wrapped paragraph, so the title swallows the dateline/agency line"
)
FILES = sorted(DATA.glob("*.txt"))
SEED_LANGS = ["he", "ar", "fa", "ar", "de"]


def lang_of(path: Path) -> str:
    return path.name.split("_", 1)[0]


def norm(text: str) -> str:
    return " ".join(text.split())


def file_param(path: Path, xfail_langs: tuple[str, ...] = (), reason: str = ""):
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if lang_of(path) in xfail_langs else []
    return pytest.param(path, id=lang_of(path), marks=marks)


def test_every_data_file_has_expectations() -> None:
    assert sorted(lang_of(p) for p in FILES) == sorted(BOILERPLATE)


@pytest.mark.parametrize("path", [file_param(p) for p in FILES])
def test_boilerplate_removed(path: Path) -> None:
    lang = lang_of(path)
    cleaned = clean(path.read_text(encoding="utf-8"), lang)
    for marker in BOILERPLATE[lang]:
        assert not any(marker in p for p in cleaned.paragraphs), marker


@pytest.mark.parametrize("path", [file_param(p) for p in FILES])
def test_body_paragraphs_kept(path: Path) -> None:
    lang = lang_of(path)
    text = path.read_text(encoding="utf-8")
    cleaned = clean(text, lang)
    body = [
        norm(line)
        for line in text.splitlines()
        if len(norm(line)) >= 100 and not any(m in line for m in BOILERPLATE[lang])
    ]
    assert len(body) >= 4
    for paragraph in body:
        assert paragraph in cleaned.paragraphs


@pytest.mark.parametrize("path", [file_param(p) for p in FILES])
def test_headline_is_title(path: Path) -> None:
    lang = lang_of(path)
    text = path.read_text(encoding="utf-8")
    headline = norm(text.splitlines()[HEADLINE_LINE[lang] - 1])
    cleaned = clean(text, lang)
    assert cleaned.title == headline
    assert headline not in cleaned.paragraphs


def test_english_date_found() -> None:
    cleaned = clean((DATA / "en_scraped.txt").read_text(encoding="utf-8"), "en")
    assert cleaned.published == "2025-03-12"


# --- our own small texts ---------------------------------------------------------------

WRAPPED = """Harbour town repaves its old market square

The town council of a small harbour town has voted to repave the old
market square with stone taken from the quay that was demolished last
year, a choice that local builders say will cost less than new granite
and keep the colour of the square close to what residents remember from
the photographs their grandparents took before the war came to the town.

Work on the square is expected to start in April and last about three months.
"""

WRAPPED_WITH_SENTENCE_END = """The regional water board said on Monday that it would open three new
storage basins along the northern river before the spring floods begin.
Engineers expect the basins to hold back enough water for four thousand
homes in the valley and several farms on the lower plain near the sea.
"""

PLAIN = "\n\n".join(
    [
        "The city council approved a new budget for public libraries on Tuesday, "
        "adding money for longer opening hours.",
        "Most of the extra money will go to branches in the outer districts, "
        "where waiting lists for reading rooms are longest.",
        "The mayor said the first changes would be visible before the summer holidays "
        "begin next year.",
    ]
)

SCRIPT = "\n\n".join(
    [
        "Council opens new reading rooms",
        "The council said the new reading rooms would open in May, and a notice on its "
        'website read <script>alert("hello")</script> for several hours before staff '
        "removed it.",
        "Staff said the notice had been copied from an old page by mistake and that no "
        "visitor data was affected.",
    ]
)


def test_hard_wrapped_paragraph_joined() -> None:
    cleaned = clean(WRAPPED, "en")
    lines = WRAPPED.splitlines()
    assert all(55 <= len(line) <= 75 for line in lines[2:7])
    joined = " ".join(lines[2:7])
    assert cleaned.title == lines[0]
    assert cleaned.paragraphs == [joined, lines[8]]


def test_hard_wrapped_paragraph_with_sentence_end_at_line_end() -> None:
    cleaned = clean(WRAPPED_WITH_SENTENCE_END, "en")
    assert cleaned.paragraphs == [norm(WRAPPED_WITH_SENTENCE_END)]


def test_text_without_boilerplate_kept_whole() -> None:
    cleaned = clean(PLAIN, "en")
    assert cleaned.paragraphs == PLAIN.split("\n\n")
    assert cleaned.removed == []
    assert cleaned.title is None


def test_script_tag_inside_paragraph_kept_as_text() -> None:
    cleaned = clean(SCRIPT, "en")
    paragraph = SCRIPT.split("\n\n")[1]
    assert paragraph in cleaned.paragraphs
    assert '<script>alert("hello")</script>' in cleaned.body


def test_empty_text() -> None:
    cleaned = clean("  \n\n ", "en")
    assert cleaned.paragraphs == []
    assert cleaned.body == ""


# --- third-party seed articles (read at test time, never copied) ----------------------


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


def test_seed_paragraphs_kept() -> None:
    files = seed_files()
    if not files:
        pytest.skip(f"seed articles not available at {SEEDS}")
    assert len(files) == len(SEED_LANGS)
    for path, lang in zip(files, SEED_LANGS, strict=True):
        text = path.read_text(encoding="utf-8")
        kept = [norm(p) for p in clean(text, lang).paragraphs]
        long_blocks = [norm(b) for b in re.split(r"\n\s*\n", text) if len(norm(b)) >= 150]
        assert long_blocks, path.name
        for block in long_blocks:
            assert any(block in p for p in kept), f"{path.name}: a long paragraph was dropped"
