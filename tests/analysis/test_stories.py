"""Stories are storylines: parties, conflicts of parties and story titles, on names we chose."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.analysis.analyzer import Analyzer
from bot.analysis.assess import AnalysisAssessor
from bot.analysis.memory import InMemoryMemory
from bot.analysis.stories import (
    article_parties,
    parties_conflict,
    party_similarity,
    story_title,
)
from bot.models import Article, Verdict
from bot.seeds import load_seeds


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


def test_later_supporters_of_one_standard_are_no_conflict() -> None:
    story = [("RSL", "Reddit"), ("RSL", "Reddit", "Yahoo")]
    assert not parties_conflict(("RSL", "Cloudflare", "Akamai", "Google"), story)
    # the same rights holder against another developer still conflicts
    assert parties_conflict(("GEMA", "Suno", "Kunstmann"), [("GEMA", "OpenAI", "Munich")])


def test_a_code_of_practice_counts_as_part_of_its_act() -> None:
    parties = article_parties(("European Union", "EU AI Code of Practice", "Google"), "", "")
    assert parties[:3] == ("European Union", "EU AI Code of Practice", "EU AI Act")
    story = [("Europe", "European Union", "EU AI Act", "Meta", "OpenAI")]
    assert not parties_conflict(parties, story)
    assert party_similarity(parties, story[0]) > 0.5


def test_shadow_libraries_and_file_sharing_say_little_about_the_matter() -> None:
    ruling = ("Meta", "Llama", "California", "authors")
    later = article_parties(
        ("Meta", "BitTorrent", "LLM", "Anna's Archive"),
        "Judge lets authors add BitTorrent seeding claims against Meta",
        "",
    )
    assert "LLM" not in later  # a kind of model, no party
    assert party_similarity(later, ruling) > 0.8


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
        (("ChatGPT", "GEMA", "Munich"), "ruling", "GEMA v. OpenAI over ChatGPT"),  # its maker
        (("Getty Images", "Stability AI"), "policy/regulation", "Getty Images v. Stability AI"),
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


class _Remembering:
    """The assessor over an in-memory memory that keeps every record, as the store does."""

    def __init__(self) -> None:
        self.assessor = AnalysisAssessor(Analyzer())
        self.memory = InMemoryMemory()

    def assess(self, article: Article) -> Verdict:
        assessment = self.assessor.assess(article, self.memory)
        self.memory.remember(assessment.record)
        return assessment.verdict


def _seeded_judge() -> _Remembering:
    judge = _Remembering()
    for seed in load_seeds(Path(__file__).parents[2] / "seeds"):
        judge.memory.remember(judge.assessor.assess_seed(seed, judge.memory).record)
    return judge


SEED_STORY = "story:000_296b9c6e5f52e666.txt"


def test_every_party_of_the_seed_dispute_joins_the_seed_story() -> None:
    judge = _seeded_judge()
    statement = Article(
        id="pub-statement",
        title="Manga publisher Shueisha condemns Sora 2 videos built on its characters",
        url=None,
        source="Test Wire",
        published=datetime(2025, 11, 10, tzinfo=UTC),
        text=(
            "Shueisha, the publisher of several long-running manga series, said on Friday that "
            "videos made with OpenAI's Sora 2 copy its characters and that OpenAI trained the "
            "model on Japanese works without permission. The publisher called on OpenAI to stop "
            "using its works for AI training and said it would take firm action against "
            "infringement. Shueisha joined other Japanese rights holders who objected to Sora 2."
        ),
    )
    v = judge.assess(statement)
    assert v.relevant and v.story == SEED_STORY
    assert v.story_title == "Japanese rights holders v. OpenAI over Sora"


def test_another_developers_deal_with_a_studio_stays_out_of_the_seed_story() -> None:
    judge = _seeded_judge()
    deal = Article(
        id="studio-deal",
        title="Disney licenses its characters to OpenAI for Sora videos",
        url=None,
        source="Test Wire",
        published=datetime(2025, 12, 11, tzinfo=UTC),
        text=(
            "Disney signed a three-year licensing deal with OpenAI on Thursday that lets Sora "
            "users make videos with 200 Disney characters. Disney will invest 1 billion dollars in "
            "OpenAI, and the deal excludes any training of OpenAI models on Disney's films. "
            "Disney said the licence protects its copyrighted works."
        ),
    )
    v = judge.assess(deal)
    assert v.relevant and v.story == "story:studio-deal"
