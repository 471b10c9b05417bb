"""The installation's refit over a real store: feedback in force and the seeds in, a model
kept in the database and put to use, before/after logged, the shipped file untouched."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

import pytest

from bot.analysis.relevance_model import BUNDLED_MODEL, RelevanceModel, load_model
from bot.feedback.examples import article_features
from bot.feedback.refit import RefitSettings
from bot.feedback.retrain import Retrainer
from bot.store import Store
from tests.feedback.test_refit import seed_texts

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OFF_TOPIC = (
    "Chipmaker's AI accelerator sales jump on data-centre demand",
    "The company said sales of its AI training chips rose sharply as cloud providers built"
    " new data centres. Analysts expect the lawsuit over its merger to be settled soon.",
)


def fill(store: Store) -> None:
    for n, (title, text) in enumerate(seed_texts()):
        store.save_article(
            {
                "id": f"seed{n}",
                "kind": "seed",
                "title": title,
                "body": text,
                "seen_at": "x",
                "status": "seed",
            }
        )
    store.save_article(
        {
            "id": "chips",
            "kind": "feed",
            "title": OFF_TOPIC[0],
            "body": OFF_TOPIC[1],
            "seen_at": "x",
            "status": "alerted",
        }
    )
    for user in ("u1", "u2"):
        store.add_feedback(
            kind="not_topic",
            article_id="chips",
            story_id=None,
            destination="discord",
            user_id=user,
            user_name=user,
            now=NOW,
        )


def test_a_refit_is_kept_used_and_logged_and_the_shipped_file_stays(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    shipped_bytes = BUNDLED_MODEL.read_bytes()
    fill(store)
    used: list[RelevanceModel] = []
    retrainer = Retrainer(store, load_model(), lambda: NOW, use=used.append)
    with caplog.at_level(logging.INFO, logger="bot.feedback.retrain"):
        report = retrainer.retrain()
    assert report.feedback_examples == 1  # two readers, one article
    assert report.seeds_after == report.seed_examples == len(seed_texts())
    assert report.after.correct >= report.before.correct
    assert "your labelled items agree" in caplog.text and "seeds on topic" in caplog.text
    assert used == [retrainer.current]
    assert BUNDLED_MODEL.read_bytes() == shipped_bytes
    assert store.installation_model() is not None
    chips = article_features(*OFF_TOPIC, retrainer.shipped.penalty_power)
    assert chips is not None
    assert retrainer.current.probability(chips) < retrainer.shipped.probability(chips)

    # after a restart the kept model is put to use again
    again: list[RelevanceModel] = []
    restarted = Retrainer(store, load_model(), lambda: NOW, use=again.append)
    restarted.load_installed()
    assert again and again[0].weights == pytest.approx(retrainer.current.weights, abs=1e-4)
    # ... and the restarted bot knows what it was fitted on: no feedback changed, so its
    # first scheduled refit is skipped rather than run again
    assert restarted.retrain(only_if_changed=True).skipped == "no new feedback since the last refit"

    # nothing changed since: a scheduled refit skips; revoked feedback is really gone
    assert retrainer.retrain(only_if_changed=True).skipped
    taught = retrainer.current.probability(chips)
    for row in store.active_feedback():
        store.revoke_feedback(row.id, by="admin", now=NOW)
    gone = retrainer.retrain(only_if_changed=True)
    assert not gone.skipped and gone.feedback_examples == 0
    untaught = retrainer.current.probability(chips)
    assert untaught > taught
    assert untaught == pytest.approx(retrainer.shipped.probability(chips), abs=0.02)


def test_only_the_newest_labelled_articles_are_read_so_memory_stays_bounded(
    store: Store,
) -> None:
    fill(store)
    for n in range(12):
        store.save_article(
            {"id": f"a{n}", "kind": "feed", "title": f"Authors sue over training data, part {n}",
             "body": "Authors sued an AI company over training on their books. " * 5,
             "seen_at": "x", "status": "not_relevant"}
        )  # fmt: skip
        store.add_feedback(
            kind="missed",
            article_id=f"a{n}",
            story_id=None,
            destination="",
            user_id="u1",
            user_name="u1",
            now=NOW,
        )
    read: list[str] = []
    get_article = store.get_article

    def counting(article_id: str) -> dict[str, object] | None:
        read.append(article_id)
        return get_article(article_id)

    store.get_article = counting  # type: ignore[method-assign,assignment]
    settings = RefitSettings(max_examples=5)
    report = Retrainer(store, load_model(), lambda: NOW, settings=settings).retrain()
    assert report.feedback_examples == 5
    assert read == [f"a{n}" for n in range(7, 12)]  # the 5 newest, no other text read


async def test_the_bot_refits_on_its_schedule_only_when_feedback_changed(store: Store) -> None:
    import asyncio

    from bot.app import _refit_on_schedule
    from bot.chat.feedback_commands import Learning

    fill(store)
    used: list[RelevanceModel] = []
    retrainer = Retrainer(store, load_model(), lambda: NOW, use=used.append)
    hours = 0.2 / 3600  # every 0.2 s
    task = asyncio.create_task(_refit_on_schedule(Learning(retrainer=retrainer), hours))
    try:
        for _ in range(600):
            if used:
                break
            await asyncio.sleep(0.05)
        assert len(used) == 1 and store.installation_model() is not None
        await asyncio.sleep(1.0)  # several more turns of the schedule: nothing new, no refit
        assert len(used) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
