"""What every chat destination offers the delivery loop.

Every destination can `send` one message. A destination may also offer more, which the
delivery loop uses when present:

- `find_sent(message)`: look on the platform for a message an earlier run may have sent
  just before it crashed, so a restart never posts it twice;
- `send_digest(messages)`: post many queued messages as one (backlogs, digest mode);
- `policy`: its rate cap and digest settings;
- `settle_seconds`: the longest one of its requests can take, so after a crash delivery
  waits that long past the send's intent mark before it trusts `find_sent`'s "not there"
  (a platform with no nonce, like Slack, would otherwise get the message twice).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bot.chat.earlier import AlertContext


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row on its way out: an alert or a notice (e.g. "feed is failing").

    `context` is what the delivery loop looked up for an alert before sending (earlier
    coverage, how its text was obtained), so no send ever queries the store.
    """

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int = 0
    context: AlertContext | None = None


@dataclass(frozen=True)
class SentRef:
    """A message found already on the platform: its id, and the last outbox id it carries.

    A digest carries several outbox rows: every pending row up to `through_id` is in it.
    """

    ref: str
    through_id: int


@dataclass(frozen=True)
class DeliveryPolicy:
    """How fast and in what shape one destination receives its messages.

    rate_per_minute: at most this many platform messages per rolling minute (0: no cap).
    digest_minutes: collect messages for this long, then post one digest (0: post each).
    backlog_digest_at: when this many are waiting at once (after an outage), post them as
        digests instead of one by one (0: never).
    digest_size: at most this many messages in one digest (it lists as many as fit and
        counts the rest).
    """

    rate_per_minute: int = 0
    digest_minutes: int = 0
    backlog_digest_at: int = 0
    digest_size: int = 20  # discord.digest_size / slack.digest_size


class Destination(Protocol):
    """A place alerts go. `send` returns the platform's message id, when it has one.

    It raises bot.errors.ChatError on failure (with `retry_after` when the platform says
    when to try again, `permanent` when it will never accept this message).
    """

    name: str

    async def send(self, message: OutgoingMessage) -> str | None: ...


@runtime_checkable
class Reconciling(Protocol):
    """A destination that can tell whether a message already reached the platform."""

    async def find_sent(self, message: OutgoingMessage) -> SentRef | None: ...


@runtime_checkable
class Digesting(Protocol):
    """A destination that can post several queued messages as one."""

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None: ...


def marker(first_id: int, last_id: int | None = None) -> str:
    """The reference a sent message carries (e.g. in a footer) so it can be found again."""
    if last_id is None or last_id == first_id:
        return f"ref {first_id}"
    return f"ref {first_id}-{last_id}"


def parse_marker(text: str) -> tuple[int, int] | None:
    """(first, last) outbox ids from a text containing a marker, or None."""
    match = re.search(r"\bref (\d+)(?:-(\d+))?\b", text)
    if not match:
        return None
    first = int(match.group(1))
    return first, int(match.group(2) or first)


def split(messages: Sequence[OutgoingMessage]) -> tuple[list[OutgoingMessage], list[str]]:
    """A digest's rows as (alerts, notice texts), in order."""
    alerts = [m for m in messages if m.kind == "alert"]
    notices = [str(m.payload.get("text") or "") for m in messages if m.kind != "alert"]
    return alerts, notices


def digest_alerts(message: OutgoingMessage) -> list[OutgoingMessage]:
    """A route's digest row (kind "digest") as the alerts it carries, each with the row's
    id, so the digest message carries the row's marker (`ref N`) and nonce."""
    alerts = message.payload.get("alerts") or []
    return [
        OutgoingMessage(id=message.id, kind="alert", payload=alert, attempts=message.attempts)
        for alert in alerts
        if isinstance(alert, dict)
    ]
