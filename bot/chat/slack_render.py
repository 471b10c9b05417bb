"""Slack Block Kit for alerts and notices: mrkdwn escaping, no pings, Slack's size limits.

Pure functions over plain dicts (no Slack library needed). Text taken from articles is
never trusted: `&`, `<` and `>` are escaped (so `<!everyone>`, `<@U123>` and
`<https://evil|click>` stay literal), the broadcast words `@channel`, `@here` and
`@everyone` are broken with a zero-width joiner, and article text goes into `verbatim`
mrkdwn objects so Slack does not auto-link names. Titles go into a `plain_text` header,
which Slack never formats.

Limits (docs.slack.dev, Block Kit reference): at most 50 blocks per message, 3,000
characters per section text, 150 per header; a message whose blocks hold much more than
about 12,000 characters in total is refused with `msg_blocks_too_long`, so the renderer
keeps a total budget too. Long text is trimmed at a sentence boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from bot.chat.render import one_line
from bot.models import Alert, Claim, alert_from_payload

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000
MAX_TOTAL_CHARS = 11_000
MAX_FALLBACK_CHARS = 3000  # the notification text shown by clients that cannot draw blocks
QUOTE_CHARS = 300

Block = dict[str, Any]

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_ZWJ = "\u2060"  # word joiner: invisible, stops "@channel" from reading as a broadcast


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage (or an incoming webhook) receives: fallback text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# ------------------------------------------------------------------ escaping


def escape_mrkdwn(text: str) -> str:
    """Text safe inside mrkdwn: control characters out, &<> escaped, no broadcast words."""
    cleaned = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    escaped = cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_broadcasts(escaped)


def defuse_broadcasts(text: str) -> str:
    """`@channel` → `@⁠channel` (with an invisible word joiner) so it can never notify."""
    return _BROADCAST.sub(lambda m: "@" + _ZWJ + m.group(1), text)


def plain(text: str, limit: int) -> str:
    """One line of plain text (for plain_text objects), no broadcast words, at most `limit`."""
    return trim(defuse_broadcasts(one_line(text, limit=max(limit * 4, 1))), limit)


def fallback_text(text: str) -> str:
    """The top-level `text` of a message (notifications, old clients): Slack reads it as
    mrkdwn, so it is escaped like any other article text."""
    return trim(escape_mrkdwn(one_line(text, limit=MAX_FALLBACK_CHARS * 2)), MAX_FALLBACK_CHARS)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for `<url|text>`: characters that would end the link are quoted."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link with an escaped label, or just the escaped label when the URL is unsafe."""
    target = safe_url(url)
    text = escape_mrkdwn(one_line(label, limit=300)).replace("|", "¦")
    if target is None:
        return text
    return f"<{target}|{text}>"


# ------------------------------------------------------------------ trimming


def trim(text: str, limit: int) -> str:
    """At most `limit` characters: cut after the last whole sentence that fits, else at a
    space, and mark the cut with an ellipsis. Never splits an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    room = max(1, limit - 1)
    head = text[:room]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= room // 3:
        cut = ends[-1]
    else:
        space = head.rfind(" ")
        cut = space if space >= room // 3 else room
    head = head[:cut].rstrip()
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp].rstrip()
    return head + "…"


# ------------------------------------------------------------------ blocks


def section(text: str) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": trim(text, MAX_SECTION_CHARS), "verbatim": True},
    }


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": plain(text, MAX_HEADER_CHARS) or "-",
            "emoji": False,
        },
    }


def context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": trim(text, MAX_CONTEXT_CHARS), "verbatim": True}],
    }


def divider() -> Block:
    return {"type": "divider"}


def block_chars(block: Block) -> int:
    """Characters of text a block carries (what Slack's total size check counts)."""
    total = 0
    text = block.get("text")
    if isinstance(text, dict):
        total += len(str(text.get("text", "")))
    for element in block.get("elements", ()):
        if isinstance(element, dict):
            total += len(str(element.get("text", "")))
    return total


def pack_lines(title: str, lines: list[str]) -> list[str]:
    """Join bullet lines into as few section texts as fit 3,000 characters each."""
    texts: list[str] = []
    current = title
    for line in lines:
        line = trim(line, MAX_SECTION_CHARS - len(title) - 1)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_CHARS:
            texts.append(current)
            current = line
        else:
            current = candidate
    if current:
        texts.append(current)
    return texts


class BlockBudget:
    """Collects blocks while staying inside the block count and total size limits.

    `reserve` blocks are kept free for the closing note added by `finish`.
    """

    def __init__(self, reserve: int = 1) -> None:
        self.blocks: list[Block] = []
        self.dropped = 0
        self._reserve = reserve
        self._chars = 0

    def add(self, block: Block) -> bool:
        size = block_chars(block)
        full = len(self.blocks) >= MAX_BLOCKS - self._reserve
        if full or self._chars + size > MAX_TOTAL_CHARS:
            self.dropped += 1
            return False
        self.blocks.append(block)
        self._chars += size
        return True

    def finish(self, note: str) -> list[Block]:
        """The blocks, with `note` as a last context block when something had to be left out."""
        if self.dropped:
            self.blocks.append(context(note))
        return self.blocks


# ------------------------------------------------------------------ alerts and notices


def render_slack(kind: str, payload: dict[str, Any], *, follow_up: bool = False) -> SlackMessage:
    """The Slack message for one outbox row (an alert, or a notice with a "text")."""
    if kind == "alert":
        return render_alert(alert_from_payload(payload), follow_up=follow_up)
    return render_notice(str(payload.get("text") or ""))


def render_notice(text: str) -> SlackMessage:
    body = escape_mrkdwn(text.strip()) or "(empty notice)"
    blocks = [section(f":information_source: {body}")]
    return SlackMessage(text=fallback_text(text), blocks=blocks)


def render_alert(alert: Alert, *, follow_up: bool = False) -> SlackMessage:
    """An alert as Block Kit: header, facts line, what is new, new claims with quotes,
    what was already known and where, earlier coverage, and the story it belongs to."""
    title = one_line(alert.title) or "(untitled)"
    budget = BlockBudget()
    budget.add(header(("Follow-up: " if follow_up else "") + title))
    budget.add(context(_facts(alert)))
    lead = []
    if alert.url and safe_url(alert.url):
        lead.append(link(alert.url, "Read the article") + " ↗")
    if alert.summary.strip():
        lead.append("*What's new:* " + escape_mrkdwn(one_line(alert.summary, limit=20_000)))
    if lead:
        budget.add(section("\n".join(lead)))
    if alert.new_claims:
        lines = [_new_claim_line(c) for c in alert.new_claims]
        for text in pack_lines("*New claims*", lines):
            budget.add(section(text))
    if alert.known_claims:
        lines = [_known_claim_line(c) for c in alert.known_claims]
        for text in pack_lines("*Already known*", lines):
            budget.add(section(text))
    if alert.earlier:
        links = [_earlier_link(e) for e in alert.earlier[:20]]
        budget.add(context("Earlier coverage: " + " · ".join(links)))
    note = (
        f"Some claims did not fit here; `/news article {escape_mrkdwn(alert.article_id)}`"
        " shows the whole verdict."
    )
    blocks = budget.finish(trim(note, MAX_CONTEXT_CHARS))
    fallback = ("Follow-up: " if follow_up else "New: ") + title
    if alert.source:
        fallback += f" ({one_line(alert.source, limit=200)})"
    return SlackMessage(text=fallback_text(fallback), blocks=blocks)


def _facts(alert: Alert) -> str:
    facts = []
    if alert.source:
        facts.append("*" + escape_mrkdwn(one_line(alert.source, limit=200)) + "*")
    if alert.published:
        facts.append(alert.published.date().isoformat())
    if alert.category:
        facts.append(escape_mrkdwn(one_line(alert.category, limit=100).replace("_", " ")))
    if alert.story:
        story = escape_mrkdwn(one_line(alert.story, limit=200)).replace("`", "'")
        facts.append(f"story `{story}`")
    return " · ".join(facts) or "newsbot alert"


def _new_claim_line(claim: Claim) -> str:
    line = "• " + escape_mrkdwn(one_line(claim.text, limit=20_000))
    quote_text = getattr(claim, "quote", None)  # present once the delivery core adds quotes
    if isinstance(quote_text, str) and quote_text.strip():
        excerpt = escape_mrkdwn(one_line(quote_text, limit=QUOTE_CHARS))
        line += f"\n      _“{excerpt}”_"
    return line


def _known_claim_line(claim: Claim) -> str:
    line = "• " + escape_mrkdwn(one_line(claim.text, limit=20_000))
    if claim.seen_in:
        line += " — first seen in " + _earlier_link(claim.seen_in)
    return line


def _earlier_link(reference: str) -> str:
    """A link when the reference is a URL, else the escaped name (e.g. a seed id)."""
    if safe_url(reference):
        host = urlsplit(reference).netloc.removeprefix("www.")
        return link(reference, host or reference)
    return "`" + escape_mrkdwn(one_line(reference, limit=200)).replace("`", "'") + "`"
