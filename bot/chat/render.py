"""Platform-neutral text for alerts and notices: plain text for the console."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.models import Alert, alert_from_payload

CONSOLE_WIDTH = 88


def render_console(kind: str, payload: dict[str, Any]) -> str:
    """A readable block of text for a terminal."""
    if kind == "alert":
        return render_alert_text(alert_from_payload(payload))
    text = str(payload.get("text") or "")
    return f"[notice] {text}"


def render_alert_text(alert: Alert) -> str:
    rule = "=" * CONSOLE_WIDTH
    lines = [rule, f"NEW: {one_line(alert.title) or '(untitled)'}"]
    meta = [
        one_line(alert.source or ""),
        alert.published.date().isoformat() if alert.published else "",
        (alert.category or "").replace("_", " "),
    ]
    lines.append(" | ".join(m for m in meta if m))
    if alert.url:
        lines.append(alert.url)
    if alert.story:
        lines.append(f"story: {story_label(alert)}")
    if alert.summary:
        lines.append("")
        lines.extend(textwrap.wrap(one_line(alert.summary), CONSOLE_WIDTH))
    if alert.new_claims:
        lines.append("")
        lines.append("New claims:")
        for claim in alert.new_claims:
            lines.extend(
                textwrap.wrap(
                    one_line(claim.text),
                    CONSOLE_WIDTH,
                    initial_indent="  - ",
                    subsequent_indent="    ",
                )
            )
    if alert.earlier:
        lines.append("")
        lines.append("Earlier coverage: " + ", ".join(alert.earlier))
    lines.append(rule)
    return "\n".join(lines)


def story_label(alert: Alert) -> str:
    """The story as alerts show it: its name, then the id `/news story` accepts."""
    if alert.story_title and alert.story:
        return f"{one_line(alert.story_title, 200)} ({alert.story})"
    return alert.story or ""


def one_line(text: str, limit: int = 2000) -> str:
    """Collapse whitespace and control characters; cut overlong text with an ellipsis."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned
