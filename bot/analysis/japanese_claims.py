"""Claims of Japanese articles, and whether an earlier claim in any language states them.

A Japanese claim is a sentence that names a party or carries a number. It is compared with
earlier claims on what survives translation: its parties (canonical English names), its
numbers and dates, and the event it reports (bot/analysis/japanese.py puts all three in
English terms). It is known when an earlier claim has the same parties, the same numbers or
dates, and the same event; new when it has something to compare and no earlier claim has all
of that; and "not compared" when it names no party or has neither a number nor an event word
(the fallback an alert shows as such, never as new or known).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.aliases import COMMON_PARTIES, PLACES, canonicalize
from bot.analysis.claims import ExtractedClaim
from bot.analysis.japanese import english_terms, is_japanese, sentences
from bot.analysis.memory import ClaimQuery, KnownClaim
from bot.analysis.novelty import ClaimAssessment
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
        r"\b(?:request(?:s|ed)?|ask(?:s|ed)?|demand(?:s|ed)?|urg(?:e|es|ed)|call(?:s|ed) on)\b"
    ),
    "statement": r"\b(?:statements?|said|says|stated|declared)\b",
    "ruling": r"\b(?:rul(?:ing|ed)|judg(?:e?ment)|verdict)\b",
    "settlement": r"\b(?:settle(?:d|ment|s)?)\b",
    "agreement": r"\b(?:agreements?|deals?|licen[cs]e|partnership)\b",
    "launch": r"\b(?:launch(?:ed|es)?|released?|debuted?|unveiled)\b",
    "opt-out": r"\bopt[\s-]?outs?\b",
    "training": r"\b(?:train(?:ing|ed)?|learning)\b",
    "copyright": r"\bcopyright",
    "infringement": r"\binfring",
    "crawling": r"\b(?:crawl(?:er|ers|ing)?|scrap(?:e|ing|ed))\b",
    "permission": r"\b(?:permission|consent|authori[sz]ation|without authori)",
    "law": r"\b(?:law|laws|bill|act|legislation)\b",
}
# Events every claim of the beat may carry: they say nothing about which event it is.
GENERAL_EVENTS = frozenset({"copyright", "infringement", "training"})


@dataclass(frozen=True)
class JapaneseClaim:
    claim: ExtractedClaim
    events: tuple[str, ...]
    english: str  # the claim in English terms (names, events, numbers)


def extract_japanese_claims(text: str, title: str = "") -> list[JapaneseClaim]:
    """Sentences that name a party or carry a number, not questions, headlines or subheads."""
    out: list[JapaneseClaim] = []
    for i, sentence in enumerate(sentences(text)):
        s = sentence.strip(" 　")
        if len(s) < MIN_CLAIM_CHARS or s == title.strip() or s[:1] in "■【◆●※":
            continue
        if s.endswith(("?", "？", "か。")) or (not re.search(r"[。」)]$", s) and len(s) < 40):
            continue
        terms = english_terms(s)
        if not terms.names and not terms.numbers:
            continue
        nums = numbers(", ".join(terms.numbers))
        claim = ExtractedClaim(s, terms.names, nums, i, s)
        out.append(JapaneseClaim(claim, terms.events, terms.text()))
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


def _distinctive(names: Sequence[str]) -> list[str]:
    return [n for n in names if n not in COMMON_PARTIES and n not in PLACES]


def _candidate_view(c: KnownClaim) -> tuple[set[str], set[str], set[str], str]:
    """A known claim's names, numbers, events and (canonicalised) text, in English terms."""
    if is_japanese(c.text):
        terms = english_terms(c.text)
        return set(terms.names), set(numbers(", ".join(terms.numbers))), set(terms.events), ""
    text = canonicalize(c.text)
    events = {e for e, rx in EVENT_WORDS.items() if re.search(rx, text, re.IGNORECASE)}
    return set(c.entities), set(c.numbers) | set(numbers(text)), events, text


def comparable(claim: JapaneseClaim) -> bool:
    """A claim can be compared when it names a party and has a number, date or event."""
    specific = set(claim.events) - GENERAL_EVENTS
    return bool(claim.claim.entities) and bool(claim.claim.numbers or specific)


def assess_japanese(
    claim: JapaneseClaim, candidates: Sequence[KnownClaim]
) -> tuple[ClaimAssessment, bool]:
    """The claim's assessment and whether it could be compared at all."""
    names = list(claim.claim.entities)
    wanted = _distinctive(names) or names
    events = set(claim.events) - GENERAL_EVENTS or set(claim.events)
    matches: list[tuple[float, KnownClaim]] = []
    for c in candidates:
        if is_japanese(c.text) and _overlap(claim.claim.text, c.text) >= SAME_TEXT:
            matches.append((_overlap(claim.claim.text, c.text), c))
            continue
        c_names, c_numbers, c_events, c_text = _candidate_view(c)
        has_party = all(n in c_names or (c_text and n in c_text) for n in wanted)
        has_numbers = set(claim.claim.numbers) <= c_numbers
        has_event = bool(events & c_events) if events else bool(claim.claim.numbers)
        if has_party and has_numbers and has_event and (claim.claim.numbers or len(wanted) >= 1):
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
