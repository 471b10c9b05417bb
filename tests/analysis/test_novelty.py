"""Novelty judgements against a small in-memory history."""

from bot.analysis.analyzer import Analyzer, SeedDocument
from bot.analysis.claims import ExtractedClaim
from bot.analysis.memory import InMemoryMemory
from bot.analysis.novelty import NgramCache, NoveltySettings, claim_query, judge
from bot.analysis.text import entities, numbers

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


def _judge(text: str, memory: InMemoryMemory):  # type: ignore[no-untyped-def]
    claim = ExtractedClaim(text, entities(text), numbers(text), 0)
    cands = memory.candidates(claim_query(text, claim.entities), 40)
    return judge(claim, cands, NoveltySettings(), NgramCache())


def test_rewording_is_known_and_points_at_the_seed() -> None:
    j = _judge(
        "Acme AI was sued by the Authors Guild in New York for training its chatbot on "
        "pirated books.",
        _memory(),
    )
    assert not j.novel
    assert j.seen_in == "000_test.md"


def test_new_number_or_new_party_is_news() -> None:
    memory = _memory()
    assert _judge("A judge ordered Acme AI to pay the Authors Guild $1.5 billion.", memory).novel
    assert _judge(
        "Penguin Random House joined the Authors Guild lawsuit against Acme AI in New York.",
        memory,
    ).novel


def test_unrelated_claim_is_new() -> None:
    j = _judge("Getty Images settled its case against a British start-up in London.", _memory())
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
