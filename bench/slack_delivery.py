"""Benchmark: delivering alerts through the outbox to the local fake Slack over real HTTP
(intent, Block Kit, chat.postMessage, thread_ts per story, mark sent) vs Discord's path
to its fake, in the same run.

Prints one JSON line: alerts delivered per second by each, and their ratio.
Run: PYTHONPATH=. .venv/bin/python bench/slack_delivery.py (it uses the test fakes)
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import discord
import discord.http

from bot.chat.delivery import Delivery
from bot.chat.discord_chat import DiscordDestination
from bot.chat.slack_chat import SlackDestination, make_web_client
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.discord_fake import FakeDiscord
from tests.slack_fake import FakeSlack

COUNT = 300
DISCORD_CHANNEL = 555


def fill(store: Store, destination: str) -> None:
    now = datetime.now(UTC)
    for n in range(COUNT):
        alert = Alert(
            article_id=f"a{n}",
            title=f"Case {n}: ruling on training data",
            url=f"https://news.example/{n}",
            source="Example",
            published=now,
            category="lawsuit",
            story=f"story-{n % 30}",
            summary="The court ruled. " * 5,
            new_claims=(Claim(text=f"Claim {n}.", novel=True, quote="A quote."),),
        )
        store.enqueue(
            kind="alert",
            article_id=alert.article_id,
            destination=destination,
            payload=alert_to_payload(alert),
            now=now,
        )


async def timed(store: Store, delivery: Delivery) -> float:
    start = time.perf_counter()
    while store.outbox_length():
        await delivery.deliver_due()
    return COUNT / (time.perf_counter() - start)


async def main() -> None:
    now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
    slack = await FakeSlack().start()
    fake_discord = await FakeDiscord().start()
    fake_discord.channels[str(DISCORD_CHANNEL)] = []
    discord.http.Route.BASE = fake_discord.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    with tempfile.TemporaryDirectory() as folder:
        slack_store = Store.open(Path(folder) / "s.db")
        discord_store = Store.open(Path(folder) / "d.db")
        fill(slack_store, "slack")
        fill(discord_store, "discord")
        dest = SlackDestination(
            make_web_client("xoxb-bench", slack.api_url), "C1", slack_store, now
        )
        slack_rate = await timed(slack_store, Delivery(slack_store, [dest], now))
        other = DiscordDestination(client, DISCORD_CHANNEL, discord_store, now)
        discord_rate = await timed(discord_store, Delivery(discord_store, [other], now))
        replies = sum(1 for p in slack.posts() if "thread_ts" in p)
        slack_store.close()
        discord_store.close()
    await client.close()
    await fake_discord.stop()
    await slack.stop()
    print(
        json.dumps(
            {
                "bench": "slack_delivery",
                "alerts": COUNT,
                "slack_thread_replies": replies,
                "slack_alerts_per_s": round(slack_rate),
                "discord_alerts_per_s": round(discord_rate),
                "ratio_slack_vs_discord": round(slack_rate / discord_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
