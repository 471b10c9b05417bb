"""Claims: clean text -> paragraphs -> sentences -> the check-worthy factual statements.

Sentence splitting uses syntok (pure Python, MIT, ~4.6k sentences/s here): it keeps
"U.S.", "Inc.", "Ent." and quoted speech together better than pysbd on news copy and is
much smaller than blingfire. Paragraphs are split on newlines first so that headlines and
section titles never glue onto the next sentence. syntok ends a sentence at abbreviations it
does not know ("Rep.", "Gov.", "Bros.", "Sept.", "R-Mich.") whenever a capital follows, so its
pieces are joined again where the piece ends in such an abbreviation and the next does not
open a sentence.

A claim is kept when it names someone or something (an entity) or carries a number, is a
statement (not a question, not a list stub), is not boilerplate, and is not dominated by
hedges or first-person opinion (the ClaimBuster sense of check-worthy, reduced to rules).
It must also read on its own in an alert (`claim_quality`): it has a verb, it is not the
headline again, not a sentence the text stops in the middle of, and a connective pointing
back at an unseen sentence ("However, ...") is dropped from its start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import syntok.segmenter as segmenter

from bot.analysis.claim_quality import (
    DANGLING_OPENER,
    abbreviation_kind,
    has_verb,
    is_boilerplate,
    repeats_headline,
    starts_as_fragment,
    wordset,
)
from bot.analysis.clauses import CLOSED as _CLOSED
from bot.analysis.clauses import MIN_WORDS, split_clauses
from bot.analysis.entities import entities
from bot.analysis.tokens import clean, numbers, words
from bot.analysis.wordlists import role_nouns

MIN_CUT_WORDS = 8  # what is left of a sentence the text stops in, to be worth a claim
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
_ROMAN_ONE = re.compile(r"(?<=\w )([A-Z]\w*) I\b")  # "Munich Regional Court I", "World War I"
# "JAKARTA - ", "NEW YORK (AP) - ", "CALIFORNIA, UNITED STATES - ": where a story was filed
DATELINE = re.compile(r"^\s*[A-Z][A-Z .,'-]{2,40}(?:\([A-Za-z .]+\))?\s+[-–—]+\s+")
_DATELINE = DATELINE
# other dateline shapes, dropped from claims only: "LONDON: ", "SEATTLE, Washington: ",
# "Tokyo, Aug. 8 (Wire Service)--", "Paris, 23 December (AB): ", "July 2, 2025 - "
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_CLAIM_DATELINE = re.compile(
    r"^(?:[A-Z]{2,}(?:[ ,.'-]+[A-Z][A-Za-z.]*){0,3}:\s+(?=[A-Z\"])"
    rf"|[A-Z][a-z]+(?: [A-Z][a-z]+)?, (?:{_MONTH} \d{{1,2}}|\d{{1,2}} {_MONTH})"
    r"(?: \([^()]{1,40}\))?\s*(?:--|[-–—:])\s*(?=[A-Z\"])"
    rf"|{_MONTH} \d{{1,2}}, \d{{4}}\s+[-–—]+\s+(?=[A-Z\"]))"
)
# "TL;DR:", "Key points:", "Summary:" label a paragraph of claims; the label is not one
_LABEL = re.compile(r"^(?:tl;\s?dr|key (?:points|takeaways)|in brief|summary)\s*[:-]\s+", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*·▪●]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int
    index: int  # position of the sentence in the article, 0-based
    cut: bool = False  # the text stops inside this sentence (no closing punctuation at the end)


@dataclass(frozen=True)
class ExtractedClaim:
    text: str
    entities: tuple[str, ...]
    numbers: tuple[str, ...]
    position: int  # sentence index in the article: the lead comes first
    sentence: str = ""  # the whole sentence, the supporting quote


_ASIDE = re.compile(r"^\([^()]*\)$")  # "(June 2, 2025, 5:46 PM EDT)": a piece of its own
# Capitalised words that open sentences: after one of them an abbreviation did end a sentence.
SENTENCE_OPENERS: frozenset[str] = wordset(
    """a an the this that these those it its he she they we i you his her their our my your
    in on at for from by with as of to and but or so yet if when while after before since
    although though however meanwhile moreover also still there here then now today
    yesterday last next earlier later according both each some many most several other
    such no not all any every one two three what who where why how which instead despite
    under over into about between following against during until unless because"""
)
_ABBREVIATED_END = re.compile(r"(?:^|[\s(\[\"'])([A-Za-z][A-Za-z-]*)\.$")
_INITIAL_END = re.compile(r"(?:^|[\s(])[A-Z]\.$")
_PARTY_STATE_END = re.compile(r"\b[RDI]-[A-Z][a-z]{1,4}\.$")


def _joins_next(piece: str, following: str) -> bool:
    """Whether syntok's `piece` ends in an abbreviation that keeps the sentence going into
    `following`: a title or "v." always; a name part, a state, an initial unless `following`
    opens a sentence."""
    first = following.split(maxsplit=1)[0].strip("\"'“‘(").lower() if following.split() else ""
    opens = first in SENTENCE_OPENERS
    if _PARTY_STATE_END.search(piece) or _INITIAL_END.search(piece):
        return not opens
    m = _ABBREVIATED_END.search(piece)
    if not m:
        return False
    kind = abbreviation_kind(m.group(1))
    return kind == "title" or (kind == "name" and not opens)


def _segment(paragraph: str) -> list[str]:
    out: list[str] = []
    for para in segmenter.analyze(paragraph):
        for sent in para:
            s = "".join(tok.spacing + tok.value for tok in sent).strip()
            if s:
                out.append(s)
    # a fragment starting in lower case continues the previous sentence, and so does one
    # after a piece that ends in an abbreviation inside a sentence ("Warner Bros." | "Discovery")
    # or that does not end a sentence at all ("including A LLC;" | "B Inc.;", "[2025]" | "EWHC")
    merged: list[str] = []
    for s in out:
        if merged and (
            s[0].islower()
            or s[0] in ",;:)"
            or not (_CLOSED.search(merged[-1]) or _ASIDE.match(merged[-1]))
            or _joins_next(merged[-1], s)
        ):
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


_CONTINUES = re.compile(r"^(?:[a-z](?![a-z]*[A-Z])|[.,;:)])")  # not "xAI sued ..."


def _unwrapped_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their paragraph numbers, a hard-wrapped line joined back to the line it
    continues (the one before did not close, and this one starts in lower case or with
    punctuation: "The firm argues that lawyers for" / "the authors want ...")."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if not line:
            continue
        if lines and _CONTINUES.match(line) and not _CLOSED.search(lines[-1][1]):
            glue = "" if line[0] in ".,;:)" else " "
            lines[-1] = (lines[-1][0], lines[-1][1] + glue + line)
        else:
            lines.append((number, line))
    return lines


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the body, headline-like lines dropped, in order. The last sentence is
    marked `cut` when the text stops without closing punctuation (a text cut to length)."""
    cleaned = clean(text)
    sentences: list[Sentence] = []
    for p_index, line in _unwrapped_lines(cleaned):
        line = _DATELINE.sub("", _BULLET.sub("", line).strip(), count=1)
        line = _CLAIM_DATELINE.sub("", line, count=1)
        line = _LABEL.sub("", line, count=1)
        if not line or _is_headline(line):
            continue
        for s in _segment(line):
            sentences.append(Sentence(s, p_index, len(sentences)))
            if len(sentences) >= MAX_SENTENCES:
                return sentences
    if (
        sentences
        and not _CLOSED.search(sentences[-1].text)
        and cleaned.endswith(sentences[-1].text)
    ):
        last = sentences[-1]
        sentences[-1] = Sentence(last.text, last.paragraph, last.index, cut=True)
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
    # "Court I", "World War I" are names, not the writer speaking
    if _OPINION.search(_ROMAN_ONE.sub(r"\1", _QUOTED.sub(" ", s))):
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


_OPENER_WORDS = "|".join(w.capitalize() for w in sorted(SENTENCE_OPENERS))
_THAT_CLAUSE = re.compile(rf"^[Tt]hat\s+(?=[A-Z])(?!(?:{_OPENER_WORDS})\b)")


def tidy(claim: str) -> str:
    """A claim as it reads on its own: without a connective pointing back at a sentence the
    reader is not shown ("However, the court ..." -> "The court ..."), without a dash left
    over from a dateline or timestamp, with a list item's ";" or "," closed with a full stop,
    and with closing punctuation where a line had none."""
    s = claim.strip().lstrip("-–—:;,.|>•·* ")
    for _ in range(3):  # "That is, of course, if ..." has two
        m = DANGLING_OPENER.match(s)
        if not m or len(words(s[m.end() :])) < MIN_WORDS:
            break
        s = s[m.end() :]
        s = s[0].upper() + s[1:]
    m = _THAT_CLAUSE.match(s)
    if m and has_verb(s[m.end() :]):  # an item of "The suit alleges: That Acme copied ..."
        s = s[m.end() :]
    s = re.sub(r"\s*[;,]$", ".", s)
    if not _CLOSED.search(s) and not s.endswith(":"):
        s += "."
    return s


_TRAILING_FUNCTION_WORDS = wordset(
    "a an the of to and or but by for with in on at from that which who its their his her as"
)


def trim_cut(sentence: str) -> str:
    """A sentence the text stops in the middle of, without its last (perhaps partial) word and
    any function words before it, marked with an ellipsis ("The court ruled for the guild
    and ordered Acme to pa" -> "The court ruled for the guild and ordered Acme…"); "" when
    fewer than MIN_CUT_WORDS words with a verb are left."""
    tokens = sentence.split()[:-1]
    while tokens and tokens[-1].lower().strip("\"'(") in _TRAILING_FUNCTION_WORDS:
        tokens.pop()
    head = " ".join(tokens).rstrip(' ,;:-–—("')
    if len(words(head)) < MIN_CUT_WORDS or not has_verb(head):
        return ""
    return head + "…"


def reads_alone(claim: str, title: str | None = None) -> bool:
    """Whether a claim reads as a sentence in an alert: it has a verb, does not start in lower
    case (a sentence's tail, a list item), is not a list's opening line ("... stating:"), not
    a byline, caption or plug, and not the headline."""
    s = claim.strip()
    return (
        has_verb(s)
        and not starts_as_fragment(s)
        and not s.endswith(":")
        and not is_boilerplate(s)
        and not repeats_headline(s, title)
    )


def without_headline(text: str, title: str) -> str:
    """The text without the headline it opens with, where a page glued the headline onto the
    first sentence ("Harbor Post sues Quillon AI Harbor Post filed suit on Monday ...")."""
    head = " ".join(title.split())
    body = clean(text)
    if len(head.split()) < 4 or not body.lower().startswith(head.lower()):
        return text
    rest = body[len(head) :]
    if rest[:1].isalnum():  # the headline's last word runs on: not a headline at the start
        return text
    return rest.lstrip(" .:-–—|\n")


def extract_claims(
    text: str,
    *,
    loose: bool = False,
    title: str | None = None,
    sentences: Sequence[Sentence] | None = None,
) -> list[ExtractedClaim]:
    """The check-worthy claims of an article body (or every substantive sentence if `loose`).
    A claim must read on its own (`reads_alone`, with `title` the article's headline), and a
    sentence the text stops in the middle of is no claim; `loose` keeps both. `sentences`:
    the body's sentences when the caller has split them already (`split_sentences`)."""
    reads = is_substantive if loose else _reads_as_claim
    out: list[ExtractedClaim] = []
    seen: set[str] = set()
    if sentences is None:
        if title and not loose:
            text = without_headline(text, title)
        sentences = split_sentences(text)
    for sent in sentences:
        if not reads(sent.text.strip()):
            continue
        body = sent.text
        if not loose and sent.cut:
            body = trim_cut(sent.text)
            if not body:
                continue
        for raw in split_clauses(body):
            part = raw if loose else tidy(raw)
            if raw != sent.text and not reads(part.strip()):
                continue
            if not loose and not reads_alone(part, title):
                continue
            key = " ".join(words(part))
            if key in seen:
                continue
            ents, nums = entities(part), numbers(part)
            if not loose and not (ents or nums or names_by_role(part)):
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


# the subject: an opening adverbial ("Earlier this week, "), a determiner and its next words
_ROLE_SUBJECT = re.compile(
    r"^(?:[A-Z][a-z]+(?: [a-z]+){0,2}, )?(?:the|this|these|its|their)(?P<np>(?:\s+[a-z-]+){1,5})",
    re.IGNORECASE,
)


def names_by_role(claim: str) -> bool:
    """Whether the claim's subject names a party or thing of the matter by its role ("The
    court ordered ...", "Earlier this week, the court released ...", "The financial terms of
    the agreement were not disclosed"): a fact worth a claim without a name or number."""
    m = _ROLE_SUBJECT.match(claim.strip())
    if m is None:
        return False
    roles = role_nouns()
    return any(w in roles for w in m.group("np").lower().split())


def _shorten(s: str) -> str:
    cut = s[:MAX_CLAIM_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_CLAIM_CHARS // 2 else cut).rstrip(",;:") + "…"
