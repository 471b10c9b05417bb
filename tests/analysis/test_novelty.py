"""Novelty judgements against a small in-memory history."""

from bot.analysis.analyzer import Analyzer, SeedDocument
from bot.analysis.claims import ExtractedClaim
from bot.analysis.entities import entities
from bot.analysis.memory import InMemoryMemory
from bot.analysis.novelty import (
    NgramCache,
    NoveltySettings,
    assess_claim,
    attribution,
    claim_query,
    is_news_item,
    name_parts,
)
from bot.analysis.tokens import numbers

SEED_CLAIMS = (
    "The Authors Guild sued Acme AI in New York, accusing it of training its chatbot on "
    "pirated books.",
    "Acme AI has not commented on the lawsuit.",
    "The guild says the company copied about 7,000 novels without permission.",
)


def _memory() -> InMemoryMemory:
    memory = InMemoryMemory()
    seed = SeedDocument(seed_id="000_test.md", title="Guild sues Acme AI", claims=SEED_CLAIMS)
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    return memory


def _assess(text: str, memory: InMemoryMemory):  # type: ignore[no-untyped-def]
    claim = ExtractedClaim(text, entities(text), numbers(text), 0)
    cands = memory.candidates(claim_query(text, claim.entities), 40)
    return assess_claim(claim, cands, NoveltySettings(), NgramCache())


def test_rewording_is_known_and_points_at_the_seed() -> None:
    j = _assess(
        "Acme AI was sued by the Authors Guild in New York for training its chatbot on "
        "pirated books.",
        _memory(),
    )
    assert not j.novel
    assert j.seen_in == "000_test.md"


def test_new_number_or_new_party_is_news() -> None:
    memory = _memory()
    assert _assess("A judge ordered Acme AI to pay the Authors Guild $1.5 billion.", memory).novel
    assert _assess(
        "Penguin Random House joined the Authors Guild lawsuit against Acme AI in New York.",
        memory,
    ).novel


def test_unrelated_claim_is_new() -> None:
    j = _assess("Getty Images settled its case against a British start-up in London.", _memory())
    assert j.novel and j.seen_in is None


def test_candidates_use_the_index_not_a_scan() -> None:
    memory = _memory()
    assert memory.candidates(claim_query("zebra xylophone quartz", ()), 10) == []


def test_remembering_an_article_twice_keeps_one_copy() -> None:
    memory = _memory()
    before = len(memory)
    seed = SeedDocument(seed_id="000_test.md", title="Guild sues Acme AI", claims=SEED_CLAIMS)
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    assert len(memory) == before


def test_a_rounded_amount_is_the_same_amount() -> None:
    memory = InMemoryMemory()
    seed = SeedDocument(
        seed_id="000_yen.md",
        title="Daily sues Acme AI",
        claims=("The Daily Courier sued Acme AI seeking 2,168 million yen in damages.",),
    )
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    rounded = _assess("The Daily Courier sued Acme AI seeking about ¥2.17bn in damages.", memory)
    assert rounded.new_items == ()
    assert not rounded.novel
    # a different amount is a new item
    other = _assess("The Daily Courier sued Acme AI seeking about ¥3.5bn in damages.", memory)
    assert other.new_items == ("3.5 billion",)


def test_a_country_or_a_company_suffix_is_no_new_fact() -> None:
    assert not is_news_item("United States")
    assert not is_news_item("Holdings")
    assert not is_news_item("Inc")
    assert is_news_item("Tokyo District Court")
    assert is_news_item("ClaimsHero")
    j = _assess(
        "Acme AI Holdings was sued by the Authors Guild in New York in the United States for "
        "training its chatbot on pirated books.",
        _memory(),
    )
    assert not j.novel


def test_the_outlet_a_fact_is_credited_to_is_no_new_party() -> None:
    assert attribution("Guardian", "A court ruled against Acme AI, The Guardian reports.")
    assert attribution("Reuters", "The guild told Reuters it would appeal.")
    assert not attribution("Reuters", "Reuters sued Acme AI over its news summaries.")
    j = _assess(
        "The Authors Guild sued Acme AI in New York, accusing it of training its chatbot on "
        "pirated books, the Gazette Weekly reports.",
        _memory(),
    )
    assert j.new_items == ()
    assert not j.novel


def test_the_year_of_a_known_day_is_no_new_date() -> None:
    memory = InMemoryMemory()
    seed = SeedDocument(
        seed_id="000_hearing.md",
        title="Appeal heard",
        claims=("The appeals court heard Acme AI's appeal on June 11 in Philadelphia.",),
    )
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    same_day = _assess("On June 11, 2026, the appeals court heard Acme AI's appeal.", memory)
    assert same_day.new_items == ()
    # a year with another day, or on its own, is still a new date
    other_day = _assess("On June 12, 2026, the appeals court heard Acme AI's appeal.", memory)
    assert set(other_day.new_items) == {"jun 12", "2026"}
    assert _assess("In 2026, the appeals court heard Acme AI's appeal.", memory).new_items == (
        "2026",
    )


def test_a_quote_the_known_claims_lack_is_news() -> None:
    said = _assess(
        'The Authors Guild said Acme AI engaged in "systematic theft on a mass scale" of books.',
        _memory(),
    )
    assert said.new_items == ('"systematic theft on a mass scale"',)
    # a quote whose words the known claims already use is no new item
    known = _assess('The guild says the company "copied about 7,000 novels".', _memory())
    assert not any(i.startswith('"') for i in known.new_items)


def test_a_new_day_amount_or_court_is_news_however_close_the_wording() -> None:
    memory = _memory()
    base = (
        "The Authors Guild sued Acme AI in New York, accusing it of training its chatbot on "
        "pirated books"
    )
    assert not _assess(base + ".", memory).novel
    assert _assess(base + " on December 5.", memory).novel
    assert _assess(base + ", seeking $3 billion.", memory).novel
    assert _assess(base + " in the Southern District Court.", memory).novel


def test_names_run_together_are_looked_up_one_by_one() -> None:
    assert name_parts("Ana Lind and Bo Varga") == ["Ana Lind", "Bo Varga"]
    assert name_parts("Acme's Daily Courier") == ["Acme", "Daily Courier"]
    assert name_parts("Simon & Schuster") == ["Simon & Schuster"]
    memory = InMemoryMemory()
    seed = SeedDocument(
        seed_id="000_deals.md",
        title="Acme AI deals",
        claims=("Acme AI signed a licensing deal with the Daily Courier.",),
    )
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    # one name of the two is known, the other is the news
    j = _assess("Acme AI signed licensing deals with Daily Courier and Evening Gazette.", memory)
    assert j.new_items == ("Evening Gazette",)


def test_attribution_without_a_pattern_per_name_decides_as_the_pattern_does() -> None:
    import random

    from bot.analysis.novelty import _attribution_by_pattern, attribution

    pieces = ["according", "to", "told", "the", "The", "Reuters", "reuters", "reports",
              "reported", "first", "said", "says", "in", "by", "Guardian", "A.P.", "untold",
              "Reutersian", "’s", ",", "  ", "\n", "Ana", "Lind", "Co.", "İstanbul"]  # fmt: skip
    names = ["Reuters", "The Guardian", "A.P.", "Guardian", "Co.", "Ana Lind", "İstanbul"]
    rng = random.Random(7)
    for _ in range(5000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        name = rng.choice(names)
        assert attribution(name, text) == _attribution_by_pattern(name, text), (name, text)
    assert attribution("Reuters", "The deal was signed, Reuters reports.")
    assert attribution("The Guardian", "Authors sued, according to the Guardian.")
    assert not attribution("Reuters", "Reutersian rules apply to the deal.")
