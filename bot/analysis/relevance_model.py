"""The fitted relevance model: a logistic regression over words and hand-made signals.

Features of an article (all in [0, 1]):

* `w:TERM` — words and word pairs of title and text (lower case, stop words dropped), each
  present term counting once, the vector scaled to unit length;
* `t:TERM` — the same for the title alone;
* `s:NAME` — the signals of bot/analysis/relevance.py (products of term families, scaled by
  the look-alike penalty at the fitted `penalty_power`, and the look-alike ratios).

The probability is the logistic of `bias + Σ weight × value`. Weights come from a JSON file in
the repository (`relevance_model.json`, rebuilt by `make model`, see bot/evaluation/fit.py);
this module only reads it, and whoever builds the analyzer loads it and passes it in.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import NewsbotError

FORMAT = 1
BUNDLED_MODEL = Path(__file__).with_name("relevance_model.json")
# Latin words, and Japanese words (the analyzer spaces Japanese text apart into its words)
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[\u3041-\u30ff\u3400-\u9fff々〆ヶ]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "but",
        "with",
        "by",
        "at",
        "from",
        "as",
        "into",
        "over",
        "about",
        "after",
        "than",
        "then",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "while",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "not",
        "no",
        "so",
        "if",
        "also",
        "just",
        "up",
        "out",
        "more",
        "most",
        "said",
        "says",
        "say",
        "new",
    ]
)
TITLE_PREFIX, TEXT_PREFIX, SIGNAL_PREFIX = "t:", "w:", "s:"


class ModelError(NewsbotError):
    """The model file is missing or not a model this code can read."""


def _terms(text: str) -> set[str]:
    toks = [t.replace("’", "'") for t in _WORD.findall(text.lower())]
    toks = [t for t in toks if t not in _STOP and (len(t) > 1 or t.isdigit())]
    found = set(toks)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(toks))
    return found


def _unit(prefix: str, terms: set[str]) -> dict[str, float]:
    if not terms:
        return {}
    value = 1.0 / math.sqrt(len(terms))
    return {prefix + t: value for t in terms}


def word_features(title: str, text: str) -> dict[str, float]:
    """The word part of an article's features (title and text as the analyzer cleaned them)."""
    features = _unit(TEXT_PREFIX, _terms(f"{title}\n{text}"))
    features.update(_unit(TITLE_PREFIX, _terms(title)))
    return features


@dataclass(frozen=True)
class RelevanceModel:
    bias: float
    weights: Mapping[str, float]
    penalty_power: float  # how hard a look-alike topic counts (HandSignals.penalty)
    about: Mapping[str, Any]  # how it was fitted: data, regularisation, scores of the tuning

    def logit(self, features: Mapping[str, float]) -> float:
        w = self.weights
        # fsum: the same result whatever order the features come in (sets vary per process)
        return self.bias + math.fsum(v * w[k] for k, v in features.items() if k in w)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.logit(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def strongest(self, features: Mapping[str, float], n: int = 4) -> list[tuple[str, float]]:
        """The features that moved this article's score most, either way."""
        parts = [(k, v * self.weights[k]) for k, v in features.items() if k in self.weights]
        parts.sort(key=lambda kv: (-abs(kv[1]), kv[0]))
        return [(k, c) for k, c in parts[:n] if abs(c) >= 0.005]


def model_to_json(model: RelevanceModel) -> str:
    """The file's text: keys sorted, numbers rounded, so the same fit gives the same bytes."""
    data = {
        "format": FORMAT,
        "about": model.about,
        "bias": round(model.bias, 5),
        "penalty_power": model.penalty_power,
        "weights": {k: round(v, 5) for k, v in sorted(model.weights.items())},
    }
    return json.dumps(data, indent=0, sort_keys=True, ensure_ascii=False) + "\n"


def load_model(path: Path = BUNDLED_MODEL) -> RelevanceModel:
    """Read a model file; ModelError says what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"cannot read relevance model {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"relevance model {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"relevance model {path} is not format {FORMAT}")
    weights, bias, power = data.get("weights"), data.get("bias"), data.get("penalty_power")
    if not isinstance(weights, dict) or not all(isinstance(x, int | float) for x in (bias, power)):
        raise ModelError(f"relevance model {path} lacks 'bias', 'penalty_power' or 'weights'")
    if not all(isinstance(v, int | float) for v in weights.values()):
        raise ModelError(f"relevance model {path} has a weight that is not a number")
    return RelevanceModel(
        bias=float(bias),  # type: ignore[arg-type]
        weights={str(k): float(v) for k, v in weights.items()},
        penalty_power=float(power),  # type: ignore[arg-type]
        about=data.get("about") or {},
    )
