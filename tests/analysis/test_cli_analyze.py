"""`python -m bot analyze` and `eval`: the fixed contract of issue 4, and the store memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.analysis.assess import build_assessor
from bot.store import Store
from bot.store.known import KnownToStore
from tests.analysis.test_analyzer import FOLLOW_UP, OTHER_EVENT, RETELLING, SEED
from tests.conftest import REPO, SHARED, shared_dir

FIELDS = {"id", "relevant", "relevance", "category", "story", "duplicate_of", "novel", "claims"}


def _seed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    assert SEED.text is not None
    (folder / "000_guild.txt").write_text(f"{SEED.title}\n{SEED.text}\n", encoding="utf-8")
    return folder


def _line(article: object) -> str:
    a = article  # an Article
    return json.dumps(
        {
            "id": a.id,  # type: ignore[attr-defined]
            "title": a.title,  # type: ignore[attr-defined]
            "url": None,
            "source": a.source,  # type: ignore[attr-defined]
            "published": a.published.date().isoformat(),  # type: ignore[attr-defined]
            "text": a.text,  # type: ignore[attr-defined]
            "extra": "ignored",
        }
    )


def _bot(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_analyze_contract(tmp_path: Path) -> None:
    seeds = _seed_folder(tmp_path)
    lines = [_line(RETELLING), "{not json", _line(FOLLOW_UP), '{"title": "no id"}']
    lines.append(_line(OTHER_EVENT))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = _bot("analyze", "--input", str(src), "--seeds", str(seeds), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(out) == 5  # one line per input line, in order
    assert "line 2" in res.stderr and "line 4" in res.stderr
    assert out[1]["error"] and out[3]["error"]
    retell, follow, other = out[0], out[2], out[4]
    for v in (retell, follow, other):
        assert FIELDS | {"summary"} <= set(v)
    assert retell["relevant"] and not retell["novel"]
    assert retell["duplicate_of"] == "000_guild.txt"
    assert follow["novel"] and follow["story"] == retell["story"]
    assert other["novel"] and other["story"] != retell["story"]
    assert not list(tmp_path.glob("**/*.db"))  # without --db nothing is written


def test_analyze_with_db_keeps_history(tmp_path: Path) -> None:
    seeds = _seed_folder(tmp_path)
    db = tmp_path / "bot.db"
    first = tmp_path / "a.jsonl"
    first.write_text(_line(OTHER_EVENT) + "\n", encoding="utf-8")
    res = _bot("analyze", "--input", str(first), "--seeds", str(seeds), "--db", str(db))
    assert res.returncode == 0, res.stderr
    copy = json.loads(_line(OTHER_EVENT))
    copy["id"] = "b-copy"
    second = tmp_path / "b.jsonl"
    second.write_text(json.dumps(copy) + "\n", encoding="utf-8")
    res = _bot("analyze", "--input", str(second), "--seeds", str(seeds), "--db", str(db))
    v = json.loads(res.stdout)
    assert v["duplicate_of"] == "b-getty" and not v["novel"]


def test_store_memory_matches_in_memory(tmp_path: Path) -> None:
    store = Store.open(":memory:")
    assessor = build_assessor()
    known = KnownToStore(store)
    store.remember_analysis(assessor.analyzer.analyze_seed(SEED, known).record)
    retelling = assessor.assess(RETELLING, known)
    v = retelling.verdict
    assert v.duplicate_of == "000_guild.txt" and not v.novel
    assert retelling.record is not None
    store.remember_analysis(retelling.record)
    assert assessor.assess(FOLLOW_UP, known).verdict.novel
    # FTS5 queries are quoted: words that are FTS syntax are looked up literally
    from bot.analysis.memory import ClaimQuery

    assert store.claim_candidates(ClaimQuery("x", ("and", "or", "not", "near", '"')), 5) == []
    store.close()


@pytest.mark.parametrize("seeds", ["shared", "project"])
def test_eval_on_dev_set_reaches_floors(seeds: str) -> None:
    dev = shared_dir("eval-dev") / "articles.jsonl"
    folder = SHARED / "seeds" if seeds == "shared" else REPO / "seeds"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    res = _bot("eval", str(dev), "--seeds", str(folder), "--json")
    assert res.returncode == 0, res.stderr
    m = json.loads(res.stdout)["figures"]["articles"]
    assert m["relevance_f1"] >= 0.97
    assert m["seed_rehash_caught"] == "1/1"
    assert m["new_story_flagged_novel"] == "6/6"
    assert m["storyline_bcubed_f1"] >= 0.9
