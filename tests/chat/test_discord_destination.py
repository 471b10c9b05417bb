"""DiscordDestination + Delivery over real HTTP to the fake REST API, with a manual clock."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import discord
import pytest

from bot.chat.base import DeliveryPolicy, OutgoingMessage
from bot.chat.delivery import Delivery
from bot.chat.discord.destination import DiscordDestination
from bot.errors import ChatError
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.chat.conftest import CHANNEL
from tests.chat.test_delivery_core import T0, Clock
from tests.discord_fake import FakeDiscord


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    c = discord.Client(intents=discord.Intents.none(), max_ratelimit_timeout=60.0)
    await c.login("fake-token")
    yield c
    await c.close()


def alert(n: int, story: str | None = None) -> Alert:
    return Alert(
        article_id=f"a{n}",
        title=f"Title {n}",
        url=f"https://news.example/{n}",
        source="Example",
        published=T0,
        category="lawsuit",
        story=story,
        summary=f"Summary {n}.",
        new_claims=(Claim(text=f"Claim {n}.", novel=True, quote=f"He said claim {n}."),),
    )


def enqueue(store: Store, *alerts: Alert) -> None:
    for a in alerts:
        store.enqueue(
            kind="alert",
            article_id=a.article_id,
            destination="discord",
            payload=alert_to_payload(a),
            now=T0,
        )


def destination(
    client: discord.Client, store: Store, clock: Clock, **kwargs: object
) -> DiscordDestination:
    return DiscordDestination(client, int(CHANNEL), store, clock, **kwargs)  # type: ignore[arg-type]


async def test_a_5xx_is_retried_after_backoff_and_posts_once(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    enqueue(store, alert(1), alert(2))
    clock = Clock()
    fake.fail_next("POST", f"/channels/{CHANNEL}/messages", 503)
    delivery = Delivery(store, [destination(client, store, clock)], clock)
    first = await delivery.deliver_due()
    assert (first.sent, first.failed) == (0, 1)
    assert fake.posted(CHANNEL) == []
    assert (await delivery.deliver_due()).sent == 0  # still backing off, order kept
    clock.advance(minutes=1)
    assert (await delivery.deliver_due()).sent == 2
    assert [m["embeds"][0]["title"] for m in fake.posted(CHANNEL)] == ["Title 1", "Title 2"]
    with store.reading():
        row = store.db["outbox"].get(1)
    assert row["attempts"] == 2 and "503" in row["last_error"]


async def test_a_long_rate_limit_becomes_a_scheduled_retry(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    enqueue(store, alert(1))
    clock = Clock()
    fake.fail_next("POST", f"/channels/{CHANNEL}/messages", 429, retry_after=600)
    delivery = Delivery(store, [destination(client, store, clock)], clock)
    assert (await delivery.deliver_due()).failed == 1
    with store.reading():
        due = store.db["outbox"].get(1)["next_attempt_at"]
    assert due == (T0 + timedelta(seconds=600)).isoformat()
    clock.advance(seconds=601)
    assert (await delivery.deliver_due()).sent == 1
    assert len(fake.posted(CHANNEL)) == 1


async def test_network_errors_are_chat_errors(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    await fake.stop()
    dest = destination(client, store, Clock())
    message = OutgoingMessage(id=1, kind="alert", payload=alert_to_payload(alert(1)))
    with pytest.raises(ChatError, match="network error"):
        await dest.send(message)


async def test_the_same_outbox_row_twice_is_one_message_thanks_to_the_nonce(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    dest = destination(client, store, Clock(), threads=False)
    message = OutgoingMessage(id=7, kind="alert", payload=alert_to_payload(alert(7)))
    first = await dest.send(message)
    second = await dest.send(message)
    assert first == second
    assert len(fake.posted(CHANNEL)) == 1
    assert fake.posted(CHANNEL)[0]["nonce"] == "nb7"


async def test_unknown_channel_says_which_setting_to_fix(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    dest = DiscordDestination(client, 999, store, Clock())
    message = OutgoingMessage(id=1, kind="alert", payload=alert_to_payload(alert(1)))
    with pytest.raises(ChatError, match=r"discord\.channel_id") as caught:
        await dest.send(message)
    assert not caught.value.permanent


async def test_story_thread_then_follow_ups_and_a_lost_thread_is_reopened(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    dest = destination(client, store, clock)
    enqueue(store, alert(1, story="s"), alert(2, story="s"))
    await Delivery(store, [dest], clock).deliver_due()
    assert len(fake.posted(CHANNEL)) == 1
    (thread_id,) = fake.threads
    follow = fake.posted(thread_id)[0]["embeds"][0]
    assert "New in this story" in follow["description"]
    assert "Summary 2." not in follow["description"]  # follow-ups carry only new claims
    assert "He said claim 2." in follow["description"]
    # The thread was deleted on Discord: the next alert opens a fresh one.
    del fake.channels[thread_id], fake.threads[thread_id]
    enqueue(store, alert(3, story="s"))
    await Delivery(store, [dest], clock).deliver_due()
    assert len(fake.posted(CHANNEL)) == 2
    (new_thread,) = fake.threads
    assert store.story_thread("discord", "s")["thread_id"] == new_thread


async def test_a_thread_that_cannot_be_opened_does_not_block_the_alert(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    fake.fail_next("POST", "/threads", 403)
    enqueue(store, alert(1, story="s"))
    assert (
        await Delivery(store, [destination(client, store, clock)], clock).deliver_due()
    ).sent == 1
    assert len(fake.posted(CHANNEL)) == 1
    assert store.story_thread("discord", "s") is None


async def test_a_backlog_digest_is_one_message_found_again_after_a_crash(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    dest = destination(client, store, clock, policy=DeliveryPolicy(backlog_digest_at=5))
    enqueue(store, *(alert(n) for n in range(12)))
    fake_crash = dest.send_digest

    async def crash_after_sending(messages: list[OutgoingMessage]) -> str | None:
        await fake_crash(messages)
        raise ChatError("connection reset after the request was sent")

    dest.send_digest = crash_after_sending  # type: ignore[method-assign]
    delivery = Delivery(store, [dest], clock)
    assert (await delivery.deliver_due()).failed == 1
    dest.send_digest = fake_crash  # type: ignore[method-assign]
    clock.advance(minutes=5)
    assert (await delivery.deliver_due()).sent == 12
    posted = fake.posted(CHANNEL)
    assert len(posted) == 1
    digest = posted[0]["embeds"][0]
    assert digest["title"] == "12 updates (digest)"
    assert digest["footer"]["text"].startswith("ref 1-12")
    assert all(f"Title {n}" in digest["description"] for n in range(12))


async def test_a_first_alert_found_after_a_crash_gets_its_thread(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    dest = destination(client, store, clock)
    enqueue(store, alert(1, story="s"), alert(2, story="s"))
    # The previous run posted alert 1 and died before recording it or opening the thread.
    no_threads = destination(client, store, clock, threads=False)
    await no_threads.send(OutgoingMessage(id=1, kind="alert", payload=alert_to_payload(alert(1))))
    store.mark_intent([1], clock())
    assert (await Delivery(store, [dest], clock).deliver_due()).sent == 2
    assert len(fake.posted(CHANNEL)) == 1
    (thread_id,) = fake.threads
    assert fake.threads[thread_id]["starter_message_id"] == fake.posted(CHANNEL)[0]["id"]
    assert [m["embeds"][0]["title"] for m in fake.posted(thread_id)] == ["Title 2"]


async def test_a_thread_locked_to_the_bot_starts_the_story_over_in_the_channel(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    dest = destination(client, store, clock)
    enqueue(store, alert(1, story="s"))
    await Delivery(store, [dest], clock).deliver_due()
    (old_thread,) = fake.threads
    fake.fail_next("POST", f"/channels/{old_thread}/messages", 403)
    enqueue(store, alert(2, story="s"))
    assert (await Delivery(store, [dest], clock).deliver_due()).sent == 1
    assert [m["embeds"][0]["title"] for m in fake.posted(CHANNEL)] == ["Title 1", "Title 2"]
    assert fake.posted(old_thread) == []
    assert store.story_thread("discord", "s")["thread_id"] != old_thread


async def test_a_deleted_thread_does_not_stall_the_check_after_a_crash(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    dest = destination(client, store, clock)
    enqueue(store, alert(1, story="s"))
    await Delivery(store, [dest], clock).deliver_due()
    (old_thread,) = fake.threads
    del fake.channels[old_thread], fake.threads[old_thread]
    enqueue(store, alert(2, story="s"))
    store.mark_intent([2], clock())  # a crash left its outcome unknown
    assert (await Delivery(store, [dest], clock).deliver_due()).sent == 1
    assert [m["embeds"][0]["title"] for m in fake.posted(CHANNEL)] == ["Title 1", "Title 2"]


async def test_a_story_thread_is_named_after_the_story(
    fake: FakeDiscord, client: discord.Client, store: Store
) -> None:
    clock = Clock()
    named = dataclasses.replace(alert(1, story="story:a1"), story_title="Bartz v. Anthropic")
    enqueue(store, named)
    await Delivery(store, [destination(client, store, clock)], clock).deliver_due()
    (thread,) = fake.threads.values()
    assert thread["name"] == "Bartz v. Anthropic"
    fields = {f["name"]: f["value"] for f in fake.posted(CHANNEL)[0]["embeds"][0]["fields"]}
    assert fields["Story"] == "Bartz v. Anthropic (story:a1)"  # the id /news story accepts
