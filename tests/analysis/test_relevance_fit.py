"""The relevance model: fitted deterministically, read back, explained; the shipped file is what
`make model` builds from ../shared/eval-dev."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.analysis.relevance import score_relevance
from bot.analysis.relevance_model import BUNDLED_MODEL, ModelError, load_model, model_to_json
from bot.chat.commands import Commands
from bot.cli.analyze import analyze_lines
from bot.config import BotConfig, Config
from bot.store import Store
from tests.conftest import REPO, SHARED, shared_dir

ON_TOPIC = [
    ("Authors sue AI firm over pirated books",
     "Novelists filed a lawsuit accusing the AI company of training its chatbot on pirated "
     "copies of their books without permission, claiming copyright infringement."),
    ("Newspaper signs licensing deal with OpenAI",
     "The newspaper publisher signed a multi-year deal letting OpenAI use its archive of "
     "articles in ChatGPT and to train AI models, with payment for its journalism."),
    ("Sites block AI crawlers",
     "Publishers now block AI crawlers in robots.txt so their articles are not scraped to "
     "train AI models without consent or payment."),
    ("Lawmakers vote on AI training transparency",
     "The bill would make AI developers disclose which copyrighted works they used as "
     "training data, after rights holders asked for an opt-out."),
    ("Label settles with AI music start-up",
     "The record label settled its copyright lawsuit against the AI music generator, which "
     "had trained on its recordings without a licence."),
]  # fmt: skip
OFF_TOPIC = [
    ("AI chip maker posts record quarter",
     "The chip maker reported record revenue for the quarter as demand for AI data centers "
     "grew, and net income rose for shareholders."),
    ("Parents sue chatbot maker after teen's death",
     "The parents filed a wrongful death lawsuit claiming the AI chatbot encouraged their "
     "teenager's suicide and lacked parental controls."),
    ("Video app launches on Android",
     "The AI video app launched on the Play Store and rolled out in seven countries, with a "
     "million downloads in a week."),
    ("Court: AI art cannot be registered",
     "The court upheld the refusal of copyright registration for an image made by an AI "
     "system, holding that human authorship is required."),
    ("Singer wins song copyright case",
     "An appeals court ruled that the pop song did not copy an older hit, ending the "
     "copyright lawsuit brought by the songwriter's heirs."),
]  # fmt: skip


FILLER = " The report appeared on Tuesday, and more details are expected later this week."


def _labelled(stream: str, cases: list[tuple[str, str]], relevant: bool) -> list[dict[str, object]]:
    return [
        {"id": f"{stream}-{relevant:d}{i}", "title": title, "text": text + FILLER,
         "relevant": relevant,
         "topic": "t", "storyline": f"{stream}{i}" if relevant else None, "dup_group": None,
         "seed_event": [], "claims": []}
        for i, (title, text) in enumerate(cases)
    ]  # fmt: skip


def write_streams(tmp_path: Path) -> Path:
    """Three small labelled streams of our own, and a French one that must be left out (the
    analysis reads English and Japanese only)."""
    folder = tmp_path / "eval"
    folder.mkdir()
    for n, name in enumerate(("alpha", "beta", "gamma")):
        rows = _labelled(name, ON_TOPIC[n : n + 3], True) + _labelled(
            name, OFF_TOPIC[n : n + 3], False
        )
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
        )
    (folder / "delta-fr.jsonl").write_text("{broken", encoding="utf-8")
    return folder


def test_fit_is_deterministic_and_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from bot.evaluation.fit import FEATURE_SETS, main

    folder = write_streams(tmp_path)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["--data", str(folder), "--seeds", str(REPO / "seeds"), "--out", str(first)]) == 0
    assert main(["--data", str(folder), "--seeds", str(REPO / "seeds"), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    model = load_model(first)
    assert model.about["trained_on"] == {"alpha": 6, "beta": 6, "gamma": 6, "seeds": 5}
    assert len(model.about["tuning_leave_one_stream_out"]) >= 2
    assert {t["signals"] for t in model.about["tuning_leave_one_stream_out"]} == set(FEATURE_SETS)
    # it learned the topic: our own on-topic texts score above our own look-alikes
    scores = [score_relevance(t, x, model).score for t, x in ON_TOPIC + OFF_TOPIC]
    assert min(scores[:5]) > max(scores[5:]), scores


def test_japanese_examples_count_as_much_as_the_inner_folds_say(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from dataclasses import replace

    from bot.evaluation.fit import _fit_weights, examples_from, fit
    from bot.evaluation.streams import eval_streams

    english = examples_from(eval_streams(write_streams(tmp_path)), REPO / "seeds")
    # our own look-alikes standing in for a Japanese stream, a word of their own in each
    japanese = [
        replace(e, group="ja", japanese=True, words={**e.words, "w:日本語": 1.0})
        for e in english
        if e.group == "alpha"
    ]
    _, counted = _fit_weights([*english, *japanese], 1.0, 1.0, "whole text", 1.0)
    _, ignored = _fit_weights([*english, *japanese], 1.0, 1.0, "whole text", 0.0)
    assert "w:日本語" in counted and "w:日本語" not in ignored
    model = fit([*english, *japanese], grid=(1.0,), powers=(1.0,), japanese_weights=(1.0, 0.0))
    tried = {t["japanese_weight"] for t in model.about["tuning_leave_one_stream_out"]}
    assert tried == {1.0, 0.0} and model.about["japanese_weight"] in tried
    # with no Japanese example there is nothing to weigh: one weight tried
    alone = fit(english, grid=(1.0,), powers=(1.0,), japanese_weights=(1.0, 0.0))
    assert {t["japanese_weight"] for t in alone.about["tuning_leave_one_stream_out"]} == {1.0}


def test_shipped_model_is_what_make_model_builds(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from bot.evaluation.fit import main

    data = shared_dir("eval-dev")
    out = tmp_path / "model.json"
    assert main(["--data", str(data), "--seeds", str(SHARED / "seeds"), "--out", str(out)]) == 0
    assert out.read_bytes() == BUNDLED_MODEL.read_bytes(), "run `make model` and commit the file"


def test_why_shows_score_and_strongest_features() -> None:
    r = score_relevance(*ON_TOPIC[0], load_model())
    assert r.relevant and r.reason.startswith("on topic (score")
    assert any(s.startswith("signal '") and ("+" in s or "-" in s) for s in r.signals), r.signals
    assert any(s.startswith("ai-term:") for s in r.signals)
    off = score_relevance(*OFF_TOPIC[1], load_model())
    assert not off.relevant and "negative: chatbot safety" in " ".join(off.signals), off.signals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "is not JSON"),
        ('{"format": 99}', "is not format 1"),
        ('{"format": 1, "bias": 0}', "lacks 'bias', 'penalty_power' or 'weights'"),
        ('{"format": 1, "bias": 0, "penalty_power": 2, "weights": {"w:x": "big"}}', "not a number"),
    ],
)
def test_a_bad_model_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_model(path)
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "missing.json")


def test_model_file_round_trips() -> None:
    model = load_model()
    assert model_to_json(model) == BUNDLED_MODEL.read_text(encoding="utf-8")


def test_news_why_shows_the_models_score_and_strongest_features(store: Store) -> None:
    """An off-topic article through the real analysis and store: `/news why` explains it."""
    title, text = OFF_TOPIC[1]
    line = json.dumps({"id": "safety1", "title": title, "text": text + FILLER * 2})
    config = Config(bot=BotConfig(seeds_dir=REPO / "seeds"))
    verdicts = analyze_lines(config, [line], store, io.StringIO(), load_model())
    assert verdicts[0] is not None and verdicts[0]["relevant"] is False
    answer = Commands(store, lambda: datetime(2025, 11, 6, tzinfo=UTC)).why("safety1")
    facts = dict(answer.facts)
    assert facts["Relevance score"] == f"{verdicts[0]['relevance']:.2f}"
    assert "signal '" in facts["Signals"] and "negative: chatbot safety" in facts["Signals"]
