"""The console destination: alerts printed to a text stream (stdout by default)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.chat.base import OutgoingMessage
from bot.chat.render import render_console


class ConsoleDestination:
    """Prints each alert as a readable block; used when no chat platform is configured."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, message: OutgoingMessage) -> str | None:
        stream = self._stream or sys.stdout
        stream.write(render_console(message.kind, message.payload) + "\n")
        stream.flush()
        return None
