"""Benchmark: delivering alerts through the outbox to the console, to a local fake Discord
and to a local fake Slack, over real HTTP, in the same run (intent, render, send, a thread
per story, mark sent).

Prints one JSON line: alerts delivered per second to each destination, and the ratios.
Run: PYTHONPATH=. .venv/bin/python bench/delivery.py (it uses the test fakes)
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import discord
import discord.http

from bot.chat.base import Destination
from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.chat.discord.destination import DiscordDestination
from bot.chat.slack.client import make_web_client
from bot.chat.slack.destination import SlackDestination
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.discord_fake import FakeDiscord
from tests.slack_fake import FakeSlack

COUNT = 300
DISCORD_CHANNEL = 555


def now() -> datetime:
    return datetime.now(UTC)


def fill(store: Store, destination: str) -> None:
    for n in range(COUNT):
        alert = Alert(
            article_id=f"a{n}",
            title=f"Case {n}: ruling on training data",
            url=f"https://news.example/{n}",
            source="Example",
            published=now(),
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
            now=now(),
        )


async def rate(store: Store, destination: Destination) -> float:
    """Alerts per second to drain COUNT queued alerts to one destination."""
    fill(store, destination.name)
    delivery = Delivery(store, [destination], now)
    start = time.perf_counter()
    while store.outbox_length():
        await delivery.deliver_due()
    return COUNT / (time.perf_counter() - start)


async def main() -> None:
    slack = await FakeSlack().start()
    fake_discord = await FakeDiscord().start()
    fake_discord.channels[str(DISCORD_CHANNEL)] = []
    discord.http.Route.BASE = fake_discord.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    with tempfile.TemporaryDirectory() as folder:
        stores = {n: Store.open(Path(folder) / f"{n}.db") for n in ("console", "discord", "slack")}
        console_rate = await rate(stores["console"], ConsoleDestination(io.StringIO()))
        discord_rate = await rate(
            stores["discord"],
            DiscordDestination(client, DISCORD_CHANNEL, stores["discord"], now),
        )
        slack_rate = await rate(
            stores["slack"],
            SlackDestination(
                make_web_client("xoxb-bench", slack.api_url), "C1", stores["slack"], now
            ),
        )
        for store in stores.values():
            store.close()
    threads = len(fake_discord.threads)
    replies = sum(1 for p in slack.posts() if "thread_ts" in p)
    await client.close()
    await fake_discord.stop()
    await slack.stop()
    print(
        json.dumps(
            {
                "bench": "delivery",
                "alerts": COUNT,
                "discord_threads_opened": threads,
                "slack_thread_replies": replies,
                "console_alerts_per_s": round(console_rate),
                "discord_alerts_per_s": round(discord_rate),
                "slack_alerts_per_s": round(slack_rate),
                "ratio_discord_vs_console": round(discord_rate / console_rate, 3),
                "ratio_slack_vs_discord": round(slack_rate / discord_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
