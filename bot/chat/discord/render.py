"""Discord embeds for alerts, digests, notices and command answers.

Every piece of outside text (titles, summaries, claims, snippets) goes through `safe`,
which neutralises markdown and mentions; every piece is then trimmed to Discord's limits
at a sentence boundary where there is one. Messages are sent with no allowed mentions
as well, so nothing here can ever ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.chat.earlier import EarlierLookup
from bot.chat.render import one_line, story_label
from bot.models import Alert, Claim

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

# What we choose to show.
SUMMARY_CHARS = 450  # "one to three lines"
CLAIM_CHARS = 300
QUOTE_CHARS = 200
MAX_CLAIMS = 8
MAX_EARLIER = 5

CATEGORY_COLOURS = {
    "lawsuit": 0xC0392B,
    "licensing": 0x27AE60,
    "regulation": 0x2980B9,
    "scraping": 0xD35400,
    "opt_out": 0x8E44AD,
}
DEFAULT_COLOUR = 0x7F8C8D

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
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
    """Cut `text` to at most `limit` characters: at a sentence end if one is in the last
    half, else at a word boundary, with an ellipsis when anything was cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit // 2:
        return _unbroken_escape(head[: ends[-1]])
    space = head.rfind(" ")
    cut = head[:space] if space >= limit // 2 else head
    return _unbroken_escape(cut.rstrip()) + "…"


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


def alert_embed(
    alert: Alert,
    ref: str,
    *,
    follow_up: bool = False,
    earlier: EarlierLookup | None = None,
) -> discord.Embed:
    """The embed for one alert. A follow-up (posted in its story's thread) shows only the
    new claims; a first alert shows the summary, the claims, earlier coverage and story."""
    embed = discord.Embed(
        title=safe(alert.title, TITLE_MAX) or "(untitled)",
        url=http_url(alert.url),
        colour=CATEGORY_COLOURS.get(alert.category or "", DEFAULT_COLOUR),
        timestamp=alert.published,
    )
    if alert.source:
        embed.set_author(name=safe(alert.source, AUTHOR_MAX))
    parts: list[str] = []
    if alert.summary and not follow_up:
        parts.append(safe(alert.summary, SUMMARY_CHARS))
    claims = claim_lines(alert.new_claims)
    if claims:
        heading = "**New in this story**" if follow_up else "**What's new**"
        parts.append(heading + "\n" + "\n".join(claims))
    embed.description = fit_lines(parts, DESCRIPTION_MAX, separator="\n\n")
    meta = [
        ("Source", safe(alert.source, 200) if alert.source else ""),
        ("Date", _date(alert.published)),
        ("Category", safe((alert.category or "").replace("_", " "), 100)),
    ]
    for name, value in meta:
        if value:
            embed.add_field(name=name, value=value, inline=True)
    if not follow_up and alert.story:
        embed.add_field(name="Story", value=safe(story_label(alert), 200), inline=True)
    if not follow_up and alert.earlier:
        lines = earlier_lines(alert.earlier, earlier)
        if lines:
            embed.add_field(
                name="Earlier coverage", value=fit_lines(lines, FIELD_VALUE_MAX), inline=False
            )
    embed.set_footer(text=trim(f"{alert.article_id} · {ref} · /news why explains", FOOTER_MAX))
    return fit_embed(embed)


def claim_lines(claims: Sequence[Claim]) -> list[str]:
    """One bullet per claim, each with its supporting quote when there is one."""
    lines = []
    for claim in claims[:MAX_CLAIMS]:
        line = "• " + safe(claim.text, CLAIM_CHARS)
        quote = (claim.quote or "").strip()
        if quote and one_line(quote) != one_line(claim.text):
            line += "\n> “" + safe(quote, QUOTE_CHARS) + "”"
        lines.append(line)
    if len(claims) > MAX_CLAIMS:
        lines.append(f"…and {len(claims) - MAX_CLAIMS} more (/news article)")
    return lines


def earlier_lines(ids: Sequence[str], lookup: EarlierLookup | None) -> list[str]:
    lines = []
    for item_id in ids[:MAX_EARLIER]:
        item = lookup(item_id) if lookup else None
        if item is None:
            lines.append("• " + safe(item_id, 200))
            continue
        text = safe(item.title or item_id, 150)
        source = f" ({safe(item.source, 60)})" if item.source else ""
        lines.append("• " + link(text, item.url) + source)
    if len(ids) > MAX_EARLIER:
        lines.append(f"…and {len(ids) - MAX_EARLIER} more")
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


def _date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


# ------------------------------------------------------------------ digests, notices


def digest_embed(
    alerts: Sequence[Alert], notices: Sequence[str], ref: str, *, reason: str
) -> discord.Embed:
    """One embed listing many alerts (title link, source, first new claim each)."""
    count = len(alerts) + len(notices)
    embed = discord.Embed(
        title=f"{count} update{'s' if count != 1 else ''} ({reason})", colour=DEFAULT_COLOUR
    )
    lines = []
    for alert in alerts:
        title = link(safe(alert.title, 200) or "(untitled)", alert.url)
        meta = " · ".join(
            x for x in (safe(alert.source, 60), _date(alert.published), alert.category or "") if x
        )
        line = f"**{title}**" + (f" — {meta}" if meta else "")
        if alert.new_claims:
            line += "\n" + "• " + safe(alert.new_claims[0].text, 200)
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
