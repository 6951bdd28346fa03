"""Sentence offsets, length-bounded splitting and packing (no model needed)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import EXAMPLES

from summarizer.clean import clean
from summarizer.segment import pack, split_long, split_paragraphs, split_sentences

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.txt"))


def words(text: str) -> int:
    return len(text.split())


def example_body(path: Path) -> tuple[str, str, int]:
    lang = path.name.split("_", 1)[0]
    cleaned = clean(path.read_text(encoding="utf-8"), lang)
    return cleaned.body, lang, len(cleaned.paragraphs)


@pytest.fixture(params=EXAMPLE_FILES, ids=lambda p: p.name.split("_", 1)[0])
def example(request: pytest.FixtureRequest) -> tuple[str, str, int]:
    return example_body(request.param)


# --- split_sentences -------------------------------------------------------------------


def test_offsets_point_at_sentence_text(example: tuple[str, str, int]) -> None:
    body, lang, _ = example
    sentences = split_sentences(body, lang)
    assert len(sentences) >= 4
    for s in sentences:
        assert body[s.start : s.end] == s.source
        assert s.source == s.source.strip() and s.source


def test_paragraph_indices(example: tuple[str, str, int]) -> None:
    body, lang, n_paragraphs = example
    indices = [s.paragraph for s in split_sentences(body, lang)]
    assert indices == sorted(indices)
    assert sorted(set(indices)) == list(range(n_paragraphs))
    assert len(split_paragraphs(body)) == n_paragraphs


def test_every_character_in_exactly_one_sentence(example: tuple[str, str, int]) -> None:
    body, lang, _ = example
    cover = [0] * len(body)
    for s in split_sentences(body, lang):
        for i in range(s.start, s.end):
            cover[i] += 1
    for i, char in enumerate(body):
        if not char.isspace():
            assert cover[i] == 1, (i, char)


def test_offsets_ordered_and_disjoint(example: tuple[str, str, int]) -> None:
    body, lang, _ = example
    sentences = split_sentences(body, lang)
    for a, b in itertools.pairwise(sentences):
        assert a.end <= b.start


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "ar",
            "هل ستفتح المكتبة غداً؟ نعم، ستفتح في الصباح الباكر. وماذا عن المساء؟ لا أحد يعرف.",
            [
                "هل ستفتح المكتبة غداً؟",
                "نعم، ستفتح في الصباح الباكر.",
                "وماذا عن المساء؟",
                "لا أحد يعرف.",
            ],
        ),
        (
            "fa",
            "آیا کتابخانه فردا باز است؟ بله، از صبح زود باز است. عصر چطور؟ هنوز معلوم نیست.",
            [
                "آیا کتابخانه فردا باز است؟",
                "بله، از صبح زود باز است.",
                "عصر چطور؟",
                "هنوز معلوم نیست.",
            ],
        ),
    ],
    ids=["arabic", "persian"],
)
def test_question_mark_ends_sentence(lang: str, text: str, expected: list[str]) -> None:
    assert [s.source for s in split_sentences(text, lang)] == expected


def test_empty_body_has_no_sentences() -> None:
    assert split_sentences("", "en") == []
    assert split_sentences("\n\n  \n", "en") == []


# --- split_long ------------------------------------------------------------------------

LONG = (
    "The ferry company added two evening crossings in the summer, "
    "and the harbour office extended its opening hours until late at night; "
    "the local bakery, which had closed at noon for years, now stays open "
    "until the last boat arrives, while the museum on the hill keeps its old timetable "
    "because its volunteers cannot work any longer than they already do."
)


@pytest.mark.parametrize("limit", [3, 5, 8, 13, 40])
def test_split_long_pieces_fit_and_keep_words(limit: int) -> None:
    pieces = split_long(LONG, limit, words)
    assert all(words(p) <= limit for p in pieces)
    assert " ".join(pieces).split() == LONG.split()


def test_split_long_short_text_unchanged() -> None:
    assert split_long("Only a few words.", 10, words) == ["Only a few words."]


def test_split_long_prefers_clause_break() -> None:
    text = "one two three four five six seven eight nine ten, eleven twelve"
    assert split_long(text, 10, words) == [
        "one two three four five six seven eight nine ten,",
        "eleven twelve",
    ]


def test_split_long_prefers_arabic_comma() -> None:
    text = "واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية، تسعة عشرة"
    pieces = split_long(text, 8, words)
    assert pieces == ["واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية،", "تسعة عشرة"]


def test_split_long_unbroken_run_split_by_characters() -> None:
    run = "abcdefghij" * 500
    assert len(run) == 5000

    def chars(text: str) -> int:
        return -(-len(text) // 10)  # ten characters per "token"

    pieces = split_long(run, 64, chars)
    assert len(pieces) > 1
    assert all(chars(p) <= 64 for p in pieces)
    assert "".join(pieces) == run


# --- pack ------------------------------------------------------------------------------

SENTENCES = [
    "The ferry runs twice a day.",
    "In summer there are two more evening crossings.",
    "Tickets are sold at the harbour office and on board.",
    "Children under six travel free.",
    "Bicycles cost a small extra fee, paid in cash.",
    "The last boat waits for the train from the city.",
]


@pytest.mark.parametrize("limit", [4, 7, 12, 20, 100])
def test_pack_chunks_fit_and_cover(limit: int) -> None:
    chunks = pack(SENTENCES, limit, words)
    assert all(words(c) <= limit for c in chunks)
    assert " ".join(chunks).split() == " ".join(SENTENCES).split()


def test_pack_joins_small_pieces() -> None:
    assert pack(SENTENCES, 100, words) == [" ".join(SENTENCES)]


def test_pack_keeps_sentences_whole_when_they_fit() -> None:
    chunks = pack(SENTENCES, 12, words)
    for sentence in SENTENCES:
        assert any(sentence in c for c in chunks)
