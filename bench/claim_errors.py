"""Claim-agreement errors per leave-one-stream-out fold: for every labelled claim, what the
analysis emitted and why.

    .venv/bin/python bench/claim_errors.py [--fold all|STREAM] [--all] [--json]

Each held-out stream of ../shared/eval-dev (read in place) is analysed from the raw seeds
with a relevance model fitted on the other streams (as `eval --fold`). Every labelled claim of
a relevant article is aligned with the closest emitted claim the scorer's way, and sorted into
one of: `agree`, `unaligned` (no emitted claim within the scorer's overlap: the fact's
sentence was never made a claim), `false new` (label known, emitted new), `false known`
(label new, emitted known), `wrong provenance` (rightly known, but `seen_in` is not the
labelled first source). Each error line shows the label, the emitted claim, its similarity
to its closest known claim, the names and numbers the known claims lack, and the closest
known claim; then how it was judged: against how many known claims (after the other
stories' claims were left out), the adjusted similarity, the share of new words, and
whether any of those known claims came from the labelled first source (`source retrieved`:
when not, no rule on similarity could have called it known). Prints the counts per stream
as one JSON line at the end; `--all` also lists agreeing claims.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.relevance_model import RelevanceModel  # noqa: E402
from bot.app import build_assessor, load_config_seeds  # noqa: E402
from bot.cli.analyze import article_from_json, record_analyzed  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.evaluation.fit import examples_from, fit  # noqa: E402
from bot.evaluation.measures import ALIGN_MIN, _similarity, _tokens  # noqa: E402
from bot.evaluation.streams import Stream, english_streams  # noqa: E402
from bot.models import Verdict  # noqa: E402
from bot.pipeline import record_seeds  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.known import KnownToStore  # noqa: E402
from bot.timeutil import utc_now  # noqa: E402

SHARED = ROOT.parent / "shared"
SEEDISH = re.compile(r"\d{3}_[0-9a-f]{16}")


Calls = dict[tuple[str, str], tuple[Any, tuple[Any, ...], tuple[str, ...] | None]]


def run(
    stream: Stream, model: RelevanceModel, seeds: Path, calls: Calls | None = None
) -> dict[str, Verdict]:
    """The stream's verdicts; with `calls`, also the last novelty judgement of each claim of
    each article (its claim, the candidates it was judged against, its index words)."""
    config = Config()
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, seeds_dir=seeds))
    store = Store.open(":memory:")
    out: dict[str, Verdict] = {}
    try:
        assessor = build_assessor(config, model)
        record_seeds(store, assessor, load_config_seeds(config), utc_now())
        known = KnownToStore(store)
        current = [""]
        if calls is not None:
            import bot.analysis.analyzer as analyzer_module
            import bot.analysis.reassess as reassess_module
            from bot.analysis.novelty import assess_claim

            def logged(claim: Any, candidates: Any, settings: Any, grams: Any, terms: Any = None):  # type: ignore[no-untyped-def]
                calls[(current[0], claim.text)] = (claim, tuple(candidates), terms)
                return assess_claim(claim, candidates, settings, grams, terms)

            analyzer_module.assess_claim = logged  # type: ignore[assignment]
            reassess_module.assess_claim = logged  # type: ignore[assignment]
        for line in stream.input_lines():
            article = article_from_json(line)
            current[0] = article.id
            assessment = assessor.assess(article, known)
            record_analyzed(store, article, assessment, utc_now())
            out[article.id] = assessment.verdict
    finally:
        store.close()
    return out


def classify(
    labels: tuple[dict[str, Any], ...], verdicts: Mapping[str, Verdict]
) -> list[dict[str, Any]]:
    rel = [r for r in labels if r["relevant"]]
    docs = [c.text for v in verdicts.values() for c in v.claims] + [
        c["claim"] for r in rel for c in r["claims"]
    ]
    df = Counter(w for s in docs for w in set(_tokens(s)))
    idf = {w: math.log((1 + len(docs)) / (1 + n)) + 1 for w, n in df.items()}
    group_of = {r["id"]: r["dup_group"] for r in labels}
    rows = []
    for r in rel:
        v = verdicts.get(r["id"])
        emitted = list(v.claims) if v is not None else []
        for c in r["claims"]:
            gold_new = c["known_from"] is None
            row: dict[str, Any] = {
                "id": r["id"],
                "relevant_emitted": bool(v and v.relevant),
                "label": c["claim"],
                "known_from": c["known_from"],
            }
            best = max(emitted, key=lambda e: _similarity(c["claim"], e.text, idf), default=None)
            align = _similarity(c["claim"], best.text, idf) if best is not None else 0.0
            if best is None or align < ALIGN_MIN:
                row["kind"] = "unaligned"
                rows.append(row)
                continue
            row.update(
                emitted=best.text,
                align=round(align, 2),
                novel=best.novel,
                seen_in=best.seen_in,
                similarity=best.similarity,
                closest=best.closest,
            )
            if best.novel != gold_new:
                row["kind"] = "false new" if best.novel else "false known"
            elif not gold_new:
                src, said = c["known_from"], str(best.seen_in or "")
                ok = (
                    bool(SEEDISH.search(said))
                    if SEEDISH.search(src)
                    else said == src
                    or (group_of.get(said) is not None and group_of.get(said) == group_of.get(src))
                )
                row["kind"] = "agree" if ok else "wrong provenance"
            else:
                row["kind"] = "agree"
            rows.append(row)
    return rows


def explain(rows: list[dict[str, Any]], calls: Calls) -> None:
    """Adds to each aligned row how its emitted claim was judged (its last judgement, on the
    candidates it was judged against): the same pure function, run again."""
    from bot.analysis.novelty import NgramCache, NoveltySettings, assess_claim

    grams, settings = NgramCache(), NoveltySettings()
    for row in rows:
        call = calls.get((row["id"], row.get("emitted", "")))
        if call is None:
            continue
        claim, candidates, terms = call
        judged = assess_claim(claim, candidates, settings, grams, terms)
        src = row["known_from"]
        row.update(
            candidates=len(candidates),
            adjusted=round(judged.adjusted, 3),
            new_word_share=round(judged.new_word_share, 2),
            new_items=list(judged.new_items),
            source_retrieved=None
            if src is None
            else any(c.source_id == src or (SEEDISH.search(src) and c.is_seed) for c in candidates),
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--fold", default="all")
    ap.add_argument("--all", action="store_true", help="also list agreeing claims")
    ap.add_argument("--json", action="store_true", help="one JSON line per labelled claim")
    args = ap.parse_args()
    streams = english_streams(SHARED / "eval-dev")
    seeds = SHARED / "seeds"
    names = [s.name for s in streams] if args.fold == "all" else [args.fold]
    summary = {}
    for name in names:
        test = next(s for s in streams if s.name == name)
        model = fit(examples_from([s for s in streams if s.name != name], seeds))
        calls: Calls = {}
        verdicts = run(test, model, seeds, calls)
        rows = classify(test.labels, verdicts)
        explain(rows, calls)
        summary[name] = dict(Counter(r["kind"] for r in rows))
        summary[name]["false new, source not retrieved"] = sum(
            r["kind"] == "false new" and r.get("source_retrieved") is False for r in rows
        )
        for row in rows:
            if row["kind"] == "agree" and not args.all:
                continue
            if args.json:
                print(json.dumps({"stream": name, **row}, ensure_ascii=False))
                continue
            print(f"[{name} {row['id']}] {row['kind']}  label: {row['label']}")
            print(f"    known_from={row['known_from']}  relevant={row['relevant_emitted']}")
            if "emitted" in row:
                print(
                    f"    emitted (align {row['align']}, novel={row['novel']}, "
                    f"sim={row['similarity']}, seen_in={row['seen_in']}): {row['emitted']}"
                )
                print(f"    closest known: {row['closest']}")
            if "candidates" in row:
                print(
                    f"    judged against {row['candidates']} known claims, adjusted "
                    f"{row['adjusted']}, new words {row['new_word_share']}, new items "
                    f"{row['new_items']}, source retrieved {row['source_retrieved']}"
                )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
