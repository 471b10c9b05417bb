"""Routes in the whole bot (run_bot) against the fake Discord: a config route and a route
added with /news route add by an admin (refused to others), kept across a restart."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from bot.config import parse_routes
from bot.store import Store
from tests.chat.conftest import CHANNEL, StoryAssessor, bot_config, start_bot
from tests.chat.test_discord_e2e import FIRST, OTHER, ask, option
from tests.discord_fake import MANAGE_GUILD, FakeDiscord, click, slash
from tests.feedserver import FeedServer, rss
from tests.waiting import wait_for

META, GETTY = "666", "777"


def text_of(answer: dict[str, Any]) -> str:
    embed = answer["embeds"][0]
    return f"{embed.get('title', '')}\n{embed.get('description', '')}"


async def test_routes_from_config_and_chat_get_their_alerts_across_a_restart(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    fake.channels[META] = []
    fake.channels[GETTY] = []
    quiet = feeds.serve("/quiet.xml", rss(title="Quiet feed"))
    routes = parse_routes(
        [{"name": "meta", "platform": "discord", "channel": META, "include_words": ["Meta"]}]
    )
    config = dataclasses.replace(bot_config(tmp_path, [quiet]), routes=routes)
    bot = await start_bot(config, StoryAssessor())
    await asyncio.wait_for(fake.identified.wait(), 10)

    refused = await ask(fake, slash(fake, ["news", "route", "list"]))
    assert "Only server managers" in text_of(refused)
    refused_add = await ask(fake, slash(fake, ["news", "route", "add"], [option("name", "getty")]))
    assert "Only server managers" in text_of(refused_add)

    listed = await ask(fake, slash(fake, ["news", "route", "list"], permissions=MANAGE_GUILD))
    assert "meta" in text_of(listed) and "config file" in text_of(listed)
    added = await ask(
        fake,
        slash(
            fake,
            ["news", "route", "add"],
            [
                option("name", "getty"),
                option("channel", f"<#{GETTY}>"),
                option("options", 'include_words="Getty,fair use" compact=true'),
            ],
            permissions=MANAGE_GUILD,
        ),
    )
    assert "Route added" in text_of(added), added
    assert "Discord channel 777" in text_of(added)
    bad = await ask(
        fake,
        slash(
            fake,
            ["news", "route", "add"],
            [option("name", "x"), option("options", "mode=hourly")],
            permissions=MANAGE_GUILD,
        ),
    )
    assert "mode: one of every, new\\_stories, digest" in text_of(bad)  # markdown-escaped
    config_route = await ask(
        fake,
        slash(
            fake, ["news", "route", "remove"], [option("name", "meta")], permissions=MANAGE_GUILD
        ),
    )
    assert "route of the config file" in text_of(config_route)
    assert await bot.stop() == 0
    store = Store.open(tmp_path / "bot.db")
    try:
        assert [r.name for r in store.chat_routes()] == ["getty"]
    finally:
        store.close()

    # Restarted with a feed of news: each route gets what its words let through.
    news = feeds.serve("/news.xml", rss(FIRST, OTHER))
    config = dataclasses.replace(bot_config(tmp_path, [quiet, news]), routes=routes)
    fake.identified.clear()
    bot = await start_bot(config, StoryAssessor())
    await asyncio.wait_for(fake.identified.wait(), 10)
    await wait_for(lambda: len(fake.posted(CHANNEL)) == 2)
    await wait_for(lambda: len(fake.posted(META)) == 1 and len(fake.posted(GETTY)) == 1)
    assert fake.posted(META)[0]["embeds"][0]["title"] == OTHER[0]
    compact = fake.posted(GETTY)[0]["embeds"][0]
    assert "title" not in compact  # one line in the description
    assert compact["description"].startswith(f"**[{FIRST[0]}]({FIRST[1]})** — Example News")
    # a compact alert carries the buttons too, for its route: a mute there is for it alone
    message = fake.posted(GETTY)[0]
    ids = [b["custom_id"] for row in message["components"] for b in row["components"]]
    assert len(ids) == 4 and all(i.endswith("route:getty|" + i.rsplit("|", 1)[-1]) for i in ids)
    muted = await ask(fake, click(fake, message, ids[2], permissions=MANAGE_GUILD))
    assert "Muted: no more alerts of story" in text_of(muted) and "in route:getty" in text_of(muted)

    removed = await ask(
        fake,
        slash(
            fake, ["news", "route", "remove"], [option("name", "getty")], permissions=MANAGE_GUILD
        ),
    )
    assert "Route removed" in text_of(removed)
    listed = await ask(fake, slash(fake, ["news", "route", "list"], permissions=MANAGE_GUILD))
    assert "getty" not in text_of(listed) and "meta" in text_of(listed)
    assert await bot.stop() == 0
