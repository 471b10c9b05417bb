"""The eval measures on tiny hand-made label/verdict pairs, and the dev set read in place."""

import json
from pathlib import Path

import pytest

from bot.analysis.evaluation import evaluate

LABELS = [
    {"id": "x1", "relevant": True, "dup_group": "g1", "seed_event": [], "claims": [
        {"claim": "Acme was sued by the guild.", "novel_vs_seeds": True}]},
    {"id": "x2", "relevant": True, "dup_group": "g1", "seed_event": [], "claims": [
        {"claim": "Acme was sued by the guild.", "novel_vs_seeds": True}]},
    {"id": "x3", "relevant": True, "dup_group": "s", "seed_event": ["000.txt"], "claims": [
        {"claim": "The seed said this.", "novel_vs_seeds": False}]},
    {"id": "x4", "relevant": False, "dup_group": None, "seed_event": [], "claims": []},
]  # fmt: skip
VERDICTS = [
    {"id": "x1", "relevant": True, "story": "s1", "novel": True,
     "claims": [{"text": "Acme was sued by the guild.", "novel": True, "seen_in": None}]},
    {"id": "x2", "relevant": True, "story": "s1", "novel": False,
     "claims": [{"text": "The guild sued Acme.", "novel": False, "seen_in": "x1"}]},
    {"id": "x3", "relevant": True, "story": "s0", "novel": False,
     "claims": [{"text": "The seed said this.", "novel": False, "seen_in": "000.txt"}]},
    {"id": "x4", "relevant": True, "story": "s9", "novel": True, "claims": []},
]  # fmt: skip


def test_measures() -> None:
    m = evaluate(LABELS, VERDICTS)
    assert m["relevance"]["precision"] == 0.75 and m["relevance"]["recall"] == 1.0
    assert m["seed_rehash"] == {"articles": 1, "reported_nothing_new": 1, "ids": ["x3"]}
    assert m["new_stories"]["first_reports"] == 1 and m["new_stories"]["flagged_new"] == 1
    assert m["same_event"]["f1"] == 1.0
    # x2's claim is known, but only from an earlier article: still new versus the seeds
    assert m["claims"]["overall"] == 1.0 and m["claims"]["follow_ups"] == 1.0


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        evaluate(LABELS, VERDICTS[:2])


SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEV = SHARED / "eval-dev" / "articles.jsonl"


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval-dev is not beside the repository")
def test_dev_set_with_raw_seeds_reaches_floors() -> None:
    from bench.dev_eval import run

    m = run(DEV, SHARED / "seeds", verbose=False)
    assert m["relevance"]["f1"] >= 0.97
    assert m["seed_rehash"]["reported_nothing_new"] == m["seed_rehash"]["articles"]
    assert m["new_stories"]["flagged_new"] == m["new_stories"]["first_reports"]
    assert m["same_event"]["f1"] >= 0.9
    assert m["claims"]["overall"] >= 0.93
    assert m["claims"]["follow_ups"] >= 0.9
    json.dumps(m)
