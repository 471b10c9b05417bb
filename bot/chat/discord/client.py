"""Discord's connection: the /news client, discord.py errors as ChatErrors, webhook URLs.

Bot mode (DISCORD_TOKEN): `NewsClient` (a discord.py client on the bot's event loop)
answers /news commands (discord/commands.py); the destinations (discord/destination.py)
post through its REST session. `chat_error` maps every discord.py or network failure to
the ChatError the delivery loop understands.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import cast

import aiohttp
import discord
from discord import app_commands

from bot.chat.answers import Answer
from bot.chat.commands import Commands
from bot.chat.discord.commands import (
    FeedbackButton,
    SearchPageButton,
    build_news_group,
    send_answer,
)
from bot.chat.discord.render import NO_MENTIONS
from bot.errors import ChatError

log = logging.getLogger(__name__)


def chat_error(exc: BaseException, what: str) -> ChatError:
    """A discord.py / network failure as a ChatError the delivery loop understands."""
    if isinstance(exc, discord.RateLimited):  # a wait longer than discord.py will sleep
        return ChatError(
            f"{what}: rate limited for {exc.retry_after:.0f}s", retry_after=exc.retry_after
        )
    if isinstance(exc, discord.HTTPException):
        status = exc.status
        text = f"{what}: Discord answered {status} {exc.text or exc.__class__.__name__}"[:300]
        if status == 429:
            return ChatError(text, retry_after=_retry_after(exc))
        if status == 403:
            return ChatError(
                f"{what}: missing permission (the bot needs View Channel, Send Messages, "
                "Embed Links, Create Public Threads and Send Messages in Threads)"
            )
        if status == 404:
            return ChatError(f"{what}: unknown channel or webhook (check discord.channel_id)")
        if status in (400, 413):
            return ChatError(text, permanent=True)
        return ChatError(text)
    if isinstance(exc, discord.GatewayNotFound | discord.ConnectionClosed):
        return ChatError(f"{what}: gateway unavailable ({exc})")
    return ChatError(f"{what}: network error ({exc.__class__.__name__}: {exc})")


def _retry_after(exc: discord.HTTPException) -> float | None:
    response = exc.response
    header = response.headers.get("Retry-After") if response is not None else None
    with contextlib.suppress(TypeError, ValueError):
        return float(header) if header is not None else None
    return None


NETWORK_ERRORS = (
    discord.HTTPException,
    discord.RateLimited,
    discord.GatewayNotFound,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


class NewsClient(discord.Client):
    """The bot's Discord connection: the command tree plus what commands need."""

    def __init__(
        self,
        commands: Commands,
        *,
        admin_role: str = "",
        guild_id: int = 0,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # The bot never joins voice, so discord.py's warnings that the voice libraries
        # (PyNaCl, davey) are missing are noise nobody can act on.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=60.0,
        )
        self.news = commands
        self.admin_role = admin_role
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.alert_destination = "discord"  # the destination alert buttons speak for
        self.tree: app_commands.CommandTree[NewsClient] = app_commands.CommandTree(self)
        self.tree.add_command(build_news_group())
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(SearchPageButton, FeedbackButton)
        if not self.sync_commands:
            return
        try:
            if self.guild_id:
                guild = discord.Object(id=self.guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()
        except discord.HTTPException as exc:
            log.error("could not register the /news commands with Discord: %s", exc)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)

    async def _on_command_error(
        self, interaction: discord.Interaction[NewsClient], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            text = str(error) or "You cannot use this command here."
        else:
            log.error("/news command failed", exc_info=error)
            text = "Something went wrong on our side; it has been logged. Please try again."
        await send_answer(interaction, Answer(title="Sorry", text=text, error=True))


def parse_webhook_url(url: str) -> tuple[int, str]:
    """(id, token) of a Discord webhook URL, read by discord.py's own parser, so what
    check-config accepts is exactly what delivery can use. ValueError when it cannot."""
    # from_url only reads the URL here; the session it would keep is never used.
    hook = discord.Webhook.from_url(url, session=cast(aiohttp.ClientSession, None))
    assert hook.token is not None
    return hook.id, hook.token


def webhook_url_problem(url: str) -> str | None:
    """Why discord.py cannot post through `url` (None: it can)."""
    try:
        parse_webhook_url(url.strip())
    except ValueError:
        hint = " (drop the API version, e.g. /v10)" if re.search(r"/api/v\d+/", url) else ""
        return (
            "expected https://discord.com/api/webhooks/<id>/<token>, as Discord's"
            f" Copy Webhook URL gives it{hint}"
        )
    return None
