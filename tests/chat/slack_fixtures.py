"""Shared fixtures for /news on Slack: the local fake Slack with an admin, an owner and a
member; the real Bolt app over HTTP on 127.0.0.1 (`slack_asker`); the `Asker` that signs
requests as Slack does and waits for the answer on the fake's response_url; the seeded
store most command tests read. tests/chat/conftest.py makes the fixtures available."""

from __future__ import annotations

import html
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.chat.commands import Commands
from bot.chat.slack.commands import SlackCommandApp
from bot.models import Feed
from bot.store import Store
from tests.slack_fake import FakeSlack

SECRET = "test-signing-secret"
NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
USERS = {
    "UADMIN": {"is_admin": True, "is_owner": False},
    "UOWNER": {"is_admin": False, "is_owner": True},
    "UMEMBER": {"is_admin": False, "is_owner": False},
}

SlackAsker = Callable[..., Awaitable["Asker"]]


class Asker:
    """Posts signed /news requests to the app and waits for the answer on response_url."""

    def __init__(self, app: SlackCommandApp, slack: FakeSlack) -> None:
        self.url = f"http://127.0.0.1:{app.port}/slack/events"
        self.slack = slack
        self.count = 0

    def body(self, text: str, user: str) -> str:
        self.count += 1
        return urllib.parse.urlencode(
            {
                "token": "unused",
                "team_id": "T1",
                "channel_id": "C0ALERTS",
                "user_id": user,
                "command": "/news",
                "text": text,
                "response_url": f"{self.slack.base}/response/{self.count}",
                "trigger_id": "1.2.3",
                "api_app_id": "A1",
            }
        )

    async def post(
        self, body: str, *, secret: str = SECRET, timestamp: int | None = None
    ) -> httpx.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature,
        }
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, content=body, headers=headers)

    async def ask(self, text: str, user: str = "UMEMBER") -> dict[str, Any]:
        response = await self.post(self.body(text, user))
        assert response.status_code == 200, response.text
        wanted = str(self.count)
        await self.slack.wait_for(lambda: any(c.method == wanted for c in self.slack.responses))
        call = next(c for c in self.slack.responses if c.method == wanted)
        return call.params


def text_of(answer: dict[str, Any]) -> str:
    """Everything an answer says, its blocks' text included, unescaped."""
    parts = [answer.get("text", "")]
    for block in answer.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text["text"])
        for field in block.get("fields") or []:
            parts.append(field["text"])
        for element in block.get("elements") or []:
            parts.append(str(element.get("text", "")))
    return html.unescape("\n".join(str(p) for p in parts))


def seed_store(store: Store) -> None:
    """An alerted Getty article (art1), an off-topic one (art2) and one watched feed."""
    verdict = {
        "summary": "A court let the Getty claim proceed.",
        "reason": "new claims",
        "signals": ["lawsuit", "training data"],
        "claims": [{"text": "The court let the claim proceed.", "novel": True}],
    }
    for n, (title, status) in enumerate(
        [
            ("Getty v. Stability AI: court lets training-data claim proceed", "alerted"),
            ("Celebrity gossip roundup @channel", "not_relevant"),
        ],
        start=1,
    ):
        store.save_article(
            {
                "id": f"art{n}",
                "kind": "feed",
                "url": f"https://news.example/{n}",
                "title": title,
                "source": "Example News",
                "published": NOW.isoformat(),
                "seen_at": NOW.isoformat(),
                "body": "Getty Images said the training data included its photos. " * 3,
                "status": status,
                "reason": "new claims" if status == "alerted" else "not about training data",
                "relevant": int(status == "alerted"),
                "relevance": 0.9 if status == "alerted" else 0.1,
                "category": "lawsuit",
                "story_id": "getty-v-stability" if status == "alerted" else None,
                "verdict": json.dumps(verdict),
            }
        )
    store.save_claims("art1", [{"text": "The court let the claim proceed.", "novel": True}])
    store.sync_feeds([Feed(url="https://feeds.example/ai.xml", name="AI feed")], NOW)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack; users.info knows an admin, an owner and a member."""
    fake = FakeSlack(users=USERS)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack_asker(slack: FakeSlack) -> AsyncIterator[SlackAsker]:
    """`await slack_asker(commands, **options)`: the real Bolt app answering /news with
    `commands` over HTTP (signed requests), and an Asker for it; stopped at the end."""
    apps: list[SlackCommandApp] = []

    async def start(commands: Commands, **options: Any) -> Asker:
        app = SlackCommandApp(
            commands,
            bot_token="xoxb-test",
            mode="http",
            signing_secret=SECRET,
            http_host="127.0.0.1",
            http_port=0,
            api_url=slack.api_url,
            **options,
        )
        await app.start()
        apps.append(app)
        return Asker(app, slack)

    yield start
    for app in apps:
        await app.stop()
