"""Routes on Slack: /news route by admins only (real Bolt app, signed requests to the
local fake), a route into another workspace with its own token, a webhook route, and the
compact and digest renderings on Slack and the console."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

import bot.chat.slack.client as slack_client
from bot.chat.base import OutgoingMessage
from bot.chat.commands import Commands
from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.chat.discord.render import compact_embed
from bot.chat.route_destinations import RouteDestinations
from bot.chat.slack.render import render_compact
from bot.chat.view import alert_view
from bot.config import parse_config
from bot.errors import ConfigError
from bot.models import Alert, Claim, alert_to_payload
from bot.route_book import RouteBook
from bot.routes import Route
from bot.store import Store
from tests.chat.slack_fixtures import Asker, SlackAsker, text_of
from tests.chat.test_delivery_core import T0, Clock
from tests.slack_fake import FakeSlack


@pytest.fixture
def book(store: Store) -> RouteBook:
    config = parse_config(
        {"routes": [{"name": "legal", "platform": "slack", "channel": "C0LEGAL1"}]}
    )
    return RouteBook(config.routes, store, lambda: T0)


@pytest.fixture
async def asker(store: Store, book: RouteBook, slack_asker: SlackAsker) -> Asker:
    return await slack_asker(Commands(store, lambda: T0, routes=book))


async def test_route_commands_are_for_admins_and_kept_in_the_store(
    asker: Asker, store: Store, book: RouteBook
) -> None:
    for text in ("route list", "route add mine", "route remove legal"):
        refused = await asker.ask(text, user="UMEMBER")
        assert "Only workspace admins and owners" in refused["text"], text
    assert store.chat_routes() == []

    added = await asker.ask(
        'route add Deals mode=new_stories categories="licensing deal" exclude_words=rumour',
        user="UADMIN",
    )
    assert added["response_type"] == "in_channel"
    assert "Route added" in text_of(added)
    [kept] = store.chat_routes()
    assert kept == Route(
        name="deals",
        platform="slack",
        channel="C0ALERTS",  # the channel the command was run in
        mode="new_stories",
        categories=("licensing deal",),
        exclude_words=("rumour",),
    )
    assert [r.name for r in book.all()] == ["legal", "deals"]

    listed = text_of(await asker.ask("route list", user="UADMIN"))
    assert "legal" in listed and "config file" in listed and "new storylines only" in listed
    twice = text_of(await asker.ask("route add deals", user="UADMIN"))
    assert "already a route named deals" in twice
    bad = text_of(await asker.ask("route add x colour=red", user="UADMIN"))
    assert "unknown key 'colour'" in bad
    config_route = text_of(await asker.ask("route remove legal", user="UADMIN"))
    assert "route of the config file" in config_route

    removed = await asker.ask("route remove deals", user="UADMIN")
    assert "Route removed" in text_of(removed)
    assert store.chat_routes() == []
    assert "no route named deals" in text_of(await asker.ask("route remove deals", user="UADMIN"))


def alert(title: str) -> Alert:
    return Alert(
        article_id="a1",
        title=title,
        url="https://news.example/1",
        source="Example <News>",
        published=T0,
        category="lawsuit",
        story="story:1",
        summary="New: The court ruled for the authors; damages follow.",
        new_claims=(Claim(text="The court ruled for the authors.", novel=True),),
    )


async def test_a_route_into_another_workspace_posts_with_that_workspace_s_token(
    slack: FakeSlack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_client, "SLACK_API_URL", slack.api_url)
    other = Route(
        name="acme",
        platform="slack",
        channel="C0ACME01",
        slack_token_env="SLACK_BOT_TOKEN_ACME",
        compact=True,
    )
    hook = Route(name="hook", platform="webhook", webhook_env="LEGAL_HOOK")
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-main",
        "SLACK_BOT_TOKEN_ACME": "xoxb-acme",
        "LEGAL_HOOK": f"{slack.base}/webhook/legal",
    }
    clock = Clock()
    factory = RouteDestinations(parse_config({}), environ, store, clock)
    for route in (other, hook):
        store.enqueue(
            kind="alert",
            destination=route.destination,
            payload=alert_to_payload(alert("Authors win")),
            now=T0,
            article_id="a1",
        )
    delivery = Delivery(store, [factory.build(other), factory.build(hook)], clock)
    assert (await delivery.deliver_due()).sent == 2
    [post] = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert post.headers["Authorization"] == "Bearer xoxb-acme"
    assert post.params["channel"] == "C0ACME01"
    assert post.params["blocks"][0]["text"]["text"] == (
        "*<https://news.example/1|Authors win>* — Example &lt;News&gt;:"
        " The court ruled for the authors"
    )
    buttons = post.params["blocks"][-1]  # under a compact alert as under every alert
    assert buttons["type"] == "actions" and len(buttons["elements"]) == 4
    assert {e["value"] for e in buttons["elements"]} == {"route:acme|a1"}
    [webhook] = slack.webhook_posts
    assert webhook.method == "legal" and "Authors win" in webhook.params["text"]

    with pytest.raises(ConfigError, match=r"routes.acme: SLACK_BOT_TOKEN_ACME is not set"):
        RouteDestinations(parse_config({}), {}, store, clock).build(other)
    discord_route = Route(name="d", platform="discord", channel="1")
    with pytest.raises(ConfigError, match=r"routes.d.platform: 'discord' needs DISCORD_TOKEN"):
        factory.build(discord_route)


HOSTILE = "@everyone <!channel> **bold** <@U123> `code` [x](https://evil.example) " + "A" * 100_000


async def test_compact_alerts_stay_one_safe_line_on_every_platform() -> None:
    view = alert_view(alert(HOSTILE))
    slack_line = render_compact(view, ref="ref 7").blocks[0]["text"]["text"]
    assert "\n" not in slack_line and len(slack_line) < 700
    assert "<!channel>" not in slack_line and "<@U123>" not in slack_line
    assert "@everyone" not in slack_line  # broken by an invisible joiner
    out = io.StringIO()
    console = ConsoleDestination(out, name="route:brief", compact=True)
    message = OutgoingMessage(1, "alert", alert_to_payload(alert(HOSTILE)))
    await console.send(message)
    [line] = out.getvalue().splitlines()
    assert len(line) <= 600
    assert line.endswith("https://news.example/1") or "…" in line
    embed = compact_embed(view, "ref 7")
    assert embed.description is not None and "\n" not in embed.description
    assert "@everyone" not in embed.description and "<@U123>" not in embed.description
    assert "\\*\\*bold\\*\\*" in embed.description  # markdown shown, not applied
    assert len(embed.description) < 700 and embed.footer.text == "ref 7"
    short = render_compact(alert_view(alert("Authors win")), ref="ref 7")
    assert short.blocks[1]["elements"][0]["text"] == "ref 7"


async def test_the_console_prints_a_digest_as_one_block() -> None:
    out = io.StringIO()
    payload: dict[str, Any] = {
        "route": "daily",
        "alerts": [alert_to_payload(alert("Authors win")), alert_to_payload(alert("Appeal"))],
    }
    await ConsoleDestination(out).send(OutgoingMessage(5, "digest", payload))
    lines = out.getvalue().splitlines()
    assert lines[0] == "[digest] 2 updates"
    assert lines[1] == (
        "  - Authors win — Example <News>: The court ruled for the authors https://news.example/1"
    )


def test_check_config_names_each_route_and_what_it_lacks() -> None:
    from bot.chat.platform import check_chat
    from bot.config import load_secrets

    config = parse_config(
        {
            "discord": {"channel_id": 555},
            "routes": [
                {"name": "deals", "platform": "discord", "channel": "601", "compact": True},
                {"name": "hook", "platform": "webhook", "webhook_env": "DEALS_HOOK"},
            ],
        }
    )
    env = {"DISCORD_TOKEN": "fake-token", "DEALS_HOOK": "https://hooks.slack.com/services/T/B/x"}
    lines = check_chat(config, load_secrets(env), env)
    assert lines[1:] == [
        "route deals: Discord channel 601; every alert, compact",
        "route hook: webhook $DEALS_HOOK; every alert",
    ]
    with pytest.raises(ConfigError, match=r"^routes.hook: DEALS_HOOK is not set"):
        check_chat(config, load_secrets(env), {"DISCORD_TOKEN": "fake-token"})
    with pytest.raises(ConfigError, match=r"^routes.deals.platform: 'discord' needs DISCORD_TOKEN"):
        check_chat(config, load_secrets({}), {})


async def test_a_slack_digest_route_posts_one_digest_and_finds_it_after_a_crash(
    slack: FakeSlack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.digests import Digests

    monkeypatch.setattr(slack_client, "SLACK_API_URL", slack.api_url)
    daily = Route(name="daily", platform="slack", channel="C0DAILY01", mode="digest")
    clock = Clock()  # 09:00 UTC, the default digest_at
    for n, title in enumerate(("Authors win", "Appeal filed")):
        payload = alert_to_payload(alert(title)) | {"article_id": f"a{n}"}
        store.hold("daily", f"a{n}", payload, clock.now)
    assert Digests(store, lambda: [daily], clock).release_due() == 2
    environ = {"SLACK_BOT_TOKEN": "xoxb-main"}
    factory = RouteDestinations(parse_config({}), environ, store, clock)
    store.mark_intent([1], clock.now)  # as if a run had started sending it, then died
    delivery = Delivery(store, [factory.build(daily)], clock)
    await delivery.deliver_due()  # the fake has no such message: waits, then sends once
    clock.advance(minutes=5)
    assert (await delivery.deliver_due()).sent == 1
    [post] = slack.posts()
    assert post["blocks"][0]["text"]["text"] == "2 updates (digest)"
    assert post["metadata"]["event_payload"] == {"first_id": 1, "last_id": 1}
    with store.transaction():
        store.db.execute(
            "UPDATE outbox SET status = 'pending', intent_at = ?", [clock.now.isoformat()]
        )
    again = Delivery(store, [factory.build(daily)], clock)  # a restart that lost the record
    assert (await again.deliver_due()).sent == 1  # found in the channel, not sent again
    assert len(slack.posts()) == 1


async def test_a_slack_webhook_digest_route_says_digest(slack: FakeSlack, store: Store) -> None:
    from bot.digests import Digests

    daily = Route(name="hooked", platform="webhook", webhook_env="DAILY_HOOK", mode="digest")
    clock = Clock()  # 09:00 UTC, the default digest_at
    for n, title in enumerate(("Authors win", "Appeal filed")):
        payload = alert_to_payload(alert(title)) | {"article_id": f"a{n}"}
        store.hold("hooked", f"a{n}", payload, clock.now)
    assert Digests(store, lambda: [daily], clock).release_due() == 2
    environ = {"DAILY_HOOK": f"{slack.base}/webhook/daily"}
    factory = RouteDestinations(parse_config({}), environ, store, clock)
    assert (await Delivery(store, [factory.build(daily)], clock).deliver_due()).sent == 1
    [post] = slack.webhook_posts
    assert post.method == "daily"
    assert post.params["blocks"][0]["text"]["text"] == "2 updates (digest)"
    assert "while you were away" not in json.dumps(post.params)
