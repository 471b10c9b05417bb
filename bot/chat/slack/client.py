"""Slack through slack_sdk: the alert destinations and the Slack runtime of the bot.

- `SlackDestination` posts Block Kit alerts with the bot token (`chat.postMessage`); the
  first alert of a story starts a thread and later ones reply in it (`thread_ts`).
- `SlackWebhookDestination` posts alerts through an incoming webhook (no threads, no
  commands).
- `check_slack` / `build_slack` turn config and secrets into a `SlackRuntime`: a
  destination and, with a bot token, the `/news` app (bot/chat/slack/commands.py, a Bolt
  `AsyncApp` over Socket Mode or HTTP).

Retries belong to the delivery loop: clients here never retry by themselves, and every
failure becomes a ChatError (with Slack's Retry-After on a 429), so a message is never
posted twice by a hidden retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.base import DeliveryPolicy, OutgoingMessage, SentRef, marker, parse_marker, split
from bot.chat.commands import Commands
from bot.chat.slack.render import SlackMessage, render_digest, render_slack
from bot.chat.view import alert_view
from bot.config import SlackConfig
from bot.errors import ChatError, ConfigError
from bot.models import alert_from_payload
from bot.store import Store

if TYPE_CHECKING:
    from bot.chat.slack.commands import OpmlFetch, SlackCommandApp

log = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_RETRY_AFTER = 30.0
REQUEST_TIMEOUT = 30
SETTLE_MARGIN = 5.0

# Errors that say this message (not the channel or the token) is what Slack refuses.
_MESSAGE_REFUSED = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "msg_blocks_too_long",
}
# Errors that say a story's thread can take no more replies: the story starts a new one.
_THREAD_GONE = ("thread_not_found", "cannot_reply_to_message")
# Errors an admin has to fix; the alert waits (with backoff) until they do.
_NEEDS_ADMIN = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel (/invite @newsbot)",
    "is_archived": "the channel is archived",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid",
    "not_authed": "SLACK_BOT_TOKEN is missing",
    "account_inactive": "the bot's token was revoked or the app uninstalled",
    "token_revoked": "the bot's token was revoked",
    "missing_scope": "the app lacks a scope it needs (see README, Slack app scopes)",
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
        if code == "missing_scope" and exc.response.get("needed"):
            hint = f"add the {exc.response.get('needed')} scope to the Slack app and reinstall it"
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


NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError, SlackClientError)


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

    async def send(self, message: OutgoingMessage) -> str | None:
        story = self._story_of(message)
        thread_ts = await self._thread_for(story)
        try:
            channel, ts = await self._post_one(message, thread_ts)
        except ChatError as exc:
            if thread_ts is None or not any(code in str(exc) for code in _THREAD_GONE):
                raise
            log.warning(
                "slack: cannot reply in the thread of story %s (%s); starting a new one", story, exc
            )
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
        alerts, notices = split(messages)
        views = [alert_view(alert_from_payload(m.payload), m.context) for m in alerts]
        first, last = messages[0].id, messages[-1].id
        rendered = render_digest(views, notices, ref=marker(first, last))
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
        """A story's first alert found in the channel after a crash starts its thread, as
        it would have had the send been recorded."""
        if story is None or self._store is None or await self._thread_for(story):
            return
        await asyncio.to_thread(
            self._store.save_story_thread,
            self.name,
            story,
            channel_id=channel,
            message_id=ts,
            thread_id=ts,
            now=self._clock(),
        )

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
            context=message.context,
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
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = AsyncWebhookClient(url, timeout=REQUEST_TIMEOUT, retry_handlers=[])

    async def send(self, message: OutgoingMessage) -> str | None:
        rendered = render_slack(
            message.kind, message.payload, ref=marker(message.id), context=message.context
        )
        await self._post_with_fallback(rendered)
        return None

    async def send_digest(self, messages: Sequence[OutgoingMessage]) -> str | None:
        alerts, notices = split(messages)
        views = [alert_view(alert_from_payload(m.payload), m.context) for m in alerts]
        ref = marker(messages[0].id, messages[-1].id)
        await self._post_with_fallback(render_digest(views, notices, ref=ref))
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
        except NETWORK_ERRORS as exc:
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


# ------------------------------------------------------------------ runtime


@dataclass
class SlackRuntime:
    """What __main__ runs: the alert destination and, with a bot token, the /news app."""

    destination: SlackDestination | SlackWebhookDestination
    app: SlackCommandApp | None = None

    async def start(self) -> None:
        """Check the bot token, then connect the /news app (when there is one)."""
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
    store: Store,
    commands: Commands,
    clock: Callable[[], datetime],
    fetch_opml: OpmlFetch | None = None,
    api_url: str | None = None,
) -> SlackRuntime | None:
    """The Slack side from config and secrets (None when no Slack secret is set).

    With SLACK_BOT_TOKEN: alerts into slack.channel with story threads, and /news over
    Socket Mode (SLACK_APP_TOKEN) or HTTP (SLACK_SIGNING_SECRET). With only
    SLACK_WEBHOOK_URL: alerts through the webhook, no commands.
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
    api_url = api_url or SLACK_API_URL  # read at call time: tests point it at a local fake
    policy = DeliveryPolicy(
        rate_per_minute=settings.rate_per_minute,
        digest_minutes=settings.digest_minutes,
        backlog_digest_at=settings.backlog_digest_at,
        digest_size=settings.digest_size,
    )
    if not bot_token:
        assert webhook_url is not None
        return SlackRuntime(SlackWebhookDestination(webhook_url, policy=policy))
    from bot.chat.slack.commands import SlackCommandApp

    destination = SlackDestination(
        make_web_client(bot_token, api_url),
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
        fetch_opml=fetch_opml,
        api_url=api_url,
    )
    return SlackRuntime(destination, app)
