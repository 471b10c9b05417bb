"""/news in several Slack workspaces: a route into workspace B (its own bot token) makes the
one Bolt app answer there too, with B's token; a team no token belongs to is refused.

Built as the bot builds it (build_chat from config and environment), run for real over
HTTP and Socket Mode against the local fake, which stands for two workspaces.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import pytest

import bot.chat.slack.client as slack_client
from bot.chat.commands import Commands
from bot.chat.delivery import Delivery
from bot.chat.platform import Chat, build_chat
from bot.chat.slack.commands import SlackCommandApp
from bot.chat.slack.workspaces import REFUSED
from bot.config import Config, parse_config
from bot.config_secrets import load_secrets
from bot.models import alert_to_payload
from bot.route_book import RouteBook
from bot.store import Store
from tests.chat.slack_fixtures import SECRET, Asker, text_of
from tests.chat.test_delivery_core import T0, Clock
from tests.chat.test_routes_slack import alert
from tests.slack_fake import FakeSlack

MAIN, ACME = "xoxb-main", "xoxb-acme"
ENVIRON = {
    "SLACK_BOT_TOKEN": MAIN,
    "SLACK_BOT_TOKEN_ACME": ACME,
    "SLACK_APP_TOKEN": "xapp-test",
    "SLACK_SIGNING_SECRET": SECRET,
}


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(
        teams={MAIN: "T1", ACME: "T2"},
        users={"UMAIN": {"is_admin": True}, "UBOSS": {"is_admin": False}},
        team_users={"T2": {"UBOSS": {"is_admin": True}}},  # an admin in ACME only
    )
    await fake.start()
    monkeypatch.setattr(slack_client, "SLACK_API_URL", fake.api_url)
    yield fake
    await fake.stop()


def _config(mode: str) -> Config:
    config = parse_config(
        {
            "slack": {"channel": "C0MAIN01", "mode": mode, "http_host": "127.0.0.1"},
            "routes": [
                {
                    "name": "acme",
                    "platform": "slack",
                    "channel": "C0ACME01",
                    "slack_token_env": "SLACK_BOT_TOKEN_ACME",
                }
            ],
        }
    )
    return dataclasses.replace(config, slack=dataclasses.replace(config.slack, http_port=0))


async def _start(config: Config, store: Store) -> tuple[Chat, RouteBook]:
    book = RouteBook(config.routes, store, lambda: T0)
    commands = Commands(store, lambda: T0, routes=book)
    chat = build_chat(
        config,
        load_secrets(ENVIRON),
        store,
        commands,
        lambda: T0,
        stdout=io.StringIO(),
        routes=config.routes,
        environ=ENVIRON,
    )
    await chat.start()
    return chat, book


class TeamAsker(Asker):
    """Asker of Slack's signed /news requests, from a chosen workspace."""

    team = "T1"

    def body(self, text: str, user: str) -> str:
        fields = dict(urllib.parse.parse_qsl(super().body(text, user)))
        fields["team_id"] = self.team
        fields["channel_id"] = {"T1": "C0MAIN01", "T2": "C0ACMEGEN"}.get(self.team, "C0ELSE")
        return urllib.parse.urlencode(fields)


def _tokens_of(slack: FakeSlack, method: str) -> list[str]:
    return [c.headers["Authorization"] for c in slack.calls if c.method == method]


async def test_a_command_in_workspace_b_is_answered_in_b_with_b_s_token(
    slack: FakeSlack, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    chat, _ = await _start(_config("http"), store)
    try:
        assert chat.slack is not None and chat.slack.app is not None
        # each token's workspace was looked up at start
        assert set(_tokens_of(slack, "auth.test")) == {f"Bearer {MAIN}", f"Bearer {ACME}"}
        asker = TeamAsker(chat.slack.app, slack)

        asker.team = "T2"
        answer = await asker.ask("route add acme-deals mode=new_stories", user="UBOSS")
        assert answer["response_type"] == "in_channel", text_of(answer)
        assert "Route added" in text_of(answer)
        # the admin check asked ACME's users.info, with ACME's token
        assert _tokens_of(slack, "users.info") == [f"Bearer {ACME}"]
        [kept] = store.chat_routes()
        assert (kept.channel, kept.slack_token_env) == ("C0ACMEGEN", "SLACK_BOT_TOKEN_ACME")

        # the same user is no admin in the main workspace: its own users.info says so
        asker.team = "T1"
        refused = await asker.ask("route add other", user="UBOSS")
        assert "Only workspace admins and owners" in text_of(refused)
        assert _tokens_of(slack, "users.info")[-1] == f"Bearer {MAIN}"

        # the route added in ACME posts ACME's alerts into ACME, with ACME's token
        assert chat.routes is not None
        destination = chat.routes.build(kept)
        store.enqueue(
            kind="alert",
            destination=kept.destination,
            payload=alert_to_payload(alert("Authors win")),
            now=T0,
            article_id="a1",
        )
        assert (await Delivery(store, [destination], Clock()).deliver_due()).sent == 1
        [post] = [c for c in slack.calls if c.method == "chat.postMessage"]
        assert post.headers["Authorization"] == f"Bearer {ACME}"
        assert post.params["channel"] == "C0ACMEGEN"

        # a workspace no token belongs to is refused, with a log line naming it
        asker.team = "T9"
        before = len(slack.calls)
        with caplog.at_level(logging.WARNING):
            unknown = await asker.ask("status", user="UMAIN")
        assert "not set up for this workspace" in unknown["text"]
        assert "refused a request from workspace T9" in caplog.text
        assert slack.calls[before:] == []  # no Web API call for it, with any token
    finally:
        await chat.close()


async def test_the_search_buttons_answer_in_workspace_b(slack: FakeSlack, store: Store) -> None:
    store.save_article(
        {
            "id": "g1",
            "kind": "feed",
            "url": "https://news.example/g1",
            "title": "Getty sues again",
            "seen_at": T0.isoformat(),
            "status": "alerted",
        }
    )
    chat, _ = await _start(_config("http"), store)
    try:
        assert chat.slack is not None and chat.slack.app is not None
        asker = TeamAsker(chat.slack.app, slack)
        for team, name in (("T2", "page-b"), ("T9", "page-x")):
            payload: dict[str, Any] = {
                "type": "block_actions",
                "team": {"id": team},
                "user": {"id": "UBOSS"},
                "api_app_id": "A1",
                "token": "unused",
                "container": {"type": "message", "is_ephemeral": True},
                "trigger_id": "1.2.3",
                "channel": {"id": "C0ACMEGEN"},
                "response_url": f"{slack.base}/response/{name}",
                "actions": [
                    {
                        "type": "button",
                        "action_id": "news_search_page_1",
                        "block_id": "b1",
                        "value": json.dumps({"q": "getty", "p": 1}),
                        "action_ts": "1700000000.1",
                    }
                ],
            }
            body = urllib.parse.urlencode({"payload": json.dumps(payload)})
            assert (await asker.post(body)).status_code == 200
        await slack.wait_for(lambda: {"page-b", "page-x"} <= {c.method for c in slack.responses})
        answers = {c.method: c.params for c in slack.responses}
        assert "Getty sues again" in text_of(answers["page-b"])
        assert answers["page-x"]["text"] == REFUSED
    finally:
        await chat.close()


async def test_socket_mode_answers_each_workspace_on_the_one_connection(
    slack: FakeSlack, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    chat, _ = await _start(_config("socket"), store)
    try:
        await asyncio.wait_for(slack.socket_connected.wait(), 5)
        for n, (team, user) in enumerate((("T2", "UBOSS"), ("T9", "UBOSS")), 1):
            payload = {
                "team_id": team,
                "channel_id": "C0ACMEGEN",
                "user_id": user,
                "command": "/news",
                "text": "route list",
                "response_url": f"{slack.base}/response/socket{n}",
                "api_app_id": "A1",
            }
            with caplog.at_level(logging.WARNING):
                await slack.push_envelope("slash_commands", payload, f"env-{n}")
                await slack.wait_for(
                    lambda n=n: any(c.method == f"socket{n}" for c in slack.responses)
                )
        answers = {c.method: c.params for c in slack.responses}
        assert "acme" in text_of(answers["socket1"])  # ACME's admin sees the routes
        assert _tokens_of(slack, "users.info") == [f"Bearer {ACME}"]
        assert answers["socket2"]["text"] == REFUSED
        assert "refused a request from workspace T9" in caplog.text
    finally:
        await chat.close()


async def test_one_workspace_keeps_its_single_token_app(slack: FakeSlack, store: Store) -> None:
    config = dataclasses.replace(_config("http"), routes=())
    chat, _ = await _start(config, store)
    try:
        assert chat.slack is not None and chat.slack.app is not None
        app: SlackCommandApp = chat.slack.app
        assert app.app.client.token == MAIN  # no authorize: the one token, as before
        assert _tokens_of(slack, "auth.test") == [f"Bearer {MAIN}"]
    finally:
        await chat.close()
