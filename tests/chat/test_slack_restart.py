"""The bot as a real process against a slow fake Slack: killed while a post is in flight
(Slack stores it only seconds later), the restarted bot neither posts it again nor loses
its story thread; with digests on, a digest in flight is not posted twice either."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import REPO
from tests.feedserver import FeedServer, rss
from tests.slack_fake import FakeSlack
from tests.waiting import wait_for

CHANNEL = "C0ALERTS"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


def write_config(tmp_path: Path, feed_url: str, backlog_digest_at: int) -> Path:
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

[fetch]
allow_private_addresses = true

[full_text]
enabled = false

[slack]
channel = "{CHANNEL}"
rate_per_minute = 0
backlog_digest_at = {backlog_digest_at}

[[feeds]]
url = "{feed_url}"
name = "Example News"
backfill = 50
""",
        encoding="utf-8",
    )
    return path


async def spawn(slack: FakeSlack, config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "PYTHONPATH": str(REPO),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.chat.slack_bot_process",
        slack.api_url,
        str(config),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def pending(tmp_path: Path) -> int:
    with closing(Store.open(tmp_path / "bot.db")) as store:
        return store.outbox_length("slack")


@pytest.mark.parametrize("digest", [False, True], ids=["alerts", "digest"])
async def test_killed_mid_send_then_restarted_posts_each_message_once(
    tmp_path: Path, slack: FakeSlack, feeds: FeedServer, digest: bool
) -> None:
    if digest:  # five stories waiting at once: one digest
        items = [
            (f"Case {n}: ruling", f"https://news.example/case-{n}", f"Ruling {n} on training.")
            for n in range(5)
        ]
    else:  # one story: the second alert follows up in the first one's thread
        items = [
            ("Getty v Stability: trial", "https://news.example/g1", "The training trial opened."),
            ("Getty v Stability: expert", "https://news.example/g2", "An expert on training."),
        ]
    config = write_config(tmp_path, feeds.serve("/feed.xml", rss(*items)), 3 if digest else 0)
    log = tmp_path / "bot.log"
    slack.post_latency = 3.0  # a slow Slack: a post lands 3 s after it was sent

    first = await spawn(slack, config, log)
    await wait_for(lambda: any(c.method == "chat.postMessage" for c in slack.calls), 60)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    assert slack.posts() == []  # still in flight

    second = await spawn(slack, config, log)
    await wait_for(lambda: len(slack.posts()) >= (1 if digest else 2), 60)
    await wait_for(lambda: pending(tmp_path) == 0, 30)
    await asyncio.sleep(4)  # a second copy, had one been sent, lands meanwhile
    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), 30) == 0

    posts = slack.posts()
    assert len(posts) == (1 if digest else 2)
    text = log.read_text(encoding="utf-8")
    assert "already had outbox 1" in text
    assert "Traceback" not in text
    if digest:
        assert posts[0]["metadata"]["event_payload"] == {"first_id": 1, "last_id": 5}
        return
    opening, follow_up = posts
    assert "thread_ts" not in opening
    assert follow_up.get("thread_ts") == opening["ts"]
