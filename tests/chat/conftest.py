"""Fixtures for chat tests: the fake Discord, a story-aware judge, the whole bot running, and
the fake Slack with the real Bolt app (tests/chat/slack_fixtures.py)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http
import pytest
import yarl

from bot.app import run_bot
from bot.config import Config, Secret, Secrets, parse_config
from tests.chat.slack_fixtures import slack, slack_asker
from tests.chat.story_assessor import StoryAssessor
from tests.conftest import REPO
from tests.discord_fake import FakeDiscord
from tests.feedserver import FeedServer, running_feed_server

CHANNEL = "555"
__all__ = ["CHANNEL", "StoryAssessor", "bot_config", "slack", "slack_asker", "start_bot"]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    server.channels[CHANNEL] = []
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    yield server
    await server.stop()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with running_feed_server() as server:
        yield server


def bot_config(
    tmp_path: Path, feed_urls: list[str], *, backfill: int = 50, **discord: Any
) -> Config:
    config = parse_config(
        {
            "bot": {"database": str(tmp_path / "bot.db"), "seeds_dir": str(REPO / "seeds")},
            "polling": {"interval_minutes": 60, "jitter_seconds": 0},
            "console": {"enabled": "never"},
            "discord": {"channel_id": int(CHANNEL), "guild_id": 0, **discord},
            "feeds": [{"url": u, "name": "Example News", "backfill": backfill} for u in feed_urls],
            # The feed server is on 127.0.0.1, and tests reach nothing else.
            "fetch": {"allow_private_addresses": True},
            "full_text": {"enabled": False},
        }
    )
    return config


@dataclass
class RunningBot:
    """The whole bot (run_bot) running as a task; `stop()` ends it like SIGTERM would."""

    task: asyncio.Task[int]
    stop_event: asyncio.Event
    stdout: io.StringIO = field(default_factory=io.StringIO)

    async def stop(self) -> int:
        self.stop_event.set()
        return await asyncio.wait_for(self.task, 10)

    async def kill(self) -> None:
        """Cancel it abruptly, wherever it is (a crash, as far as one process can tell)."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def start_bot(
    config: Config,
    judge: StoryAssessor,
    *,
    token: str | None = "fake-token",
    webhook: str | None = None,
) -> RunningBot:
    values = {}
    if token:
        values["DISCORD_TOKEN"] = Secret(token)
    if webhook:
        values["DISCORD_WEBHOOK_URL"] = Secret(webhook)
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.create_task(
        run_bot(config, Secrets(values), judge, once=False, stdout=out, stop=stop)
    )
    return RunningBot(task, stop, out)
