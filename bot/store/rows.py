"""Row builders: an Article and its Verdict as the articles and claims tables keep them.

Used by the pipeline, the seed loader and `analyze --db`, so every way into the database
writes the same columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Protocol

from bot.alerts import build_alert, deserves_alert
from bot.analysis.assess import Assessment
from bot.models import Article, Claim, Verdict, alert_to_payload
from bot.routes import AlertFacts, Route, plan
from bot.store.bodies import pack
from bot.store.polls import ArticleWrite, Message
from bot.timeutil import iso

FIRST_POLL_REASON = "already in the feed when it was added (first poll records, no alert)"


def alert_facts(article: Article, verdict: Verdict, payload: dict[str, Any]) -> AlertFacts:
    """What route filters look at: category, story, relevance, whether the article started
    its storyline, and the words of its title, summary, new claims and source, and its
    parties by their English names (so "Shueisha" finds a Japanese report on 集英社)."""
    claims = " ".join(c.text for c in verdict.new_claims)
    parties = "; ".join(verdict.parties)
    source = payload.get("source") or ""
    return AlertFacts(
        category=verdict.category,
        story=verdict.story,
        relevance=verdict.relevance,
        new_story=verdict.duplicate_of is None,
        text=f"{article.title}\n{verdict.summary}\n{claims}\n{source}\n{parties}",
    )


def verdict_json(verdict: Verdict, in_columns: frozenset[str] = frozenset()) -> str:
    """The whole Verdict as compact JSON (the keys of dataclasses.asdict, built without its
    deep copies: a cold poll serialises thousands of verdicts). A top-level key whose value
    is None, "" or empty is left out (a reader's .get gives the same None or default): most
    stored verdicts are of articles off the topic, and those keys were a third of them.
    So are the keys named in `in_columns`, which the row holds in columns of their own
    (VERDICT_COLUMNS; `verdict_of_row` puts them back)."""
    data = {name: getattr(verdict, name) for name in _VERDICT_FIELDS if name not in in_columns}
    data["claims"] = [{name: getattr(c, name) for name in _CLAIM_FIELDS} for c in verdict.claims]
    kept = {k: v for k, v in data.items() if v is not None and v != "" and v != [] and v != ()}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


# Verdict keys an analysed article's row also keeps as columns (verdict_row writes both),
# and the column of each: the verdict JSON leaves them out (120 of its 152 bytes for an
# article off the topic).
VERDICT_COLUMNS = {
    "article_id": "id",
    "relevant": "relevant",
    "relevance": "relevance",
    "reason": "reason",
    "category": "category",
    "story": "story_id",
    "duplicate_of": "duplicate_of",
    "language": "language",
}
_IN_COLUMNS = frozenset(VERDICT_COLUMNS)
_NOT_ID = _IN_COLUMNS - {"article_id"}


def verdict_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """The stored verdict of an article row as a dict, the keys kept in columns put back
    ({} for a row without one, or unreadable)."""
    try:
        value = json.loads(row.get("verdict") or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict) or not value:
        return {}
    for key, column in VERDICT_COLUMNS.items():
        if key not in value and row.get(column) is not None:
            value[key] = bool(row[column]) if key == "relevant" else row[column]
    return value


# The field names, read once (dataclasses.fields builds a tuple on every call).
_VERDICT_FIELDS = tuple(f.name for f in fields(Verdict))
_CLAIM_FIELDS = tuple(f.name for f in fields(Claim))


def article_row(article: Article, now: datetime, kind: str = "feed") -> dict[str, Any]:
    """The article's own columns (no verdict yet)."""
    return {
        "id": article.id,
        "kind": kind,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "published": iso(article.published),
        "seen_at": iso(now),
        "feed_url": article.feed_url,
        "body": stored_body(article),
    }


def stored_body(article: Article) -> str | bytes | None:
    """The article's text as the articles table keeps it: packed where the feed was parsed
    when that was this very text (a full page read since replaces it), else packed here."""
    kept = article.stored_text
    if kept is not None and kept[0] == article.text:
        return kept[1]
    return pack(article.text)


def recorded_row(article: Article, now: datetime, guid: str | None) -> dict[str, Any]:
    """An item a feed's first poll only records (no analysis, no alert)."""
    return {
        **article_row(article, now),
        "guid": guid,
        "status": "recorded",
        "reason": FIRST_POLL_REASON,
        "text_source": "feed",
    }


def failed_row(
    article: Article, now: datetime, error: BaseException, extra: dict[str, Any]
) -> dict[str, Any]:
    """An article whose analysis raised: kept, with the error as its reason."""
    return {
        **article_row(article, now),
        **extra,
        "status": "error",
        "reason": f"analysis failed: {type(error).__name__}: {error}"[:500],
    }


def verdict_status(verdict: Verdict, *, alerting: bool = True) -> str:
    """alerted / nothing_new / not_relevant (`analysed` instead of alerted when no alert
    is queued, as for `analyze --db`)."""
    if not verdict.relevant:
        return "not_relevant"
    if not verdict.novel:
        return "nothing_new"
    return "alerted" if alerting else "analysed"


def verdict_row(
    article: Article,
    verdict: Verdict,
    now: datetime,
    extra: dict[str, Any] | None = None,
    *,
    alerting: bool = True,
    kind: str = "feed",
) -> dict[str, Any]:
    """An analysed article with its verdict."""
    return {
        **article_row(article, now, kind),
        **(extra or {}),
        "status": verdict_status(verdict, alerting=alerting),
        "reason": verdict.reason,
        "relevant": int(verdict.relevant),
        "relevance": verdict.relevance,
        "category": verdict.category,
        "story_id": verdict.story,
        "duplicate_of": verdict.duplicate_of,
        "verdict": verdict_json(
            verdict, _IN_COLUMNS if verdict.article_id == article.id else _NOT_ID
        ),
        "language": verdict.language,
    }


def claim_rows(verdict: Verdict, published: datetime | None) -> list[dict[str, Any]]:
    """The verdict's claims as Store.save_claims takes them."""
    return [
        {
            "text": c.text,
            "entities": c.entities,
            "numbers": c.numbers,
            "novel": c.novel,
            "seen_in": c.seen_in,
            "published": iso(published),
            "story_id": verdict.story,
        }
        for c in verdict.claims
    ]


class SeedLike(Protocol):
    """What a seed row needs of a loaded seed (bot.seeds.Seed has these)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def text(self) -> str: ...


def seed_row(seed: SeedLike, verdict: Verdict, now: datetime) -> dict[str, Any]:
    """A seed of the corpus, with the analysis's story and category for it."""
    return {
        "id": seed.id,
        "kind": "seed",
        "url": seed.url,
        "title": seed.title,
        "source": seed.publisher or "seed corpus",
        "published": iso(seed.published),
        "seen_at": iso(now),
        "body": pack(seed.text),
        "status": "seed",
        "reason": "part of the seed corpus",
        "relevant": 1,
        "relevance": verdict.relevance,
        "category": verdict.category,
        "story_id": verdict.story,
        "verdict": verdict_json(verdict),
    }


def assessed_write(
    article: Article,
    assessment: Assessment,
    now: datetime,
    extra: dict[str, Any],
    destinations: Sequence[str],
    routes: Sequence[Route] = (),
    muted_stories: Callable[[str], set[str]] | None = None,
) -> ArticleWrite:
    """An assessed article as the poll's commit keeps it: its row, claims and analysis
    record, and when the verdict deserves an alert: one per destination and per matching
    route (a digest route holds it instead, until its time). `muted_stories(destination)`
    names the stories muted there from chat (bot/store/feedback.py); a route skips them."""
    verdict = assessment.verdict
    alerted = deserves_alert(verdict)
    messages: tuple[Message, ...] = ()
    if alerted:
        alert = build_alert(article, verdict)
        payload = alert_to_payload(alert)
        muted = {
            r.name: frozenset(muted_stories(r.destination))
            for r in routes
            if muted_stories is not None and verdict.story is not None
        }
        where = plan(routes, alert_facts(article, verdict, payload), destinations, muted)
        messages = tuple(Message("alert", d, payload, article.id) for d in where.send) + tuple(
            Message("held", r, payload, article.id) for r in where.hold
        )
    return ArticleWrite(
        verdict_row(article, verdict, now, extra),
        tuple(claim_rows(verdict, article.published)),
        assessment.record,
        messages,
        alerted,
    )
