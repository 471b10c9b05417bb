"""The slash-command logic, platform-neutral: every command returns an `Answer`.

Discord (and later Slack) only parse options and render answers; everything a command
knows — search, recent, article, story, why, status, feeds — lives here. Answers hold
plain text; the platform renderer escapes it. Store calls are synchronous, so platforms
run these methods in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.analysis.japanese_claims import NOT_COMPARED
from bot.analysis.language import language_name
from bot.chat.answers import Answer, Item, Page, error
from bot.chat.feed_commands import FeedAdmin, FeedCommands
from bot.chat.feedback_commands import FeedbackCommands, Learning
from bot.chat.route_commands import RouteCommands
from bot.errors import SearchQueryError
from bot.feeds.identity import canonical_url
from bot.feeds.manage import FeedManager
from bot.route_book import RouteBook
from bot.store import Store
from bot.store.rows import verdict_of_row
from bot.timeutil import iso

PAGE_SIZE = 5
MAX_RECENT = 20


class Commands(FeedCommands, RouteCommands, FeedbackCommands):
    """Every /news command over one store."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        feed_admin: FeedAdmin | None = None,
        destinations: Sequence[str] = (),
        routes: RouteBook | None = None,
    ) -> None:
        self._store = store
        self.routes = routes
        self._clock = clock
        self._admin = feed_admin or FeedAdmin()
        self._destinations = list(destinations)
        self.learning = Learning()  # feedback, missed stories, refits (app.py fills it in)
        self.feeds = FeedManager(
            store,
            clock,
            check=self._admin.check,
            download=self._admin.download,
            changed=self._feeds_changed,
            default_interval=self._admin.default_interval,
            interval_bounds=self._admin.interval_bounds,
            preview=self._admin.preview,
        )

    async def _feeds_changed(self) -> None:
        if self._admin.changed is not None:
            await self._admin.changed()

    # ------------------------------------------------------------ lookups

    def search(self, query: str, page: int = 1) -> Answer:
        page = max(1, page)
        try:
            hits = self._store.search(query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        except SearchQueryError as exc:
            return error(str(exc))
        if not hits:
            text = "No results." if page == 1 else "No more results."
            return Answer(title=f"Search: {query}", text=text, page=Page(query, page, False))
        items = tuple(
            Item(
                title=h.title,
                url=h.url,
                meta=_meta(h.source, h.published, h.article_id),
                snippet=h.snippet,
            )
            for h in hits[:PAGE_SIZE]
        )
        return Answer(
            title=f"Search: {query}",
            text=f"Page {page}",
            items=items,
            page=Page(query, page, len(hits) > PAGE_SIZE),
        )

    def recent(self, n: int = 5) -> Answer:
        n = max(1, min(n, MAX_RECENT))
        rows = self._store.recent_alerted(limit=n)
        if not rows:
            return Answer(title="Recent alerts", text="Nothing posted yet.")
        items = tuple(
            Item(
                title=r["title"] or "(untitled)",
                url=r["url"],
                meta=_meta(r["source"], r["published"], r["id"]),
                text=_first_new_claim(r),
            )
            for r in rows
        )
        return Answer(title=f"Recent alerts ({len(items)})", items=items)

    def article(self, ref: str) -> Answer:
        row = self._find_article(ref)
        if row is None:
            return error("No article with that id or URL. Try /news search.")
        verdict = verdict_of_row(row)
        items = []
        not_compared = {
            c.get("text") for c in verdict.get("claims") or [] if c.get("compared") is False
        }
        for claim in self._store.claims_of(row["id"]):
            if claim.text in not_compared:
                items.append(Item(title="Not compared", text=claim.text, meta=NOT_COMPARED))
                continue
            if claim.novel:
                items.append(Item(title="New", text=claim.text))
                continue
            seen = self._describe(claim.seen_in)
            items.append(Item(title="Known", text=claim.text, meta=f"seen first in {seen}"))
        facts = [
            ("Status", _status_label(row["status"])),
            ("Source", row["source"] or "unknown"),
            ("Published", (row["published"] or "")[:10] or "unknown"),
            ("Category", (row["category"] or "none").replace("_", " ")),
            ("Story", row["story_id"] or "none"),
            ("Relevance", f"{float(row['relevance'] or 0):.2f}"),
            ("Language", language_name(row.get("language"))),
        ]
        if row.get("body_removed_at") and not row.get("body"):  # (stored again since: kept)
            facts.append(("Full text", _body_removed(row)))
        text = str(verdict.get("summary") or "")
        if not items:
            text = (text + "\n\nNo claims were found in this article.").strip()
        return Answer(
            title=row["title"] or "(untitled)",
            text=text,
            items=tuple(items),
            facts=tuple(facts),
        )

    def story(self, ref: str) -> Answer:
        """A story's timeline, by the id an alert shows, the start of it, its name, or
        failing those the story of the best search hit."""
        story_id = self._store.find_story(ref) or ""
        rows = self._store.story_articles(story_id) if story_id else []
        if not rows:
            try:
                hits = self._store.search(ref, limit=10)
            except SearchQueryError as exc:
                return error(str(exc))
            for hit in hits:
                found = self._store.get_article(hit.article_id)
                if found and found["story_id"]:
                    story_id = found["story_id"]
                    rows = self._store.story_articles(story_id)
                    break
        if not rows:
            return error("No story matches that. Try /news search.")
        items = tuple(
            Item(
                title=r["title"] or "(untitled)",
                url=r["url"],
                meta=_meta(r["source"], _timeline_date(r), r["id"]),
                text=_status_label(r["status"]),
            )
            for r in rows
        )
        known = self._store.story(story_id)
        title = (known or {}).get("title") or ""
        return Answer(
            title=f"{title} ({story_id})" if title else f"Story {story_id}",
            text=f"{len(rows)} article(s), oldest first.",
            items=items,
        )

    def why(self, ref: str) -> Answer:
        row = self._find_article(ref)
        if row is None:
            return Answer(
                title="Never seen",
                text=(
                    "No feed has brought this item. Either its feed is not watched "
                    "(see /news feeds list), or it has not been polled since it appeared."
                ),
            )
        verdict = verdict_of_row(row)
        status = row["status"]
        facts: list[tuple[str, str]] = [("Decision", _status_label(status))]
        if row["kind"] != "seed" and status not in ("recorded", "pending"):
            facts.append(("Language", language_name(row.get("language"))))
        lines: list[str] = []
        reason = row["reason"] or verdict.get("reason") or ""
        if status == "not_relevant":
            facts.append(("Relevance score", f"{float(row['relevance'] or 0):.2f}"))
            signals = [str(s) for s in verdict.get("signals") or []]
            facts.append(("Signals", ", ".join(signals) or "none found"))
        if row["duplicate_of"]:
            facts.append(("Duplicate of", self._describe(row["duplicate_of"])))
        if status == "nothing_new":
            known = [c for c in self._store.claims_of(row["id"]) if not c.novel]
            by_reader = {
                c.get("text")
                for c in verdict.get("claims") or []
                if isinstance(c, dict) and c.get("by_reader")
            }
            for claim in known[:8]:
                line = f"{claim.text} — known from {self._describe(claim.seen_in)}"
                if claim.text in by_reader:
                    line += " (a reader said that alert's new claims were not new)"
                lines.append(line)
            if not known:
                lines.append("It made no claim worth reporting.")
        if status == "alerted":
            for ref_row in self._store.message_refs(row["id"]):
                where = ref_row["destination"]
                if ref_row["status"] == "sent":
                    when = (ref_row["sent_at"] or "")[:16].replace("T", " ")
                    lines.append(
                        f"posted to {where} at {when} UTC (message {ref_row['message_ref']})"
                    )
                elif ref_row["status"] == "dead":
                    lines.append(f"{where} refused it: {ref_row['last_error']}")
                else:
                    error_text = ref_row["last_error"] or "waiting its turn"
                    lines.append(f"queued for {where} ({error_text})")
        if row["story_id"]:
            facts.append(("Story", row["story_id"]))
        lines += self.feedback_lines(row["id"])
        return Answer(
            title=row["title"] or "(untitled)",
            text=reason,
            items=tuple(Item(title="", text=line) for line in lines),
            facts=tuple(facts),
        )

    def status(self) -> Answer:
        feeds = self._store.feeds()
        paused = [f for f in feeds if f.paused]
        failing = [f for f in feeds if f.state.consecutive_failures > 0 and not f.paused]
        checked = [iso(t) or "" for f in feeds if (t := f.state.last_checked_at)]
        healthy = len(feeds) - len(failing) - len(paused)
        counts = f"{healthy} healthy, {len(failing)} failing"
        facts = [
            ("Feeds", counts + (f", {len(paused)} paused" if paused else "")),
            ("Last poll", (max(checked)[:16].replace("T", " ") + " UTC") if checked else "never"),
        ]
        for row in self._store.outbox_summary():
            pending = int(row["pending"] or 0)
            value = f"{pending} waiting"
            if row["last_error"]:
                value += f" (last error: {row['last_error'][:120]})"
            facts.append((f"Outbox: {row['destination']}", value))
        if not any(name.startswith("Outbox") for name, _ in facts):
            facts.append(("Outbox", "empty"))
        used, free = self._store.space()
        facts.append(("Storage", f"{used / 2**20:.1f} MB in use, {free / 2**20:.1f} MB free"))
        languages = self._store.language_counts()
        if languages:
            facts.append(("Languages", _languages(languages)))
        items = tuple(
            Item(
                title=f.name or f.url,
                url=f.url,
                meta=f"{f.state.consecutive_failures} failures in a row",
                text=str(f.state.last_error or ""),
            )
            for f in failing[:10]
        )
        items += tuple(
            Item(title=f.name or f.url, url=f.url, meta="paused: not polled") for f in paused[:10]
        )
        return Answer(title="Status", facts=tuple(facts), items=items)

    # ------------------------------------------------------------ autocomplete

    def complete_story(self, prefix: str) -> list[str]:
        return self._store.story_ids_like(prefix.strip(), limit=25)

    def complete_feed(self, prefix: str) -> list[tuple[str, str]]:
        """(label, url) pairs of watched feeds whose name or URL contains the text."""
        needle = prefix.strip().lower()
        out = []
        for f in self._store.feeds():
            label = f.display_name
            if needle in label.lower() or needle in f.url.lower():
                out.append((label, f.url))
        return out[:25]

    def complete_recent(self, prefix: str) -> list[tuple[str, str]]:
        """(title, article id) of recent articles whose title contains the text; the id is
        what article/why take (URLs can be longer than a choice value may be)."""
        needle = prefix.strip().lower()
        out = []
        for r in self._store.recent_articles(limit=100, relevant_only=False):
            title = r["title"] or r["id"]
            if not needle or needle in title.lower() or needle in (r["url"] or "").lower():
                out.append((title, r["id"]))
        return out[:25]

    # ------------------------------------------------------------ helpers

    def _find_article(self, ref: str) -> dict[str, Any] | None:
        ref = ref.strip()
        if not ref:
            return None
        row = self._store.get_article(ref)
        if row is None and ref.startswith(("http://", "https://")):
            row = self._store.find_article_by_url(ref) or self._store.find_article_by_url(
                canonical_url(ref)
            )
        return row

    def _describe(self, article_id: str | None) -> str:
        if not article_id:
            return "an earlier article"
        row = self._store.get_article(article_id)
        if row is None:
            return article_id
        date = (row["published"] or "")[:10]
        bits = [row["title"] or article_id, row["source"] or "", date]
        return " · ".join(b for b in bits if b)


def _body_removed(row: dict[str, Any]) -> str:
    """What `article` says of a body the retention settings removed."""
    day = str(row["body_removed_at"])[:10]
    link = f" (the article: {row['url']})" if row.get("url") else ""
    return (
        f"no longer stored: removed {day} (retention.bodies_days); the claims, the verdict"
        f" and the link are kept{link}"
    )


def _timeline_date(row: dict[str, Any]) -> str:
    """The date a timeline shows: the publication date; a seed without one is "undated"
    (the day it was loaded is no date of the story)."""
    if row["published"]:
        return str(row["published"])
    return "undated" if row.get("kind") == "seed" else str(row["seen_at"] or "")


def _meta(source: str | None, published: str | None, article_id: str) -> str:
    return " · ".join(x for x in (source or "", (published or "")[:10], article_id) if x)


def _first_new_claim(row: dict[str, Any]) -> str:
    for claim in verdict_of_row(row).get("claims") or []:
        if isinstance(claim, dict) and claim.get("novel"):
            return str(claim.get("text") or "")
    return ""


_STATUS_LABELS = {
    "alerted": "posted: it had new claims",
    "not_relevant": "not posted: not about AI training-data disputes",
    "nothing_new": "not posted: nothing new (every claim was already known)",
    "recorded": "not posted: recorded when its feed was added",
    "seed": "part of the seed corpus",
    "pending": "not analysed yet",
    "reported": "not posted: reported as missed (an admin can post it with /news missed)",
}


def _languages(counts: list[tuple[str, int, int]]) -> str:
    """ "English 120, Japanese 4; not analysed: German 2" """
    read = [f"{language_name(c)} {n}" for c, n, _ in counts if n]
    skipped = [f"{language_name(c)} {n}" for c, _, n in counts if n]
    text = ", ".join(read) or "none analysed"
    return f"{text}; not analysed: {', '.join(skipped)}" if skipped else text


def _status_label(status: str | None) -> str:
    return _STATUS_LABELS.get(status or "", status or "unknown")
