"""Feedback from chat, as answers: the alert buttons, `/news missed`, `/news retrain`,
`/news forget`, and the feedback lines `/news why` shows.

Who may do what: anyone may say an alert was *not about this topic* or *nothing new*, and
report a missed story; muting a story for a destination, posting a missed story and
refitting are for admins (the platform decides who is one and passes a `Reader`). Clicking a
button again takes one's own feedback back (for *Mute*: unmutes, admins); `/news forget ID`
revokes any one piece of feedback (the reader's own, or anyone's for an admin).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.alerts import unmuted
from bot.analysis.assess import Assessment
from bot.analysis.memory import Memory
from bot.chat.answers import Answer, error
from bot.feedback.missed import MissedPage, article_of_page
from bot.feedback.retrain import Retrainer
from bot.feeds.identity import canonical_url
from bot.feeds.limits import MAX_URL_CHARS
from bot.models import Article
from bot.routes import Route
from bot.store import Store
from bot.store.feedback import FeedbackRow
from bot.store.known import KnownToStore
from bot.store.rows import article_row, assessed_write, verdict_row
from bot.timeutil import parse_iso

BUTTON_KINDS = ("not_topic", "nothing_new", "mute", "verdict")
KIND_LABELS = {
    "not_topic": "Not about this topic",
    "nothing_new": "Nothing new here",
    "mute": "Mute this story",
    "missed": "Missed story",
    "verdict": "Full verdict",
}
NOT_ADMIN_MUTE = "Only admins can mute a story for this channel; it changes what everyone sees."
# stored articles an admin's report analyses (again): none of these was analysed as on topic
REANALYSED = ("not_relevant", "recorded", "reported", "error", "pending")
NOT_ADMIN_RETRAIN = "Only admins can refit the relevance model."


@dataclass(frozen=True)
class Reader:
    """Who clicked or asked, as the platform knows them."""

    id: str
    name: str
    admin: bool = False


class Judge(Protocol):
    def assess(self, article: Article, known: Memory) -> Assessment: ...


@dataclass
class Learning:
    """What the feedback commands use beyond the store; app.py fills it in once built.
    `judge` analyses a reported page as on topic (the reader says it is); `assessor` is the
    bot's own analysis (a reader who may not post gets the bot's own verdict recorded)."""

    retrainer: Retrainer | None = None
    fetch_page: Callable[[str], Awaitable[MissedPage | str]] | None = None
    judge: Judge | None = None
    assessor: Judge | None = None
    destinations: Sequence[str] = field(default_factory=list)  # the default ones
    routes: Callable[[], Sequence[Route]] = lambda: ()  # the routes as they are now
    on_alert: Callable[[], None] | None = None


class FeedbackCommands:
    """The feedback commands of `Commands`."""

    _store: Store
    _clock: Callable[[], datetime]
    learning: Learning

    # ------------------------------------------------------------ buttons

    def feedback_click(
        self, kind: str, article_id: str, destination: str, reader: Reader
    ) -> Answer:
        """A click on *Not about this topic*, *Nothing new here* or *Mute this story*."""
        if kind not in ("not_topic", "nothing_new", "mute"):
            return error("That button is not one this bot knows.")
        row = self._store.get_article(article_id)
        if row is None:
            return error("This alert's article is no longer in the database.")
        story = row["story_id"]
        if kind == "mute":
            if not reader.admin:
                return error(NOT_ADMIN_MUTE)
            if not story:
                return error("This alert belongs to no story, so there is nothing to mute.")
        toggled = self._store.toggle_feedback(
            kind=kind,
            article_id=article_id,
            story_id=story,
            destination=destination,
            user_id=reader.id,
            user_name=reader.name,
            now=self._clock(),
        )
        label = KIND_LABELS[kind]
        if kind == "mute":
            if toggled.revoked:
                text = f"Unmuted: alerts of story {story} come to {destination} again."
            else:
                text = (
                    f"Muted: no more alerts of story {story} in {destination}. "
                    "Click Mute again to unmute."
                )
        elif toggled.revoked:
            text = f"Taken back: your “{label}” on this alert no longer counts."
        else:
            lesson = {
                "not_topic": "an article that is not about AI training-data disputes",
                "nothing_new": "on topic, but telling nothing new",
            }[kind]
            novelty = (
                " Later articles repeating the claims it called new will report them as known."
                if kind == "nothing_new"
                else ""
            )
            text = (
                f"Thanks, noted as {lesson} (feedback #{toggled.row.id}). It teaches the "
                f"relevance model at the next refit.{novelty} Click the button again to take "
                "it back."
            )
        return Answer(title=label, text=text)

    # ------------------------------------------------------------ /news forget

    def forget(self, feedback_id: int, reader: Reader) -> Answer:
        in_range = 0 < feedback_id < 2**63  # what SQLite can hold
        row = self._store.feedback_by_id(feedback_id) if in_range else None
        if row is None or not row.active:
            return error(f"There is no feedback #{feedback_id} in force (see /news why).")
        if row.user_id != reader.id and not reader.admin:
            return error("Only the reader who gave that feedback, or an admin, can revoke it.")
        self._store.revoke_feedback(feedback_id, by=reader.name or reader.id, now=self._clock())
        return Answer(
            title="Feedback revoked",
            text=f"#{feedback_id} ({KIND_LABELS[row.kind]}) no longer counts.",
        )

    # ------------------------------------------------------------ /news why lines

    def feedback_lines(self, article_id: str) -> list[str]:
        return [_feedback_line(r) for r in self._store.feedback_for(article_id)]

    # ------------------------------------------------------------ /news retrain

    async def retrain(self, reader: Reader) -> Answer:
        if not reader.admin:
            return error(NOT_ADMIN_RETRAIN)
        retrainer = self.learning.retrainer
        if retrainer is None:
            return error("Refitting is not available in this setup.")
        report = await asyncio.to_thread(retrainer.retrain)
        if report.skipped:
            return Answer(title="Relevance model", text=f"Not refitted: {report.skipped}.")
        return Answer(title="Relevance model refitted", text=report.line().capitalize() + ".")

    # ------------------------------------------------------------ /news missed

    async def missed(self, url: str, reader: Reader) -> Answer:
        """A story the bot did not post: recorded as on topic; posted when an admin says so."""
        url = url.strip()
        if not url.startswith(("http://", "https://")):
            return error("Usage: /news missed <URL of the article>")
        if len(url) > MAX_URL_CHARS:
            return error(f"That address is longer than {MAX_URL_CHARS} characters.")
        row = await asyncio.to_thread(self._known_article, url)
        if row is not None and row["status"] in ("alerted", "seed"):
            what = "was posted" if row["status"] == "alerted" else "is part of the seed corpus"
            return error(f"That article {what}: see /news why {url}")
        if row is not None:
            article = Article(
                id=row["id"],
                title=row["title"] or "",
                url=row["url"],
                source=row["source"],
                published=parse_iso(row["published"]),
                text=row["body"] or "",
                feed_url=row["feed_url"],
            )
        else:
            if self.learning.fetch_page is None:
                return error("Fetching pages is not available in this setup.")
            page = await self.learning.fetch_page(url)
            if isinstance(page, str):
                return error(f"Could not read that page: {page}")
            article = article_of_page(page)
        return await asyncio.to_thread(self._record_missed, article, row is not None, reader)

    def _known_article(self, url: str) -> dict[str, Any] | None:
        return self._store.find_article_by_url(url) or self._store.find_article_by_url(
            canonical_url(url)
        )

    def _record_missed(self, article: Article, known: bool, reader: Reader) -> Answer:
        """Admins: analysed as on topic and posted (unless it tells nothing new). Others:
        the page is kept, unanalysed, for an admin to post; either way a positive example."""
        now = self._clock()
        status = (self._store.get_article(article.id) or {}).get("status") if known else None
        lines = ["Recorded as a story the bot missed; it teaches the model at the next refit."]
        judge = self.learning.judge
        if not reader.admin or judge is None or status not in (None, *REANALYSED):
            with self._store.transaction():
                if not known:
                    row = {**article_row(article, now), "status": "reported"}
                    row["reason"] = f"reported as missed by {reader.name or reader.id}"
                    self._store.save_article(row)
                self._add_missed(article.id, None, reader, now)
            if not reader.admin:
                lines.append("An admin can post it with /news missed.")
            elif status == "nothing_new":
                lines.append("Not posted: it was judged nothing new (see /news why).")
            return Answer(title=f"Missed: {article.title or article.url}", text=" ".join(lines))
        assessment = judge.assess(article, KnownToStore(self._store))
        verdict = assessment.verdict
        # where a feed's alert would go: every default destination that has not muted the
        # story, and every route whose filter it passes (a digest route holds it)
        muted = self._store.muted_stories
        write = assessed_write(
            article,
            assessment,
            now,
            {},
            unmuted(verdict.story, self.learning.destinations, muted),
            self.learning.routes(),
            muted,
        )
        if not write.messages:
            write = dataclasses.replace(
                write, row=verdict_row(article, verdict, now, alerting=False), alerted=False
            )
        with self._store.transaction():
            posted = self._store.write_articles([write], now)
            self._add_missed(article.id, verdict.story, reader, now)
        if posted:
            if self.learning.on_alert is not None:
                self.learning.on_alert()
            sent = [m.destination for m in write.messages if m.kind == "alert"]
            held = [m.destination for m in write.messages if m.kind == "held"]
            if sent:
                lines.append(f"Posted to {', '.join(sent)}.")
            if held:
                lines.append(f"Held for the digest of {', '.join(held)}.")
        elif not verdict.novel:
            lines.append("Not posted: every claim in it was already known (see /news why).")
        else:
            lines.append("Not posted: no destination takes this story.")
        return Answer(title=f"Missed: {article.title or article.url}", text=" ".join(lines))

    def _add_missed(
        self, article_id: str, story: str | None, reader: Reader, now: datetime
    ) -> None:
        self._store.add_feedback(
            kind="missed",
            article_id=article_id,
            story_id=story,
            destination="",
            user_id=reader.id,
            user_name=reader.name,
            now=now,
        )


def _feedback_line(row: FeedbackRow) -> str:
    when = row.created_at[:16].replace("T", " ")
    where = f" in {row.destination}" if row.kind == "mute" and row.destination else ""
    who = row.user_name or row.user_id
    line = f"feedback #{row.id}: {KIND_LABELS[row.kind]}{where} — {who}, {when} UTC"
    if not row.active:
        revoked = (row.revoked_at or "")[:16].replace("T", " ")
        line += f" (revoked by {row.revoked_by} at {revoked} UTC)"
    elif row.kind == "nothing_new":
        line += "; the claims it called new now count as known in later articles"
    return line
