"""Entity aliases for the beat: finds the companies, plaintiffs, courts and bodies a text names.

The alias table itself is data, bot/analysis/data/aliases.toml: each canonical name with the
ways news copy refers to it ("the ChatGPT maker", "Sam Altman's company" -> OpenAI). Matching
claims and stories compares canonical names, so a rewrite that swaps a name for a description
still matches. The groupings of canonical names below (big developers, products, places...)
say what a name means for a story.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

ALIAS_TABLE = Path(__file__).with_name("data") / "aliases.toml"


@dataclass(frozen=True)
class AliasTable:
    """canonical name -> alias patterns (regex source), in table order, and the entries
    whose patterns match with the case written."""

    aliases: dict[str, tuple[str, ...]]
    case_sensitive: frozenset[str]


@cache
def alias_table() -> AliasTable:
    """The alias table of bot/analysis/data/aliases.toml, read on first use."""
    data = tomllib.loads(ALIAS_TABLE.read_text(encoding="utf-8"))
    return AliasTable(
        aliases={name: tuple(patterns) for name, patterns in data["aliases"].items()},
        case_sensitive=frozenset(data["case_sensitive"]),
    )


@cache
def alias_names() -> frozenset[str]:
    """Every canonical name of the alias table."""
    return frozenset(alias_table().aliases)


# Names that turn up in many unrelated disputes of this beat (the big AI developers, their
# products, jurisdictions): they say little about *which* event an article reports.
BIG_DEVELOPERS: frozenset[str] = frozenset(
    {"OpenAI", "Anthropic", "Meta", "Google", "Microsoft", "Nvidia", "Apple", "Amazon"}
)
PRODUCTS: frozenset[str] = frozenset(
    {"ChatGPT", "Sora", "Claude", "Llama", "Gemini", "Copilot", "Stable Diffusion", "Sam Altman"}
)
# Who makes each product: a story about ChatGPT's output is a story against OpenAI.
PRODUCT_MAKERS: dict[str, str] = {
    "ChatGPT": "OpenAI", "Sora": "OpenAI", "Claude": "Anthropic", "Llama": "Meta",
    "Gemini": "Google", "Copilot": "Microsoft", "Stable Diffusion": "Stability AI",
}  # fmt: skip
JURISDICTIONS: frozenset[str] = frozenset(
    {"Japan", "Germany", "United Kingdom", "United States", "European Union"}
)
COMMON_PARTIES: frozenset[str] = BIG_DEVELOPERS | PRODUCTS | JURISDICTIONS
# Entries that name a court or a rule rather than a party: a story title names a rule as
# the matter of a regulation story and never puts a court on either side of "v.".
COURTS: frozenset[str] = frozenset({"High Court"})
RULES: frozenset[str] = frozenset(
    {"EU AI Act", "EU AI Code of Practice", "Data (Use and Access) Bill"}
)
# Where training data came from (file-sharing networks, shadow libraries, datasets): named in
# many suits against many developers, they say little about which matter an article reports.
DATA_SOURCES: frozenset[str] = frozenset(
    {"BitTorrent", "Anna's Archive", "LibGen", "Books3", "Z-Library", "Pirate Library Mirror"}
)
# A rule made under another (a code of practice under an act): an article about the one is
# part of the storyline of the other, like a member of a group of rights holders.
RULE_PARENTS: dict[str, str] = {"EU AI Code of Practice": "EU AI Act"}
# Rights holders who act together in one dispute: a statement by any of them is part of the
# same storyline as the others' letters and demands (the seed dispute: CODA, the studios and
# publishers of Japan against the training of Sora 2). A group counts like a kind of rights
# holder among an article's parties.
PARTY_GROUPS: dict[str, frozenset[str]] = {
    "Japanese rights holders": frozenset(
        {
            "CODA", "Studio Ghibli", "Hayao Miyazaki", "Square Enix", "Bandai Namco",
            "Kadokawa", "Toho", "Shueisha", "Kodansha", "Shogakukan", "Toei Animation",
            "Aniplex", "Japan Newspaper Publishers and Editors Association",
            "Japan Book Publishers Association", "Association of Japanese Animations",
        }
    ),
}  # fmt: skip
# Who builds or runs AI systems: in a dispute over training data, the side that is sued or
# asked (a story title puts them after "v.").
AI_DEVELOPERS: frozenset[str] = BIG_DEVELOPERS | frozenset(
    {
        "Stability AI", "Midjourney", "Perplexity", "Suno", "Udio", "xAI", "Mistral", "Cohere",
        "Runway", "MiniMax", "Ross Intelligence", "Databricks", "GitHub", "LAION", "Elon Musk",
    }
)  # fmt: skip


# Places that turn up in many stories (where a court sits, where a firm is based): like the
# common parties, they say little about which matter an article reports.
PLACES: frozenset[str] = frozenset(
    {
        "California", "San Francisco", "New York", "Delaware", "Washington", "Hollywood",
        "Tokyo", "Munich", "Hamburg", "Berlin", "London", "Paris", "Europe", "China", "Chinese",
        "India", "Canada", "Australia", "Australian", "France", "Silicon Valley",
    }
)  # fmt: skip

# Kinds of rights holder an article may name instead of a party ("authors sued Anthropic"):
# (kind, regex) in table order. The kind stands in for the plaintiff when no name does.
PARTY_KINDS: tuple[tuple[str, str], ...] = (
    ("authors", r"\b(?:authors?|writers?|novelists?|books?)\b"),
    (
        "music publishers",
        r"\b(?:music\s+publishers?|record\s+labels?|songwriters?|lyrics|songs?)\b",
    ),
    ("news publishers", r"\b(?:newspapers?|news\s+(?:publishers?|outlets?|organi[sz]ations?))\b"),
    ("visual artists", r"\b(?:(?:visual\s+)?artists?|illustrators?|photographers?)\b"),
)


@dataclass(frozen=True)
class AliasMatch:
    canonical: str
    start: int
    end: int


def _required_word(pattern: str) -> str | None:
    """The longest literal run of 3+ letters outside any group or character class: every
    match of `pattern` contains it (lower-cased). None when there is no such run."""
    depth, in_class, escaped = 0, False, False
    top: list[str] = []
    for ch in pattern:
        if escaped:
            escaped = False
            top.append(" ")
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            top.append(" ")
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            top.append(" ")
        elif ch == "|" and depth == 0:
            return None  # a top-level alternation has no single required word
        elif depth == 0:
            top.append(ch if ch.isalpha() else " ")
    runs = re.findall(r"[a-zA-Z]{3,}", "".join(top))
    return max(runs, key=len).lower() if runs else None


@cache
def _alternatives() -> tuple[tuple[str, str, str | None], ...]:
    """(canonical name, regex body, required word) per table pattern, built once per
    process on first use (nothing is built at import time)."""
    table = alias_table()
    out: list[tuple[str, str, str | None]] = []
    for canonical, patterns in table.aliases.items():
        for p in patterns:
            body = p if canonical in table.case_sensitive else f"(?i:{p})"
            out.append((canonical, body, _required_word(p)))
    return tuple(out)


@lru_cache(maxsize=256)
def _pattern(i: int) -> re.Pattern[str]:
    """The regex of table pattern `i`, compiled on first use."""
    return re.compile(r"(?<![\w-])(?:" + _alternatives()[i][1] + r")(?!\w)")


def find_aliases(text: str) -> list[AliasMatch]:
    """All non-overlapping alias matches in `text`, in text order."""
    return list(_find_aliases(text))


@lru_cache(maxsize=4096)
def _find_aliases(text: str) -> tuple[AliasMatch, ...]:
    # Memoised: one analysis asks about the same sentences several times (entities, index
    # words, similarity). A pure function of its argument, so the cache changes no result.
    # Only patterns whose required word occurs in the text can match (a cheap substring
    # test); their matches are merged leftmost first, then longest ("U.S. Copyright Office"
    # is the office, not the country), table order breaking remaining ties.
    alts = _alternatives()
    lowered = text.lower()
    found: list[tuple[int, int, int]] = []
    for i, (_, _, word) in enumerate(alts):
        if word is None or word in lowered:
            found.extend((m.start(), i, m.end()) for m in _pattern(i).finditer(text))
    found.sort(key=lambda f: (f[0], -f[2], f[1]))  # leftmost, then longest, then table order
    out: list[AliasMatch] = []
    last_end = -1
    for start, i, end in found:
        if start >= last_end:
            out.append(AliasMatch(alts[i][0], start, end))
            last_end = end
    return tuple(out)


def canonical_entities(text: str) -> set[str]:
    """Canonical names of every table entity mentioned in `text`."""
    return {a.canonical for a in find_aliases(text)}


def canonicalize(text: str) -> str:
    """`text` with every alias replaced by its canonical name (for similarity scoring)."""
    parts: list[str] = []
    pos = 0
    for a in find_aliases(text):
        parts.append(text[pos : a.start])
        parts.append(a.canonical)
        pos = a.end
    parts.append(text[pos:])
    return "".join(parts)
