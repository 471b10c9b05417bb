"""Slack destinations over real HTTP to the local fake Slack: blocks, threads, 429s, webhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import slack_chat
from bot.chat.base import DeliveryPolicy, OutgoingMessage
from bot.chat.delivery import Delivery
from bot.chat.slack_chat import SlackDestination, SlackWebhookDestination, make_web_client
from bot.errors import ChatError
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.slack_fake import FakeSlack
from tests.waiting import wait_for

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


def _alert(n: int, story: str | None = "story-1", title: str | None = None) -> Alert:
    return Alert(
        article_id=f"a{n}",
        title=title or f"Ruling number {n}",
        url=f"https://news.example/{n}",
        source="Example",
        published=NOW,
        category="lawsuit",
        story=story,
        summary="Something new happened.",
        new_claims=(Claim(text=f"Claim {n} is new and worth reading.", novel=True),),
    )


def _message(n: int, **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(id=n, kind="alert", payload=alert_to_payload(_alert(n, **kwargs)))  # type: ignore[arg-type]


def _destination(slack: FakeSlack, threads: object = None) -> SlackDestination:
    return SlackDestination(
        make_web_client("xoxb-test", slack.api_url),
        "C0ALERTS",
        threads,  # type: ignore[arg-type]
        Clock(),
    )


async def test_alert_is_posted_with_blocks_and_no_pings(slack: FakeSlack) -> None:
    destination = _destination(slack)
    ref = await destination.send(_message(1))
    (post,) = slack.posts()
    assert ref == f"C0ALERTS/{post['ts']}"
    call = next(c for c in slack.calls if c.method == "chat.postMessage")
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert post["channel"] == "C0ALERTS"
    assert post["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Ruling number 1", "emoji": False},
    }
    assert post["link_names"] in (False, "0", 0, "false")
    assert post["unfurl_links"] in (False, "0", 0, "false")
    assert post["metadata"] == {
        "event_type": "newsbot_outbox",
        "event_payload": {"first_id": 1, "last_id": 1},
    }
    assert "thread_ts" not in post


async def test_notice_is_posted(slack: FakeSlack) -> None:
    destination = _destination(slack)
    await destination.send(OutgoingMessage(id=9, kind="notice", payload={"text": "Feed down"}))
    (post,) = slack.posts()
    assert "Feed down" in post["blocks"][0]["text"]["text"]


async def test_429_becomes_a_chat_error_with_retry_after(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(ChatError) as caught:
        await _destination(slack).send(_message(1))
    assert caught.value.retry_after == 7.0
    assert slack.posts() == []


async def test_admin_errors_name_the_fix(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=200, error="not_in_channel")
    with pytest.raises(ChatError, match="invite the bot"):
        await _destination(slack).send(_message(1))


async def test_refused_blocks_fall_back_to_text(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    await _destination(slack).send(_message(1))
    (post,) = slack.posts()
    assert "blocks" not in post and post["text"].startswith("New: Ruling number 1")


async def test_429_then_success_gives_exactly_one_message(slack: FakeSlack, store: Store) -> None:
    clock = Clock()
    store.enqueue(
        kind="alert",
        article_id="a1",
        destination="slack",
        payload=alert_to_payload(_alert(1, title="@channel <!everyone> <@U123> *big* news")),
        now=NOW,
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    delivery = Delivery(store, [_destination(slack)], clock)

    first = await delivery.deliver_due()
    assert (first.sent, first.failed) == (0, 1)
    clock.now += timedelta(seconds=1)
    assert (await delivery.deliver_due()).sent == 0  # Retry-After not over yet: nothing sent
    clock.now += timedelta(seconds=3)
    assert (await delivery.deliver_due()).sent == 1
    assert (await delivery.deliver_due()).sent == 0

    attempts = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert len(attempts) == 2
    (post,) = slack.posts()
    assert "<!everyone>" not in post["text"] and "<@U123>" not in post["text"]
    assert store.outbox_length("slack") == 0


async def test_webhook_posts_blocks_and_honours_429(slack: FakeSlack) -> None:
    destination = SlackWebhookDestination(f"{slack.base}/webhook/T1")
    slack.fail_next("webhook:T1", status=429, retry_after=2)
    with pytest.raises(ChatError) as caught:
        await destination.send(_message(1))
    assert caught.value.retry_after == 2.0
    assert await destination.send(_message(1)) is None
    delivered = [c for c in slack.webhook_posts if c.method == "T1"]
    assert len(delivered) == 1
    assert delivered[0].params["blocks"][0]["type"] == "header"
    assert delivered[0].params["unfurl_links"] is False


def _queue(store: Store, n: int, story: str | None = "story-1") -> None:
    store.enqueue(
        kind="alert",
        article_id=f"a{n}",
        destination="slack",
        payload=alert_to_payload(_alert(n, story=story)),
        now=NOW,
    )


async def test_story_follow_ups_go_into_the_thread_of_the_first_alert(
    slack: FakeSlack, store: Store
) -> None:
    for n in (1, 2, 3):
        _queue(store, n, story="story-1" if n != 2 else "story-2")
    _queue(store, 4, story=None)
    delivery = Delivery(store, [_destination(slack, store)], Clock())
    assert (await delivery.deliver_due()).sent == 4

    first, other, follow_up, lone = slack.posts()
    assert "thread_ts" not in first and "thread_ts" not in other and "thread_ts" not in lone
    assert follow_up["thread_ts"] == first["ts"]
    assert follow_up["reply_broadcast"] is False
    assert follow_up["blocks"][0]["text"]["text"] == "Follow-up: Ruling number 3"
    row = store.story_thread("slack", "story-1")
    assert row is not None and row["thread_id"] == first["ts"] and row["channel_id"] == "C0ALERTS"


@pytest.mark.parametrize("error", ["thread_not_found", "cannot_reply_to_message"])
async def test_a_thread_that_takes_no_replies_starts_a_new_one(
    slack: FakeSlack, store: Store, error: str
) -> None:
    destination = _destination(slack, store)
    await destination.send(_message(1))
    slack.fail_next("chat.postMessage", status=200, error=error)
    await destination.send(_message(2))
    _first, second = slack.posts()
    assert "thread_ts" not in second
    row = store.story_thread("slack", "story-1")
    assert row is not None and row["thread_id"] == second["ts"]


async def test_restart_after_a_crash_between_post_and_mark_does_not_double(
    slack: FakeSlack, store: Store
) -> None:
    _queue(store, 1)
    _queue(store, 2)
    (row1, row2) = store.due_messages("slack", NOW)
    # A minute ago the first run marked its intent and posted, then died before recording
    # the send.
    crashed = NOW - timedelta(minutes=1)
    store.mark_intent([row1["id"]], crashed)
    await _destination(slack, store).send(_message(row1["id"]))
    # It also marked the second but died before posting it.
    store.mark_intent([row2["id"]], crashed)

    delivery = Delivery(store, [_destination(slack, store)], Clock())
    report = await delivery.deliver_due()
    assert report.sent == 2
    posts = slack.posts()
    assert [p["metadata"]["event_payload"]["first_id"] for p in posts] == [row1["id"], row2["id"]]
    assert store.outbox_length("slack") == 0
    history_calls = [c for c in slack.calls if c.method.startswith("conversations.")]
    assert history_calls, "the restart looked at the channel before sending"


async def test_backlog_goes_out_as_one_digest(slack: FakeSlack, store: Store) -> None:
    for n in range(1, 13):
        _queue(store, n, story=f"story-{n}")
    destination = SlackDestination(
        make_web_client("xoxb-test", slack.api_url),
        "C0ALERTS",
        store,
        Clock(),
        policy=DeliveryPolicy(backlog_digest_at=10, digest_size=20),
    )
    report = await Delivery(store, [destination], Clock()).deliver_due()
    assert report.sent == 12
    (digest,) = slack.posts()
    assert digest["blocks"][0]["text"]["text"] == "12 updates while you were away"
    assert digest["metadata"]["event_payload"] == {"first_id": 1, "last_id": 12}
    assert "ref 1-12" in digest["blocks"][-1]["elements"][0]["text"]


async def test_reconcile_survives_a_deleted_story_thread(slack: FakeSlack, store: Store) -> None:
    destination = _destination(slack, store)
    await destination.send(_message(1))
    slack.fail_next("conversations.replies", status=200, error="thread_not_found")
    assert await destination.find_sent(_message(2)) is None  # looked, found nothing
    assert [c.method for c in slack.calls][-2:] == [
        "conversations.replies",
        "conversations.history",
    ]


HOSTILE_PARTS = [
    "@channel",
    "@here",
    "@everyone",
    "<!everyone>",
    "<!channel|x>",
    "<@U123>",
    "<#C1|general>",
    "<https://evil.example|click>",
    "*bold* _it_ ~s~ `c`",
    "[md](https://evil.example)",
    "&amp;&lt;",
    "x" * 100_000,
]


async def test_a_hundred_hostile_alerts_ping_nobody_and_all_arrive(
    slack: FakeSlack, store: Store
) -> None:
    for n in range(100):
        parts = HOSTILE_PARTS[n % len(HOSTILE_PARTS)], HOSTILE_PARTS[(n * 7) % len(HOSTILE_PARTS)]
        title = f"{n}: {parts[0]} {parts[1]}"
        alert = Alert(
            article_id=f"h{n}",
            title=title,
            url=f"https://news.example/h{n}",
            source=parts[1][:200],
            published=NOW,
            category="lawsuit",
            story=f"s{n % 10}",
            summary=title,
            new_claims=(Claim(text=title, novel=True, quote=parts[0]),),
        )
        store.enqueue(
            kind="alert",
            article_id=alert.article_id,
            destination="slack",
            payload=alert_to_payload(alert),
            now=NOW,
        )
    delivery = Delivery(store, [_destination(slack, store)], Clock())
    sent = failed = 0
    while report := await delivery.deliver_due():  # 50 rows per pass
        if not report.sent and not report.failed:
            break
        sent, failed = sent + report.sent, failed + report.failed
    assert (sent, failed) == (100, 0)
    posts = slack.posts()
    assert len(posts) == 100
    for post in posts:
        header, *rest = post["blocks"]
        assert header["type"] == "header"  # plain_text: Slack parses no links or mentions
        parsed = json.dumps([post["text"], rest], ensure_ascii=False)
        assert not re.search(r"<[!@#]", parsed)
        for text in (parsed, header["text"]["text"]):
            assert not re.search(r"(?<![\w\u2060])@(channel|here|everyone)\b", text)
        for target in re.findall(r"<([^>|]+)\|", parsed):
            assert target.startswith("https://news.example/h")


def _live_destination(slack: FakeSlack, store: Store, **policy: int) -> SlackDestination:
    return SlackDestination(
        AsyncWebClient(token="xoxb-test", base_url=slack.api_url, timeout=2, retry_handlers=[]),
        "C0ALERTS",
        store,
        lambda: datetime.now(UTC),
        policy=DeliveryPolicy(**policy),
    )


async def _crash_mid_send(
    slack: FakeSlack, store: Store, ids: list[int], send: Callable[[], Awaitable[object]]
) -> None:
    """What a run that dies during a slow send leaves: intent marks, and a request that
    Slack stores only after the next run has started."""
    store.mark_intent(ids, datetime.now(UTC))
    dying = asyncio.create_task(send())
    await slack.wait_for(lambda: any(c.method == "chat.postMessage" for c in slack.calls))
    dying.cancel()  # the process is gone; its request is still on its way to Slack
    with contextlib.suppress(asyncio.CancelledError):
        await dying
    assert slack.posts() == []  # not in the channel yet


@pytest.mark.parametrize("digest", [False, True])
async def test_restart_during_a_slow_send_waits_for_it_and_does_not_post_again(
    slack: FakeSlack, store: Store, monkeypatch: pytest.MonkeyPatch, digest: bool
) -> None:
    monkeypatch.setattr(slack_chat, "SETTLE_MARGIN", 0.5)  # requests time out after 2 s
    for n in (1, 2, 3):
        _queue(store, n)  # one story: 2 and 3 follow up on 1
    slack.post_latency = 1.0
    dead = _live_destination(slack, store)
    if digest:
        batch = [_message(n) for n in (1, 2, 3)]
        await _crash_mid_send(slack, store, [1, 2, 3], lambda: dead.send_digest(batch))
    else:
        await _crash_mid_send(slack, store, [1], lambda: dead.send(_message(1)))

    policy = {"backlog_digest_at": 2, "digest_size": 20} if digest else {}
    delivery = Delivery(
        store, [_live_destination(slack, store, **policy)], lambda: datetime.now(UTC)
    )
    task = asyncio.create_task(delivery.run())
    await wait_for(lambda: store.outbox_length("slack") == 0, 15)
    await asyncio.sleep(1.5)  # a second copy, had one been sent, lands meanwhile
    await delivery.shutdown(task)

    posts = slack.posts()
    if digest:
        assert len(posts) == 1  # the digest, once
        return
    first, *follow_ups = posts
    assert len(posts) == 3 and first["metadata"]["event_payload"]["first_id"] == 1
    assert [p.get("thread_ts") for p in follow_ups] == [first["ts"]] * 2
    row = store.story_thread("slack", "story-1")
    assert row is not None and row["thread_id"] == first["ts"]
