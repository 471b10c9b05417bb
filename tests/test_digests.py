"""The digest loop: a database that cannot be written is one log line, then a retry."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.digests import Digests
from bot.routes import Route
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


async def test_a_full_disk_is_one_line_and_the_loop_goes_on(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    daily = Route(name="daily", platform="discord", channel="1", mode="digest")
    store.hold("daily", "a1", {"article_id": "a1"}, NOW.replace(hour=8))
    tries: list[int] = []
    release = store.release_digest

    def full(*args: object, **kwargs: object) -> int:
        tries.append(1)
        if len(tries) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return release(*args, **kwargs)  # type: ignore[arg-type]

    store.release_digest = full  # type: ignore[method-assign]
    digests = Digests(store, lambda: [daily], lambda: NOW)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING):
        task = asyncio.create_task(digests.run(stop))
        await asyncio.sleep(0.2)
        assert tries == [1]
        assert store.outbox_length() == 0
        assert digests.release_due() == 1  # the next check, once the disk has room
        stop.set()
        await asyncio.wait_for(task, 5)
    [line] = [r for r in caplog.records if r.name == "bot.digests"]
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert "digests wait for the database" in line.getMessage()
