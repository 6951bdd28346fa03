"""fit_words: summary trimming to whole sentences."""

from __future__ import annotations

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
