"""SQLite storage: the Store class (one part per aggregate) and its schema migrations.

The names below load on first use, so importing a light part (`bot.store.faults`) does not
load sqlite-utils for a command that never opens the database (`check-config`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.articles import StoredClaim
    from bot.store.search import SearchHit
    from bot.store.store import Store

__all__ = ["SearchHit", "Store", "StoredClaim"]

_HOMES = {
    "StoredClaim": "bot.store.articles",
    "SearchHit": "bot.store.search",
    "Store": "bot.store.store",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bot.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
