"""The running bot keeps what start-up built out of the cyclic collector, and only while
it runs (bot/app.py)."""

from __future__ import annotations

import asyncio
import gc
import io
from pathlib import Path

from bot.app import run_bot
from bot.config import Secrets, parse_config
from tests.chat.conftest import StoryAssessor
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parent.parent


async def test_start_up_objects_are_frozen_while_running_and_let_go_at_stop(
    tmp_path: Path,
) -> None:
    config = parse_config(
        {
            "bot": {"database": str(tmp_path / "bot.db"), "seeds_dir": str(REPO / "seeds")},
            "console": {"enabled": "never"},
            "full_text": {"enabled": False},
        }
    )
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_bot(config, Secrets(), StoryAssessor(), once=False, stdout=io.StringIO(), stop=stop)
    )
    try:
        await wait_for(lambda: gc.get_freeze_count() > 0 or task.done(), timeout=20)
        assert not task.done()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # what start-up built, out of every later collection
        assert len(gc.get_objects(generation=2)) < frozen
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0
    assert gc.get_freeze_count() == 0  # back in the collector's care after the stop
