"""Claims of Japanese articles, and whether an earlier claim in any language states them.

A Japanese claim is a sentence that names a party or carries a number. It is compared with
earlier claims on what survives translation: its parties (canonical English names), its
numbers and dates, and the event it reports (bot/analysis/japanese.py puts all three in
English terms). It is known when an earlier claim has the same parties, the same numbers or
dates, and the same event; new when it has something to compare and no earlier claim has all
of that; and "not compared" when it names no party or has neither a number nor an event word
(the fallback an alert shows as such, never as new or known).

The same fact needs the same parties: a court is the venue, not a party; the year of a full
date is context when the earlier claim gives the day; a rewrite of an earlier Japanese
sentence is that sentence only when it keeps its parties and numbers; and words every claim of
the beat carries (copyright, training) never make two claims one event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.aliases import COMMON_PARTIES, COURTS, PLACES, PRODUCT_MAKERS, canonicalize
from bot.analysis.claims import ExtractedClaim
from bot.analysis.japanese import (
    EnglishTerms,
    english_terms,
    full_date_years,
    is_japanese,
    morphemes,
    sentences,
)
from bot.analysis.memory import ClaimQuery, KnownClaim, KnownStories
from bot.analysis.novelty import ClaimAssessment
from bot.analysis.stories import same_matter
from bot.analysis.tokens import index_terms, numbers

MIN_CLAIM_CHARS = 20
MAX_CLAIMS = 12
SAME_TEXT = 0.5  # character-bigram overlap from which two Japanese claims are one rewrite
NOT_COMPARED = "reported in Japanese — not compared with earlier reports"

# The English an English claim reports each event with (the events of data/aliases_ja.toml).
EVENT_WORDS: dict[str, str] = {
    "sued": r"\b(?:sue[sd]?|suing|lawsuits?|suits?|filed|complaint)\b",
    "damages": r"\b(?:damages|compensation)\b",
    "letter": r"\b(?:letters?|written|submitted)\b",
    "request": (
        r"\b(?:request(?:s|ed|ing)?|ask(?:s|ed|ing)?|demand(?:s|ed|ing)?|urg(?:e|es|ed|ing)"
        r"|call(?:s|ed|ing)? on)\b"
    ),
    "statement": r"\b(?:statements?|said|says|stated|declared|press conference)\b",
    "ruling": r"\b(?:rul(?:ing|ed)|judg(?:e?ment)|verdict)\b",
    "settlement": r"\b(?:settle(?:d|ment|s)?)\b",
    "agreement": r"\b(?:agreements?|deals?|licen[cs]e|partnership)\b",
    "launch": r"\b(?:launch(?:ed|es|ing)?|releas(?:e|ed|es|ing)|debut(?:ed|s)?|unveil(?:ed|s)?)\b",
    "opt-out": r"\bopt[\s-]?outs?\b",
    "training": r"\b(?:train(?:ing|ed)?|learning)\b",
    "copyright": r"\bcopyright",
    "infringement": r"\binfring",
    "crawling": r"\b(?:crawl(?:er|ers|ing)?|scrap(?:e|ing|ed))\b",
    "permission": r"\b(?:permission|consent|authori[sz]ation|without authori|unauthori[sz]ed)",
    "law": r"\b(?:law|laws|bill|act|legislation)\b",
}
# Events every claim of the beat may carry: they say nothing about which event it is.
GENERAL_EVENTS = frozenset({"copyright", "infringement", "training"})


@dataclass(frozen=True)
class JapaneseClaim:
    claim: ExtractedClaim
    events: tuple[str, ...]
    english: str  # the claim in English terms (names, events, numbers)


def _events(terms: EnglishTerms) -> tuple[str, ...]:
    """The events of a Japanese text: its Japanese event words, and the English ones among
    the words it writes in Latin letters ("no-crawl")."""
    latin = " ".join(terms.latin)
    found = [e for e, rx in EVENT_WORDS.items() if latin and re.search(rx, latin, re.IGNORECASE)]
    return tuple(dict.fromkeys((*terms.events, *found)))


_CLOSED = re.compile(r"[。!?！？][」』）)】〉》\"']*$")
_TRAILING_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
_PREDICATES = ("動詞", "助動詞", "形容詞")


def _complete(sentence: str) -> bool:
    """Whether a sentence is whole: it ends at 。!?, or (a list item, a line of its own) in a
    predicate — a verb, auxiliary or adjective, or こと after one ("…対応すること"), a note
    in brackets after it aside. A subhead ends in a noun; a text cut short ends mid-word or
    inside a quote."""
    if sentence.count("「") > sentence.count("」") or sentence.count("『") > sentence.count("』"):
        return False
    if _CLOSED.search(sentence):
        return True
    words = [m for m in morphemes(_TRAILING_NOTE.sub("", sentence).rstrip()) if m.pos != "記号"]
    if not words:
        return False
    if words[-1].pos in _PREDICATES:
        return True
    return words[-1].detail == "非自立" and len(words) > 1 and words[-2].pos in _PREDICATES


def extract_japanese_claims(text: str, title: str = "") -> list[JapaneseClaim]:
    """Whole sentences that name a party or carry a number: not questions, headlines,
    subheads or a sentence the text cuts off."""
    out: list[JapaneseClaim] = []
    for i, sentence in enumerate(sentences(text)):
        s = sentence.strip(" 　")
        if len(s) < MIN_CLAIM_CHARS or s == title.strip() or s[:1] in "■【◆●※":
            continue
        if s.endswith(("?", "？", "か。")) or not _complete(s):
            continue
        terms = english_terms(s)
        if not terms.names and not terms.numbers:
            continue
        nums = numbers(", ".join(terms.numbers))
        claim = ExtractedClaim(s, terms.names, nums, i, s)
        out.append(JapaneseClaim(claim, _events(terms), terms.text()))
        if len(out) >= MAX_CLAIMS:
            break
    return out


def japanese_query(claim: JapaneseClaim) -> ClaimQuery:
    """The look-up for a Japanese claim: the index words of its English terms."""
    return ClaimQuery(text=claim.english, terms=index_terms(claim.english, claim.claim.entities))


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"\s+", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _overlap(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / max(1, min(len(x), len(y)))


def _is_court(name: str) -> bool:
    return name in COURTS or name.endswith(" Court")


def _distinctive(names: Sequence[str]) -> list[str]:
    """The parties that tell one matter from another: not the big developers, products,
    countries and places every story names, and not the court a suit is heard in."""
    return [n for n in names if n not in COMMON_PARTIES and n not in PLACES and not _is_court(n)]


def _parties(names: Sequence[str]) -> list[str]:
    """The names an earlier claim must have to state the same fact: the distinctive ones, else
    the common ones less a product whose maker is named too (Sora's maker is the party)."""
    return _distinctive(names) or [
        n
        for n in names
        if not _is_court(n) and not (n in PRODUCT_MAKERS and PRODUCT_MAKERS[n] in names)
    ]


def _required_numbers(claim: JapaneseClaim) -> set[str]:
    """The claim's numbers, less the year of a full date (2025年10月10日): an earlier claim
    that gives the day (October 10) reports the same day."""
    return set(claim.claim.numbers) - full_date_years(claim.claim.text)


def _candidate_view(c: KnownClaim) -> tuple[set[str], set[str], set[str], str]:
    """A known claim's names, numbers, events and (canonicalised) text, in English terms."""
    if is_japanese(c.text):
        terms = english_terms(c.text)
        return set(terms.names), set(numbers(", ".join(terms.numbers))), set(_events(terms)), ""
    text = canonicalize(c.text)
    events = {e for e, rx in EVENT_WORDS.items() if re.search(rx, text, re.IGNORECASE)}
    return set(c.entities), set(c.numbers) | set(numbers(text)), events, text


def _event_terms(claim: JapaneseClaim) -> set[str]:
    """The events that say which event a claim reports: its specific ones; the general ones
    (copyright, training) only beside a distinctive party (CODA's complaint about training
    is one matter, "Japan" and "copyright" are every story of the beat)."""
    specific = set(claim.events) - GENERAL_EVENTS
    if specific or not _distinctive(claim.claim.entities):
        return specific
    return set(claim.events)


def _enough_to_match(claim: JapaneseClaim) -> bool:
    """Whether the claim says enough to be matched on terms: a number or an event to agree
    on, and who: a distinctive party or two common ones (Japan and OpenAI); one common party
    with a number or date; no party, a number and an event. A lone "Japan" (日本のアニメ) or
    "OpenAI" with an event word names no matter."""
    required, events = _required_numbers(claim), _event_terms(claim)
    if not (required or events):
        return False
    names = claim.claim.entities
    if _distinctive(names) or len(_parties(names)) >= 2:
        return True
    return bool(required) and bool(names or events)


def comparable(claim: JapaneseClaim) -> bool:
    """A claim can be compared when it names a party and says enough to be matched."""
    return bool(claim.claim.entities) and _enough_to_match(claim)


def assess_japanese(
    claim: JapaneseClaim, candidates: Sequence[KnownClaim]
) -> tuple[ClaimAssessment, bool]:
    """The claim's assessment and whether it could be compared at all."""
    wanted = _parties(claim.claim.entities)
    required = _required_numbers(claim)
    # what names the event: its event words, or the numbers when there are none
    events = _event_terms(claim)
    comparable_terms = _enough_to_match(claim)
    matches: list[tuple[float, KnownClaim]] = []
    for c in candidates:
        c_names, c_numbers, c_events, c_text = _candidate_view(c)
        has_party = all(n in c_names or (c_text and n in c_text) for n in wanted)
        has_numbers = required <= c_numbers
        if is_japanese(c.text) and has_party and has_numbers:
            same_text = _overlap(claim.claim.text, c.text)
            if same_text >= SAME_TEXT:  # a rewrite that keeps the parties and numbers
                matches.append((same_text, c))
                continue
        has_event = bool(events & c_events) if events else True
        if comparable_terms and has_party and has_numbers and has_event:
            matches.append((0.5 + 0.1 * len(events & c_events), c))
    if matches:
        first = min(matches, key=lambda m: m[1].seq)[1]
        best = max(m[0] for m in matches)
        return (
            ClaimAssessment(
                novel=False,
                similarity=best,
                adjusted=best,
                closest=first,
                seen_in=first.source_id,
                new_items=(),
                new_word_share=0.0,
                seen_in_story=first.story,
            ),
            True,
        )
    compared = comparable(claim)
    return (
        ClaimAssessment(
            novel=True,
            similarity=0.0,
            adjusted=0.0,
            closest=None,
            seen_in=None,
            new_items=tuple(claim.claim.numbers),
        ),
        compared,
    )


def reassess_across_stories_ja(
    claims: Sequence[JapaneseClaim],
    candidates_of: Sequence[Sequence[KnownClaim]],
    judged: Sequence[tuple[ClaimAssessment, bool]],
    story_id: str,
    parties: Sequence[str],
    memory: KnownStories,
) -> list[tuple[ClaimAssessment, bool]]:
    """As for English claims (bot/analysis/reassess.py): once the article's story is known, a
    known claim of another story counts only when the claim names that story's parties, so
    "Perplexity was sued" of Yomiuri's suit is not the Nikkei suit's fact."""
    others = sorted(
        {
            k.story
            for cands, (j, _) in zip(candidates_of, judged, strict=True)
            if not j.novel
            for k in cands
            if k.story and k.story != story_id
        }
    )
    if not others:
        return list(judged)
    stories = {s.story_id: s for s in memory.stories(others)}
    out: list[tuple[ClaimAssessment, bool]] = []
    for claim, cands, (j, could) in zip(claims, candidates_of, judged, strict=True):
        kept = [
            k
            for k in cands
            if k.story is None
            or k.story == story_id
            or same_matter(claim.claim.entities, parties, stories.get(k.story))
        ]
        out.append(
            (j, could) if j.novel or len(kept) == len(cands) else assess_japanese(claim, kept)
        )
    return out
