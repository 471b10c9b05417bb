"""/news feeds (admins only): the feed commands, as answers. The checks and the work live
in the feed service (bot.feeds.manage); these only turn its values into answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.answers import Answer, Item, error
from bot.feeds.manage import (
    MAX_IMPORT,
    MAX_INTERVAL,
    MIN_INTERVAL,
    FeedChanged,
    FeedCheck,
    FeedCheckFailed,
    FeedHealth,
    FeedManagementError,
    FeedManager,
    FeedsChanged,
    ImportReport,
    OpmlDownload,
)
from bot.feeds.preview import FeedPreview, FeedPreviewer, PreviewItem


@dataclass
class FeedAdmin:
    """Hooks the feed commands use: check a feed before adding it, fetch an OPML file,
    tell the scheduler (`changed` may be set once the scheduler exists)."""

    default_interval: int = 30
    check: FeedCheck | None = None
    download: OpmlDownload | None = None
    changed: FeedsChanged | None = None
    interval_bounds: tuple[int, int] = (MIN_INTERVAL, MAX_INTERVAL)
    preview: FeedPreviewer | None = None  # a dry run of a feed (fetch + analysis, no writes)


class FeedCommands:
    """The feed commands of `Commands`; `feeds` is the feed service it was built with."""

    feeds: FeedManager

    def feeds_list(self) -> Answer:
        feeds = self.feeds.health()
        if not feeds:
            return Answer(title="Feeds", text="No feeds yet. Add one with /news feeds add.")
        items = tuple(Item(title=f.name or f.url, url=f.url, meta=_feed_health(f)) for f in feeds)
        return Answer(title=f"Feeds ({len(feeds)})", items=items)

    async def feeds_add(self, url: str, name: str = "") -> Answer:
        try:
            added = await self.feeds.add(url, name=name)
        except FeedCheckFailed as exc:
            return error(f"That does not look like a working feed: {exc}")
        except FeedManagementError as exc:
            return error(_sentence(str(exc)))
        return Answer(
            title="Feed added",
            text=(
                f"Watching {name.strip() or added.title or added.url}. Its current items are "
                "recorded without alerts; new items from now on are checked."
            ),
            public=True,
        )

    async def feeds_remove(self, url: str) -> Answer:
        try:
            await self.feeds.remove(url)
        except FeedManagementError:
            return error("That feed is not in the list (see /news feeds list).")
        return Answer(
            title="Feed removed",
            text="No longer watching it. Its articles stay searchable.",
            public=True,
        )

    async def feeds_pause(self, url: str) -> Answer:
        try:
            done = await self.feeds.pause(url)
        except FeedManagementError:
            return error("That feed is not in the list (see /news feeds list).")
        text = f"{done.name} is paused: it is not polled until /news feeds resume."
        if not done.changed:
            text = f"{done.name} was already paused."
        return Answer(title="Feed paused", text=text, public=True)

    async def feeds_resume(self, url: str) -> Answer:
        try:
            done = await self.feeds.resume(url)
        except FeedManagementError:
            return error("That feed is not in the list (see /news feeds list).")
        text = f"{done.name} is polled again, every {done.interval_minutes} minutes."
        if not done.changed:
            text = (
                f"{done.name} was not paused; it is polled every {done.interval_minutes} minutes."
            )
        return Answer(title="Feed resumed", text=text, public=True)

    async def feeds_interval(self, url: str, minutes: int) -> Answer:
        try:
            done = await self.feeds.set_interval(url, minutes)
        except FeedManagementError as exc:
            return error(_sentence(str(exc)))
        return _interval_answer(done)

    async def feeds_preview(self, url: str, items: int = 5) -> Answer:
        """A dry run, for the admin who asked only: nothing is stored or posted."""
        try:
            preview = await self.feeds.preview(url, items)
        except FeedCheckFailed as exc:
            return error(f"That does not look like a working feed: {exc}")
        except FeedManagementError as exc:
            return error(_sentence(str(exc)))
        return preview_answer(preview)

    async def feeds_import(self, opml: bytes) -> Answer:
        """Import the feeds of an OPML file's bytes (bot.feeds.opml.MAX_OPML_BYTES at most)."""
        try:
            report = await self.feeds.import_opml(opml)
        except FeedManagementError as exc:
            return error(f"That file could not be imported: {exc}")
        return _import_answer(report)

    async def feeds_import_url(self, url: str) -> Answer:
        """Fetch an OPML file (capped at bot.feeds.opml.MAX_OPML_BYTES) and import its feeds."""
        try:
            report = await self.feeds.import_url(url)
        except FeedManagementError as exc:
            return error(f"That file could not be imported: {exc}")
        return _import_answer(report)


def _interval_answer(done: FeedChanged) -> Answer:
    text = f"{done.name} is polled every {done.interval_minutes} minutes"
    text += "." if done.changed else " (it already was)."
    if done.paused:
        text += " It is paused: /news feeds resume to poll it again."
    return Answer(title="Feed interval", text=text, public=True)


_OUTCOMES = {
    "alert": "would post",
    "nothing_new": "would not post: nothing new",
    "not_relevant": "would not post: not about AI training-data disputes",
    "seen": "already seen: not judged again",
}


def preview_line(item: PreviewItem) -> str:
    """What a poll would do with one item, e.g. "would post: 3 new claims"."""
    label = _OUTCOMES[item.outcome]
    if item.outcome == "alert":
        label += f": {len(item.new_claims)} new claim(s)"
    return label


def preview_answer(preview: FeedPreview) -> Answer:
    """A preview as an answer only its asker sees."""
    shown = len(preview.shown)
    text = (
        f"The newest {shown} of its {preview.items} items, judged now against everything"
        f" seen; {preview.would_post} would be posted. Nothing was stored or posted."
    )
    if not preview.watched:
        text += (
            " Not watched yet: once added, its first poll records these items without"
            " alerting; only items that appear after that are posted."
        )
    items = tuple(
        Item(
            title=i.title or "(untitled)",
            url=i.url,
            meta=preview_line(i),
            text=(i.new_claims[0] if i.new_claims else ""),
        )
        for i in preview.shown
    )
    return Answer(title=f"Preview: {preview.title or preview.url}", text=text, items=items)


def _feed_health(feed: FeedHealth) -> str:
    if feed.paused:
        return "paused: not polled until /news feeds resume"
    failures = feed.consecutive_failures
    if failures:
        return f"failing ({failures} in a row): {(feed.last_error or '')[:100]}"
    checked = feed.last_success_at
    return f"ok, last polled {checked[:16].replace('T', ' ')} UTC" if checked else "not polled yet"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _import_answer(report: ImportReport) -> Answer:
    """Every feed of an import named: added, or skipped with the reason."""
    items = [Item(title=a.title or a.url, url=a.url, meta="added") for a in report.added]
    items += [Item(title=s.url, meta=f"skipped: {s.reason}") for s in report.skipped]
    text = f"{len(report.added)} feed(s) added, {len(report.skipped)} skipped."
    if report.left_out:
        text += f" {report.left_out} more were left out (at most {MAX_IMPORT} per import)."
    return Answer(title="Feeds imported", text=text, items=tuple(items), public=True)
