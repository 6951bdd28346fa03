"""fit_words (summary trimming) and digest attribution: pure text functions."""

from __future__ import annotations

from summarizer.digest import Brief, attribute, content_words
from summarizer.summarize import fit_words


def test_fit_words_keeps_whole_sentences_within_budget() -> None:
    text = "The ferry left at noon. It carried forty cars. The sea was calm all day."
    assert fit_words(text, 9) == "The ferry left at noon. It carried forty cars."
    assert fit_words(text, 100) == text


def test_fit_words_keeps_first_sentence_even_if_too_long() -> None:
    text = "The long first sentence of this summary has many more words than allowed. Short."
    assert fit_words(text, 3) == (
        "The long first sentence of this summary has many more words than allowed."
    )


def test_fit_words_drops_trailing_fragment() -> None:
    text = "The harbour reopened on Friday. Officials said that the"
    assert fit_words(text, 50) == "The harbour reopened on Friday."


def test_fit_words_without_sentence_end_cuts_to_words() -> None:
    text = "one two three four five six seven eight"
    assert fit_words(text, 3) == "one two three"


def test_fit_words_empty() -> None:
    assert fit_words("", 10) == ""


BRIEFS = [
    Brief(
        id="a",
        brief="Ministers signed a water agreement in Vienna.",
        translation="Ministers from seven countries signed a desalination agreement in Vienna.",
    ),
    Brief(
        id="b",
        brief="A solar plant opened in the desert.",
        translation="A solar plant with battery storage opened in the Negev desert on Monday.",
    ),
]


def test_attribute_point_to_its_source_first() -> None:
    sources = attribute("The solar plant has battery storage in the Negev.", BRIEFS)
    assert sources[0] == "b"
    assert "a" not in sources


def test_attribute_shared_point_cites_both() -> None:
    sources = attribute("Ministers opened a solar plant and signed an agreement.", BRIEFS)
    assert set(sources) == {"a", "b"}


def test_attribute_point_without_content_words() -> None:
    assert content_words("It was the one that they had.") == set()
    assert attribute("It was the one that they had.", BRIEFS) == []


def test_content_words_lowercase_without_stopwords() -> None:
    assert content_words("The Solar plant, and THE battery!") == {"solar", "plant", "battery"}
