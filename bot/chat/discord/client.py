"""Discord: the alert destinations (bot or webhook), the client, and how they are built.

Bot mode (DISCORD_TOKEN): a discord.py client on the bot's event loop posts alerts to one
channel, opens a thread per story, and answers /news commands (discord/commands.py).
Webhook mode (DISCORD_WEBHOOK_URL only): alerts go through the webhook; no commands then.

Every message goes out with no allowed mentions. Each send carries a nonce (Discord then
refuses to create the same message twice) and a "ref N" marker in its footer, which
`find_sent` looks for in the channel's recent history after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import aiohttp
import discord
from discord import app_commands

from bot.chat.base import (
    DeliveryPolicy,
    OutgoingMessage,
    SentRef,
    marker,
    parse_marker,
    split,
)
from bot.chat.commands import Answer, Commands
from bot.chat.discord.commands import SearchPageButton, build_news_group, send_answer
from bot.chat.discord.render import (
    NO_MENTIONS,
    alert_embed,
    digest_embed,
    notice_embed,
    thread_name,
)
from bot.chat.view import alert_view
from bot.config import DiscordSettings
from bot.errors import ChatError, ConfigError
from bot.models import Alert, alert_from_payload
from bot.store import Store

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100  # the most one request returns
THREAD_ARCHIVE_MINUTES = 10080  # a week


# ================================================================== errors


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


# ================================================================== destinations


def _nonce(first_id: int, digest: bool = False) -> str:
    return f"nb{first_id}{'d' if digest else ''}"


def _message_marker(message: dict[str, Any]) -> tuple[int, int] | None:
    for embed in message.get("embeds") or []:
        footer = (embed.get("footer") or {}).get("text") or ""
        found = parse_marker(footer)
        if found:
            return found
    return None


class DiscordDestination:
    """Alerts to one channel through the bot's REST session; one thread per story."""

    def __init__(
        self,
        client: discord.Client,
        channel_id: int,
        store: Store,
        clock: Callable[[], datetime],
        *,
        name: str = "discord",
        threads: bool = True,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = client
        self._channel_id = channel_id
        self._store = store
        self._clock = clock
        self._threads = threads

    async def send(self, message: OutgoingMessage) -> str | None:
        self._check_logged_in()
        ref = marker(message.id)
        if message.kind != "alert":
            text = str(message.payload.get("text") or "")
            sent = await self._post(self._channel_id, [notice_embed(text, ref)], message.id)
            return str(sent["id"])
        alert = alert_from_payload(message.payload)
        thread = await self._thread_for(alert)
        if thread is not None:
            embed = alert_embed(alert_view(alert, message.context, follow_up=True), ref)
            try:
                sent = await self._post(int(thread), [embed], message.id, in_thread=True)
                return str(sent["id"])
            except (discord.NotFound, discord.Forbidden) as exc:
                # Deleted, or locked to us: the story starts over in the channel.
                log.warning(
                    "cannot post in thread %s of story %s (%s); opening a new one",
                    thread,
                    alert.story,
                    exc.status,
                )
        embed = alert_embed(alert_view(alert, message.context), ref)
        sent = await self._post(self._channel_id, [embed], message.id)
        if alert.story and self._threads:
            await self._open_thread(alert, str(sent["id"]))
        return str(sent["id"])

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        self._check_logged_in()
        embed = _digest(messages)
        sent = await self._post(self._channel_id, [embed], messages[0].id, digest=True)
        return str(sent["id"])

    async def find_sent(self, message: OutgoingMessage) -> SentRef | None:
        """Look for this outbox message in the recent history of the channel (and thread)."""
        self._check_logged_in()
        places = [self._channel_id]
        if message.kind == "alert":
            story = message.payload.get("story")
            thread = self._store.story_thread(self.name, str(story)) if story else None
            if thread and thread.get("thread_id"):
                places.insert(0, int(thread["thread_id"]))
        for place in places:
            try:
                raw = await self._client.http.logs_from(place, HISTORY_LIMIT)
                history = cast(list[dict[str, Any]], raw)
            except discord.NotFound:
                continue  # a deleted thread or channel holds nothing
            except discord.Forbidden as exc:
                if place != self._channel_id:
                    continue  # a thread locked to us: send() starts the story over anyway
                raise chat_error(exc, f"reading channel {place}") from None
            except NETWORK_ERRORS as exc:
                raise chat_error(exc, f"reading channel {place}") from None
            me = self._client.user.id if self._client.user else None
            for item in history:
                author = (item.get("author") or {}).get("id")
                if me is not None and str(author) != str(me):
                    continue
                span = _message_marker(item)
                nonce = str(item.get("nonce") or "")
                if nonce in (_nonce(message.id), _nonce(message.id, True)) or (
                    span and span[0] == message.id
                ):
                    through = span[1] if span else message.id
                    if place == self._channel_id and through == message.id:
                        await self._finish_story(message, str(item["id"]))
                    return SentRef(ref=str(item["id"]), through_id=through)
        return None

    async def _finish_story(self, message: OutgoingMessage, message_id: str) -> None:
        """A first alert found after a crash may still lack its story thread: open it."""
        if message.kind != "alert" or not self._threads:
            return
        alert = alert_from_payload(message.payload)
        if alert.story and await self._thread_for(alert) is None:
            await self._open_thread(alert, message_id)

    # ------------------------------------------------------------ helpers

    def _check_logged_in(self) -> None:
        if self._client.is_closed() or self._client.user is None:
            raise ChatError("Discord client is not logged in yet", retry_after=2)

    async def _post(
        self,
        channel_id: int,
        embeds: list[discord.Embed],
        first_id: int,
        digest: bool = False,
        *,
        in_thread: bool = False,
    ) -> dict[str, Any]:
        """Post one message. With in_thread, NotFound/Forbidden reach the caller as they are."""
        try:
            channel = self._client.get_partial_messageable(channel_id)
            sent = await channel.send(
                embeds=embeds,
                nonce=_nonce(first_id, digest),
                allowed_mentions=NO_MENTIONS,
            )
        except NETWORK_ERRORS as exc:
            if in_thread and isinstance(exc, discord.NotFound | discord.Forbidden):
                raise
            raise chat_error(exc, f"posting to channel {channel_id}") from None
        return {"id": sent.id}

    async def _thread_for(self, alert: Alert) -> str | None:
        if not (self._threads and alert.story):
            return None
        row = await asyncio.to_thread(self._store.story_thread, self.name, alert.story)
        return str(row["thread_id"]) if row and row.get("thread_id") else None

    async def _open_thread(self, alert: Alert, message_id: str) -> None:
        name = thread_name(alert.story_title or alert.title or alert.story or "story")
        try:
            thread = await self._client.http.start_thread_with_message(
                self._channel_id,
                message_id,
                name=name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,  # type: ignore[arg-type]
            )
        except NETWORK_ERRORS as exc:
            # The alert itself went out; the story simply has no thread yet.
            log.warning("could not open a thread for story %s: %s", alert.story, exc)
            return
        assert alert.story is not None
        await asyncio.to_thread(
            self._store.save_story_thread,
            self.name,
            alert.story,
            channel_id=str(self._channel_id),
            message_id=message_id,
            thread_id=str(thread["id"]),
            now=self._clock(),
        )


class WebhookDestination:
    """Alerts through a Discord webhook URL (no bot token, no commands, no threads).

    A webhook cannot read the channel, so after a crash in the instant between Discord
    accepting a message and the outbox recording it, that one message may appear twice.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "discord",
        username: str = "newsbot",
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        problem = webhook_url_problem(url)
        if problem:
            raise ConfigError(f"DISCORD_WEBHOOK_URL: {problem}")
        self._id, self._token = parse_webhook_url(url)
        self._username = username
        self._session: aiohttp.ClientSession | None = None
        self._webhook: discord.Webhook | None = None

    def _hook(self) -> discord.Webhook:
        if self._webhook is None:
            # The URL was parsed when this was built: nothing can fail after the session opens.
            self._session = aiohttp.ClientSession()
            self._webhook = discord.Webhook.partial(self._id, self._token, session=self._session)
        return self._webhook

    async def send(self, message: OutgoingMessage) -> str | None:
        ref = marker(message.id)
        if message.kind == "alert":
            embed = alert_embed(
                alert_view(alert_from_payload(message.payload), message.context), ref
            )
        else:
            embed = notice_embed(str(message.payload.get("text") or ""), ref)
        return await self._post(embed)

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        return await self._post(_digest(messages))

    async def _post(self, embed: discord.Embed) -> str:
        try:
            sent = await self._hook().send(
                embed=embed, username=self._username, allowed_mentions=NO_MENTIONS, wait=True
            )
        except NETWORK_ERRORS as exc:
            raise chat_error(exc, "posting through the webhook") from None
        return str(sent.id)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self._webhook = None


def _digest(messages: Sequence[OutgoingMessage]) -> discord.Embed:
    alerts, notices = split(messages)
    views = [alert_view(alert_from_payload(m.payload), m.context) for m in alerts]
    ref = marker(messages[0].id, messages[-1].id)
    return digest_embed(views, notices, ref, reason="digest")


# ================================================================== client


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
        self.tree: app_commands.CommandTree[NewsClient] = app_commands.CommandTree(self)
        self.tree.add_command(build_news_group())
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(SearchPageButton)
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


# ================================================================== runtime


@dataclass
class DiscordRuntime:
    """What __main__ runs: the destination, and in bot mode the client and its token."""

    destination: DiscordDestination | WebhookDestination
    client: NewsClient | None = None
    token: str | None = None

    def start(self) -> asyncio.Task[None] | None:
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
    store: Store,
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
