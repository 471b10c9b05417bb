"""Soak: the real `newsbot run` against 1,000 local feeds for a set time; does its memory
stay flat, and does a poll in the running bot cost what it costs in bench/poll.py?

    .venv/bin/python bench/soak.py                    # 60 minutes, 1,000 feeds
    .venv/bin/python bench/soak.py --minutes 15 --feeds 1000 --changing 10

The feed server (tests/feedserver.py: real HTTP on 127.0.0.1, ETag / 304) runs in its own
process; every minute `--changing` feeds (in turn) get a new story, so most polls are
conditional GETs answered 304 and a few are new articles through the real analysis. The bot
is the real program (`python -m bot run`, a subprocess) with a real config file: every feed
polled every minute, the console as its chat (its output discarded), the metrics port on,
full-text fetching off (the feeds' links point nowhere).

Once a minute the soak reads the bot's RSS and CPU time (its own plus its parse workers')
from /proc and its poll count from its /metrics, and prints a line on stderr. The final
JSON line on stdout gives RSS after the warm-up, the largest drift from it afterwards, the
slope, and the CPU per poll after the warm-up against the bench's CPU per warm poll (from
`bench/poll.py --skip-reader` run first; `--bench-cpu-ms` gives it instead).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOALS = {"rss_drift_mb_max": 5.0, "cpu_ratio_max": 1.5}
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ feed server process


def serve(feeds: int, items: int, changing: int, every: float) -> None:
    """Serve the feeds; every `every` seconds, `changing` of them (in turn) get a story."""
    sys.path.insert(0, str(REPO))
    from bench.poll import feed_body
    from tests.feedserver import running_feed_server

    newest = [items - 1] * feeds
    with running_feed_server() as server:
        for i in range(feeds):
            server.serve(f"/feed/{i}.xml", feed_body(i, items))
        print(server.port, flush=True)
        turn = 0
        while True:
            time.sleep(every)
            for _ in range(changing):
                feed = turn % feeds
                turn += 1
                newest[feed] += 1
                server.serve(f"/feed/{feed}.xml", feed_body(feed, items, newest[feed]))


# ------------------------------------------------------------------ the bot


def config_text(port: int, feeds: int, database: Path, metrics_port: int) -> str:
    lines = [
        "[bot]",
        f'database = "{database}"',
        "[polling]",
        "interval_minutes = 1",
        "min_interval_minutes = 1",
        "jitter_seconds = 10",
        "[fetch]",
        "allow_private_addresses = true",
        # one local server stands in for 1,000 sites
        "max_connections_per_host = 50",
        "[full_text]",
        "enabled = false",
        "[metrics]",
        "enabled = true",
        f"port = {metrics_port}",
    ]
    for i in range(feeds):
        lines += ["[[feeds]]", f'url = "http://127.0.0.1:{port}/feed/{i}.xml"']
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """`pid` and every descendant (the parse workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and its descendants now."""
    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def polls_done(metrics_port: int) -> int | None:
    """The bot's poll counter (every outcome), from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
            text = r.read().decode()
    except OSError:
        return None
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("newsbot_polls_total{")
        )
    )


def bench_cpu_ms(feeds: int) -> float:
    """CPU per warm poll (a 304) in bench/poll.py, this machine, now."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "poll.py"), "--skip-reader", f"--feeds={feeds}"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["newsbot"]["warm_cpu_ms_per_feed"])


def soak(args: argparse.Namespace) -> dict[str, Any]:
    bench_ms = args.bench_cpu_ms or bench_cpu_ms(args.feeds)
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            f"--feeds={args.feeds}",
            f"--items={args.items}",
            f"--changing={args.changing}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    samples: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline().strip())
            metrics_port = free_port()
            config = Path(tmp) / "config.toml"
            config.write_text(config_text(port, args.feeds, Path(tmp) / "soak.db", metrics_port))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "SLACK"))}
            env.pop("NEWSBOT_CONFIG", None)
            with (Path(tmp) / "bot.err").open("w") as err:
                bot = subprocess.Popen(
                    [sys.executable, "-m", "bot", "run", "--config", str(config)],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
                try:
                    samples = _sample(bot, metrics_port, args)
                finally:
                    bot.send_signal(signal.SIGTERM)
                    try:
                        bot.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        bot.kill()
            errors = (Path(tmp) / "bot.err").read_text().splitlines()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return _summary(args, samples, bench_ms, errors, bot.returncode)


def _sample(
    bot: subprocess.Popen[bytes], metrics_port: int, args: argparse.Namespace
) -> list[dict[str, float]]:
    started = time.monotonic()
    while polls_done(metrics_port) is None:
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited early ({bot.returncode})")
        time.sleep(0.5)
    samples = []
    for minute in range(1, args.minutes + 1):
        time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited early ({bot.returncode})")
        sample = {
            "minute": minute,
            "rss_mb": round(rss_mb(bot.pid), 1),
            "cpu_s": round(cpu_seconds(bot.pid), 2),
            "polls": polls_done(metrics_port) or 0,
        }
        if samples:
            polls = sample["polls"] - samples[-1]["polls"]
            cpu = sample["cpu_s"] - samples[-1]["cpu_s"]
            sample["cpu_ms_per_poll"] = round(1000 * cpu / polls, 2) if polls else 0.0
        samples.append(sample)
        print(json.dumps(sample), file=sys.stderr, flush=True)
    return samples


def _summary(
    args: argparse.Namespace,
    samples: list[dict[str, float]],
    bench_ms: float,
    errors: list[str],
    exit_code: int | None,
) -> dict[str, Any]:
    warm = min(args.warmup, max(1, len(samples) - 2))
    after = samples[warm - 1 :]  # the sample at the end of the warm-up, and every later one
    base = after[0]["rss_mb"]
    drift = max(abs(s["rss_mb"] - base) for s in after)
    polls = after[-1]["polls"] - after[0]["polls"]
    cpu = after[-1]["cpu_s"] - after[0]["cpu_s"]
    per_poll = 1000 * cpu / polls if polls else 0.0
    minutes = [s["minute"] for s in after]
    rss = [s["rss_mb"] for s in after]
    slope = _slope(minutes, rss)
    return {
        "bench": "soak",
        "minutes": args.minutes,
        "warmup_minutes": warm,
        "feeds": args.feeds,
        "changing_per_minute": args.changing,
        "cpus": os.cpu_count(),
        "rss_after_warmup_mb": base,
        "rss_end_mb": rss[-1],
        "rss_max_drift_mb": round(drift, 1),
        "rss_slope_mb_per_min": round(slope, 3),
        "rss_mb_by_minute": [s["rss_mb"] for s in samples],
        "polls_after_warmup": polls,
        "polls_per_min": round(polls / max(1, len(after) - 1), 1),
        "cpu_ms_per_poll": round(per_poll, 2),
        "bench_warm_cpu_ms_per_poll": bench_ms,
        "ratio_cpu_per_poll": round(per_poll / bench_ms, 2) if bench_ms else None,
        "bot_exit_code": exit_code,
        "bot_log_lines": len(errors),
        "bot_log_tail": errors[-3:],
        "goals": {
            **GOALS,
            "met_rss": drift <= GOALS["rss_drift_mb_max"],
            "met_cpu": bool(bench_ms) and per_poll / bench_ms <= GOALS["cpu_ratio_max"],
        },
    }


def _slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5, help="minutes before RSS counts")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--changing", type=int, default=10, help="feeds with a new story a minute")
    parser.add_argument("--bench-cpu-ms", type=float, default=0.0, help="skip the bench run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.items, args.changing, 60.0)
    else:
        print(json.dumps(soak(args)))


if __name__ == "__main__":
    main()
