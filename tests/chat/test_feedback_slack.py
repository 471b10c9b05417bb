"""The buttons under a Slack alert: posted by the real SlackDestination, clicked as Slack
sends a click (a signed `block_actions` request to the real Bolt app over HTTP), answered to
the clicker only through the action's response_url; /news missed, forget and retrain."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from bot.chat.base import OutgoingMessage
from bot.chat.commands import Commands
from bot.chat.slack.client import make_web_client
from bot.chat.slack.destination import SlackDestination
from bot.chat.slack.render import render_slack
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store
from tests.chat.slack_fixtures import NOW, Asker, SlackAsker, seed_store, text_of
from tests.slack_fake import FakeSlack, block_action

ALERT = Alert(
    article_id="art1",
    title="Getty v. Stability AI: court lets training-data claim proceed",
    url="https://news.example/1",
    source="Example News",
    published=NOW,
    category="lawsuit",
    story="getty-v-stability",
    summary="A court let the Getty claim proceed.",
    new_claims=(Claim(text="The court let the claim proceed.", novel=True),),
)


@pytest.fixture
async def asker(store: Store, slack_asker: SlackAsker) -> Asker:
    seed_store(store)
    return await slack_asker(Commands(store, lambda: NOW))


async def posted_alert(slack: FakeSlack) -> dict[str, Any]:
    destination = SlackDestination(
        make_web_client("xoxb-test", slack.api_url), "C0ALERTS", None, lambda: NOW
    )
    await destination.send(OutgoingMessage(id=1, kind="alert", payload=alert_to_payload(ALERT)))
    return slack.posts()[-1]


async def press(
    asker: Asker, slack: FakeSlack, message: dict[str, Any], action: str, user: str
) -> dict[str, Any]:
    asker.count += 1
    where = f"click{asker.count}"
    payload = block_action(
        message, action, user=user, response_url=f"{slack.base}/response/{where}"
    )
    response = await asker.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200, response.text  # acknowledged at once
    await slack.wait_for(lambda: any(c.method == where for c in slack.responses))
    return next(c for c in slack.responses if c.method == where).params


def test_only_the_bot_token_destination_carries_buttons() -> None:
    with_buttons = render_slack("alert", alert_to_payload(ALERT), buttons=True).blocks
    assert with_buttons[-1]["type"] == "actions"
    assert [e["action_id"] for e in with_buttons[-1]["elements"]] == [
        "news_fb_not_topic",
        "news_fb_nothing_new",
        "news_fb_mute",
        "news_fb_verdict",
    ]
    assert {e["value"] for e in with_buttons[-1]["elements"]} == {"art1"}
    plain = render_slack("alert", alert_to_payload(ALERT)).blocks  # webhooks: no app to click
    assert all(b["type"] != "actions" for b in plain)


async def test_each_button_is_acknowledged_and_answered_to_the_clicker(
    asker: Asker, slack: FakeSlack, store: Store
) -> None:
    message = await posted_alert(slack)
    thanks = await press(asker, slack, message, "news_fb_not_topic", "UMEMBER")
    assert thanks["response_type"] == "ephemeral" and thanks["replace_original"] is False
    assert "feedback #1" in text_of(thanks)
    why = await asker.ask("why art1")
    assert "feedback #1: Not about this topic — umember" in text_of(why)
    again = await press(asker, slack, message, "news_fb_not_topic", "UMEMBER")
    assert "Taken back" in text_of(again)
    assert "(revoked by umember at" in text_of(await asker.ask("why art1"))

    refused = await press(asker, slack, message, "news_fb_mute", "UMEMBER")
    assert "Only admins can mute a story" in text_of(refused)
    assert store.muted_stories("slack") == set()
    muted = await press(asker, slack, message, "news_fb_mute", "UADMIN")
    assert "Muted: no more alerts of story getty-v-stability in slack" in text_of(muted)
    assert store.muted_stories("slack") == {"getty-v-stability"}
    assert store.muted_stories("discord") == set()  # a mute is for its destination only

    nothing = await press(asker, slack, message, "news_fb_nothing_new", "UMEMBER")
    assert "telling nothing new" in text_of(nothing)
    verdict = await press(asker, slack, message, "news_fb_verdict", "UMEMBER")
    assert verdict["response_type"] == "ephemeral"
    assert "The court let the claim proceed." in text_of(verdict)


async def test_missed_forget_and_retrain_on_slack(
    asker: Asker, slack: FakeSlack, store: Store
) -> None:
    missed = await asker.ask("missed <https://news.example/2|gossip>")
    assert "Recorded as a story the bot missed" in text_of(missed)
    assert "An admin can post it" in text_of(missed)
    assert [r.kind for r in store.feedback_for("art2")] == ["missed"]
    assert "Only admins can refit" in text_of(await asker.ask("retrain"))
    assert "Only the reader who gave" in text_of(await asker.ask("forget 1", user="UOTHER"))
    assert "Feedback revoked" in text_of(await asker.ask("forget 1", user="UADMIN"))
    assert store.active_feedback() == []
    assert "Usage: /news forget" in text_of(await asker.ask("forget soon"))
    # revoked twice, and numbers no feedback can have: one short line each, no traceback
    assert "no feedback #1 in force" in text_of(await asker.ask("forget #1", user="UADMIN"))
    assert "no feedback #99999999999" in text_of(await asker.ask("forget 99999999999"))
    for hostile in ("forget ²", "forget 1e3", "forget 99999999999999999999999", "forget -1"):
        assert "Usage: /news forget" in text_of(await asker.ask(hostile)), hostile
