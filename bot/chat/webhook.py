"""What every webhook destination shares (Discord's channel webhook, Slack's incoming one).

A webhook can post but cannot read the channel: no story threads, no `find_sent`, so
after a crash in the instant between the platform accepting a message and the outbox
recording it, that one message may appear twice. A platform gives how one message and
one digest look (`render`, `render_digest`) and how a rendered message is posted (`post`,
raising ChatError); sending is the same for all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, TypeVar

from bot.chat.base import DeliveryPolicy, OutgoingMessage, digest_alerts

Rendered = TypeVar("Rendered")


class Webhook(ABC, Generic[Rendered]):
    """Alerts and notices through one webhook URL, as top-level messages."""

    def __init__(self, name: str, policy: DeliveryPolicy | None, *, compact: bool = False) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self.compact = compact  # one line per alert (a route's choice)

    async def send(self, message: OutgoingMessage) -> str | None:
        if message.kind == "digest":  # a digest route's digest
            return await self.send_digest(digest_alerts(message))
        return await self.post(self.render(message))

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        return await self.post(self.render_digest(messages))

    @abstractmethod
    def render(self, message: OutgoingMessage) -> Rendered: ...

    @abstractmethod
    def render_digest(self, messages: Sequence[OutgoingMessage]) -> Rendered: ...

    @abstractmethod
    async def post(self, rendered: Rendered) -> str | None: ...
