"""`newsbot feeds add|remove|list|import|export|pause|resume|interval|preview`: format what
bot.feeds.manage returns."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import SubParsers, command, when
from bot.config import Config
from bot.errors import FeedManagementError
from bot.exits import EXIT_OK
from bot.feeds.limits import MAX_PREVIEW_ITEMS
from bot.feeds.opml import MAX_OPML_BYTES
from bot.timeutil import utc_now

if TYPE_CHECKING:  # the HTTP client and the store load when a command runs
    from bot.feeds.manage import FeedChanged, FeedManager
    from bot.feeds.preview import FeedPreview
    from bot.store import Store


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    feeds = sub.add_parser("feeds", parents=[common], help="manage the watched feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND", required=True)
    add = command(feeds_sub, "add", common, _on_store, help="fetch a feed once and watch it")
    add.add_argument("url", help="the feed's address (RSS, Atom or JSON Feed)")
    add.add_argument("--name", default="", help="how alerts name the source")
    add.add_argument("--interval", type=int, default=None, help="minutes between polls")
    add.add_argument(
        "--backfill", type=int, default=0, help="analyse the newest N items on the first poll"
    )
    remove = command(feeds_sub, "remove", common, _on_store, help="stop watching a feed")
    remove.add_argument("url")
    command(
        feeds_sub,
        "list",
        common,
        _on_store,
        help="watched feeds with their health and next check",
    )
    imp = command(
        feeds_sub, "import", common, _on_store, help="check and add the feeds of an OPML file"
    )
    imp.add_argument("file", type=Path, help="an OPML file")
    command(feeds_sub, "export", common, _on_store, help="print the watched feeds as OPML")
    pause = command(
        feeds_sub, "pause", common, _on_store, help="stop polling a feed, keeping it, until resume"
    )
    pause.add_argument("url")
    resume = command(feeds_sub, "resume", common, _on_store, help="poll a paused feed again")
    resume.add_argument("url")
    interval = command(
        feeds_sub, "interval", common, _on_store, help="change the minutes between a feed's polls"
    )
    interval.add_argument("url")
    interval.add_argument("minutes", type=int, help="minutes between polls")
    preview = command(
        feeds_sub,
        "preview",
        common,
        _on_store,
        help="what a feed would post right now: fetched and analysed, nothing stored",
    )
    preview.add_argument("url", help="a feed's address, watched or not")
    preview.add_argument(
        "--items",
        type=int,
        default=5,
        help=f"how many of its newest items to analyse (1 to {MAX_PREVIEW_ITEMS}, default 5)",
    )


def _on_store(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from bot.app import sync_config_feeds
    from bot.store import Store

    store = Store.open(config.bot.database)
    try:
        sync_config_feeds(config, store)
        return asyncio.run(_run(config, store, args, out, err))
    finally:
        store.close()


async def _run(
    config: Config, store: Store, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    from bot.app import build_assessor, build_full_text, feed_admin, fetch_settings
    from bot.feeds.fetch import Fetcher, make_client
    from bot.feeds.manage import FeedManager
    from bot.feeds.parse_pool import FeedParser
    from bot.feeds.preview import web_preview
    from bot.seeds import load_config_seeds

    action = args.feeds_command
    feeds = FeedManager(
        store,
        utc_now,
        default_interval=config.polling.interval_minutes,
        interval_bounds=(config.polling.min_interval_minutes, config.polling.max_interval_minutes),
    )
    if action == "remove":
        return await feeds_remove(feeds, args.url, out, err)
    if action in ("pause", "resume"):
        change = feeds.pause if action == "pause" else feeds.resume
        return feeds_changed(await change(args.url), out)
    if action == "interval":
        return feeds_changed(await feeds.set_interval(args.url, args.minutes), out)
    if action == "list":
        return feeds_list(feeds, out)
    if action == "export":
        out.write(feeds.export_opml())
        return EXIT_OK
    settings = fetch_settings(config)  # add and import fetch every feed once
    parser = FeedParser()
    try:
        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings)
            admin = feed_admin(config, fetcher, fetcher, parser)
            feeds.check, feeds.download = admin.check, admin.download
            if action == "preview":
                seeds = load_config_seeds(config)  # compared with, as `run` would
                feeds.previewer = web_preview(
                    fetcher,
                    parser,
                    build_assessor(config),
                    store,
                    utc_now,
                    article_text=build_full_text(config, fetcher),
                    seeds=seeds,
                )
                return feeds_preview(await feeds.preview(args.url, args.items), out)
            if action == "add":
                return await feeds_add(feeds, args, out)
            return await feeds_import(feeds, args.file, out)
    finally:
        parser.close()


async def feeds_add(feeds: FeedManager, args: argparse.Namespace, out: TextIO) -> int:
    added = await feeds.add(
        args.url, name=args.name, interval_minutes=args.interval, backfill=args.backfill
    )
    out.write(f"added {added.url}: {added.title or '(untitled)'}, {added.items} items now\n")
    if added.warning:
        out.write(f"warning: {added.warning}\n")
    out.write(
        "the first poll records what is there without alerting"
        + (f" (except the newest {args.backfill})" if args.backfill else "")
        + "\n"
    )
    return EXIT_OK


async def feeds_remove(feeds: FeedManager, url: str, out: TextIO, err: TextIO) -> int:
    try:
        removed = await feeds.remove(url)
    except FeedManagementError as exc:
        raise FeedManagementError(f"{exc} (see `newsbot feeds list`)") from None
    out.write(f"removed {removed.url}; its articles stay searchable\n")
    if removed.origin == "config":
        err.write(
            "note: this feed is listed in the config file and comes back at the next start;"
            " remove it there too\n"
        )
    return EXIT_OK


def feeds_changed(done: FeedChanged, out: TextIO) -> int:
    state = "paused (not polled)" if done.paused else "polled"
    out.write(f"{done.url}: {state}, every {done.interval_minutes} min")
    out.write("\n" if done.changed else " (no change)\n")
    return EXIT_OK


def feeds_preview(preview: FeedPreview, out: TextIO) -> int:
    from bot.chat.feed_commands import preview_line

    out.write(
        f"{preview.url}: {preview.title or '(untitled)'}, {preview.items} items now;"
        f" the newest {len(preview.shown)} judged (nothing stored or posted)\n"
    )
    for item in preview.shown:
        out.write(f"  {item.title or '(untitled)'}\n    {preview_line(item)}\n")
        for claim in item.new_claims:
            out.write(f"      - {claim}\n")
    out.write(f"{preview.would_post} would be posted")
    if not preview.watched:
        out.write(
            "; not watched yet: once added, its first poll records these without alerting"
            " (--backfill N analyses the newest N instead)"
        )
    out.write("\n")
    return EXIT_OK


def feeds_list(feeds: FeedManager, out: TextIO) -> int:
    rows = feeds.health()
    if not rows:
        out.write("no feeds yet: add one with `newsbot feeds add URL`\n")
        return EXIT_OK
    for h in rows:
        out.write(f"{h.url}  [{h.state}]\n")
        if h.name:
            out.write(f"    name: {h.name} · from {h.origin} · every {h.interval_minutes} min\n")
        if h.fetch_url and h.fetch_url != h.url:
            out.write(f"    moved to: {h.fetch_url}\n")
        out.write(f"    last success: {when(h.last_success_at)}\n")
        if h.last_error:
            out.write(f"    last error: {when(h.last_error_at)}: {h.last_error}\n")
        out.write(f"    next check: {'none, paused' if h.paused else when(h.next_check_at)}\n")
    failing = sum(1 for h in rows if h.consecutive_failures and not h.paused)
    paused = sum(1 for h in rows if h.paused)
    out.write(f"{len(rows)} feeds, {failing} failing" + (f", {paused} paused" if paused else ""))
    out.write("\n")
    return EXIT_OK


async def feeds_import(feeds: FeedManager, path: Path, out: TextIO) -> int:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_OPML_BYTES + 1)  # one byte over: read_opml names the cap
    except OSError as exc:
        raise FeedManagementError(f"cannot read {path}: {exc.strerror}") from None
    report = await feeds.import_opml(data)
    for added in report.added:
        out.write(f"added {added.url}\n")
    for skipped in report.skipped:
        out.write(f"skipped {skipped.url}: {skipped.reason}\n")
    invalid = report.count("invalid") + report.count("failed")
    out.write(
        f"{len(report.added)} added, {report.count('known')} already watched, {invalid} skipped\n"
    )
    if report.left_out:
        from bot.feeds.manage import MAX_IMPORT

        out.write(f"{report.left_out} more were left out (at most {MAX_IMPORT} per import)\n")
    return EXIT_OK
