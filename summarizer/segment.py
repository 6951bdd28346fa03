"""Sentence segmentation and length-bounded splitting: pure functions, no model needed.

Sentences come from sentencex (Wikimedia's segmenter, which knows Hebrew, Arabic and
Persian punctuation) with their character offsets in the cleaned text, so every source
sentence maps back to the original. Text longer than a model's input limit is split, never
cut: `split_long` and `pack` always return pieces that together hold all of the input.

Two kinds of break sentencex makes are undone: after a German ordinal ("des 1. |
Karabach-Krieges", "im 20. | Jahrhundert"), where the number's period does not end the
sentence, and before a wire agency's sign-off ("... . | (İLKHA)", "... . | /خ"), which is
no sentence and stays with the one before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex

from .types import Segment

TokenCounter = Callable[[str], int]
CLAUSE_BREAK = regex.compile(r"(?<=[,;:،؛–—)\]»”])\s+")
SPACE = regex.compile(r"\s+")
# Marks scrapers leave around a sign-off (bidi marks and isolates, zero-width, BOM).
INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"
    "\u2066\u2067\u2068\u2069\ufeff"
)

# --- German ordinals: "am 3. Oktober", "der 1. Weltkrieg", "im 20. Jahrhundert" ---------
# A piece that ends in a number of one to three digits and its period (not "3:1." or "1,5.").
_ORDINAL = r"(?<![\p{L}\p{N}.,:/])\d{1,3}\."
ENDS_IN_NUMBER = regex.compile(rf"{_ORDINAL}$")
# Words after which such a number is an ordinal: articles, contracted prepositions,
# possessives and demonstratives ("des 1.", "im 20.", "seinem 3.", "jedes 5.").
_DE_DETERMINERS = (
    r"der|die|das|des|dem|den|am|im|vom|zum|zur|beim|ins|ans|aufs|bis|ab|seit|ein|"
    r"(?:ein|sein|ihr|unser|eur|mein|dein|dies|jed|welch)e[mnrs]?|sein|ihr|unser|euer|mein|dein"
)
AFTER_DETERMINER = regex.compile(rf"(?<!\p{{L}})(?i:{_DE_DETERMINERS})\s+{_ORDINAL}$")
# Words that follow an ordinal whatever stands before it: months, and nouns counted so.
_DE_MONTHS = (
    r"(?:Januar|Jänner|Februar|Feber|März|April|Mai|Juni|Juli|August|September|Oktober|"
    r"November|Dezember)(?!\p{L})|(?:Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez)\."
)
_DE_ORDINAL_NOUNS = (
    r"Jahrhunderts?|Jahrtausends?|Weltkrieg(?:e?s)?|Mal|Male|Platz|Rang|Runde|Spieltag(?:e?s)?|"
    r"Minute|Stock|Stockwerk|Etage|Klasse|Liga|Bundesliga|Geburtstag(?:e?s)?|Jahrestag(?:e?s)?|"
    r"Todestag(?:e?s)?|Lebensjahr(?:e?s)?|Kreuzzug(?:e?s)?|Wahlperiode|Legislaturperiode|"
    r"Staffel|Folge|Auflage|Halbzeit|Etappe|Quartal(?:s)?|Jahrgang(?:s)?|FC"
)
ORDINAL_NOUN = regex.compile(rf"^[\"'„‚»«(]*(?:{_DE_MONTHS}|(?:{_DE_ORDINAL_NOUNS})(?!\p{{L}}))")
STARTS_LOWER = regex.compile(r"^[\"'„‚»«(]*\p{Ll}")
# Words that start a sentence but never follow an ordinal: "Er war der 20. Ich der 21."
_DE_STARTERS = frozenset(
    {
        "der", "die", "das", "des", "dem", "den", "ein", "eine", "einem", "einen", "einer",
        "eines", "ich", "du", "er", "sie", "es", "wir", "ihr", "man", "dies", "diese", "dieser",
        "dieses", "dann", "doch", "aber", "und", "auch", "so", "da", "dort", "hier", "nun",
        "jetzt", "heute", "damit", "danach", "davor", "deshalb", "daher", "trotzdem", "als",
        "wenn", "wie", "was", "wer", "wo", "am", "im", "in", "an", "auf", "bei", "mit", "nach",
        "von", "vor", "zu", "für", "über", "unter",
    }
)  # fmt: skip
FIRST_WORD = regex.compile(r"\p{L}+")

# --- sign-offs: "(İLKHA)", "/خ", "/ع.م", "- وكالات" ---------------------------------------
# A short code in parentheses, after a slash or after a dash: no sentence in it.
SIGNOFF = regex.compile(
    r"^(?:\(\s*[^()]{1,40}?\s*\)|/\s*\p{L}{1,4}(?:\.\p{L}{1,4}){0,3}\.?|[-–—]\s*\p{L}[^.!?؟]{0,30})$"
)
SIGNOFF_TOKENS = 3


def split_paragraphs(body: str) -> list[tuple[int, str]]:
    """(offset, paragraph) pairs of a body whose paragraphs are separated by blank lines."""
    out: list[tuple[int, str]] = []
    for match in regex.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", body):
        if match.group().strip():
            out.append((match.start(), match.group()))
    return out


def split_sentences(body: str, lang: str | None) -> list[Segment]:
    """Every sentence of ``body`` as a Segment (not yet translated) with its offsets in
    ``body`` and its paragraph's index."""
    from sentencex import get_sentence_boundaries

    german = (lang or "").lower().split("-")[0] == "de"
    sentences: list[Segment] = []
    for index, (offset, paragraph) in enumerate(split_paragraphs(body)):
        spans: list[tuple[int, int]] = []  # [start, end) of each piece in the paragraph
        for b in get_sentence_boundaries(lang or "en", paragraph):
            text = b["text"]
            stripped = text.strip()
            if not stripped:
                continue
            start = b["start_index"] + len(text) - len(text.lstrip())
            end = start + len(stripped)
            if spans and german and continues_ordinal(paragraph[slice(*spans[-1])], stripped):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        # A closing sign-off, in up to three pieces ("/ع." "م"), joins the sentence before.
        for k in range(min(SIGNOFF_TOKENS, len(spans) - 1), 0, -1):
            if is_signoff(paragraph[spans[-k][0] : spans[-1][1]]):
                spans[-k - 1 :] = [(spans[-k - 1][0], spans[-1][1])]
                break
        for start, end in spans:
            sentences.append(Segment(paragraph[start:end], "", index, offset + start, offset + end))
    return sentences


def continues_ordinal(before: str, after: str) -> bool:
    """Whether the German piece ``before`` ends in an ordinal ("des 1.") that ``after``
    continues ("Karabach-Krieges ..."), so the period ends no sentence.

    An ordinal's number is followed by the noun it counts: after an article or preposition
    ("der 1.", "im 20.") it always is, unless ``after`` starts with a word that begins
    sentences and never follows an ordinal ("Ich", "Dann"); after any other word, when
    ``after`` starts lower case ("3. bei der Wahl") or with a month or a noun counted so
    ("20. Jahrhundert", "2. Mal").
    """
    if not ENDS_IN_NUMBER.search(before):
        return False
    if STARTS_LOWER.match(after) or ORDINAL_NOUN.match(after):
        return True
    if not AFTER_DETERMINER.search(before):
        return False
    word = FIRST_WORD.search(after)
    return word is not None and word.group().casefold() not in _DE_STARTERS


def is_signoff(piece: str) -> bool:
    """Whether ``piece`` is a wire agency's sign-off ("(İLKHA)", "/خ", "/ع.م", "- وكالات"),
    no sentence of its own: at most three words, a code in parentheses or after a slash or
    a dash."""
    bare = piece.strip().strip(INVISIBLE).strip()
    return len(bare.split()) <= SIGNOFF_TOKENS and bool(SIGNOFF.match(bare))


def sentence_texts(text: str, lang: str | None = "en") -> list[str]:
    """The sentences of ``text``, as text (a summary, a brief, a probe paragraph)."""
    return [s.source for s in split_sentences(text, lang)]


def split_long(text: str, max_tokens: int, count: TokenCounter) -> list[str]:
    """Split ``text`` into pieces of at most ``max_tokens`` tokens, preferring clause breaks.

    The pieces, joined with single spaces, hold every word of ``text``. A single character
    over the limit is a piece of its own (halving it again would never end).
    """
    if len(text) <= 1 or count(text) <= max_tokens:
        return [text]
    cut = _middle_break(text)
    left, right = text[:cut].strip(), text[cut:].strip()
    if not left or not right:  # a single unbreakable run: cut by characters
        half = max(1, len(text) // 2)
        left, right = text[:half], text[half:]
    return split_long(left, max_tokens, count) + split_long(right, max_tokens, count)


def pack(pieces: Sequence[str], max_tokens: int, count: TokenCounter, sep: str = " ") -> list[str]:
    """Join consecutive pieces into chunks of at most ``max_tokens`` tokens, each as long as
    it can be (as a greedy left-to-right join makes them).

    A chunk's end is found by a galloping search over how many pieces it takes (a text's
    token count grows with it), so a long text costs a few tokenizations per chunk instead
    of one of every growing prefix.
    """
    parts = [part for piece in pieces for part in split_long(piece, max_tokens, count)]
    chunks: list[str] = []
    start = 0
    while start < len(parts):
        left = len(parts) - start

        def fits(n: int, start: int = start) -> bool:
            return count(sep.join(parts[start : start + n])) <= max_tokens

        good, step = 1, 1  # one part always goes (split_long made it fit, or it cannot)
        while good < left and fits(min(good + step, left)):
            good = min(good + step, left)
            step *= 2
        bad = min(good + step, left + 1)  # the first count known not to fit (or past the end)
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if fits(middle) else (good, middle)
        chunks.append(sep.join(parts[start : start + good]))
        start += good
    return chunks


def _middle_break(text: str) -> int:
    """The clause break (else the space) nearest the middle of ``text``."""
    middle = len(text) // 2
    for pattern in (CLAUSE_BREAK, SPACE):
        points = [m.end() for m in pattern.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if points:
            return min(points, key=lambda p: abs(p - middle))
    return middle
