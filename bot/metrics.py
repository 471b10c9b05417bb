"""Prometheus metrics and the optional HTTP port (/metrics, /healthz).

Two sources: `Metrics` counts what only the running process knows (polls and how long they
took), and `DatabaseCollector` reads the rest from SQLite at scrape time (feeds, failing
feeds, items seen, alerts sent, outbox length), so the numbers survive restarts and agree
with `newsbot health`. Everything lives in one CollectorRegistry built by the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, Info
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from bot import __version__
from bot.health import HealthReport, read_only
from bot.pipeline import FeedResult

log = logging.getLogger(__name__)

POLL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

PollFeed = Callable[[str], Awaitable[FeedResult]]


class Metrics:
    """In-process counters of one running bot; built in the composition root, passed in."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.polls = Counter(
            "newsbot_polls",
            "Feed polls since the bot started, by outcome (ok, not_modified, error).",
            ["outcome"],
            registry=registry,
        )
        self.poll_duration = Histogram(
            "newsbot_poll_duration_seconds",
            "Time to fetch, parse, analyse and store one feed.",
            buckets=POLL_BUCKETS,
            registry=registry,
        )
        for outcome in ("ok", "not_modified", "error"):
            self.polls.labels(outcome)  # export zeros before the first poll
        # newsbot_build_info{version, python} 1: what is running, even when the database is not
        Info(
            "newsbot_build", "Version of the running bot and of its Python.", registry=registry
        ).info({"version": __version__, "python": platform.python_version()})

    def observe_poll(self, result: FeedResult, seconds: float) -> None:
        outcome = "error" if not result.ok else ("not_modified" if result.not_modified else "ok")
        self.polls.labels(outcome).inc()
        self.poll_duration.observe(seconds)

    def timed(self, poll: PollFeed) -> PollFeed:
        """Wrap the pipeline's poll_feed so every poll is counted and timed."""

        async def timed_poll(url: str) -> FeedResult:
            started = time.perf_counter()
            result = await poll(url)
            self.observe_poll(result, time.perf_counter() - started)
            return result

        return timed_poll


class DatabaseCollector(Collector):
    """Gauges and counters read from the database at scrape time, over a read-only connection."""

    def __init__(self, path: Path, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._path = path
        self._on_error = on_error  # e.g. StorageStatus.failed: /healthz then agrees

    def describe(self) -> list[Metric]:
        return []  # names vary with the database; do not read it at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "newsbot_database_up", "1 when the database could be read for this scrape."
        )
        try:
            families = self._read()
        except sqlite3.Error as exc:
            log.warning("metrics: cannot read the database %s: %s", self._path, exc)
            if self._on_error is not None:
                self._on_error(exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> list[Metric]:
        with read_only(self._path) as conn:
            feeds, failing = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(consecutive_failures > 0), 0) FROM feeds"
            ).fetchone()
            seen = conn.execute("SELECT COUNT(*) FROM articles WHERE kind = 'feed'").fetchone()[0]
            statuses = conn.execute(
                "SELECT status, COUNT(*) FROM articles WHERE kind = 'feed' GROUP BY status"
            ).fetchall()
            sent = conn.execute(
                "SELECT destination, COUNT(*) FROM outbox"
                " WHERE status = 'sent' AND kind = 'alert' GROUP BY destination"
            ).fetchall()
            pending = conn.execute(
                "SELECT destination, COUNT(*) FROM outbox WHERE status = 'pending'"
                " GROUP BY destination"
            ).fetchall()
        families: list[Metric] = []
        g = GaugeMetricFamily("newsbot_feeds", "Feeds the bot watches.")
        g.add_metric([], feeds)
        families.append(g)
        g = GaugeMetricFamily(
            "newsbot_feeds_failing", "Feeds whose last poll failed (one or more in a row)."
        )
        g.add_metric([], failing)
        families.append(g)
        c = CounterMetricFamily("newsbot_items_seen", "Feed items stored since the database began.")
        c.add_metric([], seen)
        families.append(c)
        g = GaugeMetricFamily(
            "newsbot_articles", "Stored feed articles by decision.", labels=["status"]
        )
        for status, count in statuses:
            g.add_metric([str(status)], count)
        families.append(g)
        c = CounterMetricFamily(
            "newsbot_alerts_sent", "Alerts delivered, by destination.", labels=["destination"]
        )
        for destination, count in sent:
            c.add_metric([str(destination)], count)
        families.append(c)
        g = GaugeMetricFamily(
            "newsbot_outbox_pending",
            "Messages waiting in the outbox, by destination.",
            labels=["destination"],
        )
        for destination, count in pending:
            g.add_metric([str(destination)], count)
        families.append(g)
        return families


def build_registry(
    database: Path, on_error: Callable[[BaseException], None] | None = None
) -> tuple[CollectorRegistry, Metrics]:
    """A fresh registry holding the process metrics and the database collector."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    registry.register(DatabaseCollector(database, on_error))
    return registry, metrics


class MetricsServer:
    """aiohttp server on the bot's event loop: GET /metrics and GET /healthz."""

    def __init__(
        self,
        registry: CollectorRegistry,
        health: Callable[[datetime], HealthReport],
        clock: Callable[[], datetime],
        *,
        host: str,
        port: int,
    ) -> None:
        self._registry = registry
        self._health = health
        self._clock = clock
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        return app

    async def start(self) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("metrics and health on http://%s:%d/metrics", self._host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await asyncio.to_thread(self._health, self._clock())
        return web.Response(
            text=json.dumps(report.as_dict()) + "\n",
            status=200 if report.healthy else 503,
            content_type="application/json",
        )
