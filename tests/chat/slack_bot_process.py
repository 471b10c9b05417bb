"""Run the whole bot in its own process against the fake Slack, for kill/restart tests.

Usage: python -m tests.chat.slack_bot_process SLACK_API_URL CONFIG_TOML
(SLACK_BOT_TOKEN and SLACK_APP_TOKEN come from the environment, as in production.)
Requests time out after 5 s here instead of 30, so a restart test waits seconds, not a
minute.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.app import run_bot
from bot.chat.slack import client as slack_chat
from bot.chat.slack import destination as slack_destination
from bot.config import load_config, load_secrets
from bot.logs import setup_logging
from tests.chat.story_assessor import StoryAssessor

REQUEST_TIMEOUT = 5


def main() -> int:
    api_url, config_path = sys.argv[1:3]
    slack_chat.SLACK_API_URL = api_url
    slack_chat.REQUEST_TIMEOUT = REQUEST_TIMEOUT
    slack_destination.SETTLE_MARGIN = 1.0
    config = load_config(Path(config_path))
    setup_logging("INFO", "text")
    secrets = load_secrets(os.environ)
    return asyncio.run(run_bot(config, secrets, StoryAssessor(), once=False, stdout=sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
