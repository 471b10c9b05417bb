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

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from bot.chat.commands import Answer, Item
from bot.chat.earlier import EarlierLookup
from bot.chat.render import one_line
from bot.models import Alert, Claim, alert_from_payload

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000
MAX_TOTAL_CHARS = 11_000
MAX_FALLBACK_CHARS = 3000  # the notification text shown by clients that cannot draw blocks
MAX_FIELDS = 10
MAX_FIELD_CHARS = 2000
MAX_BUTTON_VALUE = 2000
MAX_EARLIER = 8
QUOTE_CHARS = 300

Block = dict[str, Any]

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_SPACES = re.compile(r"\s+")
_ZWJ = "\u2060"  # word joiner: invisible, stops "@channel" from reading as a broadcast


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage (or an incoming webhook) receives: fallback text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# ------------------------------------------------------------------ escaping


def clip(text: str, limit: int) -> str:
    """One line of outside text, at most `limit` characters (long input is cut first, so a
    100 KB title costs no more than a short one)."""
    head = text[: limit * 2 + 64]
    if not head.isprintable():  # the per-character pass only when there is something to fix
        return one_line(head, limit=limit)
    cleaned = " ".join(head.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def escape_mrkdwn(text: str) -> str:
    """Text safe inside mrkdwn: control characters out, &<> escaped, no broadcast words."""
    if text.isprintable():
        cleaned = text
    else:
        cleaned = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    escaped = cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_broadcasts(escaped)


def defuse_broadcasts(text: str) -> str:
    """`@channel` → `@⁠channel` (with an invisible word joiner) so it can never notify."""
    return _BROADCAST.sub(lambda m: "@" + _ZWJ + m.group(1), text)


def plain(text: str, limit: int) -> str:
    """One line of plain text (for plain_text objects), no broadcast words, at most `limit`."""
    return trim(defuse_broadcasts(clip(text, max(limit * 4, 1))), limit)


def fallback_text(text: str) -> str:
    """The top-level `text` of a message (notifications, old clients): Slack reads it as
    mrkdwn, so it is escaped like any other article text."""
    return trim(escape_mrkdwn(clip(text, MAX_FALLBACK_CHARS * 2)), MAX_FALLBACK_CHARS)


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
    text = escape_mrkdwn(clip(label, 300)).replace("|", "¦")
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


def pack_lines(title: str, lines: Iterable[str]) -> Iterator[str]:
    """Join bullet lines into as few section texts as fit 3,000 characters each (lazily:
    a caller that runs out of room stops, and the remaining lines are never rendered)."""
    current = title
    for line in lines:
        line = trim(line, MAX_SECTION_CHARS - len(title) - 1)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_CHARS:
            yield current
            current = line
        else:
            current = candidate
    if current:
        yield current


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

    def add_sections(self, texts: Iterable[str]) -> None:
        """Add one section per text until the budget is full."""
        for text in texts:
            if not self.add(section(text)):
                return

    def finish(self, note: str) -> list[Block]:
        """The blocks, with `note` as a last context block when something had to be left out."""
        if self.dropped:
            self.blocks.append(context(note))
        return self.blocks


# ------------------------------------------------------------------ alerts and notices


def render_slack(
    kind: str,
    payload: dict[str, Any],
    *,
    ref: str = "",
    follow_up: bool = False,
    earlier: EarlierLookup | None = None,
) -> SlackMessage:
    """The Slack message for one outbox row (an alert, or a notice with a "text")."""
    if kind == "alert":
        return render_alert(
            alert_from_payload(payload), ref=ref, follow_up=follow_up, earlier=earlier
        )
    return render_notice(str(payload.get("text") or ""), ref=ref)


def render_notice(text: str, *, ref: str = "") -> SlackMessage:
    body = escape_mrkdwn(text.strip()) or "(empty notice)"
    blocks = [section(f":warning: {body}")]
    if ref:
        blocks.append(context(ref))
    return SlackMessage(text=fallback_text(text), blocks=blocks)


def render_alert(
    alert: Alert,
    *,
    ref: str = "",
    follow_up: bool = False,
    earlier: EarlierLookup | None = None,
) -> SlackMessage:
    """An alert as Block Kit, with the same content as on Discord.

    A first alert: linked title, source, date, category, story, what is new, the new
    claims with their supporting quotes, what was already known and where it was seen,
    and earlier coverage. A follow-up (posted in its story's thread) shows only the new
    claims. The footer names the article and carries the outbox `ref`.
    """
    title = clip(alert.title, 2000) or "(untitled)"
    budget = BlockBudget(reserve=2)
    budget.add(header(("Follow-up: " if follow_up else "") + title))
    budget.add(context(_facts(alert, with_story=not follow_up)))
    lead = []
    if safe_url(alert.url):
        lead.append(link(alert.url, "Read the article") + " ↗")
    if alert.summary.strip() and not follow_up:
        lead.append("*What's new:* " + escape_mrkdwn(clip(alert.summary, 20_000)))
    if lead:
        budget.add(section("\n".join(lead)))
    if alert.new_claims:
        heading = "*New in this story*" if follow_up else "*New claims*"
        budget.add_sections(pack_lines(heading, map(_new_claim_line, alert.new_claims)))
    if alert.known_claims and not follow_up:
        lines = (_known_claim_line(c, earlier) for c in alert.known_claims)
        budget.add_sections(pack_lines("*Already known*", lines))
    if alert.earlier and not follow_up:
        links = [_earlier_link(e, earlier) for e in alert.earlier[:MAX_EARLIER]]
        more = len(alert.earlier) - MAX_EARLIER
        budget.add(
            context(
                "Earlier coverage: "
                + " · ".join(links)
                + (f" …and {more} more" if more > 0 else "")
            )
        )
    note = "Some claims did not fit here; `/news article` shows the whole verdict."
    blocks = budget.finish(note)
    article = escape_mrkdwn(clip(alert.article_id, 200)).replace("`", "'")
    footer = f"`{article}` · `/news why` explains" + (f" · {ref}" if ref else "")
    blocks.append(context(footer))
    fallback = ("Follow-up: " if follow_up else "New: ") + title
    if alert.source:
        fallback += f" ({clip(alert.source, 200)})"
    return SlackMessage(text=fallback_text(fallback), blocks=blocks)


def render_digest(alerts: Sequence[Alert], notices: Sequence[str], *, ref: str) -> SlackMessage:
    """Many queued messages as one (after an outage, or in digest mode): one section per
    alert with its linked title, source, date and first new claim."""
    count = len(alerts) + len(notices)
    title = f"{count} update{'s' if count != 1 else ''} while you were away"
    budget = BlockBudget(reserve=2)
    budget.add(header(title))
    for alert in alerts:
        line = "*" + link(alert.url, alert.title or "(untitled)") + "*"
        meta = " · ".join(
            x
            for x in (
                escape_mrkdwn(clip(alert.source or "", 100)),
                alert.published.date().isoformat() if alert.published else "",
                escape_mrkdwn((alert.category or "").replace("_", " ")),
            )
            if x
        )
        if meta:
            line += " — " + meta
        if alert.new_claims:
            line += "\n• " + escape_mrkdwn(clip(alert.new_claims[0].text, 600))
        budget.add(section(line))
    for text in notices:
        budget.add(section(":warning: " + escape_mrkdwn(clip(text, 1000))))
    shown = len(budget.blocks) - 1
    blocks = budget.finish(f"…and {count - shown} more: `/news recent`")
    blocks.append(context(f"`/news article <id>` for details · {ref}"))
    return SlackMessage(text=fallback_text(title), blocks=blocks)


def _facts(alert: Alert, *, with_story: bool) -> str:
    facts = []
    if alert.source:
        facts.append("*" + escape_mrkdwn(clip(alert.source, 200)) + "*")
    if alert.published:
        facts.append(alert.published.date().isoformat())
    if alert.category:
        facts.append(escape_mrkdwn(clip(alert.category, 100).replace("_", " ")))
    if alert.story and with_story:
        story = escape_mrkdwn(clip(alert.story, 200)).replace("`", "'")
        if alert.story_title:
            facts.append(f"story *{escape_mrkdwn(clip(alert.story_title, 200))}* `{story}`")
        else:
            facts.append(f"story `{story}`")
    return " · ".join(facts) or "newsbot alert"


def _new_claim_line(claim: Claim) -> str:
    line = "• " + escape_mrkdwn(clip(claim.text, 20_000))
    quote_text = (claim.quote or "").strip()
    if quote_text and clip(quote_text, 2000) != clip(claim.text, 2000):
        excerpt = escape_mrkdwn(clip(quote_text, QUOTE_CHARS))
        line += f"\n      _“{excerpt}”_"
    return line


def _known_claim_line(claim: Claim, earlier: EarlierLookup | None) -> str:
    line = "• " + escape_mrkdwn(clip(claim.text, 20_000))
    if claim.seen_in:
        line += " — first seen in " + _earlier_link(claim.seen_in, earlier)
    return line


def _earlier_link(reference: str, earlier: EarlierLookup | None) -> str:
    """An earlier article as a link (looked up by id), a bare URL as a link, else its id."""
    item = earlier(reference) if earlier is not None else None
    if item is not None:
        text = link(item.url, item.title or reference)
        if item.source:
            text += " (" + escape_mrkdwn(clip(item.source, 60)) + ")"
        return text
    if safe_url(reference):
        host = urlsplit(reference).netloc.removeprefix("www.")
        return link(reference, host or reference)
    return "`" + escape_mrkdwn(clip(reference, 200)).replace("`", "'") + "`"


# ------------------------------------------------------------------ command answers


def render_answer(answer: Answer) -> SlackMessage:
    """A /news answer: title, text, facts as fields, items as sections, paging buttons.
    Errors are one short line."""
    if answer.error:
        text = ":warning: " + escape_mrkdwn(clip(answer.text, 500))
        return SlackMessage(text=fallback_text(answer.text), blocks=[section(text)])
    budget = BlockBudget(reserve=2)
    budget.add(header(answer.title or "newsbot"))
    if answer.text.strip():
        budget.add(section(escape_mrkdwn(answer.text.strip())))
    if answer.facts:
        fields = [
            {
                "type": "mrkdwn",
                "text": trim(
                    "*" + escape_mrkdwn(clip(name, 200)) + "*\n" + escape_mrkdwn(clip(value, 4000)),
                    MAX_FIELD_CHARS,
                ),
                "verbatim": True,
            }
            for name, value in answer.facts[:MAX_FIELDS]
        ]
        budget.add({"type": "section", "fields": fields})
    for item in answer.items:
        budget.add(section(_item_text(item)))
    blocks = budget.finish("…more than fits here.")
    buttons = paging_buttons(answer)
    if buttons is not None:
        blocks.append(buttons)
    return SlackMessage(text=fallback_text(answer.title or answer.text), blocks=blocks)


def _item_text(item: Item) -> str:
    head = ""
    if item.title:
        head = "*" + link(item.url, item.title) + "*"
    if item.meta:
        head += (" — " if head else "") + escape_mrkdwn(clip(item.meta, 300))
    body = []
    if item.snippet:
        body.append(snippet_mrkdwn(item.snippet))
    if item.text:
        body.append(("• " if not head else "") + escape_mrkdwn(clip(item.text, 2000)))
    return "\n".join(x for x in [head, *body] if x) or "-"


def snippet_mrkdwn(snippet: str) -> str:
    """A search snippet with its **match** marks turned into Slack bold, the rest escaped
    (spaces around the matches kept: Slack only bolds whole words)."""
    out = []
    for i, piece in enumerate(snippet[:2000].split("**")):
        flat = _SPACES.sub(" ", "".join(ch if ch.isprintable() else " " for ch in piece))
        if i % 2 == 0:
            out.append(escape_mrkdwn(flat))
        elif flat.strip():
            out.append("*" + escape_mrkdwn(flat.strip()[:60]).replace("*", "") + "*")
    return trim("".join(out).strip(), 600)


SEARCH_ACTION = "news_search_page"


def paging_buttons(answer: Answer) -> Block | None:
    """Previous/next buttons of /news search; the button's value carries query and page."""
    page = answer.page
    if page is None or (page.number == 1 and not page.has_next):
        return None
    elements = []
    for number, label, show in (
        (page.number - 1, "◀ Previous", page.number > 1),
        (page.number + 1, "Next ▶", page.has_next),
    ):
        value = json.dumps({"q": page.query, "p": number}, ensure_ascii=False)
        if show and len(value) <= MAX_BUTTON_VALUE:
            elements.append(
                {
                    "type": "button",
                    "action_id": f"{SEARCH_ACTION}_{number}",
                    "text": {"type": "plain_text", "text": label},
                    "value": value,
                }
            )
    return {"type": "actions", "elements": elements} if elements else None
