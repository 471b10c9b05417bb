"""Supporting quotes: the article sentence that backs a claim, found when the analysis gave none."""

from __future__ import annotations

from bot.alerts import supporting_quote

BODY = (
    "The hearing lasted two days. Lawyers for the agency argued that the model was trained "
    "on millions of its photos without a licence, a spokesperson said. The court will rule "
    "in March."
)


def test_the_sentence_sharing_most_words_is_the_quote() -> None:
    quote = supporting_quote("The model was trained on millions of photos without a licence.", BODY)
    assert quote == (
        "Lawyers for the agency argued that the model was trained on millions of its photos "
        "without a licence, a spokesperson said."
    )


def test_no_quote_when_nothing_supports_the_claim() -> None:
    assert supporting_quote("Shares of a chipmaker rose sharply.", BODY) is None
    assert supporting_quote("", BODY) is None


def test_long_sentences_are_shortened() -> None:
    body = "Training data " + "and more words " * 100 + "end."
    quote = supporting_quote("training data and more words", body)
    assert quote is not None and len(quote) <= 220 and quote.endswith("…")
