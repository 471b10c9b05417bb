"""Labelled examples from feedback: what the relevance model sees of an article, and the
label each kind of feedback gives it.

`not_topic` says the article was off topic; `nothing_new` and `missed` say it was on topic
(a reader who says an alert told nothing new agrees that it was about the subject). A `mute`
says nothing about relevance. Where several readers disagree about one article, the latest
feedback in force wins. The seeds are always on topic: they anchor every refit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from bot.analysis.language import text_problem
from bot.analysis.relevance import relevance_features
from bot.analysis.tokens import clean
from bot.feedback.refit import Labelled

LABEL_OF_KIND = {"not_topic": False, "nothing_new": True, "missed": True}


class Feedback(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def article_id(self) -> str: ...


def article_features(title: str, text: str, penalty_power: float) -> dict[str, float] | None:
    """The relevance model's features of an article; None when the analysis cannot read it
    (then no model decides about it, so it teaches nothing)."""
    if text_problem(text) is not None:
        return None
    _, features = relevance_features(clean(title), clean(text), penalty_power)
    return features


def labels_from(feedback: Iterable[Feedback]) -> dict[str, bool]:
    """Article id → relevant, from feedback in force (oldest first: the latest wins)."""
    labels: dict[str, bool] = {}
    for row in feedback:
        if row.kind in LABEL_OF_KIND:
            labels.pop(row.article_id, None)  # keep insertion order = order of the last word
            labels[row.article_id] = LABEL_OF_KIND[row.kind]
    return labels


def labelled(
    labels: Mapping[str, bool],
    texts: Mapping[str, tuple[str, str]],
    penalty_power: float,
    source: str = "feedback",
) -> list[Labelled]:
    """Examples for the labelled articles whose text is known and readable."""
    out = []
    for article_id, relevant in labels.items():
        if article_id not in texts:
            continue
        title, text = texts[article_id]
        features = article_features(title, text, penalty_power)
        if features is not None:
            out.append(Labelled(features, relevant, source))
    return out


def seed_examples(texts: Sequence[tuple[str, str]], penalty_power: float) -> list[Labelled]:
    out = []
    for title, text in texts:
        features = article_features(title, text, penalty_power)
        if features is not None:
            out.append(Labelled(features, True, "seed"))
    return out
