"""Slack through slack_bolt and slack_sdk: alert destinations and the /news command app.

- `SlackDestination` posts Block Kit alerts with the bot token (`chat.postMessage`); the
  first alert of a story starts a thread and later ones reply in it (`thread_ts`).
- `SlackWebhookDestination` posts alerts through an incoming webhook (no threads, no
  commands).
- `SlackCommandApp` runs the `/news` command on an `AsyncApp`, over Socket Mode (default:
  no public URL needed) or HTTP (requests verified with the signing secret).

Retries belong to the delivery loop: clients here never retry by themselves, and every
failure becomes a ChatError (with Slack's Retry-After on a 429), so a message is never
posted twice by a hidden retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.base import DeliveryPolicy, OutgoingMessage, SentRef, marker, parse_marker
from bot.chat.slack_render import SlackMessage, render_digest, render_slack
from bot.errors import ChatError
from bot.models import alert_from_payload

if TYPE_CHECKING:
    from bot.chat.discord_render import EarlierLookup

log = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_RETRY_AFTER = 30.0
REQUEST_TIMEOUT = 30

# Errors that say this message (not the channel or the token) is what Slack refuses.
_MESSAGE_REFUSED = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "msg_blocks_too_long",
}
# Errors an admin has to fix; the alert waits (with backoff) until they do.
_NEEDS_ADMIN = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel (/invite @newsbot)",
    "is_archived": "the channel is archived",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid",
    "not_authed": "SLACK_BOT_TOKEN is missing",
    "account_inactive": "the bot's token was revoked or the app uninstalled",
    "token_revoked": "the bot's token was revoked",
    "missing_scope": "the app lacks the chat:write scope",
    "restricted_action": "the workspace does not allow the bot to post there",
}


class ThreadBook(Protocol):
    """Where the story → thread mapping lives (the store implements it)."""

    def story_thread(self, destination: str, story_id: str) -> dict[str, Any] | None: ...

    def save_story_thread(
        self,
        destination: str,
        story_id: str,
        *,
        channel_id: str | None,
        message_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> None: ...


def make_web_client(token: str, api_url: str = SLACK_API_URL) -> AsyncWebClient:
    """An AsyncWebClient with no built-in retries (the delivery loop owns retrying)."""
    return AsyncWebClient(token=token, base_url=api_url, timeout=REQUEST_TIMEOUT, retry_handlers=[])


def chat_error(exc: Exception, what: str = "Slack") -> ChatError:
    """A ChatError from a slack_sdk or network failure, with retry_after on a 429."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = str(exc.response.get("error") or "") if isinstance(exc.response.data, dict) else ""
        if status == 429 or code == "ratelimited":
            return ChatError(
                f"{what}: rate limited (HTTP 429)",
                retry_after=_retry_after(exc.response.headers),
            )
        hint = _NEEDS_ADMIN.get(code)
        if hint:
            return ChatError(f"{what}: {code}: {hint}")
        return ChatError(
            f"{what}: HTTP {status} {code or 'error'}", permanent=code in _MESSAGE_REFUSED
        )
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ChatError(f"{what}: timed out")
    return ChatError(f"{what}: {type(exc).__name__}: {exc}")


def _retry_after(headers: Any) -> float:
    try:
        for key, value in dict(headers or {}).items():
            if str(key).lower() == "retry-after":
                return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    return DEFAULT_RETRY_AFTER


_NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError, SlackClientError)


# ------------------------------------------------------------------ destinations

OUTBOX_EVENT = "newsbot_outbox"
HISTORY_LIMIT = 50


def _metadata(first_id: int, last_id: int) -> dict[str, Any]:
    """Invisible message metadata naming the outbox rows a message carries (for find_sent)."""
    return {"event_type": OUTBOX_EVENT, "event_payload": {"first_id": first_id, "last_id": last_id}}


def _carried_ids(message: dict[str, Any]) -> tuple[int, int] | None:
    """(first, last) outbox ids a Slack message carries: from its metadata, else its footer."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") == OUTBOX_EVENT:
        payload = metadata.get("event_payload") or {}
        try:
            return int(payload["first_id"]), int(payload["last_id"])
        except (KeyError, TypeError, ValueError):
            pass
    for block in message.get("blocks") or []:
        if block.get("type") != "context":
            continue
        for element in block.get("elements") or []:
            found = parse_marker(str(element.get("text") or ""))
            if found:
                return found
    return None


class SlackDestination:
    """Alerts and notices into one channel with the bot token; one thread per story.

    The first alert of a story is a channel message whose `ts` is stored as the story's
    thread; later alerts of the story reply in it (`thread_ts`). Every message carries
    its outbox ids in its metadata and footer, so after a crash `find_sent` can tell
    whether it already went out (needs the channels:history scope).
    """

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        store: ThreadBook | None,
        clock: Callable[[], datetime],
        *,
        threads: bool = True,
        broadcast_follow_ups: bool = False,
        policy: DeliveryPolicy | None = None,
        earlier: EarlierLookup | None = None,
        name: str = "slack",
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = client
        self._channel = channel
        self._store = store
        self._clock = clock
        self._threads = threads and store is not None
        self._broadcast = broadcast_follow_ups
        self._earlier = earlier

    async def send(self, message: OutgoingMessage) -> str | None:
        story = self._story_of(message)
        thread_ts = await self._thread_for(story)
        try:
            channel, ts = await self._post_one(message, thread_ts)
        except ChatError as exc:
            if thread_ts is None or "thread_not_found" not in str(exc):
                raise
            log.warning("slack: the thread of story %s is gone; starting a new one", story)
            thread_ts = None
            channel, ts = await self._post_one(message, None)
        if story and thread_ts is None and self._store is not None:
            await asyncio.to_thread(
                self._store.save_story_thread,
                self.name,
                story,
                channel_id=channel,
                message_id=ts,
                thread_id=ts,
                now=self._clock(),
            )
        return f"{channel}/{ts}"

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        alerts = [alert_from_payload(m.payload) for m in messages if m.kind == "alert"]
        notices = [str(m.payload.get("text") or "") for m in messages if m.kind != "alert"]
        first, last = messages[0].id, messages[-1].id
        rendered = render_digest(alerts, notices, ref=marker(first, last))
        channel, ts = await self._post_with_fallback(rendered, _metadata(first, last), None)
        return f"{channel}/{ts}"

    async def find_sent(self, message: OutgoingMessage) -> SentRef | None:
        """Look for this outbox row among the bot's recent messages (story thread first)."""
        places: list[str | None] = [None]
        story = self._story_of(message)
        thread_ts = await self._thread_for(story)
        if thread_ts:
            places.insert(0, thread_ts)
        for place in places:
            try:
                if place is None:
                    response = await self._client.conversations_history(
                        channel=self._channel, limit=HISTORY_LIMIT, include_all_metadata=True
                    )
                else:
                    response = await self._client.conversations_replies(
                        channel=self._channel,
                        ts=place,
                        limit=HISTORY_LIMIT,
                        include_all_metadata=True,
                    )
            except (SlackApiError, *_NETWORK_ERRORS) as exc:
                raise chat_error(exc, "Slack conversations history") from None
            channel = str(response.get("channel") or self._channel)
            for item in response.get("messages") or []:
                carried = _carried_ids(item)
                if carried and carried[0] == message.id:
                    return SentRef(ref=f"{channel}/{item['ts']}", through_id=carried[1])
        return None

    # ------------------------------------------------------------ helpers

    def _story_of(self, message: OutgoingMessage) -> str | None:
        if message.kind != "alert" or not self._threads:
            return None
        story = message.payload.get("story")
        return str(story) if story else None

    async def _thread_for(self, story: str | None) -> str | None:
        if story is None or self._store is None:
            return None
        row = await asyncio.to_thread(self._store.story_thread, self.name, story)
        if not row or not row.get("thread_id"):
            return None
        if row.get("channel_id") and not _same_channel(str(row["channel_id"]), self._channel):
            return None  # the channel changed since: start a new thread there
        return str(row["thread_id"])

    async def _post_one(self, message: OutgoingMessage, thread_ts: str | None) -> tuple[str, str]:
        rendered = render_slack(
            message.kind,
            message.payload,
            ref=marker(message.id),
            follow_up=thread_ts is not None,
            earlier=self._earlier,
        )
        return await self._post_with_fallback(
            rendered, _metadata(message.id, message.id), thread_ts
        )

    async def _post_with_fallback(
        self, rendered: SlackMessage, metadata: dict[str, Any], thread_ts: str | None
    ) -> tuple[str, str]:
        try:
            return await self._post(rendered, metadata, thread_ts)
        except ChatError as exc:
            if not exc.permanent:
                raise
            # Slack refused the blocks themselves: post the plain text rather than lose it.
            log.warning("slack refused a message's blocks (%s); sending it as text", exc)
            return await self._post(SlackMessage(text=rendered.text), metadata, thread_ts)

    async def _post(
        self, rendered: SlackMessage, metadata: dict[str, Any], thread_ts: str | None
    ) -> tuple[str, str]:
        kwargs: dict[str, Any] = {
            "channel": self._channel,
            "text": rendered.text,
            "unfurl_links": False,
            "unfurl_media": False,
            "link_names": False,
            "parse": "none",
            "metadata": metadata,
        }
        if rendered.blocks:
            kwargs["blocks"] = rendered.blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
            kwargs["reply_broadcast"] = self._broadcast
        try:
            response = await self._client.chat_postMessage(**kwargs)
        except (SlackApiError, *_NETWORK_ERRORS) as exc:
            raise chat_error(exc, "Slack chat.postMessage") from None
        return str(response.get("channel") or self._channel), str(response["ts"])


def _same_channel(stored: str, configured: str) -> bool:
    return stored == configured or configured.startswith("#")


class SlackWebhookDestination:
    """Alerts and notices through an incoming webhook: top-level messages, no threads.

    A webhook cannot read the channel, so after a crash in the instant between Slack
    accepting a message and the outbox recording it, that one message may appear twice.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "slack",
        policy: DeliveryPolicy | None = None,
        earlier: EarlierLookup | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = AsyncWebhookClient(url, timeout=REQUEST_TIMEOUT, retry_handlers=[])
        self._earlier = earlier

    async def send(self, message: OutgoingMessage) -> str | None:
        rendered = render_slack(
            message.kind, message.payload, ref=marker(message.id), earlier=self._earlier
        )
        await self._post_with_fallback(rendered)
        return None

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        alerts = [alert_from_payload(m.payload) for m in messages if m.kind == "alert"]
        notices = [str(m.payload.get("text") or "") for m in messages if m.kind != "alert"]
        ref = marker(messages[0].id, messages[-1].id)
        await self._post_with_fallback(render_digest(alerts, notices, ref=ref))
        return None

    async def _post_with_fallback(self, rendered: SlackMessage) -> None:
        try:
            await self._post(rendered)
        except ChatError as exc:
            if not exc.permanent:
                raise
            log.warning("slack webhook refused a message's blocks (%s); sending text", exc)
            await self._post(SlackMessage(text=rendered.text))

    async def _post(self, rendered: SlackMessage) -> None:
        try:
            response = await self._client.send(
                text=rendered.text,
                blocks=rendered.blocks or None,
                unfurl_links=False,
                unfurl_media=False,
            )
        except _NETWORK_ERRORS as exc:
            raise chat_error(exc, "Slack webhook") from None
        if response.status_code == 200:
            return
        body = (response.body or "").strip()[:100]
        if response.status_code == 429:
            raise ChatError(
                "Slack webhook: rate limited (HTTP 429)",
                retry_after=_retry_after(response.headers),
            )
        permanent = response.status_code == 400 and body.startswith("invalid_")
        raise ChatError(
            f"Slack webhook: HTTP {response.status_code} {body or 'error'}", permanent=permanent
        )
