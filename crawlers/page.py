"""One page through extraction, cleaning and normalisation, outside Scrapy; split articles stitched.

The item pipelines run these same core functions inside a crawl; the registry test, the
expected-output generator and ``pantau sites check`` run them here on saved or fetched
pages. Disway splits a long article over ``/read/<id>/<slug>``, ``.../15``, ``.../30`` (15
paragraphs a page): :func:`continuation_urls` finds the further pages and :func:`stitch`
appends their bodies, so the article is the whole story under the first page's URL.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from crawlers.extract import ParsedPage, continuation_body, extract_article, parse_page
from crawlers.sitespec import SiteSpec
from pantau.articles import build_article
from pantau.furniture import clean_paragraphs
from pantau.schema import Article, PageExtract, RegionHint, SchemaError

_PAGE_SUFFIX = re.compile(r"^/(\d+)/?$")


@dataclass(frozen=True)
class PageOutcome:
    """What the crawler makes of one page: the article, or why the page cannot be one."""

    page: PageExtract
    article: Article | None
    reason: str | None = None


def continuation_urls(spec: SiteSpec, url: str, html: str | ParsedPage) -> list[str]:
    """The article's further pages named on this page, in page order (this page excluded).

    A further page is the article's own path plus a page number (``/read/1/slug/15``), so
    links to other articles in the same pagination widget are never taken. ``html`` may be
    the page already parsed, before its body was read (reading it drops elements); a bad
    continuation selector is not counted against that page's extraction.
    """
    if not spec.selectors.continuation:
        return []
    # Its own record of bad selectors: a continuation selector is no miss of the extraction.
    page = ParsedPage(spec, url, html.sel, html.html) if isinstance(html, ParsedPage) else parse_page(spec, url, html)
    base = urlsplit(url).path.rstrip("/")
    found: dict[int, str] = {}
    for query in spec.selectors.continuation:
        for href in page.css(query):
            absolute = urljoin(url, href.strip())
            path = urlsplit(absolute).path
            if not path.startswith(base + "/"):
                continue
            m = _PAGE_SUFFIX.match(path[len(base) :])
            if m and int(m[1]) > 0:
                found.setdefault(int(m[1]), absolute.split("#")[0])
        if found:
            break
    return [found[k] for k in sorted(found)]


def stitch(page: PageExtract, more: list[list[str]]) -> PageExtract:
    """The first page's extract with the further pages' paragraphs appended."""
    paragraphs = list(page.paragraphs)
    for body in more:
        paragraphs += body
    pages = len(more) + 1
    methods = dict(page.methods)
    if "body" in methods and more:
        methods["body"] += f" ({pages} pages)"
    return dataclasses.replace(page, paragraphs=paragraphs, methods=methods)


def clean(page: PageExtract, spec: SiteSpec) -> PageExtract:
    """The crawler's clean step: white space and furniture (the same as ``pipelines.clean``)."""
    page.title = " ".join(page.title.split())
    page.paragraphs = clean_paragraphs(page.paragraphs, page.title, spec.drop_patterns)
    return page


def to_outcome(spec: SiteSpec, page: PageExtract) -> PageOutcome:
    page = clean(page, spec)
    try:
        return PageOutcome(page, build_article(page))
    except SchemaError as exc:
        return PageOutcome(page, None, exc.reason)


def process_page(
    spec: SiteSpec,
    url: str,
    html: str,
    fetched_at: datetime,
    fetch: Callable[[str], str | None] | None = None,
    region_hint: RegionHint | None = None,
) -> PageOutcome:
    """The article the crawler would deliver for this page, or the schema failure it would dead-letter.

    ``fetch`` returns the HTML of a further page of a split article (``None`` when it cannot);
    without it only this page is read.
    """
    page = extract_article(spec, url, html, fetched_at, region_hint=region_hint)
    if fetch is not None:
        more, seen, queue = [], {url}, continuation_urls(spec, url, html)
        while queue:
            next_url = queue.pop(0)
            if next_url in seen:
                continue
            seen.add(next_url)
            next_html = fetch(next_url)
            if next_html is None:
                return PageOutcome(page, None, f"continuation page {next_url} could not be fetched")
            more.append(continuation_body(spec, next_url, next_html))
            queue += [u for u in continuation_urls(spec, next_url, next_html) if u not in seen and u not in queue]
        page = stitch(page, more)
    return to_outcome(spec, page)
