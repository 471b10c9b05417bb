"""Benchmark: what one compression bomb costs a poll. Prints one JSON line.

    .venv/bin/python bench/bombs.py              # all cases
    .venv/bin/python bench/bombs.py --case double-gzip-feed

Each case runs in a fresh process (tests/bombcase.py), so its peak RSS (VmHWM) is its
own: a local feed server (tests/feedserver.py, a thread of that process) serves the bomb,
and the process fetches it once with the bot's Fetcher, as a feed or as an article page through
FullText. Cases:
- double-gzip-feed: 2.1 GB of zeros gzipped twice (~3.4 KB on the wire,
  `Content-Encoding: gzip, gzip`), as a feed (cap 5 MB);
- gzip-1mb-feed: 1 GB of zeros gzipped once (~1 MB on the wire), as a feed;
- double-gzip-page: the double bomb as a teaser's article page (cap 2 MB).
`loop_stall_ms` is the longest the event loop went without running a 10 ms ticker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.bombcase import CASES, GOALS, run_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    results = [run_case(case) for case in args.case or CASES]
    worst = max(r["peak_rss_mb"] for r in results)
    print(json.dumps({"cases": results, "goals": GOALS, "worst_peak_rss_mb": worst}))


if __name__ == "__main__":
    main()
