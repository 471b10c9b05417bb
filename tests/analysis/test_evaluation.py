"""The eval measures, `newsbot eval`, and the scorer of ../shared/eval-dev agreeing with them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.evaluation.measures import StreamScore, score_stream
from bot.evaluation.streams import eval_streams, is_analysed, is_english
from tests.conftest import REPO, SHARED, shared_dir


def _claim(text: str, known_from: str | None) -> dict[str, Any]:
    return {"claim": text, "novel_vs_seeds": not (known_from or "").startswith("000_"),
            "known_from": known_from}  # fmt: skip


LABELS: list[dict[str, Any]] = [
    {"id": "x1", "relevant": True, "topic": "guild-v-acme", "storyline": "guild", "dup_group": "g1",
     "seed_event": [], "claims": [_claim("Acme was sued by the writers guild in Boston.", None)]},
    {"id": "x2", "relevant": True, "topic": "guild-v-acme", "storyline": "guild", "dup_group": "g1",
     "seed_event": [], "claims": [_claim("Acme was sued by the writers guild in Boston.", "x1")]},
    {"id": "x3", "relevant": True, "topic": "sora2-japan", "storyline": "seed", "dup_group": "s",
     "seed_event": ["000_296b9c6e5f52e666.txt"],
     "claims": [_claim("Publishers asked the studio to stop training.",
                       "000_296b9c6e5f52e666.txt")]},
    {"id": "x4", "relevant": False, "topic": "earnings", "storyline": None, "dup_group": None,
     "seed_event": [], "claims": []},
    {"id": "x5", "relevant": True, "topic": "other-deal", "storyline": "deal", "dup_group": None,
     "seed_event": [], "claims": [_claim("The archive deal runs five years.", None)]},
]  # fmt: skip
DECISIONS: list[dict[str, Any]] = [
    {"id": "x1", "relevant": True, "story": "s1", "novel": True, "summary": "abc",
     "claims": [{"text": "Acme was sued by the writers guild in Boston.", "novel": True,
                 "seen_in": None}]},
    {"id": "x2", "relevant": True, "story": "s1", "novel": False, "summary": "",
     "claims": [{"text": "The writers guild sued Acme in Boston.", "novel": False,
                 "seen_in": "x1"}]},
    {"id": "x3", "relevant": True, "story": "000_296b9c6e5f52e666.txt", "novel": False,
     "summary": "a longer one",
     "claims": [{"text": "Publishers asked the studio to stop training.", "novel": False,
                 "seen_in": "001_d8a33391622b5c18.txt"}]},
    {"id": "x4", "relevant": True, "story": "s1", "novel": True, "summary": "", "claims": []},
    {"id": "x5", "relevant": False, "story": None, "novel": False, "summary": "", "claims": []},
]  # fmt: skip


def test_measures_on_a_stream_of_our_own() -> None:
    f = score_stream(LABELS, DECISIONS).figures()
    assert (f["relevance_p"], f["relevance_r"], f["relevance_f1"]) == (0.75, 0.75, 0.75)
    assert f["seed_rehash_caught"] == "1/1"
    assert f["new_story_flagged_novel"] == "1/2"  # x1 flagged, x5 missed
    assert f["seed_event_in_seed_story"] == "1/1"
    # pairs of relevant articles: (x1,x2) right; x3, x5 alone
    assert (f["storyline_p"], f["storyline_r"]) == (1.0, 1.0)
    assert f["claims_aligned"] == "3/4" and f["claim_novelty_agreement"] == 1.0
    assert f["provenance_right"] == "2/2"  # x1 named; any seed stands for a seed
    assert f["seed_dispute_claim_agreement"] == 1.0
    assert f["summary_chars_max"] == len("a longer one")


def test_scores_of_two_streams_add_up() -> None:
    one = score_stream(LABELS, DECISIONS)
    both = StreamScore.combine([one, one]).figures()
    assert both["articles"] == 10 and both["seed_rehash_caught"] == "2/2"
    assert both["relevance_f1"] == one.figures()["relevance_f1"]
    assert both["new_story_flagged_novel"] == "2/4"


def test_english_and_japanese_streams_are_folds() -> None:
    assert is_english(Path("stream2.jsonl")) and is_english(Path("articles.jsonl"))
    assert not is_english(Path("stream-ja.jsonl"))
    assert is_analysed(Path("stream-ja.jsonl")) and is_analysed(Path("stream2.jsonl"))
    assert not is_analysed(Path("stream-fr.jsonl"))


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_eval_prints_exactly_the_scorers_figures(tmp_path: Path) -> None:
    """Every English stream through `eval`, and through `analyze` + score.py: same numbers."""
    folder = shared_dir("eval-dev")
    res = _bot("eval", str(folder), "--json")
    assert res.returncode == 0, res.stderr
    payload = json.loads(res.stdout)
    assert Path(payload["seeds"]).resolve() == (SHARED / "seeds").resolve()  # the raw seeds
    ours = payload["figures"]
    streams = eval_streams(folder)
    assert set(ours) == {s.name for s in streams} | {"total"}
    # beside the scorer's figures: claims that would not read in an alert (target 0)
    quality = payload["readability"]
    assert set(quality) == set(ours)
    assert quality["total"]["claims"] > 0
    assert quality["total"]["unreadable_claims"] == sum(
        quality[s.name]["unreadable_claims"] for s in streams
    )
    for stream in streams:
        src = tmp_path / f"{stream.name}.in.jsonl"
        src.write_text("\n".join(stream.input_lines()) + "\n", encoding="utf-8")
        analysed = _bot("analyze", "--input", str(src), "--seeds", str(SHARED / "seeds"))
        assert analysed.returncode == 0, analysed.stderr
        out = tmp_path / f"{stream.name}.out.jsonl"
        out.write_text(analysed.stdout, encoding="utf-8")
        scored = subprocess.run(
            [sys.executable, str(folder / "score.py"), str(stream.path), str(out), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert ours[stream.name] == json.loads(scored.stdout), stream.name


def test_eval_of_one_file_and_bad_input(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    stream = tmp_path / "one" / "mine.jsonl"
    stream.write_text(
        "\n".join(json.dumps({**lab, "title": "t", "text": "too short"}) for lab in LABELS) + "\n",
        encoding="utf-8",
    )
    res = _bot("eval", str(stream), "--json", "--seeds", str(REPO / "seeds"))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["figures"]["mine"]["articles"] == 5
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "relevant": true}\n{oops\n', encoding="utf-8")
    res = _bot("eval", str(bad))
    assert res.returncode == 2
    assert res.stderr.startswith(f"newsbot: eval: {bad}: line 2: not valid JSON")
    assert len(res.stderr.splitlines()) == 1
    res = _bot("eval", str(tmp_path / "absent"))
    assert res.returncode == 2
    assert (
        res.stderr == f"newsbot: eval: no eval folder or labelled file at {tmp_path / 'absent'}\n"
    )
    res = _bot("eval", str(tmp_path / "one"), "--fold", "nosuch", "--seeds", str(REPO / "seeds"))
    assert res.returncode == 2 and "no stream named 'nosuch'" in res.stderr


def test_folds_fit_on_the_other_streams_only(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from tests.analysis.test_relevance_fit import write_streams

    folder = write_streams(tmp_path)
    res = _bot("eval", str(folder), "--fold", "all", "--json", "--seeds", str(REPO / "seeds"))
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout)["figures"]
    assert set(figures) == {"alpha", "beta", "gamma", "total"}
    assert figures["total"]["articles"] == sum(
        figures[n]["articles"] for n in ("alpha", "beta", "gamma")
    )
    text = _bot("eval", str(folder), "--fold", "beta", "--seeds", str(REPO / "seeds"))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("leave-one-stream-out")
    assert "relevance_f1" in text.stdout and "alpha" not in text.stdout.splitlines()[1]
