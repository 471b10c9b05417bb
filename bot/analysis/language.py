"""Whether a text can be analysed at all: not empty, not binary or garbled, and in English.

The English and foreign function words it counts are data files in bot/analysis/data/.
"""

from __future__ import annotations

import re

from bot.analysis.tokens import clean, words
from bot.analysis.wordlists import word_list

MIN_TEXT_WORDS = 25
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z]")


def text_problem(text: str) -> str | None:
    """Why a text cannot be analysed (empty, binary, not English), or None if it is usable."""
    if not text.strip():
        return "empty text"
    raw = text[:20_000]
    controls = len(_CONTROL_CHARS.findall(raw))
    if controls > len(raw) / 100 or raw.count("\ufffd") > len(raw) / 50:
        return "binary or garbled text"
    sample = clean(raw)
    if not sample:
        return "empty text"
    letters = len(_LETTER.findall(sample))
    if letters / len(sample) < 0.5:
        return "binary or garbled text"
    latin = len(_LATIN.findall(sample))
    toks = words(sample)
    if len(toks) < MIN_TEXT_WORDS and latin / max(1, letters) >= 0.7:
        return f"too short to judge ({len(toks)} words)"
    if latin / max(1, letters) < 0.7:
        return "not English"
    english_markers, foreign_markers = word_list("english_markers"), word_list("foreign_markers")
    english = sum(t in english_markers for t in toks)
    foreign = sum(t in foreign_markers and t not in english_markers for t in toks)
    if foreign > max(english, len(toks) / 50):
        return "not English"
    return None
