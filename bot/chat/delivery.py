"""The delivery loop: moves outbox rows to their destinations, each at most once, in order.

A destination that fails keeps its messages pending with a retry time; the other
destinations are not held up. The pipeline never calls chat code directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat.base import Destination, OutgoingMessage
from bot.errors import ChatError
from bot.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=30)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


class Delivery:
    """Drains the outbox for every destination."""

    def __init__(
        self,
        store: Store,
        destinations: Sequence[Destination],
        clock: Callable[[], datetime],
        *,
        idle_seconds: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._destinations = list(destinations)
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell the loop new messages are waiting (it also checks every idle_seconds)."""
        self._wake.set()

    async def deliver_due(self) -> DeliveryReport:
        """Send every message that is due now; returns how many went out and how many failed."""
        sent = failed = 0
        for destination in self._destinations:
            s, f = await self._deliver_to(destination)
            sent += s
            failed += f
        return DeliveryReport(sent, failed)

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                await self.deliver_due()
            except Exception:  # a bug must not stop delivery for good
                log.exception("delivery pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle_seconds)

    async def _deliver_to(self, destination: Destination) -> tuple[int, int]:
        sent = failed = 0
        rows = await asyncio.to_thread(self._store.due_messages, destination.name, self._clock())
        for row in rows:
            message = OutgoingMessage(
                id=row["id"], kind=row["kind"], payload=row["payload"], attempts=row["attempts"]
            )
            try:
                ref = await destination.send(message)
            except ChatError as exc:
                failed += 1
                delay = self._retry_delay(message.attempts, exc.retry_after)
                log.warning(
                    "delivery to %s failed (attempt %d), retrying in %.0fs: %s",
                    destination.name,
                    message.attempts + 1,
                    delay.total_seconds(),
                    exc,
                )
                await asyncio.to_thread(
                    self._store.mark_retry, message.id, str(exc), self._clock() + delay
                )
                break  # keep order: nothing later goes out before this one
            await asyncio.to_thread(self._store.mark_sent, message.id, self._clock(), ref)
            sent += 1
        return sent, failed

    def _retry_delay(self, attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None:
            return timedelta(seconds=max(0.0, retry_after))
        base = min(MAX_BACKOFF.total_seconds(), 5.0 * (2**attempts))
        return timedelta(seconds=base * (0.5 + self._rng.random() / 2))
