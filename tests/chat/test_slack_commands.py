"""/news on Slack: signed requests over real HTTP and Socket Mode against the local fake.

The Bolt app runs for real (HTTP server on 127.0.0.1, or Socket Mode client to the fake's
websocket); answers travel to the fake's response_url; users.info decides who is admin.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
import urllib.parse

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.chat.commands import Commands
from bot.chat.feed_commands import FeedAdmin
from bot.chat.slack.commands import SlackCommandApp
from bot.chat.slack.http import WINDOW_SECONDS, ReplayGuard
from bot.errors import ConfigError
from bot.feeds.manage import FeedManagementError
from bot.store import Store
from tests.chat.slack_fixtures import NOW, SECRET, Asker, SlackAsker, seed_store, text_of
from tests.slack_fake import Call, FakeSlack

OPML = b"""<?xml version="1.0"?><opml version="2.0"><body>
<outline text="One" xmlUrl="https://one.example/feed.xml"/>
<outline text="Two" xmlUrl="https://two.example/rss"/></body></opml>"""


@pytest.fixture
def commands(store: Store, opml: OpmlSource) -> Commands:
    seed_store(store)
    return Commands(store, lambda: NOW, feed_admin=FeedAdmin(default_interval=30, download=opml))


class OpmlSource:
    """Serves one OPML URL; `hold` keeps a fetch waiting until the test releases it."""

    def __init__(self) -> None:
        self.hold = asyncio.Event()
        self.hold.set()

    async def __call__(self, url: str) -> bytes:
        await self.hold.wait()
        if url == "https://feeds.example/export.opml":
            return OPML
        raise FeedManagementError(f"could not fetch {url}: HTTP answer 404")


@pytest.fixture
def opml() -> OpmlSource:
    return OpmlSource()


@pytest.fixture
async def asker(commands: Commands, slack_asker: SlackAsker) -> Asker:
    return await slack_asker(commands, admin_user_ids=("UCONFIG",))


# ------------------------------------------------------------------ signatures


async def test_signed_slash_command_is_acknowledged_and_answered(
    asker: Asker, slack: FakeSlack
) -> None:
    answer = await asker.ask("search getty")
    assert answer["response_type"] == "ephemeral"
    text = text_of(answer)
    assert "Getty v. Stability AI" in text and "<https://news.example/1|" in text


async def test_wrong_signature_is_refused_and_not_run(asker: Asker, slack: FakeSlack) -> None:
    response = await asker.post(asker.body("status", "UMEMBER"), secret="not-the-secret")
    assert response.status_code == 401
    assert slack.responses == []


async def test_stale_signature_is_refused(asker: Asker, slack: FakeSlack) -> None:
    old = int(time.time()) - 10 * 60
    response = await asker.post(asker.body("status", "UMEMBER"), timestamp=old)
    assert response.status_code == 401
    assert slack.responses == []


async def test_tampered_body_is_refused(asker: Asker, slack: FakeSlack) -> None:
    body = asker.body("status", "UMEMBER")
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    async with httpx.AsyncClient() as client:
        response = await client.post(
            asker.url,
            content=body.replace("UMEMBER", "UADMIN"),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": ts,
                "x-slack-signature": signature,
            },
        )
    assert response.status_code == 401


@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "-5", "12345678901234567890"])
async def test_a_malformed_timestamp_is_a_clean_400(
    asker: Asker, slack: FakeSlack, timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = asker.body("status", "UMEMBER")
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    async with httpx.AsyncClient() as client:
        response = await client.post(
            asker.url,
            content=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": timestamp,
                "x-slack-signature": signature or "v0=00",
            },
        )
    assert response.status_code == 400
    assert slack.responses == []
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_replayed_request_is_refused_and_not_run_again(
    asker: Asker, slack: FakeSlack
) -> None:
    body = asker.body("search getty", "UMEMBER")
    ts = str(int(time.time()))
    first = await asker.post(body, timestamp=int(ts))
    assert first.status_code == 200
    await slack.wait_for(lambda: len(slack.responses) == 1)
    again = await asker.post(body, timestamp=int(ts))  # the same bytes, inside the 5 minutes
    assert again.status_code == 401
    fresh = await asker.post(body, timestamp=int(ts) + 1)  # signed anew: a new request
    assert fresh.status_code == 200
    await slack.wait_for(lambda: len(slack.responses) == 2)
    await asyncio.sleep(0.2)
    assert len(slack.responses) == 2  # the replay never ran


def test_remembered_signatures_expire_with_the_window_and_stay_bounded() -> None:
    now = [1_000_000.0]
    guard = ReplayGuard(SECRET, now=lambda: now[0], max_remembered=50)
    verifier = SignatureVerifier(SECRET)

    def send(body: str, at: float) -> tuple[int, str] | None:
        ts = str(int(at))
        sig = verifier.generate_signature(timestamp=ts, body=body)
        return guard.refusal(ts, sig, body.encode())

    assert send("a", now[0]) is None
    assert send("a", now[0]) == (401, "replayed request")
    for i in range(200):
        assert send(f"b{i}", now[0]) is None
    assert guard.remembered() <= 50
    now[0] += WINDOW_SECONDS + 1
    assert send("late", now[0]) is None
    assert guard.remembered() == 1  # everything from before the window is forgotten


# ------------------------------------------------------------------ every subcommand


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "search <words>"),
        ("help", "feeds list"),
        ("recent", "Getty v. Stability AI"),
        ("recent 3", "Recent alerts (1)"),
        ("article art1", "The court let the claim proceed."),
        ("article <https://news.example/1>", "Getty v. Stability AI"),
        ("story getty-v-stability", "Story getty-v-stability"),
        ("story getty", "Story getty-v-stability"),
        ("why https://news.example/2", "not about AI training-data disputes"),
        ("why https://nowhere.example/x", "Never seen"),
        ("status", "1 healthy, 0 failing"),
    ],
)
async def test_lookups_are_answered(asker: Asker, text: str, expected: str) -> None:
    answer = await asker.ask(text)
    assert expected in text_of(answer)
    assert answer["response_type"] == "ephemeral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("search", "Usage: /news search <words>"),
        ("search !!!", "at least one word"),
        ("recent lots", "Usage: /news recent [n]"),
        ("recent 99", "Usage: /news recent [n]"),
        ("article", "Usage: /news article"),
        ("article nope", "No article with that id or URL"),
        ("frobnicate", "Unknown command"),
    ],
)
async def test_errors_are_short_and_ephemeral(asker: Asker, text: str, expected: str) -> None:
    answer = await asker.ask(text)
    assert answer["response_type"] == "ephemeral"
    assert expected in html.unescape(answer["text"])
    assert len(answer["blocks"]) == 1 and answer["blocks"][0]["text"]["text"].startswith(
        ":warning:"
    )


async def test_hostile_stored_titles_do_not_ping_in_answers(asker: Asker) -> None:
    answer = await asker.ask("why art2")
    text = text_of(answer)
    assert "@channel" not in text and "@\u2060channel" in text


# ------------------------------------------------------------------ admin rules


async def test_feed_commands_are_refused_to_members(asker: Asker, slack: FakeSlack) -> None:
    for text in ("feeds list", "feeds add https://x.example/feed", "feeds remove x", "feeds"):
        answer = await asker.ask(text, user="UMEMBER")
        assert answer["response_type"] == "ephemeral"
        assert "Only workspace admins and owners" in answer["text"]
    lookups = [c for c in slack.calls if c.method == "users.info"]
    assert lookups and all(c.params["user"] == "UMEMBER" for c in lookups)


@pytest.mark.parametrize("user", ["UADMIN", "UOWNER", "UCONFIG"])
async def test_admins_owners_and_configured_users_manage_feeds(
    asker: Asker, store: Store, user: str
) -> None:
    listed = await asker.ask("feeds list", user=user)
    assert "AI feed" in text_of(listed)

    added = await asker.ask("feeds add <https://new.example/feed.xml> New Feed", user=user)
    assert added["response_type"] == "in_channel"
    assert "Watching New Feed" in text_of(added)
    assert store.get_feed("https://new.example/feed.xml") is not None

    removed = await asker.ask("feeds remove https://new.example/feed.xml", user=user)
    assert "No longer watching" in text_of(removed)
    assert store.get_feed("https://new.example/feed.xml") is None


async def test_configured_admin_needs_no_lookup(asker: Asker, slack: FakeSlack) -> None:
    await asker.ask("feeds list", user="UCONFIG")
    assert not [c for c in slack.calls if c.method == "users.info"]


async def test_feeds_import_fetches_the_opml_url(asker: Asker, store: Store) -> None:
    answer = await asker.ask("feeds import https://feeds.example/export.opml", user="UADMIN")
    assert "2 feed(s) added" in text_of(answer)
    assert store.get_feed("https://two.example/rss") is not None
    missing = await asker.ask("feeds import https://feeds.example/none.opml", user="UADMIN")
    assert "could not fetch https://feeds.example/none.opml: HTTP answer 404" in missing["text"]


async def test_a_slow_command_is_acknowledged_before_its_answer(
    asker: Asker, slack: FakeSlack, opml: OpmlSource
) -> None:
    opml.hold.clear()  # the import's fetch will wait
    response = await asker.post(
        asker.body("feeds import https://feeds.example/export.opml", "UADMIN")
    )
    assert response.status_code == 200 and response.text == ""  # the ack, with no answer yet
    assert slack.responses == []
    opml.hold.set()
    await slack.wait_for(lambda: len(slack.responses) == 1)
    assert "2 feed(s) added" in text_of(slack.responses[0].params)


# ------------------------------------------------------------------ paging buttons


async def test_search_pages_through_buttons(asker: Asker, store: Store, slack: FakeSlack) -> None:
    for n in range(3, 15):
        store.save_article(
            {
                "id": f"extra{n}",
                "kind": "feed",
                "url": f"https://more.example/{n}",
                "title": f"Getty follow-up number {n}",
                "seen_at": NOW.isoformat(),
                "status": "alerted",
            }
        )
    first = await asker.ask("search getty")
    (actions,) = [b for b in first["blocks"] if b["type"] == "actions"]
    (next_button,) = actions["elements"]
    assert json.loads(next_button["value"]) == {"q": "getty", "p": 2}

    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "UMEMBER"},
        "api_app_id": "A1",
        "token": "unused",
        "container": {"type": "message", "is_ephemeral": True},
        "trigger_id": "1.2.3",
        "channel": {"id": "C0ALERTS"},
        "response_url": f"{slack.base}/response/page2",
        "actions": [
            {
                "type": "button",
                "action_id": next_button["action_id"],
                "block_id": "b1",
                "value": next_button["value"],
                "action_ts": "1700000000.1",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    response = await asker.post(body)
    assert response.status_code == 200
    await slack.wait_for(lambda: any(c.method == "page2" for c in slack.responses))
    page2 = next(c for c in slack.responses if c.method == "page2").params
    assert page2["replace_original"] is True
    assert "Page 2" in text_of(page2)


# ------------------------------------------------------------------ Socket Mode


async def test_socket_mode_command_is_acked_and_answered(
    commands: Commands, slack: FakeSlack
) -> None:
    app = SlackCommandApp(
        commands, bot_token="xoxb-test", app_token="xapp-test", api_url=slack.api_url
    )
    await app.start()
    try:
        await asyncio.wait_for(slack.socket_connected.wait(), 5)
        opened = [c for c in slack.calls if c.method == "apps.connections.open"]
        assert opened[0].headers["Authorization"] == "Bearer xapp-test"
        payload = dict(
            urllib.parse.parse_qsl(
                urllib.parse.urlencode(
                    {
                        "team_id": "T1",
                        "channel_id": "C0ALERTS",
                        "user_id": "UMEMBER",
                        "command": "/news",
                        "text": "status",
                        "response_url": f"{slack.base}/response/socket",
                        "api_app_id": "A1",
                    }
                )
            )
        )
        await slack.push_envelope("slash_commands", payload, "env-1")
        await slack.wait_for(
            lambda: bool(slack.socket_acks) and any(c.method == "socket" for c in slack.responses)
        )
        assert slack.socket_acks[0]["envelope_id"] == "env-1"
        answer: Call = next(c for c in slack.responses if c.method == "socket")
        assert "1 healthy, 0 failing" in text_of(answer.params)
    finally:
        await app.stop()


async def test_socket_mode_with_a_refused_token_says_so(
    commands: Commands, slack: FakeSlack
) -> None:
    slack.fail_next("apps.connections.open", status=200, error="invalid_auth")
    app = SlackCommandApp(
        commands, bot_token="xoxb-test", app_token="xapp-bad", api_url=slack.api_url
    )
    with pytest.raises(Exception, match="SLACK_APP_TOKEN"):
        await app.start()
    await app.stop()


def test_missing_secrets_name_the_variable(commands: Commands) -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        SlackCommandApp(commands, bot_token="xoxb-test", mode="socket")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackCommandApp(commands, bot_token="xoxb-test", mode="http")
