"""The platform-neutral delivery core: reconcile after a crash, rate cap, digests, dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.chat.base import DeliveryPolicy, OutgoingMessage, SentRef, marker, parse_marker
from bot.chat.delivery import Delivery
from bot.errors import ChatError
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store

T0 = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class RecordingDestination:
    """Keeps what it was sent; can find what it has (like a channel's history)."""

    name = "chat"

    def __init__(self, policy: DeliveryPolicy | None = None) -> None:
        self.policy = policy or DeliveryPolicy()
        self.messages: list[tuple[int, ...]] = []  # outbox ids per platform message
        self.refuse: dict[int, ChatError] = {}

    async def send(self, message: OutgoingMessage) -> str | None:
        if message.id in self.refuse:
            raise self.refuse.pop(message.id)
        self.messages.append((message.id,))
        return f"m{len(self.messages)}"

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        self.messages.append(tuple(m.id for m in messages))
        return f"m{len(self.messages)}"

    async def find_sent(self, message: OutgoingMessage) -> SentRef | None:
        for number, ids in enumerate(self.messages, 1):
            if ids[0] == message.id:
                return SentRef(ref=f"m{number}", through_id=ids[-1])
        return None


def queue(store: Store, count: int, destination: str = "chat", start: int = 0) -> None:
    for n in range(start, start + count):
        alert = Alert(
            article_id=f"a{n}",
            title=f"Title {n}",
            url=f"https://news.example/{n}",
            source="Example",
            published=T0,
            category="lawsuit",
            story=None,
            summary="",
            new_claims=(Claim(text=f"Claim {n}.", novel=True),),
        )
        store.enqueue(
            kind="alert",
            article_id=alert.article_id,
            destination=destination,
            payload=alert_to_payload(alert),
            now=T0,
        )


def outbox(store: Store) -> list[dict[str, object]]:
    with store.reading():  # the store's lock, as every reader of its connection holds it
        return list(store.db["outbox"].rows_where(order_by="id"))


async def test_a_send_cut_short_by_a_crash_is_found_and_not_repeated(store: Store) -> None:
    queue(store, 3)
    dest = RecordingDestination()
    clock = Clock()
    # A previous run sent outbox 1 and died before recording it: the intent is there,
    # the message is on the platform, the row is still pending.
    store.mark_intent([1], clock())
    dest.messages.append((1,))
    report = await Delivery(store, [dest], clock).deliver_due()
    assert report.sent == 3
    assert dest.messages == [(1,), (2,), (3,)]
    rows = outbox(store)
    assert [r["status"] for r in rows] == ["sent"] * 3
    assert rows[0]["message_ref"] == "m1"


async def test_an_intent_without_a_message_is_sent_once(store: Store) -> None:
    queue(store, 1)
    dest = RecordingDestination()
    store.mark_intent([1], T0)  # crashed before the request left
    await Delivery(store, [dest], Clock()).deliver_due()
    assert dest.messages == [(1,)]


async def test_a_digest_found_after_a_crash_covers_all_its_rows(store: Store) -> None:
    queue(store, 4)
    dest = RecordingDestination(DeliveryPolicy(backlog_digest_at=3))
    store.mark_intent([1, 2, 3], T0)
    dest.messages.append((1, 2, 3))
    report = await Delivery(store, [dest], Clock()).deliver_due()
    assert report.sent == 4
    assert dest.messages == [(1, 2, 3), (4,)]


async def test_rate_cap_holds_the_rest_until_the_minute_has_passed(store: Store) -> None:
    queue(store, 5)
    dest = RecordingDestination(DeliveryPolicy(rate_per_minute=2))
    clock = Clock()
    delivery = Delivery(store, [dest], clock)
    assert (await delivery.deliver_due()).sent == 2
    clock.advance(seconds=30)
    assert (await delivery.deliver_due()).sent == 0
    clock.advance(seconds=31)
    assert (await delivery.deliver_due()).sent == 2
    clock.advance(seconds=61)
    assert (await delivery.deliver_due()).sent == 1
    assert [ids[0] for ids in dest.messages] == [1, 2, 3, 4, 5]


async def test_digest_mode_collects_then_posts_one_message(store: Store) -> None:
    queue(store, 3)
    dest = RecordingDestination(DeliveryPolicy(digest_minutes=10))
    clock = Clock()
    delivery = Delivery(store, [dest], clock)
    clock.advance(minutes=5)
    assert (await delivery.deliver_due()).sent == 0
    clock.advance(minutes=6)
    assert (await delivery.deliver_due()).sent == 3
    assert dest.messages == [(1, 2, 3)]
    assert {r["message_ref"] for r in outbox(store)} == {"m1"}


async def test_a_long_backlog_arrives_as_digests_a_short_one_message_by_message(
    store: Store,
) -> None:
    queue(store, 25)
    dest = RecordingDestination(DeliveryPolicy(backlog_digest_at=10, digest_size=20))
    delivery = Delivery(store, [dest], Clock())
    assert (await delivery.deliver_due()).sent == 25
    # 25 waiting: a digest of 20; the 5 left are below the threshold, so one by one.
    assert [len(ids) for ids in dest.messages] == [20, 1, 1, 1, 1, 1]
    assert store.outbox_length() == 0


async def test_a_message_refused_for_good_is_set_aside_and_the_rest_go(store: Store) -> None:
    queue(store, 3)
    dest = RecordingDestination()
    dest.refuse[2] = ChatError("400 invalid form body", permanent=True)
    report = await Delivery(store, [dest], Clock()).deliver_due()
    assert report.sent == 2  # 1 and 3 delivered, 2 set aside
    assert dest.messages == [(1,), (3,)]
    statuses = [r["status"] for r in outbox(store)]
    assert statuses == ["sent", "dead", "sent"]
    assert outbox(store)[1]["last_error"] == "400 invalid form body"


async def test_backoff_grows_and_recovers(store: Store) -> None:
    queue(store, 1)
    dest = RecordingDestination()
    clock = Clock()
    delivery = Delivery(store, [dest], clock)
    for _ in range(3):
        dest.refuse[1] = ChatError("503 unavailable")
        assert (await delivery.deliver_due()).failed == 1
        row = outbox(store)[0]
        waits = datetime.fromisoformat(str(row["next_attempt_at"])) - clock()
        clock.now = datetime.fromisoformat(str(row["next_attempt_at"]))
    assert waits >= timedelta(seconds=10)  # third failure: 20 s x (0.5..1)
    assert (await delivery.deliver_due()).sent == 1
    assert dest.messages == [(1,)]


def test_markers_round_trip() -> None:
    assert parse_marker("a1b2 · " + marker(17) + " · /news why") == (17, 17)
    assert parse_marker(marker(3, 9)) == (3, 9)
    assert parse_marker("no reference here") is None
