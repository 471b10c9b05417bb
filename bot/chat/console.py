"""The console: alert views and notices printed to a text stream (stdout by default)."""

from __future__ import annotations

import sys
import textwrap
from typing import Any, TextIO

from bot.chat.base import OutgoingMessage
from bot.chat.earlier import AlertContext
from bot.chat.trim import one_line
from bot.chat.view import AlertView, alert_view
from bot.models import alert_from_payload

CONSOLE_WIDTH = 88


class ConsoleDestination:
    """Prints each alert as a readable block; used when no chat platform is configured."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, message: OutgoingMessage) -> str | None:
        stream = self._stream or sys.stdout
        stream.write(render_console(message.kind, message.payload, message.context) + "\n")
        stream.flush()
        return None


def render_console(kind: str, payload: dict[str, Any], context: AlertContext | None = None) -> str:
    """A readable block of text for a terminal."""
    if kind == "alert":
        return render_alert_text(alert_view(alert_from_payload(payload), context))
    text = str(payload.get("text") or "")
    return f"[notice] {one_line(text)}"


def render_alert_text(view: AlertView) -> str:
    rule = "=" * CONSOLE_WIDTH
    lines = [rule, f"NEW: {view.title}"]
    if view.facts:
        lines.append(" | ".join(view.facts))
    if view.url:
        lines.append(view.url)
    if view.story:
        lines.append(f"story: {view.story_label}")
    if view.what_is_new:
        lines.append("")
        lines.extend(_wrap(view.what_is_new))
    if view.claims:
        lines.append("")
        lines.append("New claims:")
        for claim in view.claims:
            lines.extend(_wrap(claim.text, "  - ", "    "))
            if claim.quote:
                lines.extend(_wrap(f"“{claim.quote}”", "      ", "      "))
            if claim.note:
                lines.extend(_wrap(f"({claim.note})", "      ", "      "))
        if view.more_line:
            lines.append("  " + view.more_line)
    if view.note:
        lines.append("")
        lines.extend(_wrap(view.note))
    if view.earlier:
        lines.append("")
        lines.append("Earlier coverage:")
        for item in view.earlier:
            where = f" ({item.source})" if item.source else ""
            lines.extend(
                _wrap(item.title + where + (f" {item.url}" if item.url else ""), "  - ", "    ")
            )
        if view.more_earlier:
            lines.append(f"  and {view.more_earlier} more")
    lines.append(rule)
    return "\n".join(lines)


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, CONSOLE_WIDTH, initial_indent=first, subsequent_indent=rest)
