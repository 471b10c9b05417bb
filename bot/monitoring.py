"""The self-hosting services of a running bot: the heartbeat task and the optional metrics port.

Built by the composition root next to the pipeline; `timed()` wraps the pipeline's
poll so every scheduled poll is counted, and `stop()` records a clean shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.config import Config
from bot.errors import NewsbotError
from bot.health import HealthReport, Heartbeat, check_health
from bot.metrics import MetricsServer, PollFeed, build_registry
from bot.store import Store
from bot.store.faults import StorageStatus, describe

log = logging.getLogger(__name__)


class Monitoring:
    """Heartbeat + metrics port for one run of the bot."""

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Callable[[], datetime],
        storage: StorageStatus | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        database = config.bot.database
        self.heartbeat = Heartbeat(
            store, clock, interval_seconds=config.health.heartbeat_seconds, storage=storage
        )
        on_error = None
        if storage is not None:

            def on_error(exc: BaseException) -> None:
                if describe(exc).kind == "corrupt":  # a read fault the bot's writes may miss
                    storage.failed(exc)

        self.registry, self.metrics = build_registry(database, on_error)
        self.server: MetricsServer | None = None
        if config.metrics.enabled:
            self.server = MetricsServer(
                self.registry,
                self.health,
                clock,
                host=config.metrics.host,
                port=config.metrics.port,
            )
        self._beating: asyncio.Task[None] | None = None

    def health(self, now: datetime) -> HealthReport:
        return check_health(
            self._config.bot.database, now, max_age_seconds=self._config.health.max_age_seconds
        )

    def timed(self, poll: PollFeed) -> PollFeed:
        return self.metrics.timed(poll)

    async def start(self) -> None:
        """Write the first heartbeat, then keep beating; open the metrics port if enabled."""
        await asyncio.to_thread(self.heartbeat.beat)
        self._beating = asyncio.create_task(self.heartbeat.run(), name="heartbeat")
        if self.server is not None:
            try:
                await self.server.start()
            except OSError as exc:
                await self.stop()
                where = f"{self._config.metrics.host}:{self._config.metrics.port}"
                raise NewsbotError(
                    f"metrics: cannot listen on {where} ({exc.strerror or exc})"
                ) from None

    async def stop(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None
            await asyncio.to_thread(self.heartbeat.close)
        if self.server is not None:
            await self.server.stop()
