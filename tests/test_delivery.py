"""The delivery loop: order, exactly-once, retries that honour retry_after, console output."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta

from bot.chat.base import OutgoingMessage
from bot.chat.console import ConsoleDestination, render_alert_text
from bot.chat.delivery import Delivery
from bot.chat.view import alert_view
from bot.errors import ChatError
from bot.models import Alert, Claim, alert_from_payload, alert_to_payload
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class FlakyDestination:
    """Fails the first `failures` sends, then records what it got."""

    name = "flaky"

    def __init__(self, failures: int, retry_after: float | None = None) -> None:
        self.failures = failures
        self.retry_after = retry_after
        self.sent: list[int] = []

    async def send(self, message: OutgoingMessage) -> str | None:
        if self.failures:
            self.failures -= 1
            raise ChatError("HTTP 429", retry_after=self.retry_after)
        self.sent.append(message.id)
        return f"m{message.id}"


def _alert(n: int) -> Alert:
    return Alert(
        article_id=f"a{n}",
        title=f"Title {n} @everyone",
        url=f"https://news.example/{n}",
        source="Example",
        published=NOW,
        category="lawsuit",
        story="s1",
        summary="Something new happened.",
        new_claims=(Claim(text="A court ruled on Monday.", novel=True),),
    )


def _queue(store: Store, destination: str, count: int) -> None:
    for n in range(count):
        store.enqueue(
            kind="alert",
            article_id=f"a{n}",
            destination=destination,
            payload=alert_to_payload(_alert(n)),
            now=NOW,
        )


def test_alert_payload_round_trips() -> None:
    assert alert_from_payload(alert_to_payload(_alert(1))) == _alert(1)
    named = dataclasses.replace(_alert(1), story_title="Getty Images v. Stability AI")
    assert alert_from_payload(alert_to_payload(named)) == named


def test_the_console_shows_the_story_by_name_and_id() -> None:
    named = dataclasses.replace(_alert(1), story_title="Getty Images v. Stability AI")
    assert "story: Getty Images v. Stability AI (s1)" in render_alert_text(alert_view(named))


async def test_retry_after_is_honoured_then_each_alert_goes_once_in_order(store: Store) -> None:
    _queue(store, "flaky", 3)
    clock = [NOW]
    dest = FlakyDestination(failures=1, retry_after=30)
    delivery = Delivery(store, [dest], lambda: clock[0])
    first = await delivery.deliver_due()
    assert (first.sent, first.failed) == (0, 1)
    assert (await delivery.deliver_due()).sent == 0  # 30 s have not passed
    clock[0] = NOW + timedelta(seconds=31)
    assert (await delivery.deliver_due()).sent == 3
    assert (await delivery.deliver_due()).sent == 0
    assert dest.sent == sorted(dest.sent) and len(dest.sent) == 3
    assert store.outbox_length() == 0


async def test_one_destination_down_does_not_hold_up_another(store: Store) -> None:
    _queue(store, "flaky", 1)
    _queue(store, "console", 1)
    out = io.StringIO()
    down = FlakyDestination(failures=100)
    report = await Delivery(store, [down, ConsoleDestination(out)], lambda: NOW).deliver_due()
    assert (report.sent, report.failed) == (1, 1)
    assert "Title 0" in out.getvalue()
    assert store.outbox_length("flaky") == 1


async def test_console_alert_is_readable() -> None:
    out = io.StringIO()
    payload = alert_to_payload(_alert(7))
    await ConsoleDestination(out).send(OutgoingMessage(id=1, kind="alert", payload=payload))
    text = out.getvalue()
    for part in (
        "NEW: Title 7",
        "Example | 2025-11-06 | lawsuit",
        "https://news.example/7",
        "Something new happened.",
        "New claims:",
        "  - A court ruled on Monday.",
    ):
        assert part in text, part
