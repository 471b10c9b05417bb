"""Disk full and corruption: one clear line, the right health answer, recovery when the
cause is gone. The disk fills up for real SQLite through `PRAGMA max_page_count` on the
bot's own connection; corruption is bytes overwritten in the middle of a database file."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.chat.base import OutgoingMessage
from bot.chat.delivery import Delivery
from bot.cli import main
from bot.feeds.fetch import Fetcher, FetchSettings
from bot.health import Heartbeat, check_health
from bot.pipeline import Pipeline
from bot.store import Store
from bot.store.faults import StorageStatus, describe
from bot.store.lock import InstanceLock
from tests.conftest import REPO
from tests.fakes import KeywordAssessor
from tests.feedserver import rss, running_feed_server

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
STORY = (
    "Authors sue over training",
    "https://news.example/a",
    "Authors filed a suit over training data on Monday in a federal court. " * 200,
)  # long enough that storing it needs new pages


def fill_the_disk(store: Store) -> None:
    """No page more than the database has now: every insert fails with SQLITE_FULL."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")


def make_room(store: Store) -> None:
    store.db.execute("PRAGMA max_page_count = 1073741823")


def corrupt_the_middle(path: Path, pages: int = 8) -> None:
    """Overwrite `pages` pages (of the database's page size) in the middle of the file."""
    with path.open("r+b") as f:
        f.seek(16)
        page = int.from_bytes(f.read(2), "big")
        page = 65536 if page == 1 else page
        size = f.seek(0, 2)
        f.seek((size // 2) // page * page)
        f.write(b"\xa5" * page * pages)


def corrupt_the_articles(path: Path) -> None:
    """Overwrite the root pages of the articles table and of every index on it, so any
    read of the articles fails, wherever the file's other pages happen to lie."""
    with closing(sqlite3.connect(path)) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            r[0]
            for r in conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'articles' AND rootpage > 0"
            )
        ]
    with path.open("r+b") as f:
        for root in roots:
            f.seek((root - 1) * page)
            f.write(b"\xa5" * page)


def test_faults_are_named_from_real_sqlite_errors(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "full.db")
    fill_the_disk(store)
    with pytest.raises(sqlite3.Error) as full:
        store.db.execute(
            "INSERT INTO articles (id, kind, seen_at, status, body) VALUES (?, ?, ?, ?, ?)",
            ["x", "feed", "t", "recorded", "b" * 50_000],
        )
    store.close()
    assert describe(full.value).kind == "full"
    assert describe(full.value).line == "database: disk full (database or disk is full)"

    path = tmp_path / "corrupt.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(f"row {n} " * 40,) for n in range(3000)])
    conn.commit()
    conn.close()
    corrupt_the_middle(path)
    with pytest.raises(sqlite3.Error) as corrupt, sqlite3.connect(path) as conn:
        conn.execute("SELECT COUNT(*), MAX(x) FROM t").fetchone()
    fault = describe(corrupt.value)
    assert fault.kind == "corrupt"
    assert fault.line == (
        "database: corrupt (database disk image is malformed);"
        " restore a backup with `newsbot restore BACKUP`"
    )


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def test_disk_full_polls_wait_one_line_then_recover_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "newsbot.db"
    lock = InstanceLock.acquire(database)
    store = Store.open(database)
    clock = Clock()
    storage = StorageStatus(clock, lock.write_status)
    heartbeat = Heartbeat(store, clock, interval_seconds=30, storage=storage)
    with running_feed_server() as server:
        url = server.serve("/feed.xml", rss(STORY))
        store.add_feed(url, now=NOW, name="Example", interval_minutes=30)
        store.update_feed(url, {"first_poll_done": 1})
        heartbeat.beat()
        async with httpx.AsyncClient() as client:
            pipeline = Pipeline(
                store,
                Fetcher(client, FetchSettings(max_body_bytes=100_000)),
                KeywordAssessor(),
                ["console"],
                clock,
                storage=storage,
            )
            fill_the_disk(store)
            caplog.set_level(logging.INFO)
            failed = await pipeline.poll_feed(url)
            again = await pipeline.poll_feed(url)  # while it is known to fail: no fetch

            # The cause is named, by `health` too, although the heartbeat is stale by now.
            clock.now = NOW + timedelta(minutes=10)
            during = check_health(database, clock.now, max_age_seconds=180)

            make_room(store)
            beating = asyncio.create_task(heartbeat.run())
            for _ in range(100):
                if storage.fault is None:
                    break
                await asyncio.sleep(0.05)
            beating.cancel()
            recovered = await pipeline.poll_feed(url)
            after = check_health(database, clock.now, max_age_seconds=180)
        fetches = server.count("/feed.xml")
    store.close()
    lock.release()

    assert not failed.ok and failed.error == "database: disk full (database or disk is full)"
    assert failed.next_check_at is not None
    assert failed.next_check_at - NOW <= timedelta(seconds=15)  # tried again soon
    assert again.error == failed.error
    assert fetches == 2  # the poll during the fault did not fetch; the one after did
    assert during.summary() == "unhealthy: database: disk full (database or disk is full)"
    assert recovered.ok and recovered.new_articles == 1
    assert after.healthy, after.summary()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "database: disk full (database or disk is full); polls and deliveries wait until it works"
    ]
    assert not any(r.exc_info for r in caplog.records)  # no traceback
    assert any("writing works again" in r.getMessage() for r in caplog.records)


class Recording:
    """A destination that cannot look back (like a webhook): records what it was sent."""

    name = "hook"

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: OutgoingMessage) -> str | None:
        self.sent.append(message.id)
        return None


async def test_a_send_the_full_disk_could_not_record_is_never_sent_again(
    store: Store,
) -> None:
    for n in range(3):
        store.enqueue(kind="notice", destination="hook", payload={"text": f"n{n}"}, now=NOW)
    # The disk fills up between the send and its record (a real SQLite error, raised by
    # a trigger at exactly that moment).
    store.db.execute(
        "CREATE TRIGGER full BEFORE UPDATE OF status ON outbox WHEN NEW.status = 'sent'"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    clock = Clock()
    storage = StorageStatus(clock)
    hook = Recording()
    delivery = Delivery(store, [hook], clock, storage=storage)
    report = await delivery.deliver_due()
    assert hook.sent == [1] and report.failed == 1
    assert storage.fault is not None and storage.fault.kind == "full"
    assert (await delivery.deliver_due()).sent == 0  # waits while the disk is full

    store.db.execute("DROP TRIGGER full")
    storage.succeeded()
    clock.now += timedelta(seconds=5)
    for _ in range(3):
        await delivery.deliver_due()
    assert hook.sent == [1, 2, 3]  # 1 was recorded, not sent again
    assert store.outbox_length("hook") == 0


def test_run_once_on_a_corrupt_database_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database holds a feed's 400 items; then its middle is overwritten."""
    database = tmp_path / "newsbot.db"
    with running_feed_server() as server:
        items = [(f"Item {n}", f"https://news.example/{n}", "Text " * 30) for n in range(400)]
        url = server.serve("/feed.xml", rss(*items))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{database}"\nseeds_dir = "{REPO / "seeds"}"\n'
            '[console]\nenabled = "never"\n'
            "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
            f'[[feeds]]\nurl = "{url}"\n'
        )
        assert main(["--config", str(config), "run", "--once"]) == 0
        corrupt_the_middle(database, pages=database.stat().st_size // 16384 // 2)  # to the end
        capsys.readouterr()
        server.serve("/feed.xml", rss(("Item new", "https://news.example/new", "x"), *items))
        code = main(["--config", str(config), "run", "--once"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.splitlines()[-1] == (
        "newsbot: database: corrupt (database disk image is malformed);"
        " restore a backup with `newsbot restore BACKUP`"
    )
    assert "Traceback" not in err and "unexpectedly" not in err


async def test_healthz_and_metrics_agree_on_a_corrupt_copy(tmp_path: Path) -> None:
    import dataclasses

    from bot.config import Config, MetricsConfig
    from bot.monitoring import Monitoring

    database = tmp_path / "copy.db"
    with closing(Store.open(database)) as store:
        store.save_articles(
            [
                {"id": f"a{n}", "kind": "feed", "seen_at": "t", "status": "recorded"}
                | {"title": f"Article {n}", "body": "Text of the article. " * 40}
                for n in range(600)
            ]
        )
    corrupt_the_articles(database)
    config = Config(metrics=MetricsConfig(enabled=True, host="127.0.0.1", port=0))
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, database=database))
    lock = InstanceLock.acquire(database)
    store = Store.open(database)
    clock = Clock()
    ops = Monitoring(config, store, clock, StorageStatus(clock, lock.write_status))
    await ops.start()
    try:
        assert ops.server is not None
        base = f"http://127.0.0.1:{ops.server.port}"
        async with httpx.AsyncClient() as client:
            healthz = await client.get(f"{base}/healthz")
            metrics = await client.get(f"{base}/metrics")
    finally:
        await ops.stop()
        store.close()
        lock.release()
    assert "newsbot_database_up 0.0" in metrics.text
    assert healthz.status_code == 503
    assert healthz.json()["problems"] == [
        "database: corrupt (database disk image is malformed);"
        " restore a backup with `newsbot restore BACKUP`"
    ]


async def test_a_write_error_that_ends_the_transaction_is_reported_as_itself(
    store: Store,
) -> None:
    """After an I/O error SQLite rolls the whole transaction back, and the group commit's
    COMMIT then fails with "no transaction is active": the poll must hear the cause."""
    from bot.store.batch import BatchWriter

    def job() -> None:
        store.db.conn.execute("ROLLBACK")  # what SQLite itself does after an I/O error
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        await BatchWriter(store).run(job)


async def test_when_the_database_works_again_waiting_feeds_are_polled_at_once(
    store: Store,
) -> None:
    from bot.scheduler import FeedScheduler

    def now() -> datetime:
        return datetime.now(UTC)

    urls = [f"https://{n}.example/feed" for n in range(3)]
    for url in urls:
        store.add_feed(url, now=NOW, interval_minutes=30)

    class Waiting:
        """Every poll waits for the database, as the pipeline's do during a fault."""

        next_check_at = now() + timedelta(seconds=12)

    async def poll(url: str) -> Waiting:
        return Waiting()

    scheduler = FeedScheduler(store, poll, now, default_interval_minutes=30, jitter_seconds=60)
    storage = StorageStatus(now)
    storage.on_recovered.append(lambda: scheduler.poll_soon(urls))
    scheduler.start()
    try:
        for url in urls:
            await scheduler._poll_then_reschedule(url)
        waiting = scheduler.feed_jobs()
        storage.failed(sqlite3.OperationalError("database or disk is full"))
        storage.succeeded()
        soon = scheduler.feed_jobs()
    finally:
        await scheduler.stop()
    for url in urls:
        wait = waiting[url]
        assert wait is not None  # 12 s, plus at most a quarter of that as jitter (not 60 s)
        assert Waiting.next_check_at <= wait <= Waiting.next_check_at + timedelta(seconds=3)
        again = soon[url]
        assert again is not None and again <= now() + timedelta(seconds=1)
