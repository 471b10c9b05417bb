"""Refit the relevance model on an installation's labelled examples, the shipped model kept
as the prior. Plain Python, no I/O, no clock of its own.

The refit minimises the logistic loss of the examples plus `strength/2 · (‖w − w0‖² +
(b − b0)²)`, where w0, b0 are the shipped model's weights and bias (a feature the shipped
model lacks has w0 = 0). So a weight moves only as far as the examples pull it against that
spring: one click shifts its own article's score by at most about ‖x‖²/strength in logit,
and the shipped model's confident verdicts (the seeds') stay put. Solved by a bounded number
of full passes of accelerated gradient descent over the sparse features, within a time budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.analysis.relevance_model import RelevanceModel

MIN_CHANGE = 0.001  # a weight moved less than this from the prior stays the prior's


@dataclass(frozen=True)
class Labelled:
    """One example: the relevance features of an article and what it should have been."""

    features: Mapping[str, float]
    relevant: bool
    source: str = ""  # what made it an example: "feedback", "seed", ...


@dataclass(frozen=True)
class RefitSettings:
    strength: float = 3.0  # the spring towards the prior (L2 strength)
    passes: int = 150  # full passes over the examples at most
    max_seconds: float = 20.0  # the refit stops after this long, keeping the best so far
    max_examples: int = 1000  # the newest only beyond this (about 20 KB of features each)
    # what may not move: weights of features with these prefixes, and the bias unless
    # fit_bias. bench/feedback_replay.py found freezing the bias or the signals (s:) made the
    # refit learn too little from real mistakes; everything moves by default
    frozen_prefixes: tuple[str, ...] = ()
    fit_bias: bool = True


@dataclass(frozen=True)
class RefitResult:
    model: RelevanceModel
    passes: int
    seconds: float
    examples: int
    stopped_early: bool = False
    moved: dict[str, float] = field(default_factory=dict)  # the largest weight changes


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def refit(
    prior: RelevanceModel,
    examples: Sequence[Labelled],
    settings: RefitSettings | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> RefitResult:
    """The prior refitted on `examples` (the prior itself when there are none)."""
    settings = settings or RefitSettings()
    started = clock()
    examples = list(examples)[-settings.max_examples :]
    if not examples:
        return RefitResult(prior, 0, 0.0, 0)
    lam = settings.strength
    # the features seen in the examples are the only weights that can move
    names = sorted(
        {k for e in examples for k in e.features if not k.startswith(settings.frozen_prefixes)}
    )
    index = {k: i for i, k in enumerate(names)}
    # the frozen part of each example's score is a constant offset
    fixed_weights = prior.weights
    offsets = [
        math.fsum(v * fixed_weights.get(k, 0.0) for k, v in e.features.items() if k not in index)
        for e in examples
    ]
    rows = [
        (
            [index[k] for k in sorted(e.features) if k in index],
            [e.features[k] for k in sorted(e.features) if k in index],
        )
        for e in examples
    ]
    labels = [1.0 if e.relevant else 0.0 for e in examples]
    w0 = [prior.weights.get(k, 0.0) for k in names]
    b0 = prior.bias
    # a step of 1/L, L bounding the curvature: strength + 1/4 Σ (‖x‖² + 1) / n
    n = len(examples)
    curvature = lam + 0.25 * sum(sum(v * v for v in vals) + 1.0 for _, vals in rows) / n
    step = 1.0 / curvature
    w, b = list(w0), b0
    prev_w, prev_b = list(w0), b0
    done = 0
    stopped = False
    for t in range(1, settings.passes + 1):
        if clock() - started > settings.max_seconds:
            stopped = True
            break
        # Nesterov look-ahead point
        mom = (t - 1) / (t + 2)
        yw = [wi + mom * (wi - pi) for wi, pi in zip(w, prev_w, strict=True)]
        yb = b + mom * (b - prev_b)
        grad = [lam * (yi - w0i) for yi, w0i in zip(yw, w0, strict=True)]
        grad_b = lam * (yb - b0)
        for (cols, vals), y, off in zip(rows, labels, offsets, strict=True):
            z = yb + off + math.fsum(yw[c] * v for c, v in zip(cols, vals, strict=True))
            r = (_sigmoid(z) - y) / n
            grad_b += r
            for c, v in zip(cols, vals, strict=True):
                grad[c] += r * v
        prev_w, prev_b = w, b
        w = [yi - step * g for yi, g in zip(yw, grad, strict=True)]
        b = yb - step * grad_b if settings.fit_bias else b0
        done = t
    weights = dict(prior.weights)
    moved: dict[str, float] = {}
    for k, wi, w0i in zip(names, w, w0, strict=True):
        if abs(wi - w0i) < MIN_CHANGE:
            continue
        weights[k] = wi
        moved[k] = wi - w0i
    top = dict(sorted(moved.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:10])
    about = {
        **{k: v for k, v in prior.about.items() if k != "tuning_leave_one_stream_out"},
        "refit": {
            "examples": n,
            "strength": lam,
            "frozen": list(settings.frozen_prefixes) + ([] if settings.fit_bias else ["bias"]),
            "passes": done,
            "weights_moved": len(moved),
        },
    }
    model = RelevanceModel(b, weights, prior.penalty_power, about)
    return RefitResult(model, done, clock() - started, n, stopped, top)


@dataclass(frozen=True)
class Agreement:
    """How a model's verdicts agree with labelled examples (cut at probability 0.5)."""

    examples: int
    correct: int
    f1: float

    def as_dict(self) -> dict[str, float | int]:
        return {"examples": self.examples, "correct": self.correct, "f1": round(self.f1, 4)}


def agreement(model: RelevanceModel, examples: Sequence[Labelled]) -> Agreement:
    tp = fp = fn = correct = 0
    for e in examples:
        said = model.probability(e.features) >= 0.5
        correct += said == e.relevant
        tp += said and e.relevant
        fp += said and not e.relevant
        fn += (not said) and e.relevant
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return Agreement(len(examples), correct, f1)
