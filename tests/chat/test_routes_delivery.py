"""Routes over the real discord.py REST code and the local fake Discord: each route gets
the alerts its filter lets through, once; a crash mid-delivery loses or doubles nothing
per route; a digest route posts one digest at its time, also after a restart past it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.analysis.assess import Assessment
from bot.chat.base import Destination
from bot.chat.delivery import Delivery
from bot.chat.route_destinations import RouteDestinations
from bot.config import parse_config
from bot.digests import Digests
from bot.models import Article, Claim, Verdict
from bot.routes import Route
from bot.store import Store
from bot.store.rows import assessed_write
from tests.chat.conftest import CHANNEL
from tests.chat.test_delivery_core import T0, Clock
from tests.discord_fake import FakeDiscord

LEGAL, DEALS, BRIEF = "601", "602", "603"


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    for channel in (LEGAL, DEALS, BRIEF):
        fake.channels[channel] = []
    c = discord.Client(intents=discord.Intents.none(), max_ratelimit_timeout=60.0)
    await c.login("fake-token")
    yield c
    await c.close()


def write(
    store: Store,
    routes: Sequence[Route],
    n: int,
    title: str,
    category: str,
    *,
    now: object = T0,
    defaults: Sequence[str] = (),
) -> None:
    """One analysed article that deserves an alert, committed as the pipeline commits it."""
    article = Article(
        id=f"a{n}",
        title=title,
        url=f"https://news.example/{n}",
        source="Example News",
        published=T0,
        text=f"{title}. Something new happened.",
    )
    verdict = Verdict(
        article_id=article.id,
        relevant=True,
        relevance=0.9,
        category=category,
        signals=(),
        story=f"story:{n}",
        duplicate_of=None,
        novel=True,
        claims=(Claim(text=f"{title} says something new; more follows.", novel=True),),
        summary=f"New: {title} says something new.",
    )
    write_ = assessed_write(article, Assessment(verdict), now, {}, defaults, routes)  # type: ignore[arg-type]
    store.write_articles([write_], now)  # type: ignore[arg-type]


def destinations(
    client: discord.Client, store: Store, clock: Clock, routes: Sequence[Route]
) -> list[Destination]:
    factory = RouteDestinations(parse_config({}), {}, store, clock, discord_client=client)
    return [factory.build(r) for r in routes]


def titles(fake: FakeDiscord, channel: str) -> list[str]:
    out = []
    for message in fake.posted(channel):
        embed = message["embeds"][0]
        out.append(str(embed.get("title") or embed.get("description")))
    return out


ROUTES = (
    Route(name="legal", platform="discord", channel=LEGAL, categories=("lawsuit", "ruling")),
    Route(
        name="deals",
        platform="discord",
        channel=DEALS,
        include_words=("licence", "license"),
        exclude_words=("rumour",),
    ),
    Route(name="brief", platform="discord", channel=BRIEF, compact=True, min_relevance=0.5),
)


async def test_each_route_gets_the_alerts_its_filter_lets_through(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    write(store, ROUTES, 1, "Getty sues Stability", "lawsuit", defaults=["discord"])
    write(store, ROUTES, 2, "OpenAI signs a license with a publisher", "licensing deal")
    write(store, ROUTES, 3, "A license rumour about Meta", "licensing deal")
    with store.reading():
        outbox = list(store.db["outbox"].rows_where(order_by="id"))
    assert [(r["article_id"], r["destination"]) for r in outbox] == [
        ("a1", "discord"),
        ("a1", "route:legal"),
        ("a1", "route:brief"),
        ("a2", "route:deals"),
        ("a2", "route:brief"),
        ("a3", "route:brief"),
    ]
    delivery = Delivery(store, destinations(client, store, clock, ROUTES), clock)
    report = await delivery.deliver_due()
    assert (report.sent, report.failed) == (5, 0)
    assert titles(fake, LEGAL) == ["Getty sues Stability"]
    assert titles(fake, DEALS) == ["OpenAI signs a license with a publisher"]
    brief = titles(fake, BRIEF)  # compact: one line each, title linked, source, what is new
    assert len(brief) == 3
    assert brief[0] == (
        "**[Getty sues Stability](https://news.example/1)** — Example News:"
        " Getty sues Stability says something new"
    )
    assert all("\n" not in line for line in brief)
    assert fake.posted(CHANNEL) == []  # "discord" (the default route) is not built here
    assert (await delivery.deliver_due()).sent == 0  # nothing twice


class Crash(BaseException):
    """The process dying right after the platform took a message, before it was recorded."""


async def test_a_crash_mid_delivery_loses_and_doubles_nothing_per_route(
    fake: FakeDiscord, client: discord.Client, tmp_path: Path
) -> None:
    path = tmp_path / "crash.db"
    store = Store.open(path)
    every = (
        Route(name="legal", platform="discord", channel=LEGAL),
        Route(name="deals", platform="discord", channel=DEALS),
    )
    for n in range(1, 5):
        write(store, every, n, f"Ruling {n}", "ruling")
    clock = Clock()
    recorded = store.mark_sent_many
    calls = {"deals": 0}

    def dies_on_the_second_deals_send(ids: Sequence[int], now: object, ref: str | None) -> None:
        with store.reading():  # a worker thread, beside the other route's: hold the store's lock
            rows = [store.db["outbox"].get(i) for i in ids]
        if rows[0]["destination"] == "route:deals":
            calls["deals"] += 1
            if calls["deals"] == 2:
                raise Crash()
        recorded(ids, now, ref)  # type: ignore[arg-type]

    store.mark_sent_many = dies_on_the_second_deals_send  # type: ignore[method-assign]
    first = Delivery(store, destinations(client, store, clock, every), clock)
    with pytest.raises(Crash):
        await first.deliver_due()
    store.close()

    restarted = Store.open(path)
    try:
        clock.advance(seconds=5)
        again = Delivery(restarted, destinations(client, restarted, clock, every), clock)
        await again.deliver_due()
        for channel in (LEGAL, DEALS):
            assert titles(fake, channel) == [f"Ruling {n}" for n in range(1, 5)], channel
        statuses = [r["status"] for r in restarted.db["outbox"].rows]
        assert statuses == ["sent"] * 8
    finally:
        restarted.close()


async def test_a_digest_goes_out_once_at_its_time(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    daily = Route(name="daily", platform="discord", channel=LEGAL, mode="digest", digest_at="09:00")
    clock = Clock()
    clock.now = T0 - timedelta(hours=1)  # 08:00 UTC
    write(store, [daily], 1, "Ruling one", "ruling", now=clock.now)
    write(store, [daily], 2, "Ruling two", "ruling", now=clock.now)
    assert store.outbox_length() == 0 and store.held_count("daily") == 2
    digests = Digests(store, lambda: [daily], clock)
    delivery = Delivery(store, destinations(client, store, clock, [daily]), clock)
    assert digests.release_due() == 0  # yesterday's 09:00 had nothing; today's is not yet
    assert digests.next_due() == T0
    clock.now = T0
    assert digests.release_due() == 2
    assert digests.release_due() == 0  # never twice for one due time
    assert (await delivery.deliver_due()).sent == 1
    [posted] = fake.posted(LEGAL)
    embed = posted["embeds"][0]
    assert embed["title"] == "2 updates (digest)"
    assert "Ruling one" in embed["description"] and "Ruling two" in embed["description"]
    write(store, [daily], 3, "Ruling three", "ruling", now=clock.now + timedelta(minutes=1))
    clock.advance(hours=2)
    assert digests.release_due() == 0  # held after 09:00: tomorrow's digest
    assert (await delivery.deliver_due()).sent == 0
    assert len(fake.posted(LEGAL)) == 1


async def test_a_digest_missed_while_down_goes_out_on_the_next_start(
    fake: FakeDiscord, client: discord.Client, tmp_path: Path
) -> None:
    weekly = Route(
        name="weekly",
        platform="discord",
        channel=LEGAL,
        mode="digest",
        digest_day="friday",
        digest_at="17:00",
        timezone="Europe/London",
    )
    path = tmp_path / "digest.db"
    clock = Clock()  # Thursday 2025-11-06 09:00 UTC
    store = Store.open(path)
    write(store, [weekly], 1, "Ruling one", "ruling", now=clock.now)
    store.close()
    clock.advance(days=3)  # down over Friday 17:00; started again on Sunday
    restarted = Store.open(path)
    try:
        digests = Digests(restarted, lambda: [weekly], clock)
        assert digests.release_due() == 1
        delivery = Delivery(restarted, destinations(client, restarted, clock, [weekly]), clock)
        assert (await delivery.deliver_due()).sent == 1
        assert digests.release_due() == 0
        assert (await delivery.deliver_due()).sent == 0
        assert len(fake.posted(LEGAL)) == 1
        row = next(iter(restarted.db["outbox"].rows))
        assert row["article_id"] == "digest:weekly:2025-11-07T17:00:00+00:00"
    finally:
        restarted.close()


def test_a_story_muted_by_button_on_a_route_is_not_queued_there(store: Store) -> None:
    """The Mute button stores a mute for the destination it was clicked under; a route
    whose destination it is skips that story, the other routes and defaults do not."""
    store.add_feedback(
        kind="mute",
        article_id="a0",
        story_id="story:7",
        destination=ROUTES[0].destination,
        user_id="U1",
        user_name="admin",
        now=T0,
    )
    article = Article(
        id="a7",
        title="Getty sues Stability",
        url="https://news.example/7",
        source="Example News",
        published=T0,
        text="Getty sues Stability. Something new happened.",
    )
    verdict = Verdict(
        article_id="a7",
        relevant=True,
        relevance=0.9,
        category="lawsuit",
        signals=(),
        story="story:7",
        duplicate_of=None,
        novel=True,
        claims=(Claim(text="Getty sues Stability over images; more follows.", novel=True),),
        summary="New: Getty sues Stability.",
    )
    args = (article, Assessment(verdict), T0, {}, ["discord"], ROUTES)
    muted = assessed_write(*args, store.muted_stories)  # type: ignore[arg-type]
    unmuted = assessed_write(*args)  # type: ignore[arg-type]
    assert ROUTES[0].destination in {m.destination for m in unmuted.messages}
    assert {m.destination for m in muted.messages} == {m.destination for m in unmuted.messages} - {
        ROUTES[0].destination
    }
    assert "discord" in {m.destination for m in muted.messages}
