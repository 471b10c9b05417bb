"""The delivery loop: moves outbox rows to their destinations, each exactly once, in order.

Before a send, the rows it carries get an intent mark. A row that still has its mark
when delivery looks at it again was perhaps sent just before a crash: the destination is
asked (`find_sent`) and the row is marked sent without sending it twice. A request of the
dead run may still be on its way then, so when the destination says how long a request
can take (`settle_seconds`), delivery waits that long after the mark and looks again
before it sends.

A destination that fails keeps its messages pending with a retry time (the platform's
retry-after, else exponential backoff with jitter); the other destinations are not held
up: each has its own loop, and a pass never overlaps the previous one. Per destination,
a rate cap and digests (a long backlog, or digest mode) apply. The pipeline never calls
chat code directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.chat.base import (
    DeliveryPolicy,
    Destination,
    Digesting,
    OutgoingMessage,
    Reconciling,
)
from bot.chat.earlier import AlertContext, contexts
from bot.errors import ChatError
from bot.store import Store
from bot.store.faults import STORE_ERRORS, StorageStatus, describe, is_storage_fault

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=30)
RATE_WINDOW = timedelta(minutes=1)
STORAGE_WAIT = timedelta(seconds=3)  # how often delivery looks again while the database fails


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


class Delivery:
    """Drains the outbox for every destination.

    Each destination has its own loop and its own lock: a pass for one destination never
    overlaps the previous pass for it, and whatever one destination does (fail, hang,
    raise a bug) never touches another's messages.
    """

    def __init__(
        self,
        store: Store,
        destinations: Sequence[Destination],
        clock: Callable[[], datetime],
        *,
        idle_seconds: float = 2.0,
        rng: random.Random | None = None,
        storage: StorageStatus | None = None,
    ) -> None:
        self._store = store
        self._destinations = list(destinations)
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._rng = rng or random.Random()
        names = [d.name for d in self._destinations]
        self._wakes = {name: asyncio.Event() for name in names}
        self._passes = {name: asyncio.Lock() for name in names}
        self._stopping = False
        self._soonest_retry: dict[str, datetime] = {}
        self._paused_until: dict[str, datetime] = {}
        self._crashes: dict[str, int] = {}
        self._recent_sends: dict[str, deque[datetime]] = {}
        self._answered: set[int] = set()  # outbox ids whose send this run saw end
        self._unrecorded: dict[str, list[tuple[list[int], str | None]]] = {}
        self._storage = storage
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop `run` runs on
        self._loops: list[asyncio.Future[None]] | None = None  # while `run` runs
        self._added = asyncio.Event()
        self._removed: set[str] = set()

    def wake(self) -> None:
        """Tell the loops new messages are waiting (they also check every idle_seconds)."""
        for event in self._wakes.values():
            event.set()

    async def shutdown(self, task: asyncio.Task[None], grace_seconds: float = 5.0) -> None:
        """Stop `task` (running `run`) after the sends in flight, or cancel it after the grace
        period. Either way nothing is lost: an interrupted send is reconciled next start."""
        self._stopping = True
        self.wake()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def deliver_due(self) -> DeliveryReport:
        """Send every message that is due now; returns how many went out and how many failed."""
        results = await asyncio.gather(*(self._pass(d) for d in self._destinations))
        return DeliveryReport(sum(s for s, _ in results), sum(f for _, f in results))

    async def run(self) -> None:
        """Deliver until cancelled or asked to stop (see `shutdown`): one loop per
        destination, and one more for each destination added meanwhile (a route)."""
        self._loop = asyncio.get_running_loop()
        self._loops = [asyncio.ensure_future(self._run_one(d)) for d in self._destinations]
        try:
            while True:
                running = [t for t in self._loops if not t.done()]
                if not running and self._stopping:
                    return
                self._added.clear()
                added: asyncio.Future[Any] = asyncio.ensure_future(self._added.wait())
                waiting: list[asyncio.Future[Any]] = [*running, added]
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                added.cancel()
        finally:
            for loop in self._loops:
                loop.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)

    def add_destination(self, destination: Destination) -> None:
        """Deliver to one more destination (a route added from chat), from now on. Safe to
        call from a worker thread (the commands run there): the change is made on the loop."""
        self._on_loop(lambda: self._add(destination))

    def remove_destination(self, name: str) -> None:
        """Stop delivering to a destination (a route removed from chat)."""
        self._on_loop(lambda: self._remove(name))

    def _on_loop(self, change: Callable[[], None]) -> None:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop:
            loop.call_soon_threadsafe(change)
        else:
            change()

    def _add(self, destination: Destination) -> None:
        name = destination.name
        if any(d.name == name for d in self._destinations):
            return
        self._removed.discard(name)
        self._destinations.append(destination)
        self._wakes[name] = asyncio.Event()
        self._passes[name] = asyncio.Lock()
        if self._loops is not None:
            self._loops.append(asyncio.ensure_future(self._run_one(destination)))
            self._added.set()

    def _remove(self, name: str) -> None:
        self._destinations = [d for d in self._destinations if d.name != name]
        self._removed.add(name)
        if name in self._wakes:
            self._wakes[name].set()

    async def _run_one(self, destination: Destination) -> None:
        name = destination.name
        wake = self._wakes[name]
        while not self._stopping and name not in self._removed:
            wake.clear()  # before the pass: a wake during the pass starts the next one
            await self._pass(destination)
            timeout = self._idle_seconds
            retry = self._soonest_retry.pop(name, None)
            if retry is not None:  # e.g. a short retry-after
                timeout = max(0.05, min(timeout, (retry - self._clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=timeout)

    async def _pass(self, destination: Destination) -> tuple[int, int]:
        """One pass for one destination, never two at once, and never raising."""
        name = destination.name
        async with self._passes[name]:
            paused = self._paused_until.get(name)
            if paused is not None and self._clock() < paused:
                return 0, 0
            if self._storage is not None and self._storage.fault is not None:
                self._soonest_retry[name] = self._clock() + STORAGE_WAIT
                return 0, 0  # nothing can be recorded now: send nothing either
            try:
                await self._record_unrecorded(name)
                outcome = await self._deliver_to(destination)
            except Exception as exc:  # a bug must not stop delivery, nor reach others
                if is_storage_fault(exc):  # the database, not the destination: one line
                    if self._storage is not None:
                        self._storage.failed(exc)
                    else:
                        log.error("delivery to %s waits: %s", name, describe(exc).line)
                    self._paused_until[name] = self._clock() + STORAGE_WAIT
                    self._soonest_retry[name] = self._paused_until[name]
                    return 0, 1
                crashes = self._crashes.get(name, 0)
                self._crashes[name] = crashes + 1
                delay = self._retry_delay(crashes, None)
                self._paused_until[name] = self._clock() + delay
                self._soonest_retry[name] = self._paused_until[name]
                log.exception(
                    "delivery to %s failed unexpectedly; trying again in %.0fs",
                    name,
                    delay.total_seconds(),
                )
                return 0, 1
            self._crashes.pop(name, None)
            self._paused_until.pop(name, None)
            return outcome

    # ------------------------------------------------------------ one destination

    async def _deliver_to(self, destination: Destination) -> tuple[int, int]:
        policy: DeliveryPolicy = getattr(destination, "policy", None) or DeliveryPolicy()
        now = self._clock()
        limit = max(50, policy.backlog_digest_at + 1, policy.digest_size)
        # One worker-thread call reads the rows and what their alerts show (earlier
        # coverage, text notes): nothing on the event loop, nor in a send, waits for the store.
        rows, looked_up = await asyncio.to_thread(self._due, destination.name, now, limit)
        queue = [_message(r, looked_up.get(r["id"])) for r in rows]
        intents = {r["id"]: r["intent_at"] for r in rows if r.get("intent_at")}
        can_digest = isinstance(destination, Digesting)
        sent = 0
        while queue:
            if not self._may_send(destination.name, policy):
                log.info("rate cap reached for %s; the rest waits", destination.name)
                break
            head = queue[0]
            if head.id in intents:
                try:
                    found = await self._reconcile(destination, head)
                except ChatError as exc:
                    # Unknown whether it went out: never send blind; ask again later.
                    await self._failed(destination, head, exc, "checking")
                    return sent, 1
                if found is None and (landing := self._may_still_land(destination, head, intents)):
                    # An earlier run's request for it may still be on its way: wait until
                    # it must have landed or given up, then look again before sending.
                    log.info(
                        "%s: outbox %d was being sent when the last run stopped; looking"
                        " again at %s before sending it",
                        destination.name,
                        head.id,
                        landing.isoformat(timespec="seconds"),
                    )
                    self._soonest_retry[destination.name] = landing
                    return sent, 0
                if found is not None:
                    done = [m for m in queue if m.id <= found[1]]
                    await asyncio.to_thread(
                        self._store.mark_sent_many, [m.id for m in done], self._clock(), found[0]
                    )
                    log.info(
                        "%s already had outbox %s (message %s); not sending again",
                        destination.name,
                        ", ".join(str(m.id) for m in done),
                        found[0],
                    )
                    queue = queue[len(done) :]
                    sent += len(done)
                    continue
            batch = self._next_batch(queue, rows, policy, can_digest, now)
            if not batch or self._stopping:
                break  # digest mode still collecting, or shutting down
            consumed, delivered = await self._send(destination, batch)
            if not consumed:
                return sent, 1
            if delivered:
                self._recent_sends.setdefault(destination.name, deque()).append(self._clock())
            queue = queue[consumed:]
            sent += delivered
        return sent, 0

    def _due(
        self, name: str, now: datetime, limit: int
    ) -> tuple[list[dict[str, Any]], dict[int, AlertContext]]:
        rows = self._store.due_messages(name, now, limit)
        return rows, contexts(self._store, [(r["id"], r["kind"], r["payload"]) for r in rows])

    def _next_batch(
        self,
        queue: list[OutgoingMessage],
        rows: list[dict[str, Any]],
        policy: DeliveryPolicy,
        can_digest: bool,
        now: datetime,
    ) -> list[OutgoingMessage]:
        if not can_digest or queue[0].kind == "digest":
            return queue[:1]  # a route's digest is one message of its own
        queue = list(itertools.takewhile(lambda m: m.kind != "digest", queue))
        if policy.digest_minutes:
            created = {r["id"]: r["created_at"] for r in rows}
            oldest = datetime.fromisoformat(created[queue[0].id])
            if now - oldest < timedelta(minutes=policy.digest_minutes):
                return []
            return queue[: policy.digest_size] if len(queue) > 1 else queue[:1]
        if policy.backlog_digest_at and len(queue) >= policy.backlog_digest_at:
            return queue[: policy.digest_size]
        return queue[:1]

    async def _send(
        self, destination: Destination, batch: list[OutgoingMessage]
    ) -> tuple[int, int]:
        """Send one batch; returns (rows done with, rows delivered). (0, 0): retry later."""
        ids = [m.id for m in batch]
        await asyncio.to_thread(self._store.mark_intent, ids, self._clock())
        try:
            if len(batch) == 1:
                ref = await destination.send(batch[0])
            else:
                assert isinstance(destination, Digesting)
                ref = await destination.send_digest(batch)
        except ChatError as exc:
            self._answered.update(ids)  # this run's request is over: nothing left in flight
            head = batch[0]
            if exc.permanent:
                log.error(
                    "%s refused outbox %d for good, skipping it: %s", destination.name, head.id, exc
                )
                await asyncio.to_thread(self._store.mark_dead, head.id, str(exc))
                return 1, 0
            await self._failed(destination, head, exc, "delivery")
            return 0, 0  # keep order: nothing later goes out before this one
        self._answered.update(ids)
        try:
            await asyncio.to_thread(self._store.mark_sent_many, ids, self._clock(), ref)
        except STORE_ERRORS:
            # Sent, but not recorded (e.g. the disk is full): remember it, so it is
            # recorded, never sent again, once the database takes writes.
            self._unrecorded.setdefault(destination.name, []).append((ids, ref))
            raise
        self._answered.difference_update(ids)
        return len(batch), len(batch)

    async def _record_unrecorded(self, name: str) -> None:
        """Record the sends the database could not take earlier, before anything else."""
        waiting = self._unrecorded.get(name) or []
        while waiting:
            ids, ref = waiting[0]
            await asyncio.to_thread(self._store.mark_sent_many, ids, self._clock(), ref)
            waiting.pop(0)
            self._answered.difference_update(ids)

    async def _failed(
        self, destination: Destination, head: OutgoingMessage, exc: ChatError, what: str
    ) -> None:
        delay = self._retry_delay(head.attempts, exc.retry_after)
        log.warning(
            "%s to %s failed (attempt %d), retrying in %.0fs: %s",
            what,
            destination.name,
            head.attempts + 1,
            delay.total_seconds(),
            exc,
        )
        retry_at = self._clock() + delay
        await asyncio.to_thread(self._store.mark_retry, head.id, str(exc), retry_at)
        soonest = self._soonest_retry.get(destination.name)
        if soonest is None or retry_at < soonest:
            self._soonest_retry[destination.name] = retry_at

    def _may_still_land(
        self, destination: Destination, head: OutgoingMessage, intents: dict[int, str]
    ) -> datetime | None:
        """When a send of `head` that an earlier run started may still reach the platform
        (None: it cannot any more). A destination's `settle_seconds` says how long one of
        its requests can take at most; a send this run saw end is not in flight."""
        settle = getattr(destination, "settle_seconds", None)
        if not settle or head.id in self._answered:
            return None
        landing = datetime.fromisoformat(intents[head.id]) + timedelta(seconds=settle)
        return landing if self._clock() < landing else None

    async def _reconcile(
        self, destination: Destination, message: OutgoingMessage
    ) -> tuple[str, int] | None:
        """(message ref, last outbox id) when the destination already has this message.

        Raises ChatError when it cannot tell (the caller then waits, never sends blind)."""
        if not isinstance(destination, Reconciling):
            return None
        found = await destination.find_sent(message)
        return (found.ref, found.through_id) if found else None

    def _may_send(self, name: str, policy: DeliveryPolicy) -> bool:
        if not policy.rate_per_minute:
            return True
        window = self._recent_sends.setdefault(name, deque())
        since = self._clock() - RATE_WINDOW
        while window and window[0] <= since:
            window.popleft()
        return len(window) < policy.rate_per_minute

    def _retry_delay(self, attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None:
            return timedelta(seconds=max(0.0, retry_after))
        base = min(MAX_BACKOFF.total_seconds(), 5.0 * (2**attempts))
        return timedelta(seconds=base * (0.5 + self._rng.random() / 2))


def _message(row: dict[str, Any], context: AlertContext | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        id=row["id"],
        kind=row["kind"],
        payload=row["payload"],
        attempts=row["attempts"],
        context=context,
    )
