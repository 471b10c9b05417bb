"""Routes in the bot as a real process: SIGKILL mid-delivery, then a restart, loses and
doubles nothing on any route."""

from __future__ import annotations

import asyncio
import signal
from contextlib import closing
from pathlib import Path

from bot.store import Store
from tests.chat.conftest import CHANNEL
from tests.chat.test_bot_process import spawn, write_config
from tests.discord_fake import FakeDiscord
from tests.feedserver import FeedServer, rss
from tests.waiting import wait_for

EVEN, EVERY = "601", "602"
ROUTES = f"""
[[routes]]
name = "even"
platform = "discord"
channel = "{EVEN}"
include_words = ["Case 0", "Case 2", "Case 4"]

[[routes]]
name = "every"
platform = "discord"
channel = "{EVERY}"
"""


def pending(tmp_path: Path) -> int:
    with closing(Store.open(tmp_path / "bot.db")) as store:
        return store.outbox_length()


async def test_sigkill_mid_delivery_to_several_routes_then_restart(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    fake.channels[EVEN] = []
    fake.channels[EVERY] = []
    items = [
        (f"Case {n}: ruling", f"https://news.example/case-{n}", f"Ruling {n} on training data.")
        for n in range(6)
    ]
    config = write_config(tmp_path, feeds.serve("/feed.xml", rss(*items)))
    config.write_text(config.read_text(encoding="utf-8") + ROUTES, encoding="utf-8")
    log = tmp_path / "bot.log"

    fake.hold_messages = asyncio.Event()  # Discord keeps the message but never answers
    first = await spawn(fake, config, log)
    await asyncio.wait_for(fake.message_created.wait(), 30)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    fake.hold_messages.set()
    fake.hold_messages = None
    assert 1 <= len(fake.all_messages()) <= 3  # one send in flight per destination at most
    assert pending(tmp_path) == 6 + 3 + 6

    second = await spawn(fake, config, log)
    await wait_for(lambda: pending(tmp_path) == 0, 40)
    await asyncio.sleep(0.3)  # give a double, if there were one, time to arrive
    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), 20) == 0

    def titles(channel: str) -> list[str]:
        return sorted(m["embeds"][0]["title"] for m in fake.posted(channel))

    everything = sorted(t for t, _, _ in items)
    assert titles(CHANNEL) == everything
    assert titles(EVERY) == everything
    assert titles(EVEN) == [f"Case {n}: ruling" for n in (0, 2, 4)]
    text = log.read_text(encoding="utf-8")
    assert "already had outbox" in text
    assert "Traceback" not in text
