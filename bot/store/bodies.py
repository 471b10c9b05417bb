"""Article bodies at rest: zlib-compressed in the articles table, text everywhere else.

A body longer than `PACK_FROM` characters is stored as the zlib stream of its UTF-8 bytes
(a BLOB about half its size); a shorter one, and every body written before m050, as text.
`unpack` reads both. SQL reads the text through `body_text(body)`, a function each store
connection registers (`register`): the search index's triggers and its content view
(`articles_text`, which FTS5's rebuild, integrity check and snippets read) use it.
"""

from __future__ import annotations

import sqlite3
import zlib

PACK_FROM = 200  # characters; below this the zlib stream saves little or nothing
# zlib's fastest: 1,086 bytes for a body of 2,121 (its default, 6: 1,052) in 36 µs, not 49:
# every item of a feed's first poll is packed
LEVEL = 1


def pack(text: str | None) -> str | bytes | None:
    """The body as the articles table keeps it."""
    if text is None or len(text) < PACK_FROM:
        return text
    packed = zlib.compress(text.encode("utf-8"), LEVEL)
    return packed if len(packed) < len(text) else text


def unpack(value: str | bytes | None) -> str | None:
    """The body's text, from either form `pack` stores."""
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value


def register(conn: sqlite3.Connection) -> None:
    """Make `body_text(body)` (unpack) and `body_pack(text)` (pack) callable from SQL."""
    conn.create_function("body_text", 1, unpack, deterministic=True)
    conn.create_function("body_pack", 1, pack, deterministic=True)
