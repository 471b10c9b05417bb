"""Recognise text that looks like a secret, so no error message or log line repeats one.

A token pasted into the wrong place (the config file instead of the environment) must not
be echoed back by the error that rejects it. Known shapes: Slack tokens (`xoxb-`, `xoxp-`,
`xoxe-`, `xapp-` …), Discord bot tokens (three dot-separated base64 parts), Slack and
Discord webhook URLs (their path is the credential). Config errors also hide any long
high-entropy word (a signing secret is 32 hex digits); logs do not, since they carry long
ids by design.
"""

from __future__ import annotations

import math
import re
from collections import Counter

HIDDEN = "[hidden: looks like a secret]"

_KNOWN_SHAPES = re.compile(
    r"(?<![\w-])(?:xox[a-z]|xapp)[.-][^\s'\"]*"  # Slack tokens, any kind
    # Discord bot token: base64 of the bot's numeric id (so M, N or O first), time, HMAC
    r"|(?<![\w-])[MNO][A-Za-z0-9]{19,29}\.[\w-]{5,8}\.[\w-]{20,}"
    r"|https?://hooks\.slack(?:-gov)?\.com/[^\s'\"]+"  # Slack webhook URLs
    r"|https?://[\w.-]*discord(?:app)?\.com/api(?:/v\d+)?/webhooks/[^\s'\"]+"
)
_WORD = re.compile(r"[A-Za-z0-9_+=-]{20,}")  # no dots or slashes: not a path, URL or key
_HEX = re.compile(r"[0-9a-fA-F]{32,}")  # a signing secret, an API key
ENTROPY_BITS = 3.0  # per character, for words of letters and digits


def looks_like_secret(text: str, *, entropy: bool = True) -> bool:
    """True when `text` contains a known token shape (or, with `entropy`, a long random word)."""
    if _KNOWN_SHAPES.search(text):
        return True
    return entropy and any(_random_word(m.group()) for m in _WORD.finditer(text))


def redact(text: str, *, entropy: bool = False) -> str:
    """`text` with every known token shape (and, with `entropy`, long random word) hidden."""
    text = _KNOWN_SHAPES.sub(HIDDEN, text)
    if entropy:
        text = _WORD.sub(lambda m: HIDDEN if _random_word(m.group()) else m.group(), text)
    return text


def _random_word(word: str) -> bool:
    if _HEX.fullmatch(word):
        return True
    kinds = sum(any(test(c) for c in word) for test in (str.isdigit, str.isupper, str.islower))
    return kinds >= 2 and _entropy(word) >= ENTROPY_BITS


def _entropy(word: str) -> float:
    counts = Counter(word)
    return -sum(n / len(word) * math.log2(n / len(word)) for n in counts.values())
