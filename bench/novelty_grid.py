"""Novelty settings chosen on training streams only: a grid over `NoveltySettings`, judged
offline on the claims each stream's analysis emitted.

    .venv/bin/python bench/novelty_grid.py [--cache FILE [--only-cache]]

Each English stream is analysed once (relevance fitted without it, as `eval --fold`); every
emitted claim the scorer aligns with a labelled claim keeps the candidates it was judged
against. Each grid point re-judges those claims (stories held as they were: an
approximation, checked afterwards with `eval --fold all`), and for each fold the point with
the best agreement on the OTHER streams is named with its held-out agreement.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import pickle
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from claim_errors import SHARED, run  # noqa: E402

from bot.analysis.novelty import NgramCache, NoveltySettings, assess_claim  # noqa: E402
from bot.evaluation.fit import examples_from, fit  # noqa: E402
from bot.evaluation.measures import ALIGN_MIN, _similarity, _tokens  # noqa: E402
from bot.evaluation.streams import english_streams  # noqa: E402

GRID: dict[str, tuple[float, ...]] = {
    "known_at": (0.45, 0.5, 0.55),
    "known_if_nothing_new_at": (0.28, 0.3, 0.33, 0.36),
    "max_new_word_share": (0.6, 0.7, 0.8),
    "new_item_penalty": (0.0, 0.03, 0.06),
}


def pairs(name: str, streams: list[Any], seeds: Path) -> list[tuple[bool, Any, Any, Any]]:
    test = next(s for s in streams if s.name == name)
    model = fit(examples_from([s for s in streams if s.name != name], seeds))
    calls: dict[Any, Any] = {}
    verdicts = run(test, model, seeds, calls)
    rel = [r for r in test.labels if r["relevant"]]
    docs = [c.text for v in verdicts.values() for c in v.claims] + [
        c["claim"] for r in rel for c in r["claims"]
    ]
    df = Counter(w for s in docs for w in set(_tokens(s)))
    idf = {w: math.log((1 + len(docs)) / (1 + n)) + 1 for w, n in df.items()}
    out = []
    for r in rel:
        v = verdicts.get(r["id"])
        emitted = list(v.claims) if v is not None else []
        for c in r["claims"]:
            best = max(emitted, key=lambda e: _similarity(c["claim"], e.text, idf), default=None)
            if best is None or _similarity(c["claim"], best.text, idf) < ALIGN_MIN:
                continue
            call = calls.get((r["id"], best.text))
            if call is None:
                continue
            out.append((c["known_from"] is None, *call))
    return out


def agreement(items: list[tuple[bool, Any, Any, Any]], settings: NoveltySettings) -> float:
    grams = NgramCache()
    ok = sum(
        gold == assess_claim(claim, cands, settings, grams, terms).novel
        for gold, claim, cands, terms in items
    )
    return ok / len(items) if items else 0.0


def main() -> int:
    streams = english_streams(SHARED / "eval-dev")
    seeds = SHARED / "seeds"
    cache = Path(sys.argv[sys.argv.index("--cache") + 1]) if "--cache" in sys.argv else None
    if cache is not None and cache.exists():
        data = pickle.loads(cache.read_bytes())
    else:
        data = {s.name: pairs(s.name, streams, seeds) for s in streams}
        if cache is not None:
            cache.write_bytes(pickle.dumps(data))
    if "--only-cache" in sys.argv:
        return 0
    base = NoveltySettings()
    keys = list(GRID)
    table = []
    for values in itertools.product(*(GRID[k] for k in keys)):
        settings = dataclasses.replace(base, **dict(zip(keys, values, strict=True)))
        table.append((values, {n: agreement(items, settings) for n, items in data.items()}))
    print(json.dumps({"default": {n: round(agreement(i, base), 3) for n, i in data.items()}}))
    for held in data:
        train = [n for n in data if n != held]
        weight = {n: len(data[n]) for n in train}

        def pooled(row: dict[str, float], w: dict[str, int] = weight) -> float:
            return sum(row[n] * w[n] for n in w) / sum(w.values())

        best_values, best_row = max(table, key=lambda t: pooled(t[1]))
        print(
            json.dumps(
                {
                    "held_out": held,
                    "chosen": dict(zip(keys, best_values, strict=True)),
                    "train_agreement": round(pooled(best_row), 3),
                    "held_out_agreement": round(best_row[held], 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
