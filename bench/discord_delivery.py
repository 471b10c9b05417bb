"""Benchmark: delivering alerts through the outbox to a local fake Discord over real HTTP
(intent, nonce, embed, thread per story, mark sent) vs the console destination.

Prints one JSON line: alerts delivered per second by each, and their ratio.
Run: PYTHONPATH=. .venv/bin/python bench/discord_delivery.py (it uses the test fake)
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

from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.chat.discord_chat import DiscordDestination
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.discord_fake import FakeDiscord

COUNT = 300
CHANNEL = 555


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
    fake = await FakeDiscord().start()
    fake.channels[str(CHANNEL)] = []
    discord.http.Route.BASE = fake.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    with tempfile.TemporaryDirectory() as folder:
        discord_store = Store.open(Path(folder) / "d.db")
        console_store = Store.open(Path(folder) / "c.db")
        fill(discord_store, "discord")
        fill(console_store, "console")
        now = lambda: datetime.now(UTC)  # noqa: E731
        dest = DiscordDestination(client, CHANNEL, discord_store, now)
        discord_rate = await timed(discord_store, Delivery(discord_store, [dest], now))
        console = ConsoleDestination(io.StringIO())
        console_rate = await timed(console_store, Delivery(console_store, [console], now))
        threads = len(fake.threads)
        discord_store.close()
        console_store.close()
    await client.close()
    await fake.stop()
    print(
        json.dumps(
            {
                "bench": "discord_delivery",
                "alerts": COUNT,
                "threads_opened": threads,
                "discord_alerts_per_s": round(discord_rate),
                "console_alerts_per_s": round(console_rate),
                "ratio_discord_vs_console": round(discord_rate / console_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
