"""Entity alias table for the beat: companies, plaintiffs, courts and bodies.

A data table, not logic: each canonical name maps to the ways news copy refers to it
("the ChatGPT maker", "Sam Altman's company" -> OpenAI). Matching claims and stories compares
canonical names, so a rewrite that swaps a name for a description still matches.

Patterns are regular expressions matched case-insensitively unless the canonical entry is in
CASE_SENSITIVE (short acronyms such as "AP" or "CODA" would otherwise match ordinary words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

# canonical name -> alias patterns (regex source, word-bounded when compiled)
ALIASES: dict[str, tuple[str, ...]] = {
    # AI developers
    "OpenAI": (
        r"open\s?ai",
        r"(?:the\s+)?chat\s?gpt[\s-]+(?:maker|creator|developer|owner|parent)",
        r"sam\s+altman[’']s\s+(?:company|firm|startup|start-up|outfit)",
        r"(?:the\s+)?maker\s+of\s+chat\s?gpt",
        r"(?:the\s+)?sora\s+(?:maker|developer|creator)",
    ),
    "Anthropic": (
        r"anthropic",
        r"(?:the\s+)?claude[\s-]+(?:maker|developer|creator)",
        r"(?:the\s+)?maker\s+of\s+claude",
    ),
    "Meta": (
        r"meta(?:\s+platforms)?",
        r"facebook[\s-]+(?:parent|owner)",
        r"(?:the\s+)?llama[\s-]+(?:maker|developer)",
    ),
    "Google": (r"google", r"alphabet", r"deepmind", r"(?:the\s+)?gemini[\s-]+(?:maker|developer)"),
    "Microsoft": (r"microsoft",),
    "Stability AI": (
        r"stability(?:\s+ai)?",
        r"(?:the\s+)?stable\s+diffusion[\s-]+(?:maker|developer|creator)",
    ),
    "Midjourney": (r"midjourney",),
    "Perplexity": (r"perplexity(?:\s+ai)?",),
    "Suno": (r"suno",),
    "Udio": (r"udio",),
    "Nvidia": (r"nvidia",),
    "Apple": (r"Apple",),
    "Amazon": (r"amazon",),
    "xAI": (r"xai", r"grok[\s-]+(?:maker|developer)"),
    "Mistral": (r"mistral(?:\s+ai)?",),
    "Cohere": (r"cohere",),
    "Runway": (r"runway(?:ml)?",),
    # products (kept separate from their makers: a claim about Sora is not one about ChatGPT)
    "ChatGPT": (r"chat\s?gpt",),
    "Sora": (r"sora(?:\s*2)?",),
    "Claude": (r"claude",),
    "Stable Diffusion": (r"stable\s+diffusion",),
    "Llama": (r"llama",),
    "Gemini": (r"gemini",),
    "Copilot": (r"copilot",),
    # rights holders and plaintiffs
    "Getty Images": (r"getty(?:\s+images)?",),
    "New York Times": (
        r"(?:the\s+)?new\s+york\s+times",
        r"nytimes",
        r"nyt",
        r"(?:the\s+)?times[’']?\s+(?:lawsuit|suit|case)",
    ),
    "Associated Press": (r"(?i:associated\s+press)", r"AP"),
    "News Corp": (r"news\s+corp(?:oration)?", r"dow\s+jones", r"wall\s+street\s+journal", r"wsj"),
    "Authors Guild": (r"authors[’']?\s+guild",),
    "Reddit": (r"reddit",),
    "Universal Music": (r"universal\s+music(?:\s+group)?", r"umg"),
    "Sony Music": (r"sony\s+music(?:\s+(?:entertainment|publishing))?",),
    "Warner Music": (r"warner\s+music(?:\s+group)?", r"WMG"),
    "Disney": (r"(?:walt\s+)?disney",),
    "Universal Pictures": (r"nbcuniversal", r"universal\s+pictures"),
    "Thomson Reuters": (r"thomson\s?reuters", r"westlaw"),
    "Ross Intelligence": (r"(?i:ross\s+intelligence)", r"ROSS"),
    "Studio Ghibli": (r"(?:studio\s+)?ghibli", r"(?:the\s+)?(?:spirited\s+away|totoro)\s+studio"),
    "Hayao Miyazaki": (r"(?:hayao\s+)?miyazaki",),
    "Square Enix": (
        r"square\s+enix",
        r"(?:the\s+)?final\s+fantasy\s+(?:publisher|maker|developer)",
    ),
    "Bandai Namco": (
        r"bandai(?:\s+namco)?(?:\s+(?:ent\.?|entertainment|holdings))?",
        r"(?:the\s+)?(?:maker|publisher)\s+of\s+pac-?man",
        r"(?:the\s+)?pac-?man\s+(?:maker|publisher)",
    ),
    "Kadokawa": (r"kadokawa",),
    "Toho": (r"toho",),
    "Shueisha": (r"shueisha",),
    "Kodansha": (r"kodansha",),
    "Shogakukan": (r"shogakukan",),
    "Nintendo": (r"nintendo",),
    "Sony": (r"sony(?!\s+music)",),
    # collecting societies, associations, bodies
    "CODA": (r"CODA", r"(?i:content\s+overseas\s+distribution\s+association)"),
    "GEMA": (r"GEMA", r"Gema"),
    "KODA": (r"KODA", r"Koda"),
    "RIAA": (r"riaa", r"recording\s+industry\s+association\s+of\s+america"),
    "Japan": (r"japan(?:ese)?",),
    "Germany": (r"germany", r"german"),
    "United Kingdom": (r"u\.?k\.?", r"united\s+kingdom", r"britain", r"british", r"england"),
    "United States": (r"U\.S\.(?:A\.)?", r"US", r"USA", r"(?i:united\s+states)", r"America(?:n)?"),
    "European Union": (r"EU", r"(?i:european\s+union|european\s+commission)", r"Brussels"),
    "EU AI Act": (r"(?:eu\s+)?ai\s+act",),
    "US Copyright Office": (
        r"(?:u\.?s\.?\s+|united\s+states\s+)?copyright\s+office",
        r"register\s+of\s+copyrights",
    ),
    "High Court": (r"high\s+court",),
    "Minoru Kiuchi": (r"(?:minoru\s+)?kiuchi",),
    "Sam Altman": (r"(?:sam\s+)?altman(?![’']s\s+(?:company|firm|startup|start-up|outfit))",),
    # more AI developers and services of the beat
    "MiniMax": (r"minimax", r"hailuo(?:\s+ai)?"),
    "Cloudflare": (r"cloudflare",),
    "Elon Musk": (r"(?:elon\s+)?musk",),
    "GitHub": (r"github",),
    "Databricks": (r"databricks", r"mosaic\s?ml"),
    "LAION": (r"LAION", r"(?i:laion\.?ai)"),
    "Common Crawl": (r"common\s+crawl",),
    # where training data came from: file-sharing networks, shadow libraries, datasets
    "BitTorrent": (r"bit\s?torrent",),
    "Anna's Archive": (r"anna[’']?s\s+archive",),
    "LibGen": (r"libgen", r"library\s+genesis"),
    "Books3": (r"books3",),
    "Z-Library": (r"z-?library", r"z-?lib"),
    "Pirate Library Mirror": (r"pirate\s+library\s+mirror",),
    # more rights holders, plaintiffs and publishers
    "Andrea Bartz": (r"(?:andrea\s+)?bartz",),
    "Richard Kadrey": (r"(?:richard\s+)?kadrey",),
    "Sarah Silverman": (r"(?:sarah\s+)?silverman",),
    "John Carreyrou": (r"(?:john\s+)?carreyrou",),
    "Concord": (r"concord(?:\s+music(?:\s+(?:group|publishing))?)?", r"abkco"),
    "Warner Bros. Discovery": (r"warner\s+bros\.?(?:\s+discovery)?", r"warner\s+brothers"),
    "Ziff Davis": (r"ziff\s+davis",),
    "Yomiuri Shimbun": (r"(?:the\s+)?yomiuri(?:\s+shimbun)?",),
    "Asahi Shimbun": (r"(?:the\s+)?asahi(?:\s+shimbun)?",),
    "Nikkei": (r"nikkei",),
    "Axel Springer": (r"axel\s+springer",),
    "Financial Times": (r"(?i:(?:the\s+)?financial\s+times)", r"FT"),
    "Condé Nast": (r"cond[ée]\s+nast",),
    "People Inc": (r"people\s+inc\.?", r"dotdash\s+meredith"),
    "Penske Media": (r"penske(?:\s+media)?",),
    "Encyclopaedia Britannica": (r"encyclop(?:a)?edia\s+britannica", r"merriam-webster"),
    "Shutterstock": (r"shutterstock",),
    "Daily News": (r"(?:New\s+York\s+)?Daily\s+News",),
    "The Intercept": (r"(?:[Tt]he\s+)?Intercept",),
    # officials and bodies of the rules on training data
    "Shira Perlmutter": (r"(?:shira\s+)?perlmutter",),
    "House of Lords": (r"house\s+of\s+lords", r"(?:the\s+)?lords"),
    "Data (Use and Access) Bill": (r"data\s+\(?use\s+and\s+access\)?\s+bill", r"data\s+bill"),
    "Beeban Kidron": (r"(?:baroness\s+)?(?:beeban\s+)?kidron",),
    "EU AI Code of Practice": (
        r"(?:general[\s-]+purpose\s+(?:artificial\s+intelligence|ai)\s+)?code\s+of\s+practice",
        r"gpai\s+code",
    ),
    "RSL": (r"RSL", r"(?i:really\s+simple\s+licensing)"),
    "Toei Animation": (r"toei(?:\s+animation)?",),
    "Aniplex": (r"aniplex",),
    "Japan Newspaper Publishers and Editors Association": (
        r"(?i:japan\s+newspaper\s+publishers\s+(?:and|&)\s+editors\s+association)",
        r"JNPEA",
        r"NSK",
    ),
    "Japan Book Publishers Association": (r"japan\s+book\s+publishers\s+association",),
    "Association of Japanese Animations": (r"association\s+of\s+japanese\s+animations?",),
}

# Entries whose patterns match with the case written in the table (acronyms that are also
# ordinary words: "AP", "US", "CODA"); their long forms carry an inline (?i:...) group.
CASE_SENSITIVE: frozenset[str] = frozenset(
    {
        "Associated Press",
        "CODA",
        "GEMA",
        "KODA",
        "United States",
        "European Union",
        "Apple",
        "LAION",
        "Financial Times",
        "RSL",
        "Ross Intelligence",
        "Daily News",
        "The Intercept",
    }
)


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
    out: list[tuple[str, str, str | None]] = []
    for canonical, patterns in ALIASES.items():
        for p in patterns:
            body = p if canonical in CASE_SENSITIVE else f"(?i:{p})"
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
