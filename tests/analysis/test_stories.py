"""Stories are storylines: parties, conflicts of parties and story titles, on names we chose."""

from bot.analysis.stories import (
    article_parties,
    parties_conflict,
    party_similarity,
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
