"""The demo's feeds over real HTTP on 127.0.0.1 (an aiohttp app in the bot's event loop).

Each feed serves what it carries at the current round; the demo moves the round on
between polls, as time passing would.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.demo.content import DemoContent


class DemoFeedServer:
    """Serves /feeds/<key>.xml for every demo feed; `start()` picks a free port."""

    def __init__(self, content: DemoContent) -> None:
        self.content = content
        self.round = 1
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{key}.xml"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feeds/{key}.xml", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def unreachable(self) -> str | None:
        """Why a connection to the server fails (the loopback interface is down), or None."""
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 5)
        except (OSError, TimeoutError) as exc:
            return str(exc) or type(exc).__name__
        writer.close()
        await writer.wait_closed()
        return None

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _feed(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in {f.key for f in self.content.feeds}:
            raise web.HTTPNotFound()
        return web.Response(
            body=self.content.rss(key, self.round),
            content_type="application/rss+xml",
            charset="utf-8",
        )
