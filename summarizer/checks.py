"""Checks that catch a broken model's output: pure functions of (source, output), no model.

`summarize models check` feeds each model our probes (see `probes`) and runs these on what
comes back; the pipeline runs `degenerate` on every translated sentence and brief. A check
must never fire on a good human translation: the thresholds below were measured on the
FLORES-200 devtest pairs (heb, arb, pes, deu -> eng), which all pass but three whose human
translation gets a number wrong (see tests/test_checks.py).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

import regex

from .guard import NUMBER_WORDS, facts, normalise_digits, readings
from .language import detect, language_name, main_script
from .types import SegmentFlag

ProblemKind = Literal[
    "empty",
    "not_english",
    "untranslated",
    "number",
    "name",
    "length",
    "repetition",
    "not_shorter",
]

# English characters per source character (stripped), by source language: 0.7 x the 1st and
# 1.5 x the 99th percentile of the FLORES-200 devtest pairs (measured for he, ar, fa, de;
# the others are estimates from typical ratios, kept wider).
LENGTH_BANDS: dict[str, tuple[float, float]] = {
    "de": (0.44, 1.71), "he": (0.66, 2.72), "ar": (0.54, 2.46), "fa": (0.52, 2.23),
    "zh": (1.2, 8.0), "ja": (1.0, 6.0), "ko": (0.9, 5.5),
}  # fmt: skip
SCRIPT_BANDS = {
    "Hebrew": LENGTH_BANDS["he"], "Arabic": (0.52, 2.46), "Cjk": (1.0, 8.0),
    "Hiragana": LENGTH_BANDS["ja"], "Katakana": LENGTH_BANDS["ja"], "Hangul": LENGTH_BANDS["ko"],
}  # fmt: skip
# The script a target language is written in (else Latin).
TARGET_SCRIPTS = {
    "he": "Hebrew", "ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "ru": "Cyrillic",
    "uk": "Cyrillic", "bg": "Cyrillic", "el": "Greek", "zh": "Cjk", "ja": "Cjk", "ko": "Hangul",
}  # fmt: skip
DEFAULT_BAND = (0.4, 1.9)  # Latin, Cyrillic, Greek and other alphabets (estimate)
OTHER_BAND = (0.3, 3.0)  # another target than English
MIN_LENGTH_SOURCE = 15  # characters; shorter sources are not length-checked
MIN_LANGUAGE_LETTERS = 20  # fewer letters than this: no language check
LANGUAGE_CONFIDENCE = 0.3  # FLORES German read as German, Swedish ... is >= 0.45
# lingua's quick mode reads 12 of the 1,012 FLORES English sentences as another language
# (Latin, Tagalog ...), some with 0.99 confidence. English function words settle it: of the
# words that start lower case (names and German nouns do not), those 12 have >= 25% in this
# list, the FLORES German sentences <= 11% (one with an English title: 29%).
ENGLISH_SHARE = 0.15
_FUNCTION = (
    "the of and to is that for with are by it this from which were has have their they he she"
    " his its been who not would there what when had but can said more than into these we our"
    " you your on be or after about between during other only new one two first all years"
    " people before because could should many most some such them then those through under up"
    " out where while how do did does just very well back against around told says being made"
)
ENGLISH_WORDS = frozenset(f"{_FUNCTION} year".split(" "))
SCRIPT_SHARE = 0.1  # of the output's letters in the source's (non-target) script
COPY_OVERLAP = 0.6  # of (non-name) words shared both ways: FLORES de-en reaches 0.33
RUN = 4  # the same word this many times in a row
CHAR_RUN = 6  # the same character, in scripts written without spaces
# The same 1 to 4 letters 6 times or more in a row within a word ("ذاذاذاذاذاذا").
STUTTER = regex.compile(r"((?:\p{L}\p{M}*){1,4}?)\1{5,}")
LOOPS = 3  # the same n-gram (n >= 2) this many times in a row
MAX_PERIOD = 50  # longest n-gram (tokens) looked for as a loop
COVER = 0.5  # one n-gram's share of all the tokens ...
COVER_MIN_TOKENS = 12  # ... in an output at least this long
NO_SPACES = frozenset({"Cjk", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan"})

ASCII_MARKS = str.maketrans("٬٫", ",.")  # Arabic thousands and decimal separators
CONTENT = regex.compile(r"[\p{L}\p{N}]")
# A Latin-script token of two or more letters (digits and inner hyphens allowed: F-35, G7).
LATIN_TOKEN = regex.compile(
    r"(?<![\p{L}\p{N}])\p{Latin}[\p{Latin}\p{N}]*(?:[-.][\p{Latin}\p{N}]+)*"
)
NAME_ALIKE = 0.8  # spelling similarity at which a name counts as kept
WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*")
# A number of a source (any script's digits; not inside a Latin code such as "A380"), and
# the word after it (a scale word, "Uhr" ...).
SOURCE_NUMBER = regex.compile(
    r"(?<![\p{Nd}\p{Latin}\p{Cyrillic}\p{Greek}])(?P<num>\p{Nd}+(?:[.,٫٬:]\p{Nd}+)*)"
    r"(?:\s?(?P<word>[^\s\p{Nd}\p{P}]+))?"
)
# A century named near a number ("המאה ה-19", "19. Jahrhundert"): any year in it will do.
CENTURY = regex.compile(
    r"מאה|قرن|Jahrhundert|siècle|siglo|secolo|século|век|yüzyıl|世纪|世紀|century", regex.IGNORECASE
)
HOUR_WORDS = frozenset({"uhr", "h", "heures", "saat"})  # "22 Uhr" is 10 pm
EVENING = regex.compile(r"\b(?:[pP]\.\s?[mM]\.|[pP][mM]\b|afternoon|evening|tonight)")
# Scale words after a number in a source ("30万" is 300,000): the bare number counts as well.
SCALES = {
    "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "千": 1e3, "bin": 1e3, "mil": 1e3,
    "ألف": 1e3, "آلاف": 1e3, "هزار": 1e3, "אלף": 1e3, "אלפים": 1e3, "тыс": 1e3, "тысяч": 1e3,
    "millionen": 1e6, "mio": 1e6, "millions": 1e6, "millones": 1e6, "milioni": 1e6,
    "milyon": 1e6, "млн": 1e6, "миллионов": 1e6, "مليون": 1e6, "ملايين": 1e6, "میلیون": 1e6,
    "מיליון": 1e6, "milliarden": 1e9, "mrd": 1e9, "milliards": 1e9, "milyar": 1e9, "млрд": 1e9,
    "مليار": 1e9, "مليارات": 1e9, "میلیارد": 1e9, "מיליארד": 1e9,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
ORDINALS |= {
    f"{w}th": v for w, v in NUMBER_WORDS.items() if v in (4, 6, 7, 10, 11) or 13 <= v <= 19
}
SMALL = {w: v for w, v in NUMBER_WORDS.items() if v < 100 and w != "dozen"} | ORDINALS
BIG = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
EXTRA_WORDS = {"dozen": 12, "noon": 12, "midnight": 0, "nil": 0, "once": 1, "single": 1}
_MONTHS = "January February March April May June July August September October November December"
MONTH_NAMES = {m: i + 1 for i, m in enumerate(_MONTHS.split(" "))} | {
    "Jan": 1, "Feb": 2, "Aug": 8, "Sept": 9, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
MONTH = regex.compile(rf"\b({'|'.join(MONTH_NAMES)})\b")
ROMAN = regex.compile(
    r"\b(?=[MDCLXVI]{2,}\b)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\b"
)
FRACTION = regex.compile(r"(\p{Nd}*)\s?([¼½¾⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])")
# Metric figures a translator converts: an output number before one of these units may be
# the source number times one of the factors (within CONVERTED of it).
IMPERIAL = regex.compile(
    r"(\p{Nd}+(?:[.,]\p{Nd}+)*)\s*-?\s*(feet|foot|ft|miles?|mph|mi|pounds?|lbs?|inch(?:es)?"
    r"|yards?|gallons?|ounces?|oz|acres?|°\s?F|degrees Fahrenheit|Fahrenheit)\b",
    regex.IGNORECASE,
)
_FEET = (3.28084, 0.0328084)
UNIT_FACTORS = (
    ("fe", _FEET), ("fo", _FEET), ("ft", _FEET), ("mi", (0.621371,)), ("mp", (0.621371,)),
    ("po", (2.20462,)), ("lb", (2.20462,)), ("in", (0.393701, 39.3701)), ("ya", (1.09361,)),
    ("ga", (0.264172, 0.219969)), ("ou", (0.035274,)), ("oz", (0.035274,)), ("ac", (2.47105,)),
)  # fmt: skip
CONVERTED = 0.07


@dataclass(frozen=True)
class Problem:
    """What is wrong with a model's output: a kind and one line saying what was found."""

    kind: ProblemKind
    detail: str
    subject: str | None = None  # the number or name of the source it is about

    def describe(self) -> str:
        return f"{self.kind.replace('_', ' ')}: {self.detail}"


def check_translation(
    source: str, output: str, src_lang: str | None = None, target: str = "en"
) -> list[Problem]:
    """Everything wrong with ``output`` as a translation of ``source`` into ``target``."""
    if not CONTENT.search(source):
        return []
    if not CONTENT.search(output):
        return [Problem("empty", "the output is empty")]
    problems: list[Problem] = []
    untranslated = _untranslated(source, output, src_lang, target)
    if untranslated:
        problems.append(untranslated)
    language = _language(output, target) or (None if untranslated else _foreign(output, target))
    if language and not (untranslated and main_script(output) == main_script(source)):
        problems.append(language)
    for number in missing_numbers(source, output):
        problems.append(Problem("number", f"number {number} of the source is missing", number))
    for name in missing_names(source, output):
        problems.append(Problem("name", f"'{name}' of the source is missing", name))
    length = _length(source, output, src_lang, target)
    if length:
        problems.append(length)
    loop = _repetition(output)
    if loop:
        problems.append(loop)
    return problems


def segment_flags(
    source: str, output: str, src_lang: str | None = None, target: str = "en"
) -> list[SegmentFlag]:
    """`check_translation` of one translated sentence as the flags its reader sees, with
    the span in the source of a missing number or name."""
    flags = []
    for problem in check_translation(source, output, src_lang, target):
        span = _find(source, problem.subject) if problem.subject else None
        flags.append(SegmentFlag(problem.kind, problem.detail, span))
    return flags


def _find(text: str, what: str) -> tuple[int, int] | None:
    """Where ``what`` (a name, or a number in ASCII digits) is in ``text``, digits of any
    script and either decimal mark matched."""
    at = normalise_digits(text).translate(ASCII_MARKS).find(what)
    return (at, at + len(what)) if at >= 0 else None


def check_summary(source: str, output: str) -> list[Problem]:
    """Everything wrong with ``output`` as an English summary of ``source``."""
    broken = degenerate(output)
    if broken and broken.kind == "empty":
        return [broken]
    problems = [p for p in (_language(output, "en") or _foreign(output, "en"), broken) if p]
    have, limit = len(WORDS.findall(output)), len(WORDS.findall(source))
    if have >= limit:
        problems.append(Problem("not_shorter", f"{have} words, its source has {limit}"))
    return problems


def degenerate(text: str) -> Problem | None:
    """An output that is empty (no letter or digit) or loops; None when it is neither."""
    if not CONTENT.search(text):
        return Problem("empty", "the output is empty")
    return _repetition(text)


def missing_numbers(source: str, output: str) -> list[str]:
    """The numbers of ``source`` (in ASCII digits) that ``output`` has in no form: as digits
    in any script, number words ("twenty-five", "tenth"), a 12-hour time, a converted unit.
    Only this direction is checked: a source's numbers written as words are not seen."""
    values = output_values(output)
    evening = bool(EVENING.search(output))
    missing: list[str] = []
    for match in SOURCE_NUMBER.finditer(source):
        if any(all(need & values for need in option) for option in _options(match, evening)):
            continue
        if not _converted(match["num"], output):
            missing.append(normalise_digits(match["num"]).translate(ASCII_MARKS))
    return list(dict.fromkeys(missing))


def missing_names(source: str, output: str) -> list[str]:
    """Latin-script names, acronyms and codes in a source written in another script (AA,
    MWP, İLKHA, F-35) that ``output`` does not carry: a translation keeps them as written."""
    if main_script(source) in (None, "Latin"):
        return []
    have = _folded(output)
    words = set(LATIN_TOKEN.findall(have))
    missing = []
    for match in LATIN_TOKEN.finditer(source):
        name = _folded(match.group())
        if name in have or any(_spelled_alike(name, word) for word in words):
            continue
        missing.append(match.group())
    return list(dict.fromkeys(missing))


def _spelled_alike(a: str, b: str) -> bool:
    """Two spellings of one name (Haldarsvík, Hadarsvik; Chhappan, chappan)."""
    return abs(len(a) - len(b)) <= 2 and SequenceMatcher(None, a, b).ratio() >= NAME_ALIKE


def _folded(text: str) -> str:
    """Case and accents folded, so 'İLKHA' matches 'Ilkha' and 'Müller' matches 'Muller'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def output_values(text: str) -> set[float]:
    """Every value ``text`` states: guard's numbers, digits inside codes ("F1", "p109"),
    English number words and ordinals, months, Roman numerals and vulgar fractions."""
    values = set(facts([text]).values)
    values |= {float(normalise_digits(d)) for d in regex.findall(r"\p{Nd}+", text)}
    values |= _word_values(text)
    values |= {float(MONTH_NAMES[m]) for m in MONTH.findall(text)}
    values |= {float(_roman(m.group())) for m in ROMAN.finditer(text)}
    for match in FRACTION.finditer(text):
        whole = float(normalise_digits(match.group(1))) if match.group(1) else 0.0
        values.add(round(whole + unicodedata.numeric(match.group(2)), 6))
    return values


def _options(match: regex.Match[str], evening: bool) -> list[list[set[float]]]:
    """Ways ``output`` may state a source number: each a list of value sets, every one of
    which the output must hit ("12.03.2025" may be 12, 3 and 2025; "22:00" may be 10 pm, and
    so may "22 Uhr", or any 22 when the output speaks of "pm" or the evening)."""
    number, word = match["num"], (match["word"] or "").casefold().rstrip(".")
    parts = number.split(":")
    options = [[_values(p) for p in parts]]
    digits = [int(normalise_digits(d)) for d in regex.findall(r"\p{Nd}+", number)]
    if len(parts) == 1:
        scale = SCALES.get(word) or SCALES.get(word[:1])
        if scale:
            options[0][0] |= {round(v * scale, 6) for v in readings(number)}
        around = match.string[max(0, match.start() - 12) : match.end() + 14]
        if len(digits) == 1 and 1 <= digits[0] <= 21 and CENTURY.search(around):
            options[0][0] |= {float(y) for y in range(digits[0] * 100 - 100, digits[0] * 100 + 1)}
        dotted = match.string[match.end() : match.end() + 1] == "."
        if len(digits) > 2 or (len(digits) == 2 and dotted):
            options.append([{float(d)} for d in digits])  # a date: 12.03.2025, 12.03.
    time = regex.fullmatch(r"(\p{Nd}{1,2})[:.](\p{Nd}{2})", number)
    hour = int(normalise_digits(time[1])) if time else digits[0]
    if (time and hour <= 24 and int(normalise_digits(time[2])) < 60) or (
        len(digits) == 1 and 13 <= hour <= 24 and (evening or word in HOUR_WORDS)
    ):
        minutes = int(normalise_digits(time[2])) if time else 0
        hours = {float(hour), float(hour % 12 or 12), float(hour + 12)}
        options.append([hours, {float(minutes)}] if minutes else [hours])
        options.append([{float(hour * 100 + minutes)}])  # 12:00 as "1200 GMT"
    return options


def _values(number: str) -> set[float]:
    """guard's readings of a number, plus what a translator may write for it instead: the
    decade ("the 70s": 1970s), a Gregorian year for a Solar Hijri, Hijri or Hebrew one."""
    values = set(readings(number))
    for v in [int(v) for v in values if v.is_integer()]:
        if 10 <= v <= 90 and v % 10 == 0:
            values |= {1800.0 + v, 1900.0 + v, 2000.0 + v}
        if 1300 <= v <= 1500:
            lunar = round(v * 0.970229 + 621.5643)
            values |= {v + 621.0, v + 622.0, lunar - 1.0, float(lunar), lunar + 1.0}
        if 5600 <= v <= 5900:
            values |= {v - 3760.0, v - 3761.0}
    return values


def _converted(number: str, output: str) -> bool:
    """Whether ``output`` gives the metric figure ``number`` in imperial units (30 m as
    "100 feet", 24 km as "15 miles", 30 °C as "86 °F")."""
    if ":" in number:
        return False
    sources = [v for v in readings(number) if v > 0]
    for match in IMPERIAL.finditer(output):
        unit = match.group(2).casefold().replace(" ", "")
        for x in readings(match.group(1)):
            for v in sources:
                if unit.endswith("f") or unit.endswith("fahrenheit"):
                    wanted = [v * 1.8 + 32]
                else:
                    factors = next((f for p, f in UNIT_FACTORS if unit.startswith(p)), ())
                    wanted = [v * f for f in factors]
                if any(abs(x - w) <= CONVERTED * w for w in wanted):
                    return True
    return False


def _word_values(text: str) -> set[float]:
    """Values of English number words: "five", "twenty-five", "three hundred and two",
    "a million", "twenty-fourth" (and each word's own value)."""
    values: set[float] = set()
    total = current = 0.0
    active = False
    previous = ""
    for word in [*regex.findall(r"[a-z]+", text.casefold()), ""]:
        if word in SMALL:
            value = SMALL[word]
            below = current % 100
            if active and not (below == 0 or (below % 10 == 0 and below >= 20 and value < 10)):
                values.add(total + current)
                total = current = 0.0
            current += value
            active = True
            values.add(float(value))
        elif word in BIG and (active or previous == "a"):
            if word == "hundred":
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * BIG[word], 0.0
            active = True
        elif not (word == "and" and active) and not (word == "a" and not active):
            if active:
                values.add(total + current)
            total = current = 0.0
            active = False
            if word in EXTRA_WORDS:
                values.add(float(EXTRA_WORDS[word]))
        if word in ORDINALS and active:  # an ordinal ends its number: "twenty-first"
            values.add(total + current)
            total = current = 0.0
            active = False
        previous = word
    return values


def _roman(numeral: str) -> int:
    digits = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    value = 0
    for i, ch in enumerate(numeral):
        n = digits[ch]
        value += -n if i + 1 < len(numeral) and digits[numeral[i + 1]] > n else n
    return value


def _untranslated(source: str, output: str, src_lang: str | None, target: str) -> Problem | None:
    """The output is (nearly) a copy of a source in another language, or many of its
    letters are in the source's script when that is not the target's."""
    script = main_script(source)
    wanted = TARGET_SCRIPTS.get(target, "Latin")
    theirs, ours = _common_words(source), _common_words(output)
    shared = sum((theirs & ours).values())
    if (
        src_lang != target
        and ours.total() >= 2
        and shared >= COPY_OVERLAP * max(ours.total(), theirs.total())
        and (src_lang or script != wanted or detect(source, quick=True).lang != target)
    ):
        return Problem("untranslated", "the output is (nearly) a copy of the source")
    if not script or script == wanted:
        return None
    letters = [ch for ch in output if ch.isalpha()]
    theirs_letters = sum(_script(ch) == script for ch in letters)
    if theirs_letters >= 4 and theirs_letters >= SCRIPT_SHARE * len(letters):
        return Problem(
            "untranslated",
            f"{theirs_letters} of its {len(letters)} letters are {script}, the source's script",
        )
    return None


def _foreign(output: str, target: str) -> Problem | None:
    """Many of the output's letters are in a script the target language is not written in
    (a broken model's byte soup; lingua finds no language in it)."""
    wanted = TARGET_SCRIPTS.get(target, "Latin")
    letters = [ch for ch in output if ch.isalpha()]
    other = Counter(_script(ch) for ch in letters if _script(ch) != wanted)
    if not other or other.total() < 4 or other.total() < SCRIPT_SHARE * len(letters):
        return None
    scripts = " and ".join(name for name, _ in other.most_common(2))
    return Problem(
        "not_english" if target == "en" else "untranslated",
        f"{other.total()} of its {len(letters)} letters are {scripts}, not {wanted}",
    )


def _language(output: str, target: str) -> Problem | None:
    """The output reads as another language than ``target`` (lingua, confident, and for
    English backed by a lack of English function words)."""
    if sum(ch.isalpha() for ch in output) < MIN_LANGUAGE_LETTERS:
        return None
    found = detect(output, quick=True)
    if not found.lang or found.lang == target or found.confidence < LANGUAGE_CONFIDENCE:
        return None
    if target == "en":
        words = [w for w in WORDS.findall(output) if w[0].islower()]
        if words and sum(w in ENGLISH_WORDS for w in words) >= ENGLISH_SHARE * len(words):
            return None
    name, wanted = language_name(found.lang), language_name(target)
    return Problem("not_english", f"it reads as {name} ({found.confidence:.2f}), not {wanted}")


def _length(source: str, output: str, src_lang: str | None, target: str) -> Problem | None:
    """The output's length is far outside what a translation of ``source`` has."""
    size = len(source.strip())
    if size < MIN_LENGTH_SOURCE:
        return None
    if target != "en":
        low, high = OTHER_BAND
    elif src_lang in LENGTH_BANDS:
        low, high = LENGTH_BANDS[src_lang]
    else:
        low, high = SCRIPT_BANDS.get(main_script(source) or "", DEFAULT_BAND)
    ratio = len(output.strip()) / size
    if low <= ratio <= high:
        return None
    return Problem(
        "length", f"{ratio:.2f} times the source's length in characters (expected {low}-{high})"
    )


def _repetition(text: str) -> Problem | None:
    """A token or an n-gram looping: the same word RUN times in a row, a phrase of up to
    MAX_PERIOD tokens LOOPS times in a row, one n-gram (n <= 4) making up most of the text,
    or a sentence said LOOPS times. Scripts without spaces are read character by character."""
    chars = main_script(text) in NO_SPACES
    pattern = r"\p{N}+|\p{L}\p{M}*" if chars else WORDS
    tokens = [t.casefold() for t in regex.findall(pattern, text)]
    n = len(tokens)
    for period in range(1, min(n // LOOPS, MAX_PERIOD) + 1):
        stretch = best = 0
        start = 0
        for j in range(n - period):
            stretch = stretch + 1 if tokens[j] == tokens[j + period] else 0
            if stretch > best:
                best, start = stretch, j - stretch + 1
        copies = best // period + 1
        need = (CHAR_RUN if chars else RUN) if period == 1 else LOOPS
        gram = tokens[start : start + period]
        if copies >= need and not all(t.isdigit() for t in gram):  # "0 0 0 0" in a table
            return Problem("repetition", f"repeats '{_join(gram, chars)}' {copies} times in a row")
    if n >= COVER_MIN_TOKENS:
        for size in range(1, 5):
            grams = Counter(tuple(tokens[i : i + size]) for i in range(n - size + 1))
            gram, count = grams.most_common(1)[0]
            if count >= LOOPS and count * size >= COVER * n:
                share = round(100 * count * size / n)
                return Problem("repetition", f"'{_join(gram, chars)}' makes up {share}% of it")
    if stutter := STUTTER.search(text):  # inside one word: "ذاذاذاذاذاذا", "lululululu"
        unit = stutter.group(1)
        copies = len(stutter.group()) // len(unit)
        return Problem("repetition", f"repeats '{unit}' {copies} times inside a word")
    said = Counter(
        " ".join(WORDS.findall(s.casefold())) for s in regex.split(r"[.!?。！？]+", text)
    )
    for sentence, count in said.most_common(1):
        if count >= LOOPS and len(sentence.split()) >= 4:
            return Problem("repetition", f"says '{_short(sentence)}' {count} times")
    return None


def _common_words(text: str) -> Counter[str]:
    """The words of ``text`` that are no name or number (names stay the same in translation:
    "Angela Merkel und Olaf Scholz" is no copy of "Angela Merkel and Olaf Scholz")."""
    return Counter(
        w.casefold() for w in WORDS.findall(text) if not (w[0].isupper() or w[0].isdigit())
    )


def _join(tokens: tuple[str, ...] | list[str], chars: bool) -> str:
    return _short(("" if chars else " ").join(tokens))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ")[0].title()
