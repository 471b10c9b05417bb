"""Discord: the alert destinations (bot or webhook) and the /news slash commands.

Bot mode (DISCORD_TOKEN): a discord.py client on the bot's event loop posts alerts to one
channel, opens a thread per story, and answers /news commands. Webhook mode
(DISCORD_WEBHOOK_URL only): alerts go through the webhook; there are no commands then.

Every message goes out with no allowed mentions. Each send carries a nonce (Discord then
refuses to create the same message twice) and a "ref N" marker in its footer, which
`find_sent` looks for in the channel's recent history after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
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
)
from bot.chat.commands import Answer, Commands, error
from bot.chat.discord_render import (
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    TITLE_MAX,
    EarlierItem,
    EarlierLookup,
    alert_embed,
    digest_embed,
    fit_embed,
    fit_lines,
    link,
    notice_embed,
    safe,
    thread_name,
    trim,
)
from bot.config import DiscordSettings
from bot.errors import ChatError, ConfigError
from bot.models import Alert, alert_from_payload
from bot.store import Store

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
HISTORY_LIMIT = 50
THREAD_ARCHIVE_MINUTES = 10080  # a week
ANSWER_WITHIN_SECONDS = 2.0  # Discord allows 3 s before an interaction must be acknowledged
CUSTOM_ID_MAX = 100
ERROR_COLOUR = 0xE74C3C
ANSWER_COLOUR = 0x3498DB


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
        earlier: EarlierLookup | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._client = client
        self._channel_id = channel_id
        self._store = store
        self._clock = clock
        self._threads = threads
        self._earlier = earlier

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
            embed = alert_embed(alert, ref, follow_up=True, earlier=self._earlier)
            try:
                sent = await self._post(int(thread), [embed], message.id)
                return str(sent["id"])
            except ChatError as exc:
                if "unknown channel" not in str(exc):
                    raise
                log.warning("thread %s of story %s is gone; opening a new one", thread, alert.story)
        embed = alert_embed(alert, ref, earlier=self._earlier)
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
                    return SentRef(ref=str(item["id"]), through_id=through)
        return None

    # ------------------------------------------------------------ helpers

    def _check_logged_in(self) -> None:
        if self._client.is_closed() or self._client.user is None:
            raise ChatError("Discord client is not logged in yet", retry_after=2)

    async def _post(
        self, channel_id: int, embeds: list[discord.Embed], first_id: int, digest: bool = False
    ) -> dict[str, Any]:
        try:
            channel = self._client.get_partial_messageable(channel_id)
            sent = await channel.send(
                embeds=embeds,
                nonce=_nonce(first_id, digest),
                allowed_mentions=NO_MENTIONS,
            )
        except NETWORK_ERRORS as exc:
            raise chat_error(exc, f"posting to channel {channel_id}") from None
        return {"id": sent.id}

    async def _thread_for(self, alert: Alert) -> str | None:
        if not (self._threads and alert.story):
            return None
        row = await asyncio.to_thread(self._store.story_thread, self.name, alert.story)
        return str(row["thread_id"]) if row and row.get("thread_id") else None

    async def _open_thread(self, alert: Alert, message_id: str) -> None:
        name = thread_name(alert.title or alert.story or "story")
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
        earlier: EarlierLookup | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or DeliveryPolicy()
        self._url = url
        self._username = username
        self._earlier = earlier
        self._session: aiohttp.ClientSession | None = None
        self._webhook: discord.Webhook | None = None

    def _hook(self) -> discord.Webhook:
        if self._webhook is None:
            self._session = aiohttp.ClientSession()
            self._webhook = discord.Webhook.from_url(self._url, session=self._session)
        return self._webhook

    async def send(self, message: OutgoingMessage) -> str | None:
        ref = marker(message.id)
        if message.kind == "alert":
            embed = alert_embed(alert_from_payload(message.payload), ref, earlier=self._earlier)
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
    alerts = [alert_from_payload(m.payload) for m in messages if m.kind == "alert"]
    notices = [str(m.payload.get("text") or "") for m in messages if m.kind != "alert"]
    ref = marker(messages[0].id, messages[-1].id)
    return digest_embed(alerts, notices, ref, reason="digest")


def earlier_from_store(store: Store) -> EarlierLookup:
    """Earlier-coverage links from the articles table."""

    def lookup(article_id: str) -> EarlierItem | None:
        row = store.get_article(article_id)
        if row is None:
            return None
        return EarlierItem(title=row["title"] or article_id, url=row["url"], source=row["source"])

    return lookup


# ================================================================== answers


def answer_embed(answer: Answer) -> discord.Embed:
    """A command's answer as one embed (all outside text neutralised and trimmed)."""
    embed = discord.Embed(
        title=safe(answer.title, TITLE_MAX),
        colour=ERROR_COLOUR if answer.error else ANSWER_COLOUR,
    )
    parts = []
    if answer.text:
        parts.append(safe(answer.text, 1500))
    for item in answer.items:
        head = ""
        if item.title:
            head = "**" + link(safe(item.title, 200), item.url) + "**"
        if item.meta:
            head += (" — " if head else "") + safe(item.meta, 200)
        body = []
        if item.snippet:
            body.append(_snippet(item.snippet))
        if item.text:
            body.append(("• " if not head else "") + safe(item.text, 400))
        parts.append("\n".join(x for x in [head, *body] if x))
    embed.description = fit_lines(parts, DESCRIPTION_MAX, separator="\n\n")
    for name, value in answer.facts[:FIELDS_MAX]:
        embed.add_field(
            name=safe(name, 200) or "-", value=safe(value, FIELD_VALUE_MAX) or "-", inline=True
        )
    return fit_embed(embed)


def _snippet(snippet: str) -> str:
    """A search snippet with its **match** marks kept and everything else neutralised."""
    out: list[str] = []
    for i, piece in enumerate(snippet.split("**")):
        text = safe(piece, 300)
        if i % 2:
            text = f"**{text}**" if text else ""
        lead = " " if piece[:1].isspace() and out else ""
        tail = " " if piece[-1:].isspace() else ""
        out.append(lead + text + tail)
    return trim("".join(out).strip(), 500)


SEARCH_ID = re.compile(r"news:s:(?P<page>\d+):(?P<query>.+)")


def search_custom_id(query: str, page: int) -> str | None:
    custom_id = f"news:s:{page}:{query}"
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


class SearchPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=SEARCH_ID.pattern,
):
    """A "previous"/"next" button of /news search. Stateless: the custom id carries the
    query and the page, so buttons keep working after a restart."""

    def __init__(self, query: str, page: int, label: str) -> None:
        custom_id = search_custom_id(query, page) or "news:s:1:-"
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)
        )
        self.query = query
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
        /,
    ) -> SearchPageButton:
        return cls(match["query"], int(match["page"]), item.label or "")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        commands = _commands_of(interaction)
        answer = await asyncio.to_thread(commands.search, self.query, self.page)
        await interaction.response.edit_message(
            embed=answer_embed(answer), view=paging_view(answer)
        )


def paging_view(answer: Answer) -> discord.ui.View | None:
    page = answer.page
    if page is None or (page.number == 1 and not page.has_next):
        return None
    if search_custom_id(page.query, page.number + 1) is None:
        return None  # the query is too long to carry in a button
    view = discord.ui.View(timeout=None)
    if page.number > 1:
        view.add_item(SearchPageButton(page.query, page.number - 1, "◀ Previous"))
    if page.has_next:
        view.add_item(SearchPageButton(page.query, page.number + 1, "Next ▶"))
    return view


# ================================================================== client and commands


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
        await _send_answer(interaction, Answer(title="Sorry", text=text, error=True))


def _commands_of(interaction: discord.Interaction[Any]) -> Commands:
    client = interaction.client
    assert isinstance(client, NewsClient)
    return client.news


def is_admin(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server in this server, or the role named in discord.admin_role."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_guild:
        return True
    client = interaction.client
    role = getattr(client, "admin_role", "")
    user = interaction.user
    if role and isinstance(user, discord.Member):
        return any(r.name == role or str(r.id) == role for r in user.roles)
    return False


def admin_only() -> Callable[[Any], Any]:
    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if not is_admin(interaction):
            raise app_commands.CheckFailure(
                "Only server managers (Manage Server) or the configured admin role"
                " can manage feeds."
            )
        return True

    return app_commands.check(predicate)


async def _send_answer(interaction: discord.Interaction[Any], answer: Answer) -> None:
    ephemeral = answer.error or not answer.public
    kwargs: dict[str, Any] = {"embed": answer_embed(answer), "ephemeral": ephemeral}
    view = paging_view(answer)
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(allowed_mentions=NO_MENTIONS, **kwargs)
    else:
        await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **kwargs)


async def respond(
    interaction: discord.Interaction[Any],
    work: Callable[[], Awaitable[Answer]],
    *,
    public: bool = False,
) -> None:
    """Run a command and answer; if it takes longer than Discord's window, defer first."""
    task = asyncio.ensure_future(work())
    done, _ = await asyncio.wait({task}, timeout=ANSWER_WITHIN_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=not public, thinking=True)
    answer = await task
    await _send_answer(interaction, answer)


def _in_thread(fn: Callable[..., Answer], *args: Any) -> Callable[[], Awaitable[Answer]]:
    async def run() -> Answer:
        return await asyncio.to_thread(fn, *args)

    return run


async def _complete_story(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    ids = await asyncio.to_thread(_commands_of(interaction).complete_story, current)
    return [app_commands.Choice(name=trim(i, 100), value=i[:100]) for i in ids]


async def _complete_article(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    pairs = await asyncio.to_thread(_commands_of(interaction).complete_recent, current)
    return [app_commands.Choice(name=trim(t, 100), value=i[:100]) for t, i in pairs]


async def _complete_feed(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    pairs = await asyncio.to_thread(_commands_of(interaction).complete_feed, current)
    return [app_commands.Choice(name=trim(t, 100), value=u) for t, u in pairs if len(u) <= 100]


def build_news_group() -> app_commands.Group:
    """The /news command group (built on request; nothing at import time)."""
    news = app_commands.Group(name="news", description="Look up AI training-data dispute news")
    feeds = app_commands.Group(
        name="feeds", description="Manage watched feeds (admins)", parent=news
    )

    @news.command(name="search", description="Full-text search of everything seen")
    @app_commands.describe(query="Words to look for (all must match)")
    async def search(interaction: discord.Interaction[Any], query: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.search, query, 1))

    @news.command(name="recent", description="The latest alerts")
    @app_commands.describe(n="How many (1-20, default 5)")
    async def recent(
        interaction: discord.Interaction[Any], n: app_commands.Range[int, 1, 20] = 5
    ) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.recent, n))

    @news.command(name="article", description="Everything decided about one article")
    @app_commands.describe(ref="Article id or URL")
    @app_commands.autocomplete(ref=_complete_article)
    async def article(interaction: discord.Interaction[Any], ref: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.article, ref))

    @news.command(name="story", description="A story's timeline")
    @app_commands.describe(ref="Story id or words from it")
    @app_commands.autocomplete(ref=_complete_story)
    async def story(interaction: discord.Interaction[Any], ref: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.story, ref))

    @news.command(name="why", description="Why an item was or was not posted")
    @app_commands.describe(url="The article's URL (or id)")
    @app_commands.autocomplete(url=_complete_article)
    async def why(interaction: discord.Interaction[Any], url: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.why, url))

    @news.command(name="status", description="Feed health, last poll and outbox")
    async def status(interaction: discord.Interaction[Any]) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.status))

    @feeds.command(name="list", description="The watched feeds and their health")
    @admin_only()
    async def feeds_list(interaction: discord.Interaction[Any]) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.feeds_list))

    @feeds.command(name="add", description="Watch a new feed")
    @app_commands.describe(url="RSS, Atom or JSON Feed URL", name="How alerts name it")
    @admin_only()
    async def feeds_add(interaction: discord.Interaction[Any], url: str, name: str = "") -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_add(url, name), public=True)

    @feeds.command(name="remove", description="Stop watching a feed")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=_complete_feed)
    @admin_only()
    async def feeds_remove(interaction: discord.Interaction[Any], url: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_remove(url), public=True)

    @feeds.command(name="import", description="Add every feed of an OPML file")
    @app_commands.describe(file="An OPML export from a feed reader")
    @admin_only()
    async def feeds_import(interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        c = _commands_of(interaction)

        async def work() -> Answer:
            if file.size > 1_000_000:
                return Answer(
                    title="Sorry", text="That file is too big (1 MB at most).", error=True
                )
            try:
                data = await file.read()
            except NETWORK_ERRORS as exc:
                return error(f"Could not read the file ({exc}).")
            return await c.feeds_import(data)

        await respond(interaction, work, public=True)

    return news


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
    )
    earlier = earlier_from_store(store)
    if token:
        if not settings.channel_id:
            raise ConfigError("discord.channel_id: required when DISCORD_TOKEN is set")
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
            earlier=earlier,
        )
        return DiscordRuntime(destination=destination, client=client, token=token)
    if webhook_url:
        if not WEBHOOK_URL.match(webhook_url):
            raise ConfigError(
                "DISCORD_WEBHOOK_URL: expected https://discord.com/api/webhooks/<id>/<token>"
            )
        hook = WebhookDestination(
            webhook_url, username=settings.webhook_username, policy=policy, earlier=earlier
        )
        return DiscordRuntime(destination=hook)
    return None


WEBHOOK_URL = re.compile(r"^https?://[^/]+/api(/v\d+)?/webhooks/\d+/[\w-]+/?$")
