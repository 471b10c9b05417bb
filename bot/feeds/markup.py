"""Feed markup to plain text: HTML in titles and summaries, entities, links made absolute.

Used by both parsers (feedparser's path in parse.py, the lxml path in fastparse.py).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
# iframe and object are not here: their content is fallback text, often all there is after them.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_MAX_TITLE_CHARS = 1_000


class _TextExtractor(HTMLParser):
    """Collects text; what is inside script, style, iframe, ... is dropped once the element
    closes, and kept when it never does (an unclosed <iframe> must not eat the article)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, int]] = []  # skipped elements: (tag, where its text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._open.append((tag, len(self.parts)))
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            for depth in range(len(self._open) - 1, -1, -1):
                if self._open[depth][0] == tag:
                    del self.parts[self._open[depth][1] :]
                    del self._open[depth:]
                    break
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MARKUP = re.compile(r"<[A-Za-z/!?]|&(#?\w+);")
_ANY_TAG = re.compile(r"<[^>]*>")


def clean_text(markup: str) -> str:
    """HTML to plain text: scripts and styles dropped, block tags become line breaks,
    entities decoded, runs of white space collapsed. Never raises, whatever the markup."""
    if not markup:
        return ""
    return tidy(_html_to_text(markup) if _MARKUP.search(markup) else markup)


def as_text(value: str, *, plain: bool) -> str:
    """A field as plain text: `plain` text is only tidied ("Use &lt;b&gt;" stays
    "Use <b>"), anything else is HTML and goes through clean_text."""
    return tidy(value) if plain else clean_text(value)


def title_text(text: str) -> str:
    """A title on one line: the source's line breaks and runs of spaces become one space."""
    return " ".join(text.split())[:_MAX_TITLE_CHARS]


def tidy(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _html_to_text(markup: str) -> str:
    try:
        return _extract(markup)
    except AssertionError:
        # html.parser (Python <= 3.12) asserts on markup it cannot read, such as "<![ b";
        # read such a "<![" as text, and failing that strip tags the blunt way.
        try:
            return _extract(markup.replace("<![", "&lt;!["))
        except AssertionError:
            return html.unescape(_ANY_TAG.sub(" ", markup))


def _extract(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


def resolve_link(base: str, link: str | None) -> str | None:
    """`link` made absolute against `base`; None when empty or not a usable URL
    (e.g. "http://[oops/x", which urljoin refuses with ValueError)."""
    if not link or not link.strip():
        return None
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return None
