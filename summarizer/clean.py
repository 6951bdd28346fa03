"""Remove what a scraper leaves around an article's body, keeping every body paragraph.

Plain scraped text has lost its HTML, so this works on lines: a body region is found from
long, sentence-like paragraphs; outside it everything is boilerplate but the headline;
inside it, short lines are kept (subheadings, one-line paragraphs) unless they carry a
boilerplate cue (photo credits, share/comment widgets, tags, copyright, sign-offs), look
like a label (one or two words, another script), or form a run of link-like lines.
Stopword density uses jusText's per-language stoplists. A publication date stated in the
metadata lines is kept (one in the Solar Hijri, Hijri or Hebrew calendar as its Gregorian
day, beside the date as written), and so is the outlet a dateline or sign-off names.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import itertools
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import regex

from .calendars import CalendarDate, find_calendar_date

logger = logging.getLogger("summarizer")

BODY_CHARS = 80
HEADLINE_CHARS = 100  # a headline that ends in ? or ! is at most this long
DATELINE_WORDS = 16  # "Jerusalem/ Anadolu - Monday 12 March 2025": a dateline is short
STRONG_BODY_CHARS = 150
TERMINAL = tuple(".!?؟۔…。")
CLOSERS = "\"'»”“’)]」›״׳ "
# Invisible marks scrapers leave at line ends (bidi marks and isolates, zero-width, BOM).
INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"
    "\u2066\u2067\u2068\u2069\ufeff"
)
EDGES = regex.compile(rf"^[\s{INVISIBLE}]+|[\s{INVISIBLE}]+$")
# A sentence ends and another starts (closing quotes and invisible marks between).
SENTENCE_END = regex.compile(rf"[.!?؟۔…。][\"'»”“’)\]」›{INVISIBLE}]*\s+\S")


def _cue(*words: str) -> regex.Pattern[str]:
    return regex.compile("|".join(words), regex.IGNORECASE | regex.V0)


# Lines that are boilerplate wherever they stand (short lines only, see _cue_name).
CUES = {
    "credit": _cue(
        r"(^|[|(•·]\s*)(צילום|קרדיט|photo|photos|foto|fotos|bild|credit|image|picture|"
        r"عدسة|تصوير|الصورة|صورة|عکس|منبع\s+عکس|عکاس)\s*[:：]"
    ),
    "comments": _cue(
        r"^(comments?|kommentare?|תגובות|التعليقات|تعليقات|نظرات|دیدگاه‌ها|دیدگاه)\s*(\(\d+\))?$",
        r"^(add|leave|post|write) (a )?comment",
        r"^kommentar (schreiben|verfassen)",
        r"^(הוסף|הוסיפו|כתבו) תגובה",
        r"^(أضف|اكتب) تعليق",
        r"^ارسال (نظر|دیدگاه)",
    ),
    "share": _cue(
        r"^(share|teilen|שתפו|שתף|شارك|مشاركة|اشتراک\u200c?گذاری|اشتراک)\b",
        r"^((facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|print|drucken|pinterest"
        r"|reddit)\W*){2,}$",
    ),
    "tags": _cue(
        r"^(tags?|schlagw(ö|oe)rter|schlagworte|themen|תגיות|الوسوم|وسوم|كلمات مفتاحية|"
        r"برچسب\u200c?ها|برچسب|کلیدواژه\u200c?ها|کلیدواژه)\s*[:：]",
    ),
    # A dateline: "City/ Agency", often with a date, and no sentence in it.
    "dateline": regex.compile(r"^\p{L}+(?:[ -]\p{L}+)?\s*/\s*\p{L}[^.!?؟]*$"),
    # Tags glued together by the scraper: "WienWasserKlimaUmwelt".
    "glued": regex.compile(r"^\p{Lu}\p{Ll}+(\p{Lu}\p{Ll}+){2,}$"),
    "copyright": _cue(
        r"©|\(c\)\s*\d{4}|all rights reserved|alle rechte vorbehalten|כל הזכויות שמורות|"
        r"جميع الحقوق محفوظة|(کلیه|تمامی) حقوق"
    ),
    "signoff": _cue(r"^(پایان پیام|انتهای پیام)\W*$", r"^(ende|end of (story|message))\W*$"),
    "ad": _cue(
        r"^(advertisement|anzeige|werbung|sponsored|פרסומת|إعلان|تبلیغات)$",
        r"^\W*(subscribe|newsletter|abonnieren|הירשמו|اشترك|عضویت در خبرنامه)",
    ),
    "meta": _cue(
        r"^(published|updated|posted|last updated|veröffentlicht|aktualisiert|stand|פורסם|"
        r"עודכן|نشر|تحديث|آخر تحديث|تاریخ انتشار|انتشار|به\u200c?روزرسانی|ekleme|güncelleme)\b",
        r"^(by|von|מאת|بقلم|نویسنده)\s+\S+",
    ),
}
# Newsletter prompts: boilerplate anywhere in a short line that is not a sentence (in prose,
# "Most households subscribe to the harbour newsletter, which reported the plan first.").
AD_WORDS = _cue(r"subscribe|newsletter|abonnieren|הירשמו|اشترك|عضویت در خبرنامه")
# Cues that are a word a sentence may start with ("By 2030 ...", "Von den Anwohnern ...").
WORD_CUES = frozenset({"comments", "share", "tags", "signoff", "ad", "meta"})
# A header after which a block of related links follows; the block ends at strong body text.
RELATED = _cue(
    r"^(related( articles| stories| news| content)?|read (more|also)|more (from|on|articles|"
    r"stories|news)|see also|you may also like|lesen sie auch|mehr zum thema|auch interessant|"
    r"weitere artikel|das könnte sie auch interessieren|עוד כתבות|עוד בנושא|כתבות נוספות|"
    r"קראו גם|עוד ב|اقرأ أيض[اًا]+|اقرأ ايضا|مواضيع ذات صلة|أخبار ذات صلة|مقالات ذات صلة|"
    r"مطالب مرتبط|اخبار مرتبط|بیشتر بخوانید|بخوانید)\b"
)
DATE_LINES = 12  # lines find_date parses at most
DATE_HINT = regex.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\b(19|20)\d\d\b|[۰-۹٠-٩]{4}")
# A line that may hold a date of another calendar: a four-digit year (any digits) or a
# Hebrew-numeral one (תשפ"ד).
OTHER_DATE_HINT = regex.compile(r"\d{4}|[א-ת]{1,3}[\"״”][א-ת]")
MONTH_PAIR = regex.compile(r"(\p{L}+(?: \p{L}+)?)\s*/\s*(\p{L}+(?: \p{L}+)?)")
# Wire agencies under one name each, by the names datelines and sign-offs give them ("AA",
# "الأناضول" and "Anadolu Ajansı" are one agency, so one outlet).
AGENCIES = {
    "Anadolu Agency": ("AA", "Anadolu", "Anadolu Ajansı", "Anadolu Ajansi", "الأناضول", "الاناضول",
                       "وكالة الأناضول", "خبرگزاری آناتولی"),
    "Reuters": ("رويترز", "رویترز", "خبرگزاری رویترز", "רויטרס"),
    "AFP": ("Agence France-Presse", "فرانس برس", "فرانس پرس", "أ ف ب", "أ.ف.ب",
            "خبرگزاری فرانسه"),
    "AP": ("Associated Press", "أسوشيتد برس", "آسوشیتدپرس", "آسوشیتد پرس"),
    "dpa": ("Deutsche Presse-Agentur", "د ب أ", "د.ب.أ"),
    "İLKHA": ("ILKHA", "İlke Haber Ajansı"),
    "İHA": ("IHA", "İhlas Haber Ajansı"),
    "DHA": ("Demirören Haber Ajansı",),
    "IRNA": ("ایرنا", "إرنا", "خبرگزاری جمهوری اسلامی"),
    "ISNA": ("ایسنا", "خبرگزاری دانشجویان ایران"),
    "Tasnim": ("تسنیم", "تسنيم", "خبرگزاری تسنیم"),
    "Fars News Agency": ("Fars News", "خبرگزاری فارس"),
    "Mehr News Agency": ("Mehr News", "خبرگزاری مهر"),
    "WAFA": ("وكالة وفا",),
    "SANA": ("سانا",),
    "QNA": ("Qatar News Agency",),
    "KUNA": ("Kuwait News Agency",),
    "WAM": ("Emirates News Agency",),
    "SPA": ("Saudi Press Agency", "واس"),
    "MENA": ("أ ش أ", "أ.ش.أ"),
    "Xinhua": ("شينخوا", "شینهوا", "שינחואה"),
    "TASS": (),
    "Sputnik": ("سبوتنيك", "اسپوتنیک"),
    "RIA Novosti": (),
    "Interfax": (),
    "AzerTac": ("AZERTAC", "آذرتاج"),
    "Trend News Agency": (),
    "ANSA": (),
    "EFE": (),
    "APA": (),
    "KNA": (),
    "epd": (),
    "UPI": ("United Press International",),
    "Kyodo": (),
    "Yonhap": (),
    "PTI": (),
    "TPS": (),
    "JTA": (),
}  # fmt: skip
AGENCY_NAMES = {
    " ".join(alias.casefold().split()): name
    for name, aliases in AGENCIES.items()
    for alias in (name, *aliases)
}
# "خبرگزاری آران", "وكالة الأنباء السعودية", "Nachrichtenagentur X": an agency by its kind.
AGENCY_WORD = _cue(
    r"^(خبرگزاری|وكالة|وكاله|وکالت|סוכנות הידיעות|news agency|nachrichtenagentur|agence|"
    r"agencia|agenzia|haber ajansı)\s+\S"
)
# A short line or sign-off naming an agency in parentheses: "(dpa)", "(İLKHA)".
AGENCY_ACRONYM = regex.compile(r"^\p{Lu}[\p{Lu}\p{N}.&-]{1,9}$")
PARENTHESIZED = regex.compile(r"^\(\s*([^()]{2,40}?)\s*\)$")
# A sign-off at a paragraph's end, after its last sentence: "... war.\" (İLKHA)".
CLOSING_AGENCY = regex.compile(r"[.!?؟…\"'»”)\]]\s*\(\s*([^()]{2,40}?)\s*\)$")
# A sign-off after a paragraph's last sentence, no sentence of its own: an agency in
# parentheses ("... 2020\". (İLKHA)"), an editor's code after a slash ("... دانند. /خ",
# "/ع.م") or an agency after a dash ("... . - وكالات"); _signoff_at checks the name.
TRAILING_SIGNOFF = regex.compile(
    rf"(?<=[.!?؟…][\"'»”“’)\]」›{INVISIBLE}]*)\s*(?:\(\s*(?P<paren>[^()]{{2,40}}?)\s*\)"
    rf"|/\s*(?P<code>\p{{L}}{{1,4}}(?:\.\p{{L}}{{1,4}}){{0,3}}\.?)"
    rf"|[-–—]\s*(?P<dash>\p{{L}}[^.!?؟()]{{0,30}}?))[\s{INVISIBLE}]*$"
)
SIGNOFF_WORDS = 3  # a sign-off is this many words at most
# "- وكالات": "agencies", credited without a name.
GENERIC_AGENCIES = frozenset({"وكالات", "وكالات الأنباء", "agencies", "agenturen"})
# A dateline opening the first paragraph: "Berlin (dpa) - ", "BAGHDAD, March 3 (Reuters) -".
OPENING_AGENCY = regex.compile(r"^[^()]{2,60}?\(\s*([^()]{2,40}?)\s*\)\s*[-–—:]\s")
# "Quelle: dpa", "المصدر: الأناضول".
SOURCE_LABEL = _cue(r"^(source|quelle|kaynak|المصدر|منبع|מקור)\s*[:：]\s*(?P<name>.{2,40})$")
# "By Reuters", "Von dpa".
BY_AGENCY = _cue(r"^(by|von|מאת|بقلم)\s+(?P<name>\S.{0,39})$")
# The parts of a dateline: "Place/ Agency - date", "Agency | Desk | date".
DATELINE_PARTS = regex.compile(r"\s*[/|•·]\s*|\s+[-–—]\s+")
SCRIPTS = ("Latin", "Arabic", "Hebrew", "Cyrillic", "Greek", "Han", "Devanagari", "Thai")
SCRIPT_RES = {name: regex.compile(rf"\p{{Script={name}}}") for name in SCRIPTS}
BLANK_LINE = re.compile(r"\n\s*\n")
NEWLINE = re.compile(r"\n")
WORD_RUN = re.compile(r"[^ \t\u00a0]+")  # runs of spaces, tabs and nbsp become one space


@dataclass(frozen=True)
class SourceMap:
    """Where a cleaned paragraph's characters stand in the input text.

    Cleaning changes only whitespace (lines stripped and joined, runs of spaces made one), so
    the paragraph is a few runs copied unchanged; each run has one (paragraph, input) anchor.
    """

    anchors: tuple[tuple[int, int], ...]  # (offset in the paragraph, offset in the input)

    def offset(self, at: int) -> int:
        """The input offset of the paragraph's offset ``at`` (its length maps past the end)."""
        i = max(0, bisect.bisect_right(self.anchors, at, key=lambda a: a[0]) - 1)
        here, there = self.anchors[i]
        return there + at - here


@dataclass
class Cleaned:
    """The article after cleaning: headline, body paragraphs, date, outlet, and what was
    removed.

    ``sources`` maps each paragraph back into the text given to `clean` (see `source_span`).
    """

    title: str | None
    paragraphs: list[str]
    published: str | None = None
    removed: list[str] = field(default_factory=list)
    sources: list[SourceMap] = field(default_factory=list)
    # The date as written when ``published`` was converted from another calendar.
    published_original: str | None = None
    outlet: str | None = None  # the agency or outlet a dateline or sign-off names

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The [start, end) of the input text that holds ``body[start:end]``, equal to it up to
        whitespace; offsets between paragraphs map to the end of the paragraph before."""
        if len(self.sources) != len(self.paragraphs):
            raise ValueError("this Cleaned has no source map; it was not made by clean()")
        starts = list(itertools.accumulate((len(p) + 2 for p in self.paragraphs[:-1]), initial=0))

        def where(at: int) -> int:
            i = max(0, bisect.bisect_right(starts, at) - 1)
            return self.sources[i].offset(min(at - starts[i], len(self.paragraphs[i])))

        return where(start), where(end)


def split_units(text: str) -> list[str]:
    """Paragraph-like units: blank-line blocks, split into lines unless they are hard-wrapped."""
    return [" ".join(line for _, line in unit) for unit in _unit_lines(text)]


def _unit_lines(text: str) -> list[list[tuple[int, str]]]:
    """`split_units` as the (input offset, stripped line) pairs each unit is made of."""
    blocks: list[list[tuple[int, str]]] = []
    for block_at, block in _split_at(text, BLANK_LINE):
        lines = [
            (block_at + at + len(line) - len(line.lstrip()), line.strip())
            for at, line in _split_at(block, NEWLINE)
            if line.strip()
        ]
        if lines:
            blocks.append(lines)
    # The wrap width, from runs that word cues ("von", "by") do not cut; knowing it tells
    # wrapped lines that start with such a word from boilerplate lines.
    probes = [run for lines in blocks for run in _runs(lines, probe=True)]
    width = max((wrap[1] for run in probes if (wrap := _wrap(_texts(run)))), default=None)
    runs = [run for lines in blocks for run in _runs(lines, width)]
    wraps = [_wrap(_texts(run)) for run in runs]
    return [
        unit
        for run, wrap in zip(runs, wraps, strict=True)
        for unit in _paragraphs(run, wrap, width)
    ]


def _paragraphs(
    run: list[tuple[int, str]], wrap: tuple[int, int] | None, width: int | None
) -> list[list[tuple[int, str]]]:
    """A run of lines as units: the lines after its ``wrap`` lead as one when it is
    hard-wrapped; else each line, but where the text is wrapped at ``width``, lines too full
    for the next line's first word joined with it up to a sentence end (``width`` is the
    widest line seen, a little under the width the text was wrapped at)."""
    if wrap:
        lead = wrap[0]
        return [[line] for line in run[:lead]] + [run[lead:]]
    groups = [[run[0]]]
    for (_, line), after in itertools.pairwise(run):
        if width and _full(line, after[1], width, slack=5):
            groups[-1].append(after)
        else:
            groups.append([after])
    return [
        unit
        for group in groups
        for unit in ([group] if _terminal(group[-1][1]) else [[line] for line in group])
    ]


def _texts(run: list[tuple[int, str]]) -> list[str]:
    return [line for _, line in run]


def _runs(
    lines: list[tuple[int, str]], width: int | None = None, probe: bool = False
) -> list[list[tuple[int, str]]]:
    """A block's lines cut at boilerplate lines (photo credits, share widgets ... under a
    paragraph), each its own run, and before related-links headers. A line with a cue word
    that continues a paragraph (see `_continues`; any word cue when ``probe``) stays in its
    run."""
    runs: list[list[tuple[int, str]]] = [[]]
    cued = False
    for k, (at, line) in enumerate(lines):
        before = lines[k - 1][1] if k else ""
        after = lines[k + 1][1] if k + 1 < len(lines) else ""
        starts = len(before) < 40 or _terminal(before) or cued
        cue = _cue_name(line)
        kept = (probe and cue in WORD_CUES) or _continues(before, line, after, cue, width)
        cued = bool(cue) and (cued or not kept)
        if cued:
            runs.extend([[(at, line)], []])
        elif starts and _related_header(line):
            runs.append([(at, line)])
        else:
            runs[-1].append((at, line))
    return [run for run in runs if run]


def _continues(before: str, line: str, after: str, cue: str | None, width: int | None) -> bool:
    """Whether a line with a cue is a paragraph's line: after a long line that ends mid-sentence
    ("von", "by" starting a wrapped line), or, in text wrapped at ``width``, a full line that
    starts a sentence with a word cue ("Von den Anwohnern ...") and runs on into the next."""
    if len(before) >= 40 and not _terminal(before):
        return True
    if width is None or cue not in WORD_CUES or len(line) < max(40, width - 15):
        return False
    return bool(after) and not _terminal(line) and _full(line, after, width, slack=5)


def _split_at(text: str, separator: re.Pattern[str]) -> list[tuple[int, str]]:
    """``separator.split(text)`` with each piece's offset in ``text``."""
    pieces, at = [], 0
    for match in separator.finditer(text):
        pieces.append((at, text[at : match.start()]))
        at = match.end()
    pieces.append((at, text[at:]))
    return pieces


def _unit(lines: list[tuple[int, str]]) -> tuple[str, SourceMap]:
    """A unit's lines joined by spaces, runs of spaces, tabs and nbsp made one space, and
    where its characters came from."""
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    length = 0
    for at, line in lines:
        for match in WORD_RUN.finditer(line):
            if out:
                out.append(" ")
                length += 1
            here, there = length, at + match.start()
            if not anchors or there - here != anchors[-1][1] - anchors[-1][0]:
                anchors.append((here, there))
            out.append(match.group())
            length += len(match.group())
    return "".join(out), SourceMap(tuple(anchors))


def _wrap(lines: list[str], most: int = 8) -> tuple[int, int] | None:
    """(lines on top, width) of lines broken at a fixed width under up to ``most`` others (a
    headline, a dateline, links), or None. Hard-wrapped: three or more lines, the non-last
    ones of near-equal length, each too full to take the next line's first word, the last
    ending a sentence. A headline over a standfirst and a dateline is not."""
    if len(lines) < 3 or not _terminal(lines[-1]):
        return None
    for lead in range(min(most, len(lines) - 3) + 1):
        rest = lines[lead:]
        if len(rest[0]) < 40:  # a wrapped paragraph's first line is full
            continue
        width = max(map(len, rest[:-1]))
        fits = all(_full(a, b, width) for a, b in itertools.pairwise(rest))
        if fits and len(rest[-1]) <= width + 5:
            return lead, width
    return None


def _full(line: str, after: str, width: int, slack: int = 0) -> bool:
    """A hard-wrapped line: near ``width`` long (up to ``slack`` over) and too full to take
    ``after``'s first word."""
    return (
        40 <= len(line) <= width + slack
        and width - len(line) <= 15
        and (len(line) + 1 + len(after.split()[0]) > width)
    )


def clean(text: str, lang: str | None = None, title: str | None = None) -> Cleaned:
    """Split ``text`` into headline, body paragraphs and removed boilerplate."""
    pairs = [_unit(lines) for lines in _unit_lines(text)]
    pairs = [(u, where) for u, where in pairs if u]
    if not pairs:
        return Cleaned(title=title, paragraphs=[])
    units = [u for u, _ in pairs]
    stops = _stoplist(lang)
    script = _dominant_script(text)
    n = len(units)
    cue = [_cue_name(u) for u in units]
    body = [cue[i] is None and _is_body(u, stops) for i, u in enumerate(units)]

    keep = [False] * n
    bodies = [i for i in range(n) if body[i]]
    if not bodies:  # no paragraph looks like prose: keep everything that is not a cue
        bodies = [i for i in range(n) if cue[i] is None]
    first, last = (bodies[0], bodies[-1]) if bodies else (0, -1)
    related = False
    for i in range(first, last + 1):
        u = units[i]
        if _related_header(u):
            related = True
            continue
        if related and not (len(u) >= STRONG_BODY_CHARS and _terminal(u)):
            continue
        related = False
        if cue[i] is not None:
            continue
        if body[i]:
            keep[i] = True
        else:
            keep[i] = not _label_like(u, stops, script)
    # Runs of three or more short non-body lines are link lists, not prose (a sentence,
    # ended by its punctuation, is prose however short).
    i = first
    while i <= last:
        j = i
        while j <= last and not body[j] and cue[j] is None and not _sentence(units[j], script):
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                keep[k] = False
        i = j + 1

    # A short closing sentence ("We got outplayed.") is body unless a cue says otherwise.
    for i in range(last + 1, n):
        if cue[i] is not None or not _sentence(units[i], script) or _related_header(units[i]):
            break
        keep[i] = not _label_like(units[i], stops, script)
    # The headline: front matter, else the first line if it reads like one.
    links = _related_links(units[:first])
    head = next(
        (i for i in range(n) if cue[i] is None and i not in links and not _related(units[i])),
        None,
    )
    if title is None and head is not None and _headline_like(units[head]):
        title = units[head]
        keep[head] = False
    # A standfirst (lead) between the headline and the body is content, not boilerplate.
    start = 0 if head is None else head + (title == units[head])  # past a headline taken
    for i in range(start, first):
        u = units[i]
        if i in links:
            continue
        if cue[i] is not None or _label_like(u, stops, script):
            continue
        if _sentence(u, script):
            keep[i] = True
        elif len(u.split()) >= 6:
            keep[i] = stops is None or _stop_density(u, stops) > 0

    paragraphs: list[str] = []
    sources: list[SourceMap] = []
    seen: set[str] = set()
    removed: list[str] = []
    for i, u in enumerate(units):
        key = u.casefold()
        if keep[i] and key not in seen and key != (title or "").casefold():
            paragraphs.append(u)
            sources.append(pairs[i][1])
            seen.add(key)
        elif i != head or title != u:
            removed.append(u)
    # The outlet: from the lines removed above the second kept paragraph (a standfirst may
    # stand above the dateline) or under the last one, or in the first and last paragraphs.
    kept = [i for i in range(n) if keep[i]]
    outlet = None
    if kept:
        skip = links | ({head} if head is not None and title == units[head] else set())
        lead = [
            (units[i], i + 1 < n and keep[i + 1])
            for i in range(kept[min(1, len(kept) - 1)])
            if not keep[i] and i not in skip
        ]
        after = itertools.takewhile(lambda u: not _related_header(u), units[kept[-1] + 1 :])
        outlet = find_outlet(lead, paragraphs[:1], paragraphs[-1:], list(after)[:4])
    # A sign-off closing a paragraph ("... . (İLKHA)", "... . /خ") is no text of the article
    # (its agency is the outlet, found above); cutting a paragraph's end keeps its source map.
    for k, paragraph in enumerate(paragraphs):
        if (at := _signoff_at(paragraph)) is not None:
            paragraphs[k] = paragraph[:at].rstrip()
            removed.append(paragraph[at:].strip())
    metadata = [u for u in removed if len(u) <= 120]
    published = find_date(metadata, lang)
    # A leading line that is only a date (any script, any calendar beside it) is a dateline.
    if paragraphs and len(paragraphs[0]) <= 80 and not _terminal(paragraphs[0]):
        date = find_date(paragraphs[:1], lang)
        other = None if date else find_other_date(paragraphs[:1])
        if (date or other) and len(paragraphs[0].split()) <= 8:
            metadata.append(paragraphs[0])
            removed.append(paragraphs.pop(0))
            sources.pop(0)
            published = published or date
    original = None
    if published is None and (other := find_other_date(metadata)):
        published, original = other.iso, other.original  # the only date is of another calendar
    if removed:
        logger.debug("removed %d boilerplate line(s)", len(removed))
    return Cleaned(title, paragraphs, published, removed, sources, original, outlet)


def _related_links(lead: list[str]) -> set[int]:
    """Indices of the lines before the body that follow a related-links header: links, not
    a headline or standfirst."""
    start = next((i for i, u in enumerate(lead) if _related_header(u)), None)
    return set(range(start, len(lead))) if start is not None else set()


def find_date(lines: list[str], lang: str | None) -> str | None:
    """The first full date (day, month, year) stated in ``lines``, as YYYY-MM-DD. Only the
    first few lines that look like dates are parsed: dateparser takes milliseconds a line."""
    candidates = [ln for ln in lines if DATE_HINT.search(ln)][:DATE_LINES]
    if not candidates:
        return None
    from dateparser.search import search_dates  # slow import, only when a date is likely

    languages = [c for c in dict.fromkeys([lang or "en", "en"]) if c]
    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "DATE_ORDER": "DMY"}
    for line in candidates:
        # Arabic press pairs month names ("12 آذار/مارس 2025"): try each side of the pair.
        variants = dict.fromkeys([line, MONTH_PAIR.sub(r"\2", line), MONTH_PAIR.sub(r"\1", line)])
        for variant in variants:
            try:
                found = search_dates(variant, languages=languages, settings=settings)
            except Exception:  # dateparser rejects some language codes; try without
                found = search_dates(variant, settings=settings)
            for _, when in found or []:
                if 1990 <= when.year <= date.today().year + 1:
                    return when.date().isoformat()
    return None


def find_other_date(lines: list[str]) -> CalendarDate | None:
    """The first full Solar Hijri, Hijri or Hebrew date stated in ``lines`` (see calendars),
    with its Gregorian day; only the first few lines that may hold one are read."""
    for line in [ln for ln in lines if OTHER_DATE_HINT.search(ln)][:DATE_LINES]:
        if found := find_calendar_date(line):
            return found
    return None


def find_outlet(
    lead: list[tuple[str, bool]], first: list[str], last: list[str], tail: list[str]
) -> str | None:
    """The outlet a dateline or sign-off names, read in ``lead`` (the lines above the body,
    each with whether it is the one right above it), the opening of the ``first`` paragraph
    ("Berlin (dpa) - "), the end of the ``last`` one ("... (İLKHA)") and ``tail`` (the lines
    under the body); a wire agency under its one name (AGENCIES), another as written."""
    for line, nearest in lead:
        if name := _outlet_line(line, nearest):
            return name
    for paragraph in first:
        if (m := OPENING_AGENCY.match(_bare(paragraph))) and (name := _known_agency(m[1])):
            return name
    for paragraph in last:
        if (m := CLOSING_AGENCY.search(_bare(paragraph))) and (name := _agency(m[1])):
            return name
    for line in tail:
        if name := _outlet_line(line, nearest=False):
            return name
    return None


def _signoff_at(paragraph: str) -> int | None:
    """Where the sign-off closing ``paragraph`` after its last sentence starts
    (TRAILING_SIGNOFF, spaces before it included), when it names an agency ("(İLKHA)",
    "(dpa/AFP)", "- وكالات") or is an editor's code after a slash ("/خ", "/ع.م"); else None."""
    m = TRAILING_SIGNOFF.search(paragraph)
    if m is None or len(m.group().split()) > SIGNOFF_WORDS or not paragraph[: m.start()].strip():
        return None
    name = m["paren"] or m["dash"]
    if name is not None:
        generic = " ".join(name.casefold().split()) in GENERIC_AGENCIES
        if not generic and not (_agency(name) if m["paren"] else _known_agency(name)):
            return None
    return m.start()


def _known_agency(text: str) -> str | None:
    return AGENCY_NAMES.get(" ".join(text.casefold().split()))


def _agency(text: str) -> str | None:
    """The agencies a sign-off names ("dpa", "dpa/AFP"): known ones under their one name,
    others when each reads as an agency's acronym ("İLKHA"); else None."""
    names = []
    for part in regex.split(r"\s*[/,]\s*", text.strip()):
        name = _known_agency(part) or (part if AGENCY_ACRONYM.match(part) else None)
        if name is None:
            return None
        names.append(name)
    return "/".join(dict.fromkeys(names)) or None


def _outlet_line(line: str, nearest: bool) -> str | None:
    """The outlet a line around the body names when it is a dateline or sign-off: an agency
    alone ("AA", "Reuters", "(dpa)"), by its kind ("خبرگزاری آران"), after "By" or
    "Source:", or after a place ("القدس/ الأناضول"; any name there when ``nearest``, the line
    right above the body)."""
    bare = _bare(line).strip(" -–—•·|")
    if not bare or len(bare) > 80 or _cue_name(bare) not in (None, "dateline", "meta"):
        return None
    if name := _known_agency(bare):
        return name
    if m := PARENTHESIZED.match(bare):
        return _agency(m[1])
    if m := BY_AGENCY.match(bare):
        return _agency(m["name"])
    if m := SOURCE_LABEL.match(bare):
        given = m["name"].strip()
        return _known_agency(given) or (given if len(given.split()) <= 4 else None)
    # "فيينا/ وكالة ... - 12 مارس 2025", "خبرگزاری ... | سرویس ... | ۱۴ خرداد ۱۴۰۳"
    parts = [part for part in DATELINE_PARTS.split(bare) if part]
    if len(parts) == 1 and not AGENCY_WORD.match(bare):
        return None
    for part in parts:
        if AGENCY_WORD.match(part) and len(part.split()) <= 6:
            return _known_agency(part) or part
    for part in parts:
        if name := _known_agency(part):
            return name
    name = DATELINE_PARTS.split(bare.partition("/")[2].strip())[0]  # after "Place/"
    if nearest and CUES["dateline"].match(bare) and len(name.split()) <= 3:
        return None if regex.search(r"\d", name) else name
    return None


def _cue_name(unit: str) -> str | None:
    """Which kind of boilerplate line ``unit`` is (CUES), if any; marks at its ends ignored."""
    if len(unit) > 200:
        return None
    unit = _bare(unit)
    # A whole sentence that starts like a cue ("By 1976, thirty percent of ...", "Posted
    # speed limits are ...") is prose: a byline or a "Posted:" line is not a long sentence.
    sentence = len(unit.split()) >= 8 and _terminal(unit)
    for name, pattern in CUES.items():
        if name == "dateline" and len(unit.split()) > DATELINE_WORDS:  # "X/Y" in a sentence
            continue
        if pattern.search(unit) and not (sentence and name in WORD_CUES):
            return name
    if AD_WORDS.search(unit) and len(unit.split()) <= 6 and not _terminal(unit):
        return "ad"
    return None


def _is_body(unit: str, stops: frozenset[str] | None) -> bool:
    """Prose: long, or a full sentence of reasonable length with some function words."""
    if len(unit) >= BODY_CHARS:
        return stops is None or _stop_density(unit, stops) > 0.05 or len(unit) >= 200
    return len(unit) >= 40 and _terminal(unit) and (stops is None or _stop_density(unit, stops) > 0)


def _label_like(unit: str, stops: frozenset[str] | None, script: str | None) -> bool:
    """A short line that is a name, agency or widget label rather than part of the text."""
    words = unit.split()
    if len(words) <= 2 and not _terminal(unit):
        return True
    if script and _script_share(unit, script) < 0.5:
        return True
    return (
        bool(stops)
        and _stop_density(unit, stops) == 0
        and not _terminal(unit)
        and (len(words) <= 3)
    )


def _headline_like(unit: str) -> bool:
    """Short and not a sentence, or one question or exclamation; a paragraph of several
    sentences ending in a question is the body's first paragraph, not a headline."""
    if len(unit) > 200:
        return False
    if not _terminal(unit):
        return True
    if len(unit) > HEADLINE_CHARS:  # a long exclamation or question is the text's sentence
        return False
    ending = unit.rstrip(CLOSERS + INVISIBLE)
    return ending.endswith(("?", "؟", "!")) and not SENTENCE_END.search(unit)


def _sentence(unit: str, script: str | None) -> bool:
    """A sentence of the text however short: three words or more, ended by sentence
    punctuation (a quote's closing mark allowed), in the text's own script."""
    if len(unit.split()) < 3 or not _terminal(unit):
        return False
    return script is None or _script_share(unit, script) >= 0.5


def _terminal(unit: str) -> bool:
    return unit.rstrip(CLOSERS + INVISIBLE).endswith(TERMINAL)


def _bare(unit: str) -> str:
    """``unit`` without the spaces and invisible marks at its ends, which hide a cue from
    patterns anchored there ("\u200fתגיות:")."""
    return EDGES.sub("", unit)


def _related(unit: str) -> bool:
    return bool(RELATED.search(_bare(unit)))


def _related_header(unit: str) -> bool:
    """A related-links header ("Read also"), not a paragraph that starts with those words."""
    return len(unit) < 60 and _related(unit)


def _stop_density(unit: str, stops: frozenset[str]) -> float:
    words = [w.casefold() for w in regex.findall(r"\w+", unit)]
    return sum(w in stops for w in words) / len(words) if words else 0.0


def _dominant_script(text: str) -> str | None:
    counts = {name: len(rx.findall(text[:20000])) for name, rx in SCRIPT_RES.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _script_share(unit: str, script: str) -> float:
    letters = regex.findall(r"\p{L}", unit)
    if not letters:
        return 0.0
    return len(SCRIPT_RES[script].findall(unit)) / len(letters)


@functools.lru_cache(maxsize=32)
def _stoplist(lang: str | None) -> frozenset[str] | None:
    """jusText's stoplist for an ISO 639-1 code, or None where it has none."""
    if not lang:
        return None
    from lingua import IsoCode639_1, Language

    try:
        name = Language.from_iso_code_639_1(getattr(IsoCode639_1, lang.upper())).name.title()
    except (AttributeError, ValueError):
        return None
    aliases = {"Bokmal": "Norwegian_Bokmal", "Nynorsk": "Norwegian_Nynorsk"}
    name = aliases.get(name, name)
    # Read the list file directly: importing justext imports its HTML cleaner (lxml), which
    # a plain-text run does not need.
    spec = importlib.util.find_spec("justext")
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        return None
    try:
        words = (Path(folders[0]) / "stoplists" / f"{name}.txt").read_text(encoding="utf-8")
    except OSError:
        return None
    return frozenset(w.strip().casefold() for w in words.splitlines() if w.strip())
