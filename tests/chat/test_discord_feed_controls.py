"""/news feeds pause|resume|interval|preview on Discord: the whole bot (run_bot with the
real analysis) against the local fake Discord, over real HTTP and a real websocket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.app import build_assessor
from bot.demo.content import load_content
from tests.chat.conftest import CHANNEL, bot_config, start_bot
from tests.chat.test_discord_e2e import EPHEMERAL, ask, option
from tests.discord_fake import MANAGE_GUILD, FakeDiscord, slash
from tests.feedserver import FeedServer
from tests.waiting import wait_for

DEMO = load_content()


def _admin(fake: FakeDiscord, path: list[str], *options: dict[str, Any]) -> dict[str, Any]:
    return slash(fake, ["news", "feeds", *path], list(options), permissions=MANAGE_GUILD)


def _embed(answer: dict[str, Any]) -> dict[str, Any]:
    embed: dict[str, Any] = answer["embeds"][0]
    return embed


async def test_admins_pause_resume_retime_and_preview_feeds(
    tmp_path: Path, fake: FakeDiscord, feeds: FeedServer
) -> None:
    wire = feeds.serve("/wire.xml", DEMO.rss("wire", 1))
    ledger = feeds.serve("/ledger.xml", DEMO.rss("ledger", 1))
    config = bot_config(tmp_path, [wire], backfill=0)
    bot = await start_bot(config, build_assessor(config))  # type: ignore[arg-type]
    await asyncio.wait_for(fake.identified.wait(), 10)
    await wait_for(lambda: feeds.count("/wire.xml") == 1)

    for path, options in (
        (["pause"], [option("url", wire)]),
        (["interval"], [option("url", wire), option("minutes", 60, 4)]),
        (["preview"], [option("url", wire)]),
    ):
        refused = await ask(fake, slash(fake, ["news", "feeds", *path], options))
        assert refused["flags"] == EPHEMERAL
        assert "Only server managers" in _embed(refused)["description"]

    paused = await ask(fake, _admin(fake, ["pause"], option("url", wire)))
    assert _embed(paused)["title"] == "Feed paused"
    assert not paused.get("flags", 0) & EPHEMERAL  # the channel sees feed changes
    listed = await ask(fake, _admin(fake, ["list"]))
    assert "paused: not polled until /news feeds resume" in _embed(listed)["description"]
    status = await ask(fake, slash(fake, ["news", "status"]))
    facts = {f["name"]: f["value"] for f in _embed(status)["fields"]}
    assert facts["Feeds"] == "0 healthy, 0 failing, 1 paused"

    added = await ask(fake, _admin(fake, ["add"], option("url", ledger)))
    assert _embed(added)["title"] == "Feed added"
    too_fast = await ask(
        fake, _admin(fake, ["interval"], option("url", ledger), option("minutes", 2, 4))
    )
    assert too_fast["flags"] == EPHEMERAL
    assert _embed(too_fast)["description"].startswith("The interval must be 5 to 1440 minutes")
    retimed = await ask(
        fake, _admin(fake, ["interval"], option("url", ledger), option("minutes", 45, 4))
    )
    assert "polled every 45 minutes." in _embed(retimed)["description"]
    configured = await ask(
        fake, _admin(fake, ["interval"], option("url", wire), option("minutes", 45, 4))
    )
    assert "listed in the config file" in _embed(configured)["description"]

    # a dry run of a feed nobody watches: only the admin sees it, nothing is posted
    unwatched = feeds.serve("/next.xml", DEMO.rss("wire", 2))
    preview = await ask(
        fake, _admin(fake, ["preview"], option("url", unwatched), option("items", 3, 4))
    )
    assert preview["flags"] == EPHEMERAL
    embed = _embed(preview)
    assert embed["title"] == "Preview: Demo Wire (invented stories for the newsbot demo)"
    assert "would post: 5 new claim(s)" in embed["description"]
    assert "Nothing was stored or posted." in embed["description"]
    assert fake.posted(CHANNEL) == []
    assert await bot.stop() == 0

    # after a restart the pause holds: the other feeds are polled, this one is not
    polled_wire, polled_ledger = feeds.count("/wire.xml"), feeds.count("/ledger.xml")
    fake.identified.clear()
    bot = await start_bot(config, build_assessor(config))  # type: ignore[arg-type]
    await asyncio.wait_for(fake.identified.wait(), 10)
    await wait_for(lambda: feeds.count("/ledger.xml") > polled_ledger)
    listed = await ask(fake, _admin(fake, ["list"]))
    assert "paused" in _embed(listed)["description"]
    assert feeds.count("/wire.xml") == polled_wire  # not polled while paused
    resumed = await ask(fake, _admin(fake, ["resume"], option("url", wire)))
    assert "is polled again, every 60 minutes." in _embed(resumed)["description"]
    await wait_for(lambda: feeds.count("/wire.xml") > polled_wire)  # resumed: polled soon
    assert await bot.stop() == 0
