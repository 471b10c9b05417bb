"""Sentence splitting and claim filtering on text we wrote."""

import pytest

from bot.analysis.claims import extract_claims, is_check_worthy, split_clauses, split_sentences
from bot.analysis.entities import entities
from bot.analysis.tokens import numbers

ARTICLE = """Writers Take Studio To Court
The U.S. Authors Guild sued Acme AI Inc. on Tuesday in New York. It says Acme copied 7,000 books.
SEE ALSO: Ten gadgets for your kitchen
Will the case change anything? Nobody knows.
"We will fight this," said Jane Roe, a lawyer for Acme. The court set a hearing for Nov. 3.
Published by Example Media"""


def test_sentences_keep_abbreviations_and_drop_headlines() -> None:
    sents = [s.text for s in split_sentences(ARTICLE)]
    assert "Writers Take Studio To Court" not in " ".join(sents)
    assert sents[0] == "The U.S. Authors Guild sued Acme AI Inc. on Tuesday in New York."
    assert any(s.startswith('"We will fight this," said Jane Roe') for s in sents)


def test_claims_drop_questions_boilerplate_and_keep_facts() -> None:
    texts = [c.text for c in extract_claims(ARTICLE)]
    assert texts[0].startswith("The U.S. Authors Guild sued Acme AI Inc.")
    assert not any("?" in t for t in texts)
    assert not any("SEE ALSO" in t or "Published by" in t for t in texts)
    assert any("7,000 books" in t for t in texts)


@pytest.mark.parametrize(
    ("sentence", "worthy"),
    [
        ("The judge ordered the company to pay 2 million dollars in damages.", True),
        ("Is this the end of the open web as we know it?", False),
        ("I think this could perhaps be a turning point, maybe.", False),
        ("It is a big day.", False),
        ("What are your thoughts on this decision by the court today.", False),
        ("The Munich Regional Court I held that ChatGPT infringed GEMA's copyright.", True),
        ("Yesterday I said the court got it wrong on this one, said Acme's lawyer.", False),
    ],
)
def test_check_worthy(sentence: str, worthy: bool) -> None:
    assert is_check_worthy(sentence) is worthy


def test_entities_and_numbers_are_normalised() -> None:
    s = "The ChatGPT maker told the Final Fantasy publisher on November 7 it would pay $20 million."
    ents = entities(s)
    assert "OpenAI" in ents and "Square Enix" in ents
    nums = numbers(s)
    assert "nov 7" in nums and "20 million" in nums
    assert numbers("Sora 2 launched") == ()


def test_empty_and_huge_input() -> None:
    assert extract_claims("") == []
    huge = "The Authors Guild sued Acme AI over 12 books in 2024. " * 40_000
    claims = extract_claims(huge)
    assert len(claims) <= 80


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        (
            "Acme AI, which already faces two suits in Europe, said it will appeal the ruling.",
            [
                "Acme AI said it will appeal the ruling.",
                "Acme AI already faces two suits in Europe.",
            ],
        ),
        (
            "The guild filed its complaint in New York; the company denies every allegation made.",
            [
                "The guild filed its complaint in New York.",
                "The company denies every allegation made.",
            ],
        ),
        (
            "The guild said the court set a trial date, adding that Acme AI will appeal the "
            "ruling.",
            ["The guild said the court set a trial date.", "Acme AI will appeal the ruling."],
        ),
        (
            "Free accounts can stream the songs they make, while paid accounts can download "
            "them monthly.",
            [
                "Free accounts can stream the songs they make.",
                "Paid accounts can download them monthly.",
            ],
        ),
        ('The guild said "we will appeal, adding that it lost" before the hearing today.', None),
        ("The company, which declined to comment, is based in London.", None),
        ('She said "we sued; we won" after the hearing in Paris today.', None),
    ],
)
def test_split_clauses(sentence: str, parts: list[str] | None) -> None:
    assert split_clauses(sentence) == (parts or [sentence])


def test_claims_keep_their_sentence_as_quote() -> None:
    claims = extract_claims(
        "Acme AI, which already faces two suits in Europe, said it will appeal the ruling."
    )
    assert len(claims) == 2
    assert all(c.sentence.startswith("Acme AI, which") for c in claims)


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("The court released the transcript of the hearing last week.", True),
        ("Earlier this week, the court released the transcript of the hearing.", True),
        ("The financial terms of the agreement were not disclosed to reporters.", True),
        ("He had initially declined to approve it because questions were open.", False),
        ("The weather stayed warm and dry for most of the long afternoon.", False),
    ],
)
def test_a_subject_named_by_its_role_makes_a_claim_without_a_name(
    sentence: str, claim: bool
) -> None:
    assert bool(extract_claims(sentence)) is claim
