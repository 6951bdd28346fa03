"""Sentence segmentation and length-bounded splitting: pure functions, no model needed.

Sentences come from sentencex (Wikimedia's segmenter, which knows Hebrew, Arabic and
Persian punctuation) with their character offsets in the cleaned text, so every source
sentence maps back to the original. Text longer than a model's input limit is split, never
cut: `split_long` and `pack` always return pieces that together hold all of the input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex

from .types import Segment

TokenCounter = Callable[[str], int]
CLAUSE_BREAK = regex.compile(r"(?<=[,;:،؛–—)\]»”])\s+")
SPACE = regex.compile(r"\s+")


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

    sentences: list[Segment] = []
    for index, (offset, paragraph) in enumerate(split_paragraphs(body)):
        for b in get_sentence_boundaries(lang or "en", paragraph):
            text = b["text"]
            stripped = text.strip()
            if not stripped:
                continue
            lead = len(text) - len(text.lstrip())
            start = offset + b["start_index"] + lead
            sentences.append(Segment(stripped, "", index, start, start + len(stripped)))
    return sentences


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
