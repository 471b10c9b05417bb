"""Composes the analysis steps: relevance -> claims -> novelty -> story -> summary.

`Analyzer.analyze(article, memory)` returns the Verdict; `Analyzer.analyze_full` also returns the
`MemoryRecord` the caller stores afterwards (`memory.remember(record)` in memory, a transaction
in the live store). Seeds go through `analyze_seed`, which judges them against earlier seeds
the same way, so a seed's story id is stable and later retellings find it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.analysis.aliases import canonical_entities
from bot.analysis.claims import DATELINE, ExtractedClaim, extract_claims
from bot.analysis.entities import entities
from bot.analysis.memory import KnownClaim, Memory, MemoryRecord, StoredClaim, StoryQuery
from bot.analysis.novelty import (
    ClaimJudgement,
    NgramCache,
    NoveltySettings,
    claim_query,
    judge,
)
from bot.analysis.relevance import score_relevance
from bot.analysis.relevance_model import RelevanceModel, load_model
from bot.analysis.stories import (
    CASE_NAME_CHARS,
    StoryDecision,
    StorySettings,
    article_parties,
    decide,
    party_terms,
    same_matter,
    story_title,
    weigh,
)
from bot.analysis.summary import summarize
from bot.analysis.tokens import clean, index_terms, numbers, words
from bot.models import Article, Claim, Verdict

LEAD_CHARS = 400  # compared for story similarity
ENTITY_LEAD_CHARS = 600  # names of the parties are looked for a little further
MIN_TEXT_WORDS = 25
HEAD_TERMS = 80
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z]")
_ENGLISH_MARKERS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "by",
        "was",
        "it",
        "this",
        "are",
        "be",
        "has",
        "have",
        "from",
    ]
)
# Function words of the other languages news in Latin script comes in most often.
_FOREIGN_MARKERS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "den",
        "dem",
        "ein",
        "eine",
        "zu",
        "von",
        "auf",
        "für",
        "sich",
        "auch",
        "le",
        "la",
        "les",
        "des",
        "une",
        "est",
        "que",
        "qui",
        "dans",
        "pour",
        "pas",
        "sur",
        "au",
        "aux",
        "avec",
        "ce",
        "sont",
        "el",
        "los",
        "las",
        "del",
        "por",
        "una",
        "que",
        "con",
        "para",
        "es",
        "como",
        "más",
        "pero",
        "sus",
        "il",
        "di",
        "che",
        "della",
        "per",
        "sono",
        "una",
        "gli",
        "nel",
        "non",
        "o",
        "os",
        "da",
        "do",
        "das",
        "dos",
        "em",
        "um",
        "uma",
        "não",
        "com",
        "para",
        "het",
        "een",
        "van",
        "en",
        "niet",
        "zijn",
        "voor",
        "met",
        "op",
        "dat",
    ]
)


@dataclass(frozen=True)
class AnalysisSettings:
    relevance_threshold: float = 0.5
    novelty: NoveltySettings = field(default_factory=NoveltySettings)
    stories: StorySettings = field(default_factory=StorySettings)


@dataclass(frozen=True)
class SeedDocument:
    """One seed as the analysis needs it: raw article text, or a list of distilled claims."""

    seed_id: str
    title: str
    published: datetime | None = None
    text: str | None = None
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    verdict: Verdict
    record: MemoryRecord


def text_problem(text: str) -> str | None:
    """Why a text cannot be analysed (empty, binary, not English), or None if it is usable."""
    if not text.strip():
        return "empty text"
    raw = text[:20_000]
    controls = len(_CONTROL_CHARS.findall(raw))
    if controls > len(raw) / 100 or raw.count("\ufffd") > len(raw) / 50:
        return "binary or garbled text"
    sample = clean(raw)
    if not sample:
        return "empty text"
    letters = len(_LETTER.findall(sample))
    if letters / len(sample) < 0.5:
        return "binary or garbled text"
    latin = len(_LATIN.findall(sample))
    toks = words(sample)
    if len(toks) < MIN_TEXT_WORDS and latin / max(1, letters) >= 0.7:
        return f"too short to judge ({len(toks)} words)"
    if latin / max(1, letters) < 0.7:
        return "not English"
    english = sum(t in _ENGLISH_MARKERS for t in toks)
    foreign = sum(t in _FOREIGN_MARKERS and t not in _ENGLISH_MARKERS for t in toks)
    if foreign > max(english, len(toks) / 50):
        return "not English"
    return None


_DATELINE = DATELINE  # where the story was filed, not who is in it


def head_entities_of(title: str, lead: str) -> tuple[str, ...]:
    """Names in the title and lead. A title-cased headline gives only alias-table names, since
    every word of it is capitalised."""
    title_words = [w for w in title.split() if w[:1].isalpha()]
    capitalised = sum(w[0].isupper() for w in title_words)
    if title_words and capitalised / len(title_words) > 0.6:
        from_title: tuple[str, ...] = tuple(sorted(canonical_entities(title)))
    else:
        from_title = entities(title)
    return tuple(dict.fromkeys(from_title + entities(_DATELINE.sub("", lead, count=1))))


KEY_ENTITIES = 8


def key_entities(
    title_entities: Sequence[str], head_entities: Sequence[str], claims: Sequence[ExtractedClaim]
) -> tuple[str, ...]:
    """The parties an article is about: names it keeps coming back to. Each claim mentioning a
    name counts once, the title counts twice, the lead once; names mentioned only once drop
    out (film titles, datelines, outlets quoted in passing) unless too few names remain."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    order = 0
    for group, weight in ((title_entities, 2), (head_entities, 1)):
        for e in group:
            counts[e] += weight
            first.setdefault(e, order)
            order += 1
    for c in claims:
        for e in set(c.entities):
            counts[e] += 1
            first.setdefault(e, order)
            order += 1
    ranked = sorted(counts, key=lambda e: (-counts[e], first[e]))
    repeated = [e for e in ranked if counts[e] >= 3]
    chosen = repeated if len(repeated) >= 3 else ranked[:3]
    return tuple(chosen[:KEY_ENTITIES])


def _lead(text: str) -> str:
    return text[:LEAD_CHARS]


class Analyzer:
    WORD_CACHE_LIMIT = 50_000

    def __init__(
        self,
        settings: AnalysisSettings | None = None,
        relevance_model: RelevanceModel | None = None,
    ) -> None:
        self.settings = settings or AnalysisSettings()
        # the fitted relevance model; without one, the file shipped in the repository
        self.relevance_model = relevance_model or load_model()
        # n-grams of words seen in earlier analyses: a pure memo, bounded, per Analyzer
        self._word_grams: dict[str, frozenset[str]] = {}

    # -- public ------------------------------------------------------------------------------
    def analyze(self, article: Article, memory: Memory) -> Verdict:
        return self.analyze_full(article, memory).verdict

    def analyze_full(self, article: Article, memory: Memory) -> Analysis:
        title = clean(article.title or "")
        text = clean(article.text or "")
        problem = text_problem(article.text or "")
        if problem is not None:
            return self._irrelevant(article, title, f"not analysed: {problem}", (), 0.0, None)
        rel = score_relevance(title, text, self.relevance_model, self.settings.relevance_threshold)
        if not rel.relevant:
            return self._irrelevant(
                article, title, rel.reason, rel.signals, rel.score, rel.category
            )
        extracted = extract_claims(text, title=title)
        return self._judge(
            article_id=article.id,
            title=title,
            lead=_lead(text),
            entity_lead=text[:ENTITY_LEAD_CHARS],
            opening=text[:CASE_NAME_CHARS],
            published=article.published,
            category=rel.category,
            relevance=rel.score,
            signals=rel.signals,
            reason=rel.reason,
            extracted=extracted,
            memory=memory,
            is_seed=False,
        )

    def analyze_seed(self, seed: SeedDocument, memory: Memory) -> Analysis:
        title = clean(seed.title)
        if seed.claims:
            body = " ".join(clean(c) for c in seed.claims)
            extracted = [
                ExtractedClaim(clean(c), entities(clean(c)), numbers(clean(c)), i)
                for i, c in enumerate(seed.claims)
                if clean(c)
            ]
        else:
            body = clean(seed.text or "")
            extracted = extract_claims(body, loose=True)
        rel = score_relevance(title, body, self.relevance_model, 0.0)
        return self._judge(
            article_id=seed.seed_id,
            title=title,
            lead=_lead(body),
            entity_lead=body[:ENTITY_LEAD_CHARS],
            opening=body[:CASE_NAME_CHARS],
            published=seed.published,
            category=rel.category,
            relevance=rel.score,
            signals=rel.signals,
            reason="seed article",
            extracted=extracted,
            memory=memory,
            is_seed=True,
        )

    # -- steps -------------------------------------------------------------------------------
    def _irrelevant(
        self,
        article: Article,
        title: str,
        reason: str,
        signals: tuple[str, ...],
        score: float,
        category: str | None,
    ) -> Analysis:
        verdict = Verdict(
            article_id=article.id,
            relevant=False,
            relevance=score,
            category=None,
            signals=signals,
            story=None,
            duplicate_of=None,
            novel=False,
            claims=(),
            summary=summarize(
                relevant=False,
                reason=reason,
                claims=(),
                title=title,
                earliest=None,
                earliest_title=None,
            ),
            reason=reason,
        )
        record = MemoryRecord(
            article_id=article.id,
            title=title,
            lead="",
            published=article.published,
            relevant=False,
            is_seed=False,
            category=category,
            story=None,
            entities=(),
            terms=(),
        )
        return Analysis(verdict, record)

    def _judge(
        self,
        *,
        article_id: str,
        title: str,
        lead: str,
        entity_lead: str,
        opening: str,
        published: datetime | None,
        category: str | None,
        relevance: float,
        signals: tuple[str, ...],
        reason: str,
        extracted: list[ExtractedClaim],
        memory: Memory,
        is_seed: bool,
    ) -> Analysis:
        ns = self.settings.novelty
        if len(self._word_grams) > self.WORD_CACHE_LIMIT:
            self._word_grams.clear()
        grams = NgramCache(self._word_grams)
        judgements: list[ClaimJudgement] = []
        terms_of: list[tuple[str, ...]] = []
        candidates_of: list[Sequence[KnownClaim]] = []
        for c in extracted:
            query = claim_query(c.text, c.entities)
            terms_of.append(query.terms)
            cands = memory.candidates(query, ns.candidates)
            candidates_of.append(cands)
            judgements.append(judge(c, cands, ns, grams, query.terms))

        head = f"{title}\n{lead}"
        head_entities = head_entities_of(title, entity_lead)
        head_terms = index_terms(head, head_entities)[:HEAD_TERMS]
        key = key_entities(head_entities_of(title, ""), head_entities, extracted)
        parties = article_parties(key, title, lead)
        story = self._story(
            article_id,
            head_terms,
            parties,
            published,
            extracted,
            judgements,
            memory,
            grams,
        )
        # Known means the same fact: the same parties and matter. A known claim from another
        # story counts only when this claim names that story's parties, so "the court denied
        # the motion" of one suit is news in another, whatever words they share.
        judgements = self._rejudge(
            extracted, candidates_of, terms_of, judgements, story.story_id, parties, memory, grams
        )

        claims = tuple(
            Claim(
                text=c.text,
                novel=j.novel,
                entities=c.entities,
                numbers=c.numbers,
                seen_in=j.seen_in,
                closest=j.closest.text if j.closest else None,
                similarity=round(j.similarity, 3),
                quote=c.sentence or c.text,
            )
            for c, j in zip(extracted, judgements, strict=True)
        )
        starts_story = story.duplicate_of is None
        title_of_story = (
            story.evidence.story.title if story.evidence is not None and not starts_story else ""
        ) or story_title(parties, category, title, opening)
        # earlier coverage: where this story's known claims were first seen
        earlier = tuple(
            dict.fromkeys(
                j.seen_in
                for j in judgements
                if not j.novel and j.seen_in and j.seen_in_story == story.story_id
            )
        )
        novel = any(c.novel for c in claims) or (starts_story and not claims)
        earliest_title = (
            story.evidence.story.first_title if story.evidence and not starts_story else None
        )
        summary = summarize(
            relevant=True,
            reason=reason,
            claims=claims,
            title=title,
            earliest=story.duplicate_of,
            earliest_title=earliest_title,
        )
        verdict = Verdict(
            article_id=article_id,
            relevant=True,
            relevance=relevance,
            category=category,
            signals=signals,
            story=story.story_id,
            duplicate_of=story.duplicate_of,
            novel=novel,
            claims=claims,
            summary=summary,
            reason=reason if novel else f"{reason}; nothing new",
            story_title=title_of_story,
            earlier=earlier,
        )
        record = MemoryRecord(
            article_id=article_id,
            title=title,
            lead=lead,
            published=published,
            relevant=True,
            is_seed=is_seed,
            category=category,
            story=story.story_id,
            entities=parties,
            terms=head_terms,
            claims=tuple(StoredClaim(c.text, c.entities, c.numbers) for c in extracted),
            claim_terms=tuple(terms_of),
            story_title=title_of_story,
        )
        return Analysis(verdict, record)

    def _rejudge(
        self,
        extracted: list[ExtractedClaim],
        candidates_of: list[Sequence[KnownClaim]],
        terms_of: list[tuple[str, ...]],
        judgements: list[ClaimJudgement],
        story_id: str,
        parties: tuple[str, ...],
        memory: Memory,
        grams: NgramCache,
    ) -> list[ClaimJudgement]:
        # Fewer candidates can only make a claim newer, so a claim already new stays new and
        # only the known ones are judged again.
        others = sorted(
            {
                k.story
                for cands, j in zip(candidates_of, judgements, strict=True)
                if not j.novel
                for k in cands
                if k.story and k.story != story_id
            }
        )
        if not others:
            return judgements
        stories = {s.story_id: s for s in memory.stories(others)}
        out: list[ClaimJudgement] = []
        for c, cands, terms, j in zip(extracted, candidates_of, terms_of, judgements, strict=True):
            if j.novel:
                out.append(j)
                continue
            kept = [
                k
                for k in cands
                if k.story is None
                or k.story == story_id
                or same_matter(c.entities, parties, stories.get(k.story))
            ]
            if len(kept) == len(cands):
                out.append(j)
            else:
                out.append(judge(c, kept, self.settings.novelty, grams, terms))
        return out

    def _story(
        self,
        article_id: str,
        head_terms: tuple[str, ...],
        parties: tuple[str, ...],
        published: datetime | None,
        extracted: list[ExtractedClaim],
        judgements: list[ClaimJudgement],
        memory: Memory,
        grams: NgramCache,
    ) -> StoryDecision:
        ss = self.settings.stories
        # claim support counts factual claims (with a name or a number) only: commentary
        # sentences neither make nor break the identity of an event
        support: Counter[str] = Counter()
        factual = 0
        for c, j in zip(extracted, judgements, strict=True):
            if not (c.entities or c.numbers):
                continue
            factual += 1
            if not j.novel and j.closest is not None and j.closest.story is not None:
                support[j.closest.story] += 1
        candidates = list(memory.story_candidates(StoryQuery(head_terms, published), ss.candidates))
        # ... and the stories of its parties, which a title with other rare words would miss
        by_parties = memory.story_candidates(StoryQuery(party_terms(parties), published), 4)
        have = {c.story_id for c in candidates}
        candidates += [c for c in by_parties if c.story_id not in have]
        # the stories the article's known facts come from are candidates too, so a rewrite
        # under another headline still meets its story
        have = {c.story_id for c in candidates}
        missing = [s for s in support if s not in have]
        if missing:
            candidates += memory.stories(missing)
        evidence = [
            weigh(
                s,
                head_terms=head_terms,
                parties=parties,
                claim_support=support[s.story_id] / max(1, factual),
                settings=ss,
                grams=grams,
            )
            for s in candidates
        ]
        return decide(article_id, evidence, ss)


def seed_document_from_text(
    seed_id: str, raw: str, published: datetime | None = None
) -> SeedDocument:
    """A raw seed text as a SeedDocument: the first line is the headline when it reads like one
    (short, no closing full stop); otherwise the whole text is body and the title is its start."""
    raw = raw.replace("\r\n", "\n").strip()
    first, _, rest = raw.partition("\n")
    first = re.sub(r"\s+", " ", first).strip()
    if len(first.split()) <= 25 and not first.endswith((".", "!", "?")):
        return SeedDocument(seed_id=seed_id, title=first, published=published, text=rest)
    head = first[:120]
    cut = head.rfind(" ")
    title = (head[:cut] + "…") if len(first) > 120 and cut > 60 else head
    return SeedDocument(seed_id=seed_id, title=title, published=published, text=raw)


def verdict_to_dict(verdict: Verdict) -> dict[str, object]:
    """The `analyze` command's output line (issue 4 §6), as a JSON-ready dict."""
    return {
        "id": verdict.article_id,
        "relevant": verdict.relevant,
        "relevance": verdict.relevance,
        "category": verdict.category,
        "story": verdict.story,
        "story_title": verdict.story_title,
        "duplicate_of": verdict.duplicate_of,
        "novel": verdict.novel,
        "claims": [
            {"text": c.text, "novel": c.novel, "seen_in": c.seen_in} for c in verdict.claims
        ],
        "summary": verdict.summary,
    }
