"""One compression-bomb case, run in a fresh process so its peak RSS is its own.

Shared by tests/feeds/test_bombs.py and bench/bombs.py (which describes the cases): a
local feed server (tests/feedserver.py, a thread of the child process) serves the bomb,
and the child fetches it once with the bot's Fetcher, as a feed or as an article page
through FullText, then prints its figures as one JSON line.

    .venv/bin/python tests/bombcase.py double-gzip-feed
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOALS = {"peak_rss_mb_max": 200.0}
CASES = {
    "double-gzip-feed": (2_100_000_000, 2, "feed"),
    "gzip-1mb-feed": (1_000_000_000, 1, "feed"),
    "double-gzip-page": (2_100_000_000, 2, "page"),
}


async def _one(case: str) -> dict[str, Any]:
    from bot.feeds.fetch import Fetcher, FetchSettings, FetchState, make_client
    from bot.feeds.fulltext import FullText, FullTextSettings
    from tests.feedserver import gzip_bomb, running_feed_server

    size, layers, kind = CASES[case]
    bomb = gzip_bomb(size, layers)
    encoding = ", ".join(["gzip"] * layers)
    settings = FetchSettings(allow_private_addresses=True)
    stall = 0.0

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stall = max(stall, now - last - 0.01)
            last = now

    with running_feed_server() as server:
        server.serve("/robots.txt", "", content_type="text/plain")
        url = server.serve("/bomb", bomb, headers={"Content-Encoding": encoding})
        base_kb = peak_rss_kb()
        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings)
            if kind == "feed":
                result = await fetcher.fetch(FetchState(url))
                outcome = result.error or f"ok, {len(result.body):,} bytes"
            else:
                full = FullText(
                    fetcher,
                    FullTextSettings(),
                    lambda: datetime.now(UTC),
                    extract=lambda body, url: None,
                )
                page = await full.text_for(url, "a teaser")
                outcome = page.note or page.source
        seconds = time.perf_counter() - started
        tick.cancel()
    peak_kb = peak_rss_kb()
    return {
        "case": case,
        "wire_bytes": len(bomb),
        "outcome": outcome,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_before_fetch_mb": round(base_kb / 1024, 1),
        "seconds": round(seconds, 2),
        "loop_stall_ms": round(stall * 1000, 1),
    }


def peak_rss_kb() -> int:
    """This process's own peak RSS in KiB. VmHWM belongs to the address space that exec made;
    getrusage's maxrss also counts the parent's RSS at the fork that started us, so a
    child of a large process (pytest) would report its parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_case(case: str) -> dict[str, Any]:
    """One case in a fresh process; its JSON line as a dict."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), case],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(asyncio.run(_one(sys.argv[1]))))
