"""Composition root and run loop: build every dependency from the config, start, stop.

The command line (bot/cli/) calls `run_bot`; everything a running bot is made of — store,
fetcher, pipeline, delivery, scheduler, chat sides, monitoring — is built here and
nowhere else. The chat platforms are built in one call, `bot.chat.platform.build_chat`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from bot.chat.commands import Commands
from bot.chat.delivery import Delivery
from bot.chat.feed_commands import FeedAdmin
from bot.chat.feedback_commands import Learning
from bot.chat.platform import Chat, build_chat
from bot.config import Config, Secrets
from bot.digests import Digests
from bot.errors import ConfigError
from bot.exits import EXIT_ALL_FEEDS_FAILED, EXIT_FAILURE, EXIT_OK
from bot.feedback.missed import PageFetch
from bot.feedback.refit import RefitSettings
from bot.feedback.retrain import Retrainer
from bot.feeds.fetch import Fetcher, FetchSettings, make_client, user_agent
from bot.feeds.fulltext import FullText, FullTextSettings
from bot.feeds.manage import web_check, web_download
from bot.feeds.next_check import CheckBounds
from bot.feeds.opml import MAX_OPML_BYTES
from bot.feeds.parse_pool import FeedParser
from bot.feeds.preview import FeedPreviewer, web_preview
from bot.feeds.state import PollSettings
from bot.first_poll import FirstPollReport, log_first_poll
from bot.models import Feed
from bot.pipeline import ArticleAssessor, Pipeline, record_seeds
from bot.retention import Retention, RetentionPolicy
from bot.route_book import RouteBook
from bot.routes import Route
from bot.scheduler import FeedScheduler
from bot.seeds import load_config_seeds
from bot.store import Store
from bot.store.faults import StorageStatus
from bot.store.lock import InstanceLock
from bot.timeutil import utc_now

if TYPE_CHECKING:
    from bot.analysis.relevance_model import RelevanceModel

log = logging.getLogger("bot")

RETENTION_FIRST_RUN = timedelta(minutes=10)  # after the start-up polls
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


def build_learning(
    config: Config,
    store: Store,
    assessor: ArticleAssessor,
    fetcher: Fetcher,
    full_text: FullText,
) -> Learning:
    """Feedback's parts: the refit (its models put into `assessor` when it is the real
    analysis), the page fetch of /news missed, and the judge that analyses a reported page
    as on topic."""
    from bot.analysis.analyzer import AnalysisSettings, Analyzer
    from bot.analysis.assess import AnalysisAssessor
    from bot.analysis.relevance_model import load_model

    judge: ArticleAssessor = assessor
    analyzers: list[Analyzer] = []
    if isinstance(assessor, AnalysisAssessor):
        model = assessor.analyzer.relevance_model
        forced = AnalysisAssessor(Analyzer(AnalysisSettings(relevance_threshold=0.0), model))
        analyzers = [assessor.analyzer, forced.analyzer]
        judge = forced

    def use(model: RelevanceModel) -> None:
        for analyzer in analyzers:
            analyzer.relevance_model = model

    retrainer = Retrainer(
        store,
        load_model(),
        utc_now,
        settings=RefitSettings(
            strength=config.feedback.prior_strength,
            max_seconds=config.feedback.retrain_max_seconds,
        ),
        use=use,
    )
    retrainer.load_installed()
    fetch = PageFetch(fetcher, full_text, config.full_text.max_page_bytes)
    return Learning(retrainer=retrainer, fetch_page=fetch, judge=judge, assessor=assessor)


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


def feed_admin(
    config: Config,
    fetcher: Fetcher,
    opml: Fetcher,
    parser: FeedParser,
    preview: FeedPreviewer | None = None,
) -> FeedAdmin:
    """The checks feed management makes on the web: `fetcher` for feeds, `opml` capped at
    MAX_OPML_BYTES for OPML files; `preview` the dry run of a feed, when it is offered."""
    return FeedAdmin(
        default_interval=config.polling.interval_minutes,
        check=web_check(fetcher, parser, utc_now),
        download=web_download(opml),
        interval_bounds=(config.polling.min_interval_minutes, config.polling.max_interval_minutes),
        preview=preview,
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
        article_text = build_full_text(config, fetcher)
        preview = web_preview(fetcher, parser, assessor, store, utc_now, article_text=article_text)
        admin = feed_admin(config, fetcher, opml, parser, preview)
        book = RouteBook(config.routes, store, utc_now)
        commands = Commands(store, utc_now, feed_admin=admin, routes=book)
        chat = build_chat(
            config, secrets, store, commands, utc_now, stdout=stdout, routes=config.routes
        )
        destinations = list(chat.destinations)
        delivery = Delivery(store, destinations, utc_now, storage=storage)
        _attach_routes(book, chat, delivery)
        routed = {r.destination for r in book.all()}
        digests = Digests(store, book.all, utc_now, on_queued=delivery.wake)
        defaults = [d.name for d in destinations if d.name not in routed]  # every alert
        commands.learning = build_learning(config, store, assessor, fetcher, article_text)
        commands.learning.destinations = defaults
        commands.learning.routes = book.all  # a missed story is routed as a feed's alert
        commands.learning.on_alert = delivery.wake
        pipeline = Pipeline(
            store,
            fetcher,
            assessor,
            defaults,
            utc_now,
            on_alert=delivery.wake,
            settings=poll_settings(config),
            parser=parser,
            article_text=article_text,
            storage=storage,
            routes=book.all,
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
            return await _run_once(
                pipeline, delivery, chat, storage, digests, _retention(config, store)
            )
        return await _serve(
            config,
            store,
            pipeline,
            delivery,
            chat,
            admin,
            storage,
            stop,
            digests,
            commands.learning,
        )
    finally:
        await chat.close()
        await client.aclose()
        parser.close()
        store.close()
        lock.release()
        log.info("stopped; database closed")


def _retention(config: Config, store: Store) -> Retention | None:
    """The retention pass over this run's store (None: the settings keep everything)."""
    policy = RetentionPolicy.from_config(config.retention)
    return None if policy.keeps_everything else Retention(store, policy, utc_now)


def _attach_routes(book: RouteBook, chat: Chat, delivery: Delivery) -> None:
    """Routes added or removed from chat start or stop their delivery at once."""
    factory = chat.routes
    if factory is None:
        return

    def attach(route: Route) -> None:
        delivery.add_destination(factory.build(route))

    def detach(route: Route) -> None:
        delivery.remove_destination(route.destination)

    book.attach, book.detach = attach, detach
    for route in book.all():
        if book.is_config(route.name):
            continue  # built with the chat side: a config route that cannot work stops the bot
        try:
            attach(route)
        except ConfigError as exc:  # e.g. the secret it names is gone: the others go on
            log.warning("route %s (added from chat) gets nothing: %s", route.name, exc)


async def _run_once(
    pipeline: Pipeline,
    delivery: Delivery,
    chat: Chat,
    storage: StorageStatus,
    digests: Digests,
    retention: Retention | None,
) -> int:
    await chat.login()
    results = await pipeline.run_once()
    await asyncio.to_thread(digests.release_due)  # a digest due while the bot was down
    await delivery.deliver_due()
    if retention is not None:  # a bot run from cron gets its retention here
        await retention.run_async()
    storage.raise_if_faulted()  # a database fault: one line, exit 1
    failed = [r for r in results if not r.ok]
    log.info("poll cycle done: %d feeds, %d failed", len(results), len(failed))
    log_first_poll(results)
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
    digests: Digests,
    learning: Learning,
) -> int:
    """Serve until stopped; EXIT_FAILURE when the chat connection failed for good."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from bot.monitoring import Monitoring  # here, so `health` (every 30 s in Docker) stays light

    monitoring = Monitoring(config, store, utc_now, storage)
    await monitoring.start()
    first_poll = FirstPollReport([f.url for f in store.feeds() if not f.paused], log_first_poll)
    scheduler = FeedScheduler(
        store,
        first_poll.wrap(monitoring.timed(pipeline.poll_feed)),
        utc_now,
        default_interval_minutes=config.polling.interval_minutes,
        jitter_seconds=config.polling.jitter_seconds,
        group_seconds=POLL_GROUP_SECONDS,
    )
    scheduler.start()
    retention = _retention(config, store)
    if retention is not None:
        scheduler.add_periodic(
            "retention",
            retention.run_async,
            hours=config.retention.interval_hours,
            first_run=utc_now() + RETENTION_FIRST_RUN,
        )
    # the database works again: poll what waited for it now
    storage.on_recovered.append(lambda: scheduler.poll_soon(pipeline.take_deferred()))
    admin.changed = _job_resync(scheduler)
    connection = await chat.connect()
    if connection is not None:
        connection.add_done_callback(lambda task: _chat_ended(task, stop))
    delivering = asyncio.create_task(delivery.run(), name="delivery")
    digesting = asyncio.create_task(digests.run(stop), name="digests")
    refitting = asyncio.create_task(
        _refit_on_schedule(learning, config.feedback.retrain_hours), name="refit"
    )
    try:
        await chat.start()
        log.info("running; press Ctrl-C to stop")
        # What start-up built (models, word lists, a job per feed) lives as long as the bot:
        # kept out of the cyclic collector, whose full passes would walk it again and again.
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        gc.unfreeze()
        log.info("stopping")
        if chat.slack is not None:
            await chat.slack.close()
        await scheduler.stop()
        digesting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await digesting
        refitting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refitting
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


async def _refit_on_schedule(learning: Learning, hours: float) -> None:
    """Refit every `hours` (0: never on its own), when feedback changed since the last."""
    if hours <= 0 or learning.retrainer is None:
        return
    retrainer = learning.retrainer
    while True:
        await asyncio.sleep(hours * 3600)
        try:
            await asyncio.to_thread(retrainer.retrain, only_if_changed=True)
        except Exception:  # a failed refit keeps the model in use; the bot goes on
            log.exception("scheduled refit failed")


def _chat_ended(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """The chat connection gave up for good (e.g. a rejected token): stop the bot."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("stopping: %s", exc)
        stop.set()


def _job_resync(scheduler: FeedScheduler) -> Callable[[], Awaitable[None]]:
    """After /news feeds add|remove|import|pause|resume|interval: one polling job per
    feed in the database that is not paused."""

    async def resync() -> None:
        scheduler.sync()

    return resync
