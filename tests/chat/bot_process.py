"""Run the whole bot in its own process against the fake Discord, for kill/terminate tests.

Usage: python -m tests.chat.bot_process API_BASE GATEWAY_URL CONFIG_TOML
(DISCORD_TOKEN comes from the environment, as in production.)
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import discord.gateway
import discord.http
import yarl

from bot.app import run_bot
from bot.config import load_config, load_secrets
from bot.logs import setup_logging
from tests.chat.story_assessor import StoryAssessor


def main() -> int:
    api_base, gateway, config_path = sys.argv[1:4]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    config = load_config(Path(config_path))
    setup_logging("INFO", "text")
    secrets = load_secrets(os.environ)
    return asyncio.run(run_bot(config, secrets, StoryAssessor(), once=False, stdout=sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
