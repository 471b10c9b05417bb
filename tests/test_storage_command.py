"""`newsbot storage` on real database files: the report (human and JSON), the dry run of
retention, `--apply` and `--vacuum`, and one-line errors with their exit codes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.store import Store
from bot.store.lock import InstanceLock
from bot.store.usage import database_usage
from tests.conftest import REPO

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=100)


def _config(tmp_path: Path, bodies_days: int = 30, outbox_days: int = 30) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "newsbot.db"\n'
        f"[retention]\nbodies_days = {bodies_days}\noutbox_days = {outbox_days}\n"
    )
    return path


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "newsbot.db"
    store = Store.open(path)
    rows = []
    for i in range(60):
        seen = OLD if i < 40 else NOW
        rows.append(
            {
                "id": f"a{i}",
                "kind": "feed",
                "url": f"https://n.example/{i}",
                "title": f"Article {i}",
                "seen_at": seen.isoformat(),
                "body": f"text{i} " * 500,
                "status": "alerted",
            }
        )
    rows.append(
        {"id": "s", "kind": "seed", "title": "Seed", "seen_at": OLD.isoformat(), "body": "x" * 99}
    )
    store.save_articles(rows)
    for i in range(10):
        store.enqueue(
            kind="alert",
            destination="discord",
            payload={"text": "y" * 1000},
            now=OLD,
            article_id=f"a{i}",
        )
    ids = [r[0] for r in store.db.execute("SELECT id FROM outbox ORDER BY id").fetchall()]
    for mid in ids[:6]:
        store.mark_sent(mid, OLD, "m")
    store.close()
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_report_says_what_the_database_holds_and_what_retention_would_free(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(tmp_path)
    size = db.stat().st_size
    code, out, err = _run(["storage", "--config", str(_config(tmp_path)), "--json"], capsys)
    assert (code, err) == (0, "")
    report: dict[str, Any] = json.loads(out)
    assert report["feed_articles"] == 60 and report["seed_articles"] == 1
    assert (report["bodies_kept"], report["bodies_removed"]) == (60, 0)
    assert report["outbox_rows"] == 10 and report["outbox_waiting"] == 4
    assert report["oldest_seen"] == OLD.isoformat() and report["newest_seen"] == NOW.isoformat()
    would = report["would_free"]
    assert would["bodies"] == 40 and would["body_bytes"] == sum(
        len(f"text{i} " * 500) for i in range(40)
    )
    assert would["payloads"] == 6 and would["notices"] == 0
    assert would["total_bytes"] > would["body_bytes"]
    parts = {p["name"]: p for p in report["parts"]}
    assert parts["articles"]["rows"] == 61 and parts["articles"]["bytes"] > 60 * 3000
    assert parts["articles_fts"]["kind"] == "search index" and parts["articles_fts"]["rows"] == 61
    assert parts["idx_articles_seen_at"]["kind"] == "index"
    assert parts["idx_articles_seen_at"]["table"] == "articles"
    assert report["pages"] * report["page_size"] >= size
    assert report["applied"] is None
    # a report writes nothing
    assert db.stat().st_size == size and not list(tmp_path.glob("*.bak"))

    code, out, _ = _run(["storage", "--config", str(_config(tmp_path))], capsys)
    assert code == 0
    assert "articles: 60 from feeds, 1 seeds; feed bodies kept 60, removed 0" in out
    assert "would free now: about " in out
    assert "    40 article bodies: 131.8 KB of text and about " in out
    assert "    6 outbox payloads: 5.9 KB; 0 old notices" in out
    assert "  articles primary key " in out
    assert "articles_fts (search index)" in out


def test_apply_removes_what_the_report_said_and_vacuum_shrinks_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(tmp_path)
    config = str(_config(tmp_path))
    code, out, _ = _run(["storage", "--config", config, "--apply", "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["applied"]["bodies"] == 40 and report["applied"]["payloads"] == 6
    assert (report["bodies_kept"], report["bodies_removed"]) == (20, 40)
    assert report["would_free"]["bodies"] == 0 and report["would_free"]["payloads"] == 0
    assert report["free_pages"] > 0
    before = db.stat().st_size + Path(f"{db}-wal").stat().st_size
    code, out, _ = _run(["storage", "--config", config, "--vacuum"], capsys)
    assert code == 0 and out.startswith("vacuum: ")
    assert db.stat().st_size < before
    code, out, _ = _run(["storage", "--config", config, "--json"], capsys)
    assert json.loads(out)["free_pages"] == 0


def test_with_everything_kept_the_report_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _database(tmp_path)
    config = str(_config(tmp_path, bodies_days=0, outbox_days=0))
    code, out, _ = _run(["storage", "--config", config], capsys)
    assert code == 0 and "keeps everything: nothing to free" in out


def test_apply_refuses_while_a_bot_runs_on_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(tmp_path)
    lock = InstanceLock.acquire(db)
    try:
        code, out, err = _run(["storage", "--config", str(_config(tmp_path)), "--apply"], capsys)
    finally:
        lock.release()
    assert (code, out) == (1, "")
    assert err == (
        f"newsbot: database: another newsbot (pid {os.getpid()}) is running on {db};"
        " stop it first\n"
    )
    store = Store.open(db)
    try:  # nothing was removed
        assert (
            store.db.execute("SELECT COUNT(*) FROM articles WHERE body IS NULL").fetchone()[0] == 0
        )
    finally:
        store.close()


def test_a_missing_database_is_one_line_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "newsbot.db"
    for extra in ([], ["--apply"]):
        code, out, err = _run(["storage", "--db", str(missing), *extra], capsys)
        assert (code, out) == (1, "")
        assert err == (
            f"newsbot: database: {missing} does not exist (the bot creates it on its first"
            " start; pass --db or set bot.database)\n"
        )
    assert not missing.parent.exists()


def test_a_file_that_is_no_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 300)
    code, out, err = _run(["storage", "--db", str(junk)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("newsbot: database: corrupt") and err.count("\n") == 1


def test_a_bad_option_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["storage", "--keep", "3"])
    assert caught.value.code == 2


def test_the_report_reads_an_older_database_without_upgrading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "newsbot.db"
    shutil.copyfile(REPO / "tests" / "data" / "upgrade-0.2.0.db", copy)
    before = copy.read_bytes()
    config = str(_config(tmp_path, bodies_days=1))  # its articles were fetched 2026-11-20
    code, out, err = _run(["storage", "--config", config, "--json"], capsys)
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["feed_articles"] == 7 and report["bodies_removed"] == 0
    assert report["would_free"]["bodies"] == 7
    assert copy.read_bytes() == before and not list(tmp_path.glob("*.bak"))


class NoDbstat:
    """A connection to a real database whose SQLite lacks the dbstat table."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        if "dbstat" in sql:
            raise sqlite3.OperationalError("no such table: dbstat")
        return self._conn.execute(sql, args)


def test_without_dbstat_the_report_gives_row_counts_only(tmp_path: Path) -> None:
    db = _database(tmp_path)
    conn = sqlite3.connect(db)
    try:
        usage = database_usage(
            NoDbstat(conn),  # type: ignore[arg-type]
            db,
            bodies_before=NOW - timedelta(days=30),
            outbox_before=None,
        )
    finally:
        conn.close()
    assert not usage.per_part_sizes
    parts = {p.name: p for p in usage.parts}
    assert parts["articles"].rows == 61 and parts["articles"].bytes is None
    assert parts["outbox"].rows == 10
    assert parts["idx_articles_url"].rows is None
    assert usage.would_free.bodies == 40 and usage.pages > 0
