"""The one wait-with-deadline helper: check a condition until it holds or time runs out.

`wait_for` is for coroutines (it yields to the event loop between checks),
`wait_for_blocking` for tests that drive a subprocess from plain code. Both fail the test
with `message()` (or a default) when the deadline passes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator


def _until(timeout: float, message: Callable[[], str] | None) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while True:
        yield
        if time.monotonic() > deadline:
            raise AssertionError(message() if message else f"condition not reached in {timeout}s")


async def wait_for(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    *,
    interval: float = 0.02,
    message: Callable[[], str] | None = None,
) -> None:
    """Poll until `predicate()` is true (fails the test after `timeout` seconds)."""
    for _ in _until(timeout, message):
        if predicate():
            return
        await asyncio.sleep(interval)


def wait_for_blocking(
    predicate: Callable[[], object],
    timeout: float = 60.0,
    *,
    interval: float = 0.05,
    message: Callable[[], str] | None = None,
) -> None:
    """`wait_for` for plain (non-async) tests: sleeps the thread between checks."""
    for _ in _until(timeout, message):
        if predicate():
            return
        time.sleep(interval)
