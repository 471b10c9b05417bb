"""The Slack side from config and secrets: a destination and, with a bot token, /news.

`check_slack` / `build_slack` turn config and secrets into a `SlackRuntime`: a
destination (bot token: the channel, with story threads; else the incoming webhook) and,
with a bot token, the `/news` app (bot/chat/slack/commands.py, a Bolt `AsyncApp` over
Socket Mode or HTTP). Routes into other workspaces (`route_tokens`) make that one app
answer in each of those workspaces too (bot/chat/slack/workspaces.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.chat.base import DeliveryPolicy
from bot.chat.commands import Commands
from bot.chat.slack import client
from bot.chat.slack.commands import SlackCommandApp
from bot.chat.slack.destination import SlackDestination, SlackWebhookDestination
from bot.chat.slack.workspaces import MAIN_ENV, Workspaces
from bot.chat.threads import ThreadBook
from bot.config import SlackConfig
from bot.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class SlackRuntime:
    """What __main__ runs: the alert destination and, with a bot token, the /news app."""

    destination: SlackDestination | SlackWebhookDestination
    app: SlackCommandApp | None = None

    async def start(self) -> None:
        """Check the bot token, then connect the /news app (when there is one); the
        connection lives in the app (no task to watch)."""
        if isinstance(self.destination, SlackDestination):
            await self.destination.verify()
        if self.app is not None:
            await self.app.start()

    async def close(self) -> None:
        if self.app is not None:
            await self.app.stop()


def check_slack(
    settings: SlackConfig,
    *,
    bot_token: str | None,
    app_token: str | None,
    signing_secret: str | None,
    webhook_url: str | None,
) -> str | None:
    """What the Slack side will be, in one line (None: no Slack secret is set); raises
    ConfigError naming the key or secret when the settings cannot work together."""
    if not bot_token and not webhook_url:
        return None
    if not bot_token:
        assert webhook_url is not None
        if not webhook_url.startswith(("https://", "http://")):
            raise ConfigError("SLACK_WEBHOOK_URL: expected https://hooks.slack.com/services/…")
        return "slack: alerts through the incoming webhook (no /news commands, no threads)"
    if not bot_token.startswith("xoxb-"):
        hint = (
            " (that is the app-level token: swap the two)" if bot_token.startswith("xapp-") else ""
        )
        raise ConfigError(f"SLACK_BOT_TOKEN: expected a bot token starting with xoxb-{hint}")
    if settings.mode == "socket":
        if not app_token:
            raise ConfigError(
                "SLACK_APP_TOKEN: Socket Mode needs the app-level token"
                ' (or set slack.mode = "http" with SLACK_SIGNING_SECRET)'
            )
        if not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN: expected an app-level token starting with xapp-")
    elif not signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET: HTTP mode needs the signing secret")
    if not settings.channel:
        raise ConfigError("slack.channel: required when SLACK_BOT_TOKEN is set")
    where = (
        "Socket Mode"
        if settings.mode == "socket"
        else f"HTTP on {settings.http_host}:{settings.http_port}{settings.http_path}"
    )
    threads = "story threads" if settings.threads else "no threads"
    return f"slack: alerts in {settings.channel} ({threads}), /news over {where}"


def build_slack(
    settings: SlackConfig,
    *,
    bot_token: str | None,
    app_token: str | None,
    signing_secret: str | None,
    webhook_url: str | None,
    store: ThreadBook,
    commands: Commands,
    clock: Callable[[], datetime],
    api_url: str | None = None,
    route_tokens: Mapping[str, str] | None = None,
) -> SlackRuntime | None:
    """The Slack side from config and secrets (None when no Slack secret is set).

    With SLACK_BOT_TOKEN: alerts into slack.channel with story threads, and /news over
    Socket Mode (SLACK_APP_TOKEN) or HTTP (SLACK_SIGNING_SECRET). With only
    SLACK_WEBHOOK_URL: alerts through the webhook, no commands. `route_tokens` (variable
    -> bot token, of routes into other workspaces): /news answers in those workspaces too.
    """
    described = check_slack(
        settings,
        bot_token=bot_token,
        app_token=app_token,
        signing_secret=signing_secret,
        webhook_url=webhook_url,
    )
    if described is None:
        return None
    log.info("%s", described)
    api_url = api_url or client.SLACK_API_URL  # read at call time: tests point it at a local fake
    policy = DeliveryPolicy(
        rate_per_minute=settings.rate_per_minute,
        digest_minutes=settings.digest_minutes,
        backlog_digest_at=settings.backlog_digest_at,
        digest_size=settings.digest_size,
    )
    if not bot_token:
        assert webhook_url is not None
        return SlackRuntime(SlackWebhookDestination(webhook_url, policy=policy))
    destination = SlackDestination(
        client.make_web_client(bot_token, api_url),
        settings.channel,
        store,
        clock,
        threads=settings.threads,
        broadcast_follow_ups=settings.broadcast_follow_ups,
        policy=policy,
    )
    app = SlackCommandApp(
        commands,
        bot_token=bot_token,
        mode=settings.mode,
        app_token=app_token,
        signing_secret=signing_secret,
        admin_user_ids=settings.admin_user_ids,
        http_host=settings.http_host,
        http_port=settings.http_port,
        http_path=settings.http_path,
        api_url=api_url,
        workspaces=_workspaces(bot_token, route_tokens or {}, api_url),
    )
    return SlackRuntime(destination, app)


def _workspaces(bot_token: str, others: Mapping[str, str], api_url: str) -> Workspaces | None:
    """None with no other workspace's token: the single-workspace app, as it always was."""
    others = {env: token for env, token in others.items() if token != bot_token}
    if not others:
        return None
    return Workspaces(
        {MAIN_ENV: bot_token, **others}, lambda token: client.make_web_client(token, api_url)
    )
