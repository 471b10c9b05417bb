"""Fit the relevance model (bot/analysis/relevance_model.py) on labelled streams.

Examples are the labelled English and Japanese articles (the analysis never sees the ones it
cannot read, so neither does the fit) and the seeds, all positives. The regularisation strength,
how much a Japanese example counts, and the decision threshold are chosen by leave-one-stream-out
inside the training streams, so the stream held out by `eval --fold` plays no part in any choice;
the threshold is then folded into the bias, so a probability of 0.5 is the cut. Deterministic:
same examples, same bytes.

    python -m bot.evaluation.fit --data ../shared/eval-dev --seeds ../shared/seeds \
        --out bot/analysis/relevance_model.json          # what `make model` runs

Needs scikit-learn (the optional extra `model`); the bot itself only reads the result.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.analysis.assess import seed_document
from bot.analysis.japanese import spaced
from bot.analysis.language import JAPANESE, check_text
from bot.analysis.relevance import ANY_SCOPE, HEAD_ANY_SCOPE, HandSignals, hand_signals
from bot.analysis.relevance_model import (
    SIGNAL_PREFIX,
    RelevanceModel,
    model_to_json,
    word_features,
)
from bot.analysis.tokens import clean
from bot.errors import NewsbotError
from bot.evaluation.streams import Stream, eval_streams
from bot.seeds import load_seeds

SEEDS = "seeds"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
POWER_GRID = (1.0, 2.0, 3.0, 4.0)  # how hard a look-alike topic counts (HandSignals.penalty)
# How much a Japanese article counts in the fit against an English one, chosen by the inner
# folds with the rest: the signals and the bias are shared by both languages, and the few
# Japanese articles should move the English decision only as far as the folds say it helps
# (an English stream held out is scored by a fit with the Japanese ones weighted so).
JAPANESE_WEIGHT_GRID = (1.0, 0.3, 0.1, 0.0)
SIGNAL_SCALE = 3.0  # signals are few and dense: scaled up, the penalty bears on them less
# Which signals the model may use, chosen with C and the power by the inner folds: the
# whole-text signals only, also the title-and-lead ones (relevance.py, `_head_features`),
# or also whether any one of the scope's conjunctions holds (relevance.py, ANY_SCOPE).
FEATURE_SETS = ("whole text", "with title and lead", "with any scope")
SCOPE_SIGNALS = ("s:head ", "s:ai×dispute")
ANY_SCOPE_SIGNALS = (ANY_SCOPE, HEAD_ANY_SCOPE)
MIN_DF = 2  # a word seen in one training article only says nothing general
MIN_WEIGHT = 0.001  # smaller weights move no score by a visible amount; left out of the file


@dataclass(frozen=True)
class Example:
    group: str  # the stream it comes from, or SEEDS
    signals: HandSignals
    words: dict[str, float]
    relevant: bool
    japanese: bool = False

    def features(
        self, penalty_power: float, feature_set: str = FEATURE_SETS[-1]
    ) -> dict[str, float]:
        signals = self.signals.features(penalty_power)
        if feature_set != FEATURE_SETS[2]:
            signals = {k: v for k, v in signals.items() if k not in ANY_SCOPE_SIGNALS}
        if feature_set == FEATURE_SETS[0]:
            signals = {k: v for k, v in signals.items() if not k.startswith(SCOPE_SIGNALS)}
        return {**self.words, **signals}


def _example(group: str, title: str, text: str, relevant: bool, japanese: bool = False) -> Example:
    return Example(group, hand_signals(title, text), word_features(title, text), relevant, japanese)


def stream_examples(stream: Stream) -> list[Example]:
    out = []
    for r in stream.labels:
        checked = check_text(r.get("text") or "")
        if checked.problem is not None:
            continue
        title, text = clean(r.get("title") or ""), clean(r.get("text") or "")
        japanese = checked.language == JAPANESE
        if japanese:  # as the analyzer reads it: words spaced apart
            title, text = spaced(title), spaced(text)
        out.append(_example(stream.name, title, text, bool(r["relevant"]), japanese))
    return out


def seed_examples(seeds_dir: Path) -> list[Example]:
    """The seeds as the analysis reads them (bot/seeds.py), all on topic."""
    out = []
    for seed in load_seeds(seeds_dir):
        doc = seed_document(seed)
        body = doc.text if doc.text is not None else " ".join(doc.claims)
        out.append(_example(SEEDS, clean(doc.title), clean(body), True))
    return out


def _vocabulary(examples: Sequence[Example], power: float, feature_set: str) -> list[str]:
    df = Counter(k for e in examples for k in e.features(power, feature_set))
    return sorted(k for k, n in df.items() if n >= MIN_DF or k.startswith(SIGNAL_PREFIX))


def _fit_weights(
    examples: Sequence[Example],
    c: float,
    power: float,
    feature_set: str,
    japanese_weight: float = 1.0,
) -> tuple[float, dict[str, float]]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab = _vocabulary(examples, power, feature_set)
    index = {k: i for i, k in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for r, e in enumerate(examples):
        for k, v in sorted(e.features(power, feature_set).items()):
            if k in index:
                scale = SIGNAL_SCALE if k.startswith(SIGNAL_PREFIX) else 1.0
                rows.append(r)
                cols.append(index[k])
                vals.append(v * scale)
    x = csr_matrix((vals, (rows, cols)), shape=(len(examples), len(vocab)), dtype=np.float64)
    y = np.array([int(e.relevant) for e in examples])
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=20_000, tol=1e-9)
    sample_weight = np.array([japanese_weight if e.japanese else 1.0 for e in examples])
    clf.fit(x, y, sample_weight=sample_weight)
    coef = clf.coef_[0]
    weights = {}
    for k, i in index.items():
        w = float(coef[i]) * (SIGNAL_SCALE if k.startswith(SIGNAL_PREFIX) else 1.0)
        if abs(w) >= MIN_WEIGHT:
            weights[k] = w
    return float(clf.intercept_[0]), weights


def _f1(scored: Iterable[tuple[float, bool]], cut: float) -> float:
    tp = fp = fn = 0
    for p, gold in scored:
        tp += p >= cut and gold
        fp += p >= cut and not gold
        fn += p < cut and gold
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _best_cut(scored: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """The cut with the best F1; among equals, the one nearest 0.5 (the least tuned)."""
    probs = sorted({round(p, 6) for p, _ in scored})
    cuts = [(a + b) / 2 for a, b in itertools.pairwise(probs)] or [0.5]
    cuts = [c for c in cuts if 0.05 <= c <= 0.95] or [0.5]
    return max((_f1(scored, c), -abs(c - 0.5), c) for c in cuts)[0::2]


def _held_out_scores(
    examples: Sequence[Example],
    c: float,
    power: float,
    feature_set: str,
    japanese_weight: float = 1.0,
) -> list[tuple[float, bool]]:
    groups = sorted({e.group for e in examples} - {SEEDS})
    scored: list[tuple[float, bool]] = []
    for held in groups:
        train = [e for e in examples if e.group != held]
        if len({e.relevant for e in train}) < 2:
            continue
        bias, weights = _fit_weights(train, c, power, feature_set, japanese_weight)
        model = RelevanceModel(bias, weights, power, {})
        scored += [
            (model.probability(e.features(power)), e.relevant) for e in examples if e.group == held
        ]
    return scored


def fit(
    examples: Sequence[Example],
    grid: Sequence[float] = C_GRID,
    powers: Sequence[float] = POWER_GRID,
    feature_sets: Sequence[str] = FEATURE_SETS,
    japanese_weights: Sequence[float] = JAPANESE_WEIGHT_GRID,
) -> RelevanceModel:
    """Choose the signals, C, the penalty's power and the cut by leave-one-stream-out over
    the examples' streams (the seeds always train), and with them how much a Japanese example
    counts; then fit on all of them."""
    if len({e.relevant for e in examples}) < 2:
        raise ValueError("fitting needs both on-topic and off-topic articles")
    groups = sorted({e.group for e in examples} - {SEEDS})
    tuning: list[dict[str, Any]] = []
    # (F1, -set, -power, -C, -position of the Japanese weight, cut)
    best: tuple[float, int, float, float, int, float] | None = None
    if not any(e.japanese for e in examples):
        japanese_weights = japanese_weights[:1]  # nothing to weigh
    if len(groups) >= 2:
        for n, feature_set in enumerate(feature_sets):
            for power in powers:
                for c in grid:
                    for m, jw in enumerate(japanese_weights):
                        scored = _held_out_scores(examples, c, power, feature_set, jw)
                        f1, cut = _best_cut(scored)
                        tuning.append(
                            {
                                "signals": feature_set,
                                "C": c,
                                "power": power,
                                "japanese_weight": jw,
                                "held_out_f1": round(f1, 4),
                                "cut": round(cut, 4),
                            }
                        )
                        # among equals: the fewer signals, the gentler penalty, the stronger
                        # regularisation, the more the Japanese articles count
                        if best is None or (f1, -n, -power, -c, -m) > best[:5]:
                            best = (f1, -n, -power, -c, -m, cut)
    if best:
        feature_set, power, c = feature_sets[-best[1]], -best[2], -best[3]
        japanese_weight, cut = japanese_weights[-best[4]], best[5]
    else:
        feature_set, power, c, cut, japanese_weight = feature_sets[-1], powers[0], 1.0, 0.5, 1.0
    bias, weights = _fit_weights(examples, c, power, feature_set, japanese_weight)
    bias -= math.log(cut / (1 - cut))  # so that probability 0.5 is the tuned cut
    about = {
        "trained_on": {g: sum(e.group == g for e in examples) for g in [*groups, SEEDS]},
        "signals": feature_set,
        "C": c,
        "japanese_weight": japanese_weight,
        "cut_folded_into_bias": round(cut, 4),
        "signal_scale": SIGNAL_SCALE,
        "min_df": MIN_DF,
        "min_weight": MIN_WEIGHT,
        "tuning_leave_one_stream_out": tuning,
    }
    return RelevanceModel(bias, weights, power, about)


def examples_from(streams: Sequence[Stream], seeds_dir: Path | None) -> list[Example]:
    out = [e for s in streams for e in stream_examples(s)]
    if seeds_dir is not None:
        out += seed_examples(seeds_dir)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.evaluation.fit", description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="folder of labelled streams")
    ap.add_argument("--seeds", type=Path, help="seed folder, its articles used as positives")
    ap.add_argument("--out", type=Path, required=True, help="model file to write")
    args = ap.parse_args(argv)
    try:
        streams = eval_streams(args.data)
    except (ValueError, NewsbotError) as exc:
        print(f"fit: {exc}", file=sys.stderr)
        return 2
    try:
        examples = examples_from(streams, args.seeds)
    except NewsbotError as exc:
        print(f"fit: {exc}", file=sys.stderr)
        return 2
    try:
        model = fit(examples)
    except ValueError as exc:
        print(f"fit: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(model_to_json(model), encoding="utf-8")
    print(
        f"wrote {args.out}: {len(model.weights)} weights, C={model.about['C']}, "
        f"penalty power {model.penalty_power}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
