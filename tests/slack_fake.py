"""A local stand-in for Slack, over real HTTP on 127.0.0.1 (aiohttp.web).

It serves the Web API methods the bot uses (`/api/<method>`), `response_url` posts,
incoming webhooks and a Socket Mode websocket, and records every request. It can stand for
several workspaces: `teams` maps a bot token to its workspace's team id (auth.test answers
with it; any other token is team T1), and `team_users` holds the users of a workspace
(users.info asked with that workspace's token looks there; else in `users`). Failures are
queued per method: `fail_next("chat.postMessage", status=429, retry_after=3)`; a slow
Slack is `post_latency = 2.5`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None = None


@dataclass
class FakeSlack:
    """Routes: /api/{method}, /response/{id}, /webhook/{id}, /socket (websocket)."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)  # bot token -> team id (default T1)
    team_users: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[Call] = field(default_factory=list)  # posts to response_url
    webhook_posts: list[Call] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self._ts = 1_700_000_000_000_100
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self.socket_connected = asyncio.Event()
        self.changed = asyncio.Event()
        # When set to an Event, chat.postMessage stores the message, then holds its answer
        # until the Event is set (the sender may die meanwhile, as in a crash).
        self.hold_posts: asyncio.Event | None = None
        # Seconds a chat.postMessage takes before Slack stores the message (a slow Slack:
        # the request is in flight, the message not yet in the channel's history).
        self.post_latency = 0.0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_post("/webhook/{id}", self._webhook)
        app.router.add_get("/socket", self._socket_mode)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # ------------------------------------------------------------ test helpers

    def fail_next(
        self, method: str, *, status: int, error: str = "", retry_after: int | None = None
    ) -> None:
        self.failures.setdefault(method, []).append(
            Failure(
                status, error or ("ratelimited" if status == 429 else "fatal_error"), retry_after
            )
        )

    def team_of(self, authorization: str) -> str:
        """The team id of the token in an Authorization header ("Bearer xoxb-…")."""
        return self.teams.get(authorization.removeprefix("Bearer ").strip(), "T1")

    def posts(self) -> list[dict[str, Any]]:
        """The chat.postMessage calls that succeeded, in order."""
        return [c.params for c in self.calls if c.method == "chat.postMessage" and "ts" in c.params]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true (each request wakes the check)."""

        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def push_envelope(self, envelope_type: str, payload: dict[str, Any], env_id: str) -> None:
        """Send one Socket Mode envelope to the connected app."""
        assert self._socket is not None, "no Socket Mode connection"
        envelope = {
            "envelope_id": env_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type == "slash_commands",
        }
        await self._socket.send_str(json.dumps(envelope))

    # ------------------------------------------------------------ handlers

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw = (await request.read()).decode("utf-8")
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            return dict(json.loads(raw)) if raw else {}
        params: dict[str, Any] = dict(urllib.parse.parse_qsl(raw))
        for key in ("blocks", "metadata"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    def _record(
        self, into: list[Call], name: str, params: dict[str, Any], request: web.Request
    ) -> None:
        into.append(Call(name, params, dict(request.headers)))
        self.changed.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, dict(request.headers))
        self.calls.append(call)
        self.changed.set()
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return web.json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        if request.headers.get("Authorization", "") in ("", "Bearer "):
            return web.json_response({"ok": False, "error": "not_authed"})
        team = self.team_of(request.headers.get("Authorization", ""))
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team_id": team, "user_id": "UBOT", "bot_id": "B1", "user": "newsbot"}
            )
        if method == "chat.postMessage":
            if not params.get("channel"):
                return web.json_response({"ok": False, "error": "channel_not_found"})
            if self.post_latency:
                await asyncio.sleep(self.post_latency)
            self._ts += 1
            ts = f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"
            params["ts"] = ts
            self.changed.set()
            if self.hold_posts is not None:
                await self.hold_posts.wait()
            return web.json_response({"ok": True, "channel": params["channel"], "ts": ts})
        if method in ("conversations.history", "conversations.replies"):
            return web.json_response(self._history(method, params))
        if method == "users.info":
            user = self.team_users.get(team, self.users).get(str(params.get("user")))
            if user is None:
                return web.json_response({"ok": False, "error": "user_not_found"})
            return web.json_response({"ok": True, "user": {"id": params["user"], **user}})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        return web.json_response({"ok": False, "error": "unknown_method"})

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Posted messages of a channel, newest first (replies of one thread for .replies)."""
        with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        found = []
        for post in reversed(self.posts()):
            if post["channel"] != params.get("channel"):
                continue
            in_thread = post.get("thread_ts")
            if method == "conversations.history" and in_thread:
                continue
            if method == "conversations.replies" and params.get("ts") not in (
                in_thread,
                post["ts"],
            ):
                continue
            item = {k: post[k] for k in ("ts", "text", "blocks", "thread_ts") if k in post}
            item["bot_id"] = "B1"
            if with_metadata and "metadata" in post:
                item["metadata"] = post["metadata"]
            found.append(item)
        return {
            "ok": True,
            "channel": params.get("channel"),
            "messages": found[: int(params.get("limit") or 100)],
        }

    async def _response_url(self, request: web.Request) -> web.Response:
        self._record(self.responses, request.match_info["id"], await self._params(request), request)
        return web.Response(text="ok")

    async def _webhook(self, request: web.Request) -> web.Response:
        name = request.match_info["id"]
        queued = self.failures.get(f"webhook:{name}")
        params = await self._params(request)
        if queued:
            failure = queued.pop(0)
            self._record(self.webhook_posts, "failed:" + name, params, request)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return web.Response(status=failure.status, text=failure.error, headers=headers)
        self._record(self.webhook_posts, name, params, request)
        return web.Response(text="ok")

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.socket_connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                self.changed.set()
        return ws


def block_action(
    message: dict[str, Any], action_id: str, *, user: str, response_url: str
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when `user` clicks the button `action_id` of
    a posted message (`message`: the chat.postMessage parameters the fake recorded)."""
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element.get("action_id") == action_id:
                return {
                    "type": "block_actions",
                    "team": {"id": "T1"},
                    "user": {"id": user, "username": user.lower(), "team_id": "T1"},
                    "api_app_id": "A1",
                    "token": "unused",
                    "container": {
                        "type": "message",
                        "message_ts": message.get("ts"),
                        "channel_id": message.get("channel"),
                        "is_ephemeral": False,
                    },
                    "trigger_id": "1.2.3",
                    "channel": {"id": message.get("channel")},
                    "message": {
                        "ts": message.get("ts"),
                        "text": message.get("text"),
                        "blocks": blocks,
                    },
                    "response_url": response_url,
                    "actions": [
                        {
                            "type": "button",
                            "action_id": action_id,
                            "block_id": block.get("block_id", "b1"),
                            "value": element.get("value"),
                            "action_ts": "1700000000.2",
                        }
                    ],
                }
    raise AssertionError(f"no button {action_id!r} on that message")
