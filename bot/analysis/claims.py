"""Claims: clean text -> paragraphs -> sentences -> the check-worthy factual statements.

Sentence splitting uses syntok (pure Python, MIT, ~4.6k sentences/s here): it keeps
"U.S.", "Inc.", "Ent." and quoted speech together better than pysbd on news copy and is
much smaller than blingfire. Paragraphs are split on newlines first so that headlines and
section titles never glue onto the next sentence.

A claim is kept when it names someone or something (an entity) or carries a number, is a
statement (not a question, not a list stub), is not boilerplate, and is not dominated by
hedges or first-person opinion (the ClaimBuster sense of check-worthy, reduced to rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import syntok.segmenter as segmenter

from bot.analysis.text import clean, entities, numbers, words

MIN_WORDS = 6
MAX_CLAIM_CHARS = 400
MAX_SENTENCES = 80

_BOILERPLATE = re.compile(
    r"^(?:see also|read more|related|published by|advertisement|subscribe|sign up|click here|"
    r"share this|follow us|photo:|image:|credit:|copyright ©|all rights reserved)"
    r"|is an? \w+ publication|\bnewsletter\b|cookie|terms of service apply|"
    r"\b(?:what are your thoughts|let us know in the comments|join the conversation)\b",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"\b(?:could|might|may|perhaps|possibly|potentially|likely|seems?|appears?|arguably|"
    r"probably|would|should)\b",
    re.IGNORECASE,
)
_OPINION = re.compile(
    r"\b(?:I|I'm|I've|we've|we're|honestly|frankly|imo|think about it|here's the thing|"
    r"let's|you'll|you're|kind of|pretty much|feels like)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r'"[^"]{0,400}"')
# "JAKARTA - ", "NEW YORK (AP) - ", "CALIFORNIA, UNITED STATES - ": where a story was filed
DATELINE = re.compile(r"^\s*[A-Z][A-Z .,'-]{2,40}(?:\([A-Za-z .]+\))?\s+[-–—]+\s+")
_DATELINE = DATELINE
# "TL;DR:", "Key points:", "Summary:" label a paragraph of claims; the label is not one
_LABEL = re.compile(r"^(?:tl;\s?dr|key (?:points|takeaways)|in brief|summary)\s*[:-]\s+", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*·▪●]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int
    index: int  # position of the sentence in the article, 0-based


@dataclass(frozen=True)
class ExtractedClaim:
    text: str
    entities: tuple[str, ...]
    numbers: tuple[str, ...]
    position: int  # sentence index in the article: the lead comes first
    sentence: str = ""  # the whole sentence, the supporting quote


def _segment(paragraph: str) -> list[str]:
    out: list[str] = []
    for para in segmenter.analyze(paragraph):
        for sent in para:
            s = "".join(tok.spacing + tok.value for tok in sent).strip()
            if s:
                out.append(s)
    # a fragment starting in lower case continues the previous sentence
    merged: list[str] = []
    for s in out:
        if merged and (s[0].islower() or s[0] in ",;:)"):
            merged[-1] = f"{merged[-1]} {s}"
        else:
            merged.append(s)
    return merged


def _is_headline(line: str) -> bool:
    """Section titles and headlines: short lines without closing punctuation."""
    stripped = line.strip()
    if not stripped:
        return True
    if stripped[-1] in ".!?\"')»”":
        return False
    return len(words(stripped)) < 16


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the body, headline-like lines dropped, in order."""
    cleaned = clean(text)
    sentences: list[Sentence] = []
    for p_index, line in enumerate(cleaned.split("\n")):
        line = _DATELINE.sub("", _BULLET.sub("", line).strip(), count=1)
        line = _LABEL.sub("", line, count=1)
        if not line or _is_headline(line):
            continue
        for s in _segment(line):
            sentences.append(Sentence(s, p_index, len(sentences)))
            if len(sentences) >= MAX_SENTENCES:
                return sentences
    return sentences


def is_check_worthy(sentence: str) -> bool:
    s = sentence.strip()
    return _reads_as_claim(s) and bool(entities(s) or numbers(s))


def _reads_as_claim(s: str) -> bool:
    """Every check-worthiness test except 'names someone or carries a number'."""
    n_words = len(words(s))
    if n_words < MIN_WORDS or len(s) > MAX_CLAIM_CHARS * 2:
        return False
    if s.endswith("?") or _BOILERPLATE.search(s):
        return False
    if _OPINION.search(_QUOTED.sub(" ", s)):
        return False
    hedges = len(_HEDGES.findall(s))
    return not (hedges >= 2 or (hedges == 1 and n_words < 14))


def is_substantive(sentence: str) -> bool:
    """Looser test used for the known corpus: any statement that could be repeated later."""
    s = sentence.strip()
    return (
        len(words(s)) >= MIN_WORDS
        and not s.endswith("?")
        and not _BOILERPLATE.search(s)
        and len(s) <= MAX_CLAIM_CHARS * 2
    )


def extract_claims(text: str, *, loose: bool = False) -> list[ExtractedClaim]:
    """The check-worthy claims of an article body (or every substantive sentence if `loose`)."""
    reads = is_substantive if loose else _reads_as_claim
    out: list[ExtractedClaim] = []
    seen: set[str] = set()
    for sent in split_sentences(text):
        if not reads(sent.text.strip()):
            continue
        for part in split_clauses(sent.text):
            if part != sent.text and not reads(part.strip()):
                continue
            key = " ".join(words(part))
            if key in seen:
                continue
            ents, nums = entities(part), numbers(part)
            if not loose and not (ents or nums):
                continue
            seen.add(key)
            out.append(
                ExtractedClaim(
                    text=part if len(part) <= MAX_CLAIM_CHARS else _shorten(part),
                    entities=ents,
                    numbers=nums,
                    position=sent.index,
                    sentence=sent.text,
                )
            )
    return out


# "X, which/who <clause>, <rest>": a non-restrictive relative clause states its own fact
_RELATIVE = re.compile(
    r"^(?P<head>[^,;:\"]{2,60}?), (?:which|who) (?P<rel>[^,;\"]{12,200}), (?P<rest>[a-z].{12,})$"
)


def split_clauses(sentence: str) -> list[str]:
    """A sentence as one or more single-fact clauses: a non-restrictive relative clause
    ("OpenAI, which faces suits in the U.S., said ...") and the halves of a sentence joined by
    a semicolon become claims of their own. Anything else stays whole."""
    parts: list[str] = []
    for piece in sentence.split("; ") if sentence.count('"') % 2 == 0 else [sentence]:
        m = _RELATIVE.match(piece.strip())
        if m and len(m.group("head").split()) <= 8:
            head = m.group("head").strip()
            rest = m.group("rest").rstrip()
            rel = m.group("rel").strip()
            parts.append(f"{head} {rest}")
            parts.append(f"{head} {rel}".rstrip(".") + ".")
        else:
            parts.append(piece.strip())
    good = [p for p in parts if len(words(p)) >= MIN_WORDS]
    return good if len(good) == len(parts) else [sentence]


def _shorten(s: str) -> str:
    cut = s[:MAX_CLAIM_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_CLAIM_CHARS // 2 else cut).rstrip(",;:") + "…"
