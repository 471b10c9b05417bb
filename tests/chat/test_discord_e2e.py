"""The whole bot (run_bot: scheduler, pipeline, delivery, discord.py client) against the
local fake Discord over real HTTP and a real websocket on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.chat.conftest import CHANNEL, StoryJudge, bot_config, start_bot, wait_for
from tests.discord_fake import ADMIN_ROLE_ID, APP_ID, MANAGE_GUILD, FakeDiscord, slash
from tests.feedserver import FeedServer, rss

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
IRRELEVANT = ("Chip sales rise", "https://news.example/chips", "A chipmaker sold more chips.")


def embeds(messages: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m["embeds"][0] for m in messages]  # type: ignore[index]


async def test_alerts_are_posted_and_a_story_gets_a_thread_with_its_follow_up(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER, IRRELEVANT))
    judge = StoryJudge()
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
    assert fields["Source"] == "Example News" and fields["Date"] == "2025-11-03"
    thread_id = next(t for t, v in fake.threads.items() if v["name"].startswith("Getty"))
    # The slash commands were registered globally on start.
    assert {c["name"] for c in fake.commands[APP_ID]} == {"news"}

    # A later article of the same story: only its new claim, in the story's thread.
    feeds.serve("/feed.xml", rss(FOLLOW_UP, FIRST, OTHER, IRRELEVANT))
    await bot.stop()
    bot = await start_bot(bot_config(tmp_path, [url]), judge)
    await wait_for(lambda: len(fake.posted(thread_id)) == 1)
    follow = embeds(fake.posted(thread_id))[0]
    assert follow["title"] == "Getty v Stability: expert evidence"
    assert "An expert described the training set." in str(follow["description"])
    assert "opened in London" not in str(follow["description"])
    assert len(fake.posted(CHANNEL)) == 2  # nothing new in the channel itself
    assert await bot.stop() == 0


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
    bot = await start_bot(config, StoryJudge())
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
    fake.attachments["feeds.opml"] = (
        b'<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/feed"/>'
        b'<outline text="B" xmlUrl="https://b.example/rss"/></body></opml>'
    )
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
