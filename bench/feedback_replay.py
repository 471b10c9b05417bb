"""Does feedback teach the relevance model? A replay of each English dev stream.

    .venv/bin/python bench/feedback_replay.py [--data ../shared/eval-dev] [--seeds ../shared/seeds]
        [--strength 1.0] [--n 5,10,20]

For each English stream S of the eval folder (read in place): the prior is the relevance
model fitted on the other streams and the seeds only (`eval --fold S`, scikit-learn), so S
is news it has not seen. S is replayed in order; a reader gives feedback on the first N
mistakes the prior makes (an off-topic alert: *Not about this topic*; a missed on-topic
story: `/news missed`), using the labels. The model is then refitted as the bot refits it
(bot/feedback/refit.py: the prior as the L2 anchor, the seeds as positives), and relevance
F1 is measured on the REST of the stream (every article after the N-th mistake), before and
after. When S has fewer than N mistakes, all of them are used (`mistakes_used` says how
many). The fold prior makes few mistakes, so a second, weaker prior is replayed too, as a
new installation with a thinner model would have: fitted on the seeds and only the first
WEAK_ARTICLES articles of each other stream. `--strengths` replays each L2 strength given.
Prints one JSON line per prior, stream, strength and N, and one summary line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.assess import seed_document  # noqa: E402
from bot.analysis.relevance_model import RelevanceModel  # noqa: E402
from bot.evaluation.fit import examples_from, fit  # noqa: E402
from bot.evaluation.streams import Stream, english_streams  # noqa: E402
from bot.feedback.examples import article_features, seed_examples  # noqa: E402
from bot.feedback.refit import Labelled, RefitSettings, refit  # noqa: E402
from bot.seeds import load_seeds  # noqa: E402

SHARED = ROOT.parent / "shared"
WEAK_ARTICLES = 10


def _f1(said: list[bool], gold: list[bool]) -> dict[str, float | int | None]:
    """F1 of `said` against `gold`; None when undefined (nothing on topic, nothing said)."""
    tp = sum(s and g for s, g in zip(said, gold, strict=True))
    fp = sum(s and not g for s, g in zip(said, gold, strict=True))
    fn = sum(g and not s for s, g in zip(said, gold, strict=True))
    f1 = round(2 * tp / (2 * tp + fp + fn), 3) if tp + fp + fn else None
    return {"f1": f1, "tp": tp, "fp": fp, "fn": fn}


def _decide(model: RelevanceModel, features: dict[str, float] | None) -> bool:
    return features is not None and model.probability(features) >= 0.5


def replay(
    stream: Stream,
    prior: RelevanceModel,
    seed_texts: list[tuple[str, str]],
    strength: float,
    counts: list[int],
) -> list[dict[str, object]]:
    power = prior.penalty_power
    feats = [
        article_features(r.get("title") or "", r.get("text") or "", power) for r in stream.labels
    ]
    gold = [bool(r["relevant"]) for r in stream.labels]
    said = [_decide(prior, f) for f in feats]
    mistakes = [i for i, (s, g) in enumerate(zip(said, gold, strict=True)) if s != g]
    anchors = seed_examples(seed_texts, power)
    settings = RefitSettings(strength=strength)
    out: list[dict[str, object]] = []
    for n in counts:
        used = mistakes[:n]
        start = used[-1] + 1 if used else 0
        feedback = [Labelled(f, gold[i], "feedback") for i in used if (f := feats[i]) is not None]
        t0 = time.perf_counter()
        result = refit(prior, feedback + anchors, settings)
        seconds = time.perf_counter() - t0
        rest_gold = gold[start:]
        before = _f1(said[start:], rest_gold)
        after = _f1([_decide(result.model, f) for f in feats[start:]], rest_gold)
        seeds_kept = sum(_decide(result.model, a.features) for a in anchors)
        fixed = sum(_decide(result.model, feats[i]) == gold[i] for i in used)
        out.append(
            {
                "stream": stream.name,
                "strength": strength,
                "n": n,
                "mistakes_in_stream": len(mistakes),
                "mistakes_used": len(used),
                "rest_articles": len(rest_gold),
                "f1_before": before["f1"],
                "f1_after": after["f1"],
                "before": before,
                "after": after,
                "used_mistakes_fixed": fixed,
                "seeds_on_topic_after": f"{seeds_kept}/{len(anchors)}",
                "refit_seconds": round(seconds, 2),
                "refit_passes": result.passes,
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=SHARED / "eval-dev")
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--strengths", default=str(RefitSettings().strength))
    ap.add_argument("--n", default="5,10,20")
    args = ap.parse_args()
    counts = [int(x) for x in args.n.split(",")]
    streams = english_streams(args.data)
    seed_texts = []
    for seed in load_seeds(args.seeds):
        doc = seed_document(seed)
        seed_texts.append((doc.title, doc.text if doc.text is not None else " ".join(doc.claims)))
    strengths = [float(x) for x in args.strengths.split(",")]
    summary: dict[str, dict[str, list[object]]] = {}
    for stream in streams:
        others = [s for s in streams if s.name != stream.name]
        weak = [dataclasses.replace(s, labels=s.labels[:WEAK_ARTICLES]) for s in others]
        priors = {
            "other streams": fit(examples_from(others, args.seeds)),
            f"first {WEAK_ARTICLES} of each other stream": fit(examples_from(weak, args.seeds)),
        }
        for prior_name, prior in priors.items():
            for strength in strengths:
                for line in replay(stream, prior, seed_texts, strength, counts):
                    line = {"prior": prior_name, **line}
                    print(json.dumps(line), flush=True)
                    key = f"{stream.name} / {prior_name} / strength {strength}"
                    summary.setdefault(key, {})[str(line["n"])] = [
                        line["f1_before"],
                        line["f1_after"],
                    ]
    print(json.dumps({"summary_f1_before_after": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
