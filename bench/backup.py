"""Backup while the bot writes: how long an online backup takes, and how much it slows writes.

    .venv/bin/python bench/backup.py [--articles N] [--seconds S]

Builds a real database in a temp folder, then measures (1) a writer alone, (2) the same
writer while backups run back to back, and (3) a plain file copy of the same database as
the peer for the backup's speed. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.backup import backup_database
from bot.store import Store

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BODY = " ".join(f"word{i % 97} training data licence court" for i in range(60))


def fill(path: Path, articles: int) -> None:
    store = Store.open(path)
    with store.transaction():
        for n in range(articles):
            store.save_article(
                {
                    "id": f"seed{n}",
                    "kind": "feed",
                    "title": f"Article {n} on training data",
                    "body": BODY,
                    "seen_at": NOW.isoformat(),
                }
            )
    store.close()


def writes_per_second(path: Path, seconds: float) -> float:
    """One article + one outbox row per transaction, like the pipeline's commit."""
    store = Store.open(path)
    count = 0
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            key = f"w{time.perf_counter_ns()}"
            with store.transaction():
                store.save_article({"id": key, "kind": "feed", "seen_at": NOW.isoformat()})
                store.enqueue(
                    kind="alert", article_id=key, destination="console", payload={}, now=NOW
                )
            count += 1
    finally:
        store.close()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "newsbot.db"
        fill(db, args.articles)
        size_mb = sum(p.stat().st_size for p in folder.glob("newsbot.db*")) / 1e6

        alone = writes_per_second(db, args.seconds)

        backups: list[float] = []
        done = threading.Event()

        def back_to_back() -> None:
            n = 0
            while not done.is_set():
                result = backup_database(db, folder / f"b{n}.db", NOW)
                backups.append(result.seconds)
                (folder / f"b{n}.db").unlink()
                n += 1

        thread = threading.Thread(target=back_to_back)
        thread.start()
        try:
            during = writes_per_second(db, args.seconds)
        finally:
            done.set()
            thread.join()

        started = time.perf_counter()
        shutil.copyfile(db, folder / "copy.db")
        copy_seconds = time.perf_counter() - started

    backup_seconds = sum(backups) / len(backups)
    print(
        json.dumps(
            {
                "bench": "backup_while_writing",
                "db_mb": round(size_mb, 1),
                "backups_done": len(backups),
                "backup_seconds": round(backup_seconds, 3),
                "backup_mb_per_s": round(size_mb / backup_seconds, 1),
                "peer_file_copy_seconds": round(copy_seconds, 3),
                "backup_vs_copy_ratio": round(backup_seconds / copy_seconds, 2),
                "writes_per_s_alone": round(alone, 1),
                "writes_per_s_during_backups": round(during, 1),
                "writer_speed_ratio": round(during / alone, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
