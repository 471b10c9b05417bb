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

from bot.analysis.claim_quality import QualityMeasures, measure
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
    readability: QualityMeasures  # emitted claims that would not read in an alert


def _scored(stream: Stream, model: RelevanceModel, analyse: Analyse) -> Scored:
    decisions = analyse(stream, model)
    titles = {str(lab.get("id")): lab.get("title") for lab in stream.labels}
    # the readability rules are English ones: Japanese claims are not judged by them
    english = [d for d in decisions if d.get("language", "en") != "ja"]
    return Scored(
        stream.name,
        score_stream(stream.labels, decisions),
        model.about,
        measure(english, titles),
    )


def score_with(streams: Sequence[Stream], model: RelevanceModel, analyse: Analyse) -> list[Scored]:
    return [_scored(s, model, analyse) for s in streams]


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
        out.append(_scored(test[0], model, analyse))
    return out


def figures(results: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """The scorer's figures per stream, and pooled over them when there are several."""
    table = {r.name: r.score.figures() for r in results}
    if len(results) > 1:
        table[TOTAL] = StreamScore.combine(r.score for r in results).figures()
    return table


def readability(results: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """Per stream (and in total): emitted claims of relevant articles, how many would not
    read in an alert (ends in an abbreviation, no verb, fragment ...: target 0) by kind, and
    summaries that repeat one of their new claims word for word (target 0)."""
    table: dict[str, dict[str, Any]] = {}
    for r in results:
        q = r.readability
        table[r.name] = {
            "claims": q.claims,
            "unreadable_claims": q.defective_claims,
            "unreadable_by_kind": dict(q.defects),
            "summaries_repeating_a_claim": q.summaries_repeating_a_claim,
        }
    if len(results) > 1:
        kinds: dict[str, int] = {}
        for r in results:
            for k, n in r.readability.defects.items():
                kinds[k] = kinds.get(k, 0) + n
        table[TOTAL] = {
            "claims": sum(r.readability.claims for r in results),
            "unreadable_claims": sum(r.readability.defective_claims for r in results),
            "unreadable_by_kind": dict(sorted(kinds.items())),
            "summaries_repeating_a_claim": sum(
                r.readability.summaries_repeating_a_claim for r in results
            ),
        }
    return table


def render(results: Sequence[Scored], heading: str) -> str:
    """A plain-text table: one row per measure, one column per stream (and the total)."""
    table = figures(results)
    names = list(table)
    rows = list(next(iter(table.values())))
    width = max(len(r) for r in [*rows, "summaries_repeating_a_claim"])
    cols = [max(len(n), *(len(str(table[n].get(r, "–"))) for r in rows)) for n in names]
    lines = [
        heading,
        " " * width + "  " + "  ".join(n.rjust(w) for n, w in zip(names, cols, strict=False)),
    ]
    for r in rows:
        cells = (str(table[n].get(r, "–")).rjust(w) for n, w in zip(names, cols, strict=True))
        lines.append(r.ljust(width) + "  " + "  ".join(cells))
    quality = readability(results)
    for row in ("unreadable_claims", "summaries_repeating_a_claim"):
        cells = (str(quality[n][row]).rjust(w) for n, w in zip(names, cols, strict=True))
        lines.append(row.ljust(width) + "  " + "  ".join(cells))
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
