"""Cleaning and tokenizing: printable text, words, index terms, numbers.

Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.analysis.aliases import canonicalize
from bot.analysis.wordlists import stopwords

MAX_TEXT_CHARS = 40_000  # longer inputs are cut: the lead of a news page carries its claims

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


def index_terms(text: str, names: Sequence[str] = ()) -> tuple[str, ...]:
    """Plain lower-case ASCII words ([a-z0-9]+, accents dropped) of the alias-canonicalised
    text, stop words dropped, then the words of `names`: what claims and heads are indexed
    under and queried with (the same tokens SQLite FTS5's unicode61 tokenizer produces)."""
    stop = stopwords()
    out: list[str] = []
    for chunk in (canonicalize(text), *names):
        folded = unicodedata.normalize("NFKD", chunk.lower())
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        out.extend(t for t in _ASCII_WORD.findall(folded) if len(t) > 1 and t not in stop)
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
