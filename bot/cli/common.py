"""What every command shares: the common options, the config they point at, and the
signature of a command (config, arguments, stdout, stderr) -> exit code."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeAlias

from bot.config import Config, environment, load_config

Command = Callable[[Config, argparse.Namespace, TextIO, TextIO], int]
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command's name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        help="config file (default: $NEWSBOT_CONFIG, else ./config.toml, else built-in defaults)",
    )
    common.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default=argparse.SUPPRESS,
        help="override bot.log_level",
    )
    common.add_argument(
        "--log-json", action="store_true", default=argparse.SUPPRESS, help="log JSON lines"
    )
    common.add_argument(
        "--seeds",
        type=Path,
        default=argparse.SUPPRESS,
        help="seed folder (overrides bot.seeds_dir)",
    )
    common.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="database file (overrides bot.database)"
    )
    return common


def command(
    sub: SubParsers, name: str, common: argparse.ArgumentParser, handler: Command, **kw: Any
) -> argparse.ArgumentParser:
    """A subcommand that runs `handler`."""
    parser = sub.add_parser(name, parents=[common], **kw)
    parser.set_defaults(handler=handler)
    return parser


def resolve_config(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Config:
    """Load the config the arguments point at and apply command-line overrides."""
    env = dict(environment() if environ is None else environ)
    path: Path | None = getattr(args, "config", None)
    if path is None and env.get("NEWSBOT_CONFIG"):
        path = Path(env["NEWSBOT_CONFIG"])
    if path is None and Path("config.toml").exists():
        path = Path("config.toml")
    config = load_config(path) if path is not None else Config()
    bot = config.bot
    if getattr(args, "seeds", None) is not None:
        bot = dataclasses.replace(bot, seeds_dir=args.seeds)
    if getattr(args, "db", None) is not None:
        bot = dataclasses.replace(bot, database=args.db)
    if getattr(args, "log_level", None):
        bot = dataclasses.replace(bot, log_level=args.log_level)
    if getattr(args, "log_json", False):
        bot = dataclasses.replace(bot, log_format="json")
    return dataclasses.replace(config, bot=bot)


def when(value: str | None) -> str:
    """A stored ISO time as `feeds list` shows it."""
    return value[:16].replace("T", " ") + " UTC" if value else "never"
