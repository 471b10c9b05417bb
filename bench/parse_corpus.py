"""Benchmark and census: the feed parser over ../shared/feeds-corpus and ../shared/feeds
(other projects' test data and real-world feeds, read in place). Prints one JSON line:

- corpus: files, parsed, not feeds, exceptions (must be 0), fast-path documents accepted /
  equal to feedparser / differing (must be 0), feedparser `Expect:` equalities checked / met;
- real_world: the real-world files (feedjira's samples, miniflux's and reader's data, and
  ../shared/feeds), how many the lxml fast path accepts, and parse time with and without it.

    .venv/bin/python bench/parse_corpus.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REAL_WORLD = ("feedjira", "miniflux", "reader")


def _real_world(corpus: Path) -> dict[str, Any]:
    from bot.errors import FeedError
    from bot.feeds.parse import parse_feed
    from tests.feeds.corpus import FETCHED, documents

    docs = [d for d in documents(corpus) if d.path.relative_to(corpus).parts[0] in REAL_WORLD]
    feeds = SHARED / "feeds"
    if feeds.is_dir():
        docs += list(documents(feeds))
    accepted = feeds = 0
    seconds = {True: 0.0, False: 0.0}
    for doc in docs:
        try:
            parse_feed(doc.body, url=doc.url, headers=doc.headers, fetched_at=FETCHED, fast=False)
        except FeedError:
            continue  # a web page or sanitizer sample beside the feeds
        feeds += 1
        for fast in (True, False):
            started = time.perf_counter()
            for _ in range(3):
                try:
                    parsed = parse_feed(
                        doc.body, url=doc.url, headers=doc.headers, fetched_at=FETCHED, fast=fast
                    )
                except FeedError:
                    parsed = None
            seconds[fast] += (time.perf_counter() - started) / 3
            if fast and parsed is not None and parsed.via == "lxml":
                accepted += 1
    return {
        "files": len(docs),
        "feeds": feeds,
        "fast_accepted": accepted,
        "parse_s_with_fast_path": round(seconds[True], 3),
        "parse_s_feedparser_only": round(seconds[False], 3),
        "speedup": round(seconds[False] / seconds[True], 2) if seconds[True] else None,
    }


def main() -> None:
    sys.path.insert(0, str(REPO))
    from tests.feeds.corpus import tally

    corpus = SHARED / "feeds-corpus"
    if not corpus.is_dir():
        print(json.dumps({"bench": "parse_corpus", "skipped": f"{corpus} is absent"}))
        return
    counts = tally(corpus)
    print(
        json.dumps(
            {
                "bench": "parse_corpus",
                "corpus": {
                    "files": counts.files,
                    "parsed": counts.parsed,
                    "not_feeds": counts.not_feeds,
                    "exceptions": len(counts.exceptions),
                    "fast_accepted": counts.fast_accepted,
                    "fast_equal": counts.fast_matching,
                    "fast_differing": len(counts.fast_differing),
                    "expectations_checked": counts.expectations,
                    "expectations_met": counts.expectations_met,
                    "entries_we_skip_as_empty": counts.entries_skipped_as_empty,
                },
                "real_world": _real_world(corpus),
            }
        )
    )


if __name__ == "__main__":
    main()
