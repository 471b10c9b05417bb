"""Summary: at most 500 characters, leading with what is new, never a bullet word for word.

An alert shows the summary and then one bullet per new claim, so the summary is the new
claims compressed into one line rather than repeated: each of the first few new claims loses
its asides (brackets, ", which ..." clauses, ", saying ..." tails, "according to ..."), and
one that has none to lose is cut to its first clauses and marked "…". The line is checked
against every bullet (`claim_quality.summary_repeats`) and a part that would still repeat
one is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.analysis.claim_quality import has_verb, summary_repeats, wordset
from bot.models import Claim

LIMIT = 500
SUMMARY_PARTS = 2  # new claims compressed into the summary line
PART_CHARS = 220  # one compressed claim at most
LINE_CHARS = 300  # a second part joins only while the line stays this short: a line, not a digest
MIN_PART_WORDS = 5
CLIP_MIN_WORDS = 16  # a claim with no clause to cut at is cut to words only when this long
INTRO_WORDS = (
    25  # an opening phrase ("Following the ruling in X v. Y, ...") left out at most this long
)

_BRACKETS = re.compile(r"\s*\([^()]{0,160}\)|\s*\[[^\[\]]{0,160}\]")
_LEAD_ATTRIBUTION = re.compile(
    r"^(?:according to [^,]{2,80}|in an? (?:statement|blog post|filing|post|letter|interview|"
    r"press release|report)[^,]{0,80}|as \w+ (?:reported|noted)[^,]{0,40}),\s+",
    re.IGNORECASE,
)
_TAIL_ATTRIBUTION = re.compile(
    r",\s+(?:according to [^,]{2,80}|(?:he|she|they|it|the [a-z]+(?: [a-z]+)?|"
    r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,4}) (?:said|says|told [^,]{1,60}|reported|reports|"
    r"wrote|added|noted|stated)(?: [^,]{0,60})?|(?:said|says) (?:[A-Z][\w.'-]*\s?){1,5})"
    r"\s*([.!?]?)$"
)
# ", which ...," / ", founded in ...," / " - including ... -" asides before the rest of the
# main clause (a lower-case word follows), a trailing ", which ..." / ", saying ..." tail, and
# a trailing appositive without a verb (", the German collecting society.")
_ASIDE = re.compile(
    r"(?:,\s+(?:which|who|whose|founded|based|backed|owned|known|located|headquartered)"
    r"\s+[^,;\"]{3,160},|\s[-–—]\s+(?:a|an|the|who|which|including)\s[^\"]{3,160}?\s[-–—])"
    r"\s+(?=[a-z])"
)
_TAIL = re.compile(
    r"(?:,\s+(?:which|who|whose|saying|citing|adding|noting|arguing|claiming|calling|marking|"
    r"highlighting|underscoring|emphasi[sz]ing|describing|urging|signal+ing|suggesting|"
    r"raising|prompting|following|making|creating|meaning|as part of|amid|with|despite|"
    r"though|although|while|whilst|including|such as|in connection with|in light of)"
    r"|\s[-–—]\s+(?:and|but|which|who|with|including))\b[^\"]*$"
)
_APPOSITIVE_TAIL = re.compile(r",\s+(?:a|an|the)\s[^,;\"]{3,120}$")
_SUBORDINATOR = re.compile(
    r"^(?:if|when|while|although|though|because|since|unless|whereas|once|for|during|after|"
    r"before|following|despite|in|on|at|under|with|yesterday|today|last|earlier|later|now|"
    r"meanwhile|separately)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r",\s|\s[-–—]\s|;\s|:\s")
# words that open a phrase a claim can be cut before ("... chat logs | in connection with ...")
_INTRO_END = re.compile(r",\s+(?!\d)")  # the comma after an opening phrase, not "May 2, 2025"
_PHRASE_STARTS = wordset(
    """in for with to that which who when after before by over on at from as because since
    while under against about into through amid including despite without"""
)
_PRONOUN_OPENERS = wordset("it its this that these those they he she we then there such")
_FUNCTION_WORDS = wordset(
    "a an the of to and or but by for with in on at from that which who its their as"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][\w'’.-]*", text)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _close(text: str) -> str:
    text = text.strip().rstrip(",;:-–— ")
    return text if text.endswith((".", "!", "?", "…", '"', "”")) else text + "."


def _whole_clause(head: str) -> bool:
    """Whether a claim cut to `head` still says something: enough words, a verb, balanced
    quotes, and no dangling last word ("..., finding that")."""
    toks = _words(head)
    after_that = head.rsplit(" that ", 1)[-1] if " that " in head else head
    return (
        len(toks) >= MIN_PART_WORDS
        and toks[-1].lower() not in _FUNCTION_WORDS
        and has_verb(head)
        and has_verb(after_that)
        and head.count('"') % 2 == 0
        and not (_SUBORDINATOR.match(head) and "," not in head)
    )


def compress(claim: str) -> str:
    """One claim without its asides: brackets, attribution, relative clauses and trailing
    participle clauses; the claim itself when nothing can go."""
    s = claim.strip()
    s = _BRACKETS.sub("", s)
    s = _LEAD_ATTRIBUTION.sub("", s)
    if s[:1].islower():
        s = s[0].upper() + s[1:]
    s = _ASIDE.sub(" ", s)
    s = _TAIL_ATTRIBUTION.sub(lambda m: m.group(1) or ".", s)
    for pattern in (_TAIL, _APPOSITIVE_TAIL):
        tail = pattern.search(s.rstrip("."))
        if tail is None or (pattern is _APPOSITIVE_TAIL and has_verb(tail.group(0))):
            continue
        if _whole_clause(s[: tail.start()]):
            s = s[: tail.start()]
    s = re.sub(r"\s{2,}", " ", s)
    return _close(s) if len(_words(s)) >= MIN_PART_WORDS else claim.strip()


def _clip(text: str, limit: int) -> str:
    """The text cut to its first clauses (at most `limit` characters, at least five words), or
    before a preposition or conjunction in its first two thirds, and marked "…"; "" when it
    is too short to cut."""
    body = text.rstrip(".!? ")
    cuts = [
        m.start()
        for m in _CLAUSE_BREAK.finditer(body)
        if m.start() <= limit and _whole_clause(body[: m.start()])
    ]
    if cuts:
        head = body[: cuts[-1]]
    elif len(_words(body)) >= CLIP_MIN_WORDS:
        toks = body[:limit].split()
        ends = [
            i
            for i in range(MIN_PART_WORDS, (len(toks) * 2) // 3 + 1)
            if toks[i].lower() in _PHRASE_STARTS and _whole_clause(" ".join(toks[:i]))
        ]
        if not ends:
            return ""
        head = " ".join(toks[: ends[-1]])
    else:  # a short claim with nothing to leave out: it is not cut, the bullet says it
        return ""
    head = head.rstrip(",;:-–— ")
    return head + "…" if head else ""


def _without_intro(text: str) -> str:
    """The text without a short opening phrase set off by a comma ("On Nov. 11, the court
    ruled ..." -> "The court ruled ..."), or "" when there is none to drop."""
    comma = _INTRO_END.search(text)
    if not comma:
        return ""
    head, rest = text[: comma.start()], text[comma.end() :]
    if not _SUBORDINATOR.match(head) or len(_words(head)) > INTRO_WORDS or head.count('"') % 2:
        return ""  # only an opening phrase goes, never the subject ("Jane Roe, the CEO, said")
    if not _whole_clause(rest):
        return ""
    return rest[:1].upper() + rest[1:]


def summary_part(claim: str) -> str:
    """A claim as it goes into the summary: compressed, never the claim word for word and
    never longer than PART_CHARS; "" when it cannot be shortened."""
    part = compress(claim)
    if _norm(part) == _norm(claim) or len(part) > PART_CHARS:
        part = _without_intro(part) or part
    if _norm(part) == _norm(claim) or len(part) > PART_CHARS:
        part = _clip(part, PART_CHARS)
    return part


def _fit(parts: Sequence[str], prefix: str, limit: int) -> str:
    out = prefix
    for p in parts:
        candidate = f"{out} {p}".strip() if out else p
        if len(candidate) <= limit:
            out = candidate
        elif out == prefix:
            room = limit - len(prefix) - 2
            cut = p[:room]
            space = cut.rfind(" ")
            out = f"{prefix} {cut[: space if space > room // 2 else room].rstrip(',;:')}…".strip()
            break
    return out[:limit]


def _leads(claim: Claim) -> bool:
    """Whether a claim can open the summary: it names someone, and is neither a quote nor
    about someone only a pronoun refers to."""
    first = claim.text.split(maxsplit=1)[0].lower() if claim.text.split() else ""
    return (
        bool(claim.entities)
        and not claim.text.startswith(('"', "“", "'", "‘"))
        and first not in _PRONOUN_OPENERS
    )


def new_claims_line(new: Sequence[Claim], limit: int = LIMIT) -> str:
    """'New: ...' from the first new claims that name someone, each compressed, none
    repeated word for word."""
    texts = [c.text for c in new]
    ordered = [c.text for c in new if _leads(c)] + [c.text for c in new if not _leads(c)]
    parts: list[str] = []
    length = len("New:")
    for text in ordered:
        if len(parts) >= SUMMARY_PARTS:
            break
        part = summary_part(text)
        if not part or summary_repeats(" ".join([*parts, part]), texts):
            continue
        if length + 1 + len(part) > (min(limit, LINE_CHARS) if parts else limit):
            continue
        parts.append(part)
        length += 1 + len(part)
    if not parts:  # nothing compressible: say how much is new, the bullets say what
        return f"New: {len(new)} new claim{'s' if len(new) != 1 else ''}, listed below."
    return _fit(parts, "New:", limit)


def summarize(
    *,
    relevant: bool,
    reason: str,
    claims: Sequence[Claim],
    title: str,
    earliest: str | None,
    earliest_title: str | None,
    limit: int = LIMIT,
) -> str:
    """New claims first (in article order, those naming someone first, compressed); when
    nothing is new, say so and point
    at the earliest coverage; for an article that is off topic, the reason."""
    if not relevant:
        return _fit([reason], "", limit)
    new = [c for c in claims if c.novel]
    if new:
        return new_claims_line(new, limit)
    if not claims:
        return _fit([title or "(no title)"], "New story, no check-worthy claims found:", limit)
    where = earliest or next((c.seen_in for c in claims if c.seen_in), None)
    pointer = f"first reported in {where}" if where else "already reported"
    if earliest_title:
        pointer += f" (“{earliest_title}”)"
    return _fit([f"every claim here was {pointer}."], "Nothing new:", limit)
