"""Relevance: is an article about an AI training-data dispute?

The hand-made half of the relevance model: families of terms counted in title, lead and body
(title and lead weigh more). An article is on topic when it is about (1) AI systems or their
makers, (2) the use of other people's works or data by them (training, scraping, crawling,
text-and-data mining, opt-in/opt-out, content licensing; or the owners of the works:
publishers, authors, artists, labels), and (3) a right or rule over that use (copyright,
licences, lawsuits, rulings, demands, deals, laws). The topic is a conjunction, so the
signals handed to the model are products of the families.

Look-alike topics named by the scope's exclusions (who owns AI *output*, likeness and
deepfakes, chatbot-safety suits, launches, earnings and funding, chips and compute, antitrust,
privacy, AI safety bills, ISP piracy) scale every product down when they outweigh the evidence
of use of works; the power of that penalty is fitted with the model.

`score_relevance` combines these signals with word features through the fitted model
(bot/analysis/relevance_model.py) and explains the verdict: the score, the features that moved
it most, and the terms found.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.analysis.relevance_model import RelevanceModel, word_features

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
LEAD_CHARS = 500
SATURATION = 3.0  # weighted mentions for a family score of 1 - 1/e

TERMS_FILE = Path(__file__).with_name("data") / "relevance_terms.toml"
# the conjunctions that make an article on topic, each one enough; their maximum is a signal
SCOPE_PRODUCTS = ("ai×training×dispute", "ai×owners×dispute", "ai×owners×deal", "ai×training×rules")
ANY_SCOPE, HEAD_ANY_SCOPE = "s:any scope", "s:head any scope"


@dataclass(frozen=True)
class TermLists:
    """The term families of data/relevance_terms.toml (regular expressions, in order)."""

    ai: tuple[str, ...]
    training: tuple[str, ...]
    unauthorised_use: tuple[str, ...]
    dispute: tuple[str, ...]
    owner: tuple[str, ...]
    deal: tuple[str, ...]
    rule: tuple[str, ...]
    negatives: dict[str, tuple[str, ...]]  # look-alike topic -> its terms
    categories: dict[str, tuple[str, ...]]  # category -> its terms
    category_order: tuple[str, ...]  # tie-break: the more specific event wins


@cache
def term_lists() -> TermLists:
    """Read once, at first use."""
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    fam = {k: tuple(v) for k, v in data["families"].items()}
    return TermLists(
        **fam,
        negatives={k: tuple(v) for k, v in data["negatives"].items()},
        categories={k: tuple(v) for k, v in data["categories"].items()},
        category_order=tuple(data["category_order"]["order"]),
    )


@dataclass(frozen=True)
class Relevance:
    score: float
    relevant: bool
    category: str | None
    signals: tuple[str, ...]
    reason: str


@cache
def _family(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(terms) + r")(?![\w])", re.IGNORECASE)


Spans = tuple[tuple[int, int], ...]


def _inside(span: tuple[int, int], longer: Spans) -> bool:
    a, b = span
    return any(x <= a and b <= y and y - x > b - a for x, y in longer)


def _weighted(
    pattern: re.Pattern[str],
    title: str,
    lead: str,
    body: str,
    within: tuple[Spans, Spans, Spans] = ((), (), ()),
) -> tuple[float, list[str]]:
    """Weighted mentions of `pattern`; a match inside a longer term of `within` (the same
    part's spans) is part of that term, not a mention of its own."""
    total = 0.0
    hits: list[str] = []
    parts = ((title, TITLE_WEIGHT), (lead, LEAD_WEIGHT), (body, BODY_WEIGHT))
    for (part, weight), longer in zip(parts, within, strict=True):
        for m in pattern.finditer(part):
            if longer and _inside(m.span(), longer):
                continue
            total += weight
            hits.append(m.group(0))
    return total, hits


def _head(
    pattern: re.Pattern[str],
    title: str,
    lead: str,
    within: tuple[Spans, Spans, Spans] = ((), (), ()),
) -> float:
    """Weighted mentions in the title and lead only: what the article is mainly about."""
    return _weighted(pattern, title, lead, "", within)[0]


def _spans(
    families: tuple[tuple[str, ...], ...], title: str, lead: str, body: str
) -> tuple[Spans, Spans, Spans]:
    def spans(part: str) -> Spans:
        return tuple(m.span() for terms in families for m in _family(terms).finditer(part))

    return spans(title), spans(lead), spans(body)


def _saturate(x: float) -> float:
    return 1.0 - math.exp(-x / SATURATION)


def _top(hits: list[str], n: int = 2) -> list[str]:
    counts: dict[str, int] = {}
    for h in hits:
        key = re.sub(r"\s+", " ", h.strip())
        counts[key] = counts.get(key, 0) + 1
    return [k for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:n]]


@dataclass(frozen=True)
class HandSignals:
    """The hand-made evidence: weighted mentions of each family, and what was found."""

    ai: float
    training: float
    dispute: float
    use_of_works: float
    owners: float  # the people and firms whose works are used: publishers, authors, artists
    deal: float  # deals, licences, payment
    rules: float  # laws, bills, regulators, codes
    negatives: tuple[tuple[str, float], ...]  # (family, weighted mentions)
    category: str | None
    found: tuple[str, ...]  # readable hits, for `why`
    # the same families in the title and lead only (ai, training, dispute, owners, deal,
    # rules), and the look-alikes there: the article's main subject rather than its asides
    head: tuple[float, float, float, float, float, float] = (0.0,) * 6
    head_negatives: tuple[tuple[str, float], ...] = ()

    @property
    def evidence(self) -> float:
        """Evidence that works are used: training-data terms, and half the owners of works."""
        return self.training + 0.5 * self.owners

    def penalty(self, power: float) -> float:
        """1, or less for each look-alike topic that outweighs the evidence of use of works;
        `power` (fitted, see bot/evaluation/fit.py) is how hard that counts."""
        factor = 1.0
        for _, w in self.negatives:
            if w > self.evidence:
                factor *= (self.evidence / w) ** power
        return factor

    def features(self, power: float) -> dict[str, float]:
        """The signals as model features in [0, 1] (bot/analysis/relevance_model.py)."""
        ai, td, dp = _saturate(self.ai), _saturate(self.training), _saturate(self.dispute)
        owners, deal, rules = _saturate(self.owners), _saturate(self.deal), _saturate(self.rules)
        pen = self.penalty(power)
        # The topic is a conjunction (AI, and the use of works, and a right or rule over it),
        # so the features are products; each carries the look-alike penalty, so that a topic
        # the training data never showed still counts against an article.
        f = {
            "s:ai×training×dispute": (ai * td * dp) ** (1 / 3) * pen,
            "s:ai×owners×dispute": (ai * owners * dp) ** (1 / 3) * pen,
            "s:ai×owners×deal": (ai * owners * deal) ** (1 / 3) * pen,
            "s:ai×training×rules": (ai * td * rules) ** (1 / 3) * pen,
            "s:ai×training": (ai * td) ** 0.5 * pen,
            # the former hand-made score: all three families, and the penalty
            "s:hand-score": (ai * td * dp) ** (1 / 3) * pen,
        }
        for name, w in self.negatives:
            # how far the other topic outweighs the evidence of use of works
            f[f"s:negative {name}"] = w / (w + self.evidence) if w else 0.0
        # A suit, demand or ruling against an AI firm, whatever it is over (the penalty
        # keeps the look-alike suits down).
        f["s:ai×dispute"] = (ai * dp) ** 0.5 * pen
        f.update(self._head_features(power))
        # The scope is a disjunction of the conjunctions above (a suit, a demand, a rule or a
        # deal over the use of works), so any one of them is also evidence on its own: what
        # the fit learns from the kinds of story its streams have many of carries over to
        # the kinds it saw few of (deals, for a fit without the licensing stream).
        f[ANY_SCOPE] = max(f["s:" + p] for p in SCOPE_PRODUCTS)
        f[HEAD_ANY_SCOPE] = max(f["s:head " + p] for p in SCOPE_PRODUCTS)
        return f

    def _head_features(self, power: float) -> dict[str, float]:
        """The conjunctions again, counted in the title and lead only, with their own
        penalty: whether the topic is the article's main subject or an aside in its body."""
        ai, td, dp, owners, deal, rules = (_saturate(x) for x in self.head)
        evidence = self.head[1] + 0.5 * self.head[3]
        pen = 1.0
        for _, w in self.head_negatives:
            if w > evidence:
                pen *= (evidence / w) ** power
        f = {
            "s:head ai×training×dispute": (ai * td * dp) ** (1 / 3) * pen,
            "s:head ai×owners×dispute": (ai * owners * dp) ** (1 / 3) * pen,
            "s:head ai×owners×deal": (ai * owners * deal) ** (1 / 3) * pen,
            "s:head ai×training×rules": (ai * td * rules) ** (1 / 3) * pen,
            "s:head ai×dispute": (ai * dp) ** 0.5 * pen,
        }
        worst = max((w for _, w in self.head_negatives), default=0.0)
        f["s:head look-alike"] = worst / (worst + evidence) if worst else 0.0
        return f


def hand_signals(title: str, text: str) -> HandSignals:
    """The term families of this module, counted in `title` + `text` (clean plain text)."""
    lead, body = text[:LEAD_CHARS], text[LEAD_CHARS:]
    t = term_lists()
    ai_w, ai_hits = _weighted(_family(t.ai), title, lead, body)
    td_w, td_hits = _weighted(_family(t.training), title, lead, body)
    dp_w, dp_hits = _weighted(_family(t.dispute), title, lead, body)
    # Unauthorised use of works, said of an AI firm, is use of its inputs even when the
    # article never says "training": it counts as half a training-data mention.
    use_w, use_hits = _weighted(_family(t.unauthorised_use), title, lead, body)
    td_w += 0.5 * use_w
    own_w, own_hits = _weighted(_family(t.owner), title, lead, body)
    deal_w, _ = _weighted(_family(t.deal), title, lead, body)
    rule_w, _ = _weighted(_family(t.rule), title, lead, body)
    found = [f"ai-term: {h}" for h in _top(ai_hits)]
    found += [f"training-data-term: {h}" for h in _top(td_hits)]
    found += [f"use-of-works-term: {h}" for h in _top(use_hits, 1)]
    found += [f"dispute-term: {h}" for h in _top(dp_hits)]
    found += [f"owner-term: {h}" for h in _top(own_hits, 1)]
    # A look-alike word inside a longer on-topic term ("revenue" in "revenue-sharing",
    # "Register" in "Register of Copyrights") is that term, not the look-alike topic.
    on_topic = _spans((t.training, t.dispute, t.owner, t.deal, t.rule), title, lead, body)
    negatives: list[tuple[str, float]] = []
    for name, terms in t.negatives.items():
        neg_w, neg_hits = _weighted(_family(terms), title, lead, body, on_topic)
        negatives.append((name, neg_w))
        if neg_w > td_w + 0.5 * own_w:
            # another topic outweighs the evidence of use of works
            found.append(f"negative: {name} ({', '.join(_top(neg_hits))})")
    ai_h, td_h, dp_h, own_h, deal_h, rule_h = (
        _head(_family(terms), title, lead)
        for terms in (t.ai, t.training, t.dispute, t.owner, t.deal, t.rule)
    )
    td_h += 0.5 * _head(_family(t.unauthorised_use), title, lead)
    head = (ai_h, td_h, dp_h, own_h, deal_h, rule_h)
    head_negatives = tuple(
        (name, _head(_family(terms), title, lead, on_topic)) for name, terms in t.negatives.items()
    )
    category = None
    best = 0.0
    for cat in t.category_order:
        w, _ = _weighted(_family(t.categories[cat]), title, lead, body)
        if w > best:
            best, category = w, cat
    return HandSignals(
        ai=ai_w,
        training=td_w,
        dispute=dp_w,
        use_of_works=use_w,
        owners=own_w,
        deal=deal_w,
        rules=rule_w,
        negatives=tuple(negatives),
        category=category,
        found=tuple(found),
        head=head,
        head_negatives=head_negatives,
    )


def relevance_features(
    title: str, text: str, penalty_power: float
) -> tuple[HandSignals, dict[str, float]]:
    """Everything the model looks at; the fitting uses exactly this too."""
    signals = hand_signals(title, text)
    features = word_features(title, text)
    features.update(signals.features(penalty_power))
    return signals, features


def _describe(feature: str, contribution: float) -> str:
    kind, _, name = feature.partition(":")
    label = {"t": "title word", "w": "word", "s": "signal"}.get(kind, kind)
    return f"{label} '{name}' {contribution:+.2f}"


def score_relevance(
    title: str, text: str, model: RelevanceModel, threshold: float = 0.5
) -> Relevance:
    """Score `title` + `text` (clean plain text) with the fitted `model`; `threshold` decides."""
    signals, features = relevance_features(title, text, model.penalty_power)
    score = round(model.probability(features), 3)
    relevant = score >= threshold
    explained = [_describe(k, c) for k, c in model.strongest(features)]
    category = signals.category if relevant or score > 0.05 else None
    shown = (*explained, *signals.found) + ((f"category: {category}",) if category else ())
    if relevant:
        reason = f"on topic (score {score:.2f} ≥ {threshold:.2f})"
    else:
        missing = [
            name
            for name, w in (
                ("AI", signals.ai),
                ("training data", signals.training),
                ("rights or dispute", signals.dispute),
            )
            if w == 0
        ]
        reason = f"not on topic: score {score:.2f} < {threshold:.2f}"
        if missing:
            reason += f" (no {', no '.join(missing)} terms)"
    return Relevance(score, relevant, category, shown, reason)
