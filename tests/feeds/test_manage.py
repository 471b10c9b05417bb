"""Feed management through the CLI: add, remove, list with health, OPML import and export."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.commands import Commands
from bot.chat.feed_commands import FeedAdmin
from bot.cli import main
from bot.errors import FeedError
from bot.feeds.fetch import Fetcher, FetchSettings, make_client
from bot.feeds.manage import web_check, web_download
from bot.feeds.opml import MAX_OPML_BYTES, read_opml
from bot.feeds.parse_pool import FeedParser
from bot.models import Feed
from bot.store import Store
from tests.conftest import REPO
from tests.feedserver import FeedServer, rss

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
ITEM = ("Training suit", "https://news.example/1", "About training.")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
        "[fetch]\nallow_private_addresses = true\n"
        '[[feeds]]\nurl = "https://configured.example/feed"\nname = "From config"\n'
    )
    return path


def _cli(config: Path, *args: str) -> int:
    return main(["feeds", *args, "--config", str(config)])


def test_add_list_remove(
    config: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/feed.xml", rss(ITEM, title="Court Watch"))
    assert _cli(config, "add", url, "--name", "CW", "--interval", "45") == 0
    out = capsys.readouterr().out
    assert f"added {url}: Court Watch, 1 items now" in out
    assert "records what is there without alerting" in out

    assert _cli(config, "add", url) == 2
    assert "already watched" in capsys.readouterr().err

    assert _cli(config, "list") == 0
    listing = capsys.readouterr().out
    assert url in listing and "from cli · every 45 min" in listing
    assert "https://configured.example/feed" in listing and "not checked yet" in listing
    assert "2 feeds, 0 failing" in listing

    assert _cli(config, "remove", url) == 0
    assert "its articles stay searchable" in capsys.readouterr().out
    assert _cli(config, "remove", url) == 2
    assert "is not watched" in capsys.readouterr().err


def test_adding_a_web_page_is_a_clear_error_with_the_feeds_it_links(
    config: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = server.serve(
        "/blog/",
        '<!doctype html><html><head><link rel="alternate" type="application/rss+xml"'
        ' href="/blog/feed.xml"></head><body>Blog</body></html>',
        content_type="text/html",
    )
    assert _cli(config, "add", page) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"newsbot: feeds: {page} is not a feed")
    assert server.url("/blog/feed.xml") in err and "Traceback" not in err
    assert _cli(config, "add", server.url("/missing.xml")) == 2
    assert "HTTP 404" in capsys.readouterr().err
    assert _cli(config, "add", "ftp://x.example/feed") == 2
    assert "not a web address" in capsys.readouterr().err


def test_list_shows_health_of_a_failing_feed(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(config, "list")
    capsys.readouterr()
    store = Store.open(tmp_path / "bot.db")
    store.update_feed(
        "https://configured.example/feed",
        {
            "consecutive_failures": 4,
            "last_error": "HTTP 503 Service Unavailable",
            "last_error_at": "2025-11-06T09:00:00+00:00",
            "last_success_at": "2025-11-05T09:00:00+00:00",
            "next_check_at": "2025-11-06T17:00:00+00:00",
        },
    )
    store.close()
    _cli(config, "list")
    out = capsys.readouterr().out
    assert "[failing (4 in a row)]" in out
    assert "last error: 2025-11-06 09:00 UTC: HTTP 503 Service Unavailable" in out
    assert "last success: 2025-11-05 09:00 UTC" in out
    assert "next check: 2025-11-06 17:00 UTC" in out


def test_removing_a_config_feed_warns_it_comes_back(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(config, "remove", "https://configured.example/feed") == 0
    assert "comes back at the next start" in capsys.readouterr().err


def test_opml_import_and_export_round_trip(
    config: Path, tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    law = server.serve("/law.xml", rss(ITEM, title="Law feed"))
    tech = server.serve("/tech.xml", rss(ITEM, title="Tech feed"))
    broken = server.serve("/broken.xml", "oops", status=500)
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>mine</title></head><body>'
        f'<outline text="Folder"><outline text="Law blog" type="rss" xmlUrl="{law}"'
        ' htmlUrl="https://law.example/"/></outline>'
        f'<outline title="Tech &amp; data" xmlUrl="{tech}"/>'
        f'<outline text="dup" xmlUrl="{tech}"/>'
        '<outline text="Bad" xmlUrl="javascript:alert(1)"/>'
        f'<outline text="Broken" xmlUrl="{broken}"/>'
        '<outline text="Configured" xmlUrl="https://configured.example/feed"/>'
        "</body></opml>"
    )
    assert _cli(config, "import", str(opml)) == 0
    out = capsys.readouterr().out
    assert f"added {law}\n" in out and f"added {tech}\n" in out
    assert f"skipped {broken}: could not fetch {broken}: HTTP 500" in out
    assert "skipped javascript:alert(1): 'javascript:alert(1)' is not a web address" in out
    assert "skipped https://configured.example/feed: already watched" in out
    assert "2 added, 1 already watched, 2 skipped" in out
    assert _cli(config, "export") == 0
    exported = capsys.readouterr().out
    feeds = read_opml(exported.encode())
    assert {f.url for f in feeds} == {"https://configured.example/feed", law, tech}
    assert {f.title for f in feeds} >= {"Law blog", "Tech & data", "From config"}


@pytest.mark.parametrize("content", ["not xml <", "<html><body/></html>"])
def test_bad_opml_is_a_clear_error(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "bad.opml"
    path.write_text(content)
    assert _cli(config, "import", str(path)) == 2
    assert "not an OPML file" in capsys.readouterr().err
    assert _cli(config, "import", str(tmp_path / "missing.opml")) == 2
    assert "cannot read" in capsys.readouterr().err


def test_config_sync_keeps_cli_feeds_and_drops_removed_config_feeds(store: Store) -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 11, 6, tzinfo=UTC)
    store.sync_feeds([Feed(url="https://a.example/f", name="A")], now)
    store.add_feed("https://cli.example/f", now=now)
    store.update_feed("https://a.example/f", {"etag": '"abc"'})
    store.sync_feeds([Feed(url="https://a.example/f", name="A2")], now)
    a = store.get_feed("https://a.example/f")
    assert a is not None and a.name == "A2" and a.state.etag == '"abc"'  # state kept
    store.sync_feeds([Feed(url="https://b.example/f", name="B")], now)
    assert [f.url for f in store.feeds()] == ["https://b.example/f", "https://cli.example/f"]


# ------------------------------------------------------------------ the service itself


async def test_import_checks_every_feed_like_add_and_names_each_one(
    store: Store, server: FeedServer
) -> None:
    """The Slack report: an import added a feed answering HTTP 500 (which add refuses) and
    answered "2 feed(s) added, 1 already watched or not http(s)" without naming them."""
    good = server.serve("/good.xml", rss(ITEM, title="Good"))
    broken = server.serve("/broken.xml", "oops", status=500)
    page = server.serve("/page", "<html><body>a page</body></html>", content_type="text/html")
    store.add_feed(server.url("/known.xml"), now=NOW)
    opml = (
        f'<opml><body><outline xmlUrl="{good}"/><outline xmlUrl="{broken}"/>'
        f'<outline xmlUrl="{page}"/><outline xmlUrl="{server.url("/known.xml")}"/>'
        '<outline xmlUrl="ftp://x.example/feed"/></body></opml>'
    ).encode()
    async with checked_commands(store) as commands:
        answer = await commands.feeds_import(opml)
    assert answer.text == "1 feed(s) added, 4 skipped."
    assert [(i.title, i.meta) for i in answer.items] == [
        ("Good", "added"),
        (broken, f"skipped: could not fetch {broken}: HTTP 500 Internal Server Error"),
        (page, "skipped: " + answer.items[2].meta.removeprefix("skipped: ")),
        (server.url("/known.xml"), "skipped: already watched"),
        (
            "ftp://x.example/feed",
            "skipped: 'ftp://x.example/feed' is not a web address (http:// or https://)",
        ),
    ]
    assert f"{page} is not a feed" in answer.items[2].meta
    assert store.get_feed(broken) is None and store.get_feed(good) is not None


async def test_add_and_import_follow_a_permanent_redirect(store: Store, server: FeedServer) -> None:
    new = server.serve("/new.xml", rss(ITEM, title="Moved"))
    old = server.redirect("/old.xml", "/new.xml", status=301)
    other = server.redirect("/other.xml", "/new.xml", status=301)
    async with checked_commands(store) as commands:
        added = await commands.feeds.add(old)
        assert added.url == new and store.get_feed(new) is not None
        report = await commands.feeds.import_opml(
            f'<opml><body><outline xmlUrl="{other}"/></body></opml>'.encode()
        )
    assert report.added == ()
    assert [s.reason for s in report.skipped] == [
        f"{other} redirects to {new}, which is already watched"
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<opml><head/></opml>", "no <opml><body>"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>', "declares XML entities"),
        (b"<opml><body>" + b" " * MAX_OPML_BYTES + b"</body></opml>", "more than 1000 KB"),
        (b"<opml><body>", "invalid XML"),
    ],
)
async def test_one_opml_rule_set_for_every_caller(store: Store, data: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        read_opml(data)
    answer = await Commands(store, lambda: NOW).feeds_import(data)
    assert answer.error and reason in answer.text


async def test_import_from_a_url_uses_the_same_cap_and_checks(
    store: Store, server: FeedServer
) -> None:
    good = server.serve("/good.xml", rss(ITEM, title="Good"))
    listing = server.serve("/list.opml", f'<opml><body><outline xmlUrl="{good}"/></body></opml>')
    huge = server.serve("/huge.opml", b"<opml><body>" + b" " * (MAX_OPML_BYTES + 10))
    async with checked_commands(store) as commands:
        answer = await commands.feeds_import_url(listing)
        too_big = await commands.feeds_import_url(huge)
        missing = await commands.feeds_import_url(server.url("/none.opml"))
    assert answer.text == "1 feed(s) added, 0 skipped." and store.get_feed(good) is not None
    assert too_big.error and "could not fetch" in too_big.text
    assert missing.error and "HTTP 404" in missing.text


@contextlib.asynccontextmanager
async def checked_commands(store: Store) -> AsyncIterator[Commands]:
    """Commands whose feed checks fetch for real, as the running bot builds them."""
    settings = dataclasses.replace(FetchSettings(), allow_private_addresses=True)
    opml_settings = dataclasses.replace(settings, max_body_bytes=MAX_OPML_BYTES)
    parser = FeedParser()
    try:
        async with make_client(settings) as client:
            admin = FeedAdmin(
                check=web_check(Fetcher(client, settings), parser, lambda: NOW),
                download=web_download(Fetcher(client, opml_settings)),
            )
            yield Commands(store, lambda: NOW, feed_admin=admin)
    finally:
        parser.close()


# ------------------------------------------------------------------ the running bot, on Slack


async def test_slack_import_refuses_a_broken_feed_and_names_every_feed(
    tmp_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report as a new user met it: `/news feeds import <URL>` on Slack, the whole bot."""
    from bot.app import run_bot
    from bot.chat.slack import client as slack_chat
    from bot.config import Secret, Secrets, parse_config
    from tests.chat.conftest import StoryAssessor
    from tests.slack_fake import FakeSlack

    slack = await FakeSlack(users={"UADMIN": {"is_admin": True}}).start()
    monkeypatch.setattr(slack_chat, "SLACK_API_URL", slack.api_url)
    good = server.serve("/good.xml", rss(ITEM, title="Good feed"))
    broken = server.serve("/broken.xml", "oops", status=500)
    listing = server.serve(
        "/subs.opml",
        f'<opml version="2.0"><body><outline text="G" xmlUrl="{good}"/>'
        f'<outline text="B" xmlUrl="{broken}"/>'
        f'<outline text="dup" xmlUrl="{good}"/></body></opml>',
    )
    config = parse_config(
        {
            "bot": {"database": str(tmp_path / "bot.db"), "seeds_dir": str(REPO / "seeds")},
            "console": {"enabled": "never"},
            "slack": {"channel": "C0ALERTS"},
            "fetch": {"allow_private_addresses": True},
            "full_text": {"enabled": False},
        }
    )
    secrets = Secrets({"SLACK_BOT_TOKEN": Secret("xoxb-t"), "SLACK_APP_TOKEN": Secret("xapp-t")})
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_bot(config, secrets, StoryAssessor(), once=False, stdout=io.StringIO(), stop=stop)
    )
    try:
        await asyncio.wait_for(slack.socket_connected.wait(), 10)
        payload = {
            "team_id": "T1",
            "channel_id": "C0ALERTS",
            "user_id": "UADMIN",
            "command": "/news",
            "text": f"feeds import {listing}",
            "response_url": f"{slack.base}/response/import",
        }
        await slack.push_envelope("slash_commands", payload, "env-import")
        await slack.wait_for(lambda: any(c.method == "import" for c in slack.responses), 20)
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 10) == 0
        await slack.stop()
    answer = str(next(c for c in slack.responses if c.method == "import").params)
    assert "1 feed(s) added, 1 skipped." in answer
    assert good in answer and broken in answer and "HTTP 500" in answer
    with contextlib.closing(Store.open(tmp_path / "bot.db")) as store:
        assert store.get_feed(good) is not None and store.get_feed(broken) is None
