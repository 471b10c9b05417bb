"""The command line: one module per command group; each parses its arguments, calls what
bot.app and the services offer, and formats the result. `main` maps errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import analyze, demo, feeds, ops, run, search, storage
from bot.cli.common import common_options, resolve_config
from bot.errors import (
    ConfigError,
    FeedManagementError,
    NewsbotError,
    SearchQueryError,
    SeedError,
    StoreError,
)
from bot.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.init import add_init_command, cmd_init
from bot.logs import setup_logging
from bot.pipes import exits_quietly_when_stdout_closes
from bot.store.faults import STORE_ERRORS, describe

GROUPS = (run, search, analyze, ops, feeds, storage, demo)


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Watch news feeds for AI training-data disputes and report only what is new.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(sub, common)
    add_init_command(sub)
    return parser


@exits_quietly_when_stdout_closes
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "init":  # before any config is read: it writes the first one
        return cmd_init(args.folder, sys.stdout, sys.stderr)
    command = getattr(args, "handler", run.cmd_run)  # no command: run
    try:
        config = resolve_config(args)
        setup_logging(config.bot.log_level, config.bot.log_format)
        code: int = command(config, args, sys.stdout, sys.stderr)
        return code
    except (ConfigError, SeedError) as exc:
        sys.stderr.write(f"newsbot: {exc}\n")
        return EXIT_USAGE
    except SearchQueryError as exc:
        sys.stderr.write(f"newsbot: search: {exc}\n")
        return EXIT_USAGE
    except FeedManagementError as exc:
        sys.stderr.write(f"newsbot: feeds: {exc}\n")
        return EXIT_USAGE
    except StoreError as exc:
        sys.stderr.write(f"newsbot: database: {exc}\n")
        return EXIT_FAILURE
    except STORE_ERRORS as exc:  # e.g. the disk filled up, or the file is corrupt
        sys.stderr.write(f"newsbot: {describe(exc).line}\n")
        return EXIT_FAILURE
    except NewsbotError as exc:
        sys.stderr.write(f"newsbot: {exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK
