"""Discovery: article URLs (with the dates their source gives) from feeds, sitemaps, the WordPress
REST API and listing pages.

Pure: a fetched body in, :class:`Found` entries out. A body that is not what it claims to be
(an HTML error page served as a feed, a truncated sitemap, JSON that is not a post list)
raises :class:`DiscoveryError`, which the spider counts as a ``parse_error`` for the site.
XML is read with lxml's recovering parser without entity expansion (parsel's defaults), so a
malformed or hostile feed yields what it can, never a crash or an entity bomb.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawlers.extract import parse_page
from crawlers.sitespec import SiteSpec
from pantau.dates import parse_date


class DiscoveryError(ValueError):
    """A start point's body could not be read as what it should be."""


@dataclass(frozen=True)
class Found:
    """An article URL and what its source says of it."""

    url: str
    published: datetime | None = None
    modified: datetime | None = None

    @property
    def newest(self) -> datetime | None:
        dates = [d for d in (self.published, self.modified) if d is not None]
        return max(dates) if dates else None


def _date(text: str | None, zone: tzinfo) -> datetime | None:
    return parse_date(text, datetime.now(UTC), zone) if text and text.strip() else None


def _xml(body: bytes | str) -> Selector:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("<"):
        raise DiscoveryError("not XML")
    try:
        return Selector(text=text, type="xml")
    except ValueError as exc:
        raise DiscoveryError(f"not XML: {exc}") from exc


def _local(sel: Selector, name: str) -> str | None:
    value = sel.xpath(f"./*[local-name()='{name}']/text()").get()
    return value.strip() if value else None


def feed_entries(body: bytes | str, base_url: str, zone: tzinfo) -> list[Found]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    doc = _xml(body)
    root = doc.xpath("/*[1]")
    root_name = (root.xpath("local-name()").get() or "") if root else ""
    if root_name not in ("rss", "RDF", "feed"):
        raise DiscoveryError(f"not an RSS or Atom feed (root element {root_name or 'none'!r})")
    found = []
    for item in doc.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = _local(item, "link") or item.xpath("./*[local-name()='link'][not(@rel) or @rel='alternate']/@href").get()
        if not link:
            guid = item.xpath("./*[local-name()='guid'][not(@isPermaLink='false')]/text()").get()
            link = guid.strip() if guid and guid.strip().startswith("http") else None
        if not link:
            continue
        published = _local(item, "pubDate") or _local(item, "published") or _local(item, "date")
        modified = _local(item, "updated")
        found.append(Found(urljoin(base_url, link.strip()), _date(published, zone), _date(modified, zone)))
    return found


def sitemap_entries(body: bytes | str, base_url: str, zone: tzinfo) -> tuple[str, list[Found]]:
    """``("sitemapindex", child sitemaps)`` or ``("urlset", pages)``, news sitemaps included."""
    doc = _xml(body)
    kind = doc.xpath("local-name(/*[1])").get() or ""
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element {kind or 'none'!r})")
    child = "sitemap" if kind == "sitemapindex" else "url"
    found = []
    for entry in doc.xpath(f"/*/*[local-name()='{child}']"):
        loc = _local(entry, "loc")
        if not loc:
            continue
        news_date = entry.xpath(".//*[local-name()='publication_date']/text()").get()
        found.append(Found(urljoin(base_url, loc), _date(news_date, zone), _date(_local(entry, "lastmod"), zone)))
    return kind, found


def wp_api_entries(body: bytes | str) -> list[Found]:
    """Posts from ``/wp-json/wp/v2/posts`` (``link``, ``date_gmt``, ``modified_gmt``)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise DiscoveryError(f"not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise DiscoveryError("not a list of posts")
    found = []
    for post in data:
        if not isinstance(post, dict) or not isinstance(post.get("link"), str):
            continue
        found.append(
            Found(post["link"], _date(_gmt(post.get("date_gmt")), UTC), _date(_gmt(post.get("modified_gmt")), UTC))
        )
    return found


def _gmt(value: object) -> str | None:
    # WordPress writes *_gmt fields without an offset; they are UTC.
    return f"{value}+00:00" if isinstance(value, str) and value and value[-1].isdigit() else None


@dataclass(frozen=True)
class ListingLinks:
    """Article links of a listing page, and whether the site's listing selectors found them."""

    urls: list[str]
    from_selectors: bool


def listing_links(spec: SiteSpec, url: str, html: str) -> ListingLinks:
    """Article links on a listing or search page; the listing selectors first, else every link."""
    page = parse_page(spec, url, html)
    for query in spec.selectors.listing_links:
        hrefs = page.css(query)
        if hrefs:
            return ListingLinks(_articles(spec, url, hrefs), True)
    return ListingLinks(_articles(spec, url, page.css("a::attr(href)")), False)


def next_page_links(spec: SiteSpec, url: str, html: str) -> list[str]:
    page = parse_page(spec, url, html)
    for query in spec.selectors.next_page:
        hrefs = page.css(query)
        if hrefs:
            return [urljoin(url, h.strip()) for h in hrefs[:1]]
    return []


def _articles(spec: SiteSpec, base: str, hrefs: Iterable[str]) -> list[str]:
    out = []
    for href in hrefs:
        absolute = urljoin(base, href.strip()).split("#")[0]
        if spec.is_article_path(urlsplit(absolute).path or "/"):
            out.append(absolute)
    return list(dict.fromkeys(out))
