"""The retention pass: what the [retention] settings no longer keep is removed in bounded
steps, by the running bot on a schedule and by `newsbot storage --apply`.

Each step is one short transaction: at most `batch_rows` rows (bot/store/retention.py
says which rows), or one bounded merge of the search index after bodies went. The running
bot runs each step in a worker thread and pauses between steps, so a poll or a chat
command waits at most one step for the store. The space freed
becomes SQLite free pages, which new rows reuse; the file itself shrinks only with
`newsbot storage --vacuum` (the bot stopped).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config import RetentionConfig
from bot.errors import StoreError
from bot.store.faults import STORE_ERRORS, describe

log = logging.getLogger(__name__)

BATCH_ROWS = 200  # rows per step (README: Measured gives the time of a step)
PAUSE_SECONDS = 0.05  # between two steps of the running bot: polls get the store first
MERGE_PAGES = 200  # pages an FTS5 merge step writes, after bodies were removed
MAX_MERGE_STEPS = 100  # per pass; the index's merge goes on where it stopped next pass
PASS_ERRORS: tuple[type[BaseException], ...] = (StoreError, *STORE_ERRORS)  # end a pass


@dataclass(frozen=True)
class RetentionPolicy:
    """How long bodies and finished outbox rows are kept, in days (0: forever)."""

    bodies_days: int = 0
    outbox_days: int = 0

    @classmethod
    def from_config(cls, config: RetentionConfig) -> RetentionPolicy:
        return cls(bodies_days=config.bodies_days, outbox_days=config.outbox_days)

    @property
    def keeps_everything(self) -> bool:
        return not self.bodies_days and not self.outbox_days

    def bodies_before(self, now: datetime) -> datetime | None:
        """Bodies of articles fetched before this go (None: bodies are kept forever)."""
        return now - timedelta(days=self.bodies_days) if self.bodies_days else None

    def outbox_before(self, now: datetime) -> datetime | None:
        """Finished outbox rows queued before this go (None: kept forever)."""
        return now - timedelta(days=self.outbox_days) if self.outbox_days else None

    def describe(self) -> str:
        def days(n: int) -> str:
            return f"{n} days" if n else "forever"

        return (
            f"bodies kept {days(self.bodies_days)} (retention.bodies_days),"
            f" finished outbox rows {days(self.outbox_days)} (retention.outbox_days)"
        )


class RetentionStore(Protocol):
    """What the pass needs of the store (bot.store.retention.RetentionMixin)."""

    def remove_bodies(self, seen_before: datetime, now: datetime, limit: int) -> int: ...

    def expire_outbox(self, created_before: datetime, limit: int) -> tuple[int, int]: ...

    def merge_search_index(self, pages: int) -> bool: ...


@dataclass(frozen=True)
class Step:
    """What one step removed."""

    bodies: int = 0
    payloads: int = 0
    notices: int = 0
    index_merges: int = 0


@dataclass(frozen=True)
class RetentionResult:
    """What a pass removed, in how many steps and how long; `error` when the database
    failed part way (what the steps before it removed stays removed)."""

    bodies: int = 0
    payloads: int = 0
    notices: int = 0
    index_merges: int = 0
    steps: int = 0
    seconds: float = 0.0
    longest_step_seconds: float = 0.0
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"removed {self.bodies} article bodies, emptied {self.payloads} outbox payloads,"
            f" deleted {self.notices} notices, {self.index_merges} search-index merges in"
            f" {self.steps} steps ({self.seconds:.2f}s,"
            f" longest step {self.longest_step_seconds * 1000:.0f} ms)"
        )


class Retention:
    """Runs the pass over one store: `run` from the command line, `run_async` in the bot."""

    def __init__(
        self,
        store: RetentionStore,
        policy: RetentionPolicy,
        clock: Callable[[], datetime],
        *,
        batch_rows: int = BATCH_ROWS,
        pause_seconds: float = PAUSE_SECONDS,
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock
        self._batch = batch_rows
        self._pause = pause_seconds

    def step(self, now: datetime, *, merge_index: bool = False) -> Step | None:
        """One transaction's worth: bodies first, then the outbox, then (with
        `merge_index`) a merge of the search index; None when nothing is left to do as
        of `now`."""
        bodies_before = self._policy.bodies_before(now)
        if bodies_before is not None:
            removed = self._store.remove_bodies(bodies_before, now, self._batch)
            if removed:
                return Step(bodies=removed)
        outbox_before = self._policy.outbox_before(now)
        if outbox_before is not None:
            emptied, deleted = self._store.expire_outbox(outbox_before, self._batch)
            if emptied or deleted:
                return Step(payloads=emptied, notices=deleted)
        if merge_index and self._store.merge_search_index(MERGE_PAGES):
            return Step(index_merges=1)
        return None

    def run(self) -> RetentionResult:
        """The whole pass, step after step, in this thread (database errors propagate)."""
        now = self._clock()
        tally = _Tally()
        while True:
            started = time.perf_counter()
            step = self.step(now, merge_index=tally.wants_merge)
            if step is None:
                return tally.result()
            tally.add(step, time.perf_counter() - started)

    async def run_async(self) -> RetentionResult:
        """The whole pass for the running bot: each step in a worker thread, a pause after
        each. A database fault ends the pass with one log line; the next pass resumes."""
        now = self._clock()
        tally = _Tally()
        while True:
            started = time.perf_counter()
            try:
                step = await asyncio.to_thread(self.step, now, merge_index=tally.wants_merge)
            except PASS_ERRORS as exc:
                line = str(exc) if isinstance(exc, StoreError) else describe(exc).line
                log.warning("retention pass stopped: %s; the next pass resumes", line)
                return tally.result(error=line)
            if step is None:
                break
            tally.add(step, time.perf_counter() - started)
            await asyncio.sleep(self._pause)
        result = tally.result()
        if result.steps:
            log.info("retention: %s", result.summary())
        return result


class _Tally:
    """Adds up a pass's steps."""

    def __init__(self) -> None:
        self.bodies = self.payloads = self.notices = self.merges = self.steps = 0
        self.longest = 0.0
        self._started = time.perf_counter()

    def add(self, step: Step, seconds: float) -> None:
        self.bodies += step.bodies
        self.payloads += step.payloads
        self.notices += step.notices
        self.merges += step.index_merges
        self.steps += 1
        self.longest = max(self.longest, seconds)

    @property
    def wants_merge(self) -> bool:
        """Bodies went this pass, and the merges have not used up their share yet."""
        return self.bodies > 0 and self.merges < MAX_MERGE_STEPS

    def result(self, error: str | None = None) -> RetentionResult:
        return RetentionResult(
            bodies=self.bodies,
            payloads=self.payloads,
            notices=self.notices,
            index_merges=self.merges,
            steps=self.steps,
            seconds=time.perf_counter() - self._started,
            longest_step_seconds=self.longest,
            error=error,
        )
