"""The whole bot (run_bot) with Discord and Slack at once: one store, one poller, one
outbox; every alert reaches each platform exactly once, over real HTTP and websockets
to the local fakes."""

from __future__ import annotations

import asyncio
import io
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from bot.app import run_bot
from bot.chat.slack import client as slack_chat
from bot.config import Config, Secret, Secrets, parse_config
from bot.store import Store
from tests.chat.conftest import CHANNEL, RunningBot, StoryAssessor
from tests.conftest import REPO
from tests.discord_fake import FakeDiscord
from tests.feedserver import FeedServer, rss
from tests.slack_fake import FakeSlack
from tests.waiting import wait_for

SLACK_CHANNEL = "C0ALERTS"
FIRST = (
    "Getty v Stability: trial opens",
    "https://news.example/getty-1",
    "The trial over training data opened in London. The judge heard opening statements.",
)
FOLLOW_UP = (
    "Getty v Stability: expert evidence",
    "https://news.example/getty-2",
    "The trial over training data opened in London. An expert described the training set.",
)
OTHER = (  # XML-escaped in the feed: the parsed title is "… @channel <!everyone> …"
    escape("Authors v Meta: @channel <!everyone> new filing"),
    "https://news.example/meta-1",
    escape("Authors filed a motion about training data. <@U123> The court set a hearing date."),
)


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(users={"UADMIN": {"is_admin": True}}).start()
    monkeypatch.setattr(slack_chat, "SLACK_API_URL", server.api_url)
    yield server
    await server.stop()


def _config(tmp_path: Path, feed_url: str, **slack: Any) -> Config:
    return parse_config(
        {
            "bot": {"database": str(tmp_path / "bot.db"), "seeds_dir": str(REPO / "seeds")},
            "polling": {"interval_minutes": 60, "jitter_seconds": 0},
            "console": {"enabled": "never"},
            "discord": {"channel_id": int(CHANNEL), "guild_id": 0},
            "slack": {"channel": SLACK_CHANNEL, **slack},
            "feeds": [{"url": feed_url, "name": "Example News", "backfill": 50}],
            # The feed server is on 127.0.0.1, and tests reach nothing else.
            "fetch": {"allow_private_addresses": True},
            "full_text": {"enabled": False},
        }
    )


def _start(config: Config, judge: StoryAssessor, *, discord: bool = True) -> RunningBot:
    values = {"SLACK_BOT_TOKEN": Secret("xoxb-test"), "SLACK_APP_TOKEN": Secret("xapp-test")}
    if discord:
        values["DISCORD_TOKEN"] = Secret("fake-token")
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.create_task(
        run_bot(config, Secrets(values), judge, once=False, stdout=out, stop=stop)
    )
    return RunningBot(task, stop, out)


def _slack_titles(slack: FakeSlack) -> list[str]:
    return [str(p["blocks"][0]["text"]["text"]) for p in slack.posts()]


async def test_discord_and_slack_each_get_every_alert_exactly_once(
    tmp_path: Path, fake: FakeDiscord, slack: FakeSlack, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER))
    judge = StoryAssessor()
    # Slack is rate limited at first: its alert waits for Retry-After, Discord's does not.
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    bot = _start(_config(tmp_path, url), judge)
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2 and len(slack.posts()) == 2)

    meta, getty = sorted(_slack_titles(slack))
    assert meta.startswith("Authors v Meta: @\u2060channel") and getty.startswith("Getty v")
    for post in slack.posts():
        assert post["channel"] == SLACK_CHANNEL and "thread_ts" not in post
        assert "<!everyone>" not in post["text"] and "<@U123>" not in str(post["blocks"])
    getty_ts = next(p["ts"] for p in slack.posts() if "Getty" in p["text"])

    # A follow-up of the Getty story: a reply in its Slack thread and in its Discord thread.
    feeds.serve("/feed.xml", rss(FOLLOW_UP, FIRST, OTHER))
    assert await bot.stop() == 0
    bot = _start(_config(tmp_path, url), judge)
    await wait_for(lambda: len(slack.posts()) == 3)
    follow = slack.posts()[-1]
    assert follow["thread_ts"] == getty_ts
    assert follow["blocks"][0]["text"]["text"] == "Follow-up: Getty v Stability: expert evidence"
    thread_id = next(t for t, v in fake.threads.items() if v["name"].startswith("Getty"))
    await wait_for(lambda: len(fake.posted(thread_id)) == 1)

    # The same process answers /news on Slack over Socket Mode while Discord is connected.
    await asyncio.wait_for(slack.socket_connected.wait(), 10)
    payload = dict(
        urllib.parse.parse_qsl(
            urllib.parse.urlencode(
                {
                    "team_id": "T1",
                    "channel_id": SLACK_CHANNEL,
                    "user_id": "UMEMBER",
                    "command": "/news",
                    "text": "story getty-v-stability",
                    "response_url": f"{slack.base}/response/story",
                }
            )
        )
    )
    await slack.push_envelope("slash_commands", payload, "env-story")
    await slack.wait_for(lambda: any(c.method == "story" for c in slack.responses), 10)
    answer = next(c for c in slack.responses if c.method == "story").params
    assert "Getty v Stability: expert evidence" in str(answer["blocks"])
    assert await bot.stop() == 0

    # Exactly once each: three alerts per platform, every outbox row sent, none pending.
    attempts = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert len(attempts) == 4  # one 429 + three messages
    assert len(fake.posted(CHANNEL)) + len(fake.posted(thread_id)) == 3
    with closing(Store.open(tmp_path / "bot.db")) as store:
        rows = store.db.execute(
            "SELECT destination, status FROM outbox WHERE kind = 'alert'"
        ).fetchall()
    assert Counter(rows) == {("discord", "sent"): 3, ("slack", "sent"): 3}


async def test_slack_alone_with_a_webhook_posts_alerts(
    tmp_path: Path, slack: FakeSlack, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER))
    config = parse_config(
        {
            "bot": {"database": str(tmp_path / "bot.db"), "seeds_dir": str(REPO / "seeds")},
            "console": {"enabled": "never"},
            "feeds": [{"url": url, "backfill": 50}],
            "fetch": {"allow_private_addresses": True},
            "full_text": {"enabled": False},
        }
    )
    secrets = Secrets({"SLACK_WEBHOOK_URL": Secret(f"{slack.base}/webhook/T1")})
    code = await run_bot(config, secrets, StoryAssessor(), once=True, stdout=io.StringIO())
    assert code == 0
    meta, getty = sorted(c.params["blocks"][0]["text"]["text"] for c in slack.webhook_posts)
    assert meta.startswith("Authors v Meta: @\u2060channel") and getty.startswith("Getty v")
    assert slack.calls == []  # no bot token: no Web API calls, no commands


async def test_a_refused_slack_app_token_stops_the_bot_with_a_clear_message(
    tmp_path: Path, slack: FakeSlack, feeds: FeedServer
) -> None:
    slack.fail_next("apps.connections.open", status=200, error="invalid_auth")
    url = feeds.serve("/feed.xml", rss(FIRST))
    bot = _start(_config(tmp_path, url), StoryAssessor(), discord=False)
    with pytest.raises(Exception, match="Slack refused SLACK_APP_TOKEN"):
        await asyncio.wait_for(bot.task, 10)


async def test_a_refused_slack_bot_token_stops_the_bot_with_a_clear_message(
    tmp_path: Path, slack: FakeSlack, feeds: FeedServer
) -> None:
    slack.fail_next("auth.test", status=200, error="invalid_auth")
    url = feeds.serve("/feed.xml", rss(FIRST))
    bot = _start(_config(tmp_path, url), StoryAssessor(), discord=False)
    with pytest.raises(Exception, match="Slack refused SLACK_BOT_TOKEN"):
        await asyncio.wait_for(bot.task, 10)
    assert not [c for c in slack.calls if c.method == "apps.connections.open"]


async def test_killing_the_bot_mid_delivery_loses_and_doubles_nothing_on_slack(
    tmp_path: Path, slack: FakeSlack, feeds: FeedServer
) -> None:
    items = [
        (f"Case {n}: ruling", f"https://news.example/case-{n}", f"Ruling {n} on training data.")
        for n in range(6)
    ]
    url = feeds.serve("/feed.xml", rss(*items))
    config = _config(tmp_path, url, backlog_digest_at=0, rate_per_minute=0)
    judge = StoryAssessor()
    # Slack stores the first message but the bot never hears back: it dies waiting.
    slack.hold_posts = asyncio.Event()
    bot = _start(config, judge, discord=False)
    await slack.wait_for(lambda: len(slack.posts()) == 1, 10)
    await bot.kill()
    slack.hold_posts.set()
    slack.hold_posts = None
    with closing(Store.open(tmp_path / "bot.db")) as store:
        assert store.outbox_length("slack") == 6  # as far as the outbox knows, none went

    bot = _start(config, judge, discord=False)
    await wait_for(lambda: _pending(tmp_path) == 0)
    assert await bot.stop() == 0
    titles = sorted(_slack_titles(slack))
    assert titles == sorted(t for t, _, _ in items)  # each exactly once
    assert any(c.method == "conversations.history" for c in slack.calls)


def _pending(tmp_path: Path) -> int:
    with closing(Store.open(tmp_path / "bot.db")) as store:
        return store.outbox_length("slack")
