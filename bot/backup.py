"""Backups and restores of the SQLite database, safe while the bot is running.

A backup uses SQLite's online backup API over a read-only connection: it copies one
consistent snapshot while the bot keeps writing (WAL readers never block the writer),
turns the copy into a single self-contained file, checks it, and only then moves it into
place. A restore checks the backup, refuses while the bot is alive, and keeps the current
database beside it instead of deleting it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import NewsbotError
from bot.health import check_health, read_only
from bot.store.bodies import register as register_bodies
from bot.store.lock import running_bot


class BackupError(NewsbotError):
    """A backup or restore that could not be done; nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    articles: int
    seconds: float


def backup_target(target: Path | str, now: datetime) -> Path:
    """A folder (existing, or written with a trailing slash) gets a timestamped file name."""
    path = Path(target)
    if path.is_dir() or str(target).endswith(("/", os.sep)):
        return path / f"newsbot-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.db"
    return path


def backup_database(
    source: Path, target: Path | str, now: datetime, *, overwrite: bool = False
) -> BackupResult:
    """Copy the live database at `source` to `target` (a file, or a folder: see backup_target).

    Pass a folder that does not exist yet as a string ending in "/".
    """
    started = time.perf_counter()
    if not source.is_file():
        raise BackupError(f"database {source} does not exist")
    final = backup_target(target, now)
    if final.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the database itself")
    if final.exists() and not overwrite:
        raise BackupError(f"{final} already exists (choose another name, or --force)")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {final.parent}: {exc.strerror}") from None
    partial = final.with_name(f".{final.name}.partial")
    try:
        with read_only(source) as src:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
                _check_integrity(dst, partial)
                articles = int(dst.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
            finally:
                dst.close()
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, final)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup of {source} failed: {exc}") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write {final}: {exc.strerror or exc}") from None
    return BackupResult(
        final, final.stat().st_size, articles, round(time.perf_counter() - started, 3)
    )


@dataclass(frozen=True)
class RestoreResult:
    restored: Path
    previous: Path | None
    articles: int


def restore_database(
    backup: Path, database: Path, now: datetime, *, max_age_seconds: float
) -> RestoreResult:
    """Put `backup` in place of `database`; the bot must be stopped first.

    The current database (with its -wal and -shm files) is moved aside to
    `<name>.before-restore-<time>` rather than deleted.
    """
    if not backup.is_file():
        raise BackupError(f"backup {backup} does not exist")
    try:
        with read_only(backup) as conn:
            _check_integrity(conn, backup)
            articles = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.Error as exc:
        raise BackupError(f"{backup} is not a usable newsbot backup: {exc}") from None
    previous: Path | None = None
    holder = running_bot(database)
    if holder is not None:
        raise BackupError(
            f"a newsbot (pid {holder.pid}) is running on this database; stop it first"
        )
    if database.exists():
        report = check_health(database, now, max_age_seconds=max_age_seconds)
        if report.healthy:
            raise BackupError(
                "the bot is running on this database (its heartbeat is fresh); stop it first"
            )
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        previous = database.with_name(f"{database.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            current = Path(f"{database}{suffix}")
            if current.exists():
                os.replace(current, Path(f"{previous}{suffix}"))
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_name(f".{database.name}.restoring")
    shutil.copyfile(backup, partial)
    os.replace(partial, database)
    return RestoreResult(database, previous, articles)


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    # SQLite 3.44+ checks FTS5 indexes too, whose content view unpacks bodies (m050)
    register_bodies(conn)
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        problems = "; ".join(str(r[0]) for r in rows[:3])
        raise BackupError(f"{path} failed the integrity check: {problems}")
