"""Chat as one thing the composition root builds: `build_chat` and `check_chat`.

`build_chat` turns config and secrets into a `Chat`: the runtime of each configured
platform (Discord, Slack: a destination, and a connection to start and close) and every
destination the delivery loop drains (the console too, when no platform is set up or
console.enabled is "always"). `check_chat` gives check-config's lines without building
anything. Platform libraries are imported only when their secrets are set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.chat.base import Destination
from bot.chat.console import ConsoleDestination
from bot.chat.route_destinations import RouteDestinations
from bot.chat.threads import ThreadBook
from bot.config import Config, Secrets
from bot.routes import Route

if TYPE_CHECKING:
    from bot.chat.commands import Commands  # not at run time: check-config stays light
    from bot.chat.discord.runtime import DiscordRuntime
    from bot.chat.slack.runtime import SlackRuntime


class ChatRuntime(Protocol):
    """A connected platform: its alert destination and its connection's lifetime."""

    @property
    def destination(self) -> Destination: ...

    async def start(self) -> asyncio.Task[None] | None:
        """Start the connection; a task that ends when it gives up for good, or None."""
        ...

    async def close(self) -> None: ...


@dataclass
class Chat:
    """Every configured platform and every destination alerts go to."""

    destinations: list[Destination]
    discord: DiscordRuntime | None = None
    slack: SlackRuntime | None = None
    runtimes: list[ChatRuntime] = field(default_factory=list)
    routes: RouteDestinations | None = None  # builds the destination of a route added later

    async def login(self) -> None:
        """run --once: Discord's REST client needs a login before it can post."""
        if self.discord is not None and self.discord.client is not None:
            await self.discord.client.login(self.discord.token or "")

    async def connect(self) -> asyncio.Task[None] | None:
        """Start Discord's gateway connection (a task that ends when it gives up)."""
        return await self.discord.start() if self.discord is not None else None

    async def start(self) -> None:
        """Start Slack (token check, then the /news app when there is one)."""
        if self.slack is not None:
            await self.slack.start()

    async def close(self) -> None:
        for runtime in self.runtimes:
            await runtime.close()


def build_chat(
    config: Config,
    secrets: Secrets,
    store: ThreadBook,
    commands: Commands,
    clock: Callable[[], datetime],
    *,
    stdout: TextIO,
    routes: Sequence[Route] = (),
    environ: Mapping[str, str] | None = None,
) -> Chat:
    """The chat side from config and secrets; raises ConfigError as check_chat does.
    `/news feeds import` on every platform goes through `commands` (the feed service).
    Each of `routes` gets a destination of its own (secrets it names come from `environ`)."""
    discord = _build_discord(config, secrets, store, commands, clock)
    env = _environ(environ)
    every_route = commands.routes.all() if commands.routes is not None else tuple(routes)
    slack = _build_slack(
        config, secrets, store, commands, clock, _slack_route_tokens(every_route, env)
    )
    runtimes: list[ChatRuntime] = [r for r in (discord, slack) if r is not None]
    destinations = [r.destination for r in runtimes]
    mode = config.console.enabled
    if mode == "always" or (mode == "auto" and not destinations):
        destinations.append(ConsoleDestination(stdout))
    client = discord.client if discord is not None else None
    factory = RouteDestinations(config, env, store, clock, discord_client=client)
    destinations.extend(factory.build(route) for route in routes)
    return Chat(destinations, discord=discord, slack=slack, runtimes=runtimes, routes=factory)


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    from bot.config_secrets import environment

    return environ if environ is not None else environment()


def check_chat(
    config: Config, secrets: Secrets, environ: Mapping[str, str] | None = None
) -> list[str]:
    """check-config: one line per platform (or where alerts go without one) and per route;
    raises ConfigError naming the key or secret when the settings cannot work together."""
    lines = [
        line for line in (_check_discord(config, secrets), _check_slack(config, secrets)) if line
    ]
    factory = RouteDestinations(config, _environ(environ), _NoThreads(), _utc_now)
    token = secrets.get("DISCORD_TOKEN") is not None
    routes = [factory.describe(route, discord_token=token) for route in config.routes]
    if lines:
        return lines + routes
    where = "nowhere (console.enabled is never)"
    if config.console.enabled != "never":
        where = "to the console (stdout)"
    return [f"chat: no Discord or Slack secret in the environment; alerts go {where}", *routes]


def _utc_now() -> datetime:
    from bot.timeutil import utc_now

    return utc_now()


class _NoThreads:
    """check-config builds nothing, so it keeps no story threads."""

    def story_thread(self, destination: str, story_id: str) -> None:
        return None

    def save_story_thread(self, destination: str, story_id: str, **kwargs: object) -> None:
        return None


# ------------------------------------------------------------------ per platform


def _secret(secrets: Secrets, name: str) -> str | None:
    value = secrets.get(name)
    return value.reveal() if value is not None else None


def _build_discord(
    config: Config,
    secrets: Secrets,
    store: ThreadBook,
    commands: Commands,
    clock: Callable[[], datetime],
) -> DiscordRuntime | None:
    token, webhook = _secret(secrets, "DISCORD_TOKEN"), _secret(secrets, "DISCORD_WEBHOOK_URL")
    if token is None and webhook is None:
        return None
    from bot.chat.discord.runtime import build_discord

    return build_discord(
        config.discord,
        token=token,
        webhook_url=webhook,
        store=store,
        commands=commands,
        clock=clock,
    )


def _check_discord(config: Config, secrets: Secrets) -> str | None:
    token, webhook = _secret(secrets, "DISCORD_TOKEN"), _secret(secrets, "DISCORD_WEBHOOK_URL")
    if token is None and webhook is None:
        return None
    from bot.chat.discord.runtime import describe_discord

    return describe_discord(config.discord, token=token, webhook_url=webhook)


def _slack_secrets(secrets: Secrets) -> dict[str, str | None]:
    return {
        "bot_token": _secret(secrets, "SLACK_BOT_TOKEN"),
        "app_token": _secret(secrets, "SLACK_APP_TOKEN"),
        "signing_secret": _secret(secrets, "SLACK_SIGNING_SECRET"),
        "webhook_url": _secret(secrets, "SLACK_WEBHOOK_URL"),
    }


def _build_slack(
    config: Config,
    secrets: Secrets,
    store: ThreadBook,
    commands: Commands,
    clock: Callable[[], datetime],
    route_tokens: Mapping[str, str],
) -> SlackRuntime | None:
    keys = _slack_secrets(secrets)
    if not (keys["bot_token"] or keys["webhook_url"]):
        return None
    from bot.chat.slack.runtime import build_slack

    return build_slack(
        config.slack,
        **keys,
        store=store,
        commands=commands,
        clock=clock,
        route_tokens=route_tokens,
    )


def _slack_route_tokens(routes: Sequence[Route], environ: Mapping[str, str]) -> dict[str, str]:
    """The other workspaces' bot tokens Slack routes name (variable -> token): /news answers
    in those workspaces too. A variable that is unset or wrong is left to the route's own
    check, which names it."""
    from bot.config_secrets import read_secret
    from bot.errors import ConfigError

    tokens: dict[str, str] = {}
    for route in routes:
        env = route.slack_token_env
        if route.platform != "slack" or not env or env == "SLACK_BOT_TOKEN" or env in tokens:
            continue
        try:
            secret = read_secret(environ, env)
        except ConfigError:
            continue
        if secret is not None and secret.reveal().startswith("xoxb-"):
            tokens[env] = secret.reveal()
    return tokens


def _check_slack(config: Config, secrets: Secrets) -> str | None:
    keys = _slack_secrets(secrets)
    if not (keys["bot_token"] or keys["webhook_url"]):
        return None
    from bot.chat.slack.runtime import check_slack

    return check_slack(config.slack, **keys)
