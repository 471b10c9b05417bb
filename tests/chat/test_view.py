"""One alert view, three renderings: Discord, Slack and the console say the same things."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from bot.chat.console import render_alert_text
from bot.chat.discord.render import alert_embed
from bot.chat.earlier import AlertContext, EarlierItem
from bot.chat.slack.render import render_alert
from bot.chat.view import MAX_CLAIMS, MAX_EARLIER, QUOTE_CHARS, alert_view, what_is_new
from bot.models import Alert, Claim

WHEN = datetime(2025, 11, 6, tzinfo=UTC)


def _alert(claims: int = 7) -> Alert:
    return Alert(
        article_id="a42",
        title="Getty v. Stability: the appeal",
        url="https://news.example/a/42",
        source="Example News",
        published=WHEN,
        category="opt_out",
        story="story:s1",
        story_title="Getty Images v. Stability AI",
        summary="New: Getty appealed the ruling on Monday. The hearing is set for May.",
        new_claims=tuple(
            Claim(
                text=f"Claim {i}: Getty appealed the ruling on Monday in London"
                if i == 0
                else f"Claim {i}: the court heard point {i} about licences",
                novel=True,
                quote=f"“Point {i} matters,” counsel said. " + "More words here. " * 30,
            )
            for i in range(claims)
        ),
        known_claims=(Claim(text="The suit was filed in 2023.", novel=False, seen_in="old1"),),
        earlier=tuple(f"e{i}" for i in range(7)),
    )


CONTEXT = AlertContext(
    earlier=tuple(
        EarlierItem(title=f"Earlier {i}", url=f"https://old.example/{i}", source="Old")
        for i in range(7)
    ),
    text_source="feed",
    text_note="the page opts out of AI use (X-Robots-Tag: noai)",
)


def _discord(view_text: object) -> str:
    data = alert_embed(view_text, "ref 1").to_dict()  # type: ignore[arg-type]
    parts = [
        data.get("title", ""),
        data.get("description", ""),
        data.get("author", {}).get("name", ""),
    ]
    parts += [f"{f['name']} {f['value']}" for f in data.get("fields", [])]
    parts.append(data["footer"]["text"])
    return _unescape("\n".join(parts))


def _slack(view: object) -> str:
    message = render_alert(view, ref="ref 1")  # type: ignore[arg-type]
    texts = []
    for block in message.blocks:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts += [e.get("text", "") for e in block.get("elements", ())]
    return _unescape(
        "\n".join(texts).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def test_one_view_reads_the_same_on_discord_slack_and_the_console() -> None:
    view = alert_view(_alert(), CONTEXT)
    assert len(view.claims) == MAX_CLAIMS and view.more_claims == 2
    assert view.more_line == "and 2 more — /news article a42"
    assert all(c.quote and len(c.quote) <= QUOTE_CHARS for c in view.claims)
    assert len(view.earlier) == MAX_EARLIER and view.more_earlier == 2
    renderings = {
        "discord": _discord(view),
        "slack": _slack(view),
        "console": " ".join(render_alert_text(view).split()),
    }
    for name, text in renderings.items():
        flat = " ".join(text.split())
        for claim in view.claims:
            assert claim.text in flat, (name, claim.text)
            assert claim.quote is not None and claim.quote[:60] in flat, (name, claim.quote)
        assert "Claim 5" not in flat and "Claim 6" not in flat, name  # only the first five
        assert view.more_line in flat, name
        assert "Only the feed's snippet could be analysed" in flat, name
        assert "noai" in flat, name
        for item in view.earlier:
            assert item.title in flat and item.url in flat.replace("(https", " https"), name
        assert "Earlier 5" not in flat and "and 2 more" in flat, name
        assert "Getty Images v. Stability AI" in flat and "story:s1" in flat, name
        assert "Example News" in flat and "2025-11-06" in flat and "opt out" in flat, name
        assert "filed in 2023" not in flat, name  # known claims: never in an alert
        assert flat.count("Getty appealed the ruling on Monday") == 1, name  # said once
        assert "The hearing is set for May." in flat, name  # what the bullets do not say


def test_the_what_is_new_line_never_repeats_a_bullet() -> None:
    view = alert_view(_alert(), CONTEXT)
    assert view.what_is_new == "The hearing is set for May."
    assert what_is_new("New: 3 new claims, listed below.", view.claims) == ""


def test_a_follow_up_shows_only_the_new_claims() -> None:
    view = alert_view(_alert(), CONTEXT, follow_up=True)
    assert view.claims and not (view.what_is_new or view.earlier or view.note or view.story)


def test_no_snippet_note_when_the_page_text_was_analysed() -> None:
    page = AlertContext(text_source="page", text_note="main text from the article page")
    assert alert_view(_alert(), page).note == ""
    assert alert_view(_alert(), AlertContext(text_source="feed")).note == ""


def test_a_quote_that_mostly_repeats_its_claim_is_not_shown() -> None:
    claim = "Stability AI resisted a claim from Getty Images that it had infringed copyright."
    repeat = Claim(text=claim, novel=True, quote="The Core Ruling: " + claim)
    other = Claim(text=claim, novel=True, quote="“We are pleased,” a spokesperson said.")
    alert = dataclasses.replace(_alert(), new_claims=(repeat, other))
    shown = alert_view(alert).claims
    assert shown[0].quote is None and shown[1].quote == "“We are pleased,” a spokesperson said."
