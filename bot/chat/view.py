"""What an alert says, decided once for every platform.

`alert_view` is a pure function from the alert an outbox row carries (and the context
looked up before sending: bot/chat/earlier.py) to an `AlertView`. Discord, Slack and the
console only translate the view into their idiom and limits; none of them decides what
to show. The rules:

- at most MAX_CLAIMS new claims, each with a supporting quote of at most QUOTE_CHARS
  (none when it mostly repeats the claim: REPEAT_SHARE of its words are the claim's),
  then "and N more — /news article ID";
- one "what is new" line from the summary, keeping only what no bullet already says
  (it is usually built from the first claims), so no sentence appears twice; none when
  the bullets say it all;
- known claims are never shown in an alert, on any platform: an alert is about what is
  new; `/news article` and `/news why` list what was already known and where;
- earlier coverage only from the same story (the pipeline keeps `Alert.earlier` to the
  story), at most MAX_EARLIER, then how many more;
- a note when only the feed's snippet could be analysed (the publisher opted out of AI
  use, robots.txt refused the page, full-text fetching is off, ...);
- a follow-up (posted in the story's thread) shows only the new claims;
- compact (a route's choice): one line — title, source, what is new in one clause of at
  most CLAUSE_CHARS, link (`new_clause`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis.language import language_name
from bot.chat.earlier import AlertContext, EarlierItem, unresolved
from bot.chat.trim import one_line, trim
from bot.models import Alert

MAX_CLAIMS = 5
MAX_EARLIER = 5
MAX_PARTIES = 4
QUOTE_CHARS = 220
CLAIM_CHARS = 400
WHAT_IS_NEW_CHARS = 450
CLAUSE_CHARS = 160  # what is new, in a compact alert
REPEAT_SHARE = 0.6  # a text with this share of its words in another one repeats it

_WORD = re.compile(r"\w+")
_PART_END = re.compile(r"(?<=[.!?…])\s+")
_NEW_PREFIX = re.compile(r"^\s*new:\s*", re.IGNORECASE)
_CLAUSE_END = re.compile(r"(?<=[.;:!?…])\s|\s[—–]\s")
_COUNT_ONLY = re.compile(r"^\d+ new claims?, listed below\.?$")


@dataclass(frozen=True)
class ClaimLine:
    """One new claim as a bullet, with its supporting quote (None: no quote to show)."""

    text: str
    quote: str | None = None
    note: str = ""  # "reported in Japanese — not compared with earlier reports", or ""


@dataclass(frozen=True)
class AlertView:
    """Everything an alert shows, as plain text (each platform escapes and fits it)."""

    article_id: str
    title: str
    url: str | None
    source: str
    date: str  # ISO date, or ""
    category: str  # "opt out", not "opt_out"; "" when unknown
    category_key: str  # "opt_out": for a platform's colour per category
    story: str | None
    story_title: str | None
    what_is_new: str  # "" when the bullets say it all
    claims: tuple[ClaimLine, ...]
    more_claims: int
    earlier: tuple[EarlierItem, ...]
    more_earlier: int
    note: str  # "" unless only the feed's snippet could be analysed
    follow_up: bool = False
    language: str = ""  # "Japanese": the language of an article not in English, else ""
    parties: tuple[str, ...] = ()  # a non-English article's parties, by their English names

    @property
    def story_label(self) -> str:
        """The story by name, then the id `/news story` accepts ("" without a story)."""
        if self.story and self.story_title:
            return f"{self.story_title} ({self.story})"
        return self.story or ""

    @property
    def more_line(self) -> str:
        """ "and N more — /news article ID" ("" when every claim is shown)."""
        if not self.more_claims:
            return ""
        return f"and {self.more_claims} more — /news article {self.article_id}"

    @property
    def facts(self) -> tuple[str, ...]:
        """Source, date, category (and for an article not in English, its language and its
        parties in English): the line under the title."""
        language = f"in {self.language}" if self.language else ""
        parties = f"parties: {', '.join(self.parties)}" if self.parties else ""
        return tuple(x for x in (self.source, self.date, self.category, language, parties) if x)


def alert_view(
    alert: Alert, context: AlertContext | None = None, *, follow_up: bool = False
) -> AlertView:
    """What `alert` says (pure: everything it needs is passed in)."""
    context = context or AlertContext()
    claims = tuple(
        _claim_line(c.text, c.quote, alert.language, c.compared)
        for c in alert.new_claims[:MAX_CLAIMS]
    )
    # an article not in English keeps its own title and claims (nothing translates offline);
    # its language and its parties' English names say what it is about
    foreign = alert.language not in ("en", "")
    earlier = context.earlier or tuple(unresolved(e) for e in alert.earlier)
    return AlertView(
        article_id=alert.article_id,
        title=one_line(alert.title, 1000) or "(untitled)",
        url=alert.url or None,
        source=one_line(alert.source or "", 200),
        date=alert.published.date().isoformat() if alert.published else "",
        category=one_line((alert.category or "").replace("_", " "), 100),
        category_key=alert.category or "",
        story=None if follow_up else alert.story,
        story_title=None if follow_up else (one_line(alert.story_title or "", 200) or None),
        what_is_new="" if follow_up else what_is_new(alert.summary, claims),
        claims=claims,
        more_claims=max(0, len(alert.new_claims) - MAX_CLAIMS),
        earlier=() if follow_up else earlier[:MAX_EARLIER],
        more_earlier=0 if follow_up else max(0, len(earlier) - MAX_EARLIER),
        note="" if follow_up else snippet_note(context),
        follow_up=follow_up,
        language=language_name(alert.language) if foreign else "",
        parties=tuple(one_line(p, 100) for p in alert.parties[:MAX_PARTIES]) if foreign else (),
    )


def what_is_new(summary: str, claims: tuple[ClaimLine, ...]) -> str:
    """The summary without its "New:" label and without the parts a bullet already says."""
    text = _NEW_PREFIX.sub("", one_line(summary, 20_000))
    if _COUNT_ONLY.match(text):
        return ""  # "New: 3 new claims, listed below." says nothing the bullets do not
    bullets = [_words(c.text) for c in claims]
    kept = [p for p in _PART_END.split(text) if p and not _repeats(p, bullets)]
    return trim(" ".join(kept), WHAT_IS_NEW_CHARS)


def new_clause(view: AlertView) -> str:
    """What is new, in one clause, for a compact alert: the first clause of the "what is
    new" line, else of the first new claim ("" when there is neither)."""
    text = view.what_is_new or (view.claims[0].text if view.claims else "")
    first = _CLAUSE_END.split(text, maxsplit=1)[0].strip()
    return trim(first.rstrip(".;:"), CLAUSE_CHARS)


def snippet_note(context: AlertContext) -> str:
    """A line saying that only the feed's own text could be analysed, and why."""
    if context.text_source != "feed" or not context.text_note:
        return ""
    return f"Only the feed's snippet could be analysed: {one_line(context.text_note, 300)}."


def _claim_line(
    text: str, quote: str | None, language: str = "en", compared: bool = True
) -> ClaimLine:
    claim = trim(one_line(text, CLAIM_CHARS * 2), CLAIM_CHARS)
    if not compared:
        note = f"reported in {language_name(language)} — not compared with earlier reports"
        return ClaimLine(claim, note=note)
    shown = one_line(quote or "", QUOTE_CHARS * 2)
    if not shown or _repeats(shown, [_words(claim)]):
        return ClaimLine(claim)  # no quote, or one that mostly repeats the claim
    return ClaimLine(claim, trim(shown, QUOTE_CHARS))


def _repeats(part: str, bullets: list[set[str]]) -> bool:
    words = _words(part)
    if not words:
        return True
    return any(len(words & bullet) >= REPEAT_SHARE * len(words) for bullet in bullets)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}
