"""Novelty: is a claim already known, and if so where was it seen first?

Method (claim retrieval as in CLEF CheckThat! task 2, novelty as in the TREC Novelty track):

1. lexical candidates: the memory returns the top-k known claims for an OR-query of the
   claim's content words and entity names (bm25 in SQLite FTS5 in the live store);
2. re-scoring here: cosine of character 3-5-gram profiles of the alias-canonicalised content
   words ("the ChatGPT maker" and "OpenAI" become the same token before n-grams are taken);
3. new information: names and numbers of the claim that the best-matching known claims lack
   (a new defendant, a new date or a new dollar figure is news) lower the score;
4. decision: known when the adjusted similarity is high, or when it is moderate and the claim
   adds no new name or number; otherwise new.
5. reader feedback: a claim an alert called new, on which a reader said "Nothing new here",
   is reader-known; a later claim that adds no name or number to it is known at a lower
   (fixed) similarity bar, seen first in that article. Without feedback nothing changes.

Similarities of real rewrites are low in absolute terms (char-n-gram cosine of paraphrases
~0.2-0.5, see notes), so the thresholds sit there; they are named settings, not magic numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.aliases import JURISDICTIONS, PLACES, PRODUCT_MAKERS
from bot.analysis.claims import ExtractedClaim
from bot.analysis.entities import number_known, words_known
from bot.analysis.memory import ClaimQuery, KnownClaim
from bot.analysis.tokens import index_terms, words
from bot.analysis.wordlists import generic_name_words

STEM = 5  # characters kept of each word when counting new words ("ruling", "ruled" -> "rulin")


@dataclass(frozen=True)
class NoveltySettings:
    candidates: int = 20  # top-k asked of the memory per claim
    compare_top: int = 3  # closest known claims whose words count as "already used"
    known_at: float = 0.5  # adjusted similarity at which a claim is known outright
    known_if_nothing_new_at: float = 0.33  # lower bar for a claim with no new name or number
    new_item_penalty: float = 0.03  # per name or number the closest known claims lack
    max_new_word_share: float = 0.7  # "nothing new" also needs some words already used
    known_if_words_known_at: float = 0.25  # a still lower bar when almost no word is new ...
    few_new_words: float = 0.2  # ... i.e. at most this share of its words is new
    seen_in_margin: float = 0.85  # seen_in: earliest candidate within this share of the best
    reader_known_at: float = 0.2  # bar for claims close to a reader-known claim (the cap)


@dataclass(frozen=True)
class ClaimAssessment:
    novel: bool
    similarity: float
    adjusted: float
    closest: KnownClaim | None
    seen_in: str | None
    new_items: tuple[str, ...]
    new_word_share: float = 1.0
    seen_in_story: str | None = None  # the story of the claim named by `seen_in`
    by_reader: bool = False  # known only through reader feedback on `seen_in`


def _stems(terms: Sequence[str]) -> set[str]:
    return {w[:STEM] for w in terms}


def new_word_share(claim_terms: Sequence[str], references: Sequence[KnownClaim]) -> float:
    """Share of the claim's index words (crudely stemmed) that no reference uses."""
    mine = _stems(claim_terms)
    if not mine:
        return 0.0
    ref: set[str] = set()
    for r in references:
        ref |= _stems(r.terms or index_terms(r.text, r.entities))
    return len(mine - ref) / len(mine)


def claim_query(claim_text: str, claim_entities: Sequence[str]) -> ClaimQuery:
    """The look-up for a claim: all its index words (the store keeps the rarest few)."""
    return ClaimQuery(text=claim_text, terms=index_terms(claim_text, claim_entities))


def claim_terms(claim: ExtractedClaim) -> tuple[str, ...]:
    return index_terms(claim.text, claim.entities)


class NgramCache:
    """Sets of character 3-5-grams of index words (each word padded with spaces, like
    char_wb), computed once per word and per text during one analysis. Sets rather than
    counts: in sentence-long texts nearly every n-gram occurs once, and set intersection
    runs in C, which keeps re-scoring of many candidates cheap."""

    def __init__(self, word_cache: dict[str, frozenset[str]] | None = None) -> None:
        # the word cache may outlive one analysis (the Analyzer keeps one, bounded)
        self._words: dict[str, frozenset[str]] = {} if word_cache is None else word_cache
        self._texts: dict[tuple[str, ...], frozenset[str]] = {}

    def _word(self, w: str) -> frozenset[str]:
        g = self._words.get(w)
        if g is None:
            p = f" {w} "
            g = frozenset(p[i : i + n] for n in (3, 4, 5) for i in range(len(p) - n + 1))
            self._words[w] = g
        return g

    def __call__(self, terms: tuple[str, ...]) -> frozenset[str]:
        g = self._texts.get(terms)
        if g is None:
            g = frozenset().union(*(self._word(w) for w in terms))
            self._texts[terms] = g
        return g


def set_cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


# Capitalised words that name no party, court or thing of the matter: company suffixes, the
# abbreviations of a case caption, nationalities, kinds of model and document.
NOT_NEWS_WORDS: frozenset[str] = frozenset(
    {
        "holdings", "pbc", "plc", "co", "ors", "re", "llm", "llms", "faqs", "faq",
        "french", "german", "british", "american", "european", "japanese", "us", "uk",
    }
)  # fmt: skip
_NOT_NEWS_PLACES = JURISDICTIONS | PLACES


def is_news_item(entity: str) -> bool:
    """Whether a name the known claims lack makes a claim news: a party, a court, a person;
    not a country or city (where a court sits says no new fact), a company suffix or a
    nationality."""
    if entity in _NOT_NEWS_PLACES:
        return False
    toks = words(entity)
    generic = generic_name_words()
    return not toks or not all(t in NOT_NEWS_WORDS or t in generic for t in toks)


def attribution(entity: str, text: str) -> bool:
    """Whether `text` names `entity` only as the outlet it got the fact from ("..., The
    Guardian reports", "according to Reuters", "told Reuters"): a source, no new party.

    Found without a pattern per name (compiling one for every name of every claim was a
    tenth of the analysis): each place the name occurs is checked against two fixed ones."""
    lowered, name = text.lower(), entity.lower()
    if not name or len(lowered) != len(text) or len(name) != len(entity):
        return _attribution_by_pattern(entity, text)  # lower() changed lengths: rare
    at = lowered.find(name)
    while at != -1:
        end = at + len(name)
        if _word_boundary(text, end) and _CREDITED_BEFORE.search(text, max(0, at - 80), at):
            return True
        if _word_boundary(text, at) and _CREDITED_AFTER.match(text, end):
            return True
        at = lowered.find(name, at + 1)
    return False


_CREDITED_BEFORE = re.compile(
    r"(?:according\s+to|told|reported\s+by|(?:said|says)\s+(?:to|in))\s+(?:the\s+)?\Z",
    re.IGNORECASE,
)
_CREDITED_AFTER = re.compile(r"\s+(?:reports?|reported|first\s+reported)\b", re.IGNORECASE)


def _word_boundary(text: str, at: int) -> bool:
    """`\\b` at `at`: a word character on one side only."""

    def word(i: int) -> bool:
        return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")

    return word(at - 1) != word(at)


def _attribution_by_pattern(entity: str, text: str) -> bool:
    name = re.escape(entity)
    return (
        re.search(
            rf"(?:according\s+to|told|reported\s+by|(?:said|says)\s+(?:to|in))\s+(?:the\s+)?{name}\b"
            rf"|\b{name}\s+(?:reports?|reported|first\s+reported)\b",
            text,
            re.IGNORECASE,
        )
        is not None
    )


_JOINED_NAMES = re.compile(r"\s+and\s+|(?<=\w)['’]s\s+(?=[A-Z])")


def name_parts(entity: str) -> list[str]:
    """The names a capitalised span runs together: "Ana Lind and Bo Varga"
    names two people, "Acme's Daily Courier" a firm and its paper; each is looked up alone."""
    return [p for p in (q.strip() for q in _JOINED_NAMES.split(entity)) if p] or [entity]


_COURT_WORDS = frozenset({"court", "district", "circuit", "tribunal"})


def is_specific(item: str) -> bool:
    """A day, an amount or a court: the more specific facts that make a known event news
    ("sued on December 5 in the Southern District of New York", "seeking $3 billion")."""
    return (
        _DAY.fullmatch(item) is not None
        or amount(item) is not None
        or any(w in _COURT_WORDS for w in words(item))
    )


_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
AMOUNT_TOLERANCE = 0.05  # "about ¥2.1 billion" and "2,168 million yen" are one amount (or count)


def amount(number: str) -> float | None:
    """The value of a normalised amount ("2.17 billion", "2168 million"), else None."""
    value, _, unit = number.partition(" ")
    if unit not in _SCALE:
        return None
    try:
        return float(value) * _SCALE[unit]
    except ValueError:
        return None


def _amount_known(number: str, reference_numbers: set[str]) -> bool:
    """An amount or a count of at least 1,000 the references state, within the tolerance
    ("about 120,000 articles" after "119,467 articles"; see `count_value`)."""
    mine = count_value(number)
    if mine is None:
        return False
    for ref in reference_numbers:
        theirs = count_value(ref)
        if theirs is not None and abs(mine - theirs) <= AMOUNT_TOLERANCE * max(mine, theirs):
            return True
    return False


_PLAIN = re.compile(r"\d+(?:\.\d+)?")


def count_value(number: str) -> float | None:
    """The value of an amount ("7 million") or of a plain count of at least 1,000
    ("120000"), else None; never a year ("2025" is a date, not about two thousand of
    anything)."""
    scaled = amount(number)
    if scaled is not None:
        return scaled
    if not _PLAIN.fullmatch(number) or _YEAR.fullmatch(number):
        return None
    value = float(number)
    return value if value >= 1000 else None


_DAY = re.compile(r"[a-z]{3} \d{1,2}")  # a normalised day of a month ("jun 11")
_YEAR = re.compile(r"(?:19|20)\d\d")


def new_items(claim: ExtractedClaim, references: Sequence[KnownClaim]) -> tuple[str, ...]:
    """Names and numbers of `claim` that none of `references` mentions (names that say no
    new fact left out: see `is_news_item`; a law report's citation is neither a party nor
    a figure; the maker of a product the references name is no new name)."""
    ref_text = " ".join(r.text for r in references)
    ref_entities = {e for r in references for e in r.entities}
    ref_entities |= {m for e in ref_entities for m in MAKERS_OF.get(e, ())}
    ref_numbers = {n for r in references for n in r.numbers}
    ref_words = set(words(ref_text))
    cited = citations(claim.text)
    out = [
        part
        for e in claim.entities
        for part in name_parts(e)
        if is_news_item(part)
        and not attribution(part, claim.text)
        and part not in ref_entities
        and not words_known(part, ref_words)
        and not _in_citation(part, cited)
        and not same_person(part, ref_entities)
        and not _MODEL_VERSION.fullmatch(part)
    ]
    fresh_numbers = [
        n
        for n in claim.numbers
        if not number_known(n, ref_numbers, ref_text)
        and not _amount_known(n, ref_numbers)
        and not _in_citation(n, cited)
    ]
    # the year of a date whose day the known claims state ("June 11, 2026" after "June 11")
    known_day = any(_DAY.fullmatch(n) for n in claim.numbers if n not in fresh_numbers)
    # ... or the year the known claims were published in: "in November 2025, the court
    # ruled" after a November 2025 report that "the court ruled"
    years = {str(r.published.year) for r in references if r.published is not None}
    out += [n for n in fresh_numbers if not (_YEAR.fullmatch(n) and (known_day or n in years))]
    figures = word_figures(claim.text)
    if figures:  # the references' text is long: read it only when there is something to find
        ref_figures = set(word_figures(ref_text))
        out += [f for f in figures if f not in ref_figures and not _figure_in_digits(f, ref_text)]
    out += [f'"{q}"' for q in quotes(claim.text) if not _quote_known(q, ref_words)]
    return tuple(out)


# A model and its version ("GPT-4", "GPT-4o"): a thing a party makes, not a party.
_MODEL_VERSION = re.compile(r"[A-Z]{2,}[A-Za-z]*-?\d+(?:\.\d+)?[a-z]?")

# Titles before a person's name ("Rep. Joseph Morelle"), beside the generic name words.
_TITLES = frozenset(
    {"rep", "sen", "gov", "representative", "senator", "congressman", "congresswoman",
     "lord", "baroness", "baron", "sir", "dame", "prof", "professor"}
)  # fmt: skip


def _person_words(name: str) -> list[str]:
    generic = generic_name_words()
    return [t for t in words(name) if t not in _TITLES and t not in generic]


def same_person(name: str, reference_names: set[str]) -> bool:
    """Whether `name` is a person the references name with another form of the given name:
    the same surname after a given name of the same initial ("Rep. Joseph Morelle" after
    "Representative Joe Morelle", "J. Morelle"); "Financial Times" is no "New York Times"."""
    mine = _person_words(name)
    if len(mine) < 2 or len(mine[-1]) < 3 or not mine[-1].isalpha():
        return False
    for ref in reference_names:
        theirs = _person_words(ref)
        if (
            len(theirs) >= 2
            and theirs[-1] == mine[-1]
            and theirs[0][0] == mine[0][0]
            and theirs != mine
        ):
            return True
    return False


# Who makes a product, for novelty: a claim naming OpenAI after known claims about ChatGPT
# names no new party (GitHub ships Copilot too).
MAKERS_OF: dict[str, tuple[str, ...]] = {
    **{product: (maker,) for product, maker in PRODUCT_MAKERS.items()},
    "Copilot": ("Microsoft", "GitHub"),
}

# Figures written in words: a vague amount ("billions", "tens of millions"), a count of at
# least two ("three-judge panel", "six months"), an ordinal ("the first such lawsuit",
# "passed for the second time"). Each is a fact: a claim adding one says something new.
_COUNT_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}  # fmt: skip
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_VAGUE = r"(?:dozens|hundreds|thousands|millions|billions|trillions)"
_WORD_FIGURE = re.compile(
    rf"\b(?:(?:tens|hundreds)\s+of\s+(?:thousands|millions|billions)|{_VAGUE}"
    rf"|{'|'.join(_COUNT_WORDS)}|{'|'.join(_ORDINAL_WORDS)})\b"
    r"(?![\s-]+part(?:y|ies)\b)",  # a "third-party firm" is no third of anything
    re.IGNORECASE,
)
_ORDINAL_DIGITS = {1: "1st", 2: "2nd", 3: "3rd"}


def word_figures(text: str) -> list[str]:
    """The figures `text` writes in words, normalised: "3" for "three", "3rd" for "third",
    the words themselves for a vague amount ("tens of millions")."""
    out: list[str] = []
    for m in _WORD_FIGURE.finditer(text):
        w = re.sub(r"\s+", " ", m.group(0).lower())
        if w in _COUNT_WORDS:
            if _counts_names_listed(text, m.start(), m.end(), _COUNT_WORDS[w]):
                continue
            out.append(str(_COUNT_WORDS[w]))
        elif w in _ORDINAL_WORDS:
            n = _ORDINAL_WORDS[w]
            out.append(_ORDINAL_DIGITS.get(n, f"{n}th"))
        else:
            out.append(w)
    return list(dict.fromkeys(out))


_NAME = r"(?:the\s+)?[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)*"
_NAME_LIST = re.compile(rf"{_NAME}(?:,\s+{_NAME})*,?\s+and\s+{_NAME}")
LISTED_WITHIN = 80  # characters of the noun a count counts ("of the largest groups in Japan")
_APPOSED_AFTER = re.compile(rf"[^,.;:]{{0,{LISTED_WITHIN}}},\s+\Z")


def _counts_names_listed(text: str, start: int, end: int, count: int) -> bool:
    """Whether a count only counts the names set beside it ("Two Japanese giants, Nikkei
    and Asahi, are suing"; "Ana Lind and Bo Varga, two authors, sued"): the names are the
    fact, the count adds none."""
    for m in _NAME_LIST.finditer(text):
        if len(re.split(r",\s+|,?\s+and\s+", m.group(0))) != count:
            continue
        after = end <= m.start() and _APPOSED_AFTER.match(text, end, m.start()) is not None
        before = m.end() <= start and re.fullmatch(r",\s+", text[m.end() : start]) is not None
        if after or before:
            return True
    return False


def _figure_in_digits(figure: str, reference_text: str) -> bool:
    """A count or an ordinal the reference writes in digits ("3 judges", "3rd")."""
    if not figure[0].isdigit():
        return False
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d])", reference_text) is not None


# Law-report citations: "123 F.3d 456", "17 U.S.C. § 107", "[2025] EWHC 3343 (Ch)". They
# say where a rule is written, not who is a party or what figure is at stake.
_CITATION = re.compile(
    r"\b\d+\s+(?:F\.\s?(?:2d|3d|4th)|F\.\s?Supp\.(?:\s?[23]d)?|U\.S\.C\.?|U\.S\.|S\.\s?Ct\.)"
    r"(?:\s*§+\s*\d+[\w()]*)?(?:\s+\d+)?"
    r"|§+\s*\d+[\w()]*"
    r"|\[\d{4}\]\s+(?:EWHC|EWCA\s+Civ|UKSC|UKPC|EWHC\s+\w+)\s+\d+(?:\s*\(\w+\))?"
    r"|\b(?:EWHC|EWCA\s+Civ|UKSC)\s+\d+"
    r"|\(Re\s[^()]{1,60}\)"  # the matter of an English report ("(Re Form of Order)")
)


def citations(text: str) -> list[str]:
    """The law-report citations of `text`."""
    return [m.group(0) for m in _CITATION.finditer(text)]


def _in_citation(item: str, cited: Sequence[str]) -> bool:
    """Whether a name or a number of a claim is (part of) one of its citations."""
    if not cited:
        return False
    for c in cited:
        if item in c:
            return True
        digits = re.sub(r"[^\d.]", "", item)
        if digits and item == digits and re.search(rf"(?<!\d){re.escape(digits)}(?!\d)", c):
            return True
    return False


_QUOTE = re.compile(r'"([^"]{12,300})"')
QUOTE_KNOWN_SHARE = 0.5  # a quote is known when this share of its words is in the reference


def quotes(text: str) -> list[str]:
    """Quoted passages of at least three words (quotes are straight after `clean`)."""
    return [q for q in _QUOTE.findall(text) if len(words(q)) >= 3]


def _quote_known(quote: str, reference_words: set[str]) -> bool:
    ws = [w for w in words(quote) if len(w) > 3]
    if not ws:
        return True
    return sum(w in reference_words for w in ws) / len(ws) >= QUOTE_KNOWN_SHARE


def assess_claim(
    claim: ExtractedClaim,
    candidates: Sequence[KnownClaim],
    settings: NoveltySettings,
    grams: NgramCache,
    terms: tuple[str, ...] | None = None,
) -> ClaimAssessment:
    """Assess one claim against its retrieved candidates (`terms`: its index words, if the
    caller has them already)."""
    judged = _assess(claim, candidates, settings, grams, terms)
    if not judged.novel or not any(c.reader_known for c in candidates):
        return judged
    return _reader_known(claim, candidates, settings, grams, terms, judged)


def _reader_known(
    claim: ExtractedClaim,
    candidates: Sequence[KnownClaim],
    settings: NoveltySettings,
    grams: NgramCache,
    terms: tuple[str, ...] | None,
    judged: ClaimAssessment,
) -> ClaimAssessment:
    """A claim judged new, against the claims readers said were not new: known when it is at
    least `reader_known_at` close to one of them and adds no name, number or quote to what
    the candidates say; else the ordinary judgement stands."""
    mine = grams(terms if terms is not None else claim_terms(claim))
    sim, best = max(
        (
            (set_cosine(mine, grams(c.terms or index_terms(c.text, c.entities))), c)
            for c in candidates
            if c.reader_known
        ),
        key=lambda sc: (sc[0], -sc[1].seq),
    )
    if sim < settings.reader_known_at or new_items(claim, candidates):
        return judged
    return ClaimAssessment(
        False, sim, sim, best, best.source_id, (), judged.new_word_share, best.story, True
    )


_CUT_SHORT = re.compile(r"(?:…|\.\.\.)\s*$")


def _cut_short_of(mine_terms: Sequence[str], known: KnownClaim, settings: NoveltySettings) -> bool:
    """A known claim cut short ("... in licensing discussions with Microsoft and OpenAI…")
    whose text the claim goes on past: what the cut left out may be the claim's news, so it
    matches only a claim that adds few words to it."""
    if _CUT_SHORT.search(known.text) is None:
        return False
    return new_word_share(mine_terms, [known]) > settings.few_new_words


def _assess(
    claim: ExtractedClaim,
    candidates: Sequence[KnownClaim],
    settings: NoveltySettings,
    grams: NgramCache,
    terms: tuple[str, ...] | None = None,
) -> ClaimAssessment:
    if not candidates:
        return ClaimAssessment(True, 0.0, 0.0, None, None, claim.entities + claim.numbers)
    mine_terms = terms if terms is not None else claim_terms(claim)
    mine = grams(mine_terms)
    scored = sorted(
        (
            (set_cosine(mine, grams(c.terms or index_terms(c.text, c.entities))), c)
            for c in candidates
            if not _cut_short_of(mine_terms, c, settings)
        ),
        key=lambda sc: (-sc[0], sc[1].seq),
    )
    if not scored:  # only known claims cut short that the claim goes on past
        return ClaimAssessment(True, 0.0, 0.0, None, None, new_items(claim, candidates))
    best_sim, best = scored[0]
    if best_sim < min(settings.known_if_words_known_at, settings.known_at):
        # too far from everything to be known, whatever names or words it adds
        return ClaimAssessment(True, best_sim, best_sim, best, None, ())
    top = [c for _, c in scored[: settings.compare_top]]
    # names and numbers are looked up in every candidate (retrieval used them as query terms,
    # so a name known anywhere comes back); new words only against the closest few
    missing = new_items(claim, candidates)
    fresh = new_word_share(mine_terms, top)
    adjusted = best_sim - settings.new_item_penalty * len(missing)
    # a day, an amount or a court the known claims lack is news however close the wording
    # (the labels' rule: a more specific fact is new even when the general fact is known)
    known = not any(is_specific(m) for m in missing) and (
        adjusted >= settings.known_at
        or (
            not missing
            and (
                (
                    best_sim >= settings.known_if_nothing_new_at
                    and fresh <= settings.max_new_word_share
                )
                # nearly every word already used by the closest claims (TREC "new words")
                or (
                    best_sim >= settings.known_if_words_known_at and fresh <= settings.few_new_words
                )
            )
        )
    )
    if not known:
        return ClaimAssessment(True, best_sim, adjusted, best, None, missing, fresh)
    floor = max(settings.known_if_nothing_new_at, best_sim * settings.seen_in_margin)
    earliest = min((c for s, c in scored if s >= floor), key=lambda c: c.seq, default=best)
    return ClaimAssessment(
        False, best_sim, adjusted, best, earliest.source_id, missing, fresh, earliest.story
    )
