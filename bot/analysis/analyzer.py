"""Composes the analysis steps: relevance -> claims -> novelty -> story -> summary.

`Analyzer.analyze(article, memory)` returns the Verdict; `Analyzer.analyze_full` also returns the
`MemoryRecord` the caller stores afterwards (`memory.remember(record)` in memory, a transaction
in the live store). Seeds go through `analyze_seed`, which judges them against earlier seeds
the same way, so a seed's story id is stable and later retellings find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.analysis.article_names import head_entities_of, key_entities
from bot.analysis.claims import (
    ExtractedClaim,
    Sentence,
    extract_claims,
    split_sentences,
    without_headline,
)
from bot.analysis.entities import entities
from bot.analysis.japanese import english_terms, spaced
from bot.analysis.japanese_claims import (
    JapaneseClaim,
    assess_japanese,
    extract_japanese_claims,
    japanese_query,
    reassess_across_stories_ja,
)
from bot.analysis.language import ENGLISH, JAPANESE, check_text
from bot.analysis.memory import KnownClaim, Memory, MemoryRecord, StoredClaim
from bot.analysis.novelty import (
    ClaimAssessment,
    NgramCache,
    NoveltySettings,
    assess_claim,
    claim_query,
)
from bot.analysis.reassess import reassess_across_stories
from bot.analysis.relevance import score_relevance
from bot.analysis.relevance_model import RelevanceModel, load_model
from bot.analysis.stories import CASE_NAME_CHARS, StorySettings, article_parties, story_title
from bot.analysis.story_search import find_story
from bot.analysis.summary import summarize
from bot.analysis.tokens import clean, index_terms, numbers, words
from bot.models import Article, Claim, Verdict

LEAD_CHARS = 400  # compared for story similarity
ENTITY_LEAD_CHARS = 600  # names of the parties are looked for a little further
HEAD_TERMS = 80


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


def background_sentences(
    sentences: Sequence[Sentence], claims: Sequence[ExtractedClaim]
) -> list[ExtractedClaim]:
    """The article's other statements, remembered beside its claims but never shown: a later
    article that repeats a fact stated here only in passing (no name, a hedge, a quote) then
    finds it, and calls it known, seen first here."""
    said = {" ".join(words(c.sentence or c.text)) for c in claims} | {
        " ".join(words(c.text)) for c in claims
    }
    return [
        c
        for c in extract_claims("", loose=True, sentences=sentences)
        if " ".join(words(c.text)) not in said
    ]


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
        checked = check_text(article.text or "")
        language = checked.language
        if checked.problem is not None:
            return self._irrelevant(
                article, title, f"not analysed: {checked.problem}", (), 0.0, None, language
            )
        if language == JAPANESE:
            return self._japanese(article, title, text, memory)
        rel = score_relevance(title, text, self.relevance_model, self.settings.relevance_threshold)
        if not rel.relevant:
            return self._irrelevant(
                article, title, rel.reason, rel.signals, rel.score, rel.category
            )
        sentences = split_sentences(without_headline(text, title) if title else text)
        extracted = extract_claims(text, title=title, sentences=sentences)
        return self._assess(
            background=background_sentences(sentences, extracted),
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

    def _japanese(self, article: Article, title: str, text: str, memory: Memory) -> Analysis:
        """A Japanese article: relevance over its words (spaced apart), claims compared with
        earlier claims in any language on parties, numbers and events (japanese_claims.py)."""
        rel = score_relevance(
            spaced(title), spaced(text), self.relevance_model, self.settings.relevance_threshold
        )
        if not rel.relevant:
            return self._irrelevant(
                article, title, rel.reason, rel.signals, rel.score, rel.category, JAPANESE
            )
        japanese = extract_japanese_claims(text, title)
        lead = _lead(text)
        return self._assess(
            article_id=article.id,
            title=title,
            lead=lead,
            entity_lead=text[:ENTITY_LEAD_CHARS],
            opening="",
            published=article.published,
            category=rel.category,
            relevance=rel.score,
            signals=rel.signals,
            reason=rel.reason,
            extracted=[j.claim for j in japanese],
            memory=memory,
            is_seed=False,
            japanese=japanese,
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
        return self._assess(
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
        language: str = ENGLISH,
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
            language=language,
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

    def _assess(
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
        japanese: list[JapaneseClaim] | None = None,
        background: Sequence[ExtractedClaim] = (),
    ) -> Analysis:
        ns = self.settings.novelty
        if len(self._word_grams) > self.WORD_CACHE_LIMIT:
            self._word_grams.clear()
        grams = NgramCache(self._word_grams)
        assessments: list[ClaimAssessment] = []
        terms_of: list[tuple[str, ...]] = []
        candidates_of: list[Sequence[KnownClaim]] = []
        compared: list[bool] = []
        for k, c in enumerate(extracted):
            query = (
                claim_query(c.text, c.entities) if japanese is None else japanese_query(japanese[k])
            )
            terms_of.append(query.terms)
            cands = memory.candidates(query, ns.candidates)
            candidates_of.append(cands)
            if japanese is None:
                assessments.append(assess_claim(c, cands, ns, grams, query.terms))
                compared.append(True)
            else:
                judged, could = assess_japanese(japanese[k], cands)
                assessments.append(judged)
                compared.append(could)

        # Japanese text is looked at in English terms: its parties' canonical names, events
        # and numbers (bot/analysis/japanese.py)
        head_title, head_lead = title, entity_lead
        if japanese is not None:
            head_title, head_lead = english_terms(title).text(), english_terms(entity_lead).text()
        head = f"{head_title}\n{lead if japanese is None else head_lead}"
        head_entities = head_entities_of(head_title, head_lead)
        head_terms = index_terms(head, head_entities)[:HEAD_TERMS]
        key = key_entities(head_entities_of(head_title, ""), head_entities, extracted)
        parties = article_parties(key, head_title, lead if japanese is None else head_lead)
        # a Japanese claim that could not be compared is no evidence for or against a story
        weighed = [k for k, ok in enumerate(compared) if ok]
        story = find_story(
            article_id,
            head_terms,
            parties,
            published,
            [extracted[k] for k in weighed],
            [assessments[k] for k in weighed],
            memory,
            grams,
            self.settings.stories,
        )
        # Known means the same fact: the same parties and matter. A known claim from another
        # story counts only when this claim names that story's parties, so "the court denied
        # the motion" of one suit is news in another, whatever words they share.
        if japanese is None:
            assessments = reassess_across_stories(
                extracted,
                candidates_of,
                terms_of,
                assessments,
                story.story_id,
                parties,
                memory,
                grams,
                ns,
            )
        else:
            again = reassess_across_stories_ja(
                japanese,
                candidates_of,
                list(zip(assessments, compared, strict=True)),
                story.story_id,
                parties,
                memory,
            )
            assessments, compared = [j for j, _ in again], [ok for _, ok in again]

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
                compared=ok,
                by_reader=j.by_reader,
            )
            for c, j, ok in zip(extracted, assessments, compared, strict=True)
        )
        starts_story = story.duplicate_of is None
        title_of_story = (
            story.evidence.story.title if story.evidence is not None and not starts_story else ""
        ) or story_title(parties, category, title, opening)
        # earlier coverage: where this story's known claims were first seen
        earlier = tuple(
            dict.fromkeys(
                j.seen_in
                for j in assessments
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
            language=ENGLISH if japanese is None else JAPANESE,
            parties=parties,
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
            claims=tuple(
                StoredClaim(c.text, c.entities, c.numbers) for c in (*extracted, *background)
            ),
            claim_terms=(*terms_of, *(claim_query(c.text, c.entities).terms for c in background)),
            story_title=title_of_story,
        )
        return Analysis(verdict, record)


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
            {"text": c.text, "novel": c.novel, "seen_in": c.seen_in}
            | ({} if c.compared else {"compared": False})
            for c in verdict.claims
        ],
        "summary": verdict.summary,
        "language": verdict.language,
    }
