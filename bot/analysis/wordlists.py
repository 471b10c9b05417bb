"""Reads the analysis's word lists: text files in bot/analysis/data/, one word or phrase a line.

Lines starting with "#" are comments (each file's header says what its list is for); blank lines
are skipped. A list is read once, at first use, and kept by `word_list`'s cache.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


@cache
def word_list(name: str) -> frozenset[str]:
    """The words of bot/analysis/data/<name>.txt."""
    lines = (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(s for s in (line.strip() for line in lines) if s and not s.startswith("#"))


def stopwords() -> frozenset[str]:
    """Common English words dropped before words are compared, indexed or searched."""
    return word_list("stopwords")


def generic_name_words() -> frozenset[str]:
    """Words that name a kind of thing or a title, not the thing: "association", "judge"."""
    return word_list("generic_name_words")


def not_entity_words() -> frozenset[str]:
    """Capitalised words that start sentences or name generic things, not entities."""
    return word_list("not_entity")


def role_nouns() -> frozenset[str]:
    """Nouns that name a party or thing of the matter by its role: "court", "deal"."""
    return word_list("role_nouns")
