"""Dev evaluation: run the analysis over ../shared/eval-dev/articles.jsonl (read in place) with
the raw seeds of ../shared/seeds loaded first, in memory, and print the measures.

    .venv/bin/python bench/dev_eval.py [--verbose] [--labels PATH] [--seeds DIR]

A dev tool only: the production seed loader lives in the foundation; this one reads raw .txt
seeds just well enough to measure.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.analysis.analyzer import Analyzer, seed_document_from_text, verdict_to_dict
from bot.analysis.evaluation import evaluate
from bot.analysis.memory import InMemoryMemory
from bot.models import Article

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def run(labels_path: Path, seeds_dir: Path, verbose: bool) -> dict[str, object]:
    analyzer = Analyzer()
    memory = InMemoryMemory()
    for path in sorted(seeds_dir.glob("*.txt")):
        seed = seed_document_from_text(path.name, path.read_text(encoding="utf-8"))
        a = analyzer.analyze_seed(seed, memory)
        memory.remember(a.record)
        if verbose:
            print(f"seed {path.name}: story={a.verdict.story} claims={len(a.verdict.claims)}")
    labels = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines()]
    verdicts = []
    for lab in labels:
        art = Article(
            id=lab["id"],
            title=lab.get("title") or "",
            url=lab.get("url"),
            source=lab.get("source"),
            published=parse_date(lab.get("published")),
            text=lab.get("text") or "",
        )
        a = analyzer.analyze_full(art, memory)
        memory.remember(a.record)
        v = verdict_to_dict(a.verdict)
        verdicts.append(v)
        if verbose:
            print(
                f"{lab['id']} gold={lab['relevant']}/{lab.get('dup_group')} "
                f"rel={v['relevant']} {v['relevance']} {v['category']} story={v['story']} "
                f"dup={v['duplicate_of']} novel={v['novel']}"
            )
            for c in a.verdict.claims:
                mark = "NEW " if c.novel else f"old({c.seen_in})"
                print(f"   {mark} {c.similarity:.2f} {c.text[:110]}")
                if not c.novel or c.similarity > 0.25:
                    print(f"        ~ {(c.closest or '')[:110]}")
    return evaluate(labels, verdicts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=Path, default=SHARED / "eval-dev" / "articles.jsonl")
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if not args.labels.exists():
        print(f"no labelled file at {args.labels}", file=sys.stderr)
        return 2
    result = run(args.labels, args.seeds, args.verbose)
    claims = result["claims"]
    assert isinstance(claims, dict)
    if not args.verbose:
        claims.pop("disagreements", None)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
