"""Discord embeds for alerts, digests, notices and command answers.

Every piece of outside text (titles, summaries, claims, snippets) goes through `safe`,
which neutralises markdown and mentions; every piece is then trimmed to Discord's limits
at a sentence boundary where there is one. Messages are sent with no allowed mentions
as well, so nothing here can ever ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.chat.trim import one_line
from bot.chat.trim import trim as shared_trim
from bot.chat.view import AlertView, new_clause
from bot.routes import button_value

NO_MENTIONS = discord.AllowedMentions.none()

# Discord's documented limits.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
URL_MAX = 2000
THREAD_NAME_MAX = 100

CATEGORY_COLOURS = {
    "lawsuit": 0xC0392B,
    "licensing": 0x27AE60,
    "regulation": 0x2980B9,
    "scraping": 0xD35400,
    "opt_out": 0x8E44AD,
}
DEFAULT_COLOUR = 0x7F8C8D

_MENTION_START = re.compile(r"<(?=[@#/:]|a:|t:)")


# ------------------------------------------------------------------ text


def safe(text: str | None, limit: int) -> str:
    """Outside text made inert (one line, no markdown, no mentions) and trimmed to `limit`."""
    plain = one_line(text or "", limit=max(limit * 2, 64))
    escaped = discord.utils.escape_markdown(plain, ignore_links=False)
    escaped = escaped.replace("@", "@\u200b")
    escaped = _MENTION_START.sub("<\u200b", escaped)
    return trim(escaped, limit)


def trim(text: str, limit: int) -> str:
    """The shared trim (bot/chat/trim.py), never ending on a lone backslash."""
    return shared_trim(text, limit, tidy=_unbroken_escape)


def _unbroken_escape(text: str) -> str:
    """Never end on a lone backslash (it would escape whatever follows)."""
    stripped = text.rstrip("\\")
    if (len(text) - len(stripped)) % 2:
        return text[:-1]
    return text


def http_url(url: str | None) -> str | None:
    """The URL when Discord accepts it as a link target, else None."""
    if not url or len(url) > URL_MAX or not url.startswith(("http://", "https://")):
        return None
    if any(ch.isspace() or ch in "<>()" for ch in url):
        return None
    return url


def link(text: str, url: str | None) -> str:
    """A markdown link around already-safe text (plain text when the URL is unusable)."""
    target = http_url(url)
    return f"[{text}]({target})" if target else text


def thread_name(title: str) -> str:
    """A thread name from a story or article title (plain text, <= 100 characters)."""
    cleaned = one_line(title, limit=THREAD_NAME_MAX * 2).replace("@", "@\u200b")
    return trim(cleaned, THREAD_NAME_MAX) or "story"


# ------------------------------------------------------------------ alerts


def alert_embed(view: AlertView, ref: str) -> discord.Embed:
    """The embed for one alert view: title link, source as author, what is new and the
    claims (with quotes) in the description, facts, story and earlier coverage as fields."""
    embed = discord.Embed(
        title=safe(view.title, TITLE_MAX) or "(untitled)",
        url=http_url(view.url),
        colour=CATEGORY_COLOURS.get(view.category_key, DEFAULT_COLOUR),
    )
    if view.source:
        embed.set_author(name=safe(view.source, AUTHOR_MAX))
    parts: list[str] = []
    if view.what_is_new:
        parts.append(safe(view.what_is_new, DESCRIPTION_MAX // 4))
    claims = claim_lines(view)
    if claims:
        heading = "**New in this story**" if view.follow_up else "**What's new**"
        parts.append(heading + "\n" + "\n".join(claims))
    if view.note:
        parts.append("_" + safe(view.note, 400) + "_")
    embed.description = fit_lines(parts, DESCRIPTION_MAX, separator="\n\n")
    meta = [
        ("Date", view.date),
        ("Category", safe(view.category, 100)),
        ("Language", safe(view.language, 50)),
        ("Parties", safe(", ".join(view.parties), 300)),
    ]
    for name, value in meta:
        if value:
            embed.add_field(name=name, value=value, inline=True)
    if view.story:
        embed.add_field(name="Story", value=safe(view.story_label, 200), inline=True)
    if view.earlier:
        lines = earlier_lines(view)
        embed.add_field(
            name="Earlier coverage", value=fit_lines(lines, FIELD_VALUE_MAX), inline=False
        )
    embed.set_footer(text=trim(f"{view.article_id} · {ref} · /news why explains", FOOTER_MAX))
    return fit_embed(embed)


def compact_embed(view: AlertView, ref: str) -> discord.Embed:
    """A compact alert: one line (linked title, source, what is new in a clause), and the
    `ref` in the footer so a restart can find it."""
    title = link(safe(view.title, 200) or "(untitled)", view.url)
    line = f"**{title}**"
    if view.source:
        line += " — " + safe(view.source, 60)
    clause = new_clause(view)
    if clause:
        line += ": " + safe(clause, 200)
    embed = discord.Embed(
        description=line, colour=CATEGORY_COLOURS.get(view.category_key, DEFAULT_COLOUR)
    )
    embed.set_footer(text=ref)
    return fit_embed(embed)


def claim_lines(view: AlertView) -> list[str]:
    """One bullet per claim, each with its supporting quote when there is one."""
    lines = []
    for claim in view.claims:
        line = "• " + safe(claim.text, FIELD_VALUE_MAX)
        if claim.quote:
            line += "\n> “" + safe(claim.quote, FIELD_VALUE_MAX) + "”"
        if claim.note:
            line += "\n(" + safe(claim.note, 200) + ")"
        lines.append(line)
    if view.more_line:
        lines.append(safe(view.more_line, 300))
    return lines


def earlier_lines(view: AlertView) -> list[str]:
    lines = []
    for item in view.earlier:
        source = f" ({safe(item.source, 60)})" if item.source else ""
        lines.append("• " + link(safe(item.title, 150), item.url) + source)
    if view.more_earlier:
        lines.append(f"and {view.more_earlier} more")
    return lines


def fit_lines(lines: Sequence[str], limit: int, separator: str = "\n") -> str:
    """Join whole lines up to `limit` characters; a line that does not fit is trimmed."""
    out = ""
    for line in lines:
        candidate = out + (separator if out else "") + line
        if len(candidate) <= limit:
            out = candidate
            continue
        room = limit - len(out) - (len(separator) if out else 0)
        if room > 20:
            out += (separator if out else "") + trim(line, room)
        break
    return out


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Keep the embed within 25 fields and 6,000 characters (fields go first, from the end,
    then the description is shortened)."""
    while len(embed.fields) > FIELDS_MAX:
        embed.remove_field(-1)
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(-1)
    if len(embed) > EMBED_TOTAL_MAX and embed.description:
        excess = len(embed) - EMBED_TOTAL_MAX
        embed.description = trim(embed.description, max(1, len(embed.description) - excess))
    return embed


# ------------------------------------------------------------------ feedback buttons

CUSTOM_ID_MAX = 100
FEEDBACK_PREFIX = "news:fb:"
FEEDBACK_BUTTONS = (
    ("not_topic", "Not about this topic", discord.ButtonStyle.secondary),
    ("nothing_new", "Nothing new here", discord.ButtonStyle.secondary),
    ("mute", "Mute this story", discord.ButtonStyle.secondary),
    ("verdict", "Full verdict", discord.ButtonStyle.primary),
)


def feedback_custom_id(kind: str, article_id: str) -> str | None:
    """The custom id of an alert's button: kind and article, so a click needs no state kept
    (buttons keep working after a restart); None when it would be too long."""
    custom_id = f"{FEEDBACK_PREFIX}{kind}:{article_id}"
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


def feedback_button(kind: str, article_id: str) -> discord.ui.Button[discord.ui.View]:
    label, style = next((lb, st) for k, lb, st in FEEDBACK_BUTTONS if k == kind)
    custom_id = feedback_custom_id(kind, article_id) or f"{FEEDBACK_PREFIX}{kind}:-"
    return discord.ui.Button(label=label, style=style, custom_id=custom_id)


def alert_buttons(article_id: str, destination: str = "") -> discord.ui.View | None:
    """The buttons under every alert (None when the article id is too long to carry).

    The view is stopped before it is sent: only its components go out, nothing is kept per
    message; clicks are handled by the FeedbackButton dynamic item (discord/commands.py).
    Under a route's alert the buttons also carry the route (a mute is for that route)."""
    value = button_value(article_id, destination)
    if any(feedback_custom_id(kind, value) is None for kind, _, _ in FEEDBACK_BUTTONS):
        return None
    view = discord.ui.View(timeout=None)
    for kind, _, _ in FEEDBACK_BUTTONS:
        view.add_item(feedback_button(kind, value))
    view.stop()
    return view


# ------------------------------------------------------------------ digests, notices


def digest_embed(
    views: Sequence[AlertView], notices: Sequence[str], ref: str, *, reason: str
) -> discord.Embed:
    """One embed listing many alerts (title link, source, first new claim each)."""
    count = len(views) + len(notices)
    embed = discord.Embed(
        title=f"{count} update{'s' if count != 1 else ''} ({reason})", colour=DEFAULT_COLOUR
    )
    lines = []
    for view in views:
        title = link(safe(view.title, 200) or "(untitled)", view.url)
        meta = " · ".join(safe(x, 60) for x in view.facts)
        line = f"**{title}**" + (f" — {meta}" if meta else "")
        if view.claims:
            line += "\n" + "• " + safe(view.claims[0].text, 200)
        lines.append(line)
    lines.extend("⚠ " + safe(text, 300) for text in notices)
    room = DESCRIPTION_MAX - 40  # keeps space for the "…N more" line
    shown: list[str] = []
    for line in lines:
        if len("\n\n".join([*shown, line])) > room:
            break
        shown.append(line)
    if len(shown) < count:
        shown.append(f"…{count - len(shown)} more: /news recent")
    embed.description = "\n\n".join(shown)
    embed.set_footer(text=trim(f"{ref} · /news article <id> for details", FOOTER_MAX))
    return fit_embed(embed)


def notice_embed(text: str, ref: str) -> discord.Embed:
    embed = discord.Embed(description=safe(text, 2000), colour=0xF1C40F)
    embed.set_footer(text=ref)
    return embed
