"""The story-thread policy both platforms share, over a real Store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.threads import StoryThreads
from bot.errors import ChatError, ThreadGone
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "bot.db")


def _policy(store: Store, channel: str = "C1") -> StoryThreads:
    return StoryThreads(store, "slack", lambda: NOW, same_channel=lambda c: c == channel)


async def _opened(thread_id: str) -> str:
    return thread_id


async def test_a_gone_thread_starts_the_story_over_and_the_new_message_is_its_thread(
    store: Store,
) -> None:
    threads = _policy(store)
    await threads.record("s1", channel_id="C1", message_id="m1", open_thread=lambda: _opened("t1"))
    calls: list[str] = []

    async def reply(thread: str) -> str:
        calls.append(f"reply {thread}")
        raise ThreadGone("thread_not_found")

    async def start() -> str:
        calls.append("start")
        await threads.record(
            "s1", channel_id="C1", message_id="m2", open_thread=lambda: _opened("t2")
        )
        return "m2"

    assert await threads.send("s1", reply=reply, start=start) == "m2"
    assert calls == ["reply t1", "start"]
    assert await threads.lookup("s1") == "t2"


async def test_other_chat_errors_are_not_taken_for_a_gone_thread(store: Store) -> None:
    threads = _policy(store)
    await threads.record("s1", channel_id="C1", message_id="m1", open_thread=lambda: _opened("t1"))

    async def reply(thread: str) -> str:
        raise ChatError("rate limited", retry_after=3)

    async def start() -> str:
        raise AssertionError("must not start the story over")

    with pytest.raises(ChatError, match="rate limited"):
        await threads.send("s1", reply=reply, start=start)


async def test_a_found_message_is_adopted_only_when_the_story_has_no_thread(store: Store) -> None:
    threads = _policy(store)
    await threads.adopt("s1", channel_id="C1", message_id="m1", open_thread=lambda: _opened("t1"))
    await threads.adopt("s1", channel_id="C1", message_id="m9", open_thread=lambda: _opened("t9"))
    assert await threads.lookup("s1") == "t1"


async def test_a_thread_in_another_channel_or_with_threads_off_is_not_used(store: Store) -> None:
    await _policy(store, "C1").record(
        "s1", channel_id="C1", message_id="m1", open_thread=lambda: _opened("t1")
    )
    assert await _policy(store, "C2").lookup("s1") is None
    off = StoryThreads(store, "slack", lambda: NOW, enabled=False)
    assert await off.lookup("s1") is None
