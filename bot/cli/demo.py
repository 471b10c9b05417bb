"""`newsbot demo`: run the real bot offline on invented articles, then say how to start
for real (bot.demo does the work; this formats it)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config
from bot.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.logs import setup_logging

NEXT_STEPS = """
{rule}
That was the real bot: the same fetcher, analysis, database and alerts as `newsbot run`.
To run it on real feeds and chat:

  1. A config to edit:  newsbot init ~/newsbot && cd ~/newsbot
     (writes config.toml, every key commented, and .env for chat tokens;
     from a clone: cp config.example.toml config.toml)
  2. Feeds: add [[feeds]] blocks with url = "https://..." to config.toml, or
     newsbot feeds add https://example.com/feed.xml --backfill 5
     (a feed's first poll records what it holds without alerting; --backfill N,
     or backfill = N in its [[feeds]] block, analyses the newest N instead)
  3. Chat (optional; without it alerts print on the terminal as above):
     Discord: DISCORD_TOKEN in .env and discord.channel_id in config.toml
     Slack:   SLACK_BOT_TOKEN and SLACK_APP_TOKEN in .env and slack.channel
     (load .env first: set -a; . ./.env; set +a)
  4. Check, then start:  newsbot check-config && newsbot run   (from a clone: make run)
"""


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    demo = command(
        sub, "demo", common, cmd_demo, help="run the real bot offline on a few invented articles"
    )
    demo.add_argument(
        "--keep",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the demo's database in DIR (a new folder) to look at afterwards",
    )


def cmd_demo(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.demo.script import RULE, run_demo  # aiohttp's server only when asked for

    if getattr(args, "log_level", None) is None:  # the bot's own INFO lines would drown it
        setup_logging("WARNING", config.bot.log_format)
    keep: Path | None = args.keep
    if keep is not None:
        if keep.exists():
            err.write(f"newsbot: demo: --keep {keep}: already exists; name a new folder\n")
            return EXIT_USAGE
        keep.mkdir(parents=True)
        outcome = asyncio.run(run_demo(out, keep))
    else:
        with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as folder:
            outcome = asyncio.run(run_demo(out, Path(folder)))
    if not outcome.shown:
        for problem in outcome.problems:
            err.write(f"newsbot: demo: {problem}\n")
        return EXIT_FAILURE
    out.write(NEXT_STEPS.format(rule=RULE))
    if keep is not None:
        database = keep / "newsbot.db"
        out.write(
            f"\nThe demo's database is in {database}; for instance:\n"
            f'  newsbot --db {database} search "Lumen Forge"\n'
        )
    out.write(f"\n(demo run in {outcome.seconds:.1f} s)\n")
    return EXIT_OK
