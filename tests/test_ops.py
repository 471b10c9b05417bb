"""Health, metrics over real HTTP, and backups of a real SQLite file while it is written to."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import platform
import signal
import socket
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot import __version__
from bot.app import run_bot
from bot.backup import BackupError, backup_database, restore_database
from bot.cli import main
from bot.config import Config, HealthConfig, MetricsConfig, Secrets, parse_config
from bot.errors import ConfigError, NewsbotError
from bot.health import Heartbeat, check_health
from bot.metrics import build_registry
from bot.models import Feed
from bot.monitoring import Monitoring
from bot.pipeline import FeedResult
from bot.store import Store
from tests.conftest import REPO
from tests.fakes import KeywordAssessor
from tests.feedserver import rss, running_feed_server

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "newsbot.db"
    Store.open(path).close()
    return path


def _fill(store: Store) -> None:
    store.sync_feeds(
        [
            Feed(url="https://a.example/feed", name="A", interval_minutes=30, backfill=0),
            Feed(url="https://b.example/feed", name="B", interval_minutes=30, backfill=0),
        ],
        NOW,
    )
    store.update_feed("https://b.example/feed", {"consecutive_failures": 3, "last_error": "x"})
    for n, status in enumerate(["alerted", "alerted", "not_relevant"]):
        store.save_article(
            {"id": f"a{n}", "kind": "feed", "seen_at": NOW.isoformat(), "status": status}
        )
    for n in range(2):
        store.enqueue(kind="alert", article_id=f"a{n}", destination="console", payload={}, now=NOW)
    first = store.due_messages("console", NOW)[0]
    store.mark_sent(first["id"], NOW)


# ------------------------------------------------------------------ health


def test_health_of_a_database_the_bot_never_ran_on(tmp_path: Path) -> None:
    report = check_health(_db(tmp_path), NOW, max_age_seconds=60)
    assert not report.healthy
    assert "no heartbeat yet" in report.summary()


def test_health_and_backup_of_a_database_in_a_folder_with_uri_characters(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "odd ?#% name"
    folder.mkdir()
    path = _db(folder)
    store = Store.open(path)
    Heartbeat(store, Clock(), interval_seconds=30).beat()
    store.close()
    assert check_health(path, NOW, max_age_seconds=60).healthy
    assert backup_database(path, folder / "copy.db", NOW).path.exists()


def test_health_of_a_missing_database(tmp_path: Path) -> None:
    report = check_health(tmp_path / "nope.db", NOW, max_age_seconds=60)
    assert not report.healthy and "does not exist" in report.summary()
    assert not (tmp_path / "nope.db").exists()  # checking never creates a database


def test_health_of_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    report = check_health(path, NOW, max_age_seconds=60)
    assert not report.healthy
    assert report.summary().startswith("unhealthy: database: corrupt (file is not a database)")
    assert "newsbot restore" in report.summary()


def test_fresh_heartbeat_is_healthy_and_stale_one_is_not(tmp_path: Path) -> None:
    path = _db(tmp_path)
    store = Store.open(path)
    _fill(store)
    clock = Clock()
    beat = Heartbeat(store, clock, interval_seconds=30)
    beat.beat()
    report = check_health(path, NOW + timedelta(seconds=20), max_age_seconds=60)
    assert report.healthy, report.summary()
    assert (report.feeds, report.feeds_failing, report.outbox_pending) == (2, 1, 1)
    assert report.summary().startswith("healthy: heartbeat 20s ago, 2 feeds (1 failing)")
    stale = check_health(path, NOW + timedelta(seconds=61), max_age_seconds=60)
    assert not stale.healthy and "61s ago" in stale.summary()
    # The next beat makes it fresh again.
    clock.now = NOW + timedelta(seconds=61)
    beat.beat()
    assert check_health(path, clock.now, max_age_seconds=60).healthy
    beat.close()
    stopped = check_health(path, clock.now, max_age_seconds=60)
    assert not stopped.healthy and "stopped" in stopped.summary()
    store.close()


def test_health_command_exit_codes_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _db(tmp_path)
    assert main(["--db", str(path), "health"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: no heartbeat yet")
    store = Store.open(path)
    Heartbeat(store, lambda: datetime.now(UTC), interval_seconds=30).beat()
    store.close()
    assert main(["--db", str(path), "health", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"healthy": true' in out and '"feeds": 0' in out


def test_health_config_is_validated() -> None:
    config = parse_config({"health": {"heartbeat_seconds": 10, "max_age_seconds": 45}})
    assert config.health == HealthConfig(heartbeat_seconds=10, max_age_seconds=45)
    with pytest.raises(ConfigError, match=r"health.max_age_seconds: must be at least twice"):
        parse_config({"health": {"heartbeat_seconds": 60, "max_age_seconds": 90}})
    with pytest.raises(ConfigError, match=r"metrics.port: must be between 0 and 65535"):
        parse_config({"metrics": {"port": 70000}})
    with pytest.raises(ConfigError, match=r"metrics.enabled: expected true or false"):
        parse_config({"metrics": {"enabled": "yes"}})


# ------------------------------------------------------------------ metrics


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics:\n{text}")


async def test_metrics_and_healthz_over_real_http(tmp_path: Path) -> None:
    path = _db(tmp_path)
    store = Store.open(path)
    _fill(store)
    config = Config(metrics=MetricsConfig(enabled=True, host="127.0.0.1", port=0))
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, database=path))
    clock = Clock()
    ops = Monitoring(config, store, clock)

    async def poll(url: str) -> FeedResult:
        ok = "good" in url
        return FeedResult(url, ok=ok, error=None if ok else "HTTP 500")

    timed = ops.timed(poll)
    await ops.start()
    try:
        assert ops.server is not None and ops.server.port
        await timed("https://good.example/feed")
        await timed("https://bad.example/feed")
        base = f"http://127.0.0.1:{ops.server.port}"
        async with httpx.AsyncClient() as client:
            metrics = await client.get(f"{base}/metrics")
            healthy = await client.get(f"{base}/healthz")
            clock.now = NOW + timedelta(hours=1)  # the heartbeat has not moved since
            stale = await client.get(f"{base}/healthz")
            missing = await client.get(f"{base}/nothing-here")
    finally:
        await ops.stop()
        store.close()
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert _value(text, "newsbot_database_up") == 1
    assert _value(text, "newsbot_feeds") == 2
    assert _value(text, "newsbot_feeds_failing") == 1
    assert _value(text, "newsbot_items_seen_total") == 3
    assert _value(text, 'newsbot_alerts_sent_total{destination="console"}') == 1
    assert _value(text, 'newsbot_outbox_pending{destination="console"}') == 1
    assert _value(text, 'newsbot_articles{status="alerted"}') == 2
    assert _value(text, 'newsbot_polls_total{outcome="ok"}') == 1
    assert _value(text, 'newsbot_polls_total{outcome="error"}') == 1
    assert _value(text, "newsbot_poll_duration_seconds_count") == 2
    build = f'newsbot_build_info{{python="{platform.python_version()}",version="{__version__}"}}'
    assert _value(text, build) == 1
    assert healthy.status_code == 200 and healthy.json()["healthy"] is True
    assert stale.status_code == 503 and "last heartbeat" in stale.json()["problems"][0]
    assert missing.status_code == 404
    # A clean stop is recorded for `newsbot health`.
    assert "stopped" in check_health(path, NOW, max_age_seconds=60).summary()


async def test_metrics_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    path = _db(tmp_path)
    store = Store.open(path)
    first = Monitoring(_metrics_config(path, 0), store, Clock())
    await first.start()
    assert first.server is not None and first.server.port
    second = Monitoring(_metrics_config(path, first.server.port), store, Clock())
    try:
        with pytest.raises(NewsbotError, match=r"metrics: cannot listen on 127.0.0.1:\d+"):
            await second.start()
    finally:
        await first.stop()
        store.close()


def _metrics_config(path: Path, port: int) -> Config:
    config = Config(metrics=MetricsConfig(enabled=True, host="127.0.0.1", port=port))
    return dataclasses.replace(config, bot=dataclasses.replace(config.bot, database=path))


def test_metrics_say_so_when_the_database_is_unreadable(tmp_path: Path) -> None:
    from prometheus_client.exposition import generate_latest

    registry, _ = build_registry(tmp_path / "missing.db")
    text = generate_latest(registry).decode()
    assert _value(text, "newsbot_database_up") == 0
    assert f'version="{__version__}"' in text  # what is running, even without a database
    assert "newsbot_feeds " not in text
    assert _value(text, 'newsbot_polls_total{outcome="ok"}') == 0


# ------------------------------------------------------------------ backup and restore


def test_backup_while_the_bot_writes(tmp_path: Path) -> None:
    path = _db(tmp_path)
    store = Store.open(path)
    for n in range(200):
        store.save_article(
            {"id": f"pre{n}", "kind": "feed", "seen_at": NOW.isoformat(), "body": "x" * 2000}
        )
    before = store.count("articles")
    stop = threading.Event()
    errors: list[BaseException] = []
    written: list[int] = []

    def writer() -> None:  # the running bot, on its own connection
        own = Store.open(path)
        n = 0
        try:
            while not stop.is_set():
                with own.transaction():
                    own.save_article({"id": f"live{n}", "kind": "feed", "seen_at": NOW.isoformat()})
                    own.enqueue(
                        kind="alert",
                        article_id=f"live{n}",
                        destination="console",
                        payload={"n": n},
                        now=NOW,
                    )
                n += 1
                written.append(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:  # make sure writes are under way when the backup starts
            threading.Event().wait(0.01)
        results = [backup_database(path, tmp_path / "backups" / f"b{i}.db", NOW) for i in range(3)]
    finally:
        stop.set()
        thread.join()
    store.close()
    assert not errors, errors
    for result in results:
        copy = sqlite3.connect(result.path)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        articles = copy.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        # One consistent snapshot: every article written live has its outbox row, and back.
        live = copy.execute("SELECT COUNT(*) FROM articles WHERE id LIKE 'live%'").fetchone()[0]
        queued = copy.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        copy.close()
        assert before <= articles == result.articles
        assert live == queued >= 20
        assert not Path(f"{result.path}-wal").exists()
    assert not list((tmp_path / "backups").glob(".*partial"))
    # The backup opens as a normal database, already migrated.
    restored = Store.open(results[-1].path)
    assert restored.count("articles") == results[-1].articles
    restored.close()


def test_backup_into_a_folder_names_the_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _db(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = backup_database(path, folder, NOW)
    assert result.path == folder / "newsbot-20260105T120000Z.db"
    with pytest.raises(BackupError, match="already exists"):
        backup_database(path, folder, NOW)
    assert backup_database(path, folder, NOW, overwrite=True).path == result.path
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(tmp_path / "none.db", folder, NOW)
    # A folder that does not exist yet, written with a trailing slash, is created.
    fresh = backup_database(path, f"{tmp_path}/new-folder/", NOW)
    assert fresh.path == tmp_path / "new-folder" / "newsbot-20260105T120000Z.db"
    with pytest.raises(BackupError, match="cannot overwrite the database itself"):
        backup_database(path, path, NOW, overwrite=True)


def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _db(tmp_path)
    store = Store.open(path)
    _fill(store)
    store.close()
    target = tmp_path / "copy.db"
    assert main(["--db", str(path), "backup", str(target)]) == 0
    assert "backup written" in capsys.readouterr().out
    assert main(["--db", str(path), "backup", f"{tmp_path}/backups/"]) == 0
    assert len(list((tmp_path / "backups").glob("newsbot-*.db"))) == 1
    # Lose everything, then restore.
    store = Store.open(path)
    store.db.execute("DELETE FROM outbox")
    store.db.execute("DELETE FROM articles")
    store.close()
    assert main(["--db", str(path), "restore", str(target)]) == 0
    out = capsys.readouterr().out
    assert "3 articles" in out and "previous database was kept" in out
    store = Store.open(path)
    assert store.count("articles") == 3
    store.close()
    assert list(tmp_path.glob("data/newsbot.db.before-restore-*"))


def test_restore_refuses_while_the_bot_runs_and_rejects_junk(tmp_path: Path) -> None:
    path = _db(tmp_path)
    backup = backup_database(path, tmp_path / "b.db", NOW).path
    store = Store.open(path)
    Heartbeat(store, Clock(), interval_seconds=30).beat()
    store.close()
    with pytest.raises(BackupError, match="stop it first"):
        restore_database(backup, path, NOW + timedelta(seconds=5), max_age_seconds=60)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 200)
    with pytest.raises(BackupError, match="not a usable newsbot backup"):
        restore_database(junk, path, NOW + timedelta(hours=1), max_age_seconds=60)
    # Nothing was touched.
    assert not list(tmp_path.glob("data/*.before-restore-*"))


def test_backup_command_reports_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "backup", str(tmp_path / "x.db")]) == 1
    assert "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------ the running bot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_running_bot_beats_serves_metrics_and_records_its_stop(tmp_path: Path) -> None:
    port = _free_port()
    database = tmp_path / "db.sqlite"
    with running_feed_server() as server:
        url = server.serve(
            "/ai.xml",
            rss(("Authors sue over training", "https://n.example/1", "Authors sued over it.")),
        )
        config = parse_config(
            {
                "bot": {"database": str(database), "seeds_dir": str(REPO / "seeds")},
                "polling": {"jitter_seconds": 0},
                "fetch": {"allow_private_addresses": True},
                "full_text": {"enabled": False},
                "health": {"heartbeat_seconds": 1, "max_age_seconds": 30},
                "metrics": {"enabled": True, "host": "127.0.0.1", "port": port},
                "feeds": [{"url": url, "backfill": 5}],
            }
        )
        out = io.StringIO()
        running = asyncio.create_task(
            run_bot(config, Secrets(), KeywordAssessor(), once=False, stdout=out)
        )
        text = ""
        async with httpx.AsyncClient() as client:
            for _ in range(200):  # until the scheduled first poll has been counted
                await asyncio.sleep(0.05)
                assert not running.done(), running
                try:
                    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                except httpx.TransportError:
                    continue
                if 'newsbot_polls_total{outcome="ok"} 1.0' in text:
                    break
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        for _ in range(200):  # the alert goes out through the delivery loop
            if "NEW: Authors sue over training" in out.getvalue():
                break
            await asyncio.sleep(0.02)
        assert check_health(database, datetime.now(UTC), max_age_seconds=30).healthy
        os.kill(os.getpid(), signal.SIGTERM)  # the bot's own handler takes it
        assert await asyncio.wait_for(running, 10) == 0
    assert _value(text, 'newsbot_polls_total{outcome="ok"}') == 1
    assert _value(text, "newsbot_items_seen_total") == 1
    assert health.status_code == 200
    assert out.getvalue().count("NEW: Authors sue over training") == 1
    assert "stopped" in check_health(database, datetime.now(UTC), max_age_seconds=30).summary()


def test_a_folder_where_the_config_file_should_be_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").mkdir()  # what `docker compose up` leaves without the file
    assert main(["--config", str(tmp_path / "config.toml"), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "is a folder, not a file" in err and "copy config.example.toml" in err


def test_heartbeat_never_makes_the_bot_s_own_writes_fail(tmp_path: Path) -> None:
    """A transaction that reads, then writes, while heartbeats land: no "database is locked"."""
    store = Store.open(_db(tmp_path))
    beat = Heartbeat(store, Clock(), interval_seconds=1)
    errors: list[BaseException] = []
    done = threading.Event()

    def beating() -> None:
        try:
            while not done.is_set():
                beat.beat()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=beating)
    thread.start()
    try:
        for n in range(200):
            with store.transaction():
                store.has_article(f"x{n}")  # the read that starts the snapshot
                store.save_article({"id": f"x{n}", "kind": "feed", "seen_at": NOW.isoformat()})
    finally:
        done.set()
        thread.join()
        store.close()
    assert not errors, errors
