"""Feedback "Nothing new here" teaches the novelty step, in a real SQLite file: the claims an alert
called new become reader-known, a later rewrite of one of them is known (it was new before
the click), revoking the click restores the old decision, and one click reaches no further
than claims close to that article's new claims."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.analysis.assess import AnalysisAssessor, build_assessor
from bot.chat.commands import Commands
from bot.cli.analyze import record_analyzed
from bot.models import Article, Verdict
from bot.store import Store
from bot.store.known import KnownToStore
from tests.analysis.test_analyzer import FOLLOW_UP, SEED

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# the follow-up's new claim, "On Friday Acme AI filed a motion to dismiss, arguing that
# training on the books was fair use under U.S. copyright law.", in other words
REWRITE = (
    "Acme AI wants the suit dismissed, claiming the books were fairly used to teach its model."
)
# the same matter, other facts: no click on the follow-up makes these known (the first is
# too far from the reader-known claim, ~0.13; the second is close, ~0.31, but adds a day)
UNRELATED = (
    "Acme AI said it would appeal any ruling against it, whatever the judge decides about the "
    "pirated novels.",
    "Acme AI wants the suit dismissed, and a hearing on its motion is set for January 9.",
)

LATER = Article(
    id="a-later",
    title="Acme AI seeks dismissal of Authors Guild case",
    url=None,
    source="Fourth Outlet",
    published=datetime(2025, 11, 20, tzinfo=UTC),
    text="The Authors Guild copyright lawsuit against Acme AI continues. " + REWRITE,
)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Store, AnalysisAssessor]]:
    store = Store.open(tmp_path / "bot.db")
    assessor = build_assessor()
    known = KnownToStore(store)
    store.remember_analysis(assessor.analyzer.analyze_seed(SEED, known).record)
    follow = assessor.assess(FOLLOW_UP, known)
    record_analyzed(store, FOLLOW_UP, follow, NOW)
    assert any(c.novel for c in follow.verdict.claims)  # the alert's "new" claim
    yield store, assessor
    store.close()


def _judge(store: Store, assessor: AnalysisAssessor, article: Article = LATER) -> Verdict:
    """A later article judged against the store (not kept: each call sees the same past)."""
    return assessor.assess(article, KnownToStore(store)).verdict


def _claim(verdict: Verdict, text: str):  # type: ignore[no-untyped-def]
    (claim,) = [c for c in verdict.claims if c.text == text]
    return claim


def _nothing_new(store: Store, user: str = "u1") -> bool:
    return store.toggle_feedback(
        kind="nothing_new",
        article_id=FOLLOW_UP.id,
        story_id=None,
        destination="discord",
        user_id=user,
        user_name=user.title(),
        now=NOW,
    ).revoked


def test_a_rewrite_of_a_claim_readers_said_was_not_new_is_known(
    setup: tuple[Store, AnalysisAssessor],
) -> None:
    store, assessor = setup
    before = _claim(_judge(store, assessor), REWRITE)
    assert before.novel  # below the ordinary bars: new without the click
    _nothing_new(store)
    verdict = _judge(store, assessor)
    after = _claim(verdict, REWRITE)
    assert not after.novel and after.seen_in == FOLLOW_UP.id  # provenance: the clicked alert
    assert after.by_reader and not verdict.novel


def test_revoking_the_click_restores_the_old_decision(
    setup: tuple[Store, AnalysisAssessor],
) -> None:
    store, assessor = setup
    before = _judge(store, assessor)
    _nothing_new(store)
    assert not _judge(store, assessor).novel
    assert _nothing_new(store) is True  # the second click takes it back
    assert _judge(store, assessor) == before


def test_one_click_reaches_only_claims_close_to_that_alerts_new_claims(
    setup: tuple[Store, AnalysisAssessor],
) -> None:
    store, assessor = setup
    _nothing_new(store)
    for n, text in enumerate(UNRELATED):
        article = replace(LATER, id=f"a-other-{n}", text=f"{LATER.text.split('. ')[0]}. {text}")
        claim = _claim(_judge(store, assessor, article), text)
        assert claim.novel and not claim.by_reader, text


def test_only_the_claims_the_alert_called_new_become_reader_known(
    setup: tuple[Store, AnalysisAssessor],
) -> None:
    store, _ = setup
    assert store.reader_known_claims([FOLLOW_UP.id]) == set()
    _nothing_new(store)
    new = {c.text for c in store.claims_of(FOLLOW_UP.id) if c.novel}
    assert store.reader_known_claims([FOLLOW_UP.id, "unknown"]) == {(FOLLOW_UP.id, t) for t in new}
    (row,) = store.feedback_for(FOLLOW_UP.id)
    store.revoke_feedback(row.id, by="U1", now=NOW + timedelta(minutes=1))
    assert store.reader_known_claims([FOLLOW_UP.id]) == set()


def test_news_why_names_the_feedback_that_made_a_claim_known(
    setup: tuple[Store, AnalysisAssessor],
) -> None:
    store, assessor = setup
    _nothing_new(store)
    later = assessor.assess(LATER, KnownToStore(store))
    record_analyzed(store, LATER, later, NOW)
    commands = Commands(store, lambda: NOW)
    (line,) = [i.text for i in commands.why(LATER.id).items if i.text.startswith(REWRITE)]
    assert "(a reader said that alert's new claims were not new)" in line
    clicked = [i.text for i in commands.why(FOLLOW_UP.id).items]
    assert any("now count as known in later articles" in t for t in clicked)
