"""After the first poll the bot says what happened to what the feeds already held, or
that the machine seems to be offline (bot/first_poll.py, wired in bot/app.py)."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.app import EXIT_ALL_FEEDS_FAILED, run_bot
from bot.config import Config, Secrets, parse_config
from bot.feeds.fetch import Fetcher, FetchSettings, FetchState, make_client
from bot.first_poll import BACKFILL_HINT, OFFLINE, FirstPollReport, first_poll_lines
from bot.pipeline import FeedResult
from tests.conftest import REPO
from tests.fakes import KeywordAssessor
from tests.feedserver import rss, running_feed_server

ITEMS = [
    ("Authors sue over training", "https://n.example/1", "Authors sued over training data."),
    ("Chip news", "https://n.example/2", "Chips are fast."),
    ("Court ruling on scraping", "https://n.example/3", "A court ruled on scraping."),
]


class NoDns(AbstractResolver):
    """A resolver on a machine without a network: every name fails as getaddrinfo does."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        pass


async def test_a_name_that_does_not_resolve_is_told_apart_from_other_failures() -> None:
    settings = FetchSettings()
    async with make_client(settings, dns=NoDns()) as client:
        result = await Fetcher(client, settings).fetch(FetchState("https://feeds.example/x"))
    assert result.status == "error" and result.host_not_found
    assert "Name or service not known" in (result.error or "")
    # a refused connection is a failure too, but not an unresolved name
    async with make_client(FetchSettings(allow_private_addresses=True)) as client:
        refused = await Fetcher(client, FetchSettings(allow_private_addresses=True)).fetch(
            FetchState("http://127.0.0.1:9/feed.xml")
        )
    assert refused.status == "error" and not refused.host_not_found


def _dns_failed(url: str) -> FeedResult:
    return FeedResult(url, ok=False, error="could not connect: ...", host_not_found=True)


def test_every_feed_unresolved_says_the_machine_seems_offline() -> None:
    lines = first_poll_lines([_dns_failed("https://a.example/"), _dns_failed("https://b/")])
    assert lines == [(logging.WARNING, OFFLINE)]
    assert "make demo" in OFFLINE


def test_one_feed_failing_otherwise_is_not_called_offline() -> None:
    other = FeedResult("https://c.example/", ok=False, error="HTTP 500")
    assert first_poll_lines([_dns_failed("https://a.example/"), other]) == []
    assert first_poll_lines([]) == []


def test_a_first_poll_names_its_items_recorded_without_alerting_and_backfill() -> None:
    first = FeedResult("https://a.example/f", ok=True, items=12, first_poll=True, recorded=12)
    backfilled = FeedResult("https://b.example/f", ok=True, items=8, first_poll=True, recorded=5)
    later = FeedResult("https://c.example/f", ok=True, items=30, new_articles=2)
    lines = [line for _, line in first_poll_lines([first, backfilled, later])]
    assert lines == [
        "first poll of https://a.example/f: 12 items, 12 recorded without alerting; new items"
        " from now on are analysed and alerted",
        "first poll of https://b.example/f: 8 items, 5 recorded without alerting; the newest 3"
        " analysed (backfill); new items from now on are analysed and alerted",
        BACKFILL_HINT,
    ]
    assert first_poll_lines([later]) == []  # feeds polled before: nothing to explain


async def test_the_report_waits_for_every_feed_it_started_with_then_speaks_once() -> None:
    said: list[list[str]] = []
    report = FirstPollReport(["a", "b"], lambda results: said.append([r.url for r in results]))
    answers = {u: FeedResult(u, ok=True, first_poll=True) for u in ("a", "b", "late")}

    async def poll(url: str) -> FeedResult:
        return answers[url]

    polled = report.wrap(poll)
    await polled("a")
    await polled("a")  # its second poll does not count twice
    await polled("late")  # added after the start: not waited for
    assert said == []
    await polled("b")
    await polled("b")
    assert said == [["a", "b"]]


def _config(tmp_path: Path, feeds: list[dict[str, object]]) -> Config:
    return parse_config(
        {
            "bot": {"database": str(tmp_path / "db.sqlite"), "seeds_dir": str(REPO / "seeds")},
            "feeds": feeds,
            "fetch": {"allow_private_addresses": True},
            "full_text": {"enabled": False},
        }
    )


async def test_run_once_says_what_the_first_poll_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.first_poll")
    with running_feed_server() as server:
        url = server.serve("/ai.xml", rss(*ITEMS))
        config = _config(tmp_path, [{"url": url}])
        out = io.StringIO()
        code = await run_bot(config, Secrets(), KeywordAssessor(), once=True, stdout=out)
    assert code == 0
    assert out.getvalue() == ""  # nothing alerted
    said = [r.getMessage() for r in caplog.records if r.name == "bot.first_poll"]
    assert said == [
        f"first poll of {url}: 3 items, 3 recorded without alerting; new items from now on"
        " are analysed and alerted",
        BACKFILL_HINT,
    ]


async def test_run_once_with_no_name_resolving_says_offline_and_points_at_the_demo(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.first_poll")
    # .invalid never resolves (RFC 6761), online or not
    feeds = [{"url": "https://feeds.newsbot.invalid/a.xml"}, {"url": "https://x.invalid/b"}]
    config = _config(tmp_path, feeds)
    code = await run_bot(config, Secrets(), KeywordAssessor(), once=True, stdout=io.StringIO())
    assert code == EXIT_ALL_FEEDS_FAILED
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.first_poll"]
    assert said == [(logging.WARNING, OFFLINE)]
