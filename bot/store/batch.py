"""Group commit: database work from many concurrent polls runs in one worker-thread call
and one transaction, instead of a thread hop and a commit each.

Each job runs in its own savepoint: a job that raises is rolled back alone, and its caller
gets the exception; the others commit together. A read (`read`) gets no savepoint, which
would cost as much as the read itself. Jobs run in the order they were submitted, one
batch at a time, so callers need no lock of their own. A batch holds at most `max_jobs`
jobs, so the store is never held for long (chat commands read it too).

A batch waits up to `linger` seconds for more jobs before it starts (never once it is
full): polls finish a few milliseconds apart, and without the wait a cold poll of 1,000
feeds committed about once per feed, each commit writing its changed 16 KB pages to the
WAL again (shared index and table pages, once per batch instead of once per feed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from bot.store.faults import is_storage_fault
from bot.store.store import Store

T = TypeVar("T")


class BatchWriter:
    """Runs submitted store jobs in batches, off the event loop."""

    def __init__(self, store: Store, max_jobs: int = 32, linger: float = 0.004) -> None:
        self._store = store
        self._max_jobs = max_jobs
        self._linger = linger
        # (job, writes?, its caller's future)
        self._pending: list[tuple[Callable[[], Any], bool, asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def run(self, job: Callable[[], T]) -> T:
        """Run `job` (a function of the store) in the next batch; returns its result."""
        return await self._submit(job, writes=True)

    async def read(self, job: Callable[[], T]) -> T:
        """Run `job`, which only reads the store, in the next batch; returns its result."""
        return await self._submit(job, writes=False)

    async def _submit(self, job: Callable[[], T], *, writes: bool) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((job, writes, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            if self._linger > 0 and len(self._pending) < self._max_jobs:
                await asyncio.sleep(self._linger)  # let the polls finishing now join it
            batch = self._pending[: self._max_jobs]
            del self._pending[: self._max_jobs]
            try:
                jobs = [(job, writes) for job, writes, _ in batch]
                outcomes = await asyncio.to_thread(self._run_batch, jobs)
            except BaseException as exc:  # the batch itself failed (e.g. database gone)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # the caller was cancelled
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _run_batch(self, jobs: list[tuple[Callable[[], Any], bool]]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._store.transaction():
                for job, writes in jobs:
                    try:
                        if not writes:
                            outcomes.append((True, job()))
                            continue
                        with self._store.transaction():  # a savepoint per job
                            outcomes.append((True, job()))
                    except Exception as exc:
                        outcomes.append((False, exc))
        except Exception as exc:
            # A job's database failure (disk full, I/O) can end the whole transaction;
            # the commit then fails with "no transaction is active", which hides why.
            cause = next((v for ok, v in outcomes if not ok and is_storage_fault(v)), None)
            if cause is not None:
                raise cause from exc
            raise
        return outcomes
