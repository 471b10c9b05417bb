"""Slack Block Kit for /news answers: facts as fields, items as sections, paging buttons.

Outside text is escaped as in alerts (bot/chat/slack/render.py).
"""

from __future__ import annotations

import json
import re

from bot.chat.answers import Answer, Item
from bot.chat.slack.render import (
    MAX_FIELD_CHARS,
    MAX_FIELDS,
    Block,
    BlockBudget,
    SlackMessage,
    clip,
    escape_mrkdwn,
    fallback_text,
    header,
    link,
    section,
    trim,
)

MAX_BUTTON_VALUE = 2000
_SPACES = re.compile(r"\s+")


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
        head = "*" + link(item.title, item.url) + "*"
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
