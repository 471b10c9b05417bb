"""Stories are storylines: the same parties and the same matter, from first report to the end.

One lawsuit from complaint to ruling, appeal and settlement is one story; so is one demand and
the answers to it, or one deal. A different plaintiff against the same defendant is another
story. An article joins the best candidate story when the evidence is strong enough; otherwise
it starts a new story whose id derives from its own id (so a seed's story id is stable:
`story:<earliest seed file>`). Evidence, each in 0..1:

* parties: weighted cosine of the article's parties (the names it keeps coming back to, in
  order of salience, plus the kind of rights holder: authors, music publishers ...) against
  each member's; names common to many disputes (big AI developers, their products, countries,
  cities) weigh a quarter, so "Anthropic" alone does not tie the authors' suit to the music
  publishers' one;
* lead similarity: character n-gram cosine of title + lead against the members' titles and
  leads, above the similarity any two articles of this beat have anyway;
* claim support: share of the article's factual claims already known *from that story*;
* a conflict of parties: when each side's leading distinctive party (the plaintiff, the
  counterparty of a deal) is missing from the other, the article is about another matter.

Stage and date do not split a story: a settlement a year after the complaint is the same
storyline. `story_title` names a story after its parties and matter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.aliases import (
    AI_DEVELOPERS,
    BIG_DEVELOPERS,
    COURTS,
    DATA_SOURCES,
    JURISDICTIONS,
    PARTY_GROUPS,
    PARTY_KINDS,
    PLACES,
    PRODUCT_MAKERS,
    PRODUCTS,
    RULE_PARENTS,
    RULES,
    alias_names,
    canonical_entities,
)
from bot.analysis.memory import KnownStory
from bot.analysis.novelty import NgramCache, set_cosine
from bot.analysis.tokens import index_terms, words
from bot.analysis.wordlists import generic_name_words

# Party weights: a named rights holder or counterparty says most about the matter, the kind
# of rights holder ("authors") a little less, a big developer (the defendant of many suits)
# little, a product, country or city almost nothing.
W_NAMED = 1.0
W_KIND = 0.8
W_DEVELOPER = 0.35
W_MINOR = 0.15
SALIENCE_DECAY = 0.15  # the n-th party of an article weighs 1 / (1 + decay * n)
MAX_PARTIES = 8
CONFLICT_TOP = 3  # named parties of each side compared for a conflict
_KIND_NAMES = frozenset(k for k, _ in PARTY_KINDS) | frozenset(PARTY_GROUPS)
_MINOR = PLACES | JURISDICTIONS | PRODUCTS | DATA_SOURCES
# Capitalised words that head-line copy uses for things, not parties (besides the generic
# name words of bot/analysis/data/generic_name_words.txt).
NOT_PARTY: frozenset[str] = frozenset(
    {
        "pbc", "bill", "code", "website", "user", "users", "internet", "images", "brands",
        "collective", "commons", "technology", "mps", "opt-out", "opt-outs", "predatory",
        "publishers", "part", "article", "board", "data", "llm", "llms",
    }
)  # fmt: skip


@dataclass(frozen=True)
class StorySettings:
    candidates: int = 8
    join_at: float = 0.35
    w_parties: float = 0.6
    w_lead: float = 1.0
    lead_baseline: float = 0.3  # titles and leads on this beat share this much anyway
    w_claims: float = 0.5
    conflict: float = 0.3  # factor when the leading distinctive parties differ


@dataclass(frozen=True)
class StoryEvidence:
    story: KnownStory
    score: float
    claim_support: float
    lead_similarity: float
    party_similarity: float
    conflict: bool


@dataclass(frozen=True)
class StoryDecision:
    story_id: str
    duplicate_of: str | None
    evidence: StoryEvidence | None


def story_id_for(first_article_id: str) -> str:
    return f"story:{first_article_id}"


def party_weight(party: str) -> float:
    if party in PARTY_GROUPS:
        return W_NAMED
    if party in _KIND_NAMES:
        return W_KIND
    if party in BIG_DEVELOPERS:
        return W_DEVELOPER
    if party in _MINOR:
        return W_MINOR
    return W_NAMED


def _kinds(text: str) -> list[str]:
    return [kind for kind, pattern in PARTY_KINDS if re.search(pattern, text, re.IGNORECASE)]


def _generic(name: str) -> bool:
    """A capitalised span that names a kind of thing, not a party ("Federal", "Times", "Bill")."""
    toks = words(name)
    generic = generic_name_words()
    return name not in alias_names() and all(t in generic or t in NOT_PARTY for t in toks)


def article_parties(key_entities: Sequence[str], title: str, lead: str) -> tuple[str, ...]:
    """The parties of an article, most salient first: its key names (generic words dropped),
    then the kinds of rights holder its title and lead speak of ("authors", "music
    publishers")."""
    named: list[str] = []
    for e in key_entities:
        if _generic(e) or len(named) >= MAX_PARTIES:
            continue
        named.append(e)
        group = _group(e)
        if group is not None and group not in named:
            named.append(group)  # the coalition (the act of a code), as salient as its member
    kinds = [k for k in _kinds(f"{title}\n{lead}") if k not in named]
    return tuple(dict.fromkeys([*named, *kinds]))


def _group(party: str) -> str | None:
    """The coalition a rights holder belongs to, or the rule a rule is made under."""
    if party in RULE_PARENTS:
        return RULE_PARENTS[party]
    return next((g for g, members in PARTY_GROUPS.items() if party in members), None)


def party_terms(parties: Sequence[str]) -> tuple[str, ...]:
    """The index words of the parties' names: a second story look-up, so an article whose
    title shares no rare word with its story still meets the story of its parties."""
    return index_terms("", [p for p in parties if p not in _KIND_NAMES])


def _vector(parties: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for i, p in enumerate(parties):
        w = party_weight(p) / (1 + SALIENCE_DECAY * i)
        out[p] = max(out.get(p, 0.0), w)
    return out


def party_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted cosine of two party lists (salience order, common names weigh a quarter)."""
    va, vb = _vector(a), _vector(b)
    if not va or not vb:
        return 0.0
    dot = sum(w * vb[p] for p, w in va.items() if p in vb)
    if not dot:
        return 0.0
    na = math.sqrt(sum(w * w for w in va.values()))
    nb = math.sqrt(sum(w * w for w in vb.values()))
    return dot / (na * nb)


def named_parties(parties: Sequence[str], top: int = CONFLICT_TOP) -> set[str]:
    """Among the first `top` parties, those the alias table knows as organisations or people
    (not products, places or kinds): the names a conflict of parties is judged on."""
    return {p for p in parties[:top] if p in alias_names() and p not in _MINOR}


def parties_conflict(mine: Sequence[str], story_members: Sequence[Sequence[str]]) -> bool:
    """Whether the article and the story each lead with a known party the other never names,
    and share fewer than two: GEMA v. Suno is not GEMA v. OpenAI, the Times v. Perplexity is
    not Yomiuri's suit; one author's suit against several developers stays one matter."""
    theirs = [m for m in story_members if m]
    if not theirs:
        return False
    story_all = {p for m in theirs for p in m}
    mine_top = named_parties(mine)
    story_top = set().union(*(named_parties(m) for m in theirs))
    # a member of a group the other side names is no missing party (Shueisha and CODA)
    mine_missing = {p for p in mine_top if p not in story_all and _group(p) not in story_all}
    story_missing = {p for p in story_top if p not in mine and _group(p) not in mine}
    shared = {p for p in mine_top if p in story_all} | {p for p in story_top if p in mine}
    if not (mine_missing and story_missing and len(shared) < 2):
        return False
    # the same leading party (the standard, the rights holder), and what each side adds is
    # no other developer: later supporters of one standard, not a suit against someone else
    lead = _leading_named(mine)
    if lead is not None and all(_leading_named(m) == lead for m in theirs):
        return any(p in AI_DEVELOPERS for p in mine_missing | story_missing)
    return True


def _leading_named(parties: Sequence[str]) -> str | None:
    """The first party the alias table knows that is not a developer, product, place or kind."""
    return next(
        (p for p in parties if p in alias_names() and p not in _MINOR and p not in AI_DEVELOPERS),
        None,
    )


SAME_MATTER_PARTIES = 0.5  # party similarity from which two stories are one matter told twice


def same_matter(
    claim_entities: Sequence[str], parties: Sequence[str], story: KnownStory | None
) -> bool:
    """Whether a known claim of `story` can state the same fact as a claim (its names
    `claim_entities`) of an article with `parties` in another story: the claim names a party
    of that story that is not one of the article's own (the Yomiuri suit, mentioned in the
    Nikkei story), or the two stories have the same parties and no conflict."""
    if story is None:
        return False
    members = story.members or (story.entities,)
    theirs = {p for m in members for p in m if p in alias_names() and p not in _MINOR}
    if any(e in theirs and e not in parties for e in claim_entities):
        return True
    if parties_conflict(parties, members):
        return False
    return max((party_similarity(parties, m) for m in members), default=0.0) >= SAME_MATTER_PARTIES


def weigh(
    story: KnownStory,
    *,
    head_terms: tuple[str, ...],
    parties: Sequence[str],
    claim_support: float,
    settings: StorySettings,
    grams: NgramCache,
) -> StoryEvidence:
    mine = grams(head_terms)
    lead_sim = max((set_cosine(mine, grams(tuple(h.split()))) for h in story.heads), default=0.0)
    members = story.members or (story.entities,)
    party_sim = max((party_similarity(parties, m) for m in members), default=0.0)
    score = (
        settings.w_parties * party_sim
        + settings.w_lead * max(0.0, lead_sim - settings.lead_baseline)
        + settings.w_claims * claim_support
    )
    conflict = parties_conflict(parties, members)
    if conflict:
        score *= settings.conflict
    return StoryEvidence(story, score, claim_support, lead_sim, party_sim, conflict)


def decide(
    article_id: str, evidence: Sequence[StoryEvidence], settings: StorySettings
) -> StoryDecision:
    best = max(evidence, key=lambda e: e.score, default=None)
    if best is None or best.score < settings.join_at:
        return StoryDecision(story_id_for(article_id), None, best)
    return StoryDecision(best.story.story_id, best.story.first_source, best)


# ------------------------------------------------------------------ titles

TITLE_MAX = 90
CASE_NAME_CHARS = 900  # a case name ("Bartz v. Anthropic") is looked for in the lead only
_CASE_NAME = re.compile(
    r"(?<![\w.])((?:[A-Z][\w&'-]*\.?\s+){0,3}[A-Z][\w&'-]*)\s+vs?\.?\s+"
    r"([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,3})"
)
_CASE_SUFFIX = re.compile(r"\s+(?:PBC|Inc|Ltd|LLC|Corp|Co|Corporation|Limited|Plc|AG|GmbH)\.?$")
_NOT_PLAINTIFF = frozenset({"In", "The", "See", "Ors", "Others", "Re", "And", "But"})
_DEAL_CATEGORIES = frozenset({"licensing deal"})
_SUIT_CATEGORIES = frozenset({"lawsuit", "ruling", "settlement", "demand"})


def case_name(text: str, parties: Sequence[str]) -> str | None:
    """A case name in the lead whose defendant is one of the article's parties."""
    mine = set(parties)
    for m in _CASE_NAME.finditer(text[:CASE_NAME_CHARS]):
        left = m.group(1).split()
        while left and (left[0].rstrip(".") in _NOT_PLAINTIFF or left[0].endswith(".")):
            left = left[1:]  # sentence starts and the end of the sentence before
        right = _CASE_SUFFIX.sub("", m.group(2))
        if not left or left[-1] in _NOT_PLAINTIFF:
            continue
        if canonical_entities(right) & mine or right in mine:
            return f"{' '.join(left)} v. {right}"
    return None


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def story_title(parties: Sequence[str], category: str | None, title: str, text: str = "") -> str:
    """A human-readable name for a story from its first article: the case name when the lead
    gives one, else "rights holders v. developers" (a deal: "developer and partner deal"),
    with the product at issue; the headline when the parties do not say enough."""
    named = [
        p for p in parties if (p in alias_names() and p not in _MINOR | COURTS) or p in _KIND_NAMES
    ]
    rules = [p for p in named if p in RULES]
    named = [p for p in named if p not in RULES]
    makers = [PRODUCT_MAKERS[p] for p in parties if p in PRODUCT_MAKERS]
    developers = list(dict.fromkeys([p for p in named if p in AI_DEVELOPERS] + makers))[:2]
    holders = [p for p in named if p not in AI_DEVELOPERS and p not in _KIND_NAMES][:2]
    groups = [g for g in PARTY_GROUPS if g in parties]
    if groups and developers:
        holders = groups[:1]  # the coalition rather than whichever member came first
    if not holders:
        holders = [p for p in named if p in _KIND_NAMES][:1]
    products = [p for p in parties if p in PRODUCTS and p not in BIG_DEVELOPERS][:1]
    over = f" over {products[0]}" if products and developers else ""
    found = case_name(text, parties) if category in _SUIT_CATEGORIES or category is None else None
    if found:
        name = found
    elif category == "policy/regulation" and (rules or not (developers and holders)):
        name = rules[0] if rules else _headline(title, text)
    elif developers and holders and category in _DEAL_CATEGORIES:
        name = f"{developers[0]} and {holders[0]} deal"
    elif developers and holders:
        name = f"{_and(holders)} v. {_and(developers)}{over}"
    else:
        name = _headline(title, text)
    if len(name) > TITLE_MAX:
        cut = name[:TITLE_MAX].rsplit(" ", 1)[0]
        name = cut.rstrip(",;:-") + "…"
    return name[:1].upper() + name[1:]


def _headline(title: str, text: str) -> str:
    """The headline, or the text's first words when there is none."""
    head = re.sub(r"\s+", " ", title).strip()
    if head:
        return head
    return re.sub(r"\s+", " ", text).strip()[:TITLE_MAX] or "Untitled story"
