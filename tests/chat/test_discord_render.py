"""Embeds: neutralised text, sentence-boundary trimming, and Discord's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord

from bot.chat.discord.render import (
    alert_embed,
    digest_embed,
    safe,
    thread_name,
    trim,
)
from bot.chat.earlier import EarlierItem, alert_context
from bot.chat.view import alert_view
from bot.models import Alert, Claim, alert_to_payload

WHEN = datetime(2025, 11, 6, tzinfo=UTC)


def big_alert(text: str, claims: int = 30) -> Alert:
    return Alert(
        article_id="a1",
        title=text,
        url="https://news.example/1",
        source=text,
        published=WHEN,
        category="lawsuit",
        story=text,
        summary=text,
        new_claims=tuple(Claim(text=text, novel=True, quote=text) for _ in range(claims)),
        earlier=tuple(f"e{n}" for n in range(40)),
    )


def test_trim_cuts_at_a_sentence_end_when_there_is_one() -> None:
    text = "The court ruled on Monday. The appeal is due in May. " * 3
    assert trim(text, 60) == "The court ruled on Monday. The appeal is due in May."
    assert trim("one two three four five six", 12) == "one two…"
    assert trim("short", 100) == "short"


def test_safe_neutralises_mentions_markdown_and_newlines() -> None:
    out = safe("@everyone <@&123> **bold** [x](https://evil.example)\n# head", 500)
    assert not re.search(r"@(everyone|here)|<@", out)
    assert "\\*\\*bold\\*\\*" in out and "\\[x\\]" not in out and "\\[x]" in out
    assert "\n" not in out


def test_safe_never_leaves_a_dangling_escape() -> None:
    for limit in range(5, 40):
        assert not safe("*" * 100, limit).endswith("\\") or safe("*" * 100, limit).endswith("\\\\")


class Articles:
    """The store's get_article over a dict of earlier articles."""

    def __init__(self, items: dict[str, EarlierItem]) -> None:
        self._items = items

    def get_article(self, article_id: str) -> dict[str, object] | None:
        item = self._items.get(article_id)
        return (
            None if item is None else {"title": item.title, "url": item.url, "source": item.source}
        )


def embed_of(
    alert: Alert,
    ref: str,
    *,
    follow_up: bool = False,
    earlier: dict[str, EarlierItem] | None = None,
) -> discord.Embed:
    context = alert_context(Articles(earlier or {}), alert_to_payload(alert))
    return alert_embed(alert_view(alert, context, follow_up=follow_up), ref)


def test_a_100kb_alert_fits_every_discord_limit() -> None:
    text = ("Claims about training data. @everyone **x** " * 3000)[:100_000]
    lookup = {
        f"e{n}": EarlierItem(title=text, url="https://old.example/" + "x" * 3000) for n in range(40)
    }
    embed = embed_of(big_alert(text), "ref 1", earlier=lookup)
    data = embed.to_dict()
    assert len(embed) <= 6000
    assert len(data["title"]) <= 256 and len(data["description"]) <= 4096
    assert len(data["fields"]) <= 25
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in data["fields"])
    assert len(data["author"]["name"]) <= 256
    assert "ref 1" in data["footer"]["text"]  # the marker always survives
    assert 0 < data["description"].count("• ") < 30  # whole bullets, as many as fit


def test_first_alert_shows_everything_a_follow_up_only_new_claims() -> None:
    alert = Alert(
        article_id="a1",
        title="Getty v Stability: ruling",
        url="https://news.example/1",
        source="Example",
        published=WHEN,
        category="lawsuit",
        story="getty-v-stability",
        summary="The court ruled on secondary infringement.",
        new_claims=(
            Claim(
                text="The court rejected the claim.",
                novel=True,
                quote="“We reject it,” the judge wrote.",
            ),
        ),
        earlier=("e1", "missing"),
    )
    lookup = {"e1": EarlierItem(title="Trial opens", url="https://old.example/1", source="Old")}
    first = embed_of(alert, "ref 3", earlier=lookup).to_dict()
    assert (
        first["title"] == "Getty v Stability: ruling" and first["url"] == "https://news.example/1"
    )
    assert first["description"].startswith("The court ruled on secondary infringement.")
    assert (
        "• The court rejected the claim.\n> ““We reject it,” the judge wrote.”"
        in first["description"]
    )
    fields = {f["name"]: f["value"] for f in first["fields"]}
    assert fields["Earlier coverage"] == "• [Trial opens](https://old.example/1) (Old)\n• missing"
    assert fields["Story"] == "getty-v-stability"
    follow = embed_of(alert, "ref 4", follow_up=True).to_dict()
    assert "secondary infringement" not in follow["description"]
    assert "Story" not in {f["name"] for f in follow["fields"]}


def test_a_bad_url_is_not_used_as_a_link() -> None:
    alert = big_alert("t", claims=1)
    for url in ("javascript:alert(1)", "https://x.example/a b", "ftp://x"):
        data = embed_of(Alert(**{**alert.__dict__, "url": url}), "ref 1").to_dict()
        assert "url" not in data


def test_digest_lists_each_alert_within_limits() -> None:
    alerts = [big_alert(f"Story {n} about training data. " * 20, claims=2) for n in range(20)]
    views = [alert_view(a) for a in alerts]
    embed = digest_embed(views, ["Feed X is failing"], "ref 1-21", reason="digest")
    assert embed.title == "21 updates (digest)"
    assert len(embed) <= 6000 and len(embed.description or "") <= 4096
    assert "more: /news recent" in (embed.description or "")


def test_thread_names_are_short_and_inert() -> None:
    name = thread_name("@everyone " * 50)
    assert len(name) <= 100 and "@everyone" not in name


def test_the_feed_title_as_embed_author_is_inert() -> None:
    hostile = "@everyone <@&123> **Breaking** [click](https://evil.example)\n<#555> news"
    alert = Alert(
        article_id="a1",
        title="t",
        url="https://news.example/1",
        source=hostile,
        published=WHEN,
        category="lawsuit",
        story="s",
        summary="",
        new_claims=(),
    )
    author = embed_of(alert, "ref 1").author.name or ""
    assert author == safe(hostile, 256)
    assert not re.search(r"@(everyone|here)|<[@#]", author)
    assert "\\*\\*Breaking\\*\\*" in author and "\n" not in author
