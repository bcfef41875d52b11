"""URL canonicalisation: every copy of a page (AMP, paginated, tracked) maps to one URL.

The canonical URL is what :func:`pantau.schema.article_id` hashes, so two fetches of the
same story through different doors get the same id, the same Kafka key and the same
Elasticsearch ``_id``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that identify a campaign or a click, never the content.
_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_[a-z]+|igshid|ref|ref_src|source|amp|outputType|_ga|yclid)$",
    re.IGNORECASE,
)

# Platform-specific alternate forms, rewritten to the canonical path. Each pattern is
# (regex, replacement) over the path only.
_PATH_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Disway network (memorandum, radar*): /amp/{id}/{slug} -> /read/{id}/{slug}
    (re.compile(r"^/amp/(\d+)/([^/]+)"), r"/read/\1/\2"),
    # Disway pagination: /read/{id}/{slug}/{page} -> /read/{id}/{slug}
    (re.compile(r"^/read/(\d+)/([^/]+)/\d+$"), r"/read/\1/\2"),
    # ANTARA: /amp/berita/{id}/{slug} -> /berita/{id}/{slug}
    (re.compile(r"^/amp/berita/"), r"/berita/"),
    # WordPress AMP endpoints: /slug/amp -> /slug
    (re.compile(r"/amp$"), r""),
)


# A crawl asks for the same URL's form several times (scheduling, identity, the ledger);
# the answer depends on the string alone.
@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``.

    w3lib's canonicalisation first (percent-encoding normalised, query parameters sorted,
    fragment dropped), then Pantau's rules for news sites: https scheme, host without
    ``www.`` or default port, no tracking parameters, platform AMP and pagination forms
    rewritten, no duplicate or trailing slash.
    """
    raw = urlsplit(url.strip())
    if raw.scheme not in ("http", "https") or not raw.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    parts = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    for pattern, replacement in _PATH_RULES:
        path = pattern.sub(replacement, path)
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _TRACKING_PARAMS.match(pair.partition("=")[0])
    )
    return urlunsplit(("https", host, path or "/", query, ""))


def site_host(url: str) -> str:
    """Host of ``url`` without ``www.``, for matching a page to its site."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
