"""Claim quality: why an emitted claim would not read as a sentence in an alert, if it would not.

`claim_defects(text, title=...)` names each defect of one claim; an empty tuple means the claim
reads as a whole sentence. The kinds, in the order they are reported:

* ``abbreviation``: it ends in an abbreviation that does not end sentences ("Warner Bros.",
  "Rep.", "R-Mich.", "Bartz v.", "Sept.", an initial): the splitter cut a sentence in two;
* ``unfinished``: it stops without closing punctuation, mid-sentence (a cut-off text);
* ``no-verb``: no finite verb by a light check (a word list of common verbs and auxiliaries,
  past-tense endings, an -s word after its subject), so a caption, a label or a stub;
* ``fragment-start``: it starts in lower case or with stray punctuation, the tail of a
  sentence split in the wrong place;
* ``dangling-opener``: it opens with a connective ("But", "However,", "Instead,") that refers
  to a sentence the reader is not shown;
* ``list-stub``: it introduces a list ("... include:") or is one bare item of one;
* ``boilerplate``: a byline, a photo credit or caption, "Read more", a newsletter plug;
* ``headline``: it repeats the article's headline.

`summary_repeats(summary, claims)` tells which claims a summary repeats word for word, and
`measure(verdicts, titles)` counts both over the verdicts of a run (what `eval` reports).
Pure functions; the same checks the extractor applies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def wordset(text: str) -> frozenset[str]:
    """The words of a whitespace-separated list, as a set (keeps long word lists readable)."""
    return frozenset(text.split())


# Abbreviations that never close a sentence: titles before a name, "v." between parties,
# "No." before a number, month abbreviations before a day.
TITLE_ABBREVIATIONS: frozenset[str] = wordset(
    """v vs rep reps sen sens gov govs dr mr mrs ms messrs prof gen lt col capt sgt adm
    hon rev pres atty supt no nos st mt ft jan feb mar apr aug sep sept oct nov dec"""
)
# Abbreviations that usually sit inside a name ("Warner Bros. Discovery", "R-Mich.,") and
# close a sentence only rarely; a claim ending in one was cut before the rest of the name.
NAME_ABBREVIATIONS: frozenset[str] = wordset(
    """bros jr sr dept assn univ intl mfg corp inc co ltd cos
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo
    mont neb nev okla ore pa tenn tex vt va wash wis wyo"""
)
_LAST_TOKEN = re.compile(r"(?:^|[\s(\[\"'“‘])([A-Za-z][A-Za-z.\-]*)\.[\"')\]”’]*\s*$")
# an initial after a name or another initial ("by J." / "J. K."), not "4.5 V." or "Plan B"
_INITIAL = re.compile(r"(?:\b[A-Z][a-z]+|\b[A-Z]\.)\s[A-Z]\.\s*$")
_PARTY_STATE = re.compile(r"\b[RDI]-[A-Z][a-z]{1,4}\.\s*$")

# The light verb check: auxiliaries, modals and the verbs news copy leans on, in every form.
_AUXILIARIES = wordset(
    """is are was were be been being am isn't aren't wasn't weren't has have had hasn't
    haven't hadn't do does did doesn't don't didn't will would can could may might must
    shall should won't wouldn't can't cannot couldn't shouldn't it's that's there's he's
    she's what's who's they're we're i'm you're they've we've they'll we'll he'll she'll
    it'll"""
)
_IRREGULAR = wordset(
    """said says say told tells tell made makes make took takes take gave gives give got
    gets get went goes go came comes come saw sees see knew knows know found finds find
    thought thinks think won wins win lost loses lose paid pays pay sought seeks seek
    brought brings bring began begins begin led leads lead held holds hold met meets meet
    ran runs run set sets put puts cut cuts hit hits let lets kept keeps keep left leaves
    leave sent sends send spent spends spend built builds build fell falls fall chose
    chooses choose wrote writes write read reads stood stands stand understood became
    becomes become struck strikes strike sold sells sell bought buys buy fought fights
    fight greenlit drew draws draw grew grows grow rose rises rise hid hides shut felt
    feels feel means meant mean"""
)
_REGULAR_BASES = wordset(
    """accuse add agree allege allow announce answer appeal apply argue ask back ban block
    call cite claim comply confirm consider continue copy criticise criticize decide declare
    decline defend demand deny describe disclose dismiss dispute drop emphasise emphasize end
    ensure expect face file follow force grant help hope include infringe insist intend
    introduce join launch license licence like look mark move need note object offer open
    order own partner pass plan point prevent propose protect provide publish push raise
    reach receive refuse reject release rely remain remove report represent request require
    respond reveal rule scrape seek settle share ship show sign start state stop strike sue
    suggest support train try urge use violate vote want warn work"""
)
_DOUBLING = wordset("ban drop plan stop ship")


def _forms(base: str) -> set[str]:
    stem = base[:-1] if base.endswith("e") else base
    third = base[:-1] + "ies" if base.endswith("y") and base[-2] not in "aeiou" else base + "s"
    if base.endswith(("s", "sh", "ch", "x", "z")):
        third = base + "es"
    past = base + "d" if base.endswith("e") else base + "ed"
    if base.endswith("y") and base[-2] not in "aeiou":
        past = base[:-1] + "ied"
    if base in _DOUBLING:
        past, stem = base + base[-1] + "ed", base + base[-1]
    return {base, third, past, stem + "ing"}


_VERB_FORMS: frozenset[str] = frozenset(
    _AUXILIARIES | _IRREGULAR | {f for b in _REGULAR_BASES for f in _forms(b)}
)
# Words ending in -ed that are not verbs.
_NOT_PAST = wordset("bed red shed hundred seed feed speed breed deed bled fled sled")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")

# A connective that points back at a sentence the reader of one claim is not shown: a
# conjunction ("But the court ...") or an adverb set off by a comma ("However, the court ...").
DANGLING_OPENER = re.compile(
    r"^(?:(?:but|and|or|yet|nor)(?:\s*,)?\s+(?=\S)"
    r"|(?:however|instead|still|meanwhile|moreover|furthermore|nevertheless|nonetheless|"
    r"conversely|likewise|similarly|otherwise|thus|hence|therefore|also|besides|plus|then|"
    r"rather|even so|by contrast|in contrast|in addition|on the other hand|as a result|"
    r"that said|in turn|but then|and yet|what's more|what is more|notably|that is|well|"
    r"indeed|in fact|after all|of course|to be sure|"
    r"(?:but|and) (?:now|then|still|yet|so))\s*,\s*)",
    re.IGNORECASE,
)
_LIST_STUB = re.compile(r":\s*$|^(?:[-•*·▪●]|\d{1,2}[.)])\s|^(?:including|among them)\b", re.I)
_BOILERPLATE = re.compile(
    r"^(?-i:By\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:[,|/-]|$|and\b))"
    r"|^(?:see also|read more|read next|related:|more:|also read|published by|advertisement|"
    r"subscribe|sign up|click here|share this|follow us|photo:|photo by|image:|image credit|"
    r"credit:|caption:|pictured:|file photo|reporting by|editing by|writing by|disclosure:|"
    r"copyright ©|all rights reserved)"
    r"|\((?:photo|image|picture)s?\b[^)]*\)\s*$"
    r"|\b(?:getty images|afp via getty|reuters/\w+|ap photo|shutterstock)\s*\)?\.?\s*$"
    r"|\bis an? \w+ publication|\bsign up for (?:our|the) \w+ newsletter"
    r"|^if you (?:have any questions|need (?:any )?(?:advice|help|support))"
    r"|\b(?:contact|call|email) (?:us|our team)\b|\bget in touch\b",
    re.IGNORECASE,
)
# lower case or stray punctuation first; a name such as "xAI" or "eBay" is no fragment
_FRAGMENT_START = re.compile(r"^(?:[a-z](?![a-z]*[A-Z])|[.,;:)\]-])")
_CLOSING = re.compile(r"[.!?…][\"')\]”’»]*\s*$|[\"”»]\s*$")


def abbreviation_kind(token: str) -> str | None:
    """What kind of abbreviation `token` (as written, without its full stop) is: "title" for
    one that never closes a sentence ("Rep", "Sept", "v"), "name" for one that sits inside a
    name ("Bros", "Inc", "Mich"), else None. "v"/"vs" count in lower case only ("4.5 V" is
    volts), the others capitalised only ("the answer was no." ends a sentence)."""
    last = token.rsplit("-", 1)[-1]
    low = last.lower()
    if low in {"v", "vs"}:
        return "title" if last == low else None
    if not last[:1].isupper():
        return None
    if low in TITLE_ABBREVIATIONS:
        return "title"
    return "name" if low in NAME_ABBREVIATIONS else None


def ends_in_abbreviation(text: str) -> bool:
    """Whether the text ends in an abbreviation that does not close a sentence."""
    s = text.rstrip()
    if _INITIAL.search(s) or _PARTY_STATE.search(s):
        return True
    m = _LAST_TOKEN.search(s)
    return m is not None and abbreviation_kind(m.group(1)) is not None


_DETERMINERS = wordset(
    "the a an this that these those its their his her our my your each every another"
)
_SUBJECTS = wordset("it this that he she which who what there one")
_NOT_THIRD_PERSON = wordset(
    """its his has was is this thus us plus yes news always perhaps sometimes less across
    various previous famous serious status focus bonus campus census corpus virus series
    species analysis basis crisis thesis whereas afterwards towards besides"""
)


def _third_person(tokens: list[str], i: int) -> bool:
    """Whether lower-case tokens[i], ending in -s, reads as a verb after its subject: it
    follows a name or a subject pronoun, or a noun phrase opened by a determiner."""
    tok = tokens[i].lower()
    if (
        not tokens[i][0].islower()
        or len(tok) < 4
        or not tok.endswith("s")
        or tok.endswith(("ss", "us", "is", "'s"))
        or tok in _NOT_THIRD_PERSON
        or i == 0
    ):
        return False
    prev = tokens[i - 1]
    if prev.lower() in _DETERMINERS:
        return False
    if prev[0].isupper() or prev.lower() in _SUBJECTS:
        return True
    for back in range(i - 2, max(-1, i - 4), -1):
        word = tokens[back].lower()
        if word in _DETERMINERS or word.endswith("'s"):
            return True
        if not tokens[back][0].islower():
            return False
    return False


def has_verb(text: str) -> bool:
    """A light check for a finite verb: an auxiliary, a listed verb form, a lower-case word
    with a past-tense ending, or an -s word right after its subject. Text mostly in another
    script passes (the check knows English only)."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) < len(letters) / 2:
        return True  # not in Latin script: an English word list says nothing about it
    tokens = [t.replace("’", "'") for t in _WORD.findall(text)]
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low in _VERB_FORMS and (i == 0 or tok[0].islower() or tok.isupper()):
            return True
        if tok[0].islower() and len(low) > 4 and low.endswith("ed") and low not in _NOT_PAST:
            return True
        if _third_person(tokens, i):
            return True
    return False


def starts_as_fragment(text: str) -> bool:
    """Whether a claim starts in lower case or with stray punctuation: the tail of a sentence
    split in the wrong place, or a list item ("bazaar, making it work on ...")."""
    return bool(_FRAGMENT_START.match(text.strip()))


def is_boilerplate(text: str) -> bool:
    """A byline, a photo credit or caption, "Read more" and other page furniture."""
    return bool(_BOILERPLATE.search(text.strip()))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def repeats_headline(text: str, title: str | None) -> bool:
    """Whether a claim is the headline again (the same words, or the headline plus a full stop)."""
    if not title:
        return False
    t, c = _norm(title), _norm(text)
    return bool(t) and (c == t or (len(t.split()) >= 5 and c.startswith(t) and len(c) - len(t) < 3))


def claim_defects(text: str, *, title: str | None = None) -> tuple[str, ...]:
    """The defects of one emitted claim, in a fixed order; () when it reads as a sentence."""
    s = text.strip()
    found: list[str] = []
    if ends_in_abbreviation(s):
        found.append("abbreviation")
    elif not _CLOSING.search(s):
        found.append("unfinished")
    if not has_verb(s):
        found.append("no-verb")
    if starts_as_fragment(s):
        found.append("fragment-start")
    if DANGLING_OPENER.match(s):
        found.append("dangling-opener")
    if _LIST_STUB.search(s):
        found.append("list-stub")
    if is_boilerplate(s):
        found.append("boilerplate")
    if repeats_headline(s, title):
        found.append("headline")
    return tuple(found)


def summary_repeats(summary: str, claims: Sequence[str]) -> list[str]:
    """The claims a summary repeats word for word (the claim's words, in order, inside it)."""
    padded = f" {_norm(summary)} "
    return [c for c in claims if _norm(c) and f" {_norm(c)} " in padded]


@dataclass(frozen=True)
class QualityMeasures:
    """Claim and summary quality over the verdicts of one run."""

    claims: int = 0  # claims emitted for relevant articles
    defective_claims: int = 0  # claims with at least one defect
    defects: dict[str, int] = field(default_factory=dict)  # claims per defect kind
    summaries_repeating_a_claim: int = 0  # summaries that contain one of their new claims
    summary_chars_max: int = 0
    examples: tuple[tuple[str, str, str], ...] = ()  # (article id, defect or "summary", text)


def measure(
    verdicts: Sequence[Mapping[str, Any]], titles: Mapping[str, str | None] | None = None
) -> QualityMeasures:
    """Count claim defects and summaries that repeat a new claim over `analyze` verdict dicts
    (`id`, `relevant`, `claims` [`text`, `novel`], `summary`); `titles` maps an article id
    to its headline for the headline check."""
    kinds: Counter[str] = Counter()
    claims = defective = repeating = longest = 0
    examples: list[tuple[str, str, str]] = []
    for v in verdicts:
        article = str(v.get("id"))
        summary = str(v.get("summary") or "")
        longest = max(longest, len(summary))
        if not v.get("relevant"):
            continue
        emitted = [c for c in v.get("claims") or [] if isinstance(c, Mapping)]
        for c in emitted:
            claims += 1
            found = claim_defects(str(c.get("text", "")), title=(titles or {}).get(article))
            kinds.update(found)
            defective += bool(found)
            if found:
                examples.append((article, ",".join(found), str(c.get("text", ""))))
        repeated = summary_repeats(
            summary, [str(c.get("text", "")) for c in emitted if c.get("novel")]
        )
        repeating += bool(repeated)
        if repeated:
            examples.append((article, "summary", repeated[0]))
    return QualityMeasures(
        claims=claims,
        defective_claims=defective,
        defects=dict(sorted(kinds.items())),
        summaries_repeating_a_claim=repeating,
        summary_chars_max=longest,
        examples=tuple(examples),
    )
