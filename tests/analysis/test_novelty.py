"""Novelty judgements against a small in-memory history."""

from datetime import UTC, datetime

from bot.analysis.analyzer import Analyzer, SeedDocument
from bot.analysis.claims import ExtractedClaim
from bot.analysis.entities import entities, number_known
from bot.analysis.memory import InMemoryMemory
from bot.analysis.novelty import (
    NgramCache,
    NoveltySettings,
    assess_claim,
    attribution,
    citations,
    claim_query,
    count_value,
    is_news_item,
    name_parts,
    same_person,
    word_figures,
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


def _memory_of(seed_id: str, *claims: str) -> InMemoryMemory:
    memory = InMemoryMemory()
    seed = SeedDocument(seed_id=seed_id, title="Acme AI", claims=claims)
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    return memory


def test_figures_written_in_words_are_facts() -> None:
    assert word_figures("A three-judge panel ruled for the first time") == ["3", "1st"]
    assert word_figures("It could earn tens of millions, maybe billions") == [
        "tens of millions",
        "billions",
    ]
    assert word_figures("a third-party firm") == []  # a kind of firm, not a third of anything
    memory = _memory_of(
        "000_panel.md", "A three-judge panel heard Acme AI's appeal in Philadelphia."
    )
    # a claim repeating the figure, in words or in digits, adds none
    assert _assess("Three judges heard Acme AI's appeal in Philadelphia.", memory).new_items == ()
    assert (
        _assess("A panel of 3 judges heard Acme AI's appeal in Philadelphia.", memory).new_items
        == ()
    )
    # a claim adding one says something new
    assert not _assess("Acme AI's appeal in Philadelphia was heard.", memory).novel
    again = _assess("Acme AI's appeal was heard by the court for the second time.", memory)
    assert again.new_items == ("2nd",)
    assert again.novel
    assert _assess("Acme AI could owe the guild billions.", _memory()).new_items == ("billions",)


def test_a_count_of_the_names_listed_beside_it_adds_no_figure() -> None:
    assert word_figures("Two newspapers, the Daily Courier and the Evening Gazette, sued.") == []
    assert word_figures("Ana Lind, Bo Varga and Cy Tam, three authors, sued Acme AI.") == []
    # a count of something else is still a figure
    assert word_figures("Two years after Ana Lind and Bo Varga sued, a judge ruled.") == ["2"]


def test_a_rounded_count_is_the_same_count() -> None:
    memory = _memory()  # "... copied about 7,000 novels without permission."
    rounded = _assess("The guild says the company copied 7,200 novels without permission.", memory)
    assert rounded.new_items == ()
    assert not rounded.novel
    other = _assess("The guild says the company copied 9,000 novels without permission.", memory)
    assert other.new_items == ("9000",)
    # a year is a date, never about two thousand of anything
    assert count_value("2025") is None
    assert count_value("120000") == 120_000
    assert count_value("7 million") == 7_000_000
    assert count_value("999") is None


def test_a_product_names_its_maker() -> None:
    memory = _memory_of(
        "000_product.md", "ChatGPT reproduced the Daily Courier's articles word for word."
    )
    j = _assess("OpenAI reproduced the Daily Courier's articles word for word, it says.", memory)
    assert "OpenAI" not in j.new_items
    assert not j.novel
    # another developer is still a new name
    other = _assess("Anthropic reproduced the Daily Courier's articles word for word.", memory)
    assert "Anthropic" in other.new_items


def test_a_law_report_citation_is_no_party_and_no_figure() -> None:
    assert citations("It relied on 17 U.S.C. § 107 and 123 F.3d 456.") == [
        "17 U.S.C. § 107",
        "123 F.3d 456",
    ]
    assert citations("Acme v Gazette (Re Costs) [2025] EWHC 3343 (Ch) was cited.") == [
        "(Re Costs)",
        "[2025] EWHC 3343 (Ch)",
    ]
    memory = _memory_of(
        "000_ruling.md", "A judge ruled that Acme AI's copying of novels was fair use."
    )
    j = _assess(
        "Under 17 U.S.C. § 107, a judge ruled that Acme AI's copying of novels was fair use.",
        memory,
    )
    assert j.new_items == ()
    assert not j.novel


def test_a_known_claim_cut_short_matches_only_a_claim_adding_few_words() -> None:
    memory = _memory_of(
        "000_cut.md", "The Daily Courier said it had been in licensing talks with Acme AI…"
    )
    fuller = _assess(
        "The Daily Courier said it had been in licensing talks with Acme AI for months, "
        "but none had resulted in a deal.",
        memory,
    )
    assert fuller.novel
    same = _assess("The Daily Courier said it had been in licensing talks with Acme AI.", memory)
    assert not same.novel
    assert same.seen_in == "000_cut.md"


def test_another_form_of_a_known_persons_given_name_is_no_new_name() -> None:
    assert same_person("Rep. Joseph Morelle", {"Representative Joe Morelle"})
    assert same_person("J. Morelle", {"Joseph Morelle"})
    assert not same_person("Mary Adams", {"John Adams"})  # another initial: another person
    assert not same_person("Financial Times", {"New York Times"})  # "times" is no surname
    memory = _memory_of(
        "000_person.md",
        "Representative Joe Morelle said the dismissal of the register was political.",
    )
    j = _assess("Rep. Joseph Morelle said the register's dismissal was political.", memory)
    assert j.new_items == ()
    assert not j.novel


def test_the_year_a_known_claim_was_published_in_is_no_new_date() -> None:
    memory = InMemoryMemory()
    seed = SeedDocument(
        seed_id="000_ruling.md",
        title="Court rules for the guild",
        published=datetime(2025, 11, 11, tzinfo=UTC),
        claims=("The Munich court ruled that Acme AI infringed the guild's lyrics.",),
    )
    memory.remember(Analyzer().analyze_seed(seed, memory).record)
    same = _assess("In November 2025, the Munich court ruled Acme AI infringed the lyrics.", memory)
    assert same.new_items == ()
    # another year is still a new date
    other = _assess(
        "In November 2024, the Munich court ruled Acme AI infringed the lyrics.", memory
    )
    assert other.new_items == ("2024",)


def test_a_model_and_its_version_is_no_new_party() -> None:
    memory = _memory_of(
        "000_model.md", "Acme AI will train its chatbot on the Daily Courier's archive."
    )
    j = _assess("Acme AI will train its chatbot, ACME-4o, on the Daily Courier's archive.", memory)
    assert j.new_items == ()
    assert not j.novel
    # a new party is still a new name
    assert _assess(
        "Acme AI will train its chatbot on the Evening Gazette's archive.", memory
    ).new_items == ("Evening Gazette",)


def test_a_figure_is_known_only_where_the_text_writes_it_whole() -> None:
    """number_known's search: no digit or point just before the figure, no digit after."""
    assert number_known("$45 million", set(), "a claim of $45 million in damages")
    assert number_known("45", set(), "45 authors sued")
    assert not number_known("45", set(), "a rate of 1.45 per work")
    assert not number_known("45", set(), "450 authors sued")
    assert not number_known("45", set(), "3,450 authors sued, then 145")
    assert number_known("45", set(), "1.45 at first, later 45")  # a later whole occurrence
    assert number_known("2.5", set(), "a 2.5% fee")
    assert not number_known("٣", set(), "١٣ works")  # Unicode digits count as digits
    assert not number_known("million", set(), "a million works")  # no digits: never known
