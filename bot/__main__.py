"""Composition root and command line: parse arguments, load config, build everything, run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import __version__
from bot.analysis.assess import Assessment
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
from bot.feeds.next_check import CheckBounds
from bot.feeds.parse_pool import FeedParser
from bot.feeds.state import PollSettings
from bot.init import add_init_command, cmd_init
from bot.logs import setup_logging
from bot.models import Article, Feed
from bot.pipeline import ArticleAssessor, Pipeline, record_seeds
from bot.pipes import exits_quietly_when_stdout_closes
from bot.scheduler import FeedScheduler
from bot.seeds import Seed, load_seeds
from bot.store import Store
from bot.store.faults import STORE_ERRORS, StorageStatus, describe
from bot.store.known import KnownToStore
from bot.store.lock import InstanceLock
from bot.store.polls import ArticleWrite
from bot.store.rows import claim_rows, verdict_row

if TYPE_CHECKING:
    from bot.analysis.relevance_model import RelevanceModel
    from bot.chat.discord_chat import DiscordRuntime
    from bot.chat.slack_chat import SlackRuntime

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_ALL_FEEDS_FAILED = 3  # run --once: not one feed could be polled (README: exit codes)


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

    analyze = sub.add_parser(
        "analyze",
        parents=[common],
        help="analyse articles from a JSON-lines file; one verdict line per input line",
        description=(
            "Judge each article (JSON lines: id, title, url, source, published, text) against "
            "the seeds and every earlier article, in input order. Without --db nothing is "
            "written anywhere; with --db the database's history is used and extended."
        ),
    )
    analyze.add_argument("--input", type=Path, required=True, help="JSON-lines file of articles")

    evaluate = sub.add_parser(
        "eval",
        parents=[common],
        help="run analyze over labelled streams and print the scorer's measures",
        description=(
            "Run every English stream of an eval folder (default: ../shared/eval-dev beside "
            "the repository), each from the seeds (default: the folder's ../seeds), and print "
            "the measures of the folder's score.py per stream and in total. With --fold, the "
            "relevance model is fitted on the other streams only and the held-out one scored."
        ),
    )
    evaluate.add_argument(
        "labelled",
        type=Path,
        nargs="?",
        help="an eval folder, or one labelled JSON-lines file (eval-dev schema)",
    )
    evaluate.add_argument(
        "--fold",
        action="append",
        metavar="STREAM",
        help="hold STREAM out: fit on the others, score it (repeatable; 'all' for every fold)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")

    search = sub.add_parser("search", parents=[common], help="full-text search of stored articles")
    search.add_argument("query", help="words to look for (all must match)")
    search.add_argument(
        "--limit",
        type=search_limit,
        default=10,
        help=f"how many results, 1 to {MAX_SEARCH_LIMIT} (default 10)",
    )
    add_ops_commands(sub, common)
    add_feeds_commands(sub, common)
    add_init_command(sub)
    return parser


MAX_SEARCH_LIMIT = 100


def search_limit(text: str) -> int:
    """`search --limit`: a whole number from 1 to MAX_SEARCH_LIMIT (argparse exits 2 otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_SEARCH_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_SEARCH_LIMIT}, got {value}")
    return value


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


def build_assessor(
    config: Config, relevance_model: RelevanceModel | None = None
) -> ArticleAssessor:
    """The analysis the pipeline uses; relevance is judged by `relevance_model`, by default
    the fitted file in the repository."""
    from bot.analysis.assess import build_assessor as build
    from bot.analysis.relevance_model import load_model

    model = relevance_model or load_model()
    assessor: ArticleAssessor = build(config.analysis.relevance_threshold, model)
    return assessor


def build_destinations(
    config: Config,
    secrets: Secrets,
    stdout: TextIO,
    *,
    discord: DiscordRuntime | None = None,
    slack: SlackRuntime | None = None,
) -> list[Destination]:
    """Every configured destination; the console when no chat platform is set up."""
    chat: list[Destination] = []
    if discord is not None:
        chat.append(discord.destination)
    if slack is not None:
        chat.append(slack.destination)
    mode = config.console.enabled
    if mode == "always" or (mode == "auto" and not chat):
        chat.append(ConsoleDestination(stdout))
    return chat


def open_store(config: Config) -> Store:
    return Store.open(config.bot.database)


def load_config_seeds(config: Config) -> list[Seed]:
    """The seed corpus the config names; every command (and check-config) loads it here."""
    folder = config.bot.seeds_dir
    if not folder.is_dir():
        raise SeedError(
            f"bot.seeds_dir: {folder}: seed folder not found (relative paths resolve against"
            " the config file's folder; set bot.seeds_dir or pass --seeds)"
        )
    return load_seeds(folder)


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
        max_items_per_poll=polling.max_items_per_poll,
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
            max_pages_per_poll=full.max_pages_per_poll,
            max_pages_per_host=full.max_pages_per_host,
        ),
        utc_now,
    )


def sync_config_feeds(config: Config, store: Store) -> None:
    """Config feeds into the store; feeds added from the command line stay as they are."""
    store.sync_feeds(
        [
            Feed(
                url=f.url,
                name=f.name,
                interval_minutes=f.interval_minutes or config.polling.interval_minutes,
                backfill=f.backfill,
            )
            for f in config.feeds
        ],
        utc_now(),
    )


# ------------------------------------------------------------------ commands


async def run_bot(
    config: Config,
    secrets: Secrets,
    judge: ArticleAssessor | None,
    *,
    once: bool,
    stdout: TextIO,
    stop: asyncio.Event | None = None,
) -> int:
    """Run until SIGINT/SIGTERM or `stop` is set (or one cycle with once=True); always
    closes the database and the chat connections. `judge` None means the real analysis
    over this run's store."""
    seeds = load_config_seeds(config)
    lock = InstanceLock.acquire(config.bot.database)  # one running bot per database
    try:
        store = open_store(config)
    except BaseException:
        lock.release()
        raise
    storage = StorageStatus(utc_now, lock.write_status)  # disk full, corrupt: reported once
    settings = fetch_settings(config)
    client = make_client(settings)
    parser = FeedParser(config.fetch.parse_processes)
    discord: DiscordRuntime | None = None
    slack: SlackRuntime | None = None
    if judge is None:
        judge = build_assessor(config)
    try:
        feed_admin = FeedAdmin(
            default_interval=config.polling.interval_minutes,
            probe=_feed_probe(Fetcher(client, settings), parser),
        )
        commands = Commands(store, utc_now, feed_admin=feed_admin)
        discord = _build_discord(config, secrets, store, commands)
        opml_settings = dataclasses.replace(settings, max_body_bytes=1_000_000)
        slack = _build_slack(config, secrets, store, commands, Fetcher(client, opml_settings))
        destinations = build_destinations(config, secrets, stdout, discord=discord, slack=slack)
        delivery = Delivery(store, destinations, utc_now, storage=storage)
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
            storage=storage,
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
            storage.raise_if_faulted()  # a database fault: one line, exit 1
            failed = [r for r in results if not r.ok]
            log.info("poll cycle done: %d feeds, %d failed", len(results), len(failed))
            if results and len(failed) == len(results):
                log.error("every feed failed this cycle (exit code %d)", EXIT_ALL_FEEDS_FAILED)
                return EXIT_ALL_FEEDS_FAILED
            return EXIT_OK
        return await _serve(
            config,
            store,
            pipeline,
            delivery,
            discord,
            feed_admin,
            stop,
            slack=slack,
            storage=storage,
        )
    finally:
        if discord is not None:
            await discord.close()
        if slack is not None:
            await slack.close()
        await client.aclose()
        parser.close()
        store.close()
        lock.release()
        log.info("stopped; database closed")


async def _serve(
    config: Config,
    store: Store,
    pipeline: Pipeline,
    delivery: Delivery,
    discord: DiscordRuntime | None = None,
    feed_admin: FeedAdmin | None = None,
    stop: asyncio.Event | None = None,
    *,
    slack: SlackRuntime | None = None,
    storage: StorageStatus | None = None,
) -> int:
    """Serve until stopped; EXIT_FAILURE when the chat connection failed for good."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from bot.ops import OpsServices  # here, so `health` (every 30 s in Docker) stays light

    ops = OpsServices(config, store, utc_now, storage)
    await ops.start()
    scheduler = FeedScheduler(
        store,
        ops.timed(pipeline.poll_feed),
        utc_now,
        default_interval_minutes=config.polling.interval_minutes,
        jitter_seconds=config.polling.jitter_seconds,
    )
    scheduler.start()
    if storage is not None:  # the database works again: poll what waited for it now
        storage.on_recovered.append(lambda: scheduler.poll_soon(pipeline.take_deferred()))
    if feed_admin is not None:
        feed_admin.changed = _job_resync(scheduler)
    connection = discord.start() if discord is not None else None
    if connection is not None:
        connection.add_done_callback(lambda task: _chat_ended(task, stop))
    delivering = asyncio.create_task(delivery.run(), name="delivery")
    try:
        if slack is not None:
            await slack.start()
        log.info("running; press Ctrl-C to stop")
        await stop.wait()
    finally:
        log.info("stopping")
        if slack is not None:
            await slack.close()
        await scheduler.stop()
        await delivery.shutdown(delivering)
        if discord is not None:
            await discord.close()
        if connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await connection
        await ops.stop()
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


def _check_chat(config: Config, secrets: Secrets) -> str | None:
    """check-config: one line on what the Discord side will be, or raise ConfigError."""
    token = secrets.get("DISCORD_TOKEN")
    webhook = secrets.get("DISCORD_WEBHOOK_URL")
    if token is None and webhook is None:
        return None
    from bot.chat.discord_chat import describe_discord

    return describe_discord(
        config.discord,
        token=token.reveal() if token else None,
        webhook_url=webhook.reveal() if webhook else None,
    )


# ------------------------------------------------------------------ chat wiring (slack)


def _slack_secret(secrets: Secrets, name: str) -> str | None:
    value = secrets.get(name)
    return value.reveal() if value is not None else None


def _check_slack(config: Config, secrets: Secrets) -> str | None:
    """check-config: one line on what the Slack side will be, or raise ConfigError."""
    from bot.chat.slack_chat import check_slack

    return check_slack(
        config.slack,
        bot_token=_slack_secret(secrets, "SLACK_BOT_TOKEN"),
        app_token=_slack_secret(secrets, "SLACK_APP_TOKEN"),
        signing_secret=_slack_secret(secrets, "SLACK_SIGNING_SECRET"),
        webhook_url=_slack_secret(secrets, "SLACK_WEBHOOK_URL"),
    )


def _build_slack(
    config: Config, secrets: Secrets, store: Store, commands: Commands, fetcher: Fetcher
) -> SlackRuntime | None:
    """The Slack side when SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL is set (else None)."""
    if not (secrets.get("SLACK_BOT_TOKEN") or secrets.get("SLACK_WEBHOOK_URL")):
        return None
    from bot.chat.slack_chat import build_slack
    from bot.chat.slack_commands import opml_fetcher

    return build_slack(
        config.slack,
        bot_token=_slack_secret(secrets, "SLACK_BOT_TOKEN"),
        app_token=_slack_secret(secrets, "SLACK_APP_TOKEN"),
        signing_secret=_slack_secret(secrets, "SLACK_SIGNING_SECRET"),
        webhook_url=_slack_secret(secrets, "SLACK_WEBHOOK_URL"),
        store=store,
        commands=commands,
        clock=utc_now,
        fetch_opml=opml_fetcher(fetcher),
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


def _no_chat_line(config: Config) -> str:
    where = "nowhere (console.enabled is never)"
    if config.console.enabled != "never":
        where = "to the console (stdout)"
    return f"chat: no Discord or Slack secret in the environment; alerts go {where}"


def cmd_check_config(config: Config, out: TextIO) -> int:
    """What `run` needs before it starts: the seeds load, the database can be opened or
    created (chat settings are checked by the caller). Nothing is written anywhere."""
    seeds = load_config_seeds(config)
    check_database_path(config.bot.database)
    out.write(
        f"config OK: {len(config.feeds)} feeds, database {config.bot.database},"
        f" seeds {config.bot.seeds_dir} ({len(seeds)} articles)\n"
    )
    return EXIT_OK


SQLITE_HEADER = b"SQLite format 3\x00"


def check_database_path(path: Path) -> None:
    """ConfigError unless `path` is an SQLite file the bot may write, or can be created."""
    where = f"bot.database: {path}"
    if path.is_dir():
        raise ConfigError(f"{where}: is a folder; name a file inside it")
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read ({exc.strerror})") from None
        if header and header != SQLITE_HEADER:
            raise ConfigError(f"{where}: not an SQLite database")
        if not os.access(path, os.R_OK | os.W_OK):
            raise ConfigError(f"{where}: not writable by this user")
    folder = path.parent
    while not folder.exists():  # Store.open creates the missing folders
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{where}: cannot be created, {folder} is a file")
    if not os.access(folder, os.W_OK | os.X_OK):
        # WAL mode keeps two files beside the database, so the folder must be writable
        raise ConfigError(f"{where}: cannot write in {folder}")


def cmd_seeds_list(config: Config, out: TextIO) -> int:
    seeds = load_config_seeds(config)
    store = Store.open(":memory:")
    try:
        record_seeds(store, build_assessor(config), seeds, utc_now())
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
    seeds = load_config_seeds(config)
    store = open_store(config)
    try:
        record_seeds(store, build_assessor(config), seeds, utc_now())
        hits = store.search(query, limit=limit)
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


# ------------------------------------------------------------------ ops: health, backup, restore

OPS_COMMANDS = ("health", "backup", "restore")


def add_ops_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    health = sub.add_parser(
        "health",
        parents=[common],
        help="exit 0 when the running bot is healthy (Docker HEALTHCHECK), else 1",
    )
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    backup = sub.add_parser(
        "backup", parents=[common], help="copy the database safely, even while the bot runs"
    )
    backup.add_argument(
        "path",
        help="backup file, or a folder (existing, or ending in /) for a timestamped file",
    )
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")
    restore = sub.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a backup (stop the bot first); keeps the old one",
    )
    restore.add_argument("path", type=Path, help="the backup file to restore")


def run_ops_command(command: str, args: argparse.Namespace, config: Config, out: TextIO) -> int:
    from bot.backup import backup_database, restore_database
    from bot.health import check_health

    database = config.bot.database
    if command == "health":
        report = check_health(database, utc_now(), max_age_seconds=config.health.max_age_seconds)
        out.write((json.dumps(report.as_dict()) if args.json else report.summary()) + "\n")
        return EXIT_OK if report.healthy else EXIT_FAILURE
    if command == "backup":
        result = backup_database(database, args.path, utc_now(), overwrite=args.force)
        out.write(
            f"backup written: {result.path} ({result.size_bytes} bytes,"
            f" {result.articles} articles, {result.seconds:.2f}s)\n"
        )
        return EXIT_OK
    restored = restore_database(
        args.path, database, utc_now(), max_age_seconds=config.health.max_age_seconds
    )
    out.write(f"restored {restored.restored} from {args.path} ({restored.articles} articles)\n")
    if restored.previous is not None:
        out.write(f"the previous database was kept as {restored.previous}\n")
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
    out.write(f"removed {feed.url}; its articles stay searchable\n")
    if feed.origin == "config":
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


def analyze_lines(
    config: Config,
    lines: Sequence[str],
    store: Store,
    err: TextIO,
    relevance_model: RelevanceModel | None = None,
) -> list[dict[str, object] | None]:
    """Judge each JSON line in order (seeds first); None, and a message on `err` naming the
    line, for a line that is not a valid article."""
    from bot.analysis.analyzer import verdict_to_dict

    judge = build_assessor(config, relevance_model)
    record_seeds(store, judge, load_config_seeds(config), utc_now())
    out: list[dict[str, object] | None] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            article = article_from_json(line)
        except ValueError as exc:
            err.write(f"newsbot: analyze: line {number}: {exc}\n")
            out.append(None)
            continue
        assessment = judge.assess(article, KnownToStore(store))
        record_analyzed(store, article, assessment, utc_now())
        out.append(verdict_to_dict(assessment.verdict))
    return out


def article_from_json(line: str) -> Article:
    """One input line as an Article; ValueError says what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    aid = data.get("id")
    if not isinstance(aid, str | int) or isinstance(aid, bool) or not str(aid).strip():
        raise ValueError("missing or empty 'id'")
    fields: dict[str, str | None] = {}
    for key in ("title", "url", "source", "published", "text"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"'{key}' must be a string or null")
        fields[key] = value
    return Article(
        id=str(aid),
        title=fields["title"] or "",
        url=fields["url"],
        source=fields["source"],
        published=_published(fields["published"]),
        text=fields["text"] or "",
    )


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None  # an unreadable date only loses the date-distance evidence
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_analyzed(store: Store, article: Article, assessment: Assessment, now: datetime) -> None:
    """Keep an analysed article, its claims and its analysis record, as the pipeline does
    (no alert is queued)."""
    verdict = assessment.verdict
    row = verdict_row(article, verdict, now, alerting=False)
    claims = tuple(claim_rows(verdict, article.published))
    store.write_articles([ArticleWrite(row, claims, assessment.record)], now)


def cmd_analyze(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        lines = args.input.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"newsbot: analyze: cannot read {args.input}: {exc}\n")
        return EXIT_USAGE
    # Without --db nothing is written anywhere: a private in-memory database.
    store = open_store(config) if getattr(args, "db", None) is not None else Store.open(":memory:")
    try:
        for verdict in analyze_lines(config, lines, store, err):
            # a bad line keeps its place in the output, so line N answers line N
            line = verdict if verdict is not None else {"id": None, "error": "bad input line"}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        store.close()
    return EXIT_OK


def default_eval_dir() -> Path:
    """../shared/eval-dev beside the repository this code runs from."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"


def cmd_eval(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.analysis.relevance_model import load_model
    from bot.evaluation.run import figures, folds, readability, render, score_with
    from bot.evaluation.streams import Stream, StreamError, english_streams, read_stream

    where: Path = args.labelled or default_eval_dir()
    if not where.exists():
        err.write(f"newsbot: eval: no eval folder or labelled file at {where}\n")
        return EXIT_USAGE
    # the raw seeds the streams were labelled against sit beside the eval folder
    raw_seeds = (where if where.is_dir() else where.parent).parent / "seeds"
    if getattr(args, "seeds", None) is None and raw_seeds.is_dir():
        config = dataclasses.replace(
            config, bot=dataclasses.replace(config.bot, seeds_dir=raw_seeds)
        )
    try:
        streams = english_streams(where) if where.is_dir() else [read_stream(where)]
    except StreamError as exc:
        err.write(f"newsbot: eval: {exc}\n")
        return EXIT_USAGE

    def analyse(stream: Stream, model: RelevanceModel) -> list[Mapping[str, Any]]:
        store = Store.open(":memory:")
        try:
            verdicts = analyze_lines(config, stream.input_lines(), store, err, model)
        finally:
            store.close()
        return [
            v if v is not None else {"id": lab.get("id")}
            for v, lab in zip(verdicts, stream.labels, strict=True)
        ]

    held = args.fold or []
    if held:
        if not where.is_dir():
            err.write("newsbot: eval: --fold needs an eval folder of several streams\n")
            return EXIT_USAGE
        names = [s.name for s in streams] if "all" in held else list(dict.fromkeys(held))
        try:
            results = folds(streams, names, config.bot.seeds_dir, analyse)
        except ImportError as exc:
            err.write(
                f"newsbot: eval: fitting needs the 'model' extra ({exc.name} missing): "
                "pip install -e '.[model]'\n"
            )
            return EXIT_USAGE
        except ValueError as exc:
            err.write(f"newsbot: eval: {exc}\n")
            return EXIT_USAGE
        heading = "leave-one-stream-out: each column fitted on the other streams only"
    else:
        results = score_with(streams, load_model(), analyse)
        heading = "the shipped model (fitted on these streams: not a measure of generalisation)"
    if args.json:
        payload = {
            "mode": "folds" if held else "shipped model",
            "seeds": str(config.bot.seeds_dir),
            "figures": figures(results),
            "readability": readability(results),
        }
        out.write(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    else:
        out.write(render(results, heading))
        out.write(f"seeds: {config.bot.seeds_dir}\n")
    return EXIT_OK


# ------------------------------------------------------------------ entry point


@exits_quietly_when_stdout_closes
def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    if command == "init":  # before any config is read: it writes the first one
        return cmd_init(args.folder, sys.stdout, sys.stderr)
    try:
        config = resolve_config(args)
        setup_logging(config.bot.log_level, config.bot.log_format)
        if command == "check-config":
            secrets = load_secrets(environment())
            chat = [_check_chat(config, secrets), _check_slack(config, secrets)]
            code = cmd_check_config(config, sys.stdout)
            sys.stdout.writelines(f"{line}\n" for line in chat if line)
            if not any(chat):
                sys.stdout.write(_no_chat_line(config) + "\n")
            return code
        if command == "seeds":
            return cmd_seeds_list(config, sys.stdout)
        if command == "search":
            return cmd_search(config, args.query, args.limit, sys.stdout)
        if command in OPS_COMMANDS:
            return run_ops_command(command, args, config, sys.stdout)
        if command == "feeds":
            return run_feeds_command(config, args, sys.stdout, sys.stderr)
        if command == "analyze":
            return cmd_analyze(config, args, sys.stdout, sys.stderr)
        if command == "eval":
            return cmd_eval(config, args, sys.stdout, sys.stderr)
        secrets = load_secrets(environment())
        once = getattr(args, "once", False)
        return asyncio.run(run_bot(config, secrets, None, once=once, stdout=sys.stdout))
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
    except STORE_ERRORS as exc:  # e.g. the disk filled up, or the file is corrupt
        sys.stderr.write(f"newsbot: {describe(exc).line}\n")
        return EXIT_FAILURE
    except NewsbotError as exc:
        sys.stderr.write(f"newsbot: {exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
