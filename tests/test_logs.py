"""Log lines: one line per event, feed URL attached, JSON when asked, tracebacks folded."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import setup_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_text_lines_carry_the_feed_url() -> None:
    out = io.StringIO()
    setup_logging("INFO", "text", out)
    logging.getLogger("bot.test").warning(
        "feed failed: %s", "HTTP 500", extra={"feed": "https://f/x"}
    )
    line = out.getvalue().strip()
    assert line.endswith("WARNING bot.test: feed failed: HTTP 500 feed=https://f/x")
    assert "\n" not in line


def test_json_lines_parse_and_errors_stay_on_one_line() -> None:
    out = io.StringIO()
    setup_logging("DEBUG", "json", out)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.test").exception("poll crashed", extra={"feed": "https://f/y"})
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["message"] == "poll crashed" and data["feed"] == "https://f/y"
    assert "ValueError: boom" in data["exception"]


def test_level_filters() -> None:
    out = io.StringIO()
    setup_logging("WARNING", "text", out)
    logging.getLogger("bot.test").info("quiet")
    assert out.getvalue() == ""
