"""The closed list the fast feed path accepts: namespaces, and the elements (with the
attributes each may carry) whose meaning is the same there and in feedparser."""

from __future__ import annotations

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA = "{http://search.yahoo.com/mrss/}"
WORDPRESS = "{com-wordpress:feed-additions:1}"
ANY = ("*",)  # any attributes (media elements: feedparser keeps them aside)
XML_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"}
)
# Elements (with the attributes each may carry) whose meaning is the same here and in
# feedparser. Anything else may map onto a field in feedparser, so it takes the slow path.
RSS_CHANNEL = {
    "title": (),
    "link": (),
    "description": (),
    "language": (),
    "copyright": (),
    "lastBuildDate": (),
    "pubDate": (),
    "ttl": (),
    "generator": (),
    "docs": (),
    "category": ("domain",),
    "managingEditor": (),
    "webMaster": (),
    DC_CREATOR: (),
    f"{SY}updatePeriod": (),
    f"{SY}updateFrequency": (),
    f"{SY}updateBase": (),
    f"{ATOM}link": ("href", "rel", "type", "title", "hreflang", "length"),
    "image": (),
    f"{WORDPRESS}site": (),
}
RSS_IMAGE = {"url": (), "title": (), "link": (), "width": (), "height": (), "description": ()}
# rel values of an atom:link inside an RSS channel that never become the feed's link
RSS_ATOM_LINK_RELS = frozenset({"self", "hub", "next", "previous", "first", "last"})
RSS_ITEM = {
    "title": (),
    "link": (),
    "guid": ("isPermaLink",),
    "description": (),
    "pubDate": (),
    "author": (),
    "category": ("domain",),
    "comments": (),
    "enclosure": ("url", "length", "type"),
    CONTENT_ENCODED: (),
    DC_CREATOR: (),
    DC_DATE: (),
    f"{WFW}commentRss": (),
    f"{WFW}comment": (),
    f"{SLASH}comments": (),
    f"{MEDIA}content": ANY,  # empty only: a media:title or media:description inside would
    f"{MEDIA}thumbnail": ANY,  # become the item's title or summary in feedparser
    f"{WORDPRESS}post-id": (),
}
_TEXT_TYPE = ("type",)
ATOM_FEED = {
    f"{ATOM}id": (),
    f"{ATOM}title": _TEXT_TYPE,
    f"{ATOM}subtitle": _TEXT_TYPE,
    f"{ATOM}updated": (),
    f"{ATOM}link": ("href", "rel", "type", "title", "hreflang", "length"),
    f"{ATOM}author": (),
    f"{ATOM}generator": ("uri", "version"),
    f"{ATOM}icon": (),
    f"{ATOM}logo": (),
    f"{ATOM}rights": _TEXT_TYPE,
    f"{ATOM}category": ("term", "scheme", "label"),
}
ATOM_ENTRY = {
    f"{ATOM}id": (),
    f"{ATOM}title": _TEXT_TYPE,
    f"{ATOM}link": ATOM_FEED[f"{ATOM}link"],
    f"{ATOM}published": (),
    f"{ATOM}updated": (),
    f"{ATOM}summary": _TEXT_TYPE,
    f"{ATOM}content": _TEXT_TYPE,
    f"{ATOM}author": (),
    f"{ATOM}category": ATOM_FEED[f"{ATOM}category"],
    f"{ATOM}rights": _TEXT_TYPE,
}
REPEATABLE = frozenset(
    {"category", f"{ATOM}category", f"{ATOM}link", f"{MEDIA}content", f"{MEDIA}thumbnail"}
)
NESTED = frozenset({f"{ATOM}author", "image"})  # checked by their own rules
ATOM_TEXT_TYPES = frozenset({"text", "html"})
ATOM_LINK_RELS = frozenset({"alternate", "self", "related", "enclosure", "replies", "via"})
