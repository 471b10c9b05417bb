"""Japanese text for the analysis: sentences, words, names and numbers in English terms.

Words come from Lindera with the IPADIC dictionary (the `lindera-python-ipadic` package ships
both). Names are mapped to the canonical English names of the alias tables
(data/aliases_ja.toml for Japanese spellings, data/aliases.toml for Latin ones), and personal
names missing from the tables are romanised from the dictionary's own reading of them
(romaji.py: 山田太郎 -> "Taro Yamada"); dates and amounts are written as English copy writes
them (10月27日 -> "October 27", 21億7000万円 -> "2.17 billion yen"), so a Japanese claim and an
English one can be compared on parties, numbers and events.
Everything here is a pure function of its arguments; the tokenizer and tables load on first use.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from bot.analysis.romaji import romanise

JA_ALIAS_TABLE = Path(__file__).with_name("data") / "aliases_ja.toml"

# A sentence ends at 。！？ (NFKC has made the full-width ！？ plain) and the closing brackets
# right after it; a line of its own is a sentence too.
_SENTENCE_END = re.compile(r"[。!?！？][」』）)】〉》\"']*")
_JAPANESE_CHAR = re.compile(r"[\u3041-\u30ff\u3400-\u9fff々〆ヶ]")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"(\d{4})年")
_UNITS = {"兆": 10**12, "億": 10**8, "万": 10**4}
_AMOUNT = re.compile(
    r"(?:\d[\d,]*(?:\.\d+)?[兆億万])+(?:\d[\d,]*)?|\d[\d,]*(?:\.\d+)?(?=円|ドル|人|件|社|本)"
)
_AMOUNT_PART = re.compile(r"(\d[\d,]*(?:\.\d+)?)([兆億万]?)")
_CURRENCY = {"円": "yen", "ドル": "dollars"}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")


@dataclass(frozen=True)
class Morpheme:
    surface: str
    pos: str  # part of speech, e.g. "名詞"
    detail: str  # its first subcategory, e.g. "固有名詞"
    kind: str  # its second, e.g. "人名" (a person's name)
    reading: str = ""  # its pronunciation in katakana (タロー), "" when the dictionary has none


@dataclass(frozen=True)
class JapaneseTables:
    """Japanese spelling -> canonical English name, and Japanese word -> English event word,
    each longest spelling first."""

    names: tuple[tuple[str, str], ...]
    events: tuple[tuple[str, str], ...]


@cache
def japanese_tables() -> JapaneseTables:
    data = tomllib.loads(JA_ALIAS_TABLE.read_text(encoding="utf-8"))

    def flat(section: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
        pairs = [(spelling, name) for name, spellings in section.items() for spelling in spellings]
        return tuple(sorted(pairs, key=lambda p: -len(p[0])))

    return JapaneseTables(flat(data["aliases"]), flat(data["events"]))


@cache
def _tokenizer() -> Any:
    from lindera import Tokenizer, load_dictionary

    return Tokenizer(load_dictionary("embedded://ipadic"), mode="normal")


def is_japanese(text: str) -> bool:
    return _JAPANESE_CHAR.search(text) is not None


@lru_cache(maxsize=2048)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    """The words of `text` with their part of speech (IPADIC's labels)."""
    out = []
    for token in _tokenizer().tokenize(text):
        d = [*token.details, "*", "*", "*"]
        if token.surface.strip():
            reading = d[8] if len(d) > 8 and d[8] != "*" else ""
            out.append(Morpheme(token.surface, d[0], d[1], d[2], reading))
    return tuple(out)


def spaced(text: str) -> str:
    """`text` with a space between its words: what word features, term families and search
    indexes read (each of them splits on spaces and punctuation)."""
    return " ".join(m.surface for m in morphemes(text))


def sentences(text: str) -> list[str]:
    """Sentences: split at line ends and after 。!? with the closing brackets that follow."""
    out: list[str] = []
    for line in text.splitlines():
        start = 0
        for m in _SENTENCE_END.finditer(line):
            piece = line[start : m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        rest = line[start:].strip()
        if rest:
            out.append(rest)
    return out


def _amount(raw: str) -> float:
    total = 0.0
    for number, unit in _AMOUNT_PART.findall(raw):
        total += float(number.replace(",", "")) * _UNITS.get(unit, 1)
    return total


def _english_amount(value: float) -> str:
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if value >= size:
            return f"{round(value / size, 3):g} {word}"
    return f"{value:g}"


def english_numbers(text: str) -> list[str]:
    """Dates, amounts, percentages and years of Japanese `text`, spelled as English copy
    spells them ("October 27", "2025", "2.168 billion yen", "30%")."""
    out: list[str] = []
    covered: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(f"{_MONTH_NAMES[month - 1]} {day}")
            if m.group(1):
                out.append(m.group(1))
        covered.append(m.span())
    for m in _YEAR.finditer(text):
        if not any(a <= m.start() < b for a, b in covered):
            out.append(m.group(1))
            covered.append(m.span())
    for m in _AMOUNT.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        after = text[m.end() : m.end() + 2]
        currency = next((v for k, v in _CURRENCY.items() if after.startswith(k)), "")
        out.append(f"{_english_amount(_amount(m.group(0)))} {currency}".strip())
    out += [f"{m.group(1)}%" for m in _PERCENT.finditer(text)]
    return list(dict.fromkeys(out))


def full_date_years(text: str) -> set[str]:
    """The years written as part of a full date (2025年10月27日 -> {"2025"})."""
    return {m.group(1) for m in _DATE.finditer(text) if m.group(1)}


def _romanised(name: Morpheme) -> str:
    return romanise(name.reading).capitalize()


@dataclass(frozen=True)
class EnglishTerms:
    """What a Japanese text says, in English terms: the canonical names of its parties (the
    tables' names, then romanised personal names), its events and its numbers."""

    names: tuple[str, ...]
    events: tuple[str, ...]
    numbers: tuple[str, ...]
    latin: tuple[str, ...]  # words written in Latin letters (Sora, robots.txt, Comet)

    def text(self) -> str:
        """One English line of it, for the English name finder, index words and titles."""
        return ", ".join((*self.names, *self.events, *self.numbers, *self.latin))


@lru_cache(maxsize=2048)
def english_terms(text: str) -> EnglishTerms:
    from bot.analysis.aliases import find_aliases

    tables = japanese_tables()
    found: list[tuple[int, str]] = []  # (position, name): names in the order the text has them
    masked = text
    for spelling, name in tables.names:
        if spelling in masked:
            found.append((masked.index(spelling), name))
            masked = masked.replace(spelling, "|" * len(spelling))
    names = [name for _, name in sorted(found)]
    events = [event for word, event in tables.events if word in text]
    latin: list[str] = []
    people: list[str] = []
    run: list[Morpheme] = []
    for m in morphemes(masked):
        if m.detail == "固有名詞" and m.kind == "人名" and is_japanese(m.surface) and m.reading:
            run.append(m)
            continue
        if run:
            people.append(" ".join(_romanised(p) for p in reversed(run)))  # given name first
            run = []
        if re.fullmatch(r"[A-Za-z][\w.+-]*", m.surface):
            latin.append(m.surface)
    if run:
        people.append(" ".join(_romanised(p) for p in reversed(run)))
    # Latin-letter names through the English table, one word after another ("Sora 2")
    latin_text = " ".join(latin)
    names += [a.canonical for a in find_aliases(latin_text)]
    names += people
    return EnglishTerms(
        names=tuple(dict.fromkeys(names)),
        events=tuple(dict.fromkeys(events)),
        numbers=tuple(english_numbers(text)),
        latin=tuple(dict.fromkeys(latin)),
    )
