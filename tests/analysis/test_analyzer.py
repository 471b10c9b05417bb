"""The composed analysis: stories, novelty, summaries and bad input, on articles we wrote."""

from datetime import UTC, datetime

import pytest

from bot.analysis.analyzer import Analyzer, SeedDocument, verdict_to_dict
from bot.analysis.memory import InMemoryMemory
from bot.models import Article

SEED = SeedDocument(
    seed_id="000_guild.txt",
    title="Authors Guild sues Acme AI over pirated books",
    text=(
        "The Authors Guild sued Acme AI in a New York federal court on Monday, accusing the "
        "company of training its Quill chatbot on pirated copies of 7,000 novels without "
        "permission.\n"
        "The guild is asking for damages and an order to destroy the training data.\n"
        "Acme AI declined to comment on the lawsuit."
    ),
)

RETELLING = Article(
    id="a-retell",
    title="Writers' group takes Acme AI to court",
    url=None,
    source="Other Outlet",
    published=datetime(2025, 11, 5, tzinfo=UTC),
    text=(
        "Acme AI has been sued by the Authors Guild in New York federal court, which accuses the "
        "company of training its Quill chatbot on pirated copies of 7,000 novels without "
        "permission. The guild wants damages and an order to destroy the training data. "
        "Acme AI declined to comment."
    ),
)

FOLLOW_UP = Article(
    id="a-follow",
    title="Acme AI answers Authors Guild lawsuit",
    url=None,
    source="Third Outlet",
    published=datetime(2025, 11, 9, tzinfo=UTC),
    text=(
        "Acme AI has been sued by the Authors Guild in New York federal court, which accuses the "
        "company of training its Quill chatbot on pirated copies of 7,000 novels without "
        "permission. On Friday Acme AI filed a motion to dismiss, arguing that training on the "
        "books was fair use under U.S. copyright law. Lawyer Maria Gomez said the motion would "
        "be heard on December 12."
    ),
)

OTHER_EVENT = Article(
    id="b-getty",
    title="Getty Images settles with Pixelforge over training data",
    url=None,
    source="Wire",
    published=datetime(2025, 11, 10, tzinfo=UTC),
    text=(
        "Getty Images and the British AI start-up Pixelforge settled their copyright dispute on "
        "Wednesday, two years after Getty accused Pixelforge of scraping 3 million photos to "
        "train its image generator. Pixelforge agreed to pay a licence fee of 25 million pounds, "
        "the companies said in a joint statement."
    ),
)


@pytest.fixture
def setup() -> tuple[Analyzer, InMemoryMemory]:
    analyzer, memory = Analyzer(), InMemoryMemory()
    memory.remember(analyzer.analyze_seed(SEED, memory).record)
    return analyzer, memory


def _run(analyzer: Analyzer, memory: InMemoryMemory, article: Article):  # type: ignore[no-untyped-def]
    a = analyzer.analyze_full(article, memory)
    memory.remember(a.record)
    return a.verdict


def test_retelling_joins_seed_story_and_is_not_new(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    v = _run(analyzer, memory, RETELLING)
    assert v.relevant
    assert v.story == "story:000_guild.txt"
    assert v.duplicate_of == "000_guild.txt"
    assert not v.novel
    assert v.summary.startswith("Nothing new")
    assert "000_guild.txt" in v.summary


def test_follow_up_mixes_new_and_known(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    v = _run(analyzer, memory, FOLLOW_UP)
    assert v.novel
    flags = {c.text[:20]: c.novel for c in v.claims}
    assert flags["Acme AI has been sue"] is False
    assert any(c.novel and "fair use" in c.text for c in v.claims)
    assert v.summary.startswith("New:") and len(v.summary) <= 500


def test_other_event_starts_its_own_story(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    v = _run(analyzer, memory, OTHER_EVENT)
    assert v.relevant and v.novel
    assert v.story == "story:b-getty" and v.duplicate_of is None
    assert v.category == "settlement"


def test_syndicated_copy_joins_the_first_report(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    first = _run(analyzer, memory, OTHER_EVENT)
    copy = Article(
        id="b-copy",
        title=OTHER_EVENT.title,
        url=None,
        source="Syndicate",
        published=OTHER_EVENT.published,
        text=OTHER_EVENT.text,
    )
    v = _run(analyzer, memory, copy)
    assert v.story == first.story and v.duplicate_of == "b-getty" and not v.novel
    assert all(c.seen_in == "b-getty" for c in v.claims)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("\x00\x01\x02\xff" * 5000, "binary"),
        ("이 회사는 허가 없이 책을 사용해 모델을 학습시켰다고 말했다. " * 10, "language Korean"),
        (
            "Der Verlag verklagt das KI-Unternehmen wegen der Nutzung seiner Texte für das "
            "Training, sagte ein Sprecher am Montag in Berlin. " * 5,
            "not analysed: language German, neither English nor Japanese",
        ),
        ("OpenAI sued.", "too short"),
        (
            "La société a été poursuivie pour avoir utilisé des livres protégés pour entraîner "
            "son modèle, a déclaré un porte-parole à Paris lundi. " * 5,
            "language French",
        ),
        (
            "La empresa fue demandada por usar libros protegidos para entrenar su modelo, "
            "dijo un portavoz en Madrid el lunes. " * 5,
            "language Spanish",
        ),
    ],
)
def test_bad_text_gives_a_clear_not_relevant_verdict(
    setup: tuple[Analyzer, InMemoryMemory], text: str, reason: str
) -> None:
    analyzer, memory = setup
    art = Article(id="bad", title="", url=None, source=None, published=None, text=text)
    v = analyzer.analyze(art, memory)
    assert not v.relevant and v.story is None and not v.novel
    assert reason in v.reason


def test_terse_english_is_still_english(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    text = "Authors sued Acme AI over training data without permission. " * 30
    art = Article(id="terse", title="x", url=None, source=None, published=None, text=text)
    assert analyzer.analyze(art, memory).relevant


def test_one_megabyte_of_text_is_handled(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    text = (RETELLING.text + "\n") * (1_000_000 // len(RETELLING.text))
    art = Article(id="big", title="x", url=None, source=None, published=None, text=text)
    v = analyzer.analyze(art, memory)
    assert len(v.summary) <= 500


def test_output_contract(setup: tuple[Analyzer, InMemoryMemory]) -> None:
    analyzer, memory = setup
    d = verdict_to_dict(analyzer.analyze(FOLLOW_UP, memory))
    assert set(d) == {
        "id", "relevant", "relevance", "category", "story", "story_title", "duplicate_of",
        "novel", "claims", "summary", "language",
    }  # fmt: skip
    assert all(set(c) == {"text", "novel", "seen_in"} for c in d["claims"])  # type: ignore[attr-defined]


LATER_RULING = Article(
    id="a-ruling",
    title="Judge throws out most of the Authors Guild case against Acme AI",
    url=None,
    source="Court Reporter",
    published=datetime(2026, 4, 2, tzinfo=UTC),
    text=(
        "Judge Helen Park of the Southern District of New York on Thursday dismissed most claims "
        "in the Authors Guild lawsuit against Acme AI, ruling that training on lawfully bought "
        "books was fair use. She let a narrower claim over 1,200 pirated copies go to trial in "
        "September. The guild had accused Acme AI of training its Quill chatbot on pirated "
        "copies of 7,000 novels without permission."
    ),
)


def test_later_stage_between_the_same_parties_joins_the_storyline(
    setup: tuple[Analyzer, InMemoryMemory],
) -> None:
    analyzer, memory = setup
    v = _run(analyzer, memory, LATER_RULING)
    assert v.relevant and v.novel  # the ruling's facts are news ...
    assert v.story == "story:000_guild.txt"  # ... in the thread of the suit it ends
    assert v.category == "ruling"
    background = [c for c in v.claims if "7,000" in c.text]
    assert background and not background[0].novel  # the old facts are still known


SAME_PLAINTIFF_OTHER_DEFENDANT = Article(
    id="c-zeta",
    title="Authors Guild files new suit, this time against Zeta Labs",
    url=None,
    source="Wire",
    published=datetime(2025, 11, 20, tzinfo=UTC),
    text=(
        "The Authors Guild sued Zeta Labs in a San Francisco court on Wednesday, saying the AI "
        "start-up copied 40,000 nonfiction titles from a shadow library to build its Atlas "
        "model. Zeta Labs chief executive Omar Diaz said the company licenses all of its data. "
        "The guild asked the court for an injunction against Atlas."
    ),
)


def test_same_plaintiff_other_defendant_is_another_story(
    setup: tuple[Analyzer, InMemoryMemory],
) -> None:
    analyzer, memory = setup
    v = _run(analyzer, memory, SAME_PLAINTIFF_OTHER_DEFENDANT)
    assert v.relevant and v.novel
    assert v.story == "story:c-zeta"


def test_a_late_copy_with_the_same_facts_joins_whatever_its_date(
    setup: tuple[Analyzer, InMemoryMemory],
) -> None:
    analyzer, memory = setup
    first = _run(analyzer, memory, OTHER_EVENT)
    late = Article(
        id="b-late",
        title="Getty and Pixelforge end their dispute",
        url=None,
        source="Monthly",
        published=datetime(2026, 2, 1, tzinfo=UTC),
        text=OTHER_EVENT.text,
    )
    v = _run(analyzer, memory, late)
    assert v.story == first.story and not v.novel
