"""One destination's failure never reaches another: a destination that raises a bug on
every send (as a Discord webhook URL discord.py cannot parse did) next to a slow Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.chat.base import OutgoingMessage
from bot.chat.delivery import Delivery
from bot.chat.slack.client import make_web_client
from bot.chat.slack.destination import SlackDestination
from bot.store import Store
from tests.outbox import queue_alerts
from tests.slack_fake import FakeSlack

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class RaisingDestination:
    """Raises a plain exception (not a ChatError) on every send, like a bug would."""

    name = "discord"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: OutgoingMessage) -> str | None:
        self.calls += 1
        raise ValueError("Invalid webhook URL given.")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


async def test_a_raising_destination_does_not_double_a_slow_slack(
    slack: FakeSlack, store: Store
) -> None:
    alerts = 6
    queue_alerts(store, range(alerts), ("discord", "slack"), NOW)
    slack.post_latency = 0.4  # each post is in flight for a while before Slack has it
    broken = RaisingDestination()
    destination = SlackDestination(
        make_web_client("xoxb-test", slack.api_url), "C0ALERTS", store, lambda: datetime.now(UTC)
    )
    delivery = Delivery(store, [broken, destination], lambda: datetime.now(UTC), idle_seconds=0.05)
    task = asyncio.create_task(delivery.run())
    await slack.wait_for(lambda: len(slack.posts()) >= alerts, timeout=20)
    await asyncio.sleep(1.0)  # a second delivery, if one had started, posts meanwhile
    await delivery.shutdown(task)

    assert len(slack.posts()) == alerts  # one Slack message per alert
    assert store.outbox_length("slack") == 0
    assert store.outbox_length("discord") == alerts  # kept, waiting for a fix
    assert broken.calls < 5  # the broken destination backs off instead of spinning
