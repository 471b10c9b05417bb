"""Feedback rows in a real SQLite file: who and when, toggles, revocation, mutes per
destination, installation models; an upgraded 0.2.0 database takes feedback too."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from tests.test_upgrade import FIXTURE

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def click(store: Store, kind: str, user: str, *, article: str = "a1", story: str = "s1") -> bool:
    toggled = store.toggle_feedback(
        kind=kind,
        article_id=article,
        story_id=story,
        destination="discord",
        user_id=user,
        user_name=user.title(),
        now=NOW,
    )
    return toggled.revoked


def test_a_click_is_kept_with_who_and_when_and_a_second_click_revokes_it(store: Store) -> None:
    assert click(store, "not_topic", "u1") is False
    (row,) = store.feedback_for("a1")
    assert (row.kind, row.user_id, row.user_name, row.active) == ("not_topic", "u1", "U1", True)
    assert row.created_at == NOW.isoformat()
    assert click(store, "not_topic", "u2") is False  # another reader's own feedback
    assert click(store, "not_topic", "u1") is True
    rows = store.feedback_for("a1")
    assert [(r.user_id, r.active) for r in rows] == [("u1", False), ("u2", True)]
    assert rows[0].revoked_by == "U1"
    assert [r.user_id for r in store.active_feedback()] == ["u2"]


def test_mutes_are_per_destination_and_anyone_allowed_can_unmute(store: Store) -> None:
    click(store, "mute", "admin1", story="getty")
    assert store.muted_stories("discord") == {"getty"}
    assert store.muted_stories("slack") == set()
    assert click(store, "mute", "admin2", story="getty") is True  # unmuted by another admin
    assert store.muted_stories("discord") == set()


def test_revoking_twice_or_an_unknown_kind_is_refused(store: Store) -> None:
    row = store.add_feedback(
        kind="missed",
        article_id="a2",
        story_id=None,
        destination="",
        user_id="u1",
        user_name="U1",
        now=NOW,
    )
    assert store.revoke_feedback(row.id, by="U1", now=NOW + timedelta(minutes=1)) is True
    assert store.revoke_feedback(row.id, by="U1", now=NOW) is False
    with pytest.raises(ValueError, match="unknown feedback kind"):
        store.add_feedback(
            kind="like",
            article_id="a2",
            story_id=None,
            destination="",
            user_id="u1",
            user_name="U1",
            now=NOW,
        )


def test_the_newest_installation_model_is_the_one_read(store: Store) -> None:
    assert store.installation_model() is None
    store.save_installation_model('{"first": 1}', "{}", NOW)
    store.save_installation_model('{"second": 2}', "{}", NOW)
    assert store.installation_model() == '{"second": 2}'


def test_an_upgraded_0_2_0_database_takes_feedback(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, copy)
    store = Store.open(copy)
    try:
        click(store, "mute", "admin", story="old-story")
        assert store.muted_stories("discord") == {"old-story"}
    finally:
        store.close()
