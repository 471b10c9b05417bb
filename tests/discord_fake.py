"""A local stand-in for Discord: REST and gateway (websocket) on one aiohttp server.

Real discord.py code talks to it over real HTTP on 127.0.0.1 once `point_discord_at`
has redirected discord.py's base URLs. It keeps channels, messages, threads, nonces,
interaction replies and registered commands, and can be told to fail the next requests
(429 with Retry-After, 5xx) or to hold message creations (to crash a bot mid-send).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "1000000000000000002"
BOT_ID = "1000000000000000001"
GUILD_ID = "1100000000000000001"
ADMIN_ROLE_ID = "1100000000000000009"
BOT_USER = {
    "id": BOT_ID,
    "username": "newsbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py reads a body as JSON only when Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


@dataclass
class Failure:
    """An injected failure for the next matching request."""

    method: str
    path_suffix: str
    status: int
    retry_after: float = 0.0
    via: bool = True  # without Via, discord.py does not retry a 429 itself


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeDiscord:
    """State of the fake; `start()` serves it on an ephemeral port."""

    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # interaction answers
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)
    hold_messages: asyncio.Event | None = None  # when set: creations wait until it is set
    message_created: asyncio.Event = field(default_factory=asyncio.Event)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    identify: dict[str, Any] | None = None
    port: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ server

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # ------------------------------------------------------------ what tests read

    def posted(self, channel_id: str | int) -> list[dict[str, Any]]:
        """Messages in a channel or thread, oldest first."""
        return list(self.channels.get(str(channel_id), []))

    def all_messages(self) -> list[dict[str, Any]]:
        return [m for msgs in self.channels.values() for m in msgs]

    def fail_next(
        self,
        method: str,
        path_suffix: str,
        status: int,
        retry_after: float = 0.0,
        *,
        via: bool = True,
    ) -> None:
        self.failures.append(Failure(method, path_suffix, status, retry_after, via))

    # ------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            packet = json.loads(frame.data)
            if packet["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif packet["op"] == 2:
                self.identify = packet["d"]
                await self.dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "session-1",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APP_ID, "flags": 0},
                    },
                )
                await self.dispatch("GUILD_CREATE", guild_payload())
                self.identified.set()
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "no bot connected to the gateway"
        self._seq += 1
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        body = await _read_body(request)
        self.requests.append(Recorded(request.method, "/" + tail, dict(request.query), body))
        for failure in self.failures:
            if request.method == failure.method and ("/" + tail).endswith(failure.path_suffix):
                self.failures.remove(failure)
                return _failure_response(failure)
        parts = tail.split("/")
        route: Callable[..., Any] | None = None
        method = request.method
        if request.headers.get("Authorization") == "Bot bad-token":
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        if tail == "users/@me":
            return json_response(BOT_USER)
        if tail == "oauth2/applications/@me":
            return json_response(app_info())
        if tail in ("gateway", "gateway/bot"):
            return json_response(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if parts[0] == "channels" and len(parts) == 3 and parts[2] == "messages":
            route = self._create_message if method == "POST" else self._history
            return await route(parts[1], body, request)
        if (
            parts[0] == "channels"
            and len(parts) == 5
            and parts[4] == "threads"
            and method == "POST"
        ):
            return self._start_thread(parts[1], parts[3], body)
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            return self._register_commands("/".join(parts[1:-1]), body)
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._interaction_callback(parts[1], parts[2], body)
        if parts[0] == "webhooks" and method == "POST" and len(parts) == 3:
            return await self._webhook_post(parts[1], parts[2], body)
        if parts[0] == "webhooks" and method == "PATCH":
            self.callbacks.append({"kind": "edit", "token": parts[2], "body": body})
            return json_response(self._message("3000", body or {}))
        return json_response({"message": "Unknown route", "code": 0}, status=404)

    async def _create_message(
        self, channel_id: str, body: dict[str, Any], request: web.Request
    ) -> web.Response:
        if channel_id not in self.channels and channel_id not in self.threads:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce"):
            for existing in self.channels[channel_id]:
                if existing.get("nonce") == nonce:
                    return json_response(existing)
        message = self._message(channel_id, body)
        self.channels[channel_id].append(message)
        self.message_created.set()
        if self.hold_messages is not None:
            await self.hold_messages.wait()  # the message exists; the answer is late
        return json_response(message)

    async def _history(self, channel_id: str, body: Any, request: web.Request) -> web.Response:
        if channel_id not in self.channels:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = int(request.query.get("limit", "50"))
        # Like Discord: newest first, and no nonce in fetched history.
        newest = [
            {k: v for k, v in m.items() if k != "nonce"}
            for m in reversed(self.channels[channel_id])
        ]
        return json_response(newest[:limit])

    def _start_thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        if not any(m["id"] == message_id for m in self.channels.get(channel_id, [])):
            return json_response({"message": "Unknown Message", "code": 10008}, status=404)
        thread_id = self.new_id()
        thread = {
            "id": thread_id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": channel_id,
            "owner_id": BOT_ID,
            "name": body["name"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": False,
            },
            "starter_message_id": message_id,
        }
        self.threads[thread_id] = thread
        self.channels[thread_id] = []
        return json_response(thread)

    def _register_commands(self, scope: str, body: list[dict[str, Any]]) -> web.Response:
        registered = [
            {**c, "id": self.new_id(), "application_id": APP_ID, "version": "1"} for c in body
        ]
        self.commands[scope] = registered
        return json_response(registered)

    def _interaction_callback(
        self, interaction_id: str, token: str, body: dict[str, Any]
    ) -> web.Response:
        self.callbacks.append({"kind": "callback", "token": token, "body": body})
        data = body.get("data") or {}
        return json_response(
            {
                "interaction": {"id": interaction_id, "type": 2},
                "resource": {"type": body["type"], "message": self._message("3000", data)},
            }
        )

    async def _webhook_post(
        self, webhook_id: str, token: str, body: dict[str, Any]
    ) -> web.Response:
        if webhook_id == APP_ID:  # an interaction follow-up
            self.callbacks.append({"kind": "followup", "token": token, "body": body})
            return json_response(self._message("3000", body))
        channel = f"webhook-{webhook_id}"
        message = self._message(webhook_id, body)
        self.channels.setdefault(channel, []).append(message)
        self.message_created.set()
        return json_response(message)

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "nonce": body.get("nonce"),
            "allowed_mentions": body.get("allowed_mentions"),
        }


def _failure_response(failure: Failure) -> web.Response:
    if failure.status == 429:
        # discord.py retries a 429 itself only when it carries a Via header (else it is
        # taken for a Cloudflare ban).
        return json_response(
            {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": False,
            },
            status=429,
            headers={
                "Retry-After": str(failure.retry_after),
                "X-RateLimit-Scope": "user",
                **({"Via": "1.1 google"} if failure.via else {}),
            },
        )
    return json_response({"message": "Service Unavailable", "code": 0}, status=failure.status)


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type == "application/json":
        return await request.json()
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) == "payload_json":
                return json.loads(await part.text())  # type: ignore[union-attr]
    return await request.read()


def app_info() -> dict[str, Any]:
    return {
        "id": APP_ID,
        "name": "newsbot",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "00",
        "owner": {**BOT_USER, "id": "1000000000000000003", "bot": False, "username": "owner"},
        "flags": 0,
    }


def guild_payload() -> dict[str, Any]:
    return {
        "id": GUILD_ID,
        "name": "Newsroom",
        "owner_id": "1000000000000000003",
        "unavailable": False,
        "member_count": 3,
        "large": False,
        "features": [],
        "roles": [
            {
                "id": GUILD_ID,
                "name": "@everyone",
                "permissions": "0",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
            {
                "id": ADMIN_ROLE_ID,
                "name": "News Admin",
                "permissions": "0",
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
        ],
        "channels": [],
        "threads": [],
        "members": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


MANAGE_GUILD = 1 << 5


def slash(
    fake: FakeDiscord,
    path: list[str],
    options: list[dict[str, Any]] | None = None,
    *,
    permissions: int = 0,
    roles: tuple[str, ...] = (),
    interaction_type: int = 2,
    resolved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for `/news <path...>` from a member of the guild."""
    opts: list[dict[str, Any]] = list(options or [])
    for name in reversed(path[1:]):
        kind = 1 if name is path[-1] else 2  # sub-command, or sub-command group
        opts = [{"name": name, "type": kind, "options": opts}]
    data: dict[str, Any] = {"id": fake.new_id(), "name": path[0], "type": 1, "options": opts}
    if resolved:
        data["resolved"] = resolved
    return interaction_payload(
        fake, data, permissions=permissions, roles=roles, kind=interaction_type
    )


def interaction_payload(
    fake: FakeDiscord,
    data: dict[str, Any],
    *,
    permissions: int = 0,
    roles: tuple[str, ...] = (),
    kind: int = 2,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": fake.new_id(),
        "application_id": APP_ID,
        "type": kind,
        "token": "tok" + fake.new_id(),
        "version": 1,
        "guild_id": GUILD_ID,
        "channel_id": "555",
        "channel": {
            "id": "555",
            "type": 0,
            "guild_id": GUILD_ID,
            "name": "news",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        },
        "locale": "en-US",
        "app_permissions": "0",
        "attachment_size_limit": 10_485_760,
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "member": {
            "user": {
                "id": "42",
                "username": "alice",
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
            },
            "roles": list(roles),
            "joined_at": "2025-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        },
        "data": data,
    }
    if message is not None:
        payload["message"] = message
    return payload


def click(
    fake: FakeDiscord,
    message: dict[str, Any],
    custom_id: str,
    *,
    permissions: int = 0,
    roles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The INTERACTION_CREATE Discord sends when a member clicks a button of `message` (as
    the fake stored it): a component interaction (type 3) carrying the message."""
    ids = [b.get("custom_id") for row in message.get("components") or [] for b in row["components"]]
    assert custom_id in ids, f"no button {custom_id!r} on that message: {ids}"
    return interaction_payload(
        fake,
        {"custom_id": custom_id, "component_type": 2},
        permissions=permissions,
        roles=roles,
        kind=3,
        message={**message, "flags": 0},
    )
