"""Dates written in other calendars, read as Gregorian dates.

Persian agencies date their pages in the Solar Hijri calendar ("۱۵ آبان ۱۴۰۲",
"۱۴۰۲/۰۸/۱۵"), Arabic ones often in the Hijri (Islamic) calendar ("15 ربيع الآخر 1445",
"1445/04/15 هـ"), Hebrew ones in the Hebrew calendar ("ג' בחשוון תשפ"ד", "3 Heshvan 5784").
`find_calendar_date` finds such a date in a line and converts it; the arithmetic is the
libraries' (dateparser's own calendar support uses the same two): convertdate for the Solar
Hijri (the March equinox at Tehran, Iran's official rule) and the Hebrew calendar, hijridate
for the Hijri calendar by Umm al-Qura (Saudi Arabia's official calendar, which Arabic
datelines follow; convertdate's arithmetic Hijri calendar is a day or two off it about half
the time). Nothing here is guessed: a date is read only with its day, month and year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

import regex

Calendar = Literal["solar-hijri", "hijri", "hebrew"]
EARLIEST = 1990  # dates before this year are not a news article's (as clean.find_date)

# Length-preserving normalisation, so a match's span is the original's: digits to ASCII,
# Arabic letter variants to one form, invisible joiners and tatweel to spaces, Hebrew and
# typographic quote marks to ASCII ones.
_FOLD = str.maketrans(
    {
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        "ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه",
        "\u0640": " ", "\u200c": " ", "\u200d": " ", "\u200e": " ", "\u200f": " ",
        "\u061c": " ", "\u00a0": " ",
        "״": '"', "”": '"', "“": '"', "„": '"', "׳": "'", "’": "'", "‘": "'", "`": "'",
    }
)  # fmt: skip

# Month names as they read after _FOLD (a space stands for any spacing, or none).
SOLAR_MONTHS = {
    1: ["فروردین", "حمل", "farvardin"],
    2: ["اردیبهشت", "ثور", "ordibehesht"],
    3: ["خرداد", "جوزا", "khordad"],
    4: ["تیر", "سرطان", "tir"],
    5: ["مرداد", "امرداد", "اسد", "mordad", "amordad"],
    6: ["شهریور", "سنبله", "shahrivar"],
    7: ["مهر", "میزان", "mehr"],
    8: ["ابان", "عقرب", "aban"],
    9: ["اذر", "قوس", "azar"],
    10: ["دی", "جدی", "dey", "dei"],
    11: ["بهمن", "دلو", "bahman"],
    12: ["اسفند", "حوت", "esfand"],
}  # Iranian names, Afghan (zodiac) names, transliterations
HIJRI_MONTHS = {
    1: ["محرم", "المحرم", "muharram"],
    2: ["صفر", "safar"],
    3: ["ربیع الاول", "ربیع اول", "rabi al awwal", "rabi i"],
    4: ["ربیع الاخر", "ربیع الثانی", "ربیع ثانی", "rabi al akhir", "rabi al thani", "rabi ii"],
    5: ["جمادی الاولی", "جمادی الاول", "jumada al ula", "jumada al awwal", "jumada i"],
    6: ["جمادی الاخره", "جمادی الاخر", "جمادی الثانیه", "جمادی الثانی", "jumada al akhirah",
        "jumada al thani", "jumada ii"],
    7: ["رجب", "rajab"],
    8: ["شعبان", "shaban", "sha'ban"],
    9: ["رمضان", "ramadan", "ramazan"],
    10: ["شوال", "shawwal"],
    11: ["ذو القعده", "ذی القعده", "dhu al qadah", "dhu al qidah", "dhul qadah"],
    12: ["ذو الحجه", "ذی الحجه", "dhu al hijjah", "dhul hijjah"],
}  # fmt: skip
# Numbered as convertdate numbers them: Nisan 1 ... Tishri 7 ... Adar (I) 12, Adar II 13.
HEBREW_MONTHS = {
    1: ["ניסן", "nisan"],
    2: ["אייר", "איר", "iyar", "iyyar"],
    3: ["סיון", "סיוון", "sivan"],
    4: ["תמוז", "tammuz", "tamuz"],
    5: ["מנחם אב", "אב", "menachem av", "av"],
    6: ["אלול", "elul"],
    7: ["תשרי", "tishrei", "tishri"],
    8: ["מרחשוון", "מרחשון", "חשוון", "חשון", "marcheshvan", "cheshvan", "heshvan", "marheshvan"],
    9: ["כסלו", "כסליו", "kislev"],
    10: ["טבת", "tevet", "teveth"],
    11: ["שבט", "shevat", "shvat"],
    12: ["אדר א'", "אדר ראשון", "adar i", "adar aleph", "אדר", "adar"],
    13: ["אדר ב'", "אדר שני", "adar ii", "adar bet", "adar beit"],
}  # fmt: skip


def _names(table: dict[int, list[str]]) -> tuple[str, dict[str, int]]:
    """A regex alternation of ``table``'s names (longest first, so "אדר א'" wins over
    "אדר") and a lookup from a folded name to its month."""
    lookup = {_key(name): month for month, names in table.items() for name in names}
    names = sorted((n for ns in table.values() for n in ns), key=len, reverse=True)
    pattern = "|".join(
        r"[\s\-']*".join(regex.escape(w) for w in regex.split(r"[ \-]", n.translate(_FOLD)))
        for n in names
    )
    return pattern, lookup


def _key(name: str) -> str:
    return regex.sub(r"[\s\-']+", "", name.translate(_FOLD).casefold())


_SOLAR, SOLAR_LOOKUP = _names(SOLAR_MONTHS)
_HIJRI, HIJRI_LOOKUP = _names(HIJRI_MONTHS)
_HEBREW, HEBREW_LOOKUP = _names(HEBREW_MONTHS)
_NOT_LETTER = r"(?<!\p{L})"
_END = r"(?!\p{L})"
_YEAR = r"(?<!\d)(?P<year>1[34]\d\d)(?!\d)"  # a Solar Hijri or Hijri year (1300-1499)
# "15 آبان 1402", "15 آبان‌ماه 1402", "15 من رمضان 1445"; transliterated "Aban 15, 1402".
_DAY_MONTH_YEAR = (
    r"(?<!\d)(?P<day>\d{1,2})(?!\d)\s*(?:ام|م|th)?\s+(?:من\s+)?" + _NOT_LETTER
    + r"(?P<month>MONTHS)\s*(?:ماه)?" + _END + r"[\s,]+" + _YEAR
)  # fmt: skip
_MONTH_DAY_YEAR = _NOT_LETTER + r"(?P<month>MONTHS)\s+(?P<day>\d{1,2})(?!\d),?\s+" + _YEAR
_I = regex.IGNORECASE | regex.V1
SOLAR_RES = [
    regex.compile(p.replace("MONTHS", _SOLAR), _I) for p in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR)
]
HIJRI_RES = [
    regex.compile(p.replace("MONTHS", _HIJRI), _I) for p in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR)
]
# Numeric: year first or last, with a calendar mark after it or none.
_MARK = r"(?:\s*(?P<mark>ه\s*\.?\s*ش|ه\s*\.?\s*ق|هجری\s+شمسی|هجری\s+قمری|ه|ش|ق|AH|SH)" + _END + ")?"
_MARK = _MARK.translate(_FOLD)
NUMERIC_RES = [
    regex.compile(
        r"(?<![\d/.\-])" + _YEAR + r"(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
        r"(?![\d/.\-])" + _MARK, _I,
    ),
    regex.compile(
        r"(?<![\d/.\-])(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)" + _YEAR
        + r"(?![\d/.\-])" + _MARK, _I,
    ),
]  # fmt: skip
# Hebrew: the day and year in Hebrew numerals (ג', ט"ו; תשפ"ד, ה'תשפ"ד) or in digits.
_HEBREW_DAY = r"(?P<day>\d{1,2}(?!\d)|[א-ת]\"[א-ת]|[א-ת]')"
_HEBREW_YEAR = r"(?P<year>(?:ה'?)?[א-ת]{1,3}\"[א-ת]|(?<!\d)5\d{3}(?!\d))"
HEBREW_RES = [
    regex.compile(
        r"(?<![\p{L}\d])" + _HEBREW_DAY + r"\s+(?:ב)?(?P<month>" + _HEBREW + r")(?!\p{L})"
        r"[\s,]+" + _HEBREW_YEAR, _I,
    ),
    regex.compile(
        r"(?<!\p{L})(?P<month>" + _HEBREW + r")\s+(?P<day>\d{1,2})(?!\d),?\s+"
        r"(?P<year>(?<!\d)5\d{3}(?!\d))", _I,
    ),
]  # fmt: skip
GEMATRIA = dict(zip("אבגדהוזחטיכלמנסעפצקרשתךםןףץ",
                    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200,
                     300, 400, 20, 40, 50, 80, 90], strict=True))  # fmt: skip


@dataclass(frozen=True)
class CalendarDate:
    """A date found in another calendar: as written, as read, and its Gregorian day."""

    calendar: Calendar
    year: int
    month: int
    day: int
    original: str  # the date as the text writes it
    gregorian: dt.date

    @property
    def iso(self) -> str:
        return self.gregorian.isoformat()


def solar_hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian day of a Solar Hijri (Persian) date; ValueError when there is none."""
    from convertdate import persian

    if not 1 <= month <= 12 or not 1 <= day <= (31 if month <= 6 else 30):
        raise ValueError(f"no Solar Hijri date {year}/{month}/{day}")
    return _checked(persian, year, month, day)


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian day of a Hijri date (Umm al-Qura, 1343-1500 AH); ValueError when there
    is none (hijridate's OverflowError out of its range included)."""
    from hijridate import Hijri

    try:
        return dt.date.fromordinal(Hijri(year, month, day).to_gregorian().toordinal())
    except OverflowError as error:
        raise ValueError(str(error)) from error


def hebrew_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian day of a Hebrew date (months numbered from Nisan, Adar I 12, Adar II
    13; Adar II in a common year is its one Adar); ValueError when there is none."""
    from convertdate import hebrew

    if month == 13 and not hebrew.leap(year):
        month = 12
    if not 1 <= month <= 13 or not 1 <= day <= 30:
        raise ValueError(f"no Hebrew date {year}/{month}/{day}")
    return _checked(hebrew, year, month, day)


def _checked(calendar: ModuleType, year: int, month: int, day: int) -> dt.date:
    """A convertdate calendar's Gregorian day for a date, which must convert back to itself
    (no 30 Esfand in a common year, no 30 Heshvan in a short one)."""
    try:
        when = dt.date(*calendar.to_gregorian(year, month, day))
    except (ValueError, OverflowError) as error:
        raise ValueError(f"no {calendar.__name__} date {year}/{month}/{day}") from error
    if tuple(calendar.from_gregorian(when.year, when.month, when.day)) != (year, month, day):
        raise ValueError(f"no {calendar.__name__} date {year}/{month}/{day}")
    return when


def hebrew_numeral(text: str) -> int:
    """The value of a number in Hebrew letters ("ט"ו" 15, "תשפ"ד" 784, "ה'תשפ"ד" 5784)."""
    letters = [c for c in text if c in GEMATRIA]
    if not letters:
        raise ValueError(f"no Hebrew numeral in {text!r}")
    thousands = 0
    if len(letters) > 1 and letters[0] == "ה" and ("'" in text[:2] or len(letters) >= 4):
        thousands, letters = 5000, letters[1:]
    return thousands + sum(GEMATRIA[c] for c in letters)


CONVERTERS = {
    "solar-hijri": solar_hijri_to_gregorian,
    "hijri": hijri_to_gregorian,
    "hebrew": hebrew_to_gregorian,
}


def to_gregorian(calendar: Calendar, year: int, month: int, day: int) -> dt.date:
    return CONVERTERS[calendar](year, month, day)


def find_calendar_date(line: str, latest: int | None = None) -> CalendarDate | None:
    """The first full Solar Hijri, Hijri or Hebrew date in ``line`` that falls between
    EARLIEST and ``latest`` (next year by default), converted; None when there is none."""
    latest = latest or dt.date.today().year + 1
    folded = line.translate(_FOLD)
    found: list[tuple[int, CalendarDate]] = []
    for at, calendar, year, month, day in _candidates(folded):
        try:
            when = to_gregorian(calendar, year, month, day)
        except ValueError:
            continue
        if EARLIEST <= when.year <= latest:
            end = at[1]
            while line[end : end + 1] == "\u0640":  # the tatweel of "هـ" ends the mark
                end += 1
            original = line[at[0] : end].strip()
            found.append((at[0], CalendarDate(calendar, year, month, day, original, when)))
    return min(found, key=lambda f: f[0])[1] if found else None


def _candidates(folded: str) -> list[tuple[tuple[int, int], Calendar, int, int, int]]:
    """Every (span, calendar, year, month, day) the patterns read in a folded line; a
    numeric date with no calendar mark is read as both Solar Hijri and Hijri (their years
    since 1990 do not overlap: 1368-1406 and 1410-1449)."""
    out: list[tuple[tuple[int, int], Calendar, int, int, int]] = []
    for calendar, patterns, lookup in (
        ("solar-hijri", SOLAR_RES, SOLAR_LOOKUP),
        ("hijri", HIJRI_RES, HIJRI_LOOKUP),
    ):
        for pattern in patterns:
            for m in pattern.finditer(folded):
                month = lookup.get(_key(m["month"]))
                if month:
                    out.append((m.span(), calendar, int(m["year"]), month, int(m["day"])))
    for pattern in NUMERIC_RES:
        for m in pattern.finditer(folded):
            mark = regex.sub(r"[\s.]", "", m["mark"] or "").casefold()
            if mark in ("هش", "ش", "هجریشمسی", "sh"):
                calendars: tuple[Calendar, ...] = ("solar-hijri",)
            elif mark:
                calendars = ("hijri",)
            else:
                calendars = ("solar-hijri", "hijri")
            for calendar in calendars:
                out.append((m.span(), calendar, int(m["year"]), int(m["month"]), int(m["day"])))
    for pattern in HEBREW_RES:
        for m in pattern.finditer(folded):
            month = HEBREW_LOOKUP.get(_key(m["month"]))
            if not month:
                continue
            day, year = m["day"], m["year"]
            try:
                d = int(day) if day.isdigit() else hebrew_numeral(day)
                y = int(year) if year.isdigit() else hebrew_numeral(year)
            except ValueError:
                continue
            out.append((m.span(), "hebrew", y + 5000 if y < 1000 else y, month, d))
    return out
