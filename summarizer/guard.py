"""Faithfulness guard: numbers, dates, amounts and names in a summary must occur in its source.

A summary sentence is checked against the English translation it claims to summarize.
Digits in any script (Arabic-Indic, Persian, ...) are normalised; "1.2 billion" equals
"1,200 million"; number words count ("seven" supports "7"). A capitalised name part that
the source never uses is flagged. A sentence copied verbatim from its source is never
flagged. Pure functions, no model.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from .types import Flag, FlagKind

NUMBER = regex.compile(
    r"(?<![\p{Nd}\p{L}])(\p{Nd}+(?:[.,٫٬]\p{Nd}+)*)"
    r"(?:\s*[-\s]?\s*(thousand|million|billion|trillion|bn|mn|mln|k"
    r"|ألف|مليون|مليار|هزار|میلیون|میلیارد)\b)?",
    regex.IGNORECASE,
)
SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "bn": 1e9, "trillion": 1e12,
    # left in place by machine translation now and then
    "ألف": 1e3, "هزار": 1e3, "مليون": 1e6, "میلیون": 1e6, "مليار": 1e9, "میلیارد": 1e9,
}  # fmt: skip
CURRENCY_BEFORE = regex.compile(r"(?:\p{Sc}|\b(?:USD|EUR|US\$))\s*$")
CURRENCY_AFTER = regex.compile(
    r"^\s*(?:%|per\s?cent|euros?|dollars?|pounds?|shekels?|rials?|dinars?|riyals?)\b?",
    regex.IGNORECASE,
)
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen twenty"
NUMBER_WORDS = {w: i for i, w in enumerate(f"{_UNITS} {_TEENS}".split(" "))} | {
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
# Words that count as numbers in a summary; "one" is left out ("one of the...").
CHECKED_NUMBER_WORDS = {w for w, v in NUMBER_WORDS.items() if v >= 2}
_MONTHS = "january february march april may june july august september october november december"
MONTHS = frozenset(f"{_MONTHS} jan feb mar apr jun jul aug sep sept oct nov dec".split(" "))
# A run of capitalised words, joined by particles such as "of" or "al-".
NAME = regex.compile(
    r"\p{Lu}[\p{L}\p{M}'’-]*(?:\s+(?:(?:of|the|de|al|bin|ben|van|von|da)\s+)?\p{Lu}[\p{L}\p{M}'’-]*)*"
)
WORD = regex.compile(r"[\p{L}\p{M}]+")


@dataclass(frozen=True)
class SourceFacts:
    """What a source text supports: its numeric values and its words (case-folded)."""

    values: frozenset[float]
    words: frozenset[str]


_SCALE_WORDS = ("thousand", "million", "billion", "trillion")
_ALL_WORDS = "|".join(sorted([*NUMBER_WORDS, *_SCALE_WORDS], key=len, reverse=True))
_FIRST_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# A run of English number words that reads as one number: "Twenty-five", "three hundred
# and two", "three hundred million" (it starts with a number word, not a scale).
NUMBER_RUN = regex.compile(
    rf"(?<![\p{{L}}-])(?:{_FIRST_WORDS})(?:(?:\s*-\s*|\s+(?:and\s+)?)(?:{_ALL_WORDS}))*(?![\p{{L}}])",
    regex.IGNORECASE,
)


def number_runs(text: str) -> list[tuple[int, int, float | None]]:
    """Each run of English number words in ``text``: its span and the one number it reads
    as (text2num: "Twenty-five" is 25, "three hundred million" 300,000,000), or None when
    the words do not make one number ("five six", "a dozen")."""
    from text_to_num import text2num

    runs: list[tuple[int, int, float | None]] = []
    for match in NUMBER_RUN.finditer(text):
        words = regex.sub(r"\s*-\s*|\s+", " ", match.group().casefold())
        try:
            value: float | None = float(text2num(words, "en"))
        except ValueError:
            value = None
        runs.append((match.start(), match.end(), value))
    return runs


def facts(texts: Iterable[str]) -> SourceFacts:
    """The numbers (every reading of each) and words of the source texts."""
    values: set[float] = set()
    words: set[str] = set()
    for text in texts:
        for match in NUMBER.finditer(text):
            read = readings(match.group(1))
            values |= read
            scale = SCALES.get((match.group(2) or "").casefold())
            if scale:
                values |= {_round(v * scale) for v in read}
            # "12.03.2025" also supports 12, 3 and 2025 on their own.
            values |= {float(_ascii(d)) for d in regex.findall(r"\p{Nd}+", match.group(1))}
        for word in WORD.findall(text):
            folded = word.casefold()
            words.add(folded)
            if folded in NUMBER_WORDS:
                values.add(float(NUMBER_WORDS[folded]))
        values |= {value for _, _, value in number_runs(text) if value is not None}
    return SourceFacts(frozenset(values), frozenset(words))


def check(sentence: str, source: SourceFacts) -> list[Flag]:
    """Spans of ``sentence`` (numbers, dates, amounts, names) that ``source`` does not hold."""
    flags: list[Flag] = []
    for match in NUMBER.finditer(sentence):
        read = readings(match.group(1))
        scale = SCALES.get((match.group(2) or "").casefold())
        wanted = {_round(v * scale) for v in read} if scale else read
        if not wanted & source.values:
            kind = _number_kind(sentence, match, bool(scale))
            flags.append(Flag(kind, match.group().strip(), match.start(), match.end()))
    for start, end, value in number_runs(sentence):
        if value is not None and (value in source.values or value < 2):
            continue  # "one of the ..." is not a number worth checking
        if value is not None:
            flags.append(Flag("number", sentence[start:end], start, end))
            continue
        for match in WORD.finditer(sentence, start, end):  # words that make no one number
            folded = match.group().casefold()
            if folded in CHECKED_NUMBER_WORDS and NUMBER_WORDS[folded] not in source.values:
                flags.append(Flag("number", match.group(), match.start(), match.end()))
    for match in NAME.finditer(sentence):
        parts = [m for m in WORD.finditer(match.group()) if m.group()[0].isupper()]
        if match.start() == _first_word_start(sentence) and len(parts) == 1:
            continue  # a lone capitalised first word is usually just the sentence start
        missing = [p for p in parts if p.group().casefold() not in source.words]
        if missing:
            is_date = any(p.group().casefold() in MONTHS for p in missing)
            flags.append(
                Flag("date" if is_date else "entity", match.group(), match.start(), match.end())
            )
    return sorted(flags, key=lambda f: f.start)


def normalise_digits(text: str) -> str:
    """Digits of any script as ASCII digits (other characters unchanged)."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.digit(c, 0)) for c in digits)


def readings(number: str) -> set[float]:
    """Every plausible value of a written number: "1,200" is 1200 or 1.2; "300.000" is 300000."""
    text = number.replace("٫", ".").replace("٬", ",")
    groups = regex.split(r"[.,]", text)
    digits = [_ascii(g) for g in groups]
    values = {float("".join(digits))}  # every separator a thousands separator
    if len(digits) > 1:
        values.add(float("".join(digits[:-1]) + "." + digits[-1]))  # the last one decimal
    return {_round(v) for v in values}


def _round(value: float) -> float:
    return round(value, 6)


def _number_kind(sentence: str, match: regex.Match[str], scaled: bool) -> FlagKind:
    before = sentence[max(0, match.start() - 12) : match.start()]
    after = sentence[match.end() : match.end() + 10]
    if scaled or CURRENCY_BEFORE.search(before) or CURRENCY_AFTER.match(after):
        return "amount"
    value = _ascii(regex.sub(r"[.,٫٬]", "", match.group(1)))
    near = (before + " " + after).casefold()
    if (len(value) == 4 and 1800 <= int(value) <= 2100) or any(m in near.split() for m in MONTHS):
        return "date"
    return "number"


def _first_word_start(sentence: str) -> int:
    found = WORD.search(sentence)
    return found.start() if found else -1
