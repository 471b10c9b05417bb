"""`newsbot storage`: what the database holds and what retention would free; `--apply`
runs the retention pass now, `--vacuum` gives the free pages back to the disk.

The report opens the database read-only (it works while the bot runs and never creates
or upgrades a file). `--apply` and `--vacuum` write, so they take the database's instance
lock like `run` does: they refuse while a bot runs on it (the running bot applies
retention itself every `retention.interval_hours`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config
from bot.errors import StoreError
from bot.exits import EXIT_OK
from bot.timeutil import utc_now

if TYPE_CHECKING:
    from bot.store.usage import Usage


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    storage = command(
        sub,
        "storage",
        common,
        cmd_storage,
        help="what the database holds, and what the [retention] settings would free",
    )
    storage.add_argument("--json", action="store_true", help="print the report as JSON")
    storage.add_argument(
        "--apply",
        action="store_true",
        help="remove now what the retention settings no longer keep (bot stopped)",
    )
    storage.add_argument(
        "--vacuum",
        action="store_true",
        help="rebuild the file without its free pages, so it shrinks (bot stopped;"
        " needs free disk space the size of the database)",
    )


def cmd_storage(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.health import read_only
    from bot.retention import Retention, RetentionPolicy, RetentionResult
    from bot.store import Store
    from bot.store.lock import InstanceLock
    from bot.store.usage import database_usage

    path = Path(config.bot.database)
    if not path.is_file():
        where = "is not a file" if path.exists() else "does not exist"
        raise StoreError(
            f"{path} {where} (the bot creates it on its first start; pass --db or set bot.database)"
        )
    policy = RetentionPolicy.from_config(config.retention)
    applied: RetentionResult | None = None
    vacuumed: dict[str, float] | None = None
    if args.apply or args.vacuum:
        lock = InstanceLock.acquire(path)  # refuses while a bot runs on this database
        try:
            store = Store.open(path)
            try:
                if args.apply:
                    applied = Retention(store, policy, utc_now).run()
                if args.vacuum:
                    before = _size(path) + _size(path.with_name(path.name + "-wal"))
                    started = time.perf_counter()
                    store.vacuum()
                    vacuumed = {
                        "bytes_before": before,
                        "bytes_after": _size(path),
                        "seconds": round(time.perf_counter() - started, 3),
                    }
            finally:
                store.close()
        finally:
            lock.release()
    now = utc_now()
    with read_only(path) as conn:
        usage = database_usage(
            conn,
            path,
            bodies_before=policy.bodies_before(now),
            outbox_before=policy.outbox_before(now),
        )
    if args.json:
        report = usage.as_dict()
        report["retention"] = {
            "bodies_days": policy.bodies_days,
            "outbox_days": policy.outbox_days,
        }
        report["applied"] = applied.as_dict() if applied is not None else None
        report["vacuum"] = vacuumed
        out.write(json.dumps(report) + "\n")
        return EXIT_OK
    if applied is not None:
        out.write(f"retention applied: {applied.summary()}\n")
    if vacuumed is not None:
        out.write(
            f"vacuum: {_bytes(int(vacuumed['bytes_before']))} ->"
            f" {_bytes(int(vacuumed['bytes_after']))} ({vacuumed['seconds']:.2f}s)\n"
        )
    out.write(_human(usage, policy.describe(), policy.keeps_everything))
    return EXIT_OK


def _human(u: Usage, policy: str, keeps_everything: bool) -> str:
    lines = [
        f"database: {u.path}",
        f"  file {_bytes(u.file_bytes)} (+ WAL {_bytes(u.wal_bytes)}); in use"
        f" {_bytes(u.used_bytes)}, free pages {_bytes(u.free_pages * u.page_size)}"
        " (new rows reuse them; --vacuum shrinks the file)",
        f"  {u.bytes_per_article:,} bytes per article in use",
        f"articles: {u.feed_articles:,} from feeds, {u.seed_articles:,} seeds;"
        f" feed bodies kept {u.bodies_kept:,}, removed {u.bodies_removed:,}"
        f" ({_bytes(u.body_bytes)} of text stored)",
        f"  fetched {_day(u.oldest_seen)} to {_day(u.newest_seen)}",
        f"outbox: {u.outbox_rows:,} rows, {u.outbox_waiting:,} waiting to be sent;"
        f" payloads {_bytes(u.payload_bytes)}",
        "",
        f"{'table / index':<44} {'rows':>10} {'bytes':>10}",
    ]
    for part in u.parts:
        name = part.name if part.kind != "index" else f"  {part.name}"
        if part.name.startswith("sqlite_autoindex_"):
            name = f"  {part.table} primary key"
        if part.kind == "search index":
            name = f"{part.name} (search index)"
        rows = f"{part.rows:,}" if part.rows is not None else "-"
        size = _bytes(part.bytes) if part.bytes is not None else "-"
        lines.append(f"{name:<44} {rows:>10} {size:>10}")
    if not u.per_part_sizes:
        lines.append("(this SQLite has no dbstat table: no sizes per table)")
    w = u.would_free
    lines.append("")
    lines.append(f"retention: {policy}")
    if keeps_everything:
        lines.append("  keeps everything: nothing to free")
    else:
        lines += [
            f"  would free now: about {_bytes(w.total_bytes)}",
            f"    {w.bodies:,} article bodies: {_bytes(w.body_bytes)} of text and about"
            f" {_bytes(w.search_index_bytes)} of the search index",
            f"    {w.payloads:,} outbox payloads: {_bytes(w.payload_bytes)};"
            f" {w.notices:,} old notices",
        ]
        lines.append("  (`newsbot storage --apply` with the bot stopped; a running bot applies")
        lines.append("  it by itself every retention.interval_hours)")
    return "\n".join(lines) + "\n"


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _day(value: str | None) -> str:
    return value[:10] if value else "never"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
