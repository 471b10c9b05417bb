"""SQLite storage: the Store class (one part per aggregate) and its schema migrations."""

from bot.store.articles import StoredClaim
from bot.store.search import SearchHit
from bot.store.store import Store

__all__ = ["SearchHit", "Store", "StoredClaim"]
