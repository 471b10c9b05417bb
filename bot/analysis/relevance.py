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
from dataclasses import dataclass
from functools import cache

from bot.analysis.relevance_model import RelevanceModel, word_features

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
LEAD_CHARS = 500
SATURATION = 3.0  # weighted mentions for a family score of 1 - 1/e

AI_TERMS = (
    r"artificial intelligence",
    r"(?-i:AI)(?:-\w+)?",
    r"gen(?:erative)?[\s-]?ai",
    r"machine[\s-]learning",
    r"large language models?",
    r"(?-i:LLMs?)",
    r"chatbots?",
    r"foundation models?",
    r"text-to-(?:image|video|speech|music)",
    r"image[\s-]generat(?:or|ors|ion)",
    r"video[\s-]generat(?:or|ors|ion)",
    r"open\s?ai",
    r"chat\s?gpt",
    r"gpt-?\d\w*",
    r"anthropic",
    r"claude",
    r"stability ai",
    r"stable diffusion",
    r"midjourney",
    r"suno",
    r"udio",
    r"perplexity",
    r"cohere",
    r"mistral ai",
    r"gemini",
    r"copilot",
    r"llama",
    r"sora",
    r"dall-?e",
    r"deepseek",
    r"(?-i:xAI)",
    r"grok",
    r"elevenlabs",
    r"character\.ai",
    r"neural networks?",
)
TRAINING_TERMS = (
    r"train(?:s|ed|ing)?\s+(?:on|with|its|their|the|an?|ai|models?|chatbots?|llms?)",
    r"to\s+train",
    r"training\s+(?:data|sets?|datasets?|materials?|corpus|practices|process|purposes)",
    r"(?:ai|model|machine[\s-]learning)\s+training",
    r"used\s+(?:\w+\s+){0,4}(?:to\s+train|for\s+training|as\s+training|in\s+training)",
    r"data\s?sets?",
    r"text[\s-]and[\s-]data[\s-]mining",
    r"data[\s-]mining",
    r"(?-i:TDM)",
    r"scrap(?:e|es|ed|ing|er|ers)",
    r"crawl(?:er|ers|ing|ed)?",
    r"robots\.txt",
    r"opt(?:ed|ing|s)?[\s-]?(?:out|in)",
    r"ingest(?:s|ed|ing)?",
    r"harvest(?:s|ed|ing)?",
    r"learn(?:s|ed|ing)?\s+from",
    r"fed\s+(?:in)?to",
    r"machine\s+learning\s+data",
    r"pirated\s+(?:books|works|copies)",
    r"shadow\s+librar(?:y|ies)",
    r"books3|libgen|library genesis",
    r"licen[cs](?:e|es|ed|ing)\s+(?:\w+\s+){0,3}(?:archive|content|catalog(?:ue)?|library|data|stories|articles|lyrics)",
    r"(?:archive|content|data)\s+licen[cs]ing",
)
UNAUTHORISED_USE_TERMS = (
    r"copyright\s+infringement",
    r"infring(?:e|es|ed|ing)\s+(?:\w+\s+){0,2}(?:copyrights?|works|rights)",
    r"copyrighted\s+(?:works?|material|materials|content|books|articles|images|photos|"
    r"songs|lyrics|characters|music|recordings)",
    r"unauthori[sz]ed\s+(?:use|copying|reproduction)",
    r"(?:use|used|using|copy|copied|copying)\s+(?:\w+\s+){0,3}without\s+(?:\w+\s+)?"
    r"(?:permission|consent|authori[sz]ation|a\s+licen[cs]e|licen[cs]ing|payment|paying)",
)
DISPUTE_TERMS = (
    r"copyright(?:s|ed)?",
    r"infring(?:e|es|ed|ing|ement|ements)",
    r"fair\s+use",
    r"licen[cs](?:e|es|ed|ing|sor|sors)",
    r"without\s+(?:\w+\s+)?(?:permission|consent|authori[sz]ation|compensation|payment)",
    r"permission",
    r"consent",
    r"unlawful(?:ly)?",
    r"illegal(?:ly)?",
    r"rights?[\s-]holders?",
    r"intellectual\s+property",
    r"terms\s+of\s+(?:service|use)",
    r"royalt(?:y|ies)",
    r"compensat(?:e|ion)",
    r"lawsuits?",
    r"su(?:e|es|ed|ing)",
    r"class[\s-]action",
    r"plaintiffs?",
    r"settle(?:s|d|ment|ments)?",
    r"ruling|ruled",
    r"judge",
    r"court",
    r"(?:demand|demands|demanded)",
    r"cease",
    r"collecting\s+societ(?:y|ies)|collective\s+management",
    # crawler fights
    r"block(?:s|ed|ing)?",
    r"robots\.txt",
    r"pay[\s-]per[\s-]crawl",
    r"opt(?:ed|ing|s)?[\s-]?out",
)
NEGATIVE_TERMS: dict[str, tuple[str, ...]] = {
    "output copyrightability": (
        r"copyright\s+registration",
        r"regist(?:er|ered|ration|rability|rable)",
        r"human\s+author(?:s|ship)?",
        r"(?:can(?:no|')t|not|cannot)\s+be\s+copyrighted",
        r"copyrightab(?:le|ility)",
        r"creativity\s+machine",
        r"thaler",
        r"ai-generated\s+(?:works?|art|images?)\s+(?:\w+\s+){0,3}(?:protect|copyright)",
    ),
    "earnings or funding": (
        r"revenue",
        r"earnings",
        r"quarter(?:ly)?",
        r"net\s+income",
        r"shareholders?",
        r"valuation",
        r"funding\s+round",
        r"rais(?:es|ed|ing)\s+(?:\w+\s+){0,2}\$[\d.,]+\s*(?:[mb]n?|million|billion)",
        r"investors?",
        r"stock",
    ),
    "product launch": (
        r"launch(?:es|ed|ing)?",
        r"rolls?\s+out|rolled\s+out|rollout",
        r"app\s+store|play\s+store",
        r"downloads?",
        r"invite\s+codes?",
        r"available\s+(?:to|in|on|for)",
    ),
    "AI safety": (
        r"ai\s+safety",
        r"safety\s+(?:bill|law|testing|protocols?|framework)",
        r"catastrophic",
        r"frontier\s+(?:ai|models?)",
        r"whistleblowers?",
        r"kill\s+switch",
    ),
    "piracy liability": (
        r"(?-i:ISPs?)",
        r"internet\s+(?:service\s+)?providers?",
        r"subscribers",
        r"repeat\s+infringers",
        r"bittorrent|torrent",
    ),
    "chatbot safety": (
        r"suicid(?:e|es|al)",
        r"self[\s-]harm",
        r"wrongful\s+death",
        r"mental\s+health",
        r"teen(?:s|ager|agers|age)?",
        r"minors",
        r"child\s+safety",
        r"parental\s+controls?",
    ),
    "antitrust": (
        r"antitrust",
        r"anti-?competitive",
        r"monopol(?:y|ies|ist|istic|i[sz]e|i[sz]ing)",
        r"competition\s+(?:law|authority|regulators?|watchdog)",
    ),
    "likeness or deepfakes": (
        r"deep\s?fakes?",
        r"likeness(?:es)?",
        r"digital\s+replicas?",
        r"no\s+fakes",
        r"right\s+of\s+publicity",
        r"impersonat(?:e|es|ed|ion|ing)",
        r"voice\s+clon(?:e|es|ing)",
    ),
    "chips or compute": (
        r"export\s+controls?",
        r"chips?",
        r"semiconductors?",
        r"(?-i:GPUs?)",
        r"data\s+cent(?:er|re)s?",
        r"cloud\s+(?:computing|deal|contract|capacity|services)",
        r"compute",
        r"gigawatts?",
    ),
    "privacy": (
        r"personal\s+data",
        r"(?-i:GDPR)",
        r"data\s+protection\s+(?:authority|regulator|watchdog)",
        r"privacy\s+(?:watchdog|regulator|authority|law|violations?)",
        r"biometric",
    ),
}
OWNER_TERMS = (
    r"publish(?:er|ers|ing)",
    r"newspapers?",
    r"news\s+(?:organi[sz]ations?|outlets?|publishers?|media|sites?|agenc(?:y|ies)|content)",
    r"media\s+(?:companies|company|groups?|outlets?|organi[sz]ations?)",
    r"journalis(?:m|ts?)",
    r"authors?",
    r"writers?",
    r"novelists?",
    r"artists?",
    r"illustrators?",
    r"photographers?",
    r"musicians?",
    r"songwriters?",
    r"(?:record|music)\s+labels?",
    r"studios?",
    r"creators?",
    r"rights?[\s-]holders?",
    r"copyright\s+(?:owners?|holders?)",
    r"archives?",
    r"articles",
    r"content",
    r"catalog(?:ue)?s?",
    r"books",
    r"lyrics",
)
DEAL_TERMS = (
    r"deals?",
    r"partner(?:s|ship|ships|ing|ed)?",
    r"agreements?",
    r"licen[cs](?:e|es|ed|ing)",
    r"pa(?:y|ys|ying|id)",
    r"revenue[\s-]shar(?:e|ing)",
    r"compensat(?:e|es|ed|ing|ion)",
    r"multi-?year",
    r"inks?|inked|signs?|signed",
    r"marketplace",
)
RULE_TERMS = (
    r"(?:ai|eu)\s+act",
    r"code\s+of\s+practice",
    r"consultation",
    r"bill",
    r"legislation",
    r"lawmakers",
    r"parliament|congress|senate|lords|commons",
    r"regulat(?:ion|ions|ors?|ory|e|es)",
    r"exception",
    r"transparency",
    r"disclos(?:e|ure|ures)",
    r"copyright\s+office",
    r"register\s+of\s+copyrights",
    r"government",
    r"ministers?|ministry",
)
CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    "ruling": (
        r"rul(?:ed|es|ing)",
        r"verdict",
        r"judg(?:e|ment)\s+(?:\w+\s+){0,3}(?:ordered|found|sided|rejected|denied|dismissed|granted)",
        r"court\s+(?:\w+\s+){0,2}(?:found|sided|ordered|orders|rejected|dismissed|decided)",
        r"orders?\s+(?:\w+\s+){0,3}to\s+(?:produce|release|turn\s+over|hand\s+over|pay)",
        r"must\s+(?:produce|turn\s+over|hand\s+over|pay)",
        r"(?:granted|grants|issued|issues)\s+(?:\w+\s+){0,2}injunction",
        r"(?:throws?|threw|thrown|tosse[sd]?)\s+out",
        r"dismiss(?:es|ed)\s+(?:\w+\s+){0,3}(?:claims?|case|lawsuit|suit)",
        r"wins?\s+(?:\w+\s+){0,4}(?:case|ruling|lawsuit)",
        r"landmark\s+(?:decision|case)",
    ),
    "settlement": (r"settle(?:s|d|ment|ments)?", r"agreed\s+to\s+pay"),
    "lawsuit": (
        r"su(?:e|es|ed|ing)",
        r"lawsuits?",
        r"complaint",
        r"class[\s-]action",
        r"fil(?:e|es|ed|ing)\s+(?:\w+\s+){0,2}(?:suit|lawsuit|case|claim|complaint)",
        r"suits?",
        r"accus(?:es|ed|ing)",
    ),
    "licensing deal": (
        r"deals?",
        r"(?:licensing|content)\s+(?:agreement|partnership|deal)",
        r"partnership",
        r"signs?|signed",
        r"licen[cs]e\s+(?:\w+\s+){0,3}(?:archive|content|library)",
    ),
    "demand": (
        r"demand(?:s|ed)?",
        r"letter",
        r"urg(?:e|es|ed)",
        r"calls?\s+on|called\s+on",
        r"cease",
        r"request(?:s|ed)?",
    ),
    "policy/regulation": (
        r"consultation",
        r"regulat(?:ion|ions|or|ors|ory)",
        r"legislation",
        r"lawmakers|parliament|congress",
        r"bill",
        r"(?:ai\s+)?act",
        r"government",
        r"ministry|minister",
        r"code\s+of\s+practice",
        r"exception",
        r"guidance",
    ),
    "scraping/opt-out": (
        r"scrap(?:e|es|ed|ing|er|ers)",
        r"crawl(?:er|ers|ing)",
        r"robots\.txt",
        r"opt(?:ed|ing|s)?[\s-]?(?:out|in)",
        r"block(?:s|ed|ing)?\s+(?:\w+\s+){0,2}(?:bots?|crawlers?)",
    ),
}
# tie-break: the more specific event wins
CATEGORY_ORDER = (
    "ruling",
    "settlement",
    "lawsuit",
    "licensing deal",
    "demand",
    "policy/regulation",
    "scraping/opt-out",
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
    ai_w, ai_hits = _weighted(_family(AI_TERMS), title, lead, body)
    td_w, td_hits = _weighted(_family(TRAINING_TERMS), title, lead, body)
    dp_w, dp_hits = _weighted(_family(DISPUTE_TERMS), title, lead, body)
    # Unauthorised use of works, said of an AI firm, is use of its inputs even when the
    # article never says "training": it counts as half a training-data mention.
    use_w, use_hits = _weighted(_family(UNAUTHORISED_USE_TERMS), title, lead, body)
    td_w += 0.5 * use_w
    own_w, own_hits = _weighted(_family(OWNER_TERMS), title, lead, body)
    deal_w, _ = _weighted(_family(DEAL_TERMS), title, lead, body)
    rule_w, _ = _weighted(_family(RULE_TERMS), title, lead, body)
    found = [f"ai-term: {h}" for h in _top(ai_hits)]
    found += [f"training-data-term: {h}" for h in _top(td_hits)]
    found += [f"use-of-works-term: {h}" for h in _top(use_hits, 1)]
    found += [f"dispute-term: {h}" for h in _top(dp_hits)]
    found += [f"owner-term: {h}" for h in _top(own_hits, 1)]
    # A look-alike word inside a longer on-topic term ("revenue" in "revenue-sharing",
    # "Register" in "Register of Copyrights") is that term, not the look-alike topic.
    on_topic = _spans(
        (TRAINING_TERMS, DISPUTE_TERMS, OWNER_TERMS, DEAL_TERMS, RULE_TERMS), title, lead, body
    )
    negatives: list[tuple[str, float]] = []
    for name, terms in NEGATIVE_TERMS.items():
        neg_w, neg_hits = _weighted(_family(terms), title, lead, body, on_topic)
        negatives.append((name, neg_w))
        if neg_w > td_w + 0.5 * own_w:
            # another topic outweighs the evidence of use of works
            found.append(f"negative: {name} ({', '.join(_top(neg_hits))})")
    ai_h, td_h, dp_h, own_h, deal_h, rule_h = (
        _head(_family(terms), title, lead)
        for terms in (AI_TERMS, TRAINING_TERMS, DISPUTE_TERMS, OWNER_TERMS, DEAL_TERMS, RULE_TERMS)
    )
    td_h += 0.5 * _head(_family(UNAUTHORISED_USE_TERMS), title, lead)
    head = (ai_h, td_h, dp_h, own_h, deal_h, rule_h)
    head_negatives = tuple(
        (name, _head(_family(terms), title, lead, on_topic))
        for name, terms in NEGATIVE_TERMS.items()
    )
    category = None
    best = 0.0
    for cat in CATEGORY_ORDER:
        w, _ = _weighted(_family(CATEGORY_TERMS[cat]), title, lead, body)
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
