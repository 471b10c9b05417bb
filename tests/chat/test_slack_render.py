"""Slack Block Kit rendering: escaping, no pings from article text, Slack's size limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.chat.slack.render import (
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_SECTION_CHARS,
    escape_mrkdwn,
    render_slack,
    safe_url,
    trim,
)
from bot.models import Alert, Claim, alert_to_payload

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)

HOSTILE = [
    "@channel look at this",
    "@here @everyone wake up",
    "<!everyone> <!channel> <!here> <!subteam^S123|@team>",
    "<@U123> and <@W999|boss> and <#C123|general>",
    "<https://evil.example/phish|click here> for the ruling",
    "*bold* _italic_ ~strike~ `code` ```block``` > quote & more",
    "[a markdown link](https://evil.example) ![img](https://evil.example/x.png)",
    "line\nbreaks\r\nand\ttabs\x00and\x1bcontrol",
    "x" * 100_000,
    ("A court ruled today. " * 6000).strip(),
    "&lt;!channel&gt; already-escaped &amp; entities",
    "",
]

BROADCAST = re.compile(r"(?<![\w\u2060])@(channel|here|everyone)\b", re.IGNORECASE)


def _alert(title: str, **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "article_id": "a1",
        "title": title,
        "url": "https://news.example/a/1",
        "source": "Example News",
        "published": NOW,
        "category": "lawsuit",
        "story": "getty-v-stability",
        "summary": "The court allowed the claim to go ahead. Damages are not yet decided.",
        "new_claims": (
            Claim(text="A court ruled on Monday that the case can proceed.", novel=True),
        ),
        "known_claims": (
            Claim(text="The suit was filed in 2023.", novel=False, seen_in="https://old.example/1"),
        ),
        "earlier": ("https://old.example/1", "seed-coda-letter"),
    }
    fields.update(changes)
    return Alert(**fields)


def _texts(blocks: list[dict[str, Any]], *, headers: bool = True) -> list[str]:
    out = []
    for block in blocks:
        if block["type"] == "header" and not headers:
            continue  # plain_text: Slack never parses links or mentions there
        text = block.get("text")
        if isinstance(text, dict):
            out.append(str(text["text"]))
        for element in block.get("elements", ()):
            out.append(str(element.get("text", "")))
    return out


def _links(text: str) -> list[str]:
    return re.findall(r"<([^>]*)>", text)


def _assert_safe(message_text: str, blocks: list[dict[str, Any]], allowed_links: set[str]) -> None:
    for text in [message_text, *_texts(blocks)]:
        assert not BROADCAST.search(text), text[:200]
    for text in [message_text, *_texts(blocks, headers=False)]:
        for inside in _links(text):
            target = inside.split("|", 1)[0]
            assert target in allowed_links, f"unexpected Slack control sequence <{inside[:80]}>"
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        Block.parse(block).validate_json()  # slack_sdk's own checks of lengths and fields
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
            assert block["text"]["verbatim"] is True
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_CHARS
    assert len(json.dumps(blocks)) < 40_000


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_never_ping_and_fit_slack_limits(title: str) -> None:
    alert = _alert(
        title,
        source=title[:300] or None,
        summary=title,
        new_claims=(Claim(text=title or "x", novel=True, quote=title or None),),
        known_claims=(Claim(text=title or "y", novel=False, seen_in=title[:200] or None),),
        earlier=(title[:500],) if title else (),
    )
    message = render_slack("alert", alert_to_payload(alert))
    allowed = {"https://news.example/a/1", "https://old.example/1"}
    _assert_safe(message.text, message.blocks, allowed)


def test_alert_layout_has_title_link_facts_claims_and_earlier_coverage() -> None:
    message = render_slack("alert", alert_to_payload(_alert("Getty v. Stability: ruling")))
    kinds = [b["type"] for b in message.blocks]
    assert kinds[:2] == ["header", "context"]
    assert message.blocks[0]["text"]["text"] == "Getty v. Stability: ruling"
    texts = "\n".join(_texts(message.blocks))
    assert "<https://news.example/a/1|Read the article>" in texts
    assert "*Example News* · 2025-11-06 · lawsuit · story `getty-v-stability`" in texts
    assert "• A court ruled on Monday that the case can proceed." in texts
    assert "already known" not in texts.lower() and "filed in 2023" not in texts  # never shown
    assert "Earlier coverage: <https://old.example/1|old.example> · `seed-coda-letter`" in texts
    assert message.text == "New: Getty v. Stability: ruling (Example News)"


def test_the_story_is_shown_by_name_with_the_id_story_accepts() -> None:
    named = _alert("Getty appeal", story_title="Getty Images v. Stability AI")
    texts = "\n".join(_texts(render_slack("alert", alert_to_payload(named)).blocks))
    assert "story *Getty Images v. Stability AI* `getty-v-stability`" in texts


def test_follow_up_is_labelled_and_quotes_are_shown() -> None:
    claim = Claim(text="Damages were set at $1m.", novel=True, quote="The judge set damages at $1m")
    alert = _alert("Ruling", new_claims=(claim,))
    message = render_slack("alert", alert_to_payload(alert), follow_up=True)
    assert message.blocks[0]["text"]["text"] == "Follow-up: Ruling"
    assert "_“The judge set damages at $1m”_" in "\n".join(_texts(message.blocks))


def test_hostile_text_is_escaped_not_dropped() -> None:
    message = render_slack("alert", alert_to_payload(_alert("t", summary="<!channel> & <@U1>")))
    texts = "\n".join(_texts(message.blocks))
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in texts


def test_many_claims_stay_within_fifty_blocks_and_say_what_was_left_out() -> None:
    claims = tuple(
        Claim(text=f"Claim number {i}. " + "Detail " * 400, novel=True) for i in range(200)
    )
    message = render_slack("alert", alert_to_payload(_alert("Many", new_claims=claims)))
    assert len(message.blocks) <= MAX_BLOCKS
    texts = _texts(message.blocks)
    assert sum(t.count("\n• ") + t.startswith("• ") for t in texts) == 5
    assert "and 195 more — /news article a1" in "\n".join(texts)
    assert texts[-1].startswith("`a1` · `/news why` explains")
    _assert_safe(
        message.text, message.blocks, {"https://news.example/a/1", "https://old.example/1"}
    )


def test_notice_is_escaped() -> None:
    message = render_slack("notice", {"text": "Feed <!here> is failing & @channel"})
    (block,) = message.blocks
    assert block["text"]["text"] == (":warning: Feed &lt;!here&gt; is failing &amp; @\u2060channel")
    assert "<!here>" not in message.text


def test_trim_cuts_at_a_sentence_boundary() -> None:
    text = "First sentence here. Second one is longer than the rest. Third."
    assert trim(text, 40) == "First sentence here."
    assert trim("no sentences at all", 15) == "no sentences…"
    assert trim("short", 10) == "short"
    assert len(trim("y" * 5000, 3000)) == 3000


def test_trim_never_splits_an_entity() -> None:
    text = escape_mrkdwn("a" * 2996 + "<b")
    cut = trim(text, 3000)
    assert cut.endswith("…") and "&l" not in cut[-6:]


def test_safe_url_refuses_other_schemes_and_quotes_link_breakers() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("mailto:x@example.com") is None
    assert safe_url("https://ex.example/a b|c>d") == "https://ex.example/a%20b%7Cc%3Ed"


def test_earlier_coverage_links_come_from_the_lookup() -> None:
    from bot.chat.earlier import AlertContext, EarlierItem, unresolved

    context = AlertContext(
        earlier=(
            EarlierItem(title="Getty sues <@U1>", url="https://old.example/1", source="BBC"),
            unresolved("seed-x"),
        )
    )
    alert = _alert(
        "t",
        known_claims=(Claim(text="Filed in 2023.", novel=False, seen_in="old1"),),
        earlier=("old1", "seed-x"),
    )
    message = render_slack("alert", alert_to_payload(alert), context=context)
    texts = "\n".join(_texts(message.blocks))
    assert (
        "Earlier coverage: <https://old.example/1|Getty sues &lt;@U1&gt;> (BBC) · `seed-x`" in texts
    )


def test_follow_up_shows_only_new_claims() -> None:
    message = render_slack("alert", alert_to_payload(_alert("Ruling")), follow_up=True)
    texts = "\n".join(_texts(message.blocks))
    assert "*New in this story*" in texts
    assert "What's new" not in texts and "Already known" not in texts
    assert "Earlier coverage" not in texts and "story `" not in texts


def test_search_snippets_keep_spaces_around_bold_matches() -> None:
    from bot.chat.slack.answers import snippet_mrkdwn

    assert snippet_mrkdwn("…the **Getty** case <!here>\n**x*y**") == (
        "…the *Getty* case &lt;!here&gt; *xy*"
    )
