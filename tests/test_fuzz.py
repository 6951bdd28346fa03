"""Hostile input, fuzzed (hypothesis): random Unicode text, random bytes and random mixes of
body paragraphs with scraper boilerplate go through read -> clean -> language -> segment,
chained as `Summarizer.prepare` chains them.

Properties: nothing raises but IngestError (a one-line refusal naming the source);
sentences are ordered, disjoint and are the body's text at their offsets; every
non-whitespace character of the cleaned body is in exactly one sentence; each sentence maps
back (`Cleaned.source_span`) to the same text, up to whitespace, in the decoded input; and
in the boilerplate mixes every body paragraph comes out whole, in order, with no boilerplate.
All texts here are our own. Runs are derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer import clean as clean_module
from summarizer.clean import DATE_LINES, Cleaned, clean
from summarizer.formats import document_from_bytes
from summarizer.language import detect, sentence_languages
from summarizer.segment import pack, split_long, split_sentences
from summarizer.types import Document, IngestError, Segment

SOURCE = "fuzz-input.txt"
DEEP = int(os.environ.get("FUZZ_EXAMPLES", "0"))  # a longer, random run: FUZZ_EXAMPLES=2000
FUZZ = settings(
    max_examples=DEEP or 60,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Characters that break naive text handling: invisible and bidi controls, BOM, NUL and other
# controls, line and paragraph separators, combining marks, RTL letters, emoji sequences.
HOSTILE = [
    *"\u200b\u200c\u200d\u200e\u200f\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068",
    *"\u2069\u061c\x00\x01\x07\x08\x0b\x0c\x1b\x1c\x1d\x1e\x1f\x7f\x85\u2028\u2029\u00a0",
    *"\u3000\t\r\n .,;:!?؟۔…。\"'«»()\u0301\u0308\u05b0\u064b\u0651\ufffdשאبپ",
    *["😀", "👍🏽", "👩\u200d👩\u200d👧", "🇮🇱", "e\u0301", "\r\n", "\n\n", "...", "?!"],
]

# Our own sentences, a few per language, for body paragraphs.
SENTENCES = {
    "en": [
        "The harbour authority said on Tuesday that the new ferry terminal would open to "
        "passengers in the spring.",
        "Engineers have spent two years rebuilding the old pier, which was damaged by a storm "
        "in the winter of 2021.",
        "Local shop owners hope that the extra visitors will make up for the quiet months they "
        "had during the works.",
        "A spokesperson for the ferry company said that tickets would go on sale at the end of "
        "the month.",
        "The mayor told reporters that the project had cost less than expected and was "
        "finished ahead of time.",
        "Residents who live near the quay have asked for a limit on night crossings because "
        "of the noise.",
        "Will the new timetable work for people who commute to the city every day?",
        "Dr. Lena Hart, who led the survey, said the water in the bay was cleaner than it had "
        "been for decades.",
        "More than two thousand households subscribe to the harbour newsletter, which first "
        "reported the plan.",
    ],
    "de": [
        "Die Stadtwerke haben am Montag angekündigt, dass die neue Fähre im Frühjahr in "
        "Betrieb gehen soll.",
        "Nach Angaben der Behörde wurden die Arbeiten an der alten Mole bereits im vergangenen "
        "Herbst abgeschlossen.",
        "Viele Anwohner hoffen, dass der Lärm in der Nacht durch die neuen Fahrpläne nicht "
        "zunehmen wird.",
        "Der Bürgermeister sagte, das Projekt sei günstiger gewesen als geplant und werde von "
        "der Bevölkerung gut angenommen.",
        "Die Fahrkarten sollen ab Ende des Monats im Hafenbüro und an Bord verkauft werden.",
        "Wie viele Pendler die neue Verbindung nutzen werden, ist noch nicht bekannt.",
        "Der Newsletter der Stadtwerke hatte als Erster über die Pläne berichtet.",
    ],
    "he": [
        "רשות הנמל הודיעה ביום שלישי כי מסוף המעבורות החדש ייפתח לנוסעים באביב.",
        "המהנדסים עבדו שנתיים על שיקום המזח הישן, שנפגע בסערה בחורף שעבר.",
        "בעלי החנויות באזור מקווים שהמבקרים החדשים יפצו על החודשים השקטים של העבודות.",
        "ראש העיר אמר לכתבים כי הפרויקט עלה פחות מהצפוי והסתיים לפני הזמן.",
        "תושבים שגרים ליד הרציף ביקשו להגביל את ההפלגות בלילה בגלל הרעש.",
        "האם לוח הזמנים החדש יתאים למי שנוסע לעבודה בעיר בכל יום?",
    ],
    "ar": [
        "أعلنت هيئة الميناء يوم الثلاثاء أن محطة العبارات الجديدة ستفتح أمام المسافرين في الربيع.",
        "وقال المهندسون إنهم عملوا لمدة عامين على إعادة بناء الرصيف القديم الذي تضرر في "
        "عاصفة الشتاء الماضي.",
        "ويأمل أصحاب المتاجر في المنطقة أن يعوض الزوار الجدد عن الأشهر الهادئة خلال الأعمال.",
        "وقال رئيس البلدية للصحفيين إن المشروع كلف أقل من المتوقع وانتهى قبل موعده.",
        "هل سيناسب الجدول الجديد العمال الذين يسافرون إلى المدينة كل يوم؟",
        "وتقول الشركة إنها ستنشر أرقام الركاب بعد انتهاء الشهر الأول من التشغيل.",
    ],
    "fa": [
        "سازمان بندر روز سه‌شنبه اعلام کرد که پایانه جدید کشتی‌ها در بهار برای مسافران باز می‌شود.",
        "مهندسان دو سال روی بازسازی اسکله قدیمی کار کردند که در طوفان زمستان گذشته آسیب دیده بود.",
        "مغازه‌داران منطقه امیدوارند که بازدیدکنندگان تازه کمبود ماه‌های آرام دوران ساخت را "
        "جبران کنند.",
        "شهردار به خبرنگاران گفت که هزینه این طرح کمتر از پیش‌بینی بود و زودتر از موعد تمام شد.",
        "آیا برنامه جدید برای کارگرانی که هر روز به شهر می‌روند مناسب است؟",
        "شرکت می‌گوید پس از پایان ماه اول آمار مسافران را منتشر می‌کند.",
    ],
}
HEADLINES = {
    "en": "Harbour ferry terminal to open in spring",
    "de": "Neue Fähre soll im Frühjahr fahren",
    "he": "מסוף המעבורות החדש ייפתח באביב",
    "ar": "محطة العبارات الجديدة تفتح في الربيع",
    "fa": "پایانه جدید کشتی‌ها در بهار باز می‌شود",
}
# Boilerplate lines of the kinds clean() removes wherever they stand.
BOILERPLATE = [
    "Photo: Anna Berger",
    "The old pier before the works | Photo: Harbour Authority",
    "Foto: Karl Mertens",
    "צילום: יעל כהן",
    "تصوير: أحمد سالم",
    "عکس: مریم رضایی",
    "Share this article",
    "Teilen: Facebook Twitter",
    "שתפו: פייסבוק וואטסאפ",
    "Facebook Twitter WhatsApp Email",
    "Comments (3)",
    "Leave a comment",
    "Kommentar schreiben",
    "תגובות",
    "أضف تعليق",
    "ارسال نظر",
    "Tags: ferry, harbour, transport",
    "Schlagwörter: Hafen, Fähre",
    "תגיות: נמל, מעבורת",
    "الوسوم: ميناء، عبارات",
    "برچسب‌ها: بندر، کشتی",
    "HafenFähreVerkehr",
    "© 2025 Harbour Daily",
    "All rights reserved",
    "כל הזכויות שמורות",
    "جميع الحقوق محفوظة",
    "End of story",
    "انتهای پیام",
    "Advertisement",
    "Anzeige",
    "Subscribe to our newsletter",
    "Subscribe to our newsletter for the latest news from the harbour.",
    "Jetzt Newsletter abonnieren",
    "By Anna Berger",
    "Von Karl Mertens",
    "Updated 14:05",
]
RELATED_HEADERS = ["Related articles", "Lesen Sie auch", "עוד כתבות", "اقرأ أيضا", "بیشتر بخوانید"]
LINKS = [
    "Ferry prices rise again",
    "New bus line for the old town",
    "Neue Buslinie für die Altstadt",
    "קו אוטובוס חדש לעיר העתיקה",
    "خط حافلات جديد للمدينة القديمة",
    "خط اتوبوس تازه برای شهر قدیم",
]
WORDS = sorted({w for group in SENTENCES.values() for s in group for w in s.split()})


# --- the chain and its properties -----------------------------------------------------


@dataclass
class Run:
    """What the chain made of one input: the decoded document, the cleaned text, sentences."""

    doc: Document
    cleaned: Cleaned
    sentences: list[Segment]


def squash(text: str) -> str:
    """``text`` without whitespace: what cleaning must keep exactly."""
    return "".join(text.split())


def chain(data: bytes) -> Run | None:
    """read -> clean -> detect -> segment as `Summarizer.prepare` runs them, checking every
    property on the way; None when reading refuses the bytes (with a proper refusal)."""
    try:
        doc = document_from_bytes(data, SOURCE)
    except IngestError as exc:
        message = str(exc)
        assert "\n" not in message and SOURCE in message, message
        return None
    assert "\r" not in doc.text
    lang = doc.lang or detect(doc.text).lang
    cleaned = clean(doc.text, lang, title=doc.title)
    body = cleaned.body
    found = detect(body)
    assert 0.0 <= found.confidence <= 1.0
    assert (found.lang is None) == (found.confidence == 0.0)
    lang = found.lang or lang
    sentences = split_sentences(body, lang)
    check_sentences(doc.text, cleaned, sentences)
    texts, paragraphs = [s.source for s in sentences], [s.paragraph for s in sentences]
    langs = sentence_languages(texts, paragraphs, lang or "en")
    assert len(langs) == len(sentences)
    for text in [body, cleaned.title or "", *(s.source for s in sentences)]:
        text.encode("utf-8")  # no lone surrogates: everything downstream writes UTF-8
    return Run(doc, cleaned, sentences)


def check_sentences(source: str, cleaned: Cleaned, sentences: list[Segment]) -> None:
    """Offsets are the body's text, ordered and disjoint, cover every non-space character
    once, and map back to the same text (up to whitespace) in ``source``."""
    body = cleaned.body
    cover = [0] * len(body)
    end, paragraph = 0, 0
    for s in sentences:
        assert end <= s.start < s.end <= len(body), s
        assert body[s.start : s.end] == s.source, s
        assert s.source == s.source.strip(), s
        assert s.paragraph >= paragraph
        end, paragraph = s.end, s.paragraph
        for i in range(s.start, s.end):
            cover[i] += 1
        start, stop = cleaned.source_span(s.start, s.end)
        assert source[start] == s.source[0] and source[stop - 1] == s.source[-1], s
        assert squash(source[start:stop]) == squash(s.source), s
    lost = [(i, ch) for i, ch in enumerate(body) if not ch.isspace() and cover[i] != 1]
    assert not lost, lost[:10]
    assert {s.paragraph for s in sentences} == set(range(len(cleaned.paragraphs)))


# --- 1. random Unicode text, as UTF-8 --------------------------------------------------

fragments = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join),
    st.sampled_from(WORDS),
    st.sampled_from([s for group in SENTENCES.values() for s in group]),
)
unicode_texts = st.lists(
    st.tuples(fragments, st.sampled_from(["", " ", "  ", "\n", "\n\n", "\t", "\u200f "])),
    max_size=40,
).map(lambda parts: "".join(a + b for a, b in parts))


@FUZZ
@given(unicode_texts)
def test_random_unicode_text(text: str) -> None:
    run = chain(text.encode("utf-8"))
    if run is not None and not text.lstrip("\ufeff").startswith("---"):
        # Decoding kept every character but newlines (unified) and a leading BOM.
        assert run.doc.text == text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


# --- 2. random bytes -------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "cp1256", "cp1255", "cp1252", "koi8-r"]
byte_pieces = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"\xef\xbb\xbf",  # BOMs
            b"\xff\xfe",
            b"\xfe\xff",
            b"\xff\xfe\x00\x00",
            b"\x00\x00\xfe\xff",
            b"\xed\xa0\x80",  # an encoded surrogate
            b"\xf4\x90\x80\x80",  # past U+10FFFF
            b"\xc0\x80",  # overlong NUL
            b"\xe2\x82",  # a cut-off sequence
            b"\x00",
            b"\r\n",
            b"\r",
            b"---\n",
            b"\x89PNG\r\n",
            b"%PDF-1.7",
        ]
    ),
    st.tuples(
        st.sampled_from([s for group in SENTENCES.values() for s in group]),
        st.sampled_from(ENCODINGS),
    ).map(lambda pair: pair[0].encode(pair[1], errors="replace")),
)


@FUZZ
@given(st.lists(byte_pieces, max_size=10).map(b"".join))
def test_random_bytes(data: bytes) -> None:
    chain(data)


# --- front matter ----------------------------------------------------------------------


def yaml_quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar: characters YAML may not hold are escaped."""
    return json.dumps(value, ensure_ascii=False).translate(
        {c: f"\\x{c:02x}" for c in [*range(0x7F, 0x85), *range(0x86, 0xA0)]}
        | {0xFFFE: "\\ufffe", 0xFFFF: "\\uffff"}
    )


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "title": st.one_of(st.sampled_from(list(HEADLINES.values())), unicode_texts),
            "lang": st.sampled_from(["en", "he", "ar", "fa", "de", "xx", "", "EN", "zh-Hant"]),
            "date": st.sampled_from(["2025-03-12", "12 March 2025", "yesterday", ""]),
        },
    ),
    st.sampled_from(sorted(SENTENCES)),
)
def test_front_matter(meta: dict[str, str], lang: str) -> None:
    lines = [f"{key}: {yaml_quoted(value)}" for key, value in meta.items()]
    body = " ".join(SENTENCES[lang])
    data = ("---\n" + "\n".join(lines) + "\n---\n" + body + "\n").encode("utf-8")
    run = chain(data)
    assert run is not None
    assert squash(" ".join(s.source for s in run.sentences)) == squash(body)


# Front matter that broke formats.py when it used yaml.safe_load: ValueError, AttributeError
# and RecursionError besides YAMLError, "\ud800" escapes made lone surrogates (UTF-8 output
# failed later) and aliases built huge lists that str() made the title.
HOSTILE_FRONT_MATTER = {
    "invalid-date": "date: 2025-02-30",
    "invalid-time": "date: 2025-01-01 25:61:00",
    "year-zero": "date: 0000-01-01",
    "bad-int-tag": "title: !!int harbour",
    "bad-timestamp-tag": "title: !!timestamp harbour",
    "deep-nesting": "title: " + "[" * 5000,
    "surrogate-escape": 'title: "\\ud800 harbour"',
    "alias-bomb": "\n".join(
        ["a: &a [x, x, x, x, x, x, x, x, x]"]
        + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in itertools.pairwise("abcdef")]
        + [f"title: [{', '.join(['*f'] * 9)}]"]
    ),
}


@pytest.mark.parametrize("meta", HOSTILE_FRONT_MATTER.values(), ids=HOSTILE_FRONT_MATTER)
def test_hostile_front_matter(meta: str) -> None:
    data = f"---\n{meta}\n---\n{' '.join(SENTENCES['en'])}\n".encode()
    run = chain(data)
    assert run is not None
    assert len(run.cleaned.title or "") <= 1000


# --- 3. body paragraphs mixed with boilerplate -------------------------------------------


@dataclass
class Mix:
    """A scraped-looking article and the body paragraphs in it, in order."""

    text: str
    paragraphs: list[str]


def wrap(paragraph: str, width: int) -> str:
    """``paragraph`` hard-wrapped at ``width`` characters, greedily."""
    lines: list[str] = []
    for word in paragraph.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


@st.composite
def mixes(draw: st.DrawFn) -> Mix:
    """Body paragraphs of 150+ characters from one language's sentences, interleaved with
    boilerplate lines and related-link blocks, with stray spaces and invisible marks; a
    related-links block ends at strong body text, so body paragraphs are long."""
    lang = draw(st.sampled_from(sorted(SENTENCES)))
    joiner = st.sampled_from(
        [" ", " ", " ", "  ", "\u200f ", " \u200e", "\u200b ", "\u200f\u200b "]
    )
    paragraphs: list[str] = []

    def short(paragraph: str) -> bool:  # as clean() measures it: runs of spaces count one
        return len(" ".join(paragraph.split())) < 150

    for sentence in draw(st.permutations(SENTENCES[lang])):
        if paragraphs and (short(paragraphs[-1]) or draw(st.booleans())):
            paragraphs[-1] += draw(joiner) + sentence
        else:
            paragraphs.append(sentence)
    if len(paragraphs) > 1 and short(paragraphs[-1]):
        tail = paragraphs.pop()
        paragraphs[-1] += draw(joiner) + tail
    items: list[tuple[str, str]] = [("body", p) for p in paragraphs]
    junk = draw(
        st.lists(
            st.one_of(
                st.sampled_from(BOILERPLATE).map(lambda line: ("junk", line)),
                st.tuples(
                    st.sampled_from(RELATED_HEADERS),
                    st.lists(st.sampled_from(LINKS), min_size=1, max_size=4, unique=True),
                ).map(lambda pair: ("related", "\n".join([pair[0], *pair[1]]))),
            ),
            max_size=8,
        )
    )
    for item in junk:
        items.insert(draw(st.integers(0, len(items))), item)
    if draw(st.booleans()):
        items.insert(0, ("headline", HEADLINES[lang]))
    pad = st.sampled_from(["", "", "", " ", "\t", "\u00a0", "  "])
    mark = st.sampled_from(["", "", "\u200f", "\u200e", "\u202b", "\ufeff", "\u2067"])
    blank = st.sampled_from(["\n\n", "\n\n", "\n \n", "\n\u00a0\n", "\n\t\n", "\n\n\n"])
    width = draw(st.one_of(st.none(), st.integers(55, 70)))  # hard-wrapped at one width
    text, before = "", None
    for kind, part in items:
        if kind == "body" and width:
            part = wrap(part, width)
        elif kind == "junk":
            part = draw(mark) + part + draw(mark)
        part = "\n".join(draw(pad) + line + draw(pad) for line in part.split("\n"))
        if text:  # nothing but a blank line tells two hard-wrapped paragraphs apart
            apart = width and kind == before == "body"
            text += draw(blank) if apart or draw(st.booleans()) else "\n"
        text += part
        before = kind
    return Mix(text + "\n", paragraphs)


@FUZZ
@given(mixes(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]), st.booleans())
def test_boilerplate_mix(mix: Mix, encoding: str, crlf: bool) -> None:
    text = mix.text.replace("\n", "\r\n") if crlf else mix.text
    run = chain(text.encode(encoding))
    assert run is not None
    got = squash("".join(s.source for s in run.sentences))
    assert got == squash("".join(mix.paragraphs)), (mix.text, run.cleaned.paragraphs)


# --- language and hostile sizes --------------------------------------------------------

INVISIBLE_MARKS = ["\u200b", "\u200d", "\u200e", "\u200f", "\u202b", "\u202c", "\u2067", "\u2069"]
INVISIBLE_MARKS += ["\ufeff", "\u00ad", "\u061c", "\u2060", "\x00", "\x1f"]


@FUZZ
@given(
    st.sampled_from(sorted(SENTENCES)),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(INVISIBLE_MARKS)), max_size=40),
    st.sampled_from([None, *INVISIBLE_MARKS]),
)
def test_invisible_marks_keep_language(lang: str, marks: list, between: str | None) -> None:
    """Bidi marks, zero-width characters, soft hyphens and controls anywhere, even between
    every letter, do not hide the language (lingua alone found none in "w\u200bo\u200br...")."""
    text = " ".join(SENTENCES[lang])
    for where, mark in marks:
        at = int(where * len(text))
        text = text[:at] + mark + text[at:]
    if between:
        text = between.join(text)
    assert detect(text).lang == lang


def test_many_date_lines_parse_few(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of date-like boilerplate lines cost a few dateparser calls, not one each."""
    import dateparser.search

    calls: list[str] = []

    def counting(text: str, **kwargs: object) -> None:
        calls.append(text)

    monkeypatch.setattr(dateparser.search, "search_dates", counting)
    junk = "\n".join(f"Anzeige {i % 28 + 1}.13.2024" for i in range(3000))
    clean_module.clean(junk + "\n\n" + " ".join(SENTENCES["de"]), "de")
    assert 0 < len(calls) <= DATE_LINES * 3


def test_many_paragraphs_languages_linear() -> None:
    """A body of 40,000 one-sentence paragraphs is routed by language in seconds (a scan of
    all sentences per paragraph took over a minute)."""
    texts = [f"The ferry number {i} leaves the harbour at noon every day." for i in range(40000)]
    started = time.perf_counter()
    assert not any(sentence_languages(texts, list(range(len(texts))), "en"))
    assert time.perf_counter() - started < 20


def utf8_tokens(text: str) -> int:
    """A stand-in token count: about three UTF-8 bytes a token, and one for the end."""
    return len(text.encode("utf-8")) // 3 + 1


@FUZZ
@given(st.lists(unicode_texts, max_size=4), st.integers(1, 40))
def test_split_long_and_pack_keep_everything(texts: list[str], limit: int) -> None:
    """Pieces fit the limit (a lone character over it stands alone: halving it again
    recursed forever) and together hold every character."""
    for text in texts:
        pieces = split_long(text, limit, utf8_tokens)
        assert squash("".join(pieces)) == squash(text)
        assert all(utf8_tokens(p) <= limit or len(p) == 1 for p in pieces)
    chunks = pack(texts, limit, utf8_tokens)
    assert squash("".join(chunks)) == squash("".join(texts))
