"""Digest routes: at each route's set local time, what it held becomes one outbox row.

`release_due` looks at every digest route once: when its latest due time has passed and
alerts held before it have not gone out, they are queued as one digest (bot.store.routes:
one transaction, keyed by route and due time, so never twice). Run at start, it sends
what a bot that was down at the time missed; `run` repeats it at each next due time.
The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.routes import Route
from bot.store import Store
from bot.store.faults import describe, is_storage_fault

log = logging.getLogger(__name__)

DIGEST_MAX_ALERTS = 200  # in one digest; the rest wait for the next
CHECK_SECONDS = 60.0  # the longest `run` sleeps (a clock change, a route added meanwhile)


class Digests:
    """Releases the digests that are due, for the routes `routes()` returns."""

    def __init__(
        self,
        store: Store,
        routes: Callable[[], Sequence[Route]],
        clock: Callable[[], datetime],
        *,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._routes = routes
        self._clock = clock
        self._on_queued = on_queued

    def release_due(self) -> int:
        """Queue every digest that is due now; returns how many alerts they carry."""
        now = self._clock()
        total = 0
        for route in self._routes():
            schedule = route.schedule
            if schedule is None:
                continue
            due = schedule.last_due(now)
            count = self._store.release_digest(
                route.name, route.destination, due, now, limit=DIGEST_MAX_ALERTS
            )
            if count:
                log.info("route %s: digest of %d alerts queued", route.name, count)
            total += count
        if total and self._on_queued is not None:
            self._on_queued()
        return total

    def next_due(self) -> datetime | None:
        """When the next digest is due (None: no digest route)."""
        now = self._clock()
        times = [s.next_due(now) for r in self._routes() if (s := r.schedule) is not None]
        return min(times) if times else None

    async def run(self, stop: asyncio.Event) -> None:
        """Release due digests now and at every next due time, until `stop` is set."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.release_due)
            except Exception as exc:  # try again at the next check
                if is_storage_fault(exc):  # the database, not a bug: one line
                    log.warning("digests wait for the database: %s", describe(exc).line)
                else:
                    log.exception("digests could not be released; trying again soon")
            wait = CHECK_SECONDS
            upcoming = self.next_due()
            if upcoming is not None:
                wait = min(wait, max(0.5, (upcoming - self._clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
