"""Benchmark: search over Japanese articles (bot/store/search_ja.py).

Stores a JSON-lines stream of Japanese articles (e.g. ../shared/eval-dev/stream-ja.jsonl, read
in place) in a fresh database and prints one JSON line: the Japanese index's bytes, and per
query the articles found, the articles whose text contains the query, and CPU ms a search.
Run: .venv/bin/python bench/search_ja.py --stream ../shared/eval-dev/stream-ja.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import unicodedata
from pathlib import Path

from bot.store import Store

QUERIES = ("読売", "読売新聞", "読売新聞社", "Yomiuri", "新聞", "提訴", "著作権", "生成AI", "東京")


def _rows(stream: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for line in stream.read_text("utf-8").splitlines():
        a = json.loads(line)
        rows.append(
            {"id": a["id"], "kind": "feed", "url": a["url"], "title": a["title"] or "",
             "source": a["source"], "seen_at": "2025-11-06T09:00:00+00:00", "body": a["text"],
             "status": "alerted", "language": "ja"}
        )  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    rows = _rows(args.stream)
    texts = [unicodedata.normalize("NFKC", f"{r['title']}\n{r['body']}") for r in rows]
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "newsbot.db")
        store.save_articles(rows)
        size = store.db.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_ja_fts%'"
        ).fetchone()[0]
        out: dict[str, object] = {"articles": len(rows), "index_bytes": size}
        for query in QUERIES:
            start = time.process_time()
            for _ in range(args.rounds):
                hits = store.search(query, limit=100)
            cpu = (time.process_time() - start) / args.rounds * 1000
            out[query] = {
                "found": len(hits),
                "containing": sum(query in t for t in texts),
                "cpu_ms": round(cpu, 2),
            }
        store.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
