"""Generated RSS 2.0 and Atom 1.0 documents for the fast-path differential test.

Each document mixes plain parts with the less common but valid (or common but broken) features
that parsers disagree on: character references in the Windows-1252 range, double-encoded
UTF-8, e-mail style authors, several or upper-case Atom links, `&amp;amp;` in links, a
Content-Location header, upper-case element names, repeated elements, escaped and unclosed
markup, dates in many shapes, base64 and XHTML content, extension elements. Seeded: the same
seed gives the same documents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TITLES = [
    "Court hears training-data case",
    "Data &amp; models: a licensing deal",
    "Use &lt;b&gt; for bold",
    "&lt;b&gt;Bold&lt;/b&gt; claim",
    "<![CDATA[A <i>CDATA</i> title]]>",
    "A title\n   over two lines",
    "Smart &#147;quotes&#148; &#150; dash",
    "DonnÃ©es dâ€™entraÃ®nement",
    "Données d’entraînement",
    "a &lt;![ b",
    "  padded  ",
    "",
    "&#x201C;curly&#x201D; &amp;amp; more",
]
LINKS = [
    "https://news.example/story/{n}",
    "https://news.example/story?id={n}&amp;ref=rss",
    "https://news.example/story?id={n}&amp;amp;ref=rss",
    "/relative/{n}",
    "story-{n}.html",
    "http://[oops/x",
    "javascript:alert({n})",
    "  https://news.example/padded/{n}  ",
    "https://news.example/ünï/{n}",
    "",
]
GUIDS = [
    "https://news.example/story/{n}",
    "tag:news.example,2025:{n}",
    "urn:uuid:0000-{n}",
    "story-{n}",
    "/guid/{n}",
    "  spaced-{n}  ",
]
HTML = [
    "&lt;p&gt;A publisher sued. &lt;a href='/x'&gt;More&lt;/a&gt;&lt;/p&gt;",
    "<![CDATA[<p>Body <b>text</b></p><p>Second</p>]]>",
    "Plain words only",
    "&lt;p&gt;Before&lt;/p&gt;&lt;iframe src='x'&gt;&lt;p&gt;After the iframe&lt;/p&gt;",
    "&lt;object data='x'&gt;Fallback text and the rest",
    "a &lt;![ b",
    "&lt;script&gt;evil()&lt;/script&gt;Visible",
    "Smart &#147;quotes&#148;",
    "Use &lt;b&gt; tags",
    "",
]
DATES_822 = [
    "Mon, 03 Nov 2025 10:00:00 GMT",
    "Tue, 04 Nov 2025 15:30:00 +0100",
    "Mon, 03 Nov 2025 10:00:00",
    "Mon,03 Nov 2025 10:00:00 GMT",
    "2025-11-03T10:00:00Z",
    "3 Nov 2025 10:00 EST",
    "not a date",
    "",
]
DATES_3339 = [
    "2025-11-03T10:00:00Z",
    "2025-11-03T10:00:00+02:00",
    "2025-11-03T10:00:00z",
    "2025-11-03t10:00:00.5Z",
    "2025-11-03",
    "Mon, 03 Nov 2025 10:00:00 GMT",
    "garbage",
]
AUTHORS = ["Ann Writer", "ann@news.example (Ann Writer)", "Ann <ann@news.example>", "", "Bo"]
CONTENT_TYPES = [
    "application/rss+xml",
    "application/xml",
    "text/xml",
    "application/xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",
    "application/atom+xml",
    "",
]


@dataclass(frozen=True)
class Generated:
    body: bytes
    url: str
    headers: dict[str, str]


def documents(count: int, seed: int = 11) -> list[Generated]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        body = _rss(rng, n) if rng.random() < 0.55 else _atom(rng, n)
        headers = {"Content-Type": rng.choice(CONTENT_TYPES)}
        if rng.random() < 0.1:
            headers["Content-Location"] = "https://elsewhere.example/dir/feed.xml"
        prolog = rng.choice(
            [
                '<?xml version="1.0" encoding="utf-8"?>\n',
                '<?xml version="1.0"?>',
                "",
                '<?xml version="1.0" encoding="iso-8859-1"?>',
            ]
        )
        out.append(
            Generated((prolog + body).encode("utf-8"), f"https://gen.example/{n}/feed", headers)
        )
    return out


def _pick(rng: random.Random, plain: str, choices: list[str], n: int, odd: float = 0.35) -> str:
    """Mostly the plain value; now and then one of the unusual ones."""
    value = rng.choice(choices) if rng.random() < odd else plain
    return value.replace("{n}", str(n))


def _el(tag: str, text: str, attrs: str = "") -> str:
    return f"<{tag}{attrs}>{text}</{tag}>"


def _rss(rng: random.Random, n: int) -> str:
    channel = []
    if rng.random() < 0.95:
        channel.append(_el("title", _pick(rng, f"Site {n}", TITLES, n, 0.2)))
    if rng.random() < 0.9:
        channel.append(_el("link", _pick(rng, "https://news.example/", LINKS, n, 0.2)))
    channel.append(_el("description", "News"))
    if rng.random() < 0.3:
        channel.append(_el("ttl", rng.choice(["60", "0", "x", " 30 "])))
    rel = rng.choice(["self", "self", "hub", "next", "alternate", ""])
    atom_link = (
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom"'
        + (f' rel="{rel}"' if rel else "")
        + f' href="{_pick(rng, "https://gen.example/f", LINKS, n, 0.3)}"/>'
    )
    image = (
        f"<image><url>https://news.example/i.png</url><title>{_pick(rng, 'Img', TITLES, n)}"
        f"</title><link>{_pick(rng, 'https://i.example/', LINKS, n)}</link>"
        + ("<width>88</width>" if rng.random() < 0.5 else "")
        + ("<bogus>x</bogus>" if rng.random() < 0.1 else "")
        + "</image>"
    )
    extras = [
        (0.1, _el("language", "en")),
        (0.25, _el("managingEditor", rng.choice(AUTHORS))),
        (0.1, _el("webMaster", "web@news.example")),
        (0.3, atom_link),
        (0.3, image),
        (0.15, _el("dc:creator", rng.choice(AUTHORS))),
        (0.2, _el("sy:updatePeriod", "hourly")),
        (0.2, _el("sy:updateFrequency", "1")),
        (0.05, "<!-- a comment -->"),
        (0.1, '<site xmlns="com-wordpress:feed-additions:1">1234</site>'),
        (0.1, _el("pubDate", rng.choice(DATES_822))),
    ]
    for chance, extra in extras:
        if rng.random() < chance:
            channel.append(extra)
    for i in range(rng.randint(0, 4)):
        channel.append(_rss_item(rng, n * 10 + i))
    rng.shuffle(channel)
    ns = (
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
    )
    version = "2.0" if rng.random() < 0.95 else "0.91"
    return f'<rss version="{version}"{ns}><channel>{"".join(channel)}</channel></rss>'


def _rss_item(rng: random.Random, n: int) -> str:
    item_tag = "Item" if rng.random() < 0.03 else "item"
    parts = []
    if rng.random() < 0.9:
        parts.append(_el("title", _pick(rng, f"Story {n}", TITLES, n)))
    if rng.random() < 0.85:
        parts.append(_el("link", _pick(rng, "https://news.example/story/{n}", LINKS, n)))
    if rng.random() < 0.7:
        attr = rng.choice(
            ["", "", ' isPermaLink="false"', ' isPermaLink="true"', ' isPermaLink="TRUE"']
        )
        parts.append(_el("guid", _pick(rng, "https://news.example/story/{n}", GUIDS, n, 0.5), attr))
    if rng.random() < 0.8:
        parts.append(_el("description", _pick(rng, HTML[0], HTML, n)))
    if rng.random() < 0.3:
        parts.append(_el("content:encoded", _pick(rng, HTML[1], HTML, n)))
    if rng.random() < 0.8:
        parts.append(_el("pubDate", _pick(rng, DATES_822[0], DATES_822, n)))
    if rng.random() < 0.2:
        parts.append(_el("dc:date", rng.choice(DATES_3339)))
    if rng.random() < 0.3:
        parts.append(_el(rng.choice(["author", "dc:creator"]), rng.choice(AUTHORS)))
    if rng.random() < 0.3:
        parts.append(_el("category", "Law"))
    if rng.random() < 0.1:
        parts.append('<enclosure url="https://news.example/a.mp3" length="1" type="audio/mpeg"/>')
    if rng.random() < 0.2:
        parts.append(
            rng.choice(
                [
                    '<media:content url="https://news.example/v.mp4" medium="video"/>',
                    '<media:thumbnail url="https://news.example/t.jpg" width="120"/>',
                    '<media:content url="https://news.example/i.jpg"><media:title>Media '
                    "title</media:title></media:content>",
                    "<media:description>Media words</media:description>",
                    '<media:thumbnail url="https://news.example/t.jpg">text</media:thumbnail>',
                ]
            )
        )
    if rng.random() < 0.15:
        parts.append('<post-id xmlns="com-wordpress:feed-additions:1">123</post-id>')
    if rng.random() < 0.1:
        parts.append(_el("wfw:comment", "https://news.example/c"))
    if rng.random() < 0.05:
        parts.append(_el("source", "Other", ' url="https://other.example/rss"'))
    if rng.random() < 0.05 and parts:
        parts.append(rng.choice(parts))  # a repeated element
    if rng.random() < 0.03:
        parts.append(_el("Title", "Upper-case title"))
    rng.shuffle(parts)
    return f"<{item_tag}>{''.join(parts)}</{item_tag}>"


def _atom_text(rng: random.Random, tag: str, plain: str, n: int) -> str:
    kind = rng.choice(["", "", ' type="text"', ' type="html"', ' type="xhtml"', ' type="HTML"'])
    if kind == ' type="xhtml"':
        return f'<{tag}{kind}><div xmlns="http://www.w3.org/1999/xhtml"><b>X</b> {n}</div></{tag}>'
    value = _pick(rng, plain, TITLES if tag == "title" else HTML, n)
    return _el(tag, value, kind)


def _atom_author(rng: random.Random) -> str:
    parts = []
    if rng.random() < 0.9:
        parts.append(_el("name", rng.choice(["Ann Writer", "Bo", "", "Ann (AW)", " Spaced "])))
    if rng.random() < 0.3:
        parts.append(_el("email", rng.choice(["ann@news.example", "", "a b@c"])))
    if rng.random() < 0.3:
        parts.append(_el("uri", "https://news.example/ann"))
    if rng.random() < 0.03 and parts:
        parts.append(parts[0])
    rng.shuffle(parts)
    return f"<author>{''.join(parts)}</author>"


def _atom_links(rng: random.Random, n: int) -> list[str]:
    links = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        rel = rng.choice(
            ["", "", ' rel="alternate"', ' rel="self"', ' rel="ALTERNATE"', ' rel="related"']
        )
        kind = rng.choice(["", "", "", ' type="text/html"', ' type="application/xhtml+xml"'])
        href = _pick(rng, "https://news.example/e/{n}", LINKS, n)
        links.append(f'<link{rel}{kind} href="{href}"/>')
    return links


def _atom(rng: random.Random, n: int) -> str:
    feed = []
    if rng.random() < 0.95:
        feed.append(_atom_text(rng, "title", f"Atom {n}", n))
    if rng.random() < 0.8:
        feed.append(_el("id", _pick(rng, "https://news.example/", GUIDS, n, 0.3)))
    feed += _atom_links(rng, n)
    feed.append(_el("updated", rng.choice(DATES_3339)))
    if rng.random() < 0.3:
        feed.append(_atom_author(rng))
    if rng.random() < 0.05:
        feed.append(
            '<entry xml:base="https://base.example/"><id>b</id><title>Based</title></entry>'
        )
    for i in range(rng.randint(0, 4)):
        feed.append(_atom_entry(rng, n * 10 + i))
    rng.shuffle(feed)
    lang = (
        rng.choice([' xml:lang="en"', ' xml:lang="en"', ' foo="bar"']) if rng.random() < 0.2 else ""
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}>{"".join(feed)}</feed>'


def _atom_entry(rng: random.Random, n: int) -> str:
    parts = []
    if rng.random() < 0.9:
        parts.append(_el("id", _pick(rng, "https://news.example/e/{n}", GUIDS, n, 0.5)))
    if rng.random() < 0.9:
        parts.append(_atom_text(rng, "title", f"Entry {n}", n))
    parts += _atom_links(rng, n)
    if rng.random() < 0.6:
        parts.append(_atom_text(rng, "summary", HTML[0], n))
    if rng.random() < 0.4:
        if rng.random() < 0.05:
            parts.append('<content type="text/plain" mode="base64">SGVsbG8=</content>')
        else:
            parts.append(_atom_text(rng, "content", HTML[1], n))
    for tag in ("published", "updated"):
        if rng.random() < 0.6:
            parts.append(_el(tag, rng.choice(DATES_3339)))
    if rng.random() < 0.4:
        parts.append(_atom_author(rng))
    if rng.random() < 0.2:
        parts.append('<category term="law"/>')
    if rng.random() < 0.05 and parts:
        parts.append(rng.choice(parts))
    rng.shuffle(parts)
    return f"<entry>{''.join(parts)}</entry>"
