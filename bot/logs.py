"""Logging set-up: one line per event, as text or JSON, with the feed URL where there is one.

Every line passes through `bot.redact`, so a token that reached a message (say, pasted into
the wrong config key) is hidden rather than logged.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.redact import redact

CONTEXT_FIELDS = ("feed", "article", "destination")


class TextFormatter(logging.Formatter):
    """`2026-11-22T10:00:00Z INFO bot.pipeline: message feed=https://...`"""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value:
                line += f" {name}={value}"
        if record.exc_info and record.levelno >= logging.ERROR:
            line += " | " + self.formatException(record.exc_info).replace("\n", " | ")
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value:
                data[name] = redact(str(value))
        if record.exc_info and record.levelno >= logging.ERROR:
            data["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send the bot's logs to stderr (stdout carries console alerts)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "discord", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
