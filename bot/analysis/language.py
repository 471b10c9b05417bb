"""Whether a text can be analysed at all: not empty, not binary or garbled, and in a language
the analysis reads (English or Japanese).

The language is identified by CLD2 (the `pycld2` package, which ships its model); the English
and foreign function words counted as a second opinion on Latin-script text are data files in
bot/analysis/data/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis.tokens import clean, words
from bot.analysis.wordlists import word_list

MIN_TEXT_WORDS = 25
MIN_JAPANESE_CHARS = 60  # about two sentences
ENGLISH, JAPANESE, UNKNOWN = "en", "ja", "un"
ANALYSED = frozenset({ENGLISH, JAPANESE})
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z]")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class TextCheck:
    """The language of a text (an ISO 639-1 code, "un" when unknown) and why it cannot be
    analysed (None when it can)."""

    language: str
    problem: str | None


def identify_language(text: str) -> tuple[str, str]:
    """(code, English name) of the text's main language; ("un", "unknown") when CLD2 cannot
    tell. Kana decide Japanese on their own: no other language writes them."""
    import pycld2

    sample = _SURROGATE.sub(" ", _CONTROL_CHARS.sub(" ", text[:20_000]))
    kana = len(_KANA.findall(sample))
    if kana >= 20 and kana > len(_LETTER.findall(sample)) / 10:
        return JAPANESE, "Japanese"
    try:
        reliable, _, details = pycld2.detect(sample)
    except pycld2.error:
        return UNKNOWN, "unknown"
    name, code = details[0][0], details[0][1]
    if code == UNKNOWN or (not reliable and code != ENGLISH):
        return UNKNOWN, "unknown"
    return code, name.capitalize()


def language_name(code: str | None) -> str:
    """The English name of a language code ("ja" -> "Japanese"); older articles, stored
    before languages were, were all read as English."""
    import pycld2

    if not code:
        return "English"
    names: dict[str, str] = {str(c): str(n).capitalize() for n, c in pycld2.LANGUAGES}
    return names.get(code, "unknown" if code == UNKNOWN else code)


def check_text(text: str) -> TextCheck:
    """The language of a text and whether it can be analysed."""
    if not text.strip():
        return TextCheck(UNKNOWN, "empty text")
    raw = text[:20_000]
    controls = len(_CONTROL_CHARS.findall(raw))
    if controls > len(raw) / 100 or raw.count("\ufffd") > len(raw) / 50:
        return TextCheck(UNKNOWN, "binary or garbled text")
    sample = clean(raw)
    if not sample:
        return TextCheck(UNKNOWN, "empty text")
    letters = len(_LETTER.findall(sample))
    if letters / len(sample) < 0.5:
        return TextCheck(UNKNOWN, "binary or garbled text")
    code, name = identify_language(sample)
    if code == JAPANESE:
        if letters < MIN_JAPANESE_CHARS:
            return TextCheck(code, f"too short to judge ({letters} characters)")
        return TextCheck(code, None)
    latin = len(_LATIN.findall(sample))
    toks = words(sample)
    if latin / max(1, letters) >= 0.7:
        english_markers, foreign_markers = (
            word_list("english_markers"),
            word_list("foreign_markers"),
        )
        english = sum(t in english_markers for t in toks)
        foreign = sum(t in foreign_markers and t not in english_markers for t in toks)
        if foreign <= max(english, len(toks) / 50) and code in (ENGLISH, UNKNOWN):
            if len(toks) < MIN_TEXT_WORDS:
                return TextCheck(ENGLISH, f"too short to judge ({len(toks)} words)")
            return TextCheck(ENGLISH, None)
        if code == ENGLISH:
            code, name = UNKNOWN, "unknown"
    elif code == UNKNOWN and _KANA.search(sample) and letters < MIN_JAPANESE_CHARS:
        return TextCheck(code, f"too short to judge ({letters} characters)")
    elif len(toks) < MIN_TEXT_WORDS and code == UNKNOWN:
        return TextCheck(code, f"too short to judge ({len(toks)} words)")
    return TextCheck(code, f"language {name}, neither English nor Japanese")


def text_problem(text: str) -> str | None:
    """Why a text cannot be analysed (empty, binary, a language not read), or None."""
    return check_text(text).problem
