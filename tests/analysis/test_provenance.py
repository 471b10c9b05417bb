"""Known means the same fact: the same parties and matter, not words in common (texts we wrote)."""

from datetime import UTC, datetime

from bot.analysis.analyzer import Analyzer
from bot.analysis.memory import InMemoryMemory
from bot.models import Article, Verdict


def _article(aid: str, title: str, text: str, day: int) -> Article:
    return Article(
        id=aid,
        title=title,
        url=None,
        source="Test Wire",
        published=datetime(2026, 3, day, tzinfo=UTC),
        text=text,
    )


NYT_SUIT = _article(
    "t-nyt",
    "New York Times sues Microsoft over AI training on its archive",
    "The New York Times sued Microsoft in a Manhattan federal court on Monday, saying the "
    "company trained its AI models on millions of the newspaper's articles without a licence. "
    "The newspaper wants damages and an order to destroy the training data. "
    "Microsoft has not responded to a request for comment on the copyright lawsuit.",
    2,
)

GUILD_SUIT = _article(
    "t-guild",
    "Authors Guild sues Microsoft over pirated books used for AI training",
    "The Authors Guild sued Microsoft in a Seattle federal court on Thursday, accusing the "
    "company of training its AI models on 80,000 pirated books without permission from the "
    "writers. The guild is seeking class status for thousands of authors. "
    "Microsoft has not responded to a request for comment on the copyright lawsuit.",
    5,
)

UDIO_STORY = _article(
    "t-udio",
    "Udio settles with Universal Music over AI training on songs",
    "Udio and Universal Music settled their copyright lawsuit on Tuesday over the training of "
    "Udio's AI song generator on the label's recordings. Under the settlement Udio will pay "
    "the label and launch a licensed model next year. "
    "The deal follows a record $1.5 billion settlement over pirated books in a federal court "
    "in San Francisco last year.",
    9,
)

ANTHROPIC_STORY = _article(
    "t-anthropic",
    "Anthropic agrees to settle authors' lawsuit over pirated books",
    "Anthropic agreed on Friday to settle the class action brought by authors who accused it "
    "of training its Claude models on pirated books. "
    "The record $1.5 billion settlement over pirated books must still be approved by a federal "
    "court in San Francisco.",
    12,
)


def _run(analyzer: Analyzer, memory: InMemoryMemory, article: Article) -> Verdict:
    a = analyzer.analyze_full(article, memory)
    memory.remember(a.record)
    return a.verdict


def test_no_comment_in_one_suit_is_new_in_another_suits_story() -> None:
    analyzer, memory = Analyzer(), InMemoryMemory()
    first = _run(analyzer, memory, NYT_SUIT)
    second = _run(analyzer, memory, GUILD_SUIT)
    assert first.relevant and second.relevant
    assert second.story != first.story  # another plaintiff: another storyline
    no_comment = [c for c in second.claims if "not responded" in c.text]
    assert no_comment and no_comment[0].novel and no_comment[0].seen_in is None


def test_a_fact_is_not_seen_first_in_a_story_that_never_names_its_parties() -> None:
    analyzer, memory = Analyzer(), InMemoryMemory()
    _run(analyzer, memory, UDIO_STORY)
    v = _run(analyzer, memory, ANTHROPIC_STORY)
    assert v.relevant and v.story == "story:t-anthropic"
    assert all(c.seen_in != "t-udio" for c in v.claims)


def test_the_same_fact_in_the_same_story_is_known_from_its_first_report() -> None:
    analyzer, memory = Analyzer(), InMemoryMemory()
    _run(analyzer, memory, NYT_SUIT)
    retold = _article(
        "t-nyt-2",
        "Times takes Microsoft to court over its archive",
        "Microsoft was sued by The New York Times in Manhattan federal court, which says the "
        "company trained its AI models on millions of the newspaper's articles without a "
        "licence. Microsoft has not responded to a request for comment on the copyright lawsuit.",
        3,
    )
    v = _run(analyzer, memory, retold)
    assert v.story == "story:t-nyt"
    assert any(not c.novel and c.seen_in == "t-nyt" for c in v.claims)


FIRST_SUIT = _article(
    "t-yomiuri",
    "Yomiuri Shimbun sues Perplexity over copied articles",
    "The Yomiuri Shimbun sued Perplexity for copyright infringement in the Tokyo District Court "
    "on Thursday, saying the AI search firm copied 120,000 of its articles without a licence "
    "to train and power its answer engine. The newspaper seeks 2.2 billion yen in damages.",
    14,
)

SECOND_SUIT = _article(
    "t-nikkei",
    "Nikkei and Asahi Shimbun sue Perplexity over AI answers",
    "Nikkei and the Asahi Shimbun sued Perplexity in Tokyo on Tuesday, accusing the AI search "
    "firm of copying their articles without a licence to answer user questions. "
    "The Yomiuri Shimbun sued Perplexity in the Tokyo District Court, saying the firm copied "
    "120,000 of its articles.",
    20,
)


def test_earlier_coverage_lists_only_the_same_story() -> None:
    analyzer, memory = Analyzer(), InMemoryMemory()
    first = _run(analyzer, memory, FIRST_SUIT)
    v = _run(analyzer, memory, SECOND_SUIT)
    assert v.story != first.story  # another plaintiff
    yomiuri = [c for c in v.claims if "Yomiuri" in c.text]
    # the other suit, named in the claim, is where the fact was first seen ...
    assert yomiuri and not yomiuri[0].novel and yomiuri[0].seen_in == "t-yomiuri"
    # ... but it is not earlier coverage of this story
    assert "t-yomiuri" not in v.earlier
    assert first.story_title == "Yomiuri Shimbun v. Perplexity"
    assert v.story_title == "Nikkei and Asahi Shimbun v. Perplexity"


def test_a_fact_an_earlier_article_stated_in_passing_is_known_from_it() -> None:
    """The earlier sentence is hedged, so it is no claim of its own, but it is remembered."""
    analyzer, memory = Analyzer(), InMemoryMemory()
    first = _article(
        "t-nyt-passing",
        NYT_SUIT.title,
        NYT_SUIT.text + " The complaint says the chatbot could recite recipes from the cooking "
        "section verbatim and might undercut the paid cooking app.",
        2,
    )
    v1 = _run(analyzer, memory, first)
    assert not any("recipes" in c.text for c in v1.claims)
    retold = _article(
        "t-nyt-3",
        "Times says Microsoft AI repeats its articles, court filing shows",
        "The New York Times sued Microsoft in a Manhattan federal court on Monday over AI "
        "training. The New York Times says Microsoft's chatbot recites recipes from its cooking "
        "section verbatim, undercutting the paid cooking app.",
        4,
    )
    v = _run(analyzer, memory, retold)
    repeated = [c for c in v.claims if "recipes" in c.text]
    assert repeated and not repeated[0].novel and repeated[0].seen_in == "t-nyt-passing"
