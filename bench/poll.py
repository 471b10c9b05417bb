"""Benchmark: poll N feeds of M items on a local feed server, cold then warm; compare with
lemon24/reader updating the same feeds in the same run. Prints one JSON line.

    .venv/bin/python bench/poll.py                      # 1,000 feeds x 20 items, 20 ms latency
    .venv/bin/python bench/poll.py --feeds 10000                      # 10,000 feeds, reader too
    .venv/bin/python bench/poll.py --feeds 200 --skip-reader

The feed server (tests/feedserver.py: real HTTP on 127.0.0.1, ETag / 304) runs in its own
process, and so do newsbot and reader, so each one's peak RSS is its own. newsbot's figure
adds the peak RSS of its parse worker processes. Every item of the cold cycle is new and
goes through the pipeline's assessor: here a no-op one that records each item as "not
relevant" (the analysis is benchmarked elsewhere); articles, verdicts and feed state are
written to a real SQLite file. The warm cycle is all 304s.

reader is NOT a project dependency. Install it for the benchmark only, in its own venv:

    python3 -m venv .venv-bench && .venv-bench/bin/pip install 'reader>=3.26,<4' sgmllib3k

(reader's vendored feedparser imports `sgmllib`, which `sgmllib3k` provides.)

(`--reader-python` points elsewhere; without it the reader figures are null, with a reason.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The goals of issue 13 (warm / cold seconds, peak RSS); other sizes scale the 1,000-feed ones.
GOALS = {
    1000: {"warm_s_max": 0.6, "cold_s_max": 4.0, "peak_rss_mb_max": 150.0, "ratio_min": 2.0},
    10000: {"warm_s_max": 4.0, "cold_s_max": 40.0, "peak_rss_mb_max": 150.0, "ratio_min": 2.0},
}


def goals_for(feeds: int) -> dict[str, float]:
    if feeds in GOALS:
        return GOALS[feeds]
    scale = feeds / 1000
    base = GOALS[1000]
    return {
        **base,
        "warm_s_max": base["warm_s_max"] * scale,
        "cold_s_max": base["cold_s_max"] * scale,
    }


# ------------------------------------------------------------------ feed server process


def feed_body(feed: int, items: int, newest: int | None = None) -> str:
    """A realistic feed: escaped HTML descriptions with links, categories, dates; the
    stories `newest - items + 1` to `newest` (default: 0 to items - 1), newest first."""
    entries = []
    last = items - 1 if newest is None else newest
    for j in range(last, max(-1, last - items), -1):
        entries.append(
            f"<item><title>Site {feed}: story {j} about data &amp; models</title>"
            f"<link>https://site{feed}.example/news/{j}?utm_source=rss</link>"
            f"<guid isPermaLink='false'>site{feed}-story-{j}</guid>"
            f"<pubDate>Mon, 03 Nov 2025 {j % 24:02d}:{feed % 60:02d}:00 GMT</pubDate>"
            "<category>Technology</category><category>Law</category>"
            "<description>&lt;p&gt;A publisher and a model developer disagree about "
            "&lt;a href='/topics/licensing'&gt;licensing&lt;/a&gt; of news archives. "
            "The filing, reported on Monday, asks for damages and an injunction.&lt;/p&gt;"
            "&lt;p&gt;Both sides are expected in court next month; neither commented."
            "&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Site {feed}</title><link>https://site{feed}.example/</link>"
        f"<description>News from site {feed}</description>{''.join(entries)}</channel></rss>"
    )


def serve(feeds: int, items: int, latency: float) -> None:
    sys.path.insert(0, str(REPO))
    from tests.feedserver import running_feed_server

    with running_feed_server() as server:
        server.latency = latency
        for i in range(feeds):
            server.serve(f"/feed/{i}.xml", feed_body(i, items))
        print(server.port, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


# ------------------------------------------------------------------ newsbot process


def run_ours(port: int, feeds: int, processes: int, connections: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from datetime import UTC, datetime

    from bot.analysis.assess import Assessment
    from bot.analysis.memory import Memory
    from bot.feeds.fetch import Fetcher, FetchSettings, make_client
    from bot.feeds.parse_pool import FeedParser
    from bot.models import Article, Verdict
    from bot.pipeline import Pipeline
    from bot.seeds import Seed
    from bot.store import Store

    class RecordingAssessor:
        """A no-op assessor: every item is recorded as not relevant."""

        def __init__(self) -> None:
            self.count = 0

        def assess(self, article: Article, known: Memory) -> Assessment:
            self.count += 1
            verdict = Verdict(article.id, False, 0.0, None, (), None, None, False, (), "", "bench")
            return Assessment(verdict)

        def assess_seed(self, seed: Seed, known: Memory) -> Assessment:
            raise NotImplementedError

    def clock() -> datetime:
        return datetime.now(UTC)

    async def cycle(pipeline: Pipeline) -> tuple[float, float, list[Any]]:
        """Wall seconds, CPU seconds of this process (every thread) and the results."""
        started, cpu = time.perf_counter(), _cpu_seconds()
        results = await pipeline.run_once()
        return time.perf_counter() - started, _cpu_seconds() - cpu, results

    async def main(db: Path) -> dict[str, Any]:
        store = Store.open(db)
        now = clock()
        setup_started = time.perf_counter()
        with store.transaction():
            for i in range(feeds):
                store.add_feed(f"http://127.0.0.1:{port}/feed/{i}.xml", now=now)
            # Already polled once: every item of the cold cycle is new and goes to the assessor.
            store.db.execute("UPDATE feeds SET first_poll_done = 1")
        setup = time.perf_counter() - setup_started
        # All feeds are on one local server standing in for 1,000 sites, so the per-host
        # limit is raised to the global one.
        settings = FetchSettings(
            total_timeout=60.0,
            read_timeout=30.0,
            max_connections=connections,
            max_connections_per_host=connections,
            allow_private_addresses=True,
        )
        parser = FeedParser(processes)
        assessor = RecordingAssessor()
        try:
            async with make_client(settings) as client:
                pipeline = Pipeline(
                    store, Fetcher(client, settings), assessor, ["bench"], clock, parser=parser
                )
                cold, cold_cpu, first = await cycle(pipeline)
                warm, warm_cpu, second = await cycle(pipeline)
            worker_peak_kb = sum(_peak_kb(pid) for pid in parser.worker_pids())
            parse_cpu = sum(_process_cpu_s(pid) for pid in parser.worker_pids())
        finally:
            parser.close()
        stored = store.count("articles")
        store.close()
        own_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "cold_s": round(cold, 3),
            "warm_s": round(warm, 3),
            "cold_feeds_per_s": round(feeds / cold, 1),
            "warm_feeds_per_s": round(feeds / warm, 1),
            # CPU of the main process (the parse workers are idle on the warm cycle)
            "cold_cpu_s": round(cold_cpu, 3),
            "parse_cpu_s": round(parse_cpu, 3),  # the parse workers, both cycles
            "warm_cpu_ms_per_feed": round(1000 * warm_cpu / feeds, 3),
            "peak_rss_mb": round((own_kb + worker_peak_kb) / 1024, 1),
            "main_process_peak_rss_mb": round(own_kb / 1024, 1),
            "parse_processes": processes,
            "max_connections": connections,
            "cold_failed": sum(1 for r in first if not r.ok),
            "cold_new_articles": sum(r.new_articles for r in first),
            "articles_stored": stored,
            "items_judged": assessor.count,
            "warm_not_modified": sum(1 for r in second if r.not_modified),
            "judge": "no-op recorder (every cold item judged, stored as not relevant)",
            "setup_s": round(setup, 3),  # adding the feeds, before the timed cycles
        }

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(main(Path(tmp) / "bench.db"))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process, from /proc (0 where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# ------------------------------------------------------------------ reader process


def run_reader(port: int, feeds: int, workers: int) -> dict[str, Any]:
    import reader as reader_lib
    from reader import make_reader

    with tempfile.TemporaryDirectory() as tmp:
        r = make_reader(str(Path(tmp) / "reader.sqlite"))
        for i in range(feeds):
            r.add_feed(f"http://127.0.0.1:{port}/feed/{i}.xml")
        started = time.perf_counter()
        r.update_feeds(workers=workers, scheduled=False)  # every feed, like run_once
        cold = time.perf_counter() - started
        entries = r.get_entry_counts().total
        started = time.perf_counter()
        r.update_feeds(workers=workers, scheduled=False)  # every feed, like run_once
        warm = time.perf_counter() - started
        failed = sum(1 for f in r.get_feeds() if f.last_exception)
        r.close()
    return {
        "version": reader_lib.__version__,
        "workers": workers,
        "cold_s": round(cold, 3),
        "warm_s": round(warm, 3),
        "cold_feeds_per_s": round(feeds / cold, 1),
        "warm_feeds_per_s": round(feeds / warm, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "entries_stored": entries,
        "failed_feeds": failed,
    }


# ------------------------------------------------------------------ orchestration


def _child(python: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [python, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            f"--feeds={args.feeds}",
            f"--items={args.items}",
            f"--latency={args.latency}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        common = [f"--port={port}", f"--feeds={args.feeds}"]
        ours = _child(
            sys.executable,
            "--run=ours",
            *common,
            f"--processes={args.processes}",
            f"--connections={args.connections}",
        )
        theirs: dict[str, Any] | None = None
        reason = None
        python = args.reader_python or str(REPO / ".venv-bench" / "bin" / "python")
        if args.skip_reader:
            reason = "skipped (--skip-reader)"
        elif not Path(python).exists():
            reason = f"reader not installed ({python} missing); see the module docstring"
        else:
            theirs = _child(python, "--run=reader", *common, f"--workers={args.reader_workers}")
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=30)
    out: dict[str, Any] = {
        "bench": "poll",
        "feeds": args.feeds,
        "items_per_feed": args.items,
        "latency_ms": round(args.latency * 1000),
        "cpus": os.cpu_count(),
        # 1-minute load average at the start and the end: the machine is shared
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "newsbot": ours,
        "reader": theirs if theirs is not None else {"skipped": reason},
    }
    if theirs is not None:
        out["ratio_cold"] = round(theirs["cold_s"] / ours["cold_s"], 2)
        out["ratio_warm"] = round(theirs["warm_s"] / ours["warm_s"], 2)
        out["ratio_rss"] = round(ours["peak_rss_mb"] / theirs["peak_rss_mb"], 2)
    goals = goals_for(args.feeds)
    out["goals"] = {
        **goals,
        "met_warm": ours["warm_s"] <= goals["warm_s_max"],
        "met_cold": ours["cold_s"] <= goals["cold_s_max"],
        "met_rss": ours["peak_rss_mb"] <= goals["peak_rss_mb_max"],
        "met_ratio": theirs is not None
        and min(out["ratio_cold"], out["ratio_warm"]) >= goals["ratio_min"],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per response")
    parser.add_argument("--processes", type=int, default=1, help="newsbot parse processes")
    parser.add_argument(
        "--connections", type=int, default=100, help="newsbot max_connections (its default)"
    )
    parser.add_argument("--reader-python", default="", help="a python with reader installed")
    parser.add_argument("--reader-workers", type=int, default=20)
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", choices=["ours", "reader"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.items, args.latency)
    elif args.run == "ours":
        print(json.dumps(run_ours(args.port, args.feeds, args.processes, args.connections)))
    elif args.run == "reader":
        print(json.dumps(run_reader(args.port, args.feeds, args.workers)))
    else:
        print(json.dumps(orchestrate(args)))


if __name__ == "__main__":
    main()
