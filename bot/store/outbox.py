"""The outbox: one row per (message, destination), and where chat messages went."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.store.base import StoreBase
from bot.timeutil import iso


class OutboxMixin(StoreBase):
    """Queueing, delivery bookkeeping, and story threads of chat destinations."""

    def enqueue(
        self,
        *,
        kind: str,
        destination: str,
        payload: dict[str, Any],
        now: datetime,
        article_id: str | None = None,
    ) -> None:
        """Queue one message for one destination; an alert is queued once per destination."""
        with self._lock:
            self.db["outbox"].insert(  # type: ignore[union-attr]
                {
                    "kind": kind,
                    "article_id": article_id,
                    "destination": destination,
                    "payload": json.dumps(payload, ensure_ascii=False),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": iso(now),
                    "created_at": iso(now),
                },
                ignore=True,
            )

    def due_messages(
        self, destination: str, now: datetime, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Pending messages for a destination, oldest first, up to the first one not yet due.

        A message waiting for its retry time holds back the ones after it, so a
        destination always receives its messages in order.
        """
        with self._lock:
            rows = list(
                self.db["outbox"].rows_where(
                    "destination = ? AND status = 'pending'",
                    [destination],
                    order_by="id",
                    limit=limit,
                )
            )
        due = []
        for row in rows:
            if row["next_attempt_at"] > iso(now):
                break
            row["payload"] = json.loads(row["payload"])
            due.append(row)
        return due

    def mark_sent(self, message_id: int, now: datetime, message_ref: str | None = None) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_ref = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                [iso(now), message_ref, message_id],
            )

    def mark_retry(self, message_id: int, error: str, next_attempt_at: datetime) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
                " WHERE id = ?",
                [error[:500], iso(next_attempt_at), message_id],
            )

    def outbox_length(self, destination: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
        args: list[Any] = []
        if destination:
            sql += " AND destination = ?"
            args.append(destination)
        with self._lock:
            return int(self.db.execute(sql, args).fetchone()[0])

    # ---------------------------------------------------------------- chat
    # Used by bot/chat/: delivery intents, story threads, feed admin, command lookups.

    def mark_intent(self, message_ids: Sequence[int], now: datetime) -> None:
        """Record that a send of these messages is starting (reconciled after a crash)."""
        with self._lock:
            self.db.conn.executemany(
                "UPDATE outbox SET intent_at = ? WHERE id = ?",
                [(iso(now), mid) for mid in message_ids],
            )

    def mark_sent_many(
        self, message_ids: Sequence[int], now: datetime, message_ref: str | None
    ) -> None:
        """Mark several messages sent as one platform message (a digest)."""
        with self.transaction():
            for mid in message_ids:
                self.mark_sent(mid, now, message_ref)

    def mark_dead(self, message_id: int, error: str) -> None:
        """A message the platform will never accept: kept for inspection, not retried."""
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET status = 'dead', last_error = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [error[:500], message_id],
            )

    def message_refs(self, article_id: str) -> list[dict[str, Any]]:
        """Where an article's alert went: destination, status, message_ref, sent_at."""
        with self._lock:
            return list(
                self.db["outbox"].rows_where(
                    "article_id = ? AND kind = 'alert'",
                    [article_id],
                    select="destination, status, message_ref, sent_at, last_error",
                    order_by="id",
                )
            )

    def outbox_summary(self) -> list[dict[str, Any]]:
        """Per destination: pending count, oldest pending, last sent time and last error."""
        sql = """
            SELECT destination,
                   SUM(status = 'pending') AS pending,
                   MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest_pending,
                   MAX(sent_at) AS last_sent_at,
                   (SELECT last_error FROM outbox o2 WHERE o2.destination = o.destination
                      AND o2.status = 'pending' AND o2.last_error IS NOT NULL
                    ORDER BY id LIMIT 1) AS last_error
            FROM outbox o GROUP BY destination ORDER BY destination
        """
        with self._lock:
            cursor = self.db.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def story_thread(self, destination: str, story_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(
                self.db["chat_threads"].rows_where(
                    "destination = ? AND story_id = ?", [destination, story_id]
                )
            )
        return rows[0] if rows else None

    def save_story_thread(
        self,
        destination: str,
        story_id: str,
        *,
        channel_id: str | None,
        message_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> None:
        with self._lock:
            self.db["chat_threads"].upsert(  # type: ignore[union-attr]
                {
                    "destination": destination,
                    "story_id": story_id,
                    "channel_id": channel_id,
                    "message_id": message_id,
                    "thread_id": thread_id,
                    "created_at": iso(now),
                },
                pk=("destination", "story_id"),
            )
