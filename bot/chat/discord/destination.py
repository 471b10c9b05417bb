"""Discord destinations: the bot's channel (with a thread per story) or a webhook.

Every message goes out with no allowed mentions. Each send carries a nonce (Discord then
refuses to create the same message twice) and a "ref N" marker in its footer, which
`find_sent` looks for in the channel's recent history after a crash. Story threads
follow the shared policy (bot/chat/threads.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import aiohttp
import discord

from bot.chat.base import (
    DeliveryPolicy,
    OutgoingMessage,
    SentRef,
    digest_alerts,
    marker,
    parse_marker,
    split,
)
from bot.chat.discord.client import (
    NETWORK_ERRORS,
    chat_error,
    parse_webhook_url,
    webhook_url_problem,
)
from bot.chat.discord.render import (
    NO_MENTIONS,
    alert_buttons,
    alert_embed,
    compact_embed,
    digest_embed,
    notice_embed,
    thread_name,
)
from bot.chat.threads import StoryThreads, ThreadBook
from bot.chat.view import alert_view
from bot.chat.webhook import Webhook
from bot.errors import ChatError, ConfigError, ThreadGone
from bot.models import Alert, alert_from_payload

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100  # the most one request returns
THREAD_ARCHIVE_MINUTES = 10080  # a week


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
        store: ThreadBook,
        clock: Callable[[], datetime],
        *,
        name: str = "discord",
        threads: bool = True,
        policy: DeliveryPolicy | None = None,
        compact: bool = False,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = client
        self._channel_id = channel_id
        self._compact = compact  # one line per alert, no story threads
        self._threads = StoryThreads(store, name, clock, enabled=threads and not compact)

    async def send(self, message: OutgoingMessage) -> str | None:
        self._check_logged_in()
        ref = marker(message.id)
        if message.kind == "digest":
            return await self.send_digest(digest_alerts(message))
        if message.kind == "alert" and self._compact:
            view = alert_view(alert_from_payload(message.payload), message.context)
            buttons = alert_buttons(view.article_id, self.name)  # under every alert
            embeds = [compact_embed(view, ref)]
            sent = await self._post(self._channel_id, embeds, message.id, view=buttons)
            return str(sent["id"])
        if message.kind != "alert":
            text = str(message.payload.get("text") or "")
            sent = await self._post(self._channel_id, [notice_embed(text, ref)], message.id)
            return str(sent["id"])
        alert = alert_from_payload(message.payload)

        async def reply(thread: str) -> str:
            embed = alert_embed(alert_view(alert, message.context, follow_up=True), ref)
            buttons = alert_buttons(alert.article_id, self.name)
            sent = await self._post(int(thread), [embed], message.id, in_thread=True, view=buttons)
            return str(sent["id"])

        async def start() -> str:
            embed = alert_embed(alert_view(alert, message.context), ref)
            buttons = alert_buttons(alert.article_id, self.name)
            sent = str(
                (await self._post(self._channel_id, [embed], message.id, view=buttons))["id"]
            )
            await self._record(alert, sent)
            return sent

        return await self._threads.send(alert.story, reply=reply, start=start)

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
            thread = await self._threads.lookup(str(story) if story else None)
            if thread:
                places.insert(0, int(thread))
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
        if message.kind != "alert":
            return
        alert = alert_from_payload(message.payload)
        await self._threads.adopt(
            alert.story,
            channel_id=str(self._channel_id),
            message_id=message_id,
            open_thread=lambda: self._open_thread(alert, message_id),
        )

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
        view: discord.ui.View | None = None,
    ) -> dict[str, Any]:
        """Post one message. In a thread, NotFound/Forbidden (deleted, or locked to us)
        raise ThreadGone: the story starts over in the channel."""
        try:
            channel = self._client.get_partial_messageable(channel_id)
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            sent = await channel.send(
                embeds=embeds,
                nonce=_nonce(first_id, digest),
                allowed_mentions=NO_MENTIONS,
                **extra,
            )
        except NETWORK_ERRORS as exc:
            if in_thread and isinstance(exc, discord.NotFound | discord.Forbidden):
                raise ThreadGone(f"thread {channel_id}: Discord answered {exc.status}") from None
            raise chat_error(exc, f"posting to channel {channel_id}") from None
        return {"id": sent.id}

    async def _record(self, alert: Alert, message_id: str) -> None:
        await self._threads.record(
            alert.story,
            channel_id=str(self._channel_id),
            message_id=message_id,
            open_thread=lambda: self._open_thread(alert, message_id),
        )

    async def _open_thread(self, alert: Alert, message_id: str) -> str | None:
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
            return None
        return str(thread["id"])


class WebhookDestination(Webhook[discord.Embed]):
    """Alerts through a Discord webhook URL (no bot token, no commands, no threads)."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "discord",
        secret: str = "DISCORD_WEBHOOK_URL",
        username: str = "newsbot",
        policy: DeliveryPolicy | None = None,
        compact: bool = False,
    ) -> None:
        super().__init__(name, policy, compact=compact)
        problem = webhook_url_problem(url)
        if problem:
            raise ConfigError(f"{secret}: {problem}")
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

    def render(self, message: OutgoingMessage) -> discord.Embed:
        ref = marker(message.id)
        if message.kind == "alert":
            view = alert_view(alert_from_payload(message.payload), message.context)
            return compact_embed(view, ref) if self.compact else alert_embed(view, ref)
        return notice_embed(str(message.payload.get("text") or ""), ref)

    def render_digest(self, messages: Sequence[OutgoingMessage]) -> discord.Embed:
        return _digest(messages)

    async def post(self, rendered: discord.Embed) -> str | None:
        try:
            sent = await self._hook().send(
                embed=rendered, username=self._username, allowed_mentions=NO_MENTIONS, wait=True
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
