"""The faithfulness guard: planted numbers and names are flagged, verbatim text never is."""

from __future__ import annotations

import pytest
from conftest import DATA, EXAMPLES

from summarizer.guard import check, facts, normalise_digits
from summarizer.segment import split_sentences

SOURCE = (
    "Ministers from seven countries signed a declaration in Vienna on Wednesday. "
    "The plant will cost 1.2 billion euros and deliver 300,000 cubic metres a day from 2028. "
    '"Water does not stop at borders," said Helena Brandauer, secretary-general of the forum.'
)


def kinds(sentence: str, source: str = SOURCE) -> list[tuple[str, str]]:
    return [(f.kind, f.span) for f in check(sentence, facts([source]))]


def test_planted_number_and_name_are_flagged() -> None:
    brief = (
        "Ministers from eight countries met Karin Weber in Vienna and agreed to spend 45 million."
    )
    found = kinds(brief)
    assert ("number", "eight") in found
    assert ("entity", "Karin Weber") in found
    assert ("amount", "45 million") in found
    assert not any(span == "Vienna" for _, span in found)


def test_flag_offsets_point_at_the_span() -> None:
    sentence = "The plant opens in 2031 near Haifa."
    for flag in check(sentence, facts([SOURCE])):
        assert sentence[flag.start : flag.end].strip() == flag.span
    assert kinds(sentence) == [("date", "2031"), ("entity", "Haifa")]


@pytest.mark.parametrize(
    "sentence",
    [
        "The plant will cost 1,200 million euros.",  # same amount, other scale
        "The plant will cost €1.2bn.",
        "It will deliver 300 thousand cubic metres a day.",
        "Ministers from 7 countries signed.",  # the source wrote "seven"
        "Brandauer spoke in Vienna in 2028.",
    ],
)
def test_equivalent_figures_are_not_flagged(sentence: str) -> None:
    assert kinds(sentence) == []


def test_digits_in_any_script_are_normalised() -> None:
    source = "وقّع وزراء من ٧ دول إعلاناً بقيمة ١٫٢ مليار يورو في عام ٢٠٢٥، وفي سال ۲۰۲۴ نیز."
    assert normalise_digits("٢٠٢٥ ۲۰۲۴") == "2025 2024"
    assert kinds("Seven countries signed in 2025 and 2024 for 1.2 billion.", source) == []
    assert kinds("They signed in 2026.", source) == [("date", "2026")]
    # and the other way round: Persian digits in the summary, ASCII in the source
    assert kinds("ساخت تا ۲۰۲۸ تمام می‌شود", SOURCE) == []


def test_month_names_count_as_dates() -> None:
    assert kinds("The deal was signed in March.", SOURCE) == [("date", "March")]
    assert kinds("The deal was signed in March.", SOURCE + " It was 12 March.") == []


def test_lone_capitalised_first_word_is_not_a_name() -> None:
    assert kinds("Officials said the plant will open.") == []
    assert kinds("Officials from Norway said so.") == [("entity", "Norway")]


def our_english_texts() -> list[str]:
    files = [DATA / "en_scraped.txt", *sorted(EXAMPLES.glob("en_*.txt"))]
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.mark.parametrize("text", our_english_texts())
def test_sentences_copied_verbatim_are_never_flagged(text: str) -> None:
    source = facts([text])
    for sentence in split_sentences(text, "en"):
        assert check(sentence.source, source) == [], sentence.source


@pytest.mark.parametrize(
    ("sentence", "flagged"),
    [
        ("Twenty-five people attended the signing.", []),
        ("The plant will cost three hundred million euros.", []),
        ("Twenty people attended the signing.", ["Twenty"]),
        ("Thirty-five people attended the signing.", ["Thirty-five"]),
        ("One of the ministers spoke.", []),
    ],
)
def test_number_words_read_as_one_number(sentence: str, flagged: list[str]) -> None:
    """ "Twenty-five" is 25 and "three hundred million" 300,000,000, not two or three
    unsupported numbers (text2num reads the run)."""
    source = facts(["The plant will cost 300 million euros; 25 people attended the signing."])
    assert [f.span for f in check(sentence, source)] == flagged
