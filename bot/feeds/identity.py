"""Stable article ids: from the guid, else the canonical link, else title and date.

The id alone cannot catch every edit, so the pipeline also looks articles up by canonical
link (across all feeds: the same URL in two feeds is one article) and by guid within a feed.
Together: an edited title or date keeps the guid (or the link); an edited guid keeps the
link; the same story in two feeds shares the link.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.models import FeedItem

TRACKING_PREFIXES = ("utm_", "mtm_", "pk_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "cmpid",
        "ocid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "wt_mc",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
    }
)


@lru_cache(maxsize=8192)  # a poll asks for the same item's link several times
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the link as written
        return url.strip()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_PARAMS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def article_id(item: FeedItem, feed_key: str, *, use_guid: bool = True) -> str:
    """A short stable id: the guid (scoped to its feed), else the canonical link (global),
    else a hash of title and date. `feed_key` is the feed's configured URL, which does not
    change when the feed moves. `use_guid=False` is for feeds that reuse one guid for
    several items."""
    if item.guid and use_guid:
        key = f"guid:{feed_key}:{item.guid}"
    elif item.link:
        key = "link:" + canonical_url(item.link)
    else:
        date = "" if item.published_is_fallback else item.published.isoformat()
        key = f"text:{feed_key}:{' '.join(item.title.lower().split())}:{date}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
