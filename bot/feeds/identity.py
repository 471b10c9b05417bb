"""Stable article ids: from the guid, else the canonical link, else title and date."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.models import FeedItem

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid", "ocid"})


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_PARAMS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def article_id(item: FeedItem, feed_url: str) -> str:
    """A short stable id. The guid is scoped to its feed; links are global across feeds."""
    if item.link:
        key = "link:" + canonical_url(item.link)
    elif item.guid:
        key = f"guid:{feed_url}:{item.guid}"
    else:
        key = f"text:{feed_url}:{item.title}:{item.published.isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
