"""Run labelled streams through the analysis and score them; leave-one-stream-out folds.

The analysis itself is passed in (`Analyse`: a stream and a relevance model in, the decision
lines `analyze` prints out), so this module decides only what is fitted on what and what is
scored: with the shipped model every stream is scored (figures the model was fitted on, not
to be reported as its quality); in a fold the model is fitted in memory on every other stream
and the seeds, and the held-out stream alone is scored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.analysis.relevance_model import RelevanceModel
from bot.evaluation.measures import StreamScore, score_stream
from bot.evaluation.streams import Stream

Analyse = Callable[[Stream, RelevanceModel], list[Mapping[str, Any]]]
TOTAL = "total"


@dataclass(frozen=True)
class Scored:
    name: str  # the stream scored
    score: StreamScore
    model: Mapping[str, Any]  # how the model that judged it was fitted


def score_with(streams: Sequence[Stream], model: RelevanceModel, analyse: Analyse) -> list[Scored]:
    return [Scored(s.name, score_stream(s.labels, analyse(s, model)), model.about) for s in streams]


def folds(
    streams: Sequence[Stream], held_out: Sequence[str], seeds_dir: Path | None, analyse: Analyse
) -> list[Scored]:
    """Each stream of `held_out` scored by a model fitted on the other streams (and seeds)."""
    from bot.evaluation.fit import examples_from, fit

    out = []
    for name in held_out:
        test = [s for s in streams if s.name == name]
        if not test:
            raise ValueError(
                f"no stream named {name!r} (have: {', '.join(s.name for s in streams)})"
            )
        train = [s for s in streams if s.name != name]
        if not train:
            raise ValueError("a fold needs at least one other stream to fit on")
        model = fit(examples_from(train, seeds_dir))
        out.append(Scored(name, score_stream(test[0].labels, analyse(test[0], model)), model.about))
    return out


def figures(results: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """The scorer's figures per stream, and pooled over them when there are several."""
    table = {r.name: r.score.figures() for r in results}
    if len(results) > 1:
        table[TOTAL] = StreamScore.combine(r.score for r in results).figures()
    return table


def render(results: Sequence[Scored], heading: str) -> str:
    """A plain-text table: one row per measure, one column per stream (and the total)."""
    table = figures(results)
    names = list(table)
    rows = list(next(iter(table.values())))
    width = max(len(r) for r in rows)
    cols = [max(len(n), *(len(str(table[n].get(r, "–"))) for r in rows)) for n in names]
    lines = [
        heading,
        " " * width + "  " + "  ".join(n.rjust(w) for n, w in zip(names, cols, strict=False)),
    ]
    for r in rows:
        cells = (str(table[n].get(r, "–")).rjust(w) for n, w in zip(names, cols, strict=True))
        lines.append(r.ljust(width) + "  " + "  ".join(cells))
    for res in results:
        s = res.score
        for label, ids in (
            ("missed relevant", s.missed_relevant),
            ("wrongly relevant", s.false_relevant),
            ("new story not flagged", s.missed_new_stories),
        ):
            if ids:
                lines.append(f"{res.name}: {label}: {', '.join(ids)}")
    return "\n".join(lines) + "\n"
