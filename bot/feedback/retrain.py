"""The installation's refit: feedback in force plus the seeds, refitted against the shipped
model (bot/feedback/refit.py), kept in the database and put to use; before/after logged.

Every refit starts again from the shipped model (never from an earlier refit), so feedback
revoked since is really gone and refits cannot drift. The shipped file is never written.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.analysis.relevance_model import ModelError, RelevanceModel, model_to_json
from bot.feedback.examples import labelled, labels_from, seed_examples
from bot.feedback.refit import Agreement, Labelled, RefitSettings, agreement, refit
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainReport:
    """What a refit did, for the log and `/news retrain`."""

    feedback_examples: int
    seed_examples: int
    before: Agreement  # the model in use before, on the feedback examples
    after: Agreement
    seeds_before: int  # seeds the model calls on topic
    seeds_after: int
    passes: int
    seconds: float
    stopped_early: bool
    skipped: str = ""  # why nothing was refitted ("" when it was)

    def line(self) -> str:
        if self.skipped:
            return self.skipped
        return (
            f"refitted on {self.feedback_examples} labelled item(s) and {self.seed_examples} seeds"
            f" in {self.seconds:.1f}s ({self.passes} passes"
            f"{', stopped at the time limit' if self.stopped_early else ''}); your labelled items"
            f" agree {self.before.correct}/{self.before.examples} before,"
            f" {self.after.correct}/{self.after.examples} after; seeds on topic"
            f" {self.seeds_before}/{self.seed_examples} before, {self.seeds_after}/"
            f"{self.seed_examples} after"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "feedback_examples": self.feedback_examples,
            "seed_examples": self.seed_examples,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "seeds_before": self.seeds_before,
            "seeds_after": self.seeds_after,
            "passes": self.passes,
            "seconds": round(self.seconds, 2),
            "stopped_early": self.stopped_early,
        }


class Retrainer:
    """Refits on request or on a schedule; `use` puts a model into the running analysis."""

    def __init__(
        self,
        store: Store,
        shipped: RelevanceModel,
        clock: Callable[[], datetime],
        *,
        settings: RefitSettings | None = None,
        use: Callable[[RelevanceModel], None] | None = None,
    ) -> None:
        self._store = store
        self.shipped = shipped
        self.current = shipped
        self._clock = clock
        self._settings = settings or RefitSettings()
        self._use = use
        self._busy = threading.Lock()
        self._last_fitted_on: tuple[int, ...] | None = None

    def load_installed(self) -> RelevanceModel:
        """The newest refitted model kept in the database (the shipped one when none, or
        when the kept one cannot be read), put to use."""
        text = self._store.installation_model()
        if text:
            try:
                self.current = _model_from_json(text)
            except ModelError as exc:
                log.warning("ignoring the installation's relevance model: %s", exc)
            else:
                self._last_fitted_on = _fitted_on(self._store.installation_model_report())
        if self._use is not None and self.current is not self.shipped:
            self._use(self.current)
        return self.current

    def retrain(self, *, only_if_changed: bool = False) -> RetrainReport:
        """Refit now (one at a time; a second request meanwhile is told so)."""
        if not self._busy.acquire(blocking=False):
            return _skipped("a refit is already running")
        try:
            return self._retrain(only_if_changed)
        finally:
            self._busy.release()

    def _retrain(self, only_if_changed: bool) -> RetrainReport:
        power = self.shipped.penalty_power
        feedback = self._store.active_feedback()
        fitted_on = tuple(r.id for r in feedback if r.kind != "mute")
        if only_if_changed and fitted_on == self._last_fitted_on:
            return _skipped("no new feedback since the last refit")
        labels = labels_from(feedback)
        # the newest only, before any text is read: memory stays bounded however much
        # feedback an installation gathers
        labels = dict(list(labels.items())[-self._settings.max_examples :])
        texts = {}
        for article_id in labels:
            row = self._store.get_article(article_id)
            if row is not None:
                texts[article_id] = (row["title"] or "", row["body"] or "")
        examples = labelled(labels, texts, power)
        seeds = seed_examples(
            [(r["title"] or "", r["body"] or "") for r in self._store.articles(kind="seed")],
            power,
        )
        result = refit(self.shipped, examples + seeds, self._settings)
        report = RetrainReport(
            feedback_examples=len(examples),
            seed_examples=len(seeds),
            before=agreement(self.current, examples),
            after=agreement(result.model, examples),
            seeds_before=_on_topic(self.current, seeds),
            seeds_after=_on_topic(result.model, seeds),
            passes=result.passes,
            seconds=result.seconds,
            stopped_early=result.stopped_early,
        )
        kept = {**report.as_dict(), "fitted_on": list(fitted_on)}
        self._store.save_installation_model(
            model_to_json(result.model), json.dumps(kept), self._clock()
        )
        self.current = result.model
        self._last_fitted_on = fitted_on
        if self._use is not None:
            self._use(result.model)
        log.info("relevance model %s", report.line())
        return report


def _fitted_on(report_json: str | None) -> tuple[int, ...] | None:
    """The feedback ids a kept refit was fitted on (None when its report does not say:
    a model kept before the ids were recorded, so the first scheduled refit runs)."""
    try:
        ids = json.loads(report_json or "{}").get("fitted_on")
    except (ValueError, AttributeError):
        return None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return None
    return tuple(ids)


def _on_topic(model: RelevanceModel, examples: list[Labelled]) -> int:
    return sum(model.probability(e.features) >= 0.5 for e in examples)


def _skipped(why: str) -> RetrainReport:
    none = Agreement(0, 0, 0.0)
    return RetrainReport(0, 0, none, none, 0, 0, 0, 0.0, False, skipped=why)


def _model_from_json(text: str) -> RelevanceModel:
    import tempfile
    from pathlib import Path

    from bot.analysis.relevance_model import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        path.write_text(text, encoding="utf-8")
        return load_model(path)
