"""Named entities in text, and whether a reference already has a name or a number.

Names come from the alias table first (bot/analysis/aliases.py), then from other capitalised
spans; the words that make no name are data files read by bot/analysis/wordlists.py.
"""

from __future__ import annotations

import re

from bot.analysis.aliases import find_aliases
from bot.analysis.tokens import words
from bot.analysis.wordlists import generic_name_words, not_entity_words, stopwords

_CAP_SPAN = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*|\d+[A-Z][\w-]*)(?:\s+(?:(?:of|for|de|and|the|von|van)\s+)?"
    r"(?:[A-Z][\w'’&.-]*|\d+\b))*"
)
_ADJECTIVAL = re.compile(
    r"-(?:based|winning|wide|backed|owned|led|style|era|like|made|born|powered|driven|generated|run)$",
    re.I,
)


def entities(text: str) -> tuple[str, ...]:
    """Named entities: canonical names from the alias table, then other capitalised spans."""
    not_entity = not_entity_words()
    found: list[str] = []
    masked = list(text)
    for a in find_aliases(text):
        found.append(a.canonical)
        masked[a.start : a.end] = "|" * (a.end - a.start)
    rest = "".join(masked)
    for m in _CAP_SPAN.finditer(rest):
        span = re.sub(r"[’']s?$", "", m.group(0)).rstrip(".-")
        tokens = span.split()
        while tokens and tokens[0].rstrip(".") in not_entity:
            tokens = tokens[1:]
        while tokens and tokens[-1] in {"of", "for", "de", "and", "the", "von", "van"}:
            tokens = tokens[:-1]
        if not tokens or tokens[0][0].isdigit():
            continue
        if len(tokens) == 1:
            tok = tokens[0]
            at_start = not rest[: m.start()].strip() or rest[: m.start()].rstrip()[-1] in ".!?\"'"
            if len(tok) < 3 or tok in not_entity or _ADJECTIVAL.search(tok):
                continue
            if at_start and not tok.isupper() and re.search(r"(?:ing|ly|ed|er)$", tok):
                continue
        elif _ADJECTIVAL.search(tokens[0]):
            tokens = tokens[1:]
        found.append(" ".join(tokens))
    return tuple(dict.fromkeys(found))


def _distinctive(entity: str) -> list[str]:
    stop, generic = stopwords(), generic_name_words()
    toks = [t for t in words(entity) if len(t) >= 3 and t not in stop]
    specific = [t for t in toks if t not in generic]
    return specific or toks


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
    return bool(digits) and _digits_in(digits, reference_text)


def _digits_in(digits: str, text: str) -> bool:
    """Whether `text` writes `digits` as a whole figure: no digit or point just before, no
    digit just after ("45" is in "$45 million", not in "1.45" or "450"). A plain search,
    not a pattern made per number, which would fill re's cache and push others out."""
    start = text.find(digits)
    while start != -1:
        end = start + len(digits)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if not (before.isdecimal() or before == ".") and not after.isdecimal():
            return True
        start = text.find(digits, start + 1)
    return False
