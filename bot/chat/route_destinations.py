"""The destination of each route: a Discord channel through the bot's client, a Slack
channel with this or another workspace's bot token, or a Discord or Slack webhook.

A route's destination is named after the route (`route:NAME`), so its outbox rows, its
story threads and its retries are its own; delivery treats it like any other. Platform
libraries are imported only when a route needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.chat.base import DeliveryPolicy, Destination
from bot.chat.threads import ThreadBook
from bot.config import Config
from bot.config_secrets import read_secret
from bot.errors import ConfigError
from bot.routes import Route

if TYPE_CHECKING:
    import discord

DISCORD_HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")


class RouteDestinations:
    """Builds (and checks) the destination of a route; raises ConfigError naming the route."""

    def __init__(
        self,
        config: Config,
        environ: Mapping[str, str],
        store: ThreadBook,
        clock: Callable[[], datetime],
        *,
        discord_client: discord.Client | None = None,
    ) -> None:
        self._config = config
        self._environ = environ
        self._store = store
        self._clock = clock
        self._discord = discord_client

    def describe(self, route: Route, *, discord_token: bool) -> str:
        """check-config's line for a route: its secrets are checked and its destination
        built (nothing connects); a Discord channel route needs DISCORD_TOKEN."""
        if route.platform == "discord":
            if not discord_token:
                raise ConfigError(f"routes.{route.name}.platform: 'discord' needs DISCORD_TOKEN")
        else:
            self.build(route)
        return f"route {route.name}: {route.describe()}"

    def build(self, route: Route) -> Destination:
        name = route.destination
        if route.platform == "discord":
            if self._discord is None:
                raise ConfigError(
                    f"routes.{route.name}.platform: 'discord' needs DISCORD_TOKEN (bot mode);"
                    " for a webhook use platform = 'webhook' with webhook_env"
                )
            from bot.chat.discord.destination import DiscordDestination

            settings = self._config.discord
            return DiscordDestination(
                self._discord,
                int(route.channel),
                self._store,
                self._clock,
                name=name,
                threads=settings.threads,
                policy=self._policy("discord"),
                compact=route.compact,
            )
        secret = self._secret_of(route)
        if route.platform == "slack":
            from bot.chat.slack import client
            from bot.chat.slack.destination import SlackDestination

            return SlackDestination(
                client.make_web_client(secret, client.SLACK_API_URL),
                route.channel,
                self._store,
                self._clock,
                threads=self._config.slack.threads,
                broadcast_follow_ups=self._config.slack.broadcast_follow_ups,
                policy=self._policy("slack"),
                name=name,
                compact=route.compact,
            )
        host = (urlsplit(secret).hostname or "").lower()
        if host in DISCORD_HOSTS:
            from bot.chat.discord.destination import WebhookDestination

            return WebhookDestination(
                secret,
                name=name,
                secret=route.webhook_env,
                username=self._config.discord.webhook_username,
                policy=self._policy("discord"),
                compact=route.compact,
            )
        if not secret.startswith(("https://", "http://")):
            raise ConfigError(f"{route.webhook_env}: expected a Discord or Slack webhook URL")
        from bot.chat.slack.destination import SlackWebhookDestination

        return SlackWebhookDestination(
            secret, name=name, policy=self._policy("slack"), compact=route.compact
        )

    def _secret_of(self, route: Route) -> str:
        """The token or webhook URL a route needs from the environment ("" for Discord)."""
        if route.platform == "discord":
            return ""
        env = route.webhook_env if route.platform == "webhook" else route.slack_token_env
        env = env or "SLACK_BOT_TOKEN"
        secret = read_secret(self._environ, env)
        if secret is None:
            what = "webhook URL" if route.platform == "webhook" else "Slack bot token"
            raise ConfigError(f"routes.{route.name}: {env} is not set (the route's {what})")
        value = secret.reveal()
        if route.platform == "slack" and not value.startswith("xoxb-"):
            raise ConfigError(f"{env}: expected a bot token starting with xoxb-")
        return value

    def _policy(self, platform: str) -> DeliveryPolicy:
        settings = self._config.discord if platform == "discord" else self._config.slack
        return DeliveryPolicy(
            rate_per_minute=settings.rate_per_minute,
            backlog_digest_at=settings.backlog_digest_at,
            digest_size=settings.digest_size,
        )
