"""Retention on real SQLite files: old bodies and finished outbox payloads go, in bounded
steps; claims, verdicts, titles, links and waiting messages stay; /news why, article and
story answer as before; a crash mid-pass leaves a consistent database; the space freed
is reused; the scheduler runs the pass; the config keys are checked."""

from __future__ import annotations

import logging
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.chat.answers import Answer
from bot.chat.commands import Commands
from bot.config import RetentionConfig, parse_config
from bot.errors import ConfigError, StoreError
from bot.retention import Retention, RetentionPolicy
from bot.scheduler import FeedScheduler
from bot.store import Store
from tests.conftest import REPO

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=2)
POLICY = RetentionPolicy(bodies_days=30, outbox_days=30)


def _body(word: str, size: int = 3000) -> str:
    filler = "the court heard arguments about training data and licensing of works "
    return (f"{word} " + filler * (size // len(filler) + 1))[:size]


def _article(aid: str, seen: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "kind": "feed",
        "url": f"https://news.example/{aid}",
        "title": f"Title of {aid} headline{aid}",
        "source": "News",
        "seen_at": seen.isoformat(),
        "body": _body(f"bodyword{aid}"),
        "status": "alerted",
        "verdict": '{"summary": "a summary"}',
        **extra,
    }


def _fts_ok(store: Store) -> None:
    """FTS5's own check of the index against the articles table (raises when they differ)."""
    store.db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _hits(store: Store, query: str) -> set[str]:
    return {h.article_id for h in store.search(query, limit=50)}


# ------------------------------------------------------------------ config


def test_the_defaults_keep_bodies_forever_and_outbox_payloads_30_days() -> None:
    config = parse_config({})
    assert config.retention == RetentionConfig(bodies_days=0, outbox_days=30, interval_hours=6.0)
    assert RetentionPolicy.from_config(config.retention).bodies_before(NOW) is None
    assert RetentionPolicy.from_config(config.retention).outbox_before(NOW) == NOW - timedelta(30)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"bodies_days": -1},
            "retention.bodies_days: must be a number of days from 1 to 36500, or 0 (keep"
            " forever), got -1",
        ),
        ({"outbox_days": "soon"}, "retention.outbox_days: expected an integer, got 'soon'"),
        ({"outbox_days": 40000}, "retention.outbox_days: must be a number of days"),
        ({"interval_hours": 0}, "retention.interval_hours: must be between 0.1 and 168, got 0"),
        ({"body_days": 3}, "retention.body_days: unknown key (known keys here: bodies_days,"),
    ],
)
def test_bad_retention_values_are_one_line_errors(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"retention": table})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------ bodies


def test_old_feed_bodies_go_and_everything_else_stays(store: Store) -> None:
    store.save_articles(
        [
            _article("old", OLD),
            _article("new", RECENT),
            {**_article("seed", OLD), "kind": "seed", "status": "seed"},
            _article("failed", OLD, status="error", reason="analysis failed: boom"),
            _article("waiting", OLD, status="pending"),
        ]
    )
    store.save_claims("old", [{"text": "Acme sued Example over its training data."}])
    rowids = dict(store.db.execute("SELECT id, rowid FROM articles").fetchall())
    before = {r["id"]: r for r in store.articles()}

    result = Retention(store, POLICY, lambda: NOW).run()

    assert result.bodies == 1
    after = {r["id"]: r for r in store.articles()}
    assert after["old"]["body"] is None
    assert after["old"]["body_removed_at"] == NOW.isoformat()
    for aid in ("new", "seed", "failed", "waiting"):
        assert after[aid] == before[aid], f"{aid} changed"
    # every other column of the old article is as it was, under the same rowid
    changed = {k for k in before["old"] if before["old"][k] != after["old"][k]}
    assert changed == {"body", "body_removed_at"}
    assert dict(store.db.execute("SELECT id, rowid FROM articles").fetchall()) == rowids
    assert [c.text for c in store.claims_of("old")] == ["Acme sued Example over its training data."]
    # the index follows: the body's words are gone, the title is still found
    assert _hits(store, "bodywordold") == set()
    assert _hits(store, "bodywordnew") == {"new"}
    assert _hits(store, "headlineold") == {"old"}
    _fts_ok(store)


def test_a_table_whose_rows_would_go_with_an_article_stops_the_pass(store: Store) -> None:
    """The rewrite deletes and inserts a row: a child table with ON DELETE CASCADE would
    lose its rows, so the pass refuses and removes nothing."""
    store.save_articles([_article("old", OLD)])
    store.db.execute(
        "CREATE TABLE notes (article_id TEXT REFERENCES articles(id) ON DELETE CASCADE, note TEXT)"
    )
    store.db.execute("INSERT INTO notes VALUES ('old', 'keep me')")
    with pytest.raises(StoreError, match=r"retention: notes.article_id is ON DELETE CASCADE"):
        Retention(store, POLICY, lambda: NOW).run()
    assert store.get_article("old")["body"] == _body("bodywordold")  # type: ignore[index]
    assert store.db.execute("SELECT note FROM notes").fetchall() == [("keep me",)]


def test_bodies_go_a_bounded_step_at_a_time(store: Store) -> None:
    store.save_articles([_article(f"a{i:02d}", OLD + timedelta(minutes=i)) for i in range(25)])
    cutoff = POLICY.bodies_before(NOW)
    assert cutoff is not None
    steps = [store.remove_bodies(cutoff, NOW, 10) for _ in range(4)]
    assert steps == [10, 10, 5, 0]
    # oldest first: the first step took the ten oldest
    removed = [r["id"] for r in store.articles() if r["body"] is None]
    assert len(removed) == 25
    result = Retention(store, POLICY, lambda: NOW, batch_rows=10).run()
    assert (result.bodies, result.steps) == (0, 0)  # nothing left


def test_a_pass_uses_the_partial_indexes_so_a_step_reads_only_what_it_changes(
    store: Store,
) -> None:
    plans = [
        " ".join(str(r[3]) for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", ["x", 1]))
        for sql in (
            "SELECT rowid FROM articles INDEXED BY idx_articles_body_kept WHERE body IS NOT NULL"
            " AND kind = 'feed' AND seen_at < ? AND status NOT IN ('pending', 'error')"
            " ORDER BY seen_at LIMIT ?",
            "SELECT id FROM outbox INDEXED BY idx_outbox_payload_kept WHERE status IN"
            " ('sent', 'dead') AND payload != '{}' AND created_at < ? ORDER BY id LIMIT ?",
        )
    ]
    assert "idx_articles_body_kept" in plans[0] and "TEMP B-TREE" not in plans[0]
    assert "idx_outbox_payload_kept" in plans[1] and "TEMP B-TREE" not in plans[1]


def test_the_space_freed_is_reused_before_the_file_grows(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "newsbot.db")
    try:
        store.save_articles([_article(f"o{i:03d}", OLD) for i in range(300)])
        Retention(store, POLICY, lambda: NOW).run()
        pages, free, page_size = (
            store.db.execute("PRAGMA page_count").fetchone()[0],
            store.db.execute("PRAGMA freelist_count").fetchone()[0],
            store.db.execute("PRAGMA page_size").fetchone()[0],
        )
        # 300 bodies of 3 KB went: most of their pages are free now (an UPDATE that only
        # shrank the rows would have left that space stranded inside the old pages)
        assert free * page_size > 300 * 3000 * 0.6
        store.save_articles([_article(f"n{i:03d}", RECENT) for i in range(100)])
        assert store.db.execute("PRAGMA page_count").fetchone()[0] == pages
        assert store.db.execute("PRAGMA freelist_count").fetchone()[0] < free
    finally:
        store.close()


# ------------------------------------------------------------------ outbox


def _queue(store: Store, kind: str, aid: str | None, destination: str, at: datetime) -> int:
    store.enqueue(
        kind=kind,
        destination=destination,
        payload={"title": f"alert for {aid}", "text": "x" * 500},
        now=at,
        article_id=aid,
    )
    return int(store.db.execute("SELECT MAX(id) FROM outbox").fetchone()[0])


def _outbox(store: Store) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in store.db["outbox"].rows}


def test_waiting_outbox_rows_are_never_touched_and_finished_ones_shrink(store: Store) -> None:
    waiting = _queue(store, "alert", "a1", "discord", OLD)
    retrying = _queue(store, "alert", "a2", "discord", OLD)
    store.mark_retry(retrying, "429 too many requests", NOW + timedelta(minutes=5))
    in_flight = _queue(store, "alert", "a3", "discord", OLD)
    store.mark_intent([in_flight], NOW)
    notice_waiting = _queue(store, "notice", None, "discord", OLD)
    sent = _queue(store, "alert", "a4", "slack", OLD)
    store.mark_sent(sent, OLD + timedelta(minutes=1), message_ref="1700000000.000100")
    dead = _queue(store, "alert", "a5", "slack", OLD)
    store.mark_dead(dead, "channel_not_found")
    notice_sent = _queue(store, "notice", None, "slack", OLD)
    store.mark_sent(notice_sent, OLD, None)
    sent_recently = _queue(store, "alert", "a6", "slack", RECENT)
    store.mark_sent(sent_recently, RECENT, "1700000000.000200")
    before = _outbox(store)

    result = Retention(store, POLICY, lambda: NOW).run()

    assert (result.payloads, result.notices) == (2, 1)
    after = _outbox(store)
    for mid in (waiting, retrying, in_flight, notice_waiting, sent_recently):
        assert after[mid] == before[mid]
    assert notice_sent not in after
    for mid in (sent, dead):
        assert after[mid]["payload"] == "{}"
        kept = {k: v for k, v in before[mid].items() if k != "payload"}
        assert {k: v for k, v in after[mid].items() if k != "payload"} == kept
    # the row that stays keeps its key: the same alert is never queued a second time
    _queue(store, "alert", "a4", "slack", NOW)
    assert len(_outbox(store)) == len(after)
    assert store.message_refs("a4")[0]["message_ref"] == "1700000000.000100"
    assert store.outbox_length() == 4


def test_status_shows_the_space_in_use_and_free(store: Store) -> None:
    store.save_articles([_article(f"o{i:03d}", OLD) for i in range(100)])
    commands = Commands(store, lambda: NOW)
    used = float(dict(commands.status().facts)["Storage"].split(" MB in use")[0])
    assert used >= 100 * 3000 / 2**20
    Retention(store, POLICY, lambda: NOW).run()
    storage = dict(commands.status().facts)["Storage"]
    left, free = storage.split(" MB in use, ")
    assert float(left) < used and float(free.removesuffix(" MB free")) > 0


# ------------------------------------------------------------------ the commands


def _answers(commands: Commands, store: Store) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for row in store.articles(kind="feed"):
        out[f"why {row['id']}"] = commands.why(row["url"])
        out[f"article {row['id']}"] = commands.article(row["id"])
        if row["story_id"]:
            out[f"story {row['story_id']}"] = commands.story(row["story_id"])
    return out


def test_why_article_and_story_answer_as_before_once_bodies_are_gone(tmp_path: Path) -> None:
    """On a real database of an older release, every answer is the same after retention,
    except that `article` says the text was removed (and keeps the link)."""
    copy = tmp_path / "newsbot.db"
    shutil.copyfile(REPO / "tests" / "data" / "upgrade-0.2.0.db", copy)
    store = Store.open(copy)
    try:
        later = datetime(2028, 1, 1, tzinfo=UTC)  # every article is old by then
        commands = Commands(store, lambda: later)
        before = _answers(commands, store)
        claims = store.db.execute("SELECT * FROM claims ORDER BY id").fetchall()
        titles = {r["id"]: r["title"] for r in store.articles(kind="feed")}

        policy = RetentionPolicy(bodies_days=1, outbox_days=1)
        result = Retention(store, policy, lambda: later).run()

        assert result.bodies == len(titles)
        assert (
            store.db.execute(
                "SELECT COUNT(*) FROM articles WHERE kind = 'feed' AND body IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
        assert store.db.execute("SELECT * FROM claims ORDER BY id").fetchall() == claims
        after = _answers(commands, store)
        assert after.keys() == before.keys()
        for key, answer in after.items():
            if not key.startswith("article "):
                assert answer == before[key], key
                continue
            old = before[key]
            assert (answer.title, answer.text, answer.items) == (old.title, old.text, old.items)
            facts = dict(answer.facts)
            assert facts.pop("Full text").startswith("no longer stored: removed 2028-01-01")
            assert facts == dict(old.facts)
        row = store.articles(kind="feed")[0]
        note = dict(commands.article(row["id"]).facts)["Full text"]
        assert row["url"] in note and "claims, the verdict and the link are kept" in note
        # search still finds every article by its title
        for aid, title in titles.items():
            words = " ".join(title.split()[:4])
            assert aid in _hits(store, words), title
        _fts_ok(store)
    finally:
        store.close()


# ------------------------------------------------------------------ a crash


CHILD = """
import sys
from datetime import datetime
from bot.retention import Retention, RetentionPolicy
from bot.store import Store
store = Store.open(sys.argv[1])
print("ready", flush=True)
now = datetime.fromisoformat(sys.argv[2])
Retention(store, RetentionPolicy(bodies_days=30), lambda: now, batch_rows=20).run()
print("finished", flush=True)
"""


def test_a_crash_mid_pass_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    store = Store.open(path)
    count = 3000
    store.save_articles([_article(f"c{i:04d}", OLD + timedelta(seconds=i)) for i in range(count)])
    for i in range(0, count, 100):
        store.save_claims(f"c{i:04d}", [{"text": f"Claim number {i} about training data."}])
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), NOW.isoformat()],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        watch = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = watch.execute("SELECT COUNT(*) FROM articles WHERE body IS NULL").fetchone()[0]
            if done >= 200:
                break
            time.sleep(0.005)
        watch.close()
        child.send_signal(signal.SIGKILL)  # mid-pass: most of its time is inside a step
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    store = Store.open(path)
    try:
        _fts_ok(store)
        rows = store.articles(kind="feed")
        assert len(rows) == count
        removed = [r for r in rows if r["body"] is None]
        assert 200 <= len(removed) < count, "the kill came after the pass had finished"
        assert len(removed) % 20 == 0  # whole steps only
        for r in rows:
            if r["body"] is None:
                assert r["body_removed_at"] == NOW.isoformat()
            else:
                assert r["body"] == _body(f"bodyword{r['id']}") and r["body_removed_at"] is None
        assert store.count("claims") == count // 100
        kept = next(r["id"] for r in rows if r["body"] is not None)
        assert _hits(store, f"bodyword{kept}") == {kept}
        assert _hits(store, f"bodyword{removed[0]['id']}") == set()
        # the next pass takes up where the crash stopped
        result = Retention(store, RetentionPolicy(bodies_days=30), lambda: NOW).run()
        assert result.bodies == count - len(removed)
        _fts_ok(store)
    finally:
        store.close()


# ------------------------------------------------------------------ in the running bot


class Source:
    def feed_schedules(self) -> list[Any]:
        return []


async def test_the_scheduler_runs_the_pass_and_its_feed_sync_leaves_it_alone() -> None:
    ran: list[datetime] = []

    async def job() -> None:
        ran.append(datetime.now(UTC))

    async def poll(url: str) -> Any:
        raise AssertionError("no feed to poll")

    scheduler = FeedScheduler(
        Source(), poll, lambda: datetime.now(UTC), default_interval_minutes=30, jitter_seconds=0
    )
    scheduler.start()
    try:
        scheduler.add_periodic(
            "retention", job, hours=6, first_run=datetime.now(UTC) + timedelta(seconds=0.2)
        )
        scheduler.sync()  # a feed sync removes the jobs of feeds that are gone; not this one
        assert scheduler.feed_jobs() == {}
        assert scheduler.scheduler.get_job("retention") is not None
        deadline = time.monotonic() + 10
        while not ran and time.monotonic() < deadline:
            await _sleep(0.05)
        assert len(ran) == 1
    finally:
        await scheduler.stop()


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


class FullDisk:
    """A store whose every write fails as a full disk does."""

    def __init__(self) -> None:
        self.calls = 0

    def remove_bodies(self, seen_before: datetime, now: datetime, limit: int) -> int:
        self.calls += 1
        if self.calls > 1:
            raise sqlite3.OperationalError("database or disk is full")
        return limit

    def expire_outbox(self, created_before: datetime, limit: int) -> tuple[int, int]:
        raise AssertionError("not reached")

    def merge_search_index(self, pages: int) -> bool:
        raise AssertionError("not reached")


async def test_a_database_fault_ends_the_scheduled_pass_with_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.retention")
    result = await Retention(FullDisk(), POLICY, lambda: NOW, pause_seconds=0).run_async()
    assert result.bodies == 200 and result.steps == 1
    assert result.error is not None and result.error.startswith("database: disk full")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("retention pass stopped: database: disk full")


async def test_run_once_applies_retention_after_its_cycle(tmp_path: Path) -> None:
    """A bot run from cron (`run --once`) removes what is due, with the real run loop."""
    import io

    from bot.app import run_bot
    from bot.config import Secrets
    from tests.fakes import KeywordAssessor

    database = tmp_path / "newsbot.db"
    store = Store.open(database)
    now = datetime.now(UTC)
    store.save_articles([_article("old", now - timedelta(days=40)), _article("new", now)])
    store.close()
    config = parse_config(
        {
            "bot": {"database": str(database), "seeds_dir": str(REPO / "seeds")},
            "retention": {"bodies_days": 30},
        }
    )
    code = await run_bot(config, Secrets(), KeywordAssessor(), once=True, stdout=io.StringIO())
    assert code == 0
    store = Store.open(database)
    try:
        bodies = {r["id"]: r["body"] for r in store.articles(kind="feed")}
        assert bodies["old"] is None and bodies["new"] == _body("bodywordnew")
    finally:
        store.close()
