"""The measures of ../shared/eval-dev/README.md, computed the way its scorer computes them.

`score_stream(labels, decisions)` takes one stream's labelled records and the decision lines
`analyze` printed for them and returns a `StreamScore`: raw counts, so several streams add up
to a total (`StreamScore.combine`). `StreamScore.figures()` gives the scorer's figures under
the scorer's names and rounding; a test runs the scorer itself on the same decisions and
requires the same numbers.

Measures: relevance precision/recall/F1; seed rehash (relevant articles whose labelled claims
are all in the seeds, reported as nothing new); new stories (the first relevant article of each
event outside the seeds, reported as new); same event and storylines (pairs of relevant
articles sharing a story, against `dup_group` and `storyline`, and B-cubed per article); seed
events landing in a seed's story; claims (each labelled claim aligned with the closest emitted
claim of its article by idf-weighted word overlap, agreeing when the emitted claim is new
exactly when the label has no `known_from`), and provenance ("first seen in" for claims rightly
called known); the longest summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import combinations
from typing import Any

Record = Mapping[str, Any]

_TOKEN = re.compile(r"[a-z0-9]+")
# the scorer's stop words: the alignment of claims must weigh words exactly as it does
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "or",
        "for",
        "on",
        "with",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "their",
        "his",
        "her",
        "they",
        "them",
        "he",
        "she",
        "we",
        "you",
        "not",
        "but",
        "also",
        "which",
        "who",
        "will",
        "would",
        "can",
        "could",
        "said",
        "says",
        "into",
        "over",
    ]
)
_SEED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")
_SEED_DISPUTE_TOPIC = re.compile(r"sora2|coda|japan|jp-|shueisha|jnpea")
ALIGN_MIN = 0.25  # below this the closest emitted claim is not the labelled claim at all


def _tokens(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in _STOP]


def _similarity(a: str, b: str, idf: Mapping[str, float]) -> float:
    ca, cb = Counter(_tokens(a)), Counter(_tokens(b))
    dot = sum(n * cb[w] * idf.get(w, 1.0) ** 2 for w, n in ca.items() if w in cb)
    na = math.sqrt(sum((n * idf.get(w, 1.0)) ** 2 for w, n in ca.items()))
    nb = math.sqrt(sum((n * idf.get(w, 1.0)) ** 2 for w, n in cb.items()))
    return dot / (na * nb) if na and nb else 0.0


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 3), round(r, 3), round(f, 3)


def _ratio(ok: int, n: int) -> str:
    return f"{ok}/{n}"


@dataclass
class StreamScore:
    """Counts behind every figure; adding two scores pools their articles and pairs."""

    articles: int = 0
    answered: int = 0
    rel_tp: int = 0
    rel_fp: int = 0
    rel_fn: int = 0
    rehash_ok: int = 0
    rehash_n: int = 0
    fresh_ok: int = 0
    fresh_n: int = 0
    event_tp: int = 0
    event_fp: int = 0
    event_fn: int = 0
    has_storylines: bool = True
    line_tp: int = 0
    line_fp: int = 0
    line_fn: int = 0
    bcubed_p_sum: float = 0.0
    bcubed_r_sum: float = 0.0
    bcubed_n: int = 0
    seed_story_ok: int = 0
    seed_story_n: int = 0
    claims_total: int = 0
    claims_aligned: int = 0
    claims_agree: int = 0
    provenance_ok: int = 0
    provenance_n: int = 0
    seed_dispute_aligned: int = 0
    seed_dispute_agree: int = 0
    seed_copy_claims: int = 0
    seed_copy_false_novel: int = 0
    summary_chars_max: int = 0
    # what went wrong, by article id, for reading (not part of the scorer's figures)
    missed_relevant: list[str] = field(default_factory=list)
    false_relevant: list[str] = field(default_factory=list)
    missed_new_stories: list[str] = field(default_factory=list)

    @classmethod
    def combine(cls, scores: Iterable[StreamScore]) -> StreamScore:
        total = cls()
        for s in scores:
            for f in fields(cls):
                a, b = getattr(total, f.name), getattr(s, f.name)
                if f.name == "has_storylines":
                    setattr(total, f.name, a and b)
                elif f.name == "summary_chars_max":
                    setattr(total, f.name, max(a, b))
                else:
                    setattr(total, f.name, a + b)
        return total

    def figures(self) -> dict[str, Any]:
        """The scorer's figures, with its names, rounding and order."""
        out: dict[str, Any] = {"articles": self.articles, "answered": self.answered}
        p, r, f = _prf(self.rel_tp, self.rel_fp, self.rel_fn)
        out.update(relevance_p=p, relevance_r=r, relevance_f1=f)
        out["seed_rehash_caught"] = _ratio(self.rehash_ok, self.rehash_n)
        out["new_story_flagged_novel"] = _ratio(self.fresh_ok, self.fresh_n)
        p, r, f = _prf(self.event_tp, self.event_fp, self.event_fn)
        out.update(same_event_p=p, same_event_r=r, same_event_f1=f)
        if self.has_storylines:
            p, r, f = _prf(self.line_tp, self.line_fp, self.line_fn)
            out.update(storyline_p=p, storyline_r=r, storyline_f1=f)
            bp = self.bcubed_p_sum / self.bcubed_n if self.bcubed_n else 0.0
            br = self.bcubed_r_sum / self.bcubed_n if self.bcubed_n else 0.0
            out["storyline_bcubed_f1"] = round(2 * bp * br / (bp + br), 3) if bp + br else 0.0
            out["seed_event_in_seed_story"] = _ratio(self.seed_story_ok, self.seed_story_n)
        out["claims_aligned"] = _ratio(self.claims_aligned, self.claims_total)
        out["provenance_right"] = _ratio(self.provenance_ok, self.provenance_n)
        out["claim_novelty_agreement"] = (
            round(self.claims_agree / self.claims_aligned, 3) if self.claims_aligned else 0.0
        )
        out["seed_dispute_claim_agreement"] = (
            round(self.seed_dispute_agree / self.seed_dispute_aligned, 3)
            if self.seed_dispute_aligned
            else 0.0
        )
        out["seed_copy_false_novel"] = _ratio(self.seed_copy_false_novel, self.seed_copy_claims)
        out["summary_chars_max"] = self.summary_chars_max
        return out


def _story(decisions: Mapping[str, Record], article_id: str) -> Any:
    return decisions.get(article_id, {}).get("story")


def _pairs(rel: Sequence[Record], decisions: Mapping[str, Record], key: str) -> tuple[int, ...]:
    tp = fp = fn = 0
    for a, b in combinations(rel, 2):
        gold = a[key] == b[key] if key == "storyline" else a[key] is not None and a[key] == b[key]
        sa, sb = _story(decisions, a["id"]), _story(decisions, b["id"])
        pred = sa is not None and sa == sb
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    return tp, fp, fn


def score_stream(
    labels: Sequence[Record], decision_lines: Sequence[Record], skip: Iterable[str] = ()
) -> StreamScore:
    """Score one stream. `skip`: ids left out of every measure, though the decisions saw them."""
    leave_out = set(skip)
    every_label = list(labels)
    labels = [r for r in every_label if r["id"] not in leave_out]
    decisions: dict[str, Record] = {}
    for d in decision_lines:
        decisions[d["id"]] = d
    s = StreamScore(articles=len(labels), answered=sum(r["id"] in decisions for r in labels))

    def decided(r: Record, key: str) -> Any:
        return decisions.get(r["id"], {}).get(key)

    for r in labels:
        said = bool(decided(r, "relevant"))
        if r["relevant"] and said:
            s.rel_tp += 1
        elif r["relevant"]:
            s.rel_fn += 1
            s.missed_relevant.append(r["id"])
        elif said:
            s.rel_fp += 1
            s.false_relevant.append(r["id"])

    rel = [r for r in labels if r["relevant"]]
    rehash = [r for r in rel if r["claims"] and not any(c["novel_vs_seeds"] for c in r["claims"])]
    s.rehash_n = len(rehash)
    s.rehash_ok = sum(decided(r, "novel") is False for r in rehash)

    groups_seen: set[str] = set()
    for r in labels:
        if not r["relevant"] or r["seed_event"]:
            continue
        group = r["dup_group"]
        if group is None or group not in groups_seen:
            s.fresh_n += 1
            if decided(r, "novel"):
                s.fresh_ok += 1
            else:
                s.missed_new_stories.append(r["id"])
        if group:
            groups_seen.add(group)

    s.event_tp, s.event_fp, s.event_fn = _pairs(rel, decisions, "dup_group")
    s.has_storylines = all("storyline" in r for r in rel)
    if s.has_storylines:
        s.line_tp, s.line_fp, s.line_fn = _pairs(rel, decisions, "storyline")
        for a in rel:
            story = _story(decisions, a["id"])
            same = {
                b["id"] for b in rel if story is not None and _story(decisions, b["id"]) == story
            }
            pred = same or {a["id"]}
            gold = {b["id"] for b in rel if b["storyline"] == a["storyline"]}
            s.bcubed_p_sum += len(pred & gold) / len(pred)
            s.bcubed_r_sum += len(pred & gold) / len(gold)
        s.bcubed_n = len(rel)
        seed_events = [r for r in rel if r["seed_event"]]
        s.seed_story_n = len(seed_events)
        s.seed_story_ok = sum(
            bool(_SEED_NAME.search(str(_story(decisions, r["id"]) or ""))) for r in seed_events
        )

    _score_claims(s, rel, every_label, decisions)
    s.summary_chars_max = max((len(d.get("summary") or "") for d in decisions.values()), default=0)
    return s


def _score_claims(
    s: StreamScore,
    rel: Sequence[Record],
    every_label: Sequence[Record],
    decisions: Mapping[str, Record],
) -> None:
    texts = [str(c["text"]) for d in decisions.values() for c in d.get("claims", [])]
    texts += [str(c["claim"]) for r in rel for c in r["claims"]]
    df = Counter(w for t in texts for w in set(_tokens(t)))
    idf = {w: math.log((1 + len(texts)) / (1 + n)) + 1 for w, n in df.items()}
    event_of = {r["id"]: r["dup_group"] for r in every_label}
    for r in rel:
        emitted = list(decisions.get(r["id"], {}).get("claims", []))
        if r.get("seed_copy"):
            s.seed_copy_claims += len(emitted)
            s.seed_copy_false_novel += sum(bool(c.get("novel")) for c in emitted)
        seed_dispute = bool(_SEED_DISPUTE_TOPIC.search(r.get("topic") or ""))
        for gold in r["claims"]:
            s.claims_total += 1
            best, best_sim = None, -1.0
            for e in emitted:  # the first of equally close claims wins
                sim = _similarity(gold["claim"], e["text"], idf)
                if sim > best_sim:
                    best, best_sim = e, sim
            if best is None or best_sim < ALIGN_MIN:
                continue
            s.claims_aligned += 1
            gold_new = (
                gold["known_from"] is None if "known_from" in gold else gold["novel_vs_seeds"]
            )
            ok = bool(best.get("novel")) == gold_new
            source = gold.get("known_from")
            if ok and not gold_new and source:
                s.provenance_n += 1
                said = str(best.get("seen_in") or "")
                if _SEED_NAME.search(source):  # any seed stands for a seed
                    s.provenance_ok += bool(_SEED_NAME.search(said))
                else:  # an article of the same single event stands for the labelled source
                    s.provenance_ok += said == source or (
                        event_of.get(said) is not None
                        and event_of.get(said) == event_of.get(source)
                    )
            s.claims_agree += ok
            if seed_dispute:
                s.seed_dispute_aligned += 1
                s.seed_dispute_agree += ok
