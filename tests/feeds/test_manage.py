"""Feed management through the CLI: add, remove, list with health, OPML import and export."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.feeds.opml import read_opml
from bot.models import Feed
from bot.store import Store
from tests.conftest import REPO
from tests.feedserver import FeedServer, rss

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
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>mine</title></head><body>'
        '<outline text="Folder"><outline text="Law blog" type="rss"'
        ' xmlUrl="https://law.example/feed" htmlUrl="https://law.example/"/></outline>'
        '<outline title="Tech &amp; data" xmlUrl="https://tech.example/rss"/>'
        '<outline text="dup" xmlUrl="https://tech.example/rss"/>'
        '<outline text="Bad" xmlUrl="javascript:alert(1)"/>'
        '<outline text="Configured" xmlUrl="https://configured.example/feed"/>'
        "</body></opml>"
    )
    assert _cli(config, "import", str(opml)) == 0
    out = capsys.readouterr().out
    assert "2 added, 1 already watched, 1 skipped" in out
    assert _cli(config, "export") == 0
    exported = capsys.readouterr().out
    feeds = read_opml(exported.encode())
    assert {f.url for f in feeds} == {
        "https://configured.example/feed",
        "https://law.example/feed",
        "https://tech.example/rss",
    }
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
