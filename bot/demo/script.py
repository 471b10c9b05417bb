"""The demo, round by round: serve the invented feeds, run one real poll cycle per round
(`bot.app.run_bot(once=True)`: the real store, analysis, outbox and console alerts), then
say what was decided about each article the round brought and why.

`run_demo` returns a `DemoOutcome`; the demo only counts as shown when the three things it
is about happened: a new story alerted, a follow-up alerted with only its new claims, and
a retelling found to hold nothing new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.app import build_assessor, run_bot
from bot.config import (
    BotConfig,
    Config,
    ConsoleConfig,
    FeedConfig,
    FetchConfig,
    FullTextConfig,
    PollingConfig,
)
from bot.config_secrets import Secrets
from bot.demo.content import DemoArticle, DemoContent, load_content
from bot.demo.server import DemoFeedServer
from bot.feeds.identity import canonical_url
from bot.packaged import packaged_seeds
from bot.store import Store

RULE = "-" * 88


@dataclass
class DemoOutcome:
    """What the demo showed; `shown` when all three of its points came out as written."""

    new_story: bool = False
    follow_up: bool = False
    retelling: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.new_story and self.follow_up and self.retelling


@dataclass(frozen=True)
class Decision:
    """One demo article as the store has it after its round."""

    article: DemoArticle
    status: str
    story_id: str | None
    new_claims: int
    known_claims: int
    first_seen: str | None  # title of the article its known claims were first seen in


def demo_config(folder: Path, server: DemoFeedServer, content: DemoContent) -> Config:
    """A bot on the demo's feeds: a database in `folder`, the packaged seeds, console
    alerts only, and the address guard opened for 127.0.0.1 (the demo's own server)."""
    return Config(
        bot=BotConfig(database=folder / "newsbot.db", seeds_dir=packaged_seeds()),
        polling=PollingConfig(jitter_seconds=0),
        fetch=FetchConfig(allow_private_addresses=True),
        # the feeds carry whole texts: no article page is wanted (nor reachable)
        full_text=FullTextConfig(teaser_chars=100),
        console=ConsoleConfig(enabled="always"),
        feeds=tuple(FeedConfig(url=server.url(f.key), name=f.name) for f in content.feeds),
    )


async def run_demo(out: TextIO, folder: Path) -> DemoOutcome:
    """Run every round of the demo with its database in `folder`; print as it goes."""
    started = time.monotonic()
    content = load_content()
    server = DemoFeedServer(content)
    await server.start()
    outcome = DemoOutcome()
    try:
        unreachable = await server.unreachable()
        if unreachable is not None:
            outcome.problems.append(
                f"it cannot reach its own feeds on 127.0.0.1:{server.port} ({unreachable}):"
                " this machine's loopback interface seems to be down (in a namespace made"
                " with `unshare -n`, run `ip link set lo up` first)"
            )
            return outcome
        config = demo_config(folder, server, content)
        assessor = build_assessor(config)  # the shipped relevance model, loaded once
        _intro(out, content, server)
        decisions: dict[str, Decision] = {}
        for number in range(1, content.rounds + 1):
            server.round = number
            _round_header(out, number, content.in_round(number), content)
            await run_bot(config, Secrets(), assessor, once=True, stdout=out)
            store = Store.open(config.bot.database)
            try:
                for article in content.in_round(number):
                    decision = _decision(store, article)
                    decisions[article.id] = decision
                    out.write(_describe(decision, content) + "\n")
            finally:
                store.close()
        _judge(content, decisions, outcome)
    finally:
        await server.stop()
    outcome.seconds = time.monotonic() - started
    return outcome


# ------------------------------------------------------------------ narration


def _intro(out: TextIO, content: DemoContent, server: DemoFeedServer) -> None:
    out.write(
        "newsbot demo: the real bot on invented articles, offline.\n"
        f"{len(content.feeds)} feeds on http://127.0.0.1:{server.port}/, the seed corpus"
        " shipped with newsbot, a fresh database, alerts printed here.\n"
    )


def _round_header(
    out: TextIO, number: int, articles: list[DemoArticle], content: DemoContent
) -> None:
    out.write(f"\n{RULE}\nRound {number}: ")
    if number == 1:
        out.write(
            "the bot starts watching "
            + " and ".join(f.name for f in content.feeds)
            + ". What the feeds already hold is recorded, not alerted.\n"
        )
    else:
        by_feed = ", ".join(f"{content.feed(a.feed).name}: “{a.title}”" for a in articles)
        out.write(f"new in the feeds: {by_feed}\n")
    out.write(RULE + "\n")


def _decision(store: Store, article: DemoArticle) -> Decision:
    row = store.find_article_by_url(canonical_url(article.link))
    if row is None:
        return Decision(article, "missing", None, 0, 0, None)
    claims = store.claims_of(row["id"])
    seen = next((c.seen_in for c in claims if not c.novel and c.seen_in), None)
    first = store.get_article(seen) if seen else None
    return Decision(
        article,
        str(row["status"]),
        row["story_id"],
        sum(1 for c in claims if c.novel),
        sum(1 for c in claims if not c.novel),
        str(first["title"]) if first else None,
    )


def _describe(decision: Decision, content: DemoContent) -> str:
    article = decision.article
    head = f"  {content.feed(article.feed).name} · “{article.title}”\n    → "
    status = decision.status
    if status == "recorded":
        return head + "recorded without alerting (it was in the feed before the bot watched it)"
    if status == "not_relevant":
        return head + "not posted: not about AI training-data disputes"
    if status == "nothing_new":
        where = f" “{decision.first_seen}”" if decision.first_seen else " earlier articles"
        return head + f"not posted: nothing new, every claim was already known from{where}"
    if status == "alerted" and decision.known_claims:
        return head + (
            f"posted as a follow-up: {decision.new_claims} new claim(s) shown; "
            f"{decision.known_claims} already known from “{decision.first_seen}” left out"
        )
    if status == "alerted":
        return head + f"posted: a new story, {decision.new_claims} new claim(s)"
    return head + f"{status.replace('_', ' ')}"


def _judge(content: DemoContent, decisions: dict[str, Decision], outcome: DemoOutcome) -> None:
    """Did the three points of the demo come out as its articles were written?"""
    story = decisions.get(content.by_role("new story").id)
    follow = decisions.get(content.by_role("follow-up").id)
    retold = decisions.get(content.by_role("retelling").id)
    outcome.new_story = bool(story and story.status == "alerted" and not story.known_claims)
    story_id = story.story_id if story else None
    outcome.follow_up = bool(
        follow
        and follow.status == "alerted"
        and follow.story_id == story_id
        and follow.new_claims
        and follow.known_claims
    )
    outcome.retelling = bool(
        retold and retold.status == "nothing_new" and retold.story_id == story_id
    )
    for name, ok in (
        ("a new story", outcome.new_story),
        ("a follow-up with only its new claims", outcome.follow_up),
        ("a retelling with nothing new", outcome.retelling),
    ):
        if not ok:
            outcome.problems.append(f"the demo did not show {name}")
