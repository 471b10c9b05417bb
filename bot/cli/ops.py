"""`newsbot health`, `backup` and `restore`: the operator's commands (`init` is bot/init.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config
from bot.exits import EXIT_FAILURE, EXIT_OK
from bot.timeutil import utc_now


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    health = command(
        sub,
        "health",
        common,
        cmd_health,
        help="exit 0 when the running bot is healthy (Docker HEALTHCHECK), else 1",
    )
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    backup = command(
        sub,
        "backup",
        common,
        cmd_backup,
        help="copy the database safely, even while the bot runs",
    )
    backup.add_argument(
        "path",
        help="backup file, or a folder (existing, or ending in /) for a timestamped file",
    )
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")
    restore = command(
        sub,
        "restore",
        common,
        cmd_restore,
        help="replace the database with a backup (stop the bot first); keeps the old one",
    )
    restore.add_argument("path", type=Path, help="the backup file to restore")


def cmd_health(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.health import check_health  # light: Docker runs this every 30 s

    report = check_health(
        config.bot.database, utc_now(), max_age_seconds=config.health.max_age_seconds
    )
    out.write((json.dumps(report.as_dict()) if args.json else report.summary()) + "\n")
    return EXIT_OK if report.healthy else EXIT_FAILURE


def cmd_backup(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.backup import backup_database

    result = backup_database(config.bot.database, args.path, utc_now(), overwrite=args.force)
    out.write(
        f"backup written: {result.path} ({result.size_bytes} bytes,"
        f" {result.articles} articles, {result.seconds:.2f}s)\n"
    )
    return EXIT_OK


def cmd_restore(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.backup import restore_database

    restored = restore_database(
        args.path, config.bot.database, utc_now(), max_age_seconds=config.health.max_age_seconds
    )
    out.write(f"restored {restored.restored} from {args.path} ({restored.articles} articles)\n")
    if restored.previous is not None:
        out.write(f"the previous database was kept as {restored.previous}\n")
    return EXIT_OK
