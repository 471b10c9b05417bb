"""Slack's /news command: a Bolt AsyncApp over Socket Mode (default) or HTTP.

Parsing `/news <text>`, who is an admin, acknowledging within Slack's 3 s and answering
through `respond` (in HTTP mode each request first passes slack/http.py's replay guard); what
each command knows lives in the platform-neutral bot/chat/commands.py and how answers look
in bot/chat/slack/render.py. With routes into other workspaces (slack/workspaces.py), one
app answers in each of them, with that workspace's bot token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.answers import Answer, error
from bot.chat.commands import MAX_RECENT, Commands
from bot.chat.feedback_commands import BUTTON_KINDS, Reader
from bot.chat.slack.answers import SEARCH_ACTION, render_answer
from bot.chat.slack.client import NETWORK_ERRORS, REQUEST_TIMEOUT, SLACK_API_URL
from bot.chat.slack.http import ReplayGuard, guard_middleware
from bot.chat.slack.render import FEEDBACK_ACTION
from bot.chat.slack.workspaces import REFUSED, Workspaces
from bot.errors import ChatError, ConfigError
from bot.feeds.limits import MAX_PREVIEW_ITEMS
from bot.routes import read_button_value

log = logging.getLogger(__name__)

HELP = (
    "Usage: /news <command>\n"
    "search <words> — full-text search of everything seen\n"
    "recent [n] — the latest alerts (1-20, default 5)\n"
    "article <id or URL> — everything decided about one article\n"
    "story <id or words> — a story's timeline\n"
    "why <URL or id> — why an item was or was not posted\n"
    "status — feed health, last poll, outbox\n"
    "missed <URL> — report a story the bot did not post (admins: it is posted)\n"
    "forget <number> — revoke a piece of feedback (numbers in /news why)\n"
    "retrain — refit the relevance model on feedback (admins)\n"
    "feeds list | add <URL> [name] | remove <URL> | import <OPML URL> — admins only\n"
    "route list | add <name> [key=value …] | remove <name> — admins only (alerts that match"
    " go to this channel)\n"
    "feeds pause <URL> | resume <URL> | interval <URL> <minutes> | preview <URL> [items]"
    " — admins only; a preview is a dry run only you see"
)
NOT_ADMIN = (
    "Only workspace admins and owners (or users listed in slack.admin_user_ids) can manage feeds."
)
OOPS = "Something went wrong on our side; it has been logged. Please try again."
_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>$")


def unwrap_link(text: str) -> str:
    """`<https://x|label>` (how Slack may send a pasted link) → `https://x`."""
    text = text.strip()
    match = _SLACK_LINK.match(text)
    return match.group(1) if match else text


class _UnusedTokenWarning(logging.Filter):
    """Drops Bolt's "`token` will be unused" warning: Bolt reads SLACK_BOT_TOKEN from the
    environment itself, sees the client this module builds with that same token, and warns
    at every start about a conflict there is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


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
        api_url: str = SLACK_API_URL,
        workspaces: Workspaces | None = None,
    ) -> None:
        """`workspaces`: the bot tokens of several workspaces (SLACK_BOT_TOKEN's among them);
        each request is then answered with its own workspace's token."""
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
        self._replays = ReplayGuard(signing_secret or "-")  # HTTP mode only
        self._socket: Any = None
        self._runner: web.AppRunner | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._workspaces = workspaces
        self.port: int | None = None
        bolt_log = logging.getLogger("bot.chat.slack_bolt")
        if not any(isinstance(f, _UnusedTokenWarning) for f in bolt_log.filters):
            bolt_log.addFilter(_UnusedTokenWarning())
        if workspaces is None:
            self.app = AsyncApp(
                client=AsyncWebClient(token=bot_token, base_url=api_url, timeout=REQUEST_TIMEOUT),
                signing_secret=signing_secret or "",
                request_verification_enabled=mode == "http",
                logger=bolt_log,
            )
        else:  # the token comes per request, from the request's team

            async def authorize(team_id: str | None, enterprise_id: str | None) -> Any:
                # a plain function: Bolt passes arguments by their names (a bound method's
                # `self` would be one of them)
                return await workspaces.authorize(team_id, enterprise_id)

            self.app = AsyncApp(
                client=AsyncWebClient(base_url=api_url, timeout=REQUEST_TIMEOUT),
                authorize=authorize,
                user_facing_authorize_error_message=REFUSED,
                signing_secret=signing_secret or "",
                request_verification_enabled=mode == "http",
                logger=bolt_log,
            )
        self.app.command("/news")(self._on_news)
        self.app.action(re.compile(rf"^{SEARCH_ACTION}_\d+$"))(self._on_search_page)
        kinds = "|".join(BUTTON_KINDS)
        self.app.action(re.compile(rf"^{FEEDBACK_ACTION}_({kinds})$"))(self._on_feedback)
        self.alert_destination = "slack"  # the destination alert buttons speak for

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect (Socket Mode) or listen (HTTP). A refused token raises ChatError; a
        network failure keeps retrying in the background."""
        if self._workspaces is not None:
            await self._workspaces.resolve()
        if self.mode == "http":
            host, port, path = self._http
            web_app = self.app.web_app(path=path, port=port)
            web_app.middlewares.append(guard_middleware(self._replays, path))
            self._runner = web.AppRunner(web_app)
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
        except NETWORK_ERRORS as exc:
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
                str(command.get("text") or ""),
                str(command.get("user_id") or ""),
                client,
                channel_id=str(command.get("channel_id") or ""),
                user_name=str(command.get("user_name") or ""),
                team_id=str(command.get("team_id") or ""),
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

    async def _on_feedback(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        """A click on an alert's button: acknowledged at once, answered to the clicker only."""
        await ack()
        kind = str(action.get("action_id") or "").removeprefix(f"{FEEDBACK_ACTION}_")
        article_id, destination = read_button_value(
            str(action.get("value") or ""), self.alert_destination
        )
        user = body.get("user") or {}
        user_id = str(user.get("id") or "")
        c = self._commands
        try:
            if kind == "verdict":
                answer = await asyncio.to_thread(c.article, article_id)
            else:
                admin = kind == "mute" and await self.is_admin(user_id, client)
                name = str(user.get("username") or user.get("name") or user_id)
                reader = Reader(user_id, name, admin)
                answer = await asyncio.to_thread(
                    c.feedback_click, kind, article_id, destination, reader
                )
        except Exception:
            log.exception("alert button %s failed", kind)
            answer = error(OOPS)
        await _send(respond, answer)

    # ------------------------------------------------------------ commands

    async def answer(
        self,
        text: str,
        user_id: str,
        client: AsyncWebClient,
        *,
        channel_id: str = "",
        user_name: str = "",
        team_id: str = "",
    ) -> Answer:
        """The answer to `/news <text>` asked by `user_id` in `channel_id` of `team_id`."""
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
        if sub in ("missed", "retrain", "forget"):
            admin = await self.is_admin(user_id, client)
            reader = Reader(user_id, user_name or user_id, admin)
            if sub == "retrain":
                return await c.retrain(reader)
            if sub == "missed":
                if not rest:
                    return error("Usage: /news missed <URL of the article>")
                return await c.missed(unwrap_link(rest), reader)
            number = re.fullmatch(r"#?([0-9]{1,18})", rest)  # ASCII digits only ("²" is not)
            if number is None:
                return error("Usage: /news forget <feedback number> (see /news why)")
            return await asyncio.to_thread(c.forget, int(number.group(1)), reader)
        if sub == "feeds":
            if not await self.is_admin(user_id, client):
                return error(NOT_ADMIN)
            return await self._feeds(rest)
        if sub == "route":
            if not await self.is_admin(user_id, client):
                return error(NOT_ADMIN.replace("manage feeds", "manage routes"))
            return await asyncio.to_thread(self._route, rest, user_id, channel_id, team_id)
        return error(f"Unknown command “{sub[:40]}”. Try /news help.")

    def _route(self, text: str, user_id: str, channel_id: str, team_id: str = "") -> Answer:
        action, _, rest = text.partition(" ")
        action, rest = action.lower(), rest.strip()
        c = self._commands
        if action in ("", "list"):
            return c.route_list()
        name, _, options = rest.partition(" ")
        if action == "add" and name:
            # a route added in another workspace posts with that workspace's token
            defaults = self._workspaces.route_defaults(team_id) if self._workspaces else {}
            return c.route_add(
                name, "slack", channel_id, options, f"slack:{user_id}", defaults=defaults
            )
        if action == "remove" and name:
            return c.route_remove(name)
        return error("Usage: /news route list | add <name> [key=value …] | remove <name>")

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
            if not url:
                return error("Usage: /news feeds import <URL of an OPML file>")
            # Slack commands carry no files: the feed service fetches the OPML (same
            # address guard and size cap as every other import)
            return await c.feeds_import_url(url)
        if action in ("pause", "resume"):
            if not url:
                return error(f"Usage: /news feeds {action} <URL>")
            return await (c.feeds_pause if action == "pause" else c.feeds_resume)(url)
        if action in ("interval", "preview"):
            return await self._feed_number(action, url, name.strip())
        return error(
            "Usage: /news feeds list | add <URL> [name] | remove <URL> | import <URL>"
            " | pause <URL> | resume <URL> | interval <URL> <minutes> | preview <URL> [items]"
        )

    async def _feed_number(self, action: str, url: str, number: str) -> Answer:
        """`/news feeds interval <URL> <minutes>` and `/news feeds preview <URL> [items]`."""
        c = self._commands
        if action == "interval":
            if not url or not number.isdigit():
                return error("Usage: /news feeds interval <URL> <minutes>")
            return await c.feeds_interval(url, int(number))
        if not url or not (number or "5").isdigit():
            return error(f"Usage: /news feeds preview <URL> [items, 1 to {MAX_PREVIEW_ITEMS}]")
        return await c.feeds_preview(url, int(number or "5"))

    async def is_admin(self, user_id: str, client: AsyncWebClient) -> bool:
        """A workspace admin or owner (users.info), or a user listed in slack.admin_user_ids."""
        if user_id in self._admins:
            return True
        if not user_id:
            return False
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, *NETWORK_ERRORS) as exc:
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
