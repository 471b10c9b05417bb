"""SQLite storage: the Store class and its schema migrations."""

from bot.store.store import SearchHit, Store, StoredClaim

__all__ = ["SearchHit", "Store", "StoredClaim"]
