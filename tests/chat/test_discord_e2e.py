"""The whole bot (run_bot: scheduler, pipeline, delivery, discord.py client) against the
local fake Discord over real HTTP and a real websocket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from contextlib import closing
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from bot.chat.commands import Commands
from bot.chat.discord import commands as discord_commands
from bot.store import Store
from tests.chat.conftest import CHANNEL, StoryAssessor, bot_config, start_bot
from tests.discord_fake import (
    ADMIN_ROLE_ID,
    APP_ID,
    BOT_USER,
    MANAGE_GUILD,
    FakeDiscord,
    interaction_payload,
    slash,
)
from tests.feedserver import FeedServer, rss
from tests.waiting import wait_for

EPHEMERAL = 64
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
OTHER = (
    "Authors v Meta: new filing",
    "https://news.example/meta-1",
    "Authors filed a motion about training data. The court set a hearing date.",
)
NOTHING_NEW = (
    "Getty v Stability: day two",
    "https://news.example/getty-3",
    "The trial over training data opened in London. The judge heard opening statements.",
)
IRRELEVANT = ("Chip sales rise", "https://news.example/chips", "A chipmaker sold more chips.")


def embeds(messages: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m["embeds"][0] for m in messages]  # type: ignore[index]


async def test_alerts_are_posted_and_a_story_gets_a_thread_with_its_follow_up(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER, IRRELEVANT))
    judge = StoryAssessor()
    bot = await start_bot(bot_config(tmp_path, [url]), judge)
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2 and len(fake.threads) == 2)
    posted = embeds(fake.posted(CHANNEL))
    titles = sorted(str(e["title"]) for e in posted)
    assert titles == ["Authors v Meta: new filing", "Getty v Stability: trial opens"]
    for message in fake.posted(CHANNEL):
        assert message["allowed_mentions"] == {"parse": []}
        assert message["nonce"]
    getty = next(e for e in posted if "Getty" in str(e["title"]))
    assert getty["url"] == "https://news.example/getty-1"
    assert "What's new" in str(getty["description"])
    assert "The judge heard opening statements." in str(getty["description"])
    fields = {f["name"]: f["value"] for f in getty["fields"]}  # type: ignore[union-attr]
    assert fields["Category"] == "lawsuit" and fields["Story"] == "getty-v-stability"
    assert getty["author"]["name"] == "Example News" and fields["Date"] == "2025-11-03"  # type: ignore[index]
    assert "Source" not in fields  # the author line already names it
    thread_id = next(t for t, v in fake.threads.items() if v["name"].startswith("Getty"))
    assert fake.identify is not None and fake.identify["intents"] == 1  # Guilds only
    # The slash commands were registered globally on start.
    assert {c["name"] for c in fake.commands[APP_ID]} == {"news"}

    # A later article of the same story: only its new claim, in the story's thread.
    feeds.serve("/feed.xml", rss(FOLLOW_UP, NOTHING_NEW, FIRST, OTHER, IRRELEVANT))
    await bot.stop()
    bot = await start_bot(bot_config(tmp_path, [url]), judge)
    await wait_for(lambda: len(fake.posted(thread_id)) == 1)
    follow = embeds(fake.posted(thread_id))[0]
    assert follow["title"] == "Getty v Stability: expert evidence"
    assert "An expert described the training set." in str(follow["description"])
    assert "opened in London" not in str(follow["description"])
    assert len(fake.posted(CHANNEL)) == 2  # nothing new in the channel itself
    # The article that only repeats known claims was recorded, not posted; why says so.
    why = await ask(fake, slash(fake, ["news", "why"], [option("url", NOTHING_NEW[1])]))
    facts = {f["name"]: f["value"] for f in why["embeds"][0]["fields"]}
    assert "nothing new" in facts["Decision"]
    assert "The judge heard opening statements. — known from" in why["embeds"][0]["description"]
    where = [(m["channel_id"], m["embeds"][0]["title"]) for m in fake.all_messages()]
    assert len(where) == 3, where
    assert await bot.stop() == 0


async def test_a_rejected_token_stops_the_bot_with_a_clear_message(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST))
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor(), token="bad-token")
    assert await asyncio.wait_for(bot.task, 10) == 1
    assert "Discord rejected DISCORD_TOKEN" in caplog.text
    assert fake.all_messages() == []


# ------------------------------------------------------------------ slash commands


async def ask(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    """Send an interaction over the gateway; return the answer's message data."""
    token = payload["token"]
    await fake.dispatch("INTERACTION_CREATE", payload)

    def answered() -> list[dict[str, Any]]:
        mine = [c for c in fake.callbacks if c["token"] == token]
        return [
            c
            for c in mine
            if c["kind"] == "followup"
            or (c["kind"] == "callback" and c["body"]["type"] in (4, 7, 8))
        ]

    await wait_for(lambda: bool(answered()))
    found = answered()[0]
    body = found["body"]
    if found["kind"] == "callback":
        return dict(body["data"]) | {"_type": body["type"]}
    return dict(body) | {"_type": "followup"}


def option(name: str, value: object, kind: int = 3) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


async def test_every_slash_command_is_answered(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER, IRRELEVANT))
    other_feed = feeds.serve("/other.xml", rss(title="Other feed"))
    config = bot_config(tmp_path, [url], admin_role="News Admin")
    bot = await start_bot(config, StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2)

    search = await ask(fake, slash(fake, ["news", "search"], [option("query", "trial")]))
    assert search["flags"] == EPHEMERAL
    assert "Getty v Stability: trial opens" in search["embeds"][0]["description"]
    assert "**trial**" in search["embeds"][0]["description"]

    recent = await ask(fake, slash(fake, ["news", "recent"], [option("n", 5, 4)]))
    assert recent["embeds"][0]["title"] == "Recent alerts (2)"

    article = await ask(fake, slash(fake, ["news", "article"], [option("ref", FIRST[1])]))
    assert article["embeds"][0]["title"] == FIRST[0]
    assert "The judge heard opening statements." in article["embeds"][0]["description"]

    story = await ask(fake, slash(fake, ["news", "story"], [option("ref", "getty-v-stability")]))
    assert story["embeds"][0]["title"] == "Story getty-v-stability"

    why_skip = await ask(fake, slash(fake, ["news", "why"], [option("url", IRRELEVANT[1])]))
    facts = {f["name"]: f["value"] for f in why_skip["embeds"][0]["fields"]}
    assert facts["Relevance score"] == "0.10"
    assert "not about AI training-data disputes" in facts["Decision"]

    why_posted = await ask(fake, slash(fake, ["news", "why"], [option("url", FIRST[1])]))
    assert "posted to discord" in why_posted["embeds"][0]["description"]

    status = await ask(fake, slash(fake, ["news", "status"]))
    facts = {f["name"]: f["value"] for f in status["embeds"][0]["fields"]}
    assert facts["Feeds"] == "1 healthy, 0 failing"
    assert facts["Outbox: discord"] == "0 waiting"

    # Admin commands: Manage Server may, the configured role may, others are refused.
    refused = await ask(fake, slash(fake, ["news", "feeds", "list"]))
    assert refused["flags"] == EPHEMERAL
    assert "Only server managers" in refused["embeds"][0]["description"]
    listed = await ask(fake, slash(fake, ["news", "feeds", "list"], permissions=MANAGE_GUILD))
    assert "Example News" in listed["embeds"][0]["description"]
    added = await ask(
        fake,
        slash(
            fake,
            ["news", "feeds", "add"],
            [option("url", other_feed)],
            roles=(ADMIN_ROLE_ID,),
        ),
    )
    assert added["embeds"][0]["title"] == "Feed added", added
    assert "Other feed" in added["embeds"][0]["description"]
    not_a_feed = await ask(
        fake,
        slash(
            fake,
            ["news", "feeds", "add"],
            [option("url", feeds.url("/missing.xml"))],
            permissions=MANAGE_GUILD,
        ),
    )
    assert "does not look like a working feed" in not_a_feed["embeds"][0]["description"]
    removed = await ask(
        fake,
        slash(
            fake, ["news", "feeds", "remove"], [option("url", other_feed)], permissions=MANAGE_GUILD
        ),
    )
    assert removed["embeds"][0]["title"] == "Feed removed"
    listed_a = feeds.serve("/a.xml", rss(title="A"))  # an import checks every feed
    listed_b = feeds.serve("/b.xml", rss(title="B"))
    fake.attachments["feeds.opml"] = (
        f'<opml version="2.0"><body><outline text="A" xmlUrl="{listed_a}"/>'
        f'<outline text="B" xmlUrl="{listed_b}"/></body></opml>'
    ).encode()
    attachment = {
        "id": "77",
        "filename": "feeds.opml",
        "size": len(fake.attachments["feeds.opml"]),
        "url": f"http://127.0.0.1:{fake.port}/attachments/feeds.opml",
        "proxy_url": f"http://127.0.0.1:{fake.port}/attachments/feeds.opml",
    }
    imported = await ask(
        fake,
        slash(
            fake,
            ["news", "feeds", "import"],
            [option("file", "77", 11)],
            permissions=MANAGE_GUILD,
            resolved={"attachments": {"77": attachment}},
        ),
    )
    assert "2 feed(s) added" in imported["embeds"][0]["description"]
    assert await bot.stop() == 0


# ------------------------------------------------------------------ failures


async def test_a_429_then_success_gives_exactly_one_message(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST))
    fake.fail_next("POST", f"/channels/{CHANNEL}/messages", 429, retry_after=0.05)
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor())
    await wait_for(lambda: len(fake.threads) == 1)
    await bot.stop()
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 2  # the refused attempt and the one that worked
    assert [e["title"] for e in embeds(fake.posted(CHANNEL))] == [FIRST[0]]


async def test_killing_the_bot_mid_delivery_loses_and_doubles_nothing(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    items = [
        (f"Case {n}: ruling", f"https://news.example/case-{n}", f"Ruling {n} on training data.")
        for n in range(6)
    ]
    url = feeds.serve("/feed.xml", rss(*items))
    config = bot_config(tmp_path, [url], backlog_digest_at=0, rate_per_minute=0)
    judge = StoryAssessor()
    # Discord stores the first message but the bot never hears back: it dies waiting.
    fake.hold_messages = asyncio.Event()
    bot = await start_bot(config, judge)
    await asyncio.wait_for(fake.message_created.wait(), 10)
    await bot.kill()
    fake.hold_messages.set()
    fake.hold_messages = None
    assert len(fake.posted(CHANNEL)) == 1
    with closing(Store.open(tmp_path / "bot.db")) as store:
        assert store.outbox_length("discord") == 6  # as far as the outbox knows, none went

    bot = await start_bot(config, judge)
    await wait_for(lambda: len(fake.posted(CHANNEL)) >= 6)
    await wait_for(lambda: _pending(tmp_path) == 0)
    assert await bot.stop() == 0
    titles = sorted(str(e["title"]) for e in embeds(fake.posted(CHANNEL)))
    assert titles == sorted(t for t, _, _ in items)  # each exactly once


def _pending(tmp_path: Path) -> int:
    with closing(Store.open(tmp_path / "bot.db")) as store:
        return store.outbox_length("discord")


HOSTILE = (
    "@everyone",
    "@here look",
    "<@&123>",
    "<@!123456789012345678>",
    "<#123456789012345678>",
    "[free money](https://evil.example/x)",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block```",
    "# Heading\n> quote\n- list",
    "\\@everyone",
    "@\u200beveryone",
)


async def test_a_hundred_hostile_titles_ping_nobody_and_break_nothing(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    items = []
    for n in range(100):
        hostile = HOSTILE[n % len(HOSTILE)]
        if n % 10 == 9:
            hostile = (hostile + " training ") * (100_000 // (len(hostile) + 10))
        title = escape(f"{hostile} {n}: training data")
        body = escape(f"Claim {n} about training data {hostile[:5000]}. Another sentence {n} here.")
        items.append((title, f"https://news.example/h{n}", body))
    url = feeds.serve("/feed.xml", rss(*items))
    config = bot_config(tmp_path, [url], backfill=100, backlog_digest_at=0, rate_per_minute=0)
    with caplog.at_level(logging.WARNING):
        bot = await start_bot(config, StoryAssessor())
        await wait_for(lambda: len(fake.all_messages()) >= 100, 60)
        await wait_for(lambda: _pending(tmp_path) == 0)
        assert await bot.stop() == 0
    messages = fake.all_messages()
    assert len(messages) == 100
    for message in messages:
        assert message["allowed_mentions"] == {"parse": []}
        embed = message["embeds"][0]
        text = json.dumps(embed, ensure_ascii=False)
        assert not re.search(r"@(everyone|here)", text)
        assert not re.search(r"<[@#]", text)
        assert not re.search(r"(?<!\\)\[free money\]\(", embed["title"] + embed["description"])
        assert len(embed["title"]) <= 256 and len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        assert all(len(f["value"]) <= 1024 for f in embed.get("fields", []))
        assert embed_length(embed) <= 6000
    for thread in fake.threads.values():
        assert len(thread["name"]) <= 100
    with closing(Store.open(tmp_path / "bot.db")) as store:
        dead = store.db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'dead'").fetchone()
    assert dead[0] == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "bot" in r.name]


def embed_length(embed: dict[str, Any]) -> int:
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len((embed.get("footer") or {}).get("text", ""))
    total += len((embed.get("author") or {}).get("name", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


# ------------------------------------------------------------------ paging, slow answers


async def test_search_pages_with_buttons(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    items = [
        (f"Hearing {n}: training data", f"https://news.example/p{n}", f"Hearing {n} on training.")
        for n in range(8)
    ]
    url = feeds.serve("/feed.xml", rss(*items))
    bot = await start_bot(bot_config(tmp_path, [url], backlog_digest_at=0), StoryAssessor())
    await wait_for(lambda: len(fake.threads) == 8)
    first = await ask(fake, slash(fake, ["news", "search"], [option("query", "hearing")]))
    assert first["embeds"][0]["description"].count("news.example/p") == 5
    assert "**Hearing** 3 on training." in first["embeds"][0]["description"]
    buttons = first["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == ["news:s:2:hearing"]
    message = {
        "id": fake.new_id(),
        "channel_id": CHANNEL,
        "author": BOT_USER,
        "content": "",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": first["embeds"],
        "components": first["components"],
        "pinned": False,
        "type": 0,
        "flags": 64,
    }
    click = interaction_payload(
        fake, {"custom_id": "news:s:2:hearing", "component_type": 2}, kind=3, message=message
    )
    second = await ask(fake, click)
    assert second["_type"] == 7  # the same message, updated in place
    assert second["embeds"][0]["description"].count("news.example/p") == 3
    back = second["components"][0]["components"]
    assert [b["custom_id"] for b in back] == ["news:s:1:hearing"]
    assert await bot.stop() == 0


async def test_a_slow_answer_is_deferred_then_followed_up(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST))
    monkeypatch.setattr(discord_commands, "ANSWER_WITHIN_SECONDS", 0.0)
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor())
    await wait_for(lambda: len(fake.threads) == 1)
    payload = slash(fake, ["news", "search"], [option("query", "trial")])
    answer = await ask(fake, payload)
    kinds = [
        (c["kind"], c["body"].get("type")) for c in fake.callbacks if c["token"] == payload["token"]
    ]
    assert kinds == [("callback", 5), ("followup", None)]  # "thinking…", then the answer
    assert answer["flags"] == EPHEMERAL
    assert FIRST[0] in answer["embeds"][0]["description"]
    assert await bot.stop() == 0


async def test_a_bad_query_gets_a_short_ephemeral_error(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST))
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor())
    await wait_for(lambda: len(fake.threads) == 1)
    answer = await ask(fake, slash(fake, ["news", "search"], [option("query", '"(*)"')]))
    assert answer["flags"] == EPHEMERAL
    assert answer["embeds"][0]["description"] == "type at least one word or number to search for"
    missing = await ask(fake, slash(fake, ["news", "article"], [option("ref", "nope")]))
    assert "No article with that id or URL" in missing["embeds"][0]["description"]
    assert "Traceback" not in json.dumps(missing)
    assert await bot.stop() == 0


# ------------------------------------------------------------------ webhook-only mode


async def test_webhook_only_mode_posts_alerts_without_a_token(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER))
    hook = "https://discord.com/api/webhooks/123456789012345678/" + "t" * 68
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor(), token=None, webhook=hook)
    await wait_for(lambda: len(fake.posted("webhook-123456789012345678")) == 2)
    assert await bot.stop() == 0
    posted = fake.posted("webhook-123456789012345678")
    assert sorted(e["title"] for e in embeds(posted)) == sorted([FIRST[0], OTHER[0]])
    assert all(m["allowed_mentions"] == {"parse": []} for m in posted)
    assert fake.identify is None and not fake.commands  # no gateway, no commands
    assert not any(r.path.startswith("/users/@me") for r in fake.requests)


async def test_autocomplete_and_unexpected_errors(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER))
    bot = await start_bot(bot_config(tmp_path, [url]), StoryAssessor())
    await wait_for(lambda: len(fake.threads) == 2)
    focused = {"name": "ref", "type": 3, "value": "getty", "focused": True}
    stories = await ask(fake, slash(fake, ["news", "story"], [focused], interaction_type=4))
    assert stories["_type"] == 8
    assert [c["value"] for c in stories["choices"]] == ["getty-v-stability"]
    articles = await ask(
        fake,
        slash(
            fake, ["news", "why"], [{**focused, "name": "url", "value": "meta"}], interaction_type=4
        ),
    )
    assert [c["name"] for c in articles["choices"]] == [OTHER[0]]
    chosen = articles["choices"][0]["value"]
    why = await ask(fake, slash(fake, ["news", "why"], [option("url", chosen)]))
    assert why["embeds"][0]["title"] == OTHER[0]

    def broken(self: object) -> None:
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(Commands, "status", broken)
    answer = await ask(fake, slash(fake, ["news", "status"]))
    assert answer["flags"] == EPHEMERAL
    description = answer["embeds"][0]["description"]
    assert description.startswith("Something went wrong on our side")
    assert "fire" not in description and "Traceback" not in description
    assert await bot.stop() == 0


async def test_a_long_backlog_arrives_as_one_digest(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    items = [
        (f"Suit {n}: filing", f"https://news.example/s{n}", f"Filing {n} on training data.")
        for n in range(14)
    ]
    url = feeds.serve("/feed.xml", rss(*items))
    # Discord refuses while the alerts are queued, so they pile up; its retry-after is kept.
    for _ in range(2):
        fake.fail_next("POST", f"/channels/{CHANNEL}/messages", 429, retry_after=0.3, via=False)
    bot = await start_bot(bot_config(tmp_path, [url], backlog_digest_at=10), StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 1, 30)
    await wait_for(lambda: _pending(tmp_path) == 0)
    assert await bot.stop() == 0
    refused = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(refused) == 3
    (digest,) = embeds(fake.posted(CHANNEL))
    assert digest["title"] == "14 updates (digest)"
    assert all(f"Suit {n}: filing" in digest["description"] for n in range(14))
