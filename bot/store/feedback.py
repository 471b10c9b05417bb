"""Reader feedback on alerts (who said what about which article, and when), story mutes per
destination, and the installation's own refitted relevance models.

Feedback is never deleted: revoking it stamps `revoked_at`/`revoked_by`, so `/news why` can
show the whole history. Kinds: `not_topic` (an alert that was not about the topic),
`nothing_new` (on topic, but it told nothing new: the claims the alert called new become
reader-known, see `reader_known_claims`), `mute` (no more alerts of this story to
this destination), `missed` (a story the bot did not post: on topic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.base import StoreBase
from bot.timeutil import iso

KINDS = ("not_topic", "nothing_new", "mute", "missed")


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    kind: str
    article_id: str
    story_id: str | None
    destination: str
    user_id: str
    user_name: str
    created_at: str
    revoked_at: str | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Toggled:
    """What a click did: the feedback row as it is now, and whether the click revoked it."""

    row: FeedbackRow
    revoked: bool


def _row(r: dict[str, Any]) -> FeedbackRow:
    return FeedbackRow(
        id=int(r["id"]),
        kind=str(r["kind"]),
        article_id=str(r["article_id"]),
        story_id=r["story_id"],
        destination=str(r["destination"] or ""),
        user_id=str(r["user_id"] or ""),
        user_name=str(r["user_name"] or ""),
        created_at=str(r["created_at"]),
        revoked_at=r["revoked_at"],
        revoked_by=r["revoked_by"],
    )


class FeedbackMixin(StoreBase):
    """Feedback rows, mutes, and installation models."""

    def add_feedback(
        self,
        *,
        kind: str,
        article_id: str,
        story_id: str | None,
        destination: str,
        user_id: str,
        user_name: str,
        now: datetime,
    ) -> FeedbackRow:
        if kind not in KINDS:
            raise ValueError(f"unknown feedback kind {kind!r}")
        with self.transaction():
            table = self.db["feedback"]
            table.insert(  # type: ignore[union-attr]
                {
                    "kind": kind,
                    "article_id": article_id,
                    "story_id": story_id,
                    "destination": destination,
                    "user_id": user_id,
                    "user_name": user_name,
                    "created_at": iso(now),
                }
            )
            new_id = int(table.last_pk)  # type: ignore[union-attr, arg-type]
        found = self.feedback_by_id(new_id)
        assert found is not None
        return found

    def toggle_feedback(
        self,
        *,
        kind: str,
        article_id: str,
        story_id: str | None,
        destination: str,
        user_id: str,
        user_name: str,
        now: datetime,
    ) -> Toggled:
        """A click: revokes this user's active feedback of this kind on this article (for a
        mute: anyone's mute of this story here), else records it."""
        with self.transaction():
            if kind == "mute":
                where, args = (
                    "kind = 'mute' AND story_id = ? AND destination = ? AND revoked_at IS NULL",
                    [story_id, destination],
                )
            else:
                where, args = (
                    "kind = ? AND article_id = ? AND user_id = ? AND revoked_at IS NULL",
                    [kind, article_id, user_id],
                )
            existing = [_row(r) for r in self.db["feedback"].rows_where(where, args)]
            if existing:
                for row in existing:
                    self.revoke_feedback(row.id, by=user_name or user_id, now=now)
                found = self.feedback_by_id(existing[0].id)
                assert found is not None
                return Toggled(found, revoked=True)
            added = self.add_feedback(
                kind=kind,
                article_id=article_id,
                story_id=story_id,
                destination=destination,
                user_id=user_id,
                user_name=user_name,
                now=now,
            )
            return Toggled(added, revoked=False)

    def revoke_feedback(self, feedback_id: int, *, by: str, now: datetime) -> bool:
        """Revoke one piece of feedback; False when there is no such active feedback."""
        with self._lock:
            cur = self.db.execute(
                "UPDATE feedback SET revoked_at = ?, revoked_by = ?"
                " WHERE id = ? AND revoked_at IS NULL",
                [iso(now), by, feedback_id],
            )
        return cur.rowcount > 0

    def feedback_by_id(self, feedback_id: int) -> FeedbackRow | None:
        with self._lock:
            rows = list(self.db["feedback"].rows_where("id = ?", [feedback_id]))
        return _row(rows[0]) if rows else None

    def feedback_for(self, article_id: str) -> list[FeedbackRow]:
        """Every piece of feedback on an article, revoked ones too, oldest first."""
        with self._lock:
            rows = self.db["feedback"].rows_where("article_id = ?", [article_id], order_by="id")
            return [_row(r) for r in rows]

    def active_feedback(self) -> list[FeedbackRow]:
        """Feedback in force, oldest first."""
        with self._lock:
            rows = self.db["feedback"].rows_where("revoked_at IS NULL", order_by="id")
            return [_row(r) for r in rows]

    def muted_stories(self, destination: str) -> set[str]:
        """The stories whose alerts no longer go to `destination`."""
        with self._lock:
            rows = self.db.execute(
                "SELECT DISTINCT story_id FROM feedback WHERE kind = 'mute'"
                " AND destination = ? AND revoked_at IS NULL AND story_id IS NOT NULL",
                [destination],
            ).fetchall()
        return {str(r[0]) for r in rows}

    def reader_known_claims(self, article_ids: Iterable[str]) -> set[tuple[str, str]]:
        """(article id, claim text) of the claims these articles' alerts called new where a
        reader's "Nothing new here" is in force: the novelty step treats them as known at a
        lower bar. Revoking the feedback removes them again."""
        ids = sorted(set(article_ids))
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        with self._lock:
            rows = self.db.execute(
                "SELECT c.article_id, c.text FROM claims c WHERE c.novel = 1"
                f" AND c.article_id IN ({marks}) AND EXISTS (SELECT 1 FROM feedback f"
                " WHERE f.article_id = c.article_id AND f.kind = 'nothing_new'"
                " AND f.revoked_at IS NULL)",
                ids,
            ).fetchall()
        return {(str(r[0]), str(r[1])) for r in rows}

    # ------------------------------------------------------------ installation models

    def save_installation_model(self, model_json: str, report_json: str, now: datetime) -> None:
        """Keep a refitted relevance model (the shipped file is never touched)."""
        with self._lock:
            self.db["installation_models"].insert(  # type: ignore[union-attr]
                {"fitted_at": iso(now), "model": model_json, "report": report_json}
            )

    def installation_model(self) -> str | None:
        """The newest refitted model's JSON, None when the installation never refitted."""
        with self._lock:
            row = self.db.execute(
                "SELECT model FROM installation_models ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def installation_model_report(self) -> str | None:
        """The newest refit's report JSON (what it was fitted on), None when never refitted."""
        with self._lock:
            row = self.db.execute(
                "SELECT report FROM installation_models ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row and row[0] is not None else None
