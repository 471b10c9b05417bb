"""Before a schema migration touches an existing database, keep a copy of it beside it.

The store calls `prepare_upgrade` when it opens a file: a database written by an older
newsbot (some migrations applied, some pending) is first copied with the online backup
(bot.backup) to `<name>.pre-upgrade-<UTC time>.bak` in the same folder; only the newest
`keep` such copies are kept. A database written by a newer newsbot (migrations this code
does not know) is refused, since running old code on it could lose data.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database, Migrations

from bot.errors import StoreError
from bot.store.faults import describe

log = logging.getLogger(__name__)

KEEP_UPGRADE_BACKUPS = 3
SUFFIX = ".bak"


@dataclass(frozen=True)
class UpgradePlan:
    """What opening a database will migrate: nothing for a new or current database."""

    applied: tuple[str, ...]
    pending: tuple[str, ...]

    @property
    def upgrades(self) -> bool:
        """True for an existing database that the code's migrations will change."""
        return bool(self.applied and self.pending)


def upgrade_plan(path: Path, migrations: Migrations) -> UpgradePlan:
    """Read (never write) which migrations the database at `path` has and still needs."""
    from bot.health import read_only  # imported here: bot.health imports the store

    if not path.is_file() or path.stat().st_size == 0:
        return UpgradePlan((), ())
    with read_only(path) as conn:
        db = Database(conn)
        applied = tuple(m.name for m in migrations.applied(db))
        pending = tuple(m.name for m in migrations.pending(db))
    known = {m.name for m in migrations.pending(Database(memory=True))}  # every name
    unknown = sorted(set(applied) - known)
    if unknown:
        raise StoreError(
            f"database {path} was written by a newer newsbot (schema {unknown[-1]}); "
            "run that version, or restore a backup made before the upgrade"
        )
    return UpgradePlan(applied, pending)


def backup_name(database: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return database.with_name(f"{database.name}.pre-upgrade-{stamp}{SUFFIX}")


def upgrade_backups(database: Path) -> list[Path]:
    """The automatic backups of `database`, oldest first."""
    found = database.parent.glob(f"{database.name}.pre-upgrade-*{SUFFIX}")
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def prepare_upgrade(
    database: Path, migrations: Migrations, now: datetime, *, keep: int = KEEP_UPGRADE_BACKUPS
) -> Path | None:
    """Back up `database` when its schema is older than the code's; returns the backup's path.

    Raises StoreError when the backup cannot be written: no migration runs without one.
    """
    from bot.backup import BackupError, backup_database  # (bot.backup imports bot.health)

    try:
        plan = upgrade_plan(database, migrations)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open {database}: {describe(exc).message}") from None
    if not plan.upgrades or keep <= 0:
        return None
    target = backup_name(database, now)
    n = 1
    while target.exists():  # two upgrades within one second
        n += 1
        target = target.with_name(target.name.removesuffix(SUFFIX) + f"-{n}{SUFFIX}")
    try:
        result = backup_database(database, target, now)
    except BackupError as exc:
        raise StoreError(f"no migration without a backup: {exc}") from None
    log.warning(
        "database %s has an older schema; backed up to %s before migrating (%s)",
        database,
        result.path,
        ", ".join(plan.pending),
    )
    for old in upgrade_backups(database)[:-keep]:
        old.unlink(missing_ok=True)
        log.info("removed the old upgrade backup %s", old)
    return result.path
