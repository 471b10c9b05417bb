"""Fault figures: what a broken destination does to a slow Slack, and how the real bot
process comes through a full disk (a file-size limit imposed on it, then lifted).

Prints one JSON line:
- flood: Slack messages per alert while another destination raises on every send
  (16 alerts, Slack answering in 2.5 s, 40 s of delivery);
- disk_full: polls counted by /metrics during the fault, tracebacks and ERROR lines in
  the log, what `newsbot health` said, and the seconds from the limit being lifted until
  every feed had been polled successfully and health was healthy again.

Run: PYTHONPATH=. .venv/bin/python bench/faults.py (it uses the test fakes; ~2 minutes)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.chat.base import OutgoingMessage
from bot.chat.delivery import Delivery
from bot.chat.slack.client import make_web_client
from bot.chat.slack.destination import SlackDestination
from bot.store import Store
from tests.feedserver import rss, running_feed_server
from tests.outbox import queue_alerts
from tests.slack_fake import FakeSlack

REPO = Path(__file__).resolve().parent.parent
ALERTS = 16
FEEDS = 20
FAULT_SECONDS = 65  # long enough for every feed's first poll to fall inside the fault


class Raising:
    """A destination that raises a plain exception on every send (a bug, a bad URL)."""

    name = "discord"

    async def send(self, message: OutgoingMessage) -> str | None:
        raise ValueError("Invalid webhook URL given.")


async def flood(folder: Path) -> dict[str, float]:
    slack = await FakeSlack().start()
    slack.post_latency = 2.5
    store = Store.open(folder / "flood.db")
    now = datetime.now(UTC)
    queue_alerts(store, range(ALERTS), ("discord", "slack"), now)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    slack_destination = SlackDestination(
        make_web_client("xoxb-bench", slack.api_url), "C0ALERTS", store, clock
    )
    delivery = Delivery(store, [Raising(), slack_destination], clock)
    task = asyncio.create_task(delivery.run())
    await asyncio.sleep(40)
    await delivery.shutdown(task)
    posts = len(slack.posts())
    store.close()
    await slack.stop()
    return {"alerts": ALERTS, "slack_messages": posts, "per_alert": posts / ALERTS}


def disk_full(folder: Path) -> dict[str, object]:
    with running_feed_server() as server:
        urls = [
            server.serve(
                f"/feed{n}.xml",
                rss(
                    *[
                        (f"Story {n}-{i}", f"https://n.example/{n}/{i}", "Text. " * 200)
                        for i in range(5)
                    ]
                ),
            )
            for n in range(FEEDS)
        ]
        config = folder / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{folder / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
            '[console]\nenabled = "never"\n[polling]\njitter_seconds = 60\n'
            "[health]\nheartbeat_seconds = 5\nmax_age_seconds = 15\n"
            '[metrics]\nenabled = true\nhost = "127.0.0.1"\nport = 0\n'
            "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
            + "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=lambda: lines.extend(stream), daemon=True).start()
        while not any("running; press Ctrl-C" in line for line in lines):
            time.sleep(0.05)
        port = next(
            int(m.group(1))
            for line in lines
            if (m := re.search(r"metrics and health on http://127.0.0.1:(\d+)/", line))
        )
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        time.sleep(FAULT_SECONDS)
        health = _health(config)
        during = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, unlimited)
        lifted = time.monotonic()
        while True:
            if _unpolled(folder / "bot.db") == 0 and _health(config).startswith("healthy"):
                break
            time.sleep(0.25)
        recovery = time.monotonic() - lifted
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    text = "".join(lines)
    return {
        "feeds": FEEDS,
        "fault_seconds": FAULT_SECONDS,
        "polls_counted_during_fault": {
            outcome: _metric(during, f'newsbot_polls_total{{outcome="{outcome}"}}')
            for outcome in ("ok", "error")
        },
        "health_during_fault": health,
        "tracebacks": text.count("Traceback"),
        "error_lines": sum(" ERROR " in line for line in lines),
        "recovery_seconds": round(recovery, 1),
        "exit_code": code,
    }


def _health(config: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "health"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _unpolled(database: Path) -> int:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT COUNT(*) FROM feeds WHERE last_success_at IS NULL").fetchone()[0]
        )
    finally:
        conn.close()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = {"flood": asyncio.run(flood(folder)), "disk_full": disk_full(folder)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
