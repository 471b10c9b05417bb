"""Composition root and command line: parse arguments, load config, build everything, run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import __version__
from bot.chat.base import Destination
from bot.chat.commands import Commands, FeedAdmin, FeedProbe
from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.config import Config, Secrets, environment, load_config, load_secrets
from bot.errors import (
    ConfigError,
    FeedError,
    NewsbotError,
    SearchQueryError,
    SeedError,
    StoreError,
)
from bot.feeds.fetch import Fetcher, FetchSettings, FetchState, make_client, user_agent
from bot.feeds.fulltext import FullText, FullTextSettings
from bot.feeds.manage import (
    FeedManagementError,
    add_feed,
    export_opml,
    feed_health,
    import_opml,
    remove_feed,
)
from bot.feeds.schedule import CheckBounds
from bot.feeds.workers import FeedParser
from bot.logs import setup_logging
from bot.pipeline import Judge, Pipeline, PollSettings, record_seeds
from bot.scheduler import FeedScheduler
from bot.seeds import load_seeds
from bot.store import Store

if TYPE_CHECKING:
    from bot.chat.discord_chat import DiscordRuntime

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def utc_now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ arguments


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        help="config file (default: $NEWSBOT_CONFIG, else ./config.toml, else built-in defaults)",
    )
    common.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default=argparse.SUPPRESS,
        help="override bot.log_level",
    )
    common.add_argument(
        "--log-json", action="store_true", default=argparse.SUPPRESS, help="log JSON lines"
    )
    common.add_argument(
        "--seeds",
        type=Path,
        default=argparse.SUPPRESS,
        help="seed folder (overrides bot.seeds_dir)",
    )
    common.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="database file (overrides bot.database)"
    )

    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Watch news feeds for AI training-data disputes and report only what is new.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="run the bot (the default command)")
    run.add_argument("--once", action="store_true", help="poll every feed once, deliver, exit")

    sub.add_parser("check-config", parents=[common], help="validate the config file and exit")

    seeds = sub.add_parser("seeds", parents=[common], help="inspect the seed corpus")
    seeds_sub = seeds.add_subparsers(dest="seeds_command", metavar="SUBCOMMAND", required=True)
    seeds_sub.add_parser("list", parents=[common], help="list seed articles and their claims")

    search = sub.add_parser("search", parents=[common], help="full-text search of stored articles")
    search.add_argument("query", help="words to look for (all must match)")
    search.add_argument("--limit", type=int, default=10, help="how many results (default 10)")

    add_feeds_commands(sub, common)
    return parser


def resolve_config(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Config:
    """Load the config the arguments point at and apply command-line overrides."""
    env = dict(environment() if environ is None else environ)
    path: Path | None = getattr(args, "config", None)
    if path is None and env.get("NEWSBOT_CONFIG"):
        path = Path(env["NEWSBOT_CONFIG"])
    if path is None and Path("config.toml").exists():
        path = Path("config.toml")
    config = load_config(path) if path is not None else Config()
    bot = config.bot
    if getattr(args, "seeds", None) is not None:
        bot = dataclasses.replace(bot, seeds_dir=args.seeds)
    if getattr(args, "db", None) is not None:
        bot = dataclasses.replace(bot, database=args.db)
    if getattr(args, "log_level", None):
        bot = dataclasses.replace(bot, log_level=args.log_level)
    if getattr(args, "log_json", False):
        bot = dataclasses.replace(bot, log_format="json")
    return dataclasses.replace(config, bot=bot)


# ------------------------------------------------------------------ building


def build_judge(config: Config) -> Judge:
    """The analysis the pipeline uses."""
    from bot.analysis.judge import build_judge as build

    judge: Judge = build(config.analysis)
    return judge


def build_destinations(
    config: Config,
    secrets: Secrets,
    stdout: TextIO,
    *,
    discord: DiscordRuntime | None = None,
) -> list[Destination]:
    """Every configured destination; the console when no chat platform is set up."""
    chat: list[Destination] = []
    if discord is not None:
        chat.append(discord.destination)
    mode = config.console.enabled
    if mode == "always" or (mode == "auto" and not chat):
        chat.append(ConsoleDestination(stdout))
    return chat


def open_store(config: Config) -> Store:
    return Store.open(config.bot.database)


# ------------------------------------------------------------------ feeds (building)


def fetch_settings(config: Config) -> FetchSettings:
    return FetchSettings(
        connect_timeout=config.fetch.connect_timeout_seconds,
        read_timeout=config.fetch.read_timeout_seconds,
        total_timeout=config.polling.timeout_seconds,
        max_body_bytes=config.polling.max_body_bytes,
        max_connections=config.fetch.max_connections,
        max_connections_per_host=config.fetch.max_connections_per_host,
        allow_private_addresses=config.fetch.allow_private_addresses,
        user_agent=user_agent(config.fetch.user_agent_contact),
    )


def poll_settings(config: Config) -> PollSettings:
    polling = config.polling
    return PollSettings(
        default_interval_minutes=polling.interval_minutes,
        bounds=CheckBounds(
            min_minutes=polling.min_interval_minutes,
            max_minutes=polling.max_interval_minutes,
            backoff_cap_hours=polling.backoff_cap_hours,
        ),
        failure_notice_after=polling.failure_notice_after,
    )


def build_full_text(config: Config, fetcher: Fetcher) -> FullText:
    full = config.full_text
    return FullText(
        fetcher,
        FullTextSettings(
            enabled=full.enabled,
            teaser_chars=full.teaser_chars,
            max_page_bytes=full.max_page_bytes,
            robots_cache=timedelta(hours=full.robots_cache_hours),
        ),
        utc_now,
    )


def sync_config_feeds(config: Config, store: Store) -> None:
    """Config feeds into the store; feeds added from the command line stay as they are."""
    store.sync_feeds(
        [
            {
                "url": f.url,
                "name": f.name,
                "interval_minutes": f.interval_minutes or config.polling.interval_minutes,
                "backfill": f.backfill,
            }
            for f in config.feeds
        ],
        utc_now(),
    )


# ------------------------------------------------------------------ commands


async def run_bot(
    config: Config,
    secrets: Secrets,
    judge: Judge,
    *,
    once: bool,
    stdout: TextIO,
    stop: asyncio.Event | None = None,
) -> int:
    """Run until SIGINT/SIGTERM or `stop` is set (or one cycle with once=True); always
    closes the database and the chat connections."""
    seeds = load_seeds(config.bot.seeds_dir)
    store = open_store(config)
    settings = fetch_settings(config)
    client = make_client(settings)
    parser = FeedParser(config.fetch.parse_processes)
    discord: DiscordRuntime | None = None
    try:
        feed_admin = FeedAdmin(
            default_interval=config.polling.interval_minutes,
            probe=_feed_probe(Fetcher(client, settings), parser),
        )
        commands = Commands(store, utc_now, feed_admin=feed_admin)
        discord = _build_discord(config, secrets, store, commands)
        destinations = build_destinations(config, secrets, stdout, discord=discord)
        delivery = Delivery(store, destinations, utc_now)
        fetcher = Fetcher(client, settings)
        pipeline = Pipeline(
            store,
            fetcher,
            judge,
            [d.name for d in destinations],
            utc_now,
            on_alert=delivery.wake,
            settings=poll_settings(config),
            parser=parser,
            article_text=build_full_text(config, fetcher),
        )
        added = await asyncio.to_thread(record_seeds, store, judge, seeds, utc_now())
        log.info(
            "seed corpus: %d articles (%d new) from %s", len(seeds), added, config.bot.seeds_dir
        )
        sync_config_feeds(config, store)
        log.info(
            "destinations: %s; feeds: %d; database: %s",
            ", ".join(d.name for d in destinations) or "none",
            len(store.feeds()),
            config.bot.database,
        )
        if once:
            if discord is not None and discord.client is not None:
                await discord.client.login(discord.token or "")
            results = await pipeline.run_once()
            await delivery.deliver_due()
            failed = [r for r in results if not r.ok]
            log.info("poll cycle done: %d feeds, %d failed", len(results), len(failed))
            return EXIT_OK
        return await _serve(config, store, pipeline, delivery, discord, feed_admin, stop)
    finally:
        if discord is not None:
            await discord.close()
        await client.aclose()
        parser.close()
        store.close()
        log.info("stopped; database closed")


async def _serve(
    config: Config,
    store: Store,
    pipeline: Pipeline,
    delivery: Delivery,
    discord: DiscordRuntime | None = None,
    feed_admin: FeedAdmin | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve until stopped; EXIT_FAILURE when the chat connection failed for good."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    scheduler = FeedScheduler(
        store,
        pipeline.poll_feed,
        utc_now,
        default_interval_minutes=config.polling.interval_minutes,
        jitter_seconds=config.polling.jitter_seconds,
    )
    scheduler.start()
    if feed_admin is not None:
        feed_admin.changed = _job_resync(scheduler)
    connection = discord.start() if discord is not None else None
    if connection is not None:
        connection.add_done_callback(lambda task: _chat_ended(task, stop))
    delivering = asyncio.create_task(delivery.run(), name="delivery")
    log.info("running; press Ctrl-C to stop")
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await scheduler.stop()
        await delivery.shutdown(delivering)
        if discord is not None:
            await discord.close()
        if connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await connection
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if connection is not None and connection.done() and not connection.cancelled():
        return EXIT_FAILURE if connection.exception() is not None else EXIT_OK
    return EXIT_OK


# ------------------------------------------------------------------ chat wiring (discord)


def _build_discord(
    config: Config, secrets: Secrets, store: Store, commands: Commands
) -> DiscordRuntime | None:
    """The Discord side when DISCORD_TOKEN or DISCORD_WEBHOOK_URL is set (else None)."""
    token = secrets.get("DISCORD_TOKEN")
    webhook = secrets.get("DISCORD_WEBHOOK_URL")
    if token is None and webhook is None:
        return None
    from bot.chat.discord_chat import build_discord

    return build_discord(
        config.discord,
        token=token.reveal() if token else None,
        webhook_url=webhook.reveal() if webhook else None,
        store=store,
        commands=commands,
        clock=utc_now,
    )


def _check_chat(config: Config, secrets: Secrets) -> None:
    """check-config: the chat secrets and settings fit together (raises ConfigError)."""
    token = secrets.get("DISCORD_TOKEN")
    webhook = secrets.get("DISCORD_WEBHOOK_URL")
    if token is None and webhook is None:
        return
    from bot.chat.discord_chat import validate_discord

    validate_discord(
        config.discord,
        token=token.reveal() if token else None,
        webhook_url=webhook.reveal() if webhook else None,
    )


def _chat_ended(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """The chat connection gave up for good (e.g. a rejected token): stop the bot."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("stopping: %s", exc)
        stop.set()


def _feed_probe(fetcher: Fetcher, parser: FeedParser) -> FeedProbe:
    """Checks that a URL serves a feed before /news feeds add accepts it."""

    async def probe(url: str) -> tuple[str | None, str | None]:
        fetched = await fetcher.fetch(FetchState(url=url))
        if fetched.status != "ok":
            return None, fetched.error or "no answer"
        try:
            parsed = await parser.parse(
                fetched.body, url=fetched.url, headers=fetched.headers, fetched_at=utc_now()
            )
        except FeedError as exc:
            return None, str(exc)
        return parsed.title or None, None

    return probe


def _job_resync(scheduler: FeedScheduler) -> Callable[[], Awaitable[None]]:
    """After /news feeds add|remove|import: one polling job per feed in the database."""

    async def resync() -> None:
        scheduler.sync()

    return resync


def cmd_check_config(config: Config, out: TextIO) -> int:
    out.write(
        f"config OK: {len(config.feeds)} feeds, database {config.bot.database},"
        f" seeds {config.bot.seeds_dir}\n"
    )
    return EXIT_OK


def cmd_seeds_list(config: Config, out: TextIO) -> int:
    seeds = load_seeds(config.bot.seeds_dir)
    judge = build_judge(config)
    store = Store.open(":memory:")
    try:
        record_seeds(store, judge, seeds, utc_now())
        for row in store.articles(kind="seed"):
            date = (row["published"] or "")[:10] or "date unknown"
            out.write(f"{row['id']}  {row['title'] or '(untitled)'}\n")
            out.write(f"    {row['source']} · {date} · story {row['story_id']}\n")
            for claim in store.claims_of(row["id"]):
                out.write(f"    - {claim.text}\n")
            out.write("\n")
    finally:
        store.close()
    return EXIT_OK


def cmd_search(config: Config, query: str, limit: int, out: TextIO) -> int:
    seeds = load_seeds(config.bot.seeds_dir)
    judge = build_judge(config)
    store = open_store(config)
    try:
        record_seeds(store, judge, seeds, utc_now())
        hits = store.search(query, limit=max(1, min(limit, 100)))
    finally:
        store.close()
    if not hits:
        out.write(f"no results for {query!r}\n")
        return EXIT_OK
    for number, hit in enumerate(hits, 1):
        where = " · ".join(x for x in (hit.source, (hit.published or "")[:10]) if x)
        out.write(f"{number}. {hit.title}  [{hit.kind}: {hit.article_id}]\n")
        if where:
            out.write(f"   {where}\n")
        if hit.url:
            out.write(f"   {hit.url}\n")
        out.write(f"   {' '.join(hit.snippet.split())}\n")
    return EXIT_OK


# ------------------------------------------------------------------ feeds commands


def add_feeds_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`newsbot feeds add|remove|list|import|export`."""
    feeds = sub.add_parser("feeds", parents=[common], help="manage the watched feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND", required=True)
    add = feeds_sub.add_parser("add", parents=[common], help="fetch a feed once and watch it")
    add.add_argument("url", help="the feed's address (RSS, Atom or JSON Feed)")
    add.add_argument("--name", default="", help="how alerts name the source")
    add.add_argument("--interval", type=int, default=None, help="minutes between polls")
    add.add_argument(
        "--backfill", type=int, default=0, help="analyse the newest N items on the first poll"
    )
    remove = feeds_sub.add_parser("remove", parents=[common], help="stop watching a feed")
    remove.add_argument("url")
    feeds_sub.add_parser(
        "list", parents=[common], help="watched feeds with their health and next check"
    )
    imp = feeds_sub.add_parser("import", parents=[common], help="add the feeds of an OPML file")
    imp.add_argument("file", type=Path, help="an OPML file")
    feeds_sub.add_parser("export", parents=[common], help="print the watched feeds as OPML")


def run_feeds_command(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_store(config)
    try:
        sync_config_feeds(config, store)
        action = args.feeds_command
        if action == "add":
            return asyncio.run(cmd_feeds_add(config, store, args, out))
        if action == "remove":
            return cmd_feeds_remove(store, args.url, out, err)
        if action == "list":
            return cmd_feeds_list(store, out)
        if action == "import":
            return cmd_feeds_import(config, store, args.file, out)
        out.write(export_opml(store, utc_now()))
        return EXIT_OK
    finally:
        store.close()


async def cmd_feeds_add(config: Config, store: Store, args: argparse.Namespace, out: TextIO) -> int:
    if args.interval is not None and args.interval < 1:
        raise FeedManagementError("--interval must be at least 1 minute")
    if args.backfill < 0:
        raise FeedManagementError("--backfill must not be negative")
    settings = fetch_settings(config)
    parser = FeedParser()
    async with make_client(settings) as client:
        added = await add_feed(
            store,
            Fetcher(client, settings),
            parser,
            args.url,
            utc_now(),
            name=args.name,
            interval_minutes=args.interval or config.polling.interval_minutes,
            backfill=args.backfill,
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


def cmd_feeds_remove(store: Store, url: str, out: TextIO, err: TextIO) -> int:
    feed = remove_feed(store, url)
    out.write(f"removed {feed['url']}; its articles stay searchable\n")
    if feed.get("origin") == "config":
        err.write(
            "note: this feed is listed in the config file and comes back at the next start;"
            " remove it there too\n"
        )
    return EXIT_OK


def cmd_feeds_list(store: Store, out: TextIO) -> int:
    rows = feed_health(store)
    if not rows:
        out.write("no feeds yet: add one with `newsbot feeds add URL`\n")
        return EXIT_OK
    for h in rows:
        out.write(f"{h.url}  [{h.state}]\n")
        if h.name:
            out.write(f"    name: {h.name} · from {h.origin} · every {h.interval_minutes} min\n")
        if h.fetch_url and h.fetch_url != h.url:
            out.write(f"    moved to: {h.fetch_url}\n")
        out.write(f"    last success: {_when(h.last_success_at)}\n")
        if h.last_error:
            out.write(f"    last error: {_when(h.last_error_at)}: {h.last_error}\n")
        out.write(f"    next check: {_when(h.next_check_at)}\n")
    failing = sum(1 for h in rows if h.consecutive_failures)
    out.write(f"{len(rows)} feeds, {failing} failing\n")
    return EXIT_OK


def cmd_feeds_import(config: Config, store: Store, path: Path, out: TextIO) -> int:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedManagementError(f"cannot read {path}: {exc.strerror}") from None
    report = import_opml(store, data, utc_now(), interval_minutes=config.polling.interval_minutes)
    for url in report.added:
        out.write(f"added {url}\n")
    for url in report.invalid:
        out.write(f"skipped {url!r}: not an http(s) address\n")
    out.write(
        f"{len(report.added)} added, {len(report.already_known)} already watched,"
        f" {len(report.invalid)} skipped\n"
    )
    return EXIT_OK


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") + " UTC" if value else "never"


# ------------------------------------------------------------------ entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        config = resolve_config(args)
        setup_logging(config.bot.log_level, config.bot.log_format)
        if command == "check-config":
            _check_chat(config, load_secrets(environment()))
            return cmd_check_config(config, sys.stdout)
        if command == "seeds":
            return cmd_seeds_list(config, sys.stdout)
        if command == "search":
            return cmd_search(config, args.query, args.limit, sys.stdout)
        if command == "feeds":
            return run_feeds_command(config, args, sys.stdout, sys.stderr)
        secrets = load_secrets(environment())
        once = getattr(args, "once", False)
        return asyncio.run(
            run_bot(config, secrets, build_judge(config), once=once, stdout=sys.stdout)
        )
    except (ConfigError, SeedError) as exc:
        sys.stderr.write(f"newsbot: {exc}\n")
        return EXIT_USAGE
    except SearchQueryError as exc:
        sys.stderr.write(f"newsbot: search: {exc}\n")
        return EXIT_USAGE
    except FeedManagementError as exc:
        sys.stderr.write(f"newsbot: feeds: {exc}\n")
        return EXIT_USAGE
    except StoreError as exc:
        sys.stderr.write(f"newsbot: database: {exc}\n")
        return EXIT_FAILURE
    except NewsbotError as exc:
        sys.stderr.write(f"newsbot: {exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
