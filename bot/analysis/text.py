"""Small text helpers shared by the analysis steps: cleaning, words, entities, numbers, similarity.

Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.analysis.aliases import canonical_entities, canonicalize, find_aliases

MAX_TEXT_CHARS = 40_000  # longer inputs are cut: the lead of a news page carries its claims

STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "said",
        "says",
        "say",
        "told",
        "according",
        "mr",
        "mrs",
        "ms",
        "its",
        "it's",
        "that's",
        "one",
        "two",
        "new",
        "last",
        "week",
        "year",
        "month",
        "day",
        "time",
        "first",
    ]
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": " - ", "\xa0": " "})
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*[a-z0-9]|[a-z0-9]")
_TAG = re.compile(r"<[^>]{0,200}>")
_ASCII_WORD = re.compile(r"[a-z0-9]+")

MONTHS = {
    "jan": "jan",
    "january": "jan",
    "feb": "feb",
    "february": "feb",
    "mar": "mar",
    "march": "mar",
    "apr": "apr",
    "april": "apr",
    "may": "may",
    "jun": "jun",
    "june": "jun",
    "jul": "jul",
    "july": "jul",
    "aug": "aug",
    "august": "aug",
    "sep": "sep",
    "sept": "sep",
    "september": "sep",
    "oct": "oct",
    "october": "oct",
    "nov": "nov",
    "november": "nov",
    "dec": "dec",
    "december": "dec",
}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.])[$€£¥]?\s?\d[\d,]*(?:\.\d+)?\s*(?:%|percent|per\s+cent|"
    r"(?:million|billion|trillion|thousand|bn|m)\b)?",
    re.IGNORECASE,
)

# Capitalised words that start sentences or name generic things, not entities.
_NOT_ENTITY: frozenset[str] = frozenset(
    [
        "A",
        "An",
        "The",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "In",
        "On",
        "At",
        "For",
        "From",
        "By",
        "With",
        "Without",
        "As",
        "And",
        "But",
        "Or",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "During",
        "Since",
        "Although",
        "Though",
        "However",
        "Meanwhile",
        "Moreover",
        "Also",
        "Still",
        "Yet",
        "He",
        "She",
        "They",
        "We",
        "I",
        "You",
        "His",
        "Her",
        "Their",
        "Our",
        "My",
        "Your",
        "Who",
        "What",
        "Where",
        "Why",
        "How",
        "Which",
        "There",
        "Here",
        "Then",
        "Some",
        "Many",
        "Most",
        "Several",
        "Other",
        "Others",
        "Such",
        "Both",
        "Each",
        "Every",
        "All",
        "Any",
        "No",
        "Not",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "According",
        "Despite",
        "Under",
        "Over",
        "Into",
        "About",
        "Between",
        "Following",
        "Against",
        "Last",
        "Next",
        "Earlier",
        "Later",
        "Today",
        "Yesterday",
        "Tomorrow",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "CEO",
        "AI",
        "Judge",
        "Justice",
        "Court",
        "Act",
        "Law",
        "Government",
        "Company",
        "Companies",
        "Group",
        "Association",
        "Read",
        "See",
        "Also",
        "Published",
        "Photo",
        "Image",
        "Updated",
        "Share",
        "Click",
        "Subscribe",
        "Advertisement",
        "Related",
        "Nope",
        "Yes",
        "Ultimately",
        "Basically",
        "So",
    ]
)
_CAP_SPAN = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*|\d+[A-Z][\w-]*)(?:\s+(?:(?:of|for|de|and|the|von|van)\s+)?"
    r"(?:[A-Z][\w'’&.-]*|\d+\b))*"
)


def clean(text: str) -> str:
    """Printable, NFKC-normalised text with straight quotes, at most MAX_TEXT_CHARS long."""
    text = text[:MAX_TEXT_CHARS]
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = text.translate(_QUOTES)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\r\n?", "\n", text)
    return text.strip()


def words(text: str) -> list[str]:
    """Lower-case word tokens."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Lower-case words of the alias-canonicalised text, stop words dropped."""
    return [w for w in words(canonicalize(text)) if w not in STOPWORDS and len(w) > 1]


def index_terms(text: str, names: Sequence[str] = ()) -> tuple[str, ...]:
    """Plain lower-case ASCII words ([a-z0-9]+, accents dropped) of the alias-canonicalised
    text, stop words dropped, then the words of `names`: what claims and heads are indexed
    under and queried with (the same tokens SQLite FTS5's unicode61 tokenizer produces)."""
    out: list[str] = []
    for chunk in (canonicalize(text), *names):
        folded = unicodedata.normalize("NFKD", chunk.lower())
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        out.extend(t for t in _ASCII_WORD.findall(folded) if len(t) > 1 and t not in STOPWORDS)
    return tuple(dict.fromkeys(out))


def numbers(text: str) -> tuple[str, ...]:
    """Numbers, amounts and dates in a normalised spelling ("nov 11", "20 million", "2025")."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        out.append(f"{MONTHS[m.group(1).lower()]} {int(m.group(2))}")
        spans.append(m.span(2))
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        raw = m.group(0).strip().lower()
        raw = raw.replace(",", "").replace("per cent", "%").replace("percent", "%")
        raw = re.sub(r"\s+", " ", raw)
        raw = re.sub(r"\s?(bn)$", " billion", raw)
        raw = re.sub(r"(\d)\s?m$", r"\1 million", raw)
        raw = raw.lstrip("$€£¥ ")
        if re.fullmatch(r"\d", raw):
            continue  # bare small integers ("Sora 2", "one of 3") carry no news on their own
        if raw:
            out.append(raw)
    return tuple(dict.fromkeys(out))


_ADJECTIVAL = re.compile(
    r"-(?:based|winning|wide|backed|owned|led|style|era|like|made|born|powered|driven|generated|run)$",
    re.I,
)


def entities(text: str) -> tuple[str, ...]:
    """Named entities: canonical names from the alias table, then other capitalised spans."""
    found: list[str] = []
    masked = list(text)
    for a in find_aliases(text):
        found.append(a.canonical)
        masked[a.start : a.end] = "|" * (a.end - a.start)
    rest = "".join(masked)
    for m in _CAP_SPAN.finditer(rest):
        span = re.sub(r"[’']s?$", "", m.group(0)).rstrip(".-")
        tokens = span.split()
        while tokens and tokens[0].rstrip(".") in _NOT_ENTITY:
            tokens = tokens[1:]
        while tokens and tokens[-1] in {"of", "for", "de", "and", "the", "von", "van"}:
            tokens = tokens[:-1]
        if not tokens or tokens[0][0].isdigit():
            continue
        if len(tokens) == 1:
            tok = tokens[0]
            at_start = not rest[: m.start()].strip() or rest[: m.start()].rstrip()[-1] in ".!?\"'"
            if len(tok) < 3 or tok in _NOT_ENTITY or _ADJECTIVAL.search(tok):
                continue
            if at_start and not tok.isupper() and re.search(r"(?:ing|ly|ed|er)$", tok):
                continue
        elif _ADJECTIVAL.search(tokens[0]):
            tokens = tokens[1:]
        found.append(" ".join(tokens))
    return tuple(dict.fromkeys(found))


# Words that name a kind of thing or a title, not the thing: "association", "judge", "court".
GENERIC_NAME_WORDS: frozenset[str] = frozenset(
    [
        "association",
        "associations",
        "society",
        "group",
        "company",
        "companies",
        "corporation",
        "corp",
        "inc",
        "ltd",
        "llc",
        "court",
        "courts",
        "judge",
        "justice",
        "magistrate",
        "district",
        "regional",
        "high",
        "federal",
        "supreme",
        "appeals",
        "circuit",
        "government",
        "ministry",
        "minister",
        "office",
        "department",
        "agency",
        "commission",
        "council",
        "committee",
        "union",
        "university",
        "institute",
        "foundation",
        "studio",
        "studios",
        "publisher",
        "publishers",
        "news",
        "media",
        "times",
        "daily",
        "international",
        "national",
        "global",
        "american",
        "european",
        "japanese",
        "german",
        "british",
        "chief",
        "officer",
        "executive",
        "president",
        "director",
        "general",
        "counsel",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "ceo",
        "cfo",
        "mr",
        "mrs",
        "ms",
        "dr",
        "the",
    ]
)


def _distinctive(entity: str) -> list[str]:
    toks = [t for t in words(entity) if len(t) >= 3 and t not in STOPWORDS]
    specific = [t for t in toks if t not in GENERIC_NAME_WORDS]
    return specific or toks


def entity_known(entity: str, reference_entities: set[str], reference_text: str) -> bool:
    """Whether `entity` is present in a reference: the same canonical name, or every distinctive
    word of it appears in the reference text ("Judge Ona Wang" vs "Judge Wang" is known;
    "German Journalists' Association" vs "a copyright association" is not)."""
    if entity in reference_entities:
        return True
    return words_known(entity, set(words(reference_text)))


def words_known(entity: str, reference_words: set[str]) -> bool:
    """Every distinctive word of `entity` starts some word of the reference."""
    toks = [t for t in _distinctive(entity) if len(t) >= 4] or _distinctive(entity)[:1]
    return bool(toks) and all(
        t in reference_words or any(w.startswith(t) for w in reference_words) for t in toks
    )


def number_known(number: str, reference_numbers: set[str], reference_text: str) -> bool:
    if number in reference_numbers:
        return True
    digits = re.sub(r"[^\d.]", "", number)
    return (
        bool(digits)
        and re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d])", reference_text) is not None
    )


def char_ngrams(text: str, low: int = 3, high: int = 5) -> Counter[str]:
    """Character n-grams of each content word padded with spaces (like char_wb)."""
    return ngrams_of_words(content_words(text), low, high)


def ngrams_of_words(ws: Iterable[str], low: int = 3, high: int = 5) -> Counter[str]:
    """Character n-grams of each word padded with spaces (like char_wb)."""
    grams: Counter[str] = Counter()
    for w in ws:
        padded = f" {w} "
        for n in range(low, high + 1):
            if len(padded) < n:
                continue
            for i in range(len(padded) - n + 1):
                grams[padded[i : i + n]] += 1
    return grams


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(a[k] * b[k] for k in a.keys() & b.keys())
    if not dot:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


__all__ = [
    "canonical_entities",
    "canonicalize",
    "char_ngrams",
    "clean",
    "content_words",
    "cosine",
    "entities",
    "entity_known",
    "index_terms",
    "jaccard",
    "number_known",
    "numbers",
    "words",
]
