"""The slash-command logic, platform-neutral: every command returns an `Answer`.

Discord (and later Slack) only parse options and render answers; everything a command
knows — search, recent, article, story, why, status, feeds — lives here. Answers hold
plain text; the platform renderer escapes it. Store calls are synchronous, so platforms
run these methods in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import SearchQueryError
from bot.feeds.identity import canonical_url
from bot.models import Feed
from bot.store import Store
from bot.timeutil import iso

PAGE_SIZE = 5
MAX_RECENT = 20
MAX_OPML_BYTES = 1_000_000
MAX_IMPORT = 200


@dataclass(frozen=True)
class Item:
    """One article (or feed) in an answer. `snippet` may mark matches with **…**."""

    title: str
    url: str | None = None
    meta: str = ""
    text: str = ""
    snippet: str = ""


@dataclass(frozen=True)
class Page:
    """Where a paged answer is: the command's argument, this page (from 1), and more?"""

    query: str
    number: int
    has_next: bool


@dataclass(frozen=True)
class Answer:
    """What a command replies. `error` answers are short and shown only to the asker."""

    title: str
    text: str = ""
    items: tuple[Item, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    page: Page | None = None
    error: bool = False
    public: bool = False  # shown to the channel rather than only to the asker


def error(text: str) -> Answer:
    return Answer(title="Sorry", text=text, error=True)


# A feed check: url -> (title, None) when it is a feed, (None, reason) when not.
FeedProbe = Callable[[str], Awaitable[tuple[str | None, str | None]]]
FeedsChanged = Callable[[], Awaitable[None]]


@dataclass
class FeedAdmin:
    """Hooks the feed commands use: check a feed before adding, tell the scheduler."""

    default_interval: int = 30
    probe: FeedProbe | None = None
    changed: FeedsChanged | None = None
    notes: list[str] = field(default_factory=list)


class Commands:
    """Every /news command over one store."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        feed_admin: FeedAdmin | None = None,
        destinations: Sequence[str] = (),
    ) -> None:
        self._store = store
        self._clock = clock
        self._admin = feed_admin or FeedAdmin()
        self._destinations = list(destinations)

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
        verdict = _verdict(row)
        items = []
        for claim in self._store.claims_of(row["id"]):
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
        ]
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
        verdict = _verdict(row)
        status = row["status"]
        facts: list[tuple[str, str]] = [("Decision", _status_label(status))]
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
            for claim in known[:8]:
                lines.append(f"{claim.text} — known from {self._describe(claim.seen_in)}")
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
        return Answer(
            title=row["title"] or "(untitled)",
            text=reason,
            items=tuple(Item(title="", text=line) for line in lines),
            facts=tuple(facts),
        )

    def status(self) -> Answer:
        feeds = self._store.feeds()
        failing = [f for f in feeds if f.state.consecutive_failures > 0]
        checked = [iso(t) or "" for f in feeds if (t := f.state.last_checked_at)]
        facts = [
            ("Feeds", f"{len(feeds) - len(failing)} healthy, {len(failing)} failing"),
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
        items = tuple(
            Item(
                title=f.name or f.url,
                url=f.url,
                meta=f"{f.state.consecutive_failures} failures in a row",
                text=str(f.state.last_error or ""),
            )
            for f in failing[:10]
        )
        return Answer(title="Status", facts=tuple(facts), items=items)

    # ------------------------------------------------------------ feeds (admin)

    def feeds_list(self) -> Answer:
        feeds = self._store.feeds()
        if not feeds:
            return Answer(title="Feeds", text="No feeds yet. Add one with /news feeds add.")
        items = tuple(
            Item(
                title=f.display_name,
                url=f.url,
                meta=_feed_health(f),
            )
            for f in feeds
        )
        return Answer(title=f"Feeds ({len(feeds)})", items=items)

    async def feeds_add(self, url: str, name: str = "") -> Answer:
        url = url.strip()
        if not url.startswith(("http://", "https://")) or len(url) > 2000:
            return error("A feed URL starts with http:// or https://.")
        if self._store.get_feed(url) is not None:
            return error("That feed is already watched.")
        title = None
        if self._admin.probe is not None:
            title, problem = await self._admin.probe(url)
            if problem:
                return error(f"That does not look like a working feed: {problem}")
        added = self._store.add_feed(
            url, name.strip() or title or "", self._admin.default_interval, self._clock()
        )
        if not added:
            return error("That feed is already watched.")
        if self._admin.changed is not None:
            await self._admin.changed()
        return Answer(
            title="Feed added",
            text=(
                f"Watching {name or title or url}. Its current items are recorded without "
                "alerts; new items from now on are checked."
            ),
            public=True,
        )

    async def feeds_remove(self, url: str) -> Answer:
        if not self._store.remove_feed(url.strip()):
            return error("That feed is not in the list (see /news feeds list).")
        if self._admin.changed is not None:
            await self._admin.changed()
        return Answer(
            title="Feed removed",
            text="No longer watching it. Its articles stay searchable.",
            public=True,
        )

    async def feeds_import(self, opml: bytes) -> Answer:
        try:
            urls = parse_opml(opml)
        except ValueError as exc:
            return error(str(exc))
        if not urls:
            return error("No feeds found in that file (outline elements with an xmlUrl).")
        added = skipped = 0
        for url, title in urls[:MAX_IMPORT]:
            if not url.startswith(("http://", "https://")):
                skipped += 1
                continue
            if self._store.add_feed(url, title, self._admin.default_interval, self._clock()):
                added += 1
            else:
                skipped += 1
        if added and self._admin.changed is not None:
            await self._admin.changed()
        over = len(urls) - MAX_IMPORT
        text = f"{added} feed(s) added, {skipped} already watched or not http(s)."
        if over > 0:
            text += f" {over} more were left out (at most {MAX_IMPORT} per import)."
        return Answer(title="Feeds imported", text=text, public=True)

    # ------------------------------------------------------------ autocomplete

    def complete_story(self, prefix: str) -> list[str]:
        return self._store.story_ids_like(prefix.strip(), limit=25)

    def complete_feed(self, prefix: str) -> list[tuple[str, str]]:
        """(label, url) pairs of watched feeds whose name or URL contains the text."""
        needle = prefix.strip().lower()
        out = []
        for f in self._store.feeds():
            label = f.name or f.url
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


def parse_opml(data: bytes) -> list[tuple[str, str]]:
    """(xmlUrl, title) of every outline in an OPML document; ValueError when unreadable."""
    if len(data) > MAX_OPML_BYTES:
        raise ValueError(f"That file is too big (at most {MAX_OPML_BYTES // 1000} KB).")
    if b"<!ENTITY" in data:
        raise ValueError("That OPML file declares entities; refusing to read it.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"That is not valid OPML ({exc}).") from None
    found: list[tuple[str, str]] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url and url not in (u for u, _ in found):
            found.append((url, (outline.get("title") or outline.get("text") or "").strip()))
    return found


def _timeline_date(row: dict[str, Any]) -> str:
    """The date a timeline shows: the publication date; a seed without one is "undated"
    (the day it was loaded is no date of the story)."""
    if row["published"]:
        return str(row["published"])
    return "undated" if row.get("kind") == "seed" else str(row["seen_at"] or "")


def _meta(source: str | None, published: str | None, article_id: str) -> str:
    return " · ".join(x for x in (source or "", (published or "")[:10], article_id) if x)


def _verdict(row: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(row.get("verdict") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _first_new_claim(row: dict[str, Any]) -> str:
    for claim in _verdict(row).get("claims") or []:
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
}


def _status_label(status: str | None) -> str:
    return _STATUS_LABELS.get(status or "", status or "unknown")


def _feed_health(feed: Feed) -> str:
    failures = feed.state.consecutive_failures
    if failures:
        return f"failing ({failures} in a row): {str(feed.state.last_error or '')[:100]}"
    checked = iso(feed.state.last_success_at)
    return f"ok, last polled {checked[:16].replace('T', ' ')} UTC" if checked else "not polled yet"
