"""Upgrades keep every database: a database written by newsbot 0.2.0, opened by this code.

tests/data/upgrade-0.2.0.db was written by the 0.2.0 code (tests/data/make_upgrade_fixture.py).
These tests open a copy with the current code, which migrates it, and check that every row
is still there and still works: /news why, article, story, search and status, and the
delivery of its pending outbox rows, exactly once, through the real delivery loop to the
real Discord and Slack destinations (against the local fakes).

Each later schema change adds to these tests what its migration must keep. A migration
that drops or rewrites data lists its exceptions in `REWRITTEN` below, and says so in
the CHANGELOG.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import discord.http
import pytest
from sqlite_utils import Database

from bot.chat.base import Destination
from bot.chat.commands import Commands
from bot.chat.delivery import Delivery
from bot.chat.discord.destination import DiscordDestination
from bot.chat.slack.client import make_web_client
from bot.chat.slack.destination import SlackDestination
from bot.errors import StoreError
from bot.store import Store
from bot.store.bodies import register as register_bodies
from bot.store.bodies import unpack
from bot.store.migrations import build_migrations
from bot.store.upgrade import upgrade_backups, upgrade_plan
from tests.conftest import REPO
from tests.discord_fake import FakeDiscord
from tests.slack_fake import FakeSlack

FIXTURE = REPO / "tests" / "data" / "upgrade-0.2.0.db"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DISCORD_CHANNEL, SLACK_CHANNEL = "1300000000000000000", "C0NEWS"

# (table, column) pairs a later migration rewrites on purpose (none so far).
REWRITTEN: frozenset[tuple[str, str]] = frozenset()


def snapshot(path: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every table (virtual tables included, their shadow tables not), by rowid;
    article bodies as their text, stored packed or not (m050, bot/store/bodies.py)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    register_bodies(conn)  # the search index reads its text through body_text()
    try:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        virtual = [t["name"] for t in tables if t["sql"].upper().startswith("CREATE VIRTUAL")]
        rows: dict[str, dict[int, dict[str, Any]]] = {}
        for table in tables:
            name = table["name"]
            if any(name.startswith(v + "_") for v in virtual):
                continue  # an FTS index's own storage: rebuilt freely
            found = conn.execute(f'SELECT rowid AS "__rowid", * FROM "{name}"').fetchall()
            rows[name] = {r["__rowid"]: dict(r) for r in found}
            for row in rows[name].values() if name == "articles" else ():
                row["body"] = unpack(row["body"])
        return rows
    finally:
        conn.close()


def old_rows(table: str) -> list[dict[str, Any]]:
    return list(snapshot(FIXTURE)[table].values())


@pytest.fixture
def upgraded(tmp_path: Path) -> Iterator[Store]:
    """A copy of the 0.2.0 database, opened (and so migrated) by the current code."""
    copy = tmp_path / "newsbot.db"
    shutil.copyfile(FIXTURE, copy)
    store = Store.open(copy)
    yield store
    store.close()


def test_the_fixture_is_a_real_0_2_0_database() -> None:
    assert FIXTURE.stat().st_size < 1_000_000
    before = snapshot(FIXTURE)
    statuses = {r["status"] for r in before["articles"].values()}
    assert statuses == {"seed", "alerted", "nothing_new", "not_relevant", "recorded"}
    outbox = {
        (r["kind"], r["status"], bool(r["intent_at"]), r["attempts"] > 0)
        for r in before["outbox"].values()
    }
    assert ("alert", "sent", False, True) in outbox
    assert ("alert", "dead", False, True) in outbox
    assert ("alert", "pending", False, True) in outbox  # a failed attempt, waiting to retry
    assert ("alert", "pending", True, False) in outbox  # a send under way at the crash
    assert ("alert", "pending", False, False) in outbox
    assert ("notice", "pending", False, False) in outbox
    assert {r["destination"] for r in before["chat_threads"].values()} == {"discord", "slack"}
    assert len(before["claims"]) > 20
    assert len({r["story_id"] for r in before["chat_threads"].values()}) == 2


def test_every_row_is_still_there_after_the_upgrade(tmp_path: Path) -> None:
    copy = tmp_path / "newsbot.db"
    shutil.copyfile(FIXTURE, copy)
    plan = upgrade_plan(copy, build_migrations())
    Store.open(copy).close()
    before, after = snapshot(FIXTURE), snapshot(copy)
    for table, rows in before.items():
        assert table in after, f"table {table} is gone"
        for rowid, row in rows.items():
            assert rowid in after[table], f"{table} row {rowid} is gone"
            kept = {k: v for k, v in row.items() if (table, k) not in REWRITTEN}
            now = {k: after[table][rowid].get(k) for k in kept}
            assert now == kept, f"{table} row {rowid} changed"
    # The schema is current, and the old database was kept beside it when it was migrated.
    conn = sqlite3.connect(copy)
    try:
        assert build_migrations().pending(Database(conn)) == []
    finally:
        conn.close()
    backups = upgrade_backups(copy)
    assert len(backups) == (1 if plan.upgrades else 0)
    for backup in backups:
        assert snapshot(backup) == before


def test_every_old_feed_is_still_polled_after_the_upgrade(upgraded: Store) -> None:
    """The paused column (m042) starts unpaused: an upgrade stops no feed."""
    feeds = upgraded.feeds()
    assert {f.url for f in feeds} == {r["url"] for r in old_rows("feeds")}
    assert feeds and not any(f.paused for f in feeds)
    facts = dict(Commands(upgraded, lambda: NOW).status().facts)
    assert "paused" not in facts["Feeds"]


def test_the_old_bodies_are_stored_packed_and_read_as_they_were(upgraded: Store) -> None:
    old = {r["id"]: r["body"] for r in old_rows("articles")}
    kinds = dict(upgraded.db.execute("SELECT id, typeof(body) FROM articles").fetchall())
    assert {kinds[i] for i, body in old.items() if body and len(body) >= 200} == {"blob"}
    assert all((upgraded.get_article(i) or {}).get("body") == body for i, body in old.items())


def test_search_finds_the_old_articles(upgraded: Store) -> None:
    commands = Commands(upgraded, lambda: NOW)
    titles = {i.title for i in commands.search("Acme").items}
    expected = {r["title"] for r in old_rows("articles") if "Acme" in (r["title"] or "")}
    assert len(expected) == 3
    assert expected <= titles
    hit = next(i for i in commands.search("photographers").items)
    assert "**" in hit.snippet  # the match is marked, so the FTS index still works


def test_new_articles_are_indexed_beside_the_old_ones_after_the_upgrade(upgraded: Store) -> None:
    """m047: a poll's batched insert indexes its rows, and both indexes still agree with
    the whole table (old rows included)."""
    row = {"kind": "feed", "seen_at": NOW.isoformat(), "body": "Zebrafish licensing."}
    upgraded.save_articles([{**row, "id": "new-1", "title": "Acme zebrafish"}])
    commands = Commands(upgraded, lambda: NOW)
    assert [i.title for i in commands.search("zebrafish").items] == ["Acme zebrafish"]
    for table in ("articles_fts", "articles_title_fts"):
        upgraded.db.execute(f"INSERT INTO {table}({table}, rank) VALUES('integrity-check', 1)")


def test_why_still_explains_every_old_decision(upgraded: Store) -> None:
    commands = Commands(upgraded, lambda: NOW)
    outbox = old_rows("outbox")
    labels: dict[str, str] = {}
    for row in old_rows("articles"):
        if row["kind"] != "feed":
            continue
        answer = commands.why(row["url"])
        facts = dict(answer.facts)
        assert answer.title == row["title"]
        labels[row["status"]] = facts["Decision"]
        lines = " ".join(i.text for i in answer.items)
        if row["status"] == "alerted":
            for message in (m for m in outbox if m["article_id"] == row["id"]):
                if message["status"] == "sent":
                    assert f"(message {message['message_ref']})" in lines
                elif message["status"] == "dead":
                    assert f"{message['destination']} refused it" in lines
                else:
                    assert f"queued for {message['destination']}" in lines
        if row["status"] == "nothing_new":
            assert "known from" in lines
        if row["status"] == "not_relevant":
            assert "Signals" in facts
    assert len(set(labels.values())) == 4  # alerted, nothing new, not relevant, recorded


def test_article_and_story_still_show_the_old_claims_and_threads(upgraded: Store) -> None:
    commands = Commands(upgraded, lambda: NOW)
    claims = old_rows("claims")
    for row in old_rows("articles"):
        if row["kind"] != "feed" or row["status"] not in ("alerted", "nothing_new"):
            continue
        answer = commands.article(row["id"])
        mine = [c for c in claims if c["article_id"] == row["id"]]
        assert [i.text for i in answer.items] == [c["text"] for c in mine]
        assert [i.title for i in answer.items] == ["New" if c["novel"] else "Known" for c in mine]
    for story_id in {r["story_id"] for r in old_rows("chat_threads")}:
        answer = commands.story(story_id)
        members = [r["title"] for r in old_rows("articles") if r["story_id"] == story_id]
        assert sorted(i.title for i in answer.items) == sorted(members)
        assert len(members) >= 2
    status = dict(commands.status().facts)
    assert status["Feeds"] == "2 healthy, 1 failing"


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    yield server
    await server.stop()


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


async def test_pending_rows_are_delivered_once_into_the_old_threads(
    upgraded: Store, discord_fake: FakeDiscord, slack_fake: FakeSlack
) -> None:
    threads = {(r["destination"], r["story_id"]): r["thread_id"] for r in old_rows("chat_threads")}
    discord_fake.channels[DISCORD_CHANNEL] = []
    for (destination, _), thread in threads.items():
        if destination == "discord":
            discord_fake.channels[thread] = []  # a Discord thread is a channel
    outbox = old_rows("outbox")
    pending = [r for r in outbox if r["status"] == "pending"]
    stories = {r["id"]: r["story_id"] for r in old_rows("articles")}
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    try:
        destinations: list[Destination] = [
            DiscordDestination(client, int(DISCORD_CHANNEL), upgraded, lambda: NOW),
            SlackDestination(
                make_web_client("xoxb-test", slack_fake.api_url),
                SLACK_CHANNEL,
                upgraded,
                lambda: NOW,
            ),
        ]
        report = await Delivery(upgraded, destinations, lambda: NOW).deliver_due()
        assert (report.sent, report.failed) == (len(pending), 0)
        again = await Delivery(upgraded, destinations, lambda: NOW).deliver_due()
        assert (again.sent, again.failed) == (0, 0)
    finally:
        await client.close()

    # Discord: each pending row once, alerts in their story's old thread, notices in the channel.
    posted = {
        ch: [json.dumps(m["embeds"]) for m in msgs] for ch, msgs in discord_fake.channels.items()
    }
    for row in (r for r in pending if r["destination"] == "discord"):
        place = (
            threads[("discord", stories[row["article_id"]])]
            if row["kind"] == "alert"
            else DISCORD_CHANNEL
        )
        assert sum(f"ref {row['id']}" in m for m in posted[place]) == 1
    assert sum(len(m) for m in posted.values()) == sum(
        1 for r in pending if r["destination"] == "discord"
    )
    # Slack: the same, replies under the story's old thread ts.
    posts = slack_fake.posts()
    slack_pending = [r for r in pending if r["destination"] == "slack"]
    assert len(posts) == len(slack_pending)
    for row, post in zip(slack_pending, posts, strict=True):
        assert post["metadata"]["event_payload"]["first_id"] == row["id"]
        if row["kind"] == "alert":
            assert post["thread_ts"] == threads[("slack", stories[row["article_id"]])]
        else:
            assert "thread_ts" not in post
    # Nothing sent before, and nothing refused for good, went out again.
    final = {r["id"]: r["status"] for r in upgraded.db.table("outbox").rows}
    assert final == {r["id"]: ("dead" if r["status"] == "dead" else "sent") for r in outbox}


# ------------------------------------------------------------ the automatic backup


def older_database(path: Path) -> None:
    """A database as the code before its last migration left it, with one article."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        migrations = build_migrations()
        last = migrations.pending(Database(memory=True))[-1].name
        db = Database(conn)
        migrations.apply(db, stop_before=last)
        db.execute(
            "INSERT INTO articles (id, kind, seen_at, status, title) VALUES"
            " ('a1', 'feed', '2026-11-30T10:00:00+00:00', 'recorded', 'Kept across upgrades')"
        )
    finally:
        conn.close()


def _applied(rows: dict[str, dict[int, dict[str, Any]]]) -> set[str]:
    return {r["name"] for r in rows["_sqlite_migrations"].values()}


def test_an_older_database_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    older_database(path)
    before = snapshot(path)
    assert upgrade_plan(path, build_migrations()).upgrades
    store = Store.open(path)
    store.close()
    (backup,) = upgrade_backups(path)
    assert backup.parent == tmp_path
    assert backup.name.startswith("newsbot.db.pre-upgrade-") and backup.name.endswith(".bak")
    assert snapshot(backup) == before  # the old schema and its rows, exactly
    last = build_migrations().pending(Database(memory=True))[-1].name
    assert last not in _applied(snapshot(backup))
    assert last in _applied(snapshot(path))
    # Opening the now current database again makes no further backup.
    Store.open(path).close()
    assert upgrade_backups(path) == [backup]


def test_a_new_database_gets_no_backup(tmp_path: Path) -> None:
    Store.open(tmp_path / "fresh.db").close()
    assert list(tmp_path.glob("*.bak")) == []


def test_only_the_newest_upgrade_backups_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    made = []
    for _ in range(4):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        older_database(path)
        Store.open(path, keep_backups=3).close()
        made.append(upgrade_backups(path)[-1])
    assert len(set(made)) == 4  # four upgrades within a second still get four names
    assert upgrade_backups(path) == made[1:]
    assert not made[0].exists()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    shutil.copyfile(FIXTURE, path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('newsbot', 'm999_from_the_future', '2027-01-01 00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="written by a newer newsbot"):
        Store.open(path)
    assert path.read_bytes() == before
    assert upgrade_backups(path) == []
