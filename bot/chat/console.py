"""The console: alert views and notices printed to a text stream (stdout by default)."""

from __future__ import annotations

import sys
import textwrap
from typing import Any, TextIO

from bot.chat.base import OutgoingMessage, digest_alerts
from bot.chat.earlier import AlertContext
from bot.chat.trim import one_line, trim
from bot.chat.view import AlertView, alert_view, new_clause
from bot.models import alert_from_payload

CONSOLE_WIDTH = 88


class ConsoleDestination:
    """Prints each alert as a readable block; used when no chat platform is configured."""

    def __init__(
        self, stream: TextIO | None = None, *, name: str = "console", compact: bool = False
    ) -> None:
        self.name = name
        self._stream = stream
        self._compact = compact  # one line per alert (a route's choice)

    async def send(self, message: OutgoingMessage) -> str | None:
        stream = self._stream or sys.stdout
        if message.kind == "digest":
            text = render_digest_text(digest_alerts(message))
        else:
            text = render_console(message.kind, message.payload, message.context, self._compact)
        stream.write(text + "\n")
        stream.flush()
        return None


def render_console(
    kind: str,
    payload: dict[str, Any],
    context: AlertContext | None = None,
    compact: bool = False,
) -> str:
    """A readable block of text for a terminal (one line per alert when `compact`)."""
    if kind == "alert":
        view = alert_view(alert_from_payload(payload), context)
        return render_compact_text(view) if compact else render_alert_text(view)
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


def render_compact_text(view: AlertView) -> str:
    """One line: title — source: what is new <link>."""
    line = one_line(view.title, 200)
    if view.source:
        line += " — " + one_line(view.source, 60)
    clause = new_clause(view)
    if clause:
        line += ": " + clause
    if view.url:
        line += " " + one_line(view.url, 300)
    return trim(line, 600)


def render_digest_text(alerts: list[OutgoingMessage]) -> str:
    """A digest route's digest: a heading, then one compact line per alert."""
    views = [alert_view(alert_from_payload(m.payload)) for m in alerts]
    count = len(views)
    lines = [f"[digest] {count} update{'s' if count != 1 else ''}"]
    lines.extend("  - " + render_compact_text(v) for v in views)
    return "\n".join(lines)


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, CONSOLE_WIDTH, initial_indent=first, subsequent_indent=rest)
