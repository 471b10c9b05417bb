"""Clauses: one sentence as the single-fact statements it makes.

A non-restrictive relative clause ("OpenAI, which faces suits in the U.S., said ..."), the
halves of a sentence joined by a semicolon, and a reporting or contrasting clause joined to a
statement ("..., adding that ...", "..., while ...") each state a fact of their own, so each
is a claim of its own: a later article that repeats one of them is judged on that fact alone.
"""

from __future__ import annotations

import re

from bot.analysis.claim_quality import has_verb
from bot.analysis.tokens import words

MIN_WORDS = 6  # words a claim needs (also the least a clause split off must keep)
CLOSED = re.compile(r"[.!?…][\"')\]”’»]*$|[\"”»]$")  # closing punctuation at the end


# "X, which/who <clause>, <rest>": a non-restrictive relative clause states its own fact
_RELATIVE = re.compile(
    r"^(?P<head>[^,;:\"]{2,60}?), (?:which|who) (?P<rel>[^,;\"]{12,200}), (?P<rest>[a-z].{12,})$"
)


def split_clauses(sentence: str) -> list[str]:
    """A sentence as one or more single-fact clauses: a non-restrictive relative clause
    ("OpenAI, which faces suits in the U.S., said ...") and the halves of a sentence joined by
    a semicolon become claims of their own. Anything else stays whole."""
    parts: list[str] = []
    pieces = sentence.split("; ") if _splits_at_semicolons(sentence) else [sentence]
    for piece in pieces:
        m = _RELATIVE.match(piece.strip())
        if m and len(m.group("head").split()) <= 8:
            head = m.group("head").strip()
            rest = m.group("rest").rstrip()
            rel = m.group("rel").strip()
            parts.append(f"{head} {rest}")
            parts.append(f"{head} {rel}".rstrip(".") + ".")
        else:
            parts.append(piece.strip())
    if len(pieces) > 1:  # the halves of a sentence, each closed and capitalised
        parts = [p[:1].upper() + p[1:] for p in parts]
        parts = [p if CLOSED.search(p) else p.rstrip(",;: ") + "." for p in parts]
    good = [p for p in parts if len(words(p)) >= MIN_WORDS]
    if len(good) != len(parts):
        return [sentence]
    return [fact for p in good for fact in split_facts(p)]


# ", adding that <clause>", ", while <clause>": a reporting or contrasting clause joined to a
# statement states a fact of its own ("X said A, adding that B" says A and B; not "adding a
# claim", which adds a thing; not a quote, which would lose its speaker). Not a dash: in news
# copy it opens an aside as often as a clause ("authors - who include ... - sued").
_JOINED_FACT = re.compile(
    r",\s+(?:adding\s+that|(?:saying|noting|stating|explaining|warning)(?:\s+that)?)\s+(?=[A-Za-z])"
    r"|,\s+while\s+(?![a-z]+ing\b)(?=[A-Za-z])"  # not "..., while staying in ...": no subject
)


_POINTING_BACK = frozenset(
    {"it", "its", "he", "his", "she", "her", "they", "their", "we", "our", "this", "that"}
)


def split_facts(clause: str) -> list[str]:
    """A clause as its facts: a statement and the reported or contrasting clause joined to
    it, each closed and capitalised, when both read as statements of their own (a verb and at
    least MIN_WORDS words each, no quote or bracket cut open, no pronoun for a subject);
    else whole."""
    for m in _JOINED_FACT.finditer(clause):
        head, rest = clause[: m.start()].strip(), clause[m.end() :].strip()
        if head.count('"') % 2 or head.count("(") != head.count(")"):
            continue
        if len(words(head)) < MIN_WORDS or len(words(rest)) < MIN_WORDS:
            continue
        if not (has_verb(head) and has_verb(rest)):
            continue
        if rest.split(maxsplit=1)[0].lower() in _POINTING_BACK:
            continue  # "..., saying it will appeal": "It will appeal." names no one
        first = head.rstrip(",;: ") + ("" if CLOSED.search(head) else ".")
        rest = rest[:1].upper() + rest[1:]
        return [first, *split_facts(rest)]
    return [clause]


def _splits_at_semicolons(sentence: str) -> bool:
    """A semicolon joins two statements only outside quotes and brackets, with a verb on
    each side; "including A LLC; B Inc.; and C" is one list."""
    if sentence.count('"') % 2 or "; " not in sentence:
        return False
    pieces = sentence.split("; ")
    depth = 0
    for piece in pieces[:-1]:
        depth += piece.count("(") - piece.count(")")
        if depth:
            return False
    return all(has_verb(p) for p in pieces)
