"""Datasette plugin for the newsbot archive: article bodies as text.

The bot stores a long body zlib-compressed (bot/store/bodies.py). This registers the same
`body_text()` SQL function the bot's connections have (the `articles_text` view and its
search index read bodies through it) and shows a packed `body` cell as its text.
"""

from __future__ import annotations

import zlib
from typing import Any

from datasette import hookimpl  # type: ignore[import-not-found]


def body_text(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return zlib.decompress(value).decode("utf-8")
        except (zlib.error, UnicodeDecodeError):
            return value
    return value


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("body_text", 1, body_text, deterministic=True)


@hookimpl
def render_cell(value: Any, column: str) -> Any:
    if column == "body" and isinstance(value, bytes):
        return body_text(value)
    return None
