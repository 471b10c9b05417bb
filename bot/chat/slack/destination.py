"""Slack destinations: the bot's channel with a thread per story, or an incoming webhook.

- `SlackDestination` posts Block Kit alerts with the bot token (`chat.postMessage`); the
  first alert of a story starts a thread and later ones reply in it (`thread_ts`), by the
  shared policy in bot/chat/threads.py.
- `SlackWebhookDestination` posts alerts through an incoming webhook (no threads).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.base import (
    DeliveryPolicy,
    OutgoingMessage,
    SentRef,
    digest_alerts,
    marker,
    parse_marker,
    split,
)
from bot.chat.slack.client import NETWORK_ERRORS, REQUEST_TIMEOUT, chat_error, retry_after
from bot.chat.slack.render import SlackMessage, render_digest, render_slack
from bot.chat.threads import StoryThreads, ThreadBook
from bot.chat.view import alert_view
from bot.chat.webhook import Webhook
from bot.errors import ChatError
from bot.models import alert_from_payload

log = logging.getLogger(__name__)

SETTLE_MARGIN = 5.0
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
        name: str = "slack",
        compact: bool = False,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = client
        self._channel = channel
        self._compact = compact  # one line per alert, no story threads
        self._threads = StoryThreads(
            store,
            name,
            clock,
            enabled=threads and not compact,
            same_channel=lambda stored: _same_channel(stored, channel),
        )
        self._broadcast = broadcast_follow_ups

    async def send(self, message: OutgoingMessage) -> str | None:
        if message.kind == "digest":  # a digest route's digest
            rendered = _digest(digest_alerts(message), scheduled=True)
            meta = _metadata(message.id, message.id)
            channel, ts = await self._post_with_fallback(rendered, meta, None)
            return f"{channel}/{ts}"
        story = self._story_of(message)

        async def start() -> tuple[str, str]:
            channel, ts = await self._post_one(message, None)

            async def same_ts() -> str:
                return ts

            await self._threads.record(
                story, channel_id=channel, message_id=ts, open_thread=same_ts
            )
            return channel, ts

        async def reply(thread_ts: str) -> tuple[str, str]:
            return await self._post_one(message, thread_ts)

        channel, ts = await self._threads.send(story, reply=reply, start=start)
        return f"{channel}/{ts}"

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        first, last = messages[0].id, messages[-1].id
        rendered = _digest(messages)
        channel, ts = await self._post_with_fallback(rendered, _metadata(first, last), None)
        return f"{channel}/{ts}"

    async def find_sent(self, message: OutgoingMessage) -> SentRef | None:
        """Look for this outbox row among the bot's recent messages (story thread first)."""
        places: list[str | None] = [None]
        story = self._story_of(message)
        thread_ts = await self._threads.lookup(story)
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
            except SlackApiError as exc:
                if place is not None and exc.response.get("error") == "thread_not_found":
                    continue  # the story's first message is gone: nothing to find there
                raise chat_error(exc, "Slack conversations history") from None
            except NETWORK_ERRORS as exc:
                raise chat_error(exc, "Slack conversations history") from None
            channel = str(response.get("channel") or self._channel)
            for item in response.get("messages") or []:
                carried = _carried_ids(item)
                if carried and carried[0] == message.id:
                    if place is None and carried[1] == message.id:
                        await self._keep_as_thread(story, channel, str(item["ts"]))
                    return SentRef(ref=f"{channel}/{item['ts']}", through_id=carried[1])
        return None

    @property
    def settle_seconds(self) -> float:
        """How long a request sent before a crash can still take to reach Slack: the
        client's own timeout, and a margin (Slack has no nonce to refuse a repeat)."""
        return float(self._client.timeout) + SETTLE_MARGIN

    async def _keep_as_thread(self, story: str | None, channel: str, ts: str) -> None:
        """A story's first alert found in the channel after a crash starts its thread."""

        async def same_ts() -> str:
            return ts

        await self._threads.adopt(story, channel_id=channel, message_id=ts, open_thread=same_ts)

    async def verify(self) -> None:
        """Check the bot token at start (auth.test): a refused one raises ChatError naming
        SLACK_BOT_TOKEN; an unreachable Slack only logs (delivery retries later)."""
        try:
            await self._client.auth_test()
        except SlackApiError as exc:
            raise ChatError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); use the app's "
                "Bot User OAuth Token (xoxb-…) from Install App"
            ) from None
        except NETWORK_ERRORS as exc:
            log.warning("slack: cannot reach Slack to check the bot token yet (%s)", exc)

    # ------------------------------------------------------------ helpers

    def _story_of(self, message: OutgoingMessage) -> str | None:
        if message.kind != "alert":
            return None
        story = message.payload.get("story")
        return str(story) if story else None

    async def _post_one(self, message: OutgoingMessage, thread_ts: str | None) -> tuple[str, str]:
        rendered = render_slack(
            message.kind,
            message.payload,
            ref=marker(message.id),
            follow_up=thread_ts is not None,
            context=message.context,
            compact=self._compact,
            buttons=True,
            destination=self.name,
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
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            raise chat_error(exc, "Slack chat.postMessage") from None
        return str(response.get("channel") or self._channel), str(response["ts"])


def _same_channel(stored: str, configured: str) -> bool:
    return stored == configured or configured.startswith("#")


class SlackWebhookDestination(Webhook[SlackMessage]):
    """Alerts and notices through an incoming webhook: top-level messages, no threads."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "slack",
        policy: DeliveryPolicy | None = None,
        compact: bool = False,
    ) -> None:
        super().__init__(name, policy, compact=compact)
        self._client = AsyncWebhookClient(url, timeout=REQUEST_TIMEOUT, retry_handlers=[])

    def render(self, message: OutgoingMessage) -> SlackMessage:
        return render_slack(
            message.kind,
            message.payload,
            ref=marker(message.id),
            context=message.context,
            compact=self.compact,
        )

    async def send(self, message: OutgoingMessage) -> str | None:
        if message.kind == "digest":  # a digest route's digest is headed "digest", as on a channel
            return await self.post(_digest(digest_alerts(message), scheduled=True))
        return await super().send(message)

    def render_digest(self, messages: Sequence[OutgoingMessage]) -> SlackMessage:
        return _digest(messages)  # a backlog: "… while you were away"

    async def post(self, rendered: SlackMessage) -> str | None:
        try:
            await self._post(rendered)
        except ChatError as exc:
            if not exc.permanent:
                raise
            log.warning("slack webhook refused a message's blocks (%s); sending text", exc)
            await self._post(SlackMessage(text=rendered.text))
        return None

    async def _post(self, rendered: SlackMessage) -> None:
        try:
            response = await self._client.send(
                text=rendered.text,
                blocks=rendered.blocks or None,
                unfurl_links=False,
                unfurl_media=False,
            )
        except NETWORK_ERRORS as exc:
            raise chat_error(exc, "Slack webhook") from None
        if response.status_code == 200:
            return
        body = (response.body or "").strip()[:100]
        if response.status_code == 429:
            raise ChatError(
                "Slack webhook: rate limited (HTTP 429)",
                retry_after=retry_after(response.headers),
            )
        permanent = response.status_code == 400 and body.startswith("invalid_")
        raise ChatError(
            f"Slack webhook: HTTP {response.status_code} {body or 'error'}", permanent=permanent
        )


def _digest(messages: Sequence[OutgoingMessage], *, scheduled: bool = False) -> SlackMessage:
    alerts, notices = split(messages)
    views = [alert_view(alert_from_payload(m.payload), m.context) for m in alerts]
    ref = marker(messages[0].id, messages[-1].id)
    return render_digest(views, notices, ref=ref, scheduled=scheduled)
