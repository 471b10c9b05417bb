"""The /news slash commands on Discord: option parsing, answers as embeds, paging buttons.

The commands' logic lives in bot/chat/commands.py (shared with Slack); this module only
turns a Discord interaction into a call there and the `Answer` into an ephemeral embed,
deferring first when the answer takes longer than Discord's three seconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.chat.answers import Answer, error
from bot.chat.commands import Commands
from bot.chat.discord.render import (
    DESCRIPTION_MAX,
    FEEDBACK_PREFIX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    NO_MENTIONS,
    TITLE_MAX,
    feedback_button,
    fit_embed,
    fit_lines,
    link,
    safe,
    trim,
)
from bot.chat.feedback_commands import Reader
from bot.chat.trim import one_line
from bot.feeds.limits import MAX_PREVIEW_ITEMS
from bot.feeds.opml import MAX_OPML_BYTES
from bot.routes import read_button_value

ANSWER_WITHIN_SECONDS = 2.0  # Discord allows 3 s before an interaction must be acknowledged
CUSTOM_ID_MAX = 100
ERROR_COLOUR = 0xE74C3C
ANSWER_COLOUR = 0x3498DB
FETCH_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


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


FEEDBACK_ID = re.compile(
    re.escape(FEEDBACK_PREFIX) + r"(?P<kind>not_topic|nothing_new|mute|verdict):(?P<article>.+)"
)


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=FEEDBACK_ID.pattern,
):
    """A button under an alert (render.alert_buttons). Stateless: the custom id carries the
    kind and the article, so the buttons of old alerts keep working after a restart. The
    click is acknowledged at once (an ephemeral "thinking…"), then answered."""

    def __init__(self, kind: str, article_id: str) -> None:
        super().__init__(feedback_button(kind, article_id))
        self.kind = kind
        self.article_id = article_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
        /,
    ) -> FeedbackButton:
        return cls(match["kind"], match["article"])

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        commands = _commands_of(interaction)
        if self.kind == "verdict":
            article_id, _ = read_button_value(self.article_id, "")
            answer = await asyncio.to_thread(commands.article, article_id)
        else:
            default = str(getattr(interaction.client, "alert_destination", "discord"))
            article_id, destination = read_button_value(self.article_id, default)
            answer = await asyncio.to_thread(
                commands.feedback_click,
                self.kind,
                article_id,
                destination,
                reader_of(interaction),
            )
        await send_answer(interaction, answer)


def reader_of(interaction: discord.Interaction[Any]) -> Reader:
    user = interaction.user
    return Reader(str(user.id), user.name, is_admin(interaction))


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


def _commands_of(interaction: discord.Interaction[Any]) -> Commands:
    news: Commands = interaction.client.news
    return news


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
                " can manage feeds and routes."
            )
        return True

    return app_commands.check(predicate)


async def send_answer(interaction: discord.Interaction[Any], answer: Answer) -> None:
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
    await send_answer(interaction, answer)


def _in_thread(fn: Callable[..., Answer], *args: Any) -> Callable[[], Awaitable[Answer]]:
    async def run() -> Answer:
        return await asyncio.to_thread(fn, *args)

    return run


async def _complete_story(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    ids = await asyncio.to_thread(_commands_of(interaction).complete_story, current)
    return [app_commands.Choice(name=_choice_name(i, i), value=i[:100]) for i in ids]


async def _complete_article(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    pairs = await asyncio.to_thread(_commands_of(interaction).complete_recent, current)
    return [app_commands.Choice(name=_choice_name(t, i), value=i[:100]) for t, i in pairs]


async def _complete_feed(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    pairs = await asyncio.to_thread(_commands_of(interaction).complete_feed, current)
    return [
        app_commands.Choice(name=_choice_name(t, u), value=u) for t, u in pairs if len(u) <= 100
    ]


def _choice_name(text: str, fallback: str) -> str:
    """An autocomplete label: one line, 1 to 100 characters."""
    return trim(one_line(text), 100) or trim(fallback, 100) or "?"


def build_news_group() -> app_commands.Group:
    """The /news command group (built on request; nothing at import time)."""
    news = app_commands.Group(
        name="news", description="Look up AI training-data dispute news", guild_only=True
    )
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

    @news.command(name="missed", description="Report a story the bot did not post")
    @app_commands.describe(url="The article's URL")
    async def missed(interaction: discord.Interaction[Any], url: str) -> None:
        c, reader = _commands_of(interaction), reader_of(interaction)
        await respond(interaction, lambda: c.missed(url, reader))

    @news.command(name="retrain", description="Refit the relevance model on feedback (admins)")
    async def retrain(interaction: discord.Interaction[Any]) -> None:
        c, reader = _commands_of(interaction), reader_of(interaction)
        await respond(interaction, lambda: c.retrain(reader))

    @news.command(name="forget", description="Revoke a piece of feedback (see /news why)")
    @app_commands.describe(feedback="The feedback number /news why shows")
    async def forget(
        interaction: discord.Interaction[Any], feedback: app_commands.Range[int, 1]
    ) -> None:
        c, reader = _commands_of(interaction), reader_of(interaction)
        await respond(interaction, _in_thread(c.forget, feedback, reader))

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
            if file.size > MAX_OPML_BYTES:
                return Answer(
                    title="Sorry",
                    text=f"That file is too big ({MAX_OPML_BYTES:,} bytes at most).",
                    error=True,
                )
            try:
                data = await file.read()
            except FETCH_ERRORS as exc:
                return error(f"Could not read the file ({exc}).")
            return await c.feeds_import(data)

        await respond(interaction, work, public=True)

    @feeds.command(name="pause", description="Stop polling a feed; it is kept until resumed")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=_complete_feed)
    @admin_only()
    async def feeds_pause(interaction: discord.Interaction[Any], url: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_pause(url), public=True)

    @feeds.command(name="resume", description="Poll a paused feed again")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=_complete_feed)
    @admin_only()
    async def feeds_resume(interaction: discord.Interaction[Any], url: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_resume(url), public=True)

    @feeds.command(name="interval", description="Change the minutes between a feed's polls")
    @app_commands.describe(url="The feed's URL", minutes="Minutes between polls")
    @app_commands.autocomplete(url=_complete_feed)
    @admin_only()
    async def feeds_interval(interaction: discord.Interaction[Any], url: str, minutes: int) -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_interval(url, minutes), public=True)

    @feeds.command(
        name="preview", description="What a feed would post now (a dry run, shown only to you)"
    )
    @app_commands.describe(url="A feed's URL, watched or not", items="Newest items to judge")
    @app_commands.autocomplete(url=_complete_feed)
    @admin_only()
    async def feeds_preview(
        interaction: discord.Interaction[Any],
        url: str,
        items: app_commands.Range[int, 1, MAX_PREVIEW_ITEMS] = 5,
    ) -> None:
        c = _commands_of(interaction)
        await respond(interaction, lambda: c.feeds_preview(url, items))

    _add_route_commands(news)
    return news


def _add_route_commands(news: app_commands.Group) -> None:
    """/news route list|add|remove (admins): routes to more channels, each with a filter."""
    route = app_commands.Group(
        name="route", description="Send matching alerts to more channels (admins)", parent=news
    )

    @route.command(name="list", description="Every route and its filter")
    @admin_only()
    async def route_list(interaction: discord.Interaction[Any]) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.route_list))

    @route.command(name="add", description="Send the alerts that match to a channel")
    @app_commands.describe(
        name="A short name (lowercase letters, digits, - or _)",
        channel="A channel id or #mention (default: this channel)",
        options="key=value words, e.g. mode=digest digest_at=08:30 include_words=Getty",
    )
    @admin_only()
    async def route_add(
        interaction: discord.Interaction[Any],
        name: str,
        channel: str = "",
        options: str = "",
    ) -> None:
        c = _commands_of(interaction)
        mention = re.fullmatch(r"\s*<#(\d+)>\s*", channel)
        where = mention.group(1) if mention else channel.strip()
        where = where or str(interaction.channel_id or "")
        by = f"discord:{interaction.user.id}"
        await respond(interaction, _in_thread(c.route_add, name, "discord", where, options, by))

    @route.command(name="remove", description="Stop a route added from chat")
    @app_commands.describe(name="The route's name")
    @admin_only()
    async def route_remove(interaction: discord.Interaction[Any], name: str) -> None:
        c = _commands_of(interaction)
        await respond(interaction, _in_thread(c.route_remove, name))
