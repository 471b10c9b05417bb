"""Pause, resume, interval and preview: through the CLI, the feed service, the scheduler
and the pipeline, with a real store and a real feed server on 127.0.0.1; previews run the
real analysis over the demo's invented articles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.content import load_content
from bot.feeds.manage import FeedManagementError, FeedManager
from bot.models import Feed
from bot.pipeline import FeedResult
from bot.scheduler import FeedScheduler
from bot.store import Store
from tests.conftest import REPO
from tests.feeds.conftest import Rig
from tests.feedserver import FeedServer, rss

CONFIGURED = "https://configured.example/feed"
DEMO = load_content()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
        "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
        f'[[feeds]]\nurl = "{CONFIGURED}"\nname = "From config"\n'
    )
    return path


def _cli(config: Path, *args: str) -> int:
    return main(["feeds", *args, "--config", str(config)])


def _now() -> datetime:
    return datetime.now(UTC)


def _feed(tmp_path: Path, url: str) -> Feed | None:
    store = Store.open(tmp_path / "bot.db")
    try:
        return store.get_feed(url)
    finally:
        store.close()


def test_pause_and_resume_survive_restarts_and_show_in_the_list(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(config, "pause", CONFIGURED) == 0
    assert capsys.readouterr().out == f"{CONFIGURED}: paused (not polled), every 30 min\n"
    # every command syncs the config's feeds into the store: the pause stays
    assert _cli(config, "list") == 0
    listing = capsys.readouterr().out
    assert f"{CONFIGURED}  [paused]" in listing
    assert "next check: none, paused" in listing
    assert listing.endswith("1 feeds, 0 failing, 1 paused\n")
    feed = _feed(tmp_path, CONFIGURED)
    assert feed is not None and feed.paused

    assert _cli(config, "pause", CONFIGURED) == 0
    assert capsys.readouterr().out.endswith("(no change)\n")
    assert _cli(config, "resume", CONFIGURED) == 0
    assert capsys.readouterr().out == f"{CONFIGURED}: polled, every 30 min\n"
    feed = _feed(tmp_path, CONFIGURED)
    assert feed is not None and not feed.paused

    assert _cli(config, "pause", "https://nowhere.example/feed") == 2
    assert capsys.readouterr().err == (
        "newsbot: feeds: https://nowhere.example/feed is not watched\n"
    )


def test_interval_is_bounded_and_a_config_feed_keeps_its_own(
    config: Path, tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/feed.xml", rss(("Training suit", "https://n.example/1", "About it.")))
    assert _cli(config, "add", url) == 0
    capsys.readouterr()
    assert _cli(config, "interval", url, "90") == 0
    assert capsys.readouterr().out == f"{url}: polled, every 90 min\n"
    feed = _feed(tmp_path, url)
    assert feed is not None and feed.interval_minutes == 90

    for bad in ("2", "1441", "0"):
        assert _cli(config, "interval", url, bad) == 2
        assert capsys.readouterr().err == (
            "newsbot: feeds: the interval must be 5 to 1440 minutes"
            f" (polling.min_interval_minutes to polling.max_interval_minutes), not {bad}\n"
        )
    feed = _feed(tmp_path, url)
    assert feed is not None and feed.interval_minutes == 90  # nothing changed

    assert _cli(config, "add", server.serve("/b.xml", rss()), "--interval", "3") == 2
    assert "the interval must be 5 to 1440 minutes" in capsys.readouterr().err

    assert _cli(config, "interval", CONFIGURED, "60") == 2
    assert capsys.readouterr().err == (
        f"newsbot: feeds: {CONFIGURED} is listed in the config file; change interval_minutes"
        " in its [[feeds]] block there\n"
    )


async def test_a_paused_feed_is_not_polled_until_resumed(rig: Rig) -> None:
    item = ("Training data suit", "https://n.example/1", "A suit over training data.")
    kept = rig.add("/kept.xml", rss(item))
    paused = rig.add("/paused.xml", rss(item))
    feeds = FeedManager(rig.store, rig.clock)
    await feeds.pause(paused)
    results = await rig.pipeline.run_once()
    assert [r.url for r in results] == [kept]
    assert rig.server.count("/paused.xml") == 0
    # a job that was already due when the feed was paused fetches nothing either
    late = await rig.pipeline.poll_feed(paused)
    assert late.ok and late.next_check_at is None and rig.server.count("/paused.xml") == 0

    await feeds.resume(paused)
    assert {r.url for r in await rig.pipeline.run_once()} == {kept, paused}
    assert rig.server.count("/paused.xml") == 1


async def test_the_scheduler_drops_a_paused_feed_and_takes_it_back(store: Store) -> None:
    store.add_feed("https://a.example/feed", interval_minutes=30)
    store.add_feed("https://b.example/feed", interval_minutes=30)
    changes: list[str] = []

    async def poll(url: str) -> FeedResult:
        return FeedResult(url, ok=True)  # jobs due now may run; they change nothing

    scheduler = FeedScheduler(store, poll, _now, default_interval_minutes=30, jitter_seconds=0)
    feeds = FeedManager(store, _now)

    async def resync() -> None:
        changes.append("sync")
        scheduler.sync()

    feeds.changed = resync
    scheduler.start()
    try:
        await feeds.pause("https://b.example/feed")
        assert set(scheduler.feed_jobs()) == {"https://a.example/feed"}
        await feeds.set_interval("https://a.example/feed", 120)
        job = scheduler.scheduler.get_job("https://a.example/feed")
        assert job.trigger.interval.total_seconds() == 120 * 60
        await feeds.resume("https://b.example/feed")
        assert set(scheduler.feed_jobs()) == {"https://a.example/feed", "https://b.example/feed"}
    finally:
        await scheduler.stop()
    assert changes == ["sync", "sync", "sync"]


def test_preview_judges_a_feed_not_yet_watched_and_stores_nothing(
    config: Path, tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/wire.xml", DEMO.rss("wire", 2))
    assert _cli(config, "preview", url, "--items", "3") == 0
    out = capsys.readouterr().out
    suit, ferry, tram = (DEMO.by_role(r) for r in ("new story", "off topic", "already there"))
    assert out.startswith(
        f"{url}: Demo Wire (invented stories for the newsbot demo), 3 items now;"
        " the newest 3 judged (nothing stored or posted)\n"
    )
    assert f"  {ferry.title}\n    would not post: not about AI training-data disputes\n" in out
    assert f"  {suit.title}\n    would post: 5 new claim(s)\n" in out
    assert "      - The guild represents about 2,300 freelance illustrators.\n" in out
    assert f"  {tram.title}\n    would not post: not about AI training-data disputes\n" in out
    assert out.endswith(
        "1 would be posted; not watched yet: once added, its first poll records these without"
        " alerting (--backfill N analyses the newest N instead)\n"
    )
    store = Store.open(tmp_path / "bot.db")
    try:
        assert store.find_feed(url) is None
        assert store.count("articles") == 0  # not even the seeds it compared with
        assert store.outbox_length() == 0
    finally:
        store.close()

    for bad in ("0", "11"):
        assert _cli(config, "preview", url, "--items", bad) == 2
        assert capsys.readouterr().err == (
            f"newsbot: feeds: a preview shows 1 to 10 items, not {bad}\n"
        )
    assert _cli(config, "preview", server.url("/missing.xml")) == 2
    assert "could not fetch" in capsys.readouterr().err


async def test_preview_of_a_watched_feed_knows_what_it_has_seen(rig: Rig) -> None:
    """After a real poll, the preview calls those items seen; a new one it would post,
    and since the preview stored nothing the next real poll posts it."""
    from bot.analysis.assess import build_assessor
    from bot.analysis.relevance_model import load_model
    from bot.app import record_seeds
    from bot.feeds.fetch import Fetcher
    from bot.feeds.parse_pool import FeedParser
    from bot.feeds.preview import web_preview
    from bot.pipeline import Pipeline
    from bot.seeds import load_seeds
    from tests.feeds.conftest import TEST_FETCH

    assessor = build_assessor(0.5, load_model())
    record_seeds(rig.store, assessor, load_seeds(REPO / "seeds"), rig.clock())
    url = rig.add("/wire.xml", DEMO.rss("wire", 2), polled=False)
    fetcher = Fetcher(rig.client, TEST_FETCH)
    parser = FeedParser()
    pipeline = Pipeline(rig.store, fetcher, assessor, ["console"], rig.clock, parser=parser)
    feeds = FeedManager(
        rig.store, rig.clock, preview=web_preview(fetcher, parser, assessor, rig.store, rig.clock)
    )
    try:
        await pipeline.run_once()  # the first poll: recorded without alerting
        seen = await feeds.preview(url, 5)
        assert seen.watched and [i.outcome for i in seen.shown] == ["seen"] * 3

        rig.server.serve("/wire.xml", DEMO.rss("wire", 3))
        before = rig.store.count("articles")
        preview = await feeds.preview(url, 2)
        follow_up = DEMO.by_role("follow-up")
        assert [(i.title, i.outcome) for i in preview.shown] == [
            (follow_up.title, "alert"),
            (DEMO.by_role("off topic").title, "seen"),
        ]
        assert rig.store.count("articles") == before and rig.store.outbox_length() == 0

        (result,) = await pipeline.run_once()
        assert result.alerts == 1  # the preview left it new
        payload = json.loads(rig.store.db.execute("SELECT payload FROM outbox").fetchone()[0])
        assert payload["title"] == follow_up.title
    finally:
        parser.close()

    with pytest.raises(FeedManagementError, match="not a web address"):
        await feeds.preview("ftp://x.example/feed", 3)
