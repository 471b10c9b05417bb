"""The Discord side from config and secrets: bot mode, webhook mode, or none.

Bot mode (DISCORD_TOKEN): the /news client stays connected in the background and the
destination posts to discord.channel_id. Webhook mode (DISCORD_WEBHOOK_URL only): alerts
go through the webhook; no commands then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import discord

from bot.chat.base import DeliveryPolicy
from bot.chat.commands import Commands
from bot.chat.discord.client import NewsClient, webhook_url_problem
from bot.chat.discord.destination import DiscordDestination, WebhookDestination
from bot.chat.threads import ThreadBook
from bot.config import DiscordSettings
from bot.errors import ChatError, ConfigError

log = logging.getLogger(__name__)


@dataclass
class DiscordRuntime:
    """What __main__ runs: the destination, and in bot mode the client and its token."""

    destination: DiscordDestination | WebhookDestination
    client: NewsClient | None = None
    token: str | None = None

    async def start(self) -> asyncio.Task[None] | None:
        """Log in and stay connected in the background (bot mode); returns the task.

        The task ends with ChatError only when no retry can help (a rejected token, a
        missing privileged intent); network trouble is retried with backoff meanwhile.
        """
        if self.client is None or self.token is None:
            return None
        return asyncio.create_task(_stay_connected(self.client, self.token), name="discord")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
        if isinstance(self.destination, WebhookDestination):
            await self.destination.close()


async def _stay_connected(client: NewsClient, token: str) -> None:
    delay = 1.0
    while not client.is_closed():
        try:
            if client.user is None:
                await client.login(token)
            await client.connect(reconnect=True)
            return
        except discord.LoginFailure:
            raise ChatError("Discord rejected DISCORD_TOKEN (reset it in the Bot tab)") from None
        except discord.PrivilegedIntentsRequired:
            raise ChatError("Discord refused the gateway intents the bot asked for") from None
        except Exception as exc:
            if client.is_closed():
                return
            log.warning("Discord connection failed (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 300.0)


def build_discord(
    settings: DiscordSettings,
    *,
    token: str | None,
    webhook_url: str | None,
    store: ThreadBook,
    commands: Commands,
    clock: Callable[[], datetime],
) -> DiscordRuntime | None:
    """The Discord side from config and secrets: bot mode with a token, webhook mode with
    only a webhook URL, None when neither is set."""
    policy = DeliveryPolicy(
        rate_per_minute=settings.rate_per_minute,
        digest_minutes=settings.digest_minutes,
        backlog_digest_at=settings.backlog_digest_at,
        digest_size=settings.digest_size,
    )
    described = describe_discord(settings, token=token, webhook_url=webhook_url)
    if described is not None:
        log.info("%s", described)
    if token:
        client = NewsClient(
            commands,
            admin_role=settings.admin_role,
            guild_id=settings.guild_id,
            sync_commands=settings.sync_commands,
        )
        destination = DiscordDestination(
            client,
            settings.channel_id,
            store,
            clock,
            threads=settings.threads,
            policy=policy,
        )
        return DiscordRuntime(destination=destination, client=client, token=token)
    if webhook_url:
        hook = WebhookDestination(webhook_url, username=settings.webhook_username, policy=policy)
        return DiscordRuntime(destination=hook)
    return None


def describe_discord(
    settings: DiscordSettings, *, token: str | None, webhook_url: str | None
) -> str | None:
    """What the Discord side will be, in one line (None: no Discord secret is set); raises
    ConfigError as validate_discord does."""
    validate_discord(settings, token=token, webhook_url=webhook_url)
    if token:
        threads = "story threads" if settings.threads else "no threads"
        where = f"in server {settings.guild_id}" if settings.guild_id else "globally"
        line = f"discord: alerts in channel {settings.channel_id} ({threads}), /news {where}"
        if not settings.sync_commands:
            line += " (not registered at start: sync_commands = false)"
        if webhook_url:
            line += "; DISCORD_WEBHOOK_URL is not used in bot mode"
        return line
    if webhook_url:
        return "discord: alerts through the channel webhook (no /news commands, no threads)"
    return None


def validate_discord(
    settings: DiscordSettings, *, token: str | None, webhook_url: str | None
) -> None:
    """Raise ConfigError when the secrets and [discord] settings cannot work together."""
    if token and not settings.channel_id:
        raise ConfigError("discord.channel_id: required when DISCORD_TOKEN is set")
    if webhook_url and not token:
        problem = webhook_url_problem(webhook_url)
        if problem:
            raise ConfigError(f"DISCORD_WEBHOOK_URL: {problem}")
