"""What every chat destination offers the delivery loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row on its way out: an alert or a notice (e.g. "feed is failing")."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int = 0


class Destination(Protocol):
    """A place alerts go. `send` returns the platform's message id, when it has one.

    It raises bot.errors.ChatError on failure (with `retry_after` when the platform says
    when to try again).
    """

    name: str

    async def send(self, message: OutgoingMessage) -> str | None: ...
