"""Benchmark: reading Japanese text — language identification, words, English terms and the
whole analysis of a Japanese article.

Prints one JSON line: characters per second of language identification (CLD2) and of
splitting into words (Lindera + IPADIC), first-call (load) times, Japanese articles analysed
per second, and the peak RSS. With --stream FILE (e.g. ../shared/eval-dev/stream-ja.jsonl)
the texts are that stream's, read in place; without it, a paragraph we wrote, repeated.
Run: .venv/bin/python bench/japanese.py [--stream FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from bot.analysis.analyzer import Analyzer
from bot.analysis.japanese import english_terms, morphemes
from bot.analysis.language import identify_language
from bot.analysis.memory import InMemoryMemory
from bot.models import Article

OWN_TEXT = (
    "読売新聞は8月7日、AI検索サービスを東京地裁に提訴し、損害賠償21億7000万円を求めた。"
    "同社の記事が許諾なく生成AIの回答に使われ、著作権を侵害されたと主張している。"
    "報道機関の記事をAIが無断で学習に利用することへの懸念は、国内の新聞社の間で広がっている。"
)


def _texts(stream: Path | None) -> list[str]:
    if stream is None:
        return [OWN_TEXT * 4] * 30
    return [json.loads(line)["text"] for line in stream.read_text("utf-8").splitlines() if line]


def _rate(texts: list[str], fn: object, rounds: int = 5) -> float:
    chars = sum(len(t) for t in texts) * rounds
    start = time.perf_counter()
    for _ in range(rounds):
        for t in texts:
            fn(t)  # type: ignore[operator]
    return chars / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", type=Path, help="a JSON-lines stream of Japanese articles")
    args = ap.parse_args()
    texts = _texts(args.stream)
    t0 = time.perf_counter()
    identify_language(texts[0])
    id_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    morphemes(texts[0][:50] + "。")
    words_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    english_terms("山田太郎氏が語った。")  # the first personal name: its reading, romanised
    romaniser_load = time.perf_counter() - t0
    figures = {
        "texts": len(texts),
        "language_id_chars_per_s": round(_rate(texts, identify_language)),
        "language_id_first_call_s": round(id_load, 3),
        "words_first_call_s": round(words_load, 3),
        "romaniser_first_call_s": round(romaniser_load, 3),
        # fresh strings each round, so the memo of morphemes() does not answer
        "words_chars_per_s": round(_rate([t + " " for t in texts], morphemes, 1)),
        "english_terms_chars_per_s": round(_rate([t + "  " for t in texts], english_terms, 1)),
    }
    analyzer, memory = Analyzer(), InMemoryMemory()
    start = time.perf_counter()
    for i, text in enumerate(texts):
        article = Article(f"b{i}", "", None, None, None, text + f"\n{i}")
        memory.remember(analyzer.analyze_full(article, memory).record)
    figures["articles_per_s"] = round(len(texts) / (time.perf_counter() - start), 1)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
