"""Summaries: at most 500 characters, leading with what is new, never a bullet word for word.
Every claim here is our own sentence, in the shape news copy takes."""

import pytest

from bot.analysis.claim_quality import summary_repeats
from bot.analysis.summary import LIMIT, compress, summarize, summary_part
from bot.models import Claim


def summary_of(*texts: str, novel: bool = True) -> str:
    return summarize(
        relevant=True,
        reason="about a training-data suit",
        claims=[Claim(text=t, novel=novel) for t in texts],
        title="Harbor Post sues Quillon AI",
        earliest="dev-007",
        earliest_title="Harbor Post takes Quillon AI to court",
    )


@pytest.mark.parametrize(
    ("claim", "compressed"),
    [
        (
            "Quillon AI, which already faces two suits in Europe, said it will appeal the ruling.",
            "Quillon AI said it will appeal the ruling.",
        ),
        (
            "Harbor Post sued Quillon AI in Boston (Massachusetts) on Monday, saying the firm "
            "copied 40,000 articles.",
            "Harbor Post sued Quillon AI in Boston on Monday.",
        ),
        (
            "According to a court filing, the label wants $20 million in damages from the firm.",
            "The label wants $20 million in damages from the firm.",
        ),
        (
            "The court ruled for Redwood Records, the largest independent label in the region.",
            "The court ruled for Redwood Records.",
        ),
        (
            "The guild, founded in 1990 to defend writers, asked the regulator to act by June.",
            "The guild asked the regulator to act by June.",
        ),
    ],
)
def test_compress_drops_asides(claim: str, compressed: str) -> None:
    assert compress(claim) == compressed


def test_compress_keeps_a_list_that_only_looks_like_an_aside() -> None:
    claim = (
        "The standard is now final, backed by a collective formed in May with support from "
        "Harbor Post, Dune Media, and Vantage Daily."
    )
    # the "aside" is followed by a name, not by the rest of a main clause: nothing is cut
    assert compress(claim) == claim


def test_a_claim_with_nothing_to_drop_is_cut_to_its_first_clauses() -> None:
    claim = (
        "Redwood Records sued Quillon AI in federal court in Boston on Tuesday, and the label "
        "asked for a jury trial over 3,000 songs."
    )
    part = summary_part(claim)
    assert part.startswith("Redwood Records sued Quillon AI in federal court in Boston on Tuesday")
    assert part.endswith(("…", ".")) and part != claim


def test_summary_leads_with_new_claims_and_repeats_none() -> None:
    claims = [
        "Harbor Post sued Quillon AI in Boston on Monday, saying the firm copied 40,000 articles.",
        "The complaint, filed by three Harbor Post units, seeks $20 million in damages.",
        "Quillon AI did not respond to a request for comment on the suit on Monday.",
    ]
    text = summary_of(*claims)
    assert text.startswith("New: Harbor Post sued Quillon AI in Boston on Monday")
    assert summary_repeats(text, claims) == []
    assert len(text) <= LIMIT


def test_short_claims_that_cannot_be_shortened_are_not_repeated() -> None:
    claims = ["The label sued the firm on Monday.", "The firm denies it."]
    text = summary_of(*claims)
    assert summary_repeats(text, claims) == []
    assert text == "New: 2 new claims, listed below."


def test_summary_never_exceeds_the_limit() -> None:
    long_claim = (
        "Harbor Post sued Quillon AI in Boston on Monday over "
        + ", ".join(f"archive number {i}" for i in range(80))
        + ", the complaint says."
    )
    text = summary_of(long_claim, long_claim.replace("Monday", "Tuesday"))
    assert len(text) <= LIMIT
    assert summary_repeats(text, [long_claim]) == []


def test_nothing_new_points_at_the_earliest_coverage() -> None:
    text = summary_of("Harbor Post sued Quillon AI in Boston on Monday.", novel=False)
    assert text.startswith("Nothing new: every claim here was first reported in dev-007")
    assert "Harbor Post takes Quillon AI to court" in text


def test_an_opening_phrase_goes_but_never_the_subject() -> None:
    assert summary_part(
        "On March 3, 2025, Harbor Post filed its suit against Quillon AI in Boston."
    ) == ("Harbor Post filed its suit against Quillon AI in Boston.")
    kept = summary_part("Jane Roe, the chief executive, told staff the deal reflects its plans.")
    assert not kept.startswith("The chief executive")


def test_claims_that_name_someone_lead_the_summary() -> None:
    claims = [
        Claim(
            text="It is not clear from the filing whether the firm kept any of the copies.",
            novel=True,
        ),
        Claim(
            text="Harbor Post sued Quillon AI in Boston on Monday, saying 4,000 works were copied.",
            novel=True,
            entities=("Harbor Post", "Quillon AI"),
        ),
    ]
    text = summarize(
        relevant=True,
        reason="",
        claims=claims,
        title="",
        earliest=None,
        earliest_title=None,
    )
    assert text.startswith("New: Harbor Post sued Quillon AI in Boston on Monday.")
    assert summary_repeats(text, [c.text for c in claims]) == []
