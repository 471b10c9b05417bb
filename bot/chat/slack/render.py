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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from bot.chat.earlier import AlertContext, EarlierItem
from bot.chat.trim import one_line
from bot.chat.trim import trim as shared_trim
from bot.chat.view import AlertView, ClaimLine, alert_view, new_clause
from bot.models import alert_from_payload
from bot.routes import button_value

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000
MAX_TOTAL_CHARS = 11_000
MAX_FALLBACK_CHARS = 3000  # the notification text shown by clients that cannot draw blocks
MAX_FIELDS = 10
MAX_FIELD_CHARS = 2000

Block = dict[str, Any]

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
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


def link(label: str, url: str | None) -> str:
    """A mrkdwn link with an escaped label, or just the escaped label when the URL is unsafe."""
    target = safe_url(url)
    text = escape_mrkdwn(clip(label, 300)).replace("|", "¦")
    if target is None:
        return text
    return f"<{target}|{text}>"


# ------------------------------------------------------------------ trimming


def trim(text: str, limit: int) -> str:
    """The shared trim (bot/chat/trim.py), never splitting an `&amp;`-style entity."""
    return shared_trim(text, limit, tidy=_whole_entities)


def _whole_entities(text: str) -> str:
    amp = text.rfind("&")
    if amp != -1 and ";" not in text[amp:]:
        return text[:amp].rstrip()
    return text


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


def context_block(text: str) -> Block:
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
            self.blocks.append(context_block(note))
        return self.blocks


# ------------------------------------------------------------------ alerts and notices


def render_slack(
    kind: str,
    payload: dict[str, Any],
    *,
    ref: str = "",
    follow_up: bool = False,
    context: AlertContext | None = None,
    compact: bool = False,
    buttons: bool = False,
    destination: str = "",
) -> SlackMessage:
    """The Slack message for one outbox row (an alert, or a notice with a "text");
    `buttons`: the feedback buttons under an alert (only where the app receives clicks)."""
    if kind == "alert":
        view = alert_view(alert_from_payload(payload), context, follow_up=follow_up)
        if compact:  # one line, and the buttons under it as under every alert
            message = render_compact(view, ref=ref)
            actions = feedback_buttons(view.article_id, destination) if buttons else None
            message.blocks.extend([actions] if actions else [])
            return message
        return render_alert(view, ref=ref, buttons=buttons, destination=destination)
    return render_notice(str(payload.get("text") or ""), ref=ref)


def render_notice(text: str, *, ref: str = "") -> SlackMessage:
    body = escape_mrkdwn(text.strip()) or "(empty notice)"
    blocks = [section(f":warning: {body}")]
    if ref:
        blocks.append(context_block(ref))
    return SlackMessage(text=fallback_text(text), blocks=blocks)


FEEDBACK_ACTION = "news_fb"  # action ids: news_fb_not_topic, ..., the value the article id
FEEDBACK_BUTTONS = (
    ("not_topic", "Not about this topic"),
    ("nothing_new", "Nothing new here"),
    ("mute", "Mute this story"),
    ("verdict", "Full verdict"),
)
MAX_BUTTON_VALUE = 2000


def feedback_buttons(article_id: str, destination: str = "") -> Block | None:
    """The buttons under an alert; a click sends the kind and the article id (and the route
    it was posted to), so it needs no state kept (slack/commands.py handles it). None when
    the id is too long to carry."""
    value = button_value(article_id, destination)
    if not article_id or len(value) > MAX_BUTTON_VALUE:
        return None
    elements = [
        {
            "type": "button",
            "action_id": f"{FEEDBACK_ACTION}_{kind}",
            "text": {"type": "plain_text", "text": label},
            "value": value,
            **({"style": "primary"} if kind == "verdict" else {}),
        }
        for kind, label in FEEDBACK_BUTTONS
    ]
    return {"type": "actions", "block_id": FEEDBACK_ACTION, "elements": elements}


def render_alert(
    view: AlertView, *, ref: str = "", buttons: bool = False, destination: str = ""
) -> SlackMessage:
    """An alert view as Block Kit: header, facts line, link and what is new, the claims
    with their quotes, the snippet note, earlier coverage, a footer with the `ref`, and
    (with `buttons`) the feedback buttons."""
    budget = BlockBudget(reserve=3)
    budget.add(header(("Follow-up: " if view.follow_up else "") + view.title))
    budget.add(context_block(_facts(view)))
    lead = []
    if safe_url(view.url):
        lead.append(link("Read the article", view.url) + " ↗")
    if view.what_is_new:
        lead.append("*What's new:* " + escape_mrkdwn(view.what_is_new))
    if lead:
        budget.add(section("\n".join(lead)))
    if view.claims:
        heading = "*New in this story*" if view.follow_up else "*New claims*"
        lines = [*map(_claim_line, view.claims)]
        if view.more_line:
            lines.append(escape_mrkdwn(view.more_line))
        budget.add_sections(pack_lines(heading, lines))
    if view.note:
        budget.add(context_block("_" + escape_mrkdwn(view.note) + "_"))
    if view.earlier:
        links = [_earlier_link(item) for item in view.earlier]
        more = f" and {view.more_earlier} more" if view.more_earlier else ""
        budget.add(context_block("Earlier coverage: " + " · ".join(links) + more))
    note = "Some claims did not fit here; `/news article` shows the whole verdict."
    blocks = budget.finish(note)
    article = escape_mrkdwn(clip(view.article_id, 200)).replace("`", "'")
    footer = f"`{article}` · `/news why` explains" + (f" · {ref}" if ref else "")
    blocks.append(context_block(footer))
    actions = feedback_buttons(view.article_id, destination) if buttons else None
    if actions is not None:
        blocks.append(actions)
    fallback = ("Follow-up: " if view.follow_up else "New: ") + view.title
    if view.source:
        fallback += f" ({view.source})"
    return SlackMessage(text=fallback_text(fallback), blocks=blocks)


def render_compact(view: AlertView, *, ref: str = "") -> SlackMessage:
    """A compact alert: one line (linked title, source, what is new in a clause), with the
    `ref` in a small context line so a restart can find it."""
    line = "*" + link(view.title, view.url) + "*"
    if view.source:
        line += " — " + escape_mrkdwn(clip(view.source, 60))
    clause = new_clause(view)
    if clause:
        line += ": " + escape_mrkdwn(clause)
    blocks = [section(line)]
    if ref:
        blocks.append(context_block(ref))
    fallback = view.title + (f" ({view.source})" if view.source else "")
    return SlackMessage(text=fallback_text(fallback), blocks=blocks)


def render_digest(
    views: Sequence[AlertView], notices: Sequence[str], *, ref: str, scheduled: bool = False
) -> SlackMessage:
    """Many queued messages as one (after an outage, in digest mode, or a digest route's
    digest when `scheduled`): one section per alert with its linked title, source, date
    and first new claim."""
    count = len(views) + len(notices)
    updates = f"{count} update{'s' if count != 1 else ''}"
    title = f"{updates} (digest)" if scheduled else f"{updates} while you were away"
    budget = BlockBudget(reserve=2)
    budget.add(header(title))
    for view in views:
        line = "*" + link(view.title, view.url) + "*"
        meta = " · ".join(escape_mrkdwn(x) for x in view.facts)
        if meta:
            line += " — " + meta
        if view.claims:
            line += "\n• " + escape_mrkdwn(clip(view.claims[0].text, 600))
        budget.add(section(line))
    for text in notices:
        budget.add(section(":warning: " + escape_mrkdwn(clip(text, 1000))))
    shown = len(budget.blocks) - 1
    blocks = budget.finish(f"…and {count - shown} more: `/news recent`")
    blocks.append(context_block(f"`/news article <id>` for details · {ref}"))
    return SlackMessage(text=fallback_text(title), blocks=blocks)


def _facts(view: AlertView) -> str:
    facts = list(view.facts)
    if facts and view.source:
        facts[0] = "*" + escape_mrkdwn(view.source) + "*"
        facts[1:] = [escape_mrkdwn(x) for x in facts[1:]]
    else:
        facts = [escape_mrkdwn(x) for x in facts]
    if view.story:
        story = escape_mrkdwn(view.story).replace("`", "'")
        if view.story_title:
            facts.append(f"story *{escape_mrkdwn(view.story_title)}* `{story}`")
        else:
            facts.append(f"story `{story}`")
    return " · ".join(facts) or "newsbot alert"


def _claim_line(claim: ClaimLine) -> str:
    line = "• " + escape_mrkdwn(claim.text)
    if claim.quote:
        line += f"\n      _“{escape_mrkdwn(claim.quote)}”_"
    if claim.note:
        line += f"\n      ({escape_mrkdwn(claim.note)})"
    return line


def _earlier_link(item: EarlierItem) -> str:
    """An earlier article as a link with its source, else its name as code."""
    if item.url and safe_url(item.url):
        text = link(item.title, item.url)
        if item.source:
            text += " (" + escape_mrkdwn(clip(item.source, 60)) + ")"
        return text
    return "`" + escape_mrkdwn(clip(item.title, 200)).replace("`", "'") + "`"
