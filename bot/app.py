"""Composition root and run loop: build every dependency from the config, start, stop.

The command line (bot/cli/) calls `run_bot`; everything a running bot is made of — store,
fetcher, pipeline, delivery, scheduler, chat sides, monitoring — is built here and
nowhere else. The chat platforms are built in one call, `bot.chat.platform.build_chat`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from bot.chat.commands import Commands
from bot.chat.delivery import Delivery
from bot.chat.feed_commands import FeedAdmin
from bot.chat.platform import Chat, build_chat
from bot.config import Config, Secrets
from bot.exits import EXIT_ALL_FEEDS_FAILED, EXIT_FAILURE, EXIT_OK
from bot.feeds.fetch import Fetcher, FetchSettings, make_client, user_agent
from bot.feeds.fulltext import FullText, FullTextSettings
from bot.feeds.manage import web_check, web_download
from bot.feeds.next_check import CheckBounds
from bot.feeds.opml import MAX_OPML_BYTES
from bot.feeds.parse_pool import FeedParser
from bot.feeds.state import PollSettings
from bot.models import Feed
from bot.pipeline import ArticleAssessor, Pipeline, record_seeds
from bot.scheduler import FeedScheduler
from bot.seeds import load_config_seeds
from bot.store import Store
from bot.store.faults import StorageStatus
from bot.store.lock import InstanceLock
from bot.timeutil import utc_now

if TYPE_CHECKING:
    from bot.analysis.relevance_model import RelevanceModel

log = logging.getLogger("bot")

# Polls due within the same 2 s run together (bot/scheduler.py: one commit, shared loop
# turns); a poll alone cost 3-4x the CPU of one in a group.
POLL_GROUP_SECONDS = 2.0


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


def feed_admin(config: Config, fetcher: Fetcher, opml: Fetcher, parser: FeedParser) -> FeedAdmin:
    """The checks feed management makes on the web: `fetcher` for feeds, `opml` capped at
    MAX_OPML_BYTES for OPML files."""
    return FeedAdmin(
        default_interval=config.polling.interval_minutes,
        check=web_check(fetcher, parser, utc_now),
        download=web_download(opml),
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


# ------------------------------------------------------------------ run


async def run_bot(
    config: Config,
    secrets: Secrets,
    assessor: ArticleAssessor | None,
    *,
    once: bool,
    stdout: TextIO,
    stop: asyncio.Event | None = None,
) -> int:
    """Run until SIGINT/SIGTERM or `stop` is set (or one cycle with once=True); always
    closes the database and the chat connections. `assessor` None means the real analysis
    over this run's store."""
    seeds = load_config_seeds(config)
    lock = InstanceLock.acquire(config.bot.database)  # one running bot per database
    try:
        store = Store.open(config.bot.database)
    except BaseException:
        lock.release()
        raise
    storage = StorageStatus(utc_now, lock.write_status)  # disk full, corrupt: reported once
    settings = fetch_settings(config)
    client = make_client(settings)
    parser = FeedParser(config.fetch.parse_processes)
    chat = Chat([])
    if assessor is None:
        assessor = build_assessor(config)
    try:
        fetcher = Fetcher(client, settings)
        opml = Fetcher(client, dataclasses.replace(settings, max_body_bytes=MAX_OPML_BYTES))
        admin = feed_admin(config, fetcher, opml, parser)
        commands = Commands(store, utc_now, feed_admin=admin)
        chat = build_chat(config, secrets, store, commands, utc_now, stdout=stdout)
        destinations = chat.destinations
        delivery = Delivery(store, destinations, utc_now, storage=storage)
        pipeline = Pipeline(
            store,
            fetcher,
            assessor,
            [d.name for d in destinations],
            utc_now,
            on_alert=delivery.wake,
            settings=poll_settings(config),
            parser=parser,
            article_text=build_full_text(config, fetcher),
            storage=storage,
        )
        added = await asyncio.to_thread(record_seeds, store, assessor, seeds, utc_now())
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
            return await _run_once(pipeline, delivery, chat, storage)
        return await _serve(config, store, pipeline, delivery, chat, admin, storage, stop)
    finally:
        await chat.close()
        await client.aclose()
        parser.close()
        store.close()
        lock.release()
        log.info("stopped; database closed")


async def _run_once(
    pipeline: Pipeline, delivery: Delivery, chat: Chat, storage: StorageStatus
) -> int:
    await chat.login()
    results = await pipeline.run_once()
    await delivery.deliver_due()
    storage.raise_if_faulted()  # a database fault: one line, exit 1
    failed = [r for r in results if not r.ok]
    log.info("poll cycle done: %d feeds, %d failed", len(results), len(failed))
    if results and len(failed) == len(results):
        log.error("every feed failed this cycle (exit code %d)", EXIT_ALL_FEEDS_FAILED)
        return EXIT_ALL_FEEDS_FAILED
    return EXIT_OK


async def _serve(
    config: Config,
    store: Store,
    pipeline: Pipeline,
    delivery: Delivery,
    chat: Chat,
    admin: FeedAdmin,
    storage: StorageStatus,
    stop: asyncio.Event | None,
) -> int:
    """Serve until stopped; EXIT_FAILURE when the chat connection failed for good."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from bot.monitoring import Monitoring  # here, so `health` (every 30 s in Docker) stays light

    monitoring = Monitoring(config, store, utc_now, storage)
    await monitoring.start()
    scheduler = FeedScheduler(
        store,
        monitoring.timed(pipeline.poll_feed),
        utc_now,
        default_interval_minutes=config.polling.interval_minutes,
        jitter_seconds=config.polling.jitter_seconds,
        group_seconds=POLL_GROUP_SECONDS,
    )
    scheduler.start()
    # the database works again: poll what waited for it now
    storage.on_recovered.append(lambda: scheduler.poll_soon(pipeline.take_deferred()))
    admin.changed = _job_resync(scheduler)
    connection = await chat.connect()
    if connection is not None:
        connection.add_done_callback(lambda task: _chat_ended(task, stop))
    delivering = asyncio.create_task(delivery.run(), name="delivery")
    try:
        await chat.start()
        log.info("running; press Ctrl-C to stop")
        await stop.wait()
    finally:
        log.info("stopping")
        if chat.slack is not None:
            await chat.slack.close()
        await scheduler.stop()
        await delivery.shutdown(delivering)
        if chat.discord is not None:
            await chat.discord.close()
        if connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await connection
        await monitoring.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if connection is not None and connection.done() and not connection.cancelled():
        return EXIT_FAILURE if connection.exception() is not None else EXIT_OK
    return EXIT_OK


def _chat_ended(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """The chat connection gave up for good (e.g. a rejected token): stop the bot."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("stopping: %s", exc)
        stop.set()


def _job_resync(scheduler: FeedScheduler) -> Callable[[], Awaitable[None]]:
    """After /news feeds add|remove|import: one polling job per feed in the database."""

    async def resync() -> None:
        scheduler.sync()

    return resync
