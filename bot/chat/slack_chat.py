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
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from aiohttp import web
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.base import DeliveryPolicy, OutgoingMessage, SentRef, marker, parse_marker
from bot.chat.commands import MAX_RECENT, Answer, Commands, error
from bot.chat.slack_render import (
    SEARCH_ACTION,
    SlackMessage,
    render_answer,
    render_digest,
    render_slack,
)
from bot.config import SlackConfig
from bot.errors import ChatError, ConfigError
from bot.feeds.fetch import Fetcher, FetchState
from bot.models import alert_from_payload
from bot.store import Store

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
            except SlackApiError as exc:
                if place is not None and exc.response.get("error") == "thread_not_found":
                    continue  # the story's first message is gone: nothing to find there
                raise chat_error(exc, "Slack conversations history") from None
            except _NETWORK_ERRORS as exc:
                raise chat_error(exc, "Slack conversations history") from None
            channel = str(response.get("channel") or self._channel)
            for item in response.get("messages") or []:
                carried = _carried_ids(item)
                if carried and carried[0] == message.id:
                    return SentRef(ref=f"{channel}/{item['ts']}", through_id=carried[1])
        return None

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
        except _NETWORK_ERRORS as exc:
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


# ------------------------------------------------------------------ the /news command

HELP = (
    "Usage: /news <command>\n"
    "search <words> — full-text search of everything seen\n"
    "recent [n] — the latest alerts (1-20, default 5)\n"
    "article <id or URL> — everything decided about one article\n"
    "story <id or words> — a story's timeline\n"
    "why <URL or id> — why an item was or was not posted\n"
    "status — feed health, last poll, outbox\n"
    "feeds list | add <URL> [name] | remove <URL> | import <OPML URL> — admins only"
)
NOT_ADMIN = (
    "Only workspace admins and owners (or users listed in slack.admin_user_ids) can manage feeds."
)
OOPS = "Something went wrong on our side; it has been logged. Please try again."
_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>$")

OpmlFetch = Callable[[str], Awaitable[tuple[bytes | None, str | None]]]


def unwrap_link(text: str) -> str:
    """`<https://x|label>` (how Slack may send a pasted link) → `https://x`."""
    text = text.strip()
    match = _SLACK_LINK.match(text)
    return match.group(1) if match else text


class SlackCommandApp:
    """`/news` on a Bolt AsyncApp, over Socket Mode (default) or HTTP.

    Every command is acknowledged at once (Slack allows 3 s), then answered through
    `respond` (the command's response_url) when the answer is ready. Answers are
    ephemeral unless the command's answer is public (feed changes); errors are one short
    ephemeral line, never a traceback.
    """

    def __init__(
        self,
        commands: Commands,
        *,
        bot_token: str,
        mode: str = "socket",
        app_token: str | None = None,
        signing_secret: str | None = None,
        admin_user_ids: Sequence[str] = (),
        http_host: str = "0.0.0.0",
        http_port: int = 3000,
        http_path: str = "/slack/events",
        fetch_opml: OpmlFetch | None = None,
        api_url: str = SLACK_API_URL,
    ) -> None:
        from slack_bolt.async_app import AsyncApp

        if mode == "socket" and not app_token:
            raise ConfigError("SLACK_APP_TOKEN: Socket Mode needs the app-level token")
        if mode == "http" and not signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET: HTTP mode needs the signing secret")
        self.mode = mode
        self._commands = commands
        self._admins = frozenset(admin_user_ids)
        self._app_token = app_token
        self._api_url = api_url
        self._http = (http_host, http_port, http_path)
        self._fetch_opml = fetch_opml
        self._socket: Any = None
        self._runner: web.AppRunner | None = None
        self._connecting: asyncio.Task[None] | None = None
        self.port: int | None = None
        self.app = AsyncApp(
            client=AsyncWebClient(token=bot_token, base_url=api_url, timeout=REQUEST_TIMEOUT),
            signing_secret=signing_secret or "",
            request_verification_enabled=mode == "http",
            logger=logging.getLogger("bot.chat.slack_bolt"),
        )
        self.app.command("/news")(self._on_news)
        self.app.action(re.compile(rf"^{SEARCH_ACTION}_\d+$"))(self._on_search_page)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect (Socket Mode) or listen (HTTP). A refused token raises ChatError; a
        network failure keeps retrying in the background."""
        if self.mode == "http":
            host, port, path = self._http
            self._runner = web.AppRunner(self.app.web_app(path=path, port=port))
            await self._runner.setup()
            await web.TCPSite(self._runner, host, port).start()
            self.port = int(self._runner.addresses[0][1])
            log.info("slack: listening for /news on http://%s:%s%s", host, self.port, path)
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        web_client = AsyncWebClient(base_url=self._api_url, timeout=REQUEST_TIMEOUT)
        self._socket = AsyncSocketModeHandler(
            self.app, app_token=self._app_token, web_client=web_client
        )
        # slack_sdk's connect() retries for ever, even with a refused token, so the token
        # is checked here first: a wrong one stops the bot with a clear message.
        try:
            opened = await web_client.apps_connections_open(app_token=self._app_token or "")
            self._socket.client.wss_uri = str(opened["url"])
        except SlackApiError as exc:
            raise ChatError(
                f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}); it must be the "
                "app-level token (xapp-…) with the connections:write scope, and Socket Mode "
                "must be on in the app's settings"
            ) from None
        except _NETWORK_ERRORS as exc:
            log.warning("slack: cannot reach Slack yet (%s); connecting in the background", exc)
        self._connecting = asyncio.create_task(self._connect(), name="slack-socket-mode")

    async def _connect(self) -> None:
        await self._socket.connect_async()  # retries by itself until connected or closed
        log.info("slack: connected over Socket Mode")

    async def stop(self) -> None:
        """Disconnect or stop listening; safe to call twice."""
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
            self._connecting = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------ listeners

    async def _on_news(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            answer = await self.answer(
                str(command.get("text") or ""), str(command.get("user_id") or ""), client
            )
        except Exception:
            log.exception("/news %s failed", str(command.get("text") or "")[:100])
            answer = error(OOPS)
        await _send(respond, answer)

    async def _on_search_page(
        self, ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            value = json.loads(str(action.get("value") or "{}"))
            query, page = str(value["q"]), int(value["p"])
            answer = await asyncio.to_thread(self._commands.search, query, page)
        except (ValueError, KeyError, TypeError):
            answer = error("That button no longer works; run /news search again.")
        except Exception:
            log.exception("/news search paging failed")
            answer = error(OOPS)
        await _send(respond, answer, replace_original=not answer.error)

    # ------------------------------------------------------------ commands

    async def answer(self, text: str, user_id: str, client: AsyncWebClient) -> Answer:
        """The answer to `/news <text>` asked by `user_id`."""
        sub, _, rest = text.strip().partition(" ")
        sub, rest = sub.lower(), rest.strip()
        c = self._commands
        if sub in ("", "help"):
            return Answer(title="newsbot: /news", text=HELP)
        if sub == "search":
            if not rest:
                return error("Usage: /news search <words>")
            return await asyncio.to_thread(c.search, rest, 1)
        if sub == "recent":
            try:
                n = int(rest) if rest else 5
            except ValueError:
                return error("Usage: /news recent [n] (a number from 1 to 20)")
            if not 1 <= n <= MAX_RECENT:
                return error("Usage: /news recent [n] (a number from 1 to 20)")
            return await asyncio.to_thread(c.recent, n)
        if sub in ("article", "story", "why"):
            if not rest:
                what = {"article": "<id or URL>", "story": "<id or words>", "why": "<URL or id>"}
                return error(f"Usage: /news {sub} {what[sub]}")
            method = {"article": c.article, "story": c.story, "why": c.why}[sub]
            return await asyncio.to_thread(method, unwrap_link(rest))
        if sub == "status":
            return await asyncio.to_thread(c.status)
        if sub == "feeds":
            if not await self.is_admin(user_id, client):
                return error(NOT_ADMIN)
            return await self._feeds(rest)
        return error(f"Unknown command “{sub[:40]}”. Try /news help.")

    async def _feeds(self, text: str) -> Answer:
        action, _, rest = text.partition(" ")
        action, rest = action.lower(), rest.strip()
        c = self._commands
        if action in ("", "list"):
            return await asyncio.to_thread(c.feeds_list)
        url, _, name = rest.partition(" ")
        url = unwrap_link(url)
        if action == "add":
            if not url:
                return error("Usage: /news feeds add <URL> [name]")
            return await c.feeds_add(url, name.strip())
        if action == "remove":
            if not url:
                return error("Usage: /news feeds remove <URL>")
            return await c.feeds_remove(url)
        if action == "import":
            if not url or self._fetch_opml is None:
                return error("Usage: /news feeds import <URL of an OPML file>")
            data, problem = await self._fetch_opml(url)
            if data is None:
                return error(f"Could not fetch that file: {problem or 'no answer'}")
            return await c.feeds_import(data)
        return error("Usage: /news feeds list | add <URL> [name] | remove <URL> | import <URL>")

    async def is_admin(self, user_id: str, client: AsyncWebClient) -> bool:
        """A workspace admin or owner (users.info), or a user listed in slack.admin_user_ids."""
        if user_id in self._admins:
            return True
        if not user_id:
            return False
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, *_NETWORK_ERRORS) as exc:
            log.warning("slack: users.info for %s failed (%s); treating as non-admin", user_id, exc)
            return False
        user = response.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


async def _send(respond: AsyncRespond, answer: Answer, *, replace_original: bool = False) -> None:
    message = render_answer(answer)
    public = answer.public and not answer.error
    await respond(
        text=message.text,
        blocks=message.blocks,
        response_type="in_channel" if public else "ephemeral",
        replace_original=replace_original,
        unfurl_links=False,
        unfurl_media=False,
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
    )
    earlier = _earlier_from_store(store)
    if not bot_token:
        assert webhook_url is not None
        return SlackRuntime(SlackWebhookDestination(webhook_url, policy=policy, earlier=earlier))
    destination = SlackDestination(
        make_web_client(bot_token, api_url),
        settings.channel,
        store,
        clock,
        threads=settings.threads,
        broadcast_follow_ups=settings.broadcast_follow_ups,
        policy=policy,
        earlier=earlier,
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


def _earlier_from_store(store: Store) -> EarlierLookup:
    """Earlier coverage as links, from the articles table (same lookup as on Discord)."""
    from bot.chat.discord_render import EarlierItem

    def lookup(article_id: str) -> EarlierItem | None:
        row = store.get_article(article_id)
        if row is None:
            return None
        return EarlierItem(title=row["title"] or article_id, url=row["url"], source=row["source"])

    return lookup


def opml_fetcher(fetcher: Fetcher) -> OpmlFetch:
    """`/news feeds import <URL>`: Slack commands carry no files, so the OPML is fetched
    (with the feed fetcher's timeouts and size cap)."""

    async def fetch(url: str) -> tuple[bytes | None, str | None]:
        if not url.startswith(("http://", "https://")):
            return None, "the URL must start with http:// or https://"
        result = await fetcher.fetch(FetchState(url=url))
        if result.status != "ok":
            return None, result.error or f"HTTP answer {result.status}"
        return result.body, None

    return fetch
