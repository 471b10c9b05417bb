"""Katakana readings in the Latin spelling English copy gives Japanese names.

Hepburn as newspapers write it: long vowels left out (the reading's ー: タロー -> "taro",
サトー -> "sato"), ッ doubling the next consonant, ン as "n". The reading comes from the
dictionary the words are split with (IPADIC's pronunciation of each word), so no separate
romaniser and its tables are needed. A pure function of its argument.
"""

from __future__ import annotations

_ROWS = {
    "": "アイウエオ",
    "k": "カキクケコ",
    "g": "ガギグゲゴ",
    "s": "サシスセソ",
    "z": "ザジズゼゾ",
    "t": "タチツテト",
    "d": "ダヂヅデド",
    "n": "ナニヌネノ",
    "h": "ハヒフヘホ",
    "b": "バビブベボ",
    "p": "パピプペポ",
    "m": "マミムメモ",
    "r": "ラリルレロ",
}
_IRREGULAR = {"シ": "shi", "ジ": "ji", "チ": "chi", "ヂ": "ji", "ツ": "tsu", "ヅ": "zu", "フ": "fu"}
_KANA: dict[str, str] = {}
for _consonant, _kana in _ROWS.items():
    for _vowel, _k in zip("aiueo", _kana, strict=True):
        _KANA[_k] = _IRREGULAR.get(_k, _consonant + _vowel)
_KANA.update(
    {"ヤ": "ya", "ユ": "yu", "ヨ": "yo", "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n"}
)
_KANA["ヴ"] = "vu"
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}  # after a kana of the i column: キャ kya, シャ sha
_SMALL_VOWEL = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}  # ファ fa, ティ ti
_HIRAGANA_OFFSET = ord("ァ") - ord("ぁ")


def to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + _HIRAGANA_OFFSET) if "ぁ" <= c <= "ゖ" else c for c in text)


def romanise(reading: str) -> str:
    """A katakana (or hiragana) reading in Latin letters, lower case ("キウチ" -> "kiuchi")."""
    out: list[str] = []
    double = False
    for c in to_katakana(reading):
        if c == "ー":
            continue  # the long vowel: English copy leaves it out
        if c == "ッ":
            double = True
            continue
        if c in _SMALL_Y and out and out[-1].endswith("i"):
            last = out.pop()[:-1]
            out.append(
                last + (_SMALL_Y[c] if last.endswith(("sh", "ch", "j")) else "y" + _SMALL_Y[c])
            )
            continue
        if c in _SMALL_VOWEL and out and out[-1]:
            last = out.pop()
            head = "w" if last == "u" else last[:-1]
            out.append(head + _SMALL_VOWEL[c])
            continue
        syllable = _KANA.get(c, _SMALL_Y.get(c) or _SMALL_VOWEL.get(c, ""))
        if double and syllable:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double = False
        out.append(syllable)
    return "".join(out)
