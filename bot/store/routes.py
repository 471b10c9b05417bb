"""Routes in the store: the ones added from chat, and alerts held for digest routes.

A digest is released in one transaction: its outbox row (kind "digest", keyed by route
and due time, so it can never be queued twice) and the held alerts it carries, marked as
released. A crash leaves either both or neither.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.errors import ConfigError
from bot.routes import ROUTE_PREFIX, Route, route_from_dict
from bot.store.base import StoreBase
from bot.store.outbox import OutboxMixin
from bot.timeutil import iso

log = logging.getLogger(__name__)


def digest_key(route: str, due: datetime) -> str:
    """The article_id of a digest's outbox row: one per route and due time."""
    return f"digest:{route}:{iso(due)}"


class RoutesMixin(OutboxMixin, StoreBase):
    """Chat-added routes, and the alerts digest routes hold."""

    # ------------------------------------------------------------ routes from chat

    def chat_routes(self) -> list[Route]:
        """The routes added from chat, oldest first; one that no longer reads as a route
        (a later version checks more) is skipped with a warning, never stops the bot."""
        with self._lock:
            rows = list(self.db["chat_routes"].rows_where(order_by="added_at, name"))
        routes = []
        for row in rows:
            try:
                routes.append(route_from_dict(json.loads(row["spec"])))
            except (ConfigError, TypeError, ValueError) as exc:
                log.warning("route %s (added from chat) is skipped: %s", row["name"], exc)
        return routes

    def add_chat_route(self, route: Route, added_by: str, now: datetime) -> bool:
        """Keep a route added from chat; False when one has that name already."""
        with self.transaction():
            if self.db["chat_routes"].count_where("name = ?", [route.name]):
                return False
            self.db["chat_routes"].insert(  # type: ignore[union-attr]
                {
                    "name": route.name,
                    "spec": json.dumps(route.to_dict(), ensure_ascii=False),
                    "added_by": added_by,
                    "added_at": iso(now),
                }
            )
        return True

    def remove_chat_route(self, name: str) -> bool:
        """Forget a chat-added route, what it still held and what waited to go there (kept
        as dead rows, for inspection); False when there is none."""
        with self.transaction():
            if not self.db["chat_routes"].count_where("name = ?", [name]):
                return False
            self.db.execute("DELETE FROM chat_routes WHERE name = ?", [name])
            self.db.execute("DELETE FROM route_held WHERE route = ? AND digest IS NULL", [name])
            self.db.execute(
                "UPDATE outbox SET status = 'dead', last_error = 'route removed'"
                " WHERE destination = ? AND status = 'pending'",
                [ROUTE_PREFIX + name],
            )
        return True

    # ------------------------------------------------------------ digests

    def hold(self, route: str, article_id: str, payload: dict[str, Any], now: datetime) -> None:
        """Hold an alert for a digest route (once per route and article)."""
        with self._lock:
            self.db["route_held"].insert(  # type: ignore[union-attr]
                {
                    "route": route,
                    "article_id": article_id,
                    "payload": json.dumps(payload, ensure_ascii=False),
                    "created_at": iso(now),
                    "digest": None,
                },
                ignore=True,
            )

    def held_count(self, route: str) -> int:
        with self._lock:
            return int(self.db["route_held"].count_where("route = ? AND digest IS NULL", [route]))

    def release_digest(
        self, route: str, destination: str, due: datetime, now: datetime, *, limit: int
    ) -> int:
        """Queue one digest of the alerts `route` held before `due` (at most `limit`, oldest
        first; the rest wait for the next one); returns how many it carries (0: nothing
        queued). Never twice for one due time; alerts held after `due` wait for the next."""
        key = digest_key(route, due)
        with self.transaction():
            if self.db["outbox"].count_where("kind = 'digest' AND article_id = ?", [key]):
                return 0
            rows = list(
                self.db["route_held"].rows_where(
                    "route = ? AND digest IS NULL AND created_at <= ?",
                    [route, iso(due)],
                    order_by="id",
                    limit=limit,
                )
            )
            if not rows:
                return 0
            payload = {
                "route": route,
                "due": iso(due),
                "alerts": [json.loads(r["payload"]) for r in rows],
            }
            self.enqueue(
                kind="digest", destination=destination, payload=payload, now=now, article_id=key
            )
            self.db.conn.executemany(
                "UPDATE route_held SET digest = ? WHERE id = ?", [(key, r["id"]) for r in rows]
            )
        return len(rows)

    def held_routes(self) -> Sequence[str]:
        with self._lock:
            rows = self.db.execute(
                "SELECT DISTINCT route FROM route_held WHERE digest IS NULL ORDER BY route"
            ).fetchall()
        return [str(r[0]) for r in rows]
