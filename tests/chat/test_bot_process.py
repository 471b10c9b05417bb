"""The bot as a real process: SIGKILL mid-delivery loses and doubles nothing; SIGTERM
stops it cleanly with exit code 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import closing
from pathlib import Path

from bot.store import Store
from tests.chat.conftest import CHANNEL
from tests.conftest import REPO
from tests.discord_fake import FakeDiscord
from tests.feedserver import FeedServer, rss
from tests.waiting import wait_for


def write_config(tmp_path: Path, feed_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[bot]
database = "{tmp_path / "bot.db"}"
seeds_dir = "{REPO / "seeds"}"

[polling]
interval_minutes = 60
jitter_seconds = 0

[console]
enabled = "never"

# The feed server is on 127.0.0.1, and tests reach nothing else.
[fetch]
allow_private_addresses = true

[full_text]
enabled = false

[discord]
channel_id = {CHANNEL}
backlog_digest_at = 0
rate_per_minute = 0

[[feeds]]
url = "{feed_url}"
name = "Example News"
backfill = 50
""",
        encoding="utf-8",
    )
    return path


async def spawn(fake: FakeDiscord, config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "PYTHONPATH": str(REPO)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.chat.bot_process",
        fake.api_base,
        fake.gateway_url,
        str(config),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def pending(tmp_path: Path) -> int:
    with closing(Store.open(tmp_path / "bot.db")) as store:
        return store.outbox_length("discord")


async def test_sigkill_mid_delivery_then_restart_then_sigterm(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    items = [
        (f"Case {n}: ruling", f"https://news.example/case-{n}", f"Ruling {n} on training data.")
        for n in range(6)
    ]
    config = write_config(tmp_path, feeds.serve("/feed.xml", rss(*items)))
    log = tmp_path / "bot.log"

    fake.hold_messages = asyncio.Event()  # Discord keeps the message but never answers
    first = await spawn(fake, config, log)
    await asyncio.wait_for(fake.message_created.wait(), 30)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    fake.hold_messages.set()
    fake.hold_messages = None
    assert len(fake.posted(CHANNEL)) == 1
    assert pending(tmp_path) == 6

    second = await spawn(fake, config, log)
    await wait_for(lambda: len(fake.posted(CHANNEL)) >= 6, 30)
    await wait_for(lambda: pending(tmp_path) == 0, 10)
    await asyncio.sleep(0.2)  # give a double, if there were one, time to arrive
    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), 20) == 0

    titles = sorted(m["embeds"][0]["title"] for m in fake.posted(CHANNEL))
    assert titles == sorted(t for t, _, _ in items)
    text = log.read_text(encoding="utf-8")
    assert "already had outbox 1" in text
    assert "stopped; database closed" in text
    assert "Traceback" not in text
