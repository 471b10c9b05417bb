"""Routes: more destinations, each with its own filter and mode (pure: no I/O, no chat).

A route is one destination — a Discord channel, a Slack channel (of this or another
workspace) or a webhook — with a filter: categories, storylines followed or muted, words
or names that must or must not appear, a minimum relevance; and a mode: every alert, only
alerts that start a new storyline, or a digest at a set local time (daily or weekly).

Words are plain words and phrases, matched case-insensitively on word boundaries (a
word in Japanese script inside Japanese text too); they are escaped (`re.escape`), never
read as a pattern, so a route cannot be made slow.
`matches` is the one filter; the muted stories are its argument, so stories muted
elsewhere (a "mute" button) can be added to the route's own.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

ROUTE_PREFIX = "route:"
ROUTE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# the analysis's categories (bot/analysis/data/relevance_terms.toml [categories])
CATEGORIES = (
    "lawsuit",
    "ruling",
    "settlement",
    "licensing deal",
    "demand",
    "policy/regulation",
    "scraping/opt-out",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_WORDS = 50  # words or phrases per list
MAX_WORD_CHARS = 100
MAX_STORIES = 200

Platform = Literal["discord", "slack", "webhook"]
Mode = Literal["every", "new_stories", "digest"]


@dataclass(frozen=True)
class Route:
    """One destination and what reaches it ([[routes]] in config, or /news route add)."""

    name: str
    platform: Platform
    channel: str = ""  # a Discord channel id, or a Slack channel id (C…)
    webhook_env: str = ""  # webhook: the environment variable holding its URL
    slack_token_env: str = ""  # slack: another workspace's bot token ("": SLACK_BOT_TOKEN)
    mode: Mode = "every"
    digest_at: str = "09:00"  # digest: local time HH:MM
    digest_day: str = ""  # digest: "" daily, or a weekday (monday … sunday) weekly
    timezone: str = "UTC"
    compact: bool = False  # one line per alert
    categories: tuple[str, ...] = ()  # empty: every category
    follow_stories: tuple[str, ...] = ()  # empty: every story
    mute_stories: tuple[str, ...] = ()
    include_words: tuple[str, ...] = ()  # empty: no word needed; else at least one
    exclude_words: tuple[str, ...] = ()  # none of these may appear
    min_relevance: float = 0.0

    @property
    def destination(self) -> str:
        """The outbox destination of this route (one row per alert and route)."""
        return ROUTE_PREFIX + self.name

    @property
    def schedule(self) -> DigestSchedule | None:
        if self.mode != "digest":
            return None
        return DigestSchedule(
            at=_clock_time(self.digest_at),
            weekday=WEEKDAYS.index(self.digest_day) if self.digest_day else None,
            zone=ZoneInfo(self.timezone),
        )

    def describe(self) -> str:
        """One line: where it goes, its mode and its filter."""
        where = {
            "discord": f"Discord channel {self.channel}",
            "slack": f"Slack channel {self.channel}"
            + (f" (token {self.slack_token_env})" if self.slack_token_env else ""),
            "webhook": f"webhook ${self.webhook_env}",
        }[self.platform]
        mode = {"every": "every alert", "new_stories": "new storylines only"}.get(self.mode)
        if mode is None:
            day = f"{self.digest_day}s" if self.digest_day else "daily"
            mode = f"digest {day} at {self.digest_at} {self.timezone}"
        parts = [where, mode + (", compact" if self.compact else "")]
        for label, values in (
            ("categories", self.categories),
            ("following", self.follow_stories),
            ("muted", self.mute_stories),
            ("words", self.include_words),
            ("not", self.exclude_words),
        ):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.min_relevance:
            parts.append(f"relevance ≥ {self.min_relevance:g}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def route_from_dict(data: dict[str, Any]) -> Route:
    """Inverse of Route.to_dict (lists back to tuples); checked like a config route."""
    names = {f.name for f in fields(Route)}
    values: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names
    }
    route = Route(**values)
    check_route(route)
    return route


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ------------------------------------------------------------------ filter


@dataclass(frozen=True)
class AlertFacts:
    """What a route's filter looks at in one alert."""

    category: str | None
    story: str | None
    relevance: float
    new_story: bool  # the article started a storyline
    text: str  # title, summary and claims


def button_value(article_id: str, destination: str) -> str:
    """What an alert's feedback button carries: the article, and the route it was posted
    to (nothing for a default destination, so the buttons of older alerts still read)."""
    if destination.startswith(ROUTE_PREFIX):
        return f"{destination}|{article_id}"
    return article_id


def read_button_value(value: str, default: str) -> tuple[str, str]:
    """(article id, destination) of a button's value; `default`: the platform's own
    channel, for a value that names no route."""
    if value.startswith(ROUTE_PREFIX) and "|" in value:
        destination, article_id = value.split("|", 1)
        return article_id, destination
    return value, default


def matches(route: Route, facts: AlertFacts, muted: Collection[str]) -> bool:
    """Whether `facts` pass the route's filter; `muted` are the story ids it does not want
    (the route's own mute_stories, and any muted elsewhere)."""
    if route.mode == "new_stories" and not facts.new_story:
        return False
    if facts.relevance < route.min_relevance:
        return False
    if route.categories and (facts.category or "") not in route.categories:
        return False
    if facts.story and facts.story in muted:
        return False
    if route.follow_stories and (facts.story or "") not in route.follow_stories:
        return False
    if route.include_words and not any(contains(facts.text, w) for w in route.include_words):
        return False
    return not any(contains(facts.text, w) for w in route.exclude_words)


def contains(text: str, phrase: str) -> bool:
    """Whether `phrase` (a word or words) appears in `text` as whole words, ignoring case
    and width (ＡＩ is AI). Japanese and Chinese are written without spaces, so a word in
    those scripts matches inside a run of them, and a Latin word next to them (OpenAIは)
    still counts as a whole word."""
    pattern = phrase_pattern(phrase)
    return pattern is not None and pattern.search(unicodedata.normalize("NFKC", text)) is not None


# scripts written without spaces between words: kana and the CJK ideographs
UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_UNSPACED_CHAR = re.compile(f"[{UNSPACED}]")
# a letter or digit of a script that separates its words (not an unspaced one)
_SPACED_WORD = f"[^\\W{UNSPACED}]"


@lru_cache(maxsize=1024)
def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """The literal phrase on word boundaries; any run of spaces matches any whitespace.
    Escaped, so nothing in it is a pattern: matching is linear in the text. An edge of
    the phrase in an unspaced script needs no boundary; any other edge must not touch a
    letter or digit of a spaced script."""
    words = unicodedata.normalize("NFKC", phrase).split()
    if not words:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    start = "" if _UNSPACED_CHAR.match(words[0][0]) else f"(?<!{_SPACED_WORD})"
    end = "" if _UNSPACED_CHAR.match(words[-1][-1]) else f"(?!{_SPACED_WORD})"
    return re.compile(f"{start}{body}{end}", re.IGNORECASE)


@dataclass(frozen=True)
class Plan:
    """Where one alert goes: outbox destinations now, and the names of the digest routes
    that hold it until their time."""

    send: tuple[str, ...]
    hold: tuple[str, ...]


def plan(
    routes: Sequence[Route],
    facts: AlertFacts,
    defaults: Sequence[str],
    muted: dict[str, frozenset[str]] | None = None,
) -> Plan:
    """Every default destination, every matching route; digest routes hold the alert.
    `muted` adds story ids muted elsewhere, per route name."""
    send = list(defaults)
    hold: list[str] = []
    for route in routes:
        extra = (muted or {}).get(route.name, frozenset())
        if not matches(route, facts, frozenset(route.mute_stories) | extra):
            continue
        if route.mode == "digest":
            hold.append(route.name)
        else:
            send.append(route.destination)
    return Plan(tuple(dict.fromkeys(send)), tuple(dict.fromkeys(hold)))


# ------------------------------------------------------------------ digests


@dataclass(frozen=True)
class DigestSchedule:
    """A digest's local time, weekday (None: every day) and time zone."""

    at: time
    weekday: int | None
    zone: ZoneInfo

    def last_due(self, now: datetime) -> datetime:
        """The latest scheduled instant at or before `now` (UTC-aware)."""
        local = now.astimezone(self.zone)
        day = local.date()
        for back in range(0, 8):
            candidate_day = day - timedelta(days=back)
            if self.weekday is not None and candidate_day.weekday() != self.weekday:
                continue
            candidate = _at(candidate_day, self.at, self.zone)
            if candidate <= now:
                return candidate
        raise AssertionError("a schedule is due at least once a week")  # pragma: no cover

    def next_due(self, now: datetime) -> datetime:
        """The first scheduled instant after `now` (UTC-aware)."""
        local = now.astimezone(self.zone)
        day = local.date()
        for ahead in range(0, 9):
            candidate_day = day + timedelta(days=ahead)
            if self.weekday is not None and candidate_day.weekday() != self.weekday:
                continue
            candidate = _at(candidate_day, self.at, self.zone)
            if candidate > now:
                return candidate
        raise AssertionError("a schedule is due at least once a week")  # pragma: no cover


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _clock_time(text: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise ValueError(text)
    return time(int(match.group(1)), int(match.group(2)))


# ------------------------------------------------------------------ checks


def check_route(route: Route, where: str | None = None) -> None:
    """Raise ConfigError naming the route and key (`routes.legal.mode: ...`) when a value
    cannot work; `where` names the route when its name itself is wrong."""
    at = where or f"routes.{route.name}"
    if not ROUTE_NAME.fullmatch(route.name):
        raise ConfigError(
            f"{where or 'routes'}.name: must be 1 to 32 lowercase letters, digits, - or _"
            f" (starting with a letter or digit), got {route.name[:40]!r}"
        )
    if route.platform not in typing.get_args(Platform):
        raise ConfigError(
            f"{at}.platform: one of discord, slack, webhook, got {route.platform[:40]!r}"
        )
    if route.mode not in typing.get_args(Mode):
        raise ConfigError(f"{at}.mode: one of every, new_stories, digest, got {route.mode[:40]!r}")
    if route.platform == "discord" and not re.fullmatch(r"[0-9]{1,20}", route.channel):
        raise ConfigError(
            f"{at}.channel: a Discord channel id (digits), got {route.channel[:40]!r}"
        )
    if route.platform == "slack":
        from bot.config_check import SLACK_CHANNEL_ID

        if SLACK_CHANNEL_ID.fullmatch(route.channel) is None:
            raise ConfigError(
                f"{at}.channel: a Slack channel id such as C0123456789, got {route.channel[:40]!r}"
            )
    if route.platform == "webhook" and not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", route.webhook_env):
        raise ConfigError(
            f"{at}.webhook_env: the name of the environment variable holding the webhook URL"
            " (e.g. LEGAL_WEBHOOK_URL), required for a webhook route"
        )
    if route.slack_token_env and not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", route.slack_token_env):
        raise ConfigError(
            f"{at}.slack_token_env: the name of an environment variable (e.g."
            f" SLACK_BOT_TOKEN_ACME), got {route.slack_token_env[:40]!r}"
        )
    if route.slack_token_env and route.platform != "slack":
        raise ConfigError(f"{at}.slack_token_env: only for platform = 'slack'")
    try:
        _clock_time(route.digest_at)
    except ValueError:
        raise ConfigError(
            f"{at}.digest_at: a local time HH:MM, got {route.digest_at[:40]!r}"
        ) from None
    if route.digest_day and route.digest_day not in WEEKDAYS:
        raise ConfigError(
            f"{at}.digest_day: '' (daily) or a weekday ({', '.join(WEEKDAYS)}),"
            f" got {route.digest_day[:40]!r}"
        )
    try:
        if len(route.timezone) > 64:  # no zone's name is longer; the file system would refuse it
            raise ValueError(route.timezone)
        ZoneInfo(route.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"{at}.timezone: an IANA time zone such as Europe/Berlin, got {route.timezone[:40]!r}"
        ) from None
    for category in route.categories:
        if category not in CATEGORIES:
            raise ConfigError(
                f"{at}.categories: {category[:40]!r} is not one of {', '.join(CATEGORIES)}"
            )
    for key in ("include_words", "exclude_words"):
        words: tuple[str, ...] = getattr(route, key)
        if len(words) > MAX_WORDS:
            raise ConfigError(f"{at}.{key}: at most {MAX_WORDS} words or phrases")
        for word in words:
            if not word.strip() or len(word) > MAX_WORD_CHARS:
                raise ConfigError(
                    f"{at}.{key}: each word or phrase is 1 to {MAX_WORD_CHARS} characters"
                )
    for key in ("follow_stories", "mute_stories"):
        stories: tuple[str, ...] = getattr(route, key)
        if len(stories) > MAX_STORIES or any(not s.strip() for s in stories):
            raise ConfigError(f"{at}.{key}: at most {MAX_STORIES} story ids, none empty")
    if not 0.0 <= route.min_relevance <= 1.0:
        raise ConfigError(f"{at}.min_relevance: must be between 0 and 1, got {route.min_relevance}")


def check_routes(routes: Sequence[Route]) -> None:
    names = [r.name for r in routes]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"routes.{name}: the name is used twice")
