"""Story threads: the first alert of a story starts a thread, later alerts reply in it.

One policy for Discord and Slack, over the store's story → thread book (`ThreadBook`)
and the platform's own calls, passed in as functions:
- `lookup`: the story's thread on this destination (read in a worker thread);
- `send`: reply in the thread; when the platform says it is gone (ThreadGone), start the
  story over in the channel;
- `record`: a story's first message becomes its thread (Discord opens a thread on it,
  Slack replies under its ts);
- `adopt`: the same for a first message found on the platform after a crash, unless the
  story already has a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.errors import ThreadGone

log = logging.getLogger(__name__)

T = TypeVar("T")


class ThreadBook(Protocol):
    """Where the story → thread mapping lives (the store implements it)."""

    def story_thread(self, destination: str, story_id: str) -> dict[str, Any] | None: ...

    def save_story_thread(
        self,
        destination: str,
        story_id: str,
        *,
        channel_id: str | None,
        message_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> None: ...


class StoryThreads:
    """The thread policy of one destination.

    `same_channel(stored_channel_id)` says whether a stored thread is in the channel the
    destination posts to now (a thread left behind in another channel is not used).
    """

    def __init__(
        self,
        book: ThreadBook | None,
        destination: str,
        clock: Callable[[], datetime],
        *,
        enabled: bool = True,
        same_channel: Callable[[str], bool] | None = None,
    ) -> None:
        self._book = book
        self._destination = destination
        self._clock = clock
        self.enabled = enabled and book is not None
        self._same_channel = same_channel

    async def lookup(self, story: str | None) -> str | None:
        """The id of the story's thread, or None (no story, no threads, none yet)."""
        if not (self.enabled and story and self._book is not None):
            return None
        row = await asyncio.to_thread(self._book.story_thread, self._destination, story)
        if not row or not row.get("thread_id"):
            return None
        stored = row.get("channel_id")
        if stored and self._same_channel is not None and not self._same_channel(str(stored)):
            return None  # the channel changed since: start a new thread there
        return str(row["thread_id"])

    async def send(
        self,
        story: str | None,
        *,
        reply: Callable[[str], Awaitable[T]],
        start: Callable[[], Awaitable[T]],
    ) -> T:
        """Reply in the story's thread when it has one, else (or when it is gone) start."""
        thread = await self.lookup(story)
        if thread is not None:
            try:
                return await reply(thread)
            except ThreadGone as exc:
                log.warning(
                    "%s: cannot post in the thread of story %s (%s); starting a new one",
                    self._destination,
                    story,
                    exc,
                )
        return await start()

    async def record(
        self,
        story: str | None,
        *,
        channel_id: str,
        message_id: str,
        open_thread: Callable[[], Awaitable[str | None]],
    ) -> None:
        """Make `message_id` the story's thread (`open_thread` gives the thread's id; None
        when none could be opened: the story then simply has no thread yet)."""
        if not (self.enabled and story and self._book is not None):
            return
        thread_id = await open_thread()
        if thread_id is None:
            return
        await asyncio.to_thread(
            self._book.save_story_thread,
            self._destination,
            story,
            channel_id=channel_id,
            message_id=message_id,
            thread_id=thread_id,
            now=self._clock(),
        )

    async def adopt(
        self,
        story: str | None,
        *,
        channel_id: str,
        message_id: str,
        open_thread: Callable[[], Awaitable[str | None]],
    ) -> None:
        """A story's first message found after a crash starts its thread, as it would have
        had the send been recorded (unless the story has a thread already)."""
        if story and await self.lookup(story) is None:
            await self.record(
                story, channel_id=channel_id, message_id=message_id, open_thread=open_thread
            )
