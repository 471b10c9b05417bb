"""Stories are storylines: parties, conflicts of parties and story titles, on names we chose."""

import pytest

from bot.analysis.stories import (
    article_parties,
    parties_conflict,
    party_similarity,
    story_title,
)


def test_parties_keep_names_and_add_the_kind_of_rights_holder() -> None:
    parties = article_parties(
        ("Anthropic", "Federal", "Alsup"),
        "Judge backs authors in their case against Anthropic",
        "A federal judge sided with a group of novelists on Tuesday.",
    )
    assert parties == ("Anthropic", "Alsup", "authors")  # "Federal" is no party


def test_the_same_defendant_alone_is_a_weak_tie() -> None:
    authors = ("Anthropic", "Claude", "authors")
    music = ("Anthropic", "Concord", "music publishers")
    assert party_similarity(authors, music) < 0.3
    assert party_similarity(authors, ("Anthropic", "Alsup", "authors")) > 0.6


def test_another_plaintiff_against_the_same_defendant_conflicts() -> None:
    story = [("Perplexity", "Yomiuri Shimbun", "Japan")]
    assert parties_conflict(("Perplexity", "New York Times"), story)
    assert parties_conflict(("GEMA", "Suno"), [("OpenAI", "GEMA", "ChatGPT")])
    # a follow-up naming only the defendant does not conflict with the story
    assert not parties_conflict(("Perplexity", "Tokyo"), story)


def test_one_plaintiff_against_several_developers_stays_one_matter() -> None:
    story = [("John Carreyrou", "xAI", "Anthropic"), ("John Carreyrou", "xAI", "Google")]
    assert not parties_conflict(("John Carreyrou", "Anthropic", "OpenAI"), story)


def test_a_story_is_named_after_its_case_when_the_lead_gives_one() -> None:
    lead = "A judge ruled on Monday in Bartz v. Anthropic PBC, the writers' suit over books."
    assert story_title(("Anthropic", "authors"), "ruling", "Judge rules", lead) == (
        "Bartz v. Anthropic"
    )
    # another defendant's case mentioned in passing does not name this story
    other = "The claim echoes Kadrey v. Meta, decided last year."
    assert story_title(("Anthropic", "authors"), "lawsuit", "Suit filed", other) == (
        "Authors v. Anthropic"
    )


@pytest.mark.parametrize(
    ("parties", "category", "title"),
    [
        (("Perplexity", "Yomiuri Shimbun", "Japan"), "lawsuit", "Yomiuri Shimbun v. Perplexity"),
        (("OpenAI", "Axel Springer", "ChatGPT"), "licensing deal", "OpenAI and Axel Springer deal"),
        (
            ("Japan", "OpenAI", "Studio Ghibli", "CODA", "Sora"),
            "demand",
            "Studio Ghibli and CODA v. OpenAI over Sora",
        ),
        (("European Union", "EU AI Code of Practice", "Google"), "policy/regulation",
         "EU AI Code of Practice"),
        (("Getty Images", "High Court", "Stability AI"), "ruling", "Getty Images v. Stability AI"),
    ],
)  # fmt: skip
def test_a_story_is_named_after_its_parties_and_matter(
    parties: tuple[str, ...], category: str, title: str
) -> None:
    assert story_title(parties, category, "Some headline") == title


def test_without_parties_the_headline_names_the_story() -> None:
    assert story_title(("Minister",), "policy/regulation", "Lords vote on  the bill") == (
        "Lords vote on the bill"
    )
