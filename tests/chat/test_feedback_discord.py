"""The buttons under every alert, /news missed, /news retrain and /news forget, on the real
discord.py client against the fake Discord: clicks arrive over the gateway as Discord sends
them (INTERACTION_CREATE, type 3), answers go back over real HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.config import parse_routes
from bot.store import Store
from tests.chat.conftest import CHANNEL, StoryAssessor, bot_config, start_bot
from tests.chat.test_discord_e2e import FIRST, FOLLOW_UP, IRRELEVANT, OTHER, ask, option
from tests.discord_fake import MANAGE_GUILD, FakeDiscord, click, slash
from tests.feedserver import FeedServer, rss
from tests.waiting import wait_for

EPHEMERAL = 64
AUTHORS, META = "601", "602"  # the channels of two routes
MISSED_PAGE = """<html><head><title>Authors sue over training data</title></head><body>
<article><h1>Authors sue over training data</h1>
<p>A group of authors sued a model developer over training data taken from pirate sites.
The complaint was filed in a federal court in California on Monday morning.</p>
<p>The authors say the training set held more than a hundred thousand of their books.</p>
</article></body></html>"""


def message_titled(fake: FakeDiscord, title: str) -> dict[str, Any]:
    return next(m for m in fake.all_messages() if m["embeds"][0]["title"] == title)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [b["custom_id"] for row in message["components"] for b in row["components"]]


def kinds_for(fake: FakeDiscord, token: str) -> list[tuple[str, object]]:
    return [(c["kind"], c["body"].get("type")) for c in fake.callbacks if c["token"] == token]


async def test_each_button_under_an_alert_is_answered(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER, IRRELEVANT))
    config = bot_config(tmp_path, [url])
    bot = await start_bot(config, StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2)
    getty = message_titled(fake, FIRST[0])
    with closing(Store.open(config.bot.database)) as store:
        article_id = store.find_article_by_url(FIRST[1])["id"]  # type: ignore[index]
    assert custom_ids(getty) == [
        f"news:fb:not_topic:{article_id}",
        f"news:fb:nothing_new:{article_id}",
        f"news:fb:mute:{article_id}",
        f"news:fb:verdict:{article_id}",
    ]
    labels = [b["label"] for row in getty["components"] for b in row["components"]]
    assert labels == ["Not about this topic", "Nothing new here", "Mute this story", "Full verdict"]

    # Not about this topic: acknowledged at once (deferred, ephemeral), then answered.
    payload = click(fake, getty, f"news:fb:not_topic:{article_id}")
    answer = await ask(fake, payload)
    assert kinds_for(fake, payload["token"]) == [("callback", 5), ("followup", None)]
    assert answer["flags"] == EPHEMERAL
    assert "feedback #1" in answer["embeds"][0]["description"]
    why = await ask(fake, slash(fake, ["news", "why"], [option("url", FIRST[1])]))
    assert "feedback #1: Not about this topic — alice" in why["embeds"][0]["description"]

    # Clicking again takes it back; why shows it revoked.
    again = await ask(fake, click(fake, getty, f"news:fb:not_topic:{article_id}"))
    assert "Taken back" in again["embeds"][0]["description"]
    why = await ask(fake, slash(fake, ["news", "why"], [option("url", FIRST[1])]))
    assert "(revoked by alice at" in why["embeds"][0]["description"]

    nothing = await ask(fake, click(fake, getty, f"news:fb:nothing_new:{article_id}"))
    assert "telling nothing new" in nothing["embeds"][0]["description"]

    verdict = await ask(fake, click(fake, getty, f"news:fb:verdict:{article_id}"))
    assert verdict["flags"] == EPHEMERAL
    assert verdict["embeds"][0]["title"] == FIRST[0]
    assert "The judge heard opening statements." in verdict["embeds"][0]["description"]

    with closing(Store.open(config.bot.database)) as store:
        active = [(r.kind, r.user_name) for r in store.active_feedback()]
    assert active == [("nothing_new", "alice")]
    assert await bot.stop() == 0


async def test_a_muted_story_is_no_longer_posted_there_and_only_admins_mute(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST, OTHER))
    config = bot_config(tmp_path, [url])
    bot = await start_bot(config, StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2 and len(fake.threads) == 2)
    getty = message_titled(fake, FIRST[0])
    mute_id = custom_ids(getty)[2]

    refused = await ask(fake, click(fake, getty, mute_id))
    assert refused["flags"] == EPHEMERAL
    assert "Only admins can mute a story" in refused["embeds"][0]["description"]

    muted = await ask(fake, click(fake, getty, mute_id, permissions=MANAGE_GUILD))
    assert "Muted: no more alerts of story getty-v-stability" in muted["embeds"][0]["description"]
    with closing(Store.open(config.bot.database)) as store:
        assert store.muted_stories("discord") == {"getty-v-stability"}

    # The follow-up of the muted story arrives: analysed and stored, not posted.
    feeds.serve("/feed.xml", rss(FOLLOW_UP, FIRST, OTHER))
    await bot.stop()
    bot = await start_bot(config, StoryAssessor())

    def follow_up_stored() -> bool:
        with closing(Store.open(config.bot.database)) as store:
            return store.find_article_by_url(FOLLOW_UP[1]) is not None

    await wait_for(follow_up_stored)
    await asyncio.sleep(0.3)  # delivery would have posted it by now
    assert all(FOLLOW_UP[0] not in str(m["embeds"][0]["title"]) for m in fake.all_messages())
    with closing(Store.open(config.bot.database)) as store:
        row = store.find_article_by_url(FOLLOW_UP[1])
        assert row is not None and store.message_refs(row["id"]) == []

    # An admin's second click unmutes.
    unmuted = await ask(fake, click(fake, getty, mute_id, permissions=MANAGE_GUILD))
    assert "Unmuted" in unmuted["embeds"][0]["description"]
    with closing(Store.open(config.bot.database)) as store:
        assert store.muted_stories("discord") == set()
    assert await bot.stop() == 0


async def test_missed_retrain_and_forget(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    url = feeds.serve("/feed.xml", rss(FIRST))
    page = feeds.serve("/authors-sue.html", MISSED_PAGE, content_type="text/html")
    config = bot_config(tmp_path, [url])
    bot = await start_bot(config, StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 1)

    # A reader who is not an admin: recorded, not posted.
    told = await ask(fake, slash(fake, ["news", "missed"], [option("url", page)]))
    assert "An admin can post it" in told["embeds"][0]["description"]
    assert len(fake.posted(CHANNEL)) == 1
    # An admin: analysed and posted.
    posted = await ask(
        fake, slash(fake, ["news", "missed"], [option("url", page)], permissions=MANAGE_GUILD)
    )
    assert "Posted to discord" in posted["embeds"][0]["description"]
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2)
    alert = fake.posted(CHANNEL)[1]["embeds"][0]
    assert alert["title"] == "Authors sue over training data"
    assert "hundred thousand of their books" in alert["description"]
    why = await ask(fake, slash(fake, ["news", "why"], [option("url", page)]))
    lines = why["embeds"][0]["description"]
    assert lines.count("Missed story — alice") == 2

    refused = await ask(fake, slash(fake, ["news", "retrain"]))
    assert "Only admins can refit" in refused["embeds"][0]["description"]
    refit = await ask(fake, slash(fake, ["news", "retrain"], permissions=MANAGE_GUILD))
    assert refit["embeds"][0]["title"] == "Relevance model refitted"
    assert "1 labelled item(s)" in refit["embeds"][0]["description"]

    forgot = await ask(fake, slash(fake, ["news", "forget"], [option("feedback", 1, 4)]))
    assert forgot["embeds"][0]["title"] == "Feedback revoked"
    gone = await ask(fake, slash(fake, ["news", "forget"], [option("feedback", 1, 4)]))
    assert "no feedback #1 in force" in gone["embeds"][0]["description"]
    with closing(Store.open(config.bot.database)) as store:
        assert store.installation_model() is not None
    assert await bot.stop() == 0


async def test_a_missed_story_an_admin_posts_reaches_only_the_routes_it_matches(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    for channel in (AUTHORS, META):
        fake.channels[channel] = []
    url = feeds.serve("/feed.xml", rss(FIRST))
    page = feeds.serve("/authors-sue.html", MISSED_PAGE, content_type="text/html")
    routes = parse_routes(
        [
            {"name": "authors", "platform": "discord", "channel": AUTHORS,
             "include_words": ["authors"]},
            {"name": "meta", "platform": "discord", "channel": META, "include_words": ["Meta"]},
            {"name": "daily", "platform": "discord", "channel": META, "mode": "digest"},
        ]
    )  # fmt: skip
    config = dataclasses.replace(bot_config(tmp_path, [url]), routes=routes)
    bot = await start_bot(config, StoryAssessor())
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 1)
    await wait_for(lambda: len(fake.posted(META)) == 0 and len(fake.posted(AUTHORS)) == 0)

    posted = await ask(
        fake, slash(fake, ["news", "missed"], [option("url", page)], permissions=MANAGE_GUILD)
    )
    told = posted["embeds"][0]["description"]
    assert "Posted to discord, route:authors." in told
    assert "Held for the digest of daily." in told
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2 and len(fake.posted(AUTHORS)) == 1)
    assert fake.posted(AUTHORS)[0]["embeds"][0]["title"] == "Authors sue over training data"
    await asyncio.sleep(0.5)  # a post to the route whose words it lacks would land meanwhile
    assert fake.posted(META) == []
    assert await bot.stop() == 0
    with closing(Store.open(config.bot.database)) as store:
        assert store.held_count("daily") == 2  # the feed's alert, and the missed story
        destinations = store.db.execute(
            "SELECT destination FROM outbox WHERE kind = 'alert' ORDER BY id"
        ).fetchall()
    assert [d for (d,) in destinations] == ["discord", "discord", "route:authors"]
