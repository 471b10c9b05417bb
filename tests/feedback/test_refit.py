"""The local refit: the shipped model stays the prior, a click moves the model only so far,
and the refit stops within its bounds."""

from __future__ import annotations

from collections.abc import Iterator

from bot.analysis.assess import seed_document
from bot.analysis.relevance_model import RelevanceModel, load_model
from bot.feedback.examples import article_features, labels_from, seed_examples
from bot.feedback.refit import Labelled, RefitSettings, agreement, refit
from bot.seeds import load_seeds
from tests.conftest import REPO


def seed_texts() -> list[tuple[str, str]]:
    out = []
    for seed in load_seeds(REPO / "seeds"):
        doc = seed_document(seed)
        out.append((doc.title, doc.text if doc.text is not None else " ".join(doc.claims)))
    return out


TOY = RelevanceModel(
    bias=-1.0, weights={"w:lawsuit": 2.0, "w:chips": -1.0}, penalty_power=1.0, about={}
)


def test_no_examples_give_the_prior_back() -> None:
    assert refit(TOY, []).model is TOY


def test_a_correction_moves_its_own_article_and_leaves_other_weights_alone() -> None:
    # the prior calls this on topic (p = 0.62); a reader says it is not
    wrong = Labelled({"w:lawsuit": 0.6, "w:music": 0.8}, relevant=False)
    before = TOY.probability(wrong.features)
    result = refit(TOY, [wrong, wrong, wrong])
    after = result.model.probability(wrong.features)
    assert before > 0.5 > after
    assert result.model.weights["w:chips"] == -1.0  # not in any example: the prior's
    assert result.model.weights["w:music"] < 0  # a word the prior lacked gets a weight


def test_the_spring_towards_the_prior_limits_what_one_click_does() -> None:
    far = Labelled({"w:lawsuit": 1.0}, relevant=False)  # the prior is sure: p = 0.73
    gentle = refit(TOY, [far], RefitSettings(strength=3.0)).model
    loose = refit(TOY, [far], RefitSettings(strength=0.01)).model
    assert gentle.probability(far.features) > 0.5  # one click does not flip a sure verdict
    assert loose.probability(far.features) < 0.5  # without the prior it would


def test_the_refit_stops_at_its_time_limit() -> None:
    ticks: Iterator[float] = iter(float(t) for t in range(0, 1000, 5))
    examples = [Labelled({"w:lawsuit": 1.0}, relevant=False)] * 3
    result = refit(
        TOY, examples, RefitSettings(max_seconds=12, passes=100), clock=lambda: next(ticks)
    )
    assert result.stopped_early and result.passes == 2


def test_a_few_adversarial_clicks_do_not_flip_the_seeds_verdicts() -> None:
    shipped = load_model()
    power = shipped.penalty_power
    seeds = seed_examples(seed_texts(), power)
    assert agreement(shipped, seeds).correct == len(seeds)
    # three readers call copies of three seeds "not about this topic"
    attack = [
        Labelled(article_features(t, x, power) or {}, relevant=False) for t, x in seed_texts()[:3]
    ]
    result = refit(shipped, attack + seeds)
    assert agreement(result.model, seeds).correct == len(seeds)
    # the same clicks without the prior's pull would flip them: the test can tell
    loose = refit(shipped, attack, RefitSettings(strength=0.001, passes=300))
    assert agreement(loose.model, seeds).correct < len(seeds)


def test_the_latest_feedback_in_force_labels_an_article() -> None:
    class Row:
        def __init__(self, kind: str, article_id: str) -> None:
            self.kind, self.article_id = kind, article_id

    rows = [Row("not_topic", "a"), Row("mute", "b"), Row("missed", "c"), Row("nothing_new", "a")]
    assert labels_from(rows) == {"c": True, "a": True}
