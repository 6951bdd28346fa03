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
        cleaned = clean(text, lang)
        kept = [norm(p) for p in cleaned.paragraphs]
        # A sign-off closing a block ("... . /خ", "... . (İLKHA)") is removed (issue 18).
        signoffs = [norm(r) for r in cleaned.removed if len(r.split()) <= 3]
        long_blocks = [norm(b) for b in re.split(r"\n\s*\n", text) if len(norm(b)) >= 150]
        assert long_blocks, path.name
        for block in long_blocks:
            whole = [block] + [block[: -len(s)].rstrip() for s in signoffs if block.endswith(s)]
            assert any(b in p for b in whole for p in kept), (
                f"{path.name}: a long paragraph was dropped"
            )


# --- nothing lost at an article's end (issue 17) ------------------------------------------

FLORES = Path(__file__).resolve().parent.parent.parent / "shared" / "testsets" / "flores200-devtest"
FLORES_LANGS = {
    "eng_Latn": "en",
    "heb_Hebr": "he",
    "arb_Arab": "ar",
    "pes_Arab": "fa",
    "deu_Latn": "de",
}
# The one FLORES sentence that is a document's last line with no final punctuation, on a
# paragraph of its own: a closing line that is not a sentence is read as a sign-off.
UNPUNCTUATED_CLOSER = ("pes_Arab", "ارگانگاتوآنگز در بورنئو است")


def _flores_documents() -> dict[str, list[list[str]]]:
    import csv

    if not FLORES.is_dir():
        pytest.skip("FLORES-200 devtest not found at ../shared/testsets")
    with (FLORES / "metadata.tsv").open(encoding="utf-8") as handle:
        urls = [row[0] for row in list(csv.reader(handle, delimiter="\t"))[1:]]
    out = {}
    for name in FLORES_LANGS:
        lines = (FLORES / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        docs: dict[str, list[str]] = {}
        for url, line in zip(urls, lines, strict=True):
            docs.setdefault(url, []).append(line)
        out[name] = list(docs.values())
    return out


@pytest.mark.parametrize("per_paragraph", [1, 3])
def test_a_flores_document_loses_no_sentence(per_paragraph: int) -> None:
    """Real text with no boilerplate (FLORES-200 devtest, 281 documents in five languages)
    comes out of clean() whole: every sentence is in the body, or is the title."""
    squash = lambda text: "".join(text.split())  # noqa: E731
    lost = []
    for name, docs in _flores_documents().items():
        for sentences in docs:
            paragraphs = [" ".join(sentences[k : k + per_paragraph])
                          for k in range(0, len(sentences), per_paragraph)]  # fmt: skip
            cleaned = clean("\n\n".join(paragraphs), FLORES_LANGS[name])
            kept = squash((cleaned.title or "") + cleaned.body)
            lost += [(name, s) for s in sentences if squash(s) not in kept]
    expected = [] if per_paragraph > 1 else [UNPUNCTUATED_CLOSER[0]]
    assert [name for name, _ in lost] == expected, lost
    assert all(UNPUNCTUATED_CLOSER[1] in s for _, s in lost)


@pytest.mark.parametrize(
    ("lang", "closing"),
    [
        ("en", '"I hope they are safe."'),
        ("en", '"We got outplayed."'),
        ("he", '"אני מקווה שהם בטוחים."'),
        ("ar", '"آمل أن يكونوا بخير."'),
        ("fa", "«امیدوارم حالشان خوب باشد.»"),
    ],
)
def test_a_short_quoted_closing_paragraph_is_body(lang: str, closing: str) -> None:
    body = {
        "en": "The minister said the new plant would supply water to three towns by spring.",
        "he": "השר אמר כי המתקן החדש יספק מים לשלוש ערים עד האביב הבא לפי התוכנית.",
        "ar": "قال الوزير إن المحطة الجديدة ستزود ثلاث مدن بالمياه بحلول الربيع المقبل.",
        "fa": "وزیر گفت که تأسیسات جدید تا بهار آینده آب سه شهر را تأمین خواهد کرد.",
    }[lang]
    cleaned = clean(f"{body}\n\n{body}\n\n{closing}", lang)
    assert cleaned.paragraphs[-1] == closing
