"""Measures of an `analyze` run against labelled articles (schema of shared/eval-dev/README.md).

Pure functions: labelled records (dicts as read from the JSON lines) and the verdict dicts the
`analyze` command printed for them, in the same order, go in; a dict of figures comes out.

* relevance: precision, recall, F1 of `relevant`;
* seed rehash: relevant articles whose labelled claims are all already in the seeds, and how
  many of them were reported as carrying nothing new;
* new stories: the first relevant article of each event that is not in the seeds, and how many
  were reported as new;
* same event: pairwise precision, recall, F1 over the labelled-relevant articles (two share a
  story exactly when they share a `dup_group`; an article without one is its own event);
* claims: each labelled claim matched to the closest emitted claim of its article; they agree
  when both call it new-versus-the-seeds or both call it known from the seeds. An emitted claim
  counts as "new versus the seeds" when it is new, or known only from an earlier article (its
  `seen_in` is not a seed). Reported overall and on the seed dispute's follow-ups (articles
  whose `seed_event` is non-empty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from bot.analysis.text import char_ngrams, cosine

Record = Mapping[str, Any]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def relevance_measures(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    tp = fp = fn = 0
    for lab, ver in zip(labels, verdicts, strict=True):
        gold, pred = bool(lab.get("relevant")), bool(ver.get("relevant"))
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    return {**_prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}


def seed_rehash(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    ids: list[str] = []
    ok = 0
    for lab, ver in zip(labels, verdicts, strict=True):
        claims = lab.get("claims") or []
        if lab.get("relevant") and claims and not any(c["novel_vs_seeds"] for c in claims):
            ids.append(str(lab["id"]))
            ok += not ver.get("novel")
    return {"articles": len(ids), "reported_nothing_new": ok, "ids": ids}


def new_stories(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    seen_groups: set[str] = set()
    firsts: list[str] = []
    ok = 0
    missed: list[str] = []
    for lab, ver in zip(labels, verdicts, strict=True):
        if not lab.get("relevant") or lab.get("seed_event"):
            continue
        group = lab.get("dup_group") or f"single:{lab['id']}"
        if group in seen_groups:
            continue
        seen_groups.add(group)
        firsts.append(str(lab["id"]))
        if ver.get("novel") and ver.get("relevant"):
            ok += 1
        else:
            missed.append(str(lab["id"]))
    return {"first_reports": len(firsts), "flagged_new": ok, "missed": missed}


def same_event(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    items: list[tuple[str, str]] = []
    for lab, ver in zip(labels, verdicts, strict=True):
        if not lab.get("relevant"):
            continue
        gold = lab.get("dup_group") or f"single:{lab['id']}"
        pred = ver.get("story") or f"none:{lab['id']}"
        items.append((gold, pred))
    tp = fp = fn = 0
    for (g1, p1), (g2, p2) in combinations(items, 2):
        same_gold, same_pred = g1 == g2, p1 == p2
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return {**_prf(tp, fp, fn), "pairs_tp": tp, "pairs_fp": fp, "pairs_fn": fn}


def claim_agreement(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    article_ids = {str(lab["id"]) for lab in labels}
    total = agree = fu_total = fu_agree = 0
    disagreements: list[dict[str, Any]] = []
    for lab, ver in zip(labels, verdicts, strict=True):
        if not lab.get("relevant"):
            continue
        emitted = list(ver.get("claims") or [])
        grams = [char_ngrams(str(c["text"])) for c in emitted]
        follow_up = bool(lab.get("seed_event"))
        for gold in lab.get("claims") or []:
            gold_new = bool(gold["novel_vs_seeds"])
            if emitted:
                g = char_ngrams(str(gold["claim"]))
                best = max(range(len(emitted)), key=lambda i: cosine(g, grams[i]))
                c = emitted[best]
                seen_in = c.get("seen_in")
                pred_new = bool(c.get("novel")) or (seen_in is not None and seen_in in article_ids)
                matched = str(c["text"])
            else:
                pred_new = bool(ver.get("novel"))
                matched = ""
            ok = pred_new == gold_new
            total += 1
            agree += ok
            if follow_up:
                fu_total += 1
                fu_agree += ok
            if not ok:
                disagreements.append(
                    {
                        "id": lab["id"],
                        "label_new": gold_new,
                        "claim": gold["claim"],
                        "matched": matched,
                    }
                )
    return {
        "overall": round(agree / total, 3) if total else 1.0,
        "claims": total,
        "follow_ups": round(fu_agree / fu_total, 3) if fu_total else 1.0,
        "follow_up_claims": fu_total,
        "disagreements": disagreements,
    }


def evaluate(labels: Sequence[Record], verdicts: Sequence[Record]) -> dict[str, Any]:
    """Every measure of the README, as one dict."""
    if len(labels) != len(verdicts):
        raise ValueError(f"{len(labels)} labelled records but {len(verdicts)} verdicts")
    return {
        "articles": len(labels),
        "relevance": relevance_measures(labels, verdicts),
        "seed_rehash": seed_rehash(labels, verdicts),
        "new_stories": new_stories(labels, verdicts),
        "same_event": same_event(labels, verdicts),
        "claims": claim_agreement(labels, verdicts),
    }
