"""`newsbot run` (the default command) and `newsbot check-config`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config, environment, load_secrets
from bot.errors import ConfigError
from bot.exits import EXIT_OK
from bot.seeds import load_config_seeds

SQLITE_HEADER = b"SQLite format 3\x00"


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    run = command(sub, "run", common, cmd_run, help="run the bot (the default command)")
    run.add_argument("--once", action="store_true", help="poll every feed once, deliver, exit")
    command(sub, "check-config", common, cmd_check_config, help="validate the config file and exit")


def cmd_run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from bot.app import run_bot

    secrets = load_secrets(environment())
    once = getattr(args, "once", False)
    return asyncio.run(run_bot(config, secrets, None, once=once, stdout=out))


def cmd_check_config(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """What `run` needs before it starts: the seeds load, the database can be opened or
    created, the chat secrets make sense. Nothing is written anywhere."""
    from bot.chat.platform import check_chat

    chat = check_chat(config, load_secrets(environment()))
    seeds = load_config_seeds(config)
    check_database_path(config.bot.database)
    out.write(
        f"config OK: {len(config.feeds)} feeds, database {config.bot.database},"
        f" seeds {config.bot.seeds_dir} ({len(seeds)} articles)\n"
    )
    out.writelines(f"{line}\n" for line in chat)
    return EXIT_OK


def check_database_path(path: Path) -> None:
    """ConfigError unless `path` is an SQLite file the bot may write, or can be created."""
    where = f"bot.database: {path}"
    if path.is_dir():
        raise ConfigError(f"{where}: is a folder; name a file inside it")
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read ({exc.strerror})") from None
        if header and header != SQLITE_HEADER:
            raise ConfigError(f"{where}: not an SQLite database")
        if not os.access(path, os.R_OK | os.W_OK):
            raise ConfigError(f"{where}: not writable by this user")
    folder = path.parent
    while not folder.exists():  # Store.open creates the missing folders
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{where}: cannot be created, {folder} is a file")
    if not os.access(folder, os.W_OK | os.X_OK):
        # WAL mode keeps two files beside the database, so the folder must be writable
        raise ConfigError(f"{where}: cannot write in {folder}")
