"""Field extraction from one article page: site selectors first, then generic fallbacks.

Order, per field: the site's (or its platform template's) CSS selectors; then JSON-LD
(a NewsArticle or any Article type, Yoast's ``@graph`` included); then OpenGraph and
``article:*`` meta; then trafilatura's main-text and metadata extraction, run only when
something is still missing. Every field records the method that produced it
(``css:<selector>``, ``jsonld``, ``opengraph``, ``meta:<name>``, ``trafilatura``) so an
operator can see when a site's selectors stopped matching and a fallback took over.

Pure: HTML in, :class:`~pantau.schema.PageExtract` out. The registry test runs it on
every site's saved pages; the spider runs it on live responses.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from cssselect import SelectorError
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator, css2xpath

from crawlers.sitespec import DateSelector, SiteSpec
from pantau.dates import DateCandidate, DateSource
from pantau.schema import PageExtract, RegionHint

logger = logging.getLogger(__name__)

# Always removed from the body before reading text: never prose.
ALWAYS_EXCLUDE = ["script", "style", "noscript", "iframe", "figure", "figcaption", "form", "ins", "button"]
_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNews", "BlogPosting", "AnalysisNewsArticle", "WebPage"}
_META_TITLE = [
    ("meta[property='og:title']::attr(content)", "opengraph"),
    ("meta[name='twitter:title']::attr(content)", "meta:twitter:title"),
]
_META_DATES: list[tuple[str, DateSource, str]] = [
    ("meta[property='article:published_time']::attr(content)", "meta", "meta:article:published_time"),
    ("meta[name='pubdate']::attr(content)", "meta", "meta:pubdate"),
    ("meta[itemprop='datePublished']::attr(content)", "meta", "meta:datePublished"),
    ("meta[property='og:published_time']::attr(content)", "meta", "meta:og:published_time"),
    ("meta[name='dc.date']::attr(content)", "meta", "meta:dc.date"),
    ("time[datetime]::attr(datetime)", "meta", "css:time[datetime]"),
]
_META_MODIFIED: list[tuple[str, DateSource, str]] = [
    ("meta[property='article:modified_time']::attr(content)", "meta", "meta:article:modified_time"),
    ("meta[property='og:updated_time']::attr(content)", "meta", "meta:og:updated_time"),
    ("meta[itemprop='dateModified']::attr(content)", "meta", "meta:dateModified"),
]
_META_AUTHORS = [
    ("meta[name='author']::attr(content)", "meta:author"),
    ("meta[property='article:author']::attr(content)", "meta:article:author"),
]
_META_TAGS = [
    ("meta[property='article:tag']::attr(content)", "meta:article:tag"),
    ("meta[name='news_keywords']::attr(content)", "meta:news_keywords"),
]


#: A main-text extractor's guess shorter than this is a date line or a caption, not a story.
MIN_FALLBACK_BODY = 150
# Labels in front of a name ("Pewarta: ...") and lines that are not names at all.
_PERSON_LABEL = re.compile(r"^(?:pewarta|reporter|penulis|editor|oleh|by)\s*:?\s*", re.IGNORECASE)
_NOT_A_PERSON = re.compile(r"copyright|©|\bhak cipta\b", re.IGNORECASE)


def clean_text(text: str) -> str:
    return " ".join(text.split())


@dataclass
class ParsedPage:
    """One page being read: the parsed tree, the site, and what went wrong with its selectors."""

    spec: SiteSpec
    url: str
    sel: Selector
    html: str
    bad_selectors: list[str] = field(default_factory=list)
    _jsonld: dict[str, Any] | None = None
    _jsonld_read: bool = False
    _trafilatura: dict[str, Any] | None = None

    def css(self, query: str) -> list[str]:
        """Values of ``query``; a selector that cannot run counts as no match, never an exception.

        The same values as ``self.sel.css(query).getall()``, from the query compiled once (see
        :func:`_compiled`) and run on the parsed tree without a parsel selector per match.
        """
        try:
            found = _compiled(query)(self.sel.root)
        except (SelectorError, ValueError, etree.XPathError) as exc:
            self.bad_selectors.append(query)
            logger.warning("bad selector", extra={"site": self.spec.name, "selector": query, "error": str(exc)})
            return []
        values = (_serialised(v) for v in (found if isinstance(found, list) else [found]))
        return [v for v in values if v and v.strip()]

    @property
    def jsonld(self) -> dict[str, Any]:
        """The page's article object in JSON-LD (merged with its ``@graph`` siblings' names), or ``{}``."""
        if not self._jsonld_read:
            self._jsonld_read = True
            self._jsonld = _jsonld_article(self.sel.css("script[type='application/ld+json']::text").getall())
        return self._jsonld or {}

    @property
    def trafilatura(self) -> dict[str, Any]:
        """trafilatura's reading of the page (text, title, author, date, tags), computed once when needed."""
        if self._trafilatura is None:
            self._trafilatura = _trafilatura(self.html, self.url)
        return self._trafilatura


@lru_cache(maxsize=1024)
def _compiled(query: str) -> etree.XPath:
    """A CSS query (with parsel's ``::text`` and ``::attr()``) as the XPath parsel runs for it, compiled.

    The selectors are the site file's and this module's: a few dozen, run on every page.
    """
    return etree.XPath(css2xpath(query), smart_strings=False)


def _serialised(value: Any) -> str:
    """One XPath result as parsel's ``Selector.get`` gives it: text as is, elements as HTML."""
    if isinstance(value, str):
        return value
    try:
        return str(etree.tostring(value, method="html", encoding="unicode", with_tail=False))
    except (AttributeError, TypeError):
        return "1" if value is True else "0" if value is False else str(value)


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            yield node
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _jsonld_article(blocks: list[str]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for raw in blocks:
        try:
            data = json.loads(raw.strip().rstrip(";"))
        except ValueError:
            continue
        for node in _nodes(data):
            types = _types(node)
            wanted = types & _ARTICLE_TYPES and (
                node.get("headline") or node.get("articleBody") or node.get("datePublished")
            )
            # A NewsArticle beats a WebPage with a date (Yoast lists both).
            if wanted and (best is None or ("WebPage" in _types(best) and "WebPage" not in types)):
                best = node
    return best


def _trafilatura(html: str, url: str) -> dict[str, Any]:
    import trafilatura  # imported on first use: it costs ~0.5 s and most pages never need it

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # a third-party parser on hostile input: a miss, not a crash
        logger.warning("trafilatura failed", extra={"url": url, "error": type(exc).__name__})
        return {}
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {k: data.get(k) for k in ("title", "text", "author", "date", "tags", "categories")}


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return _text_of(value.get("name") or value.get("@value") or "")
    return ""


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [n for n in (_text_of(i) for i in items) if n]


# Where one paragraph ends and the next begins: a line break or a block element's edge.
# Reading text this way keeps inline markup (<a>, <b>) inside its sentence, and works alike for
# templates that wrap paragraphs in <p> and those that separate them with <br><br> (ANTARA).
_BREAKS = re.compile(
    r"<br\s*/?>|</?(?:p|div|h[1-6]|li|ul|ol|blockquote|section|article|header|footer|table|tr|figure)\b[^>]*>",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def _exclusion(exclude: tuple[str, ...]) -> str | None:
    """The excluded elements as one selector group, or ``None`` when one of them is not a valid selector.

    Dropping their union removes the same elements as dropping each in turn (an element inside
    one already dropped goes with it either way), with one query instead of a dozen.
    """
    queries = [*ALWAYS_EXCLUDE, *exclude]
    try:
        for query in queries:
            HTMLTranslator().css_to_xpath(query)
    except (SelectorError, ValueError):
        return None
    return ", ".join(queries)


def _drop_excluded(container: Selector, exclude: Iterable[str], page: ParsedPage) -> None:
    union = _exclusion(tuple(exclude))
    if union is not None:
        try:
            found = container.css(union)
        except (SelectorError, ValueError):
            pass  # one by one below, which names the bad one
        else:
            found.drop()
            return
    for bad in [*ALWAYS_EXCLUDE, *exclude]:
        try:
            container.css(bad).drop()
        except (SelectorError, ValueError):
            page.bad_selectors.append(bad)


def _paragraphs_from(container: Selector, exclude: Iterable[str], page: ParsedPage) -> list[str]:
    _drop_excluded(container, exclude, page)
    marked = _BREAKS.sub("\n", container.get())
    text = Selector(text=f"<div>{marked}</div>").xpath("string(//div)").get() or ""
    # clean_text of each line, blank ones dropped, without a call per line: a body's marked
    # text is mostly blank lines (a break at both ends of every block), and calling
    # clean_text on each cost ~0.1 ms a page (/work/notes/wave3/crawl2/extract_prof.py).
    return [" ".join(words) for words in map(str.split, text.split("\n")) if words]


def body_paragraphs(page: ParsedPage, queries: Iterable[str]) -> tuple[list[str], str | None]:
    """The first selector's container that yields text, as paragraphs, and its method."""
    for query in queries:
        try:
            found = page.sel.css(query)
        except (SelectorError, ValueError):
            page.bad_selectors.append(query)
            continue
        if found:
            paragraphs = _paragraphs_from(found[0], page.spec.selectors.body_exclude, page)
            if paragraphs:
                return paragraphs, f"css:{query}"
    return [], None


def _first(page: ParsedPage, queries: Iterable[str]) -> tuple[str, str | None]:
    for query in queries:
        text = clean_text(" ".join(page.css(query)))
        if text:
            return text, f"css:{query}"
    return "", None


def _all(page: ParsedPage, queries: Iterable[str]) -> tuple[list[str], str | None]:
    for query in queries:
        values = [clean_text(v) for v in page.css(query)]
        values = [v.lstrip("#").strip() for v in values if v]
        values = [v for v in values if v]
        if values:
            return list(dict.fromkeys(values)), f"css:{query}"
    return [], None


@lru_cache(maxsize=256)
def _own_name(title: str, domains: tuple[str, ...]) -> re.Pattern[str]:
    """The outlet's own name (or a domain) after a dash or bar at the end of a title."""
    return re.compile(rf"\s+[-|–—]\s+(?:{re.escape(title)}|{'|'.join(map(re.escape, domains))})\S*\s*$", re.I)


def _strip_title(spec: SiteSpec, title: str) -> str:
    # The outlet's own name after a dash or bar, then the site file's patterns.
    own = _own_name(spec.title, tuple(spec.domains))
    for _ in range(3):  # network suffixes come in pairs: "... - memorandum.disway.id - Memorandum.co.id"
        before = title
        for pattern in [own, *spec.title_suffix_regexes]:
            title = pattern.sub("", title).strip()
        if title == before:
            break
    return title


def _title(page: ParsedPage) -> tuple[str, str | None]:
    text, method = _first(page, page.spec.selectors.title)
    if text:
        return text, method
    headline = _text_of(page.jsonld.get("headline"))
    if headline:
        return headline, "jsonld"
    for query, name in _META_TITLE:
        text = clean_text(" ".join(page.css(query)))
        if text:
            return text, name
    extracted = _text_of(page.trafilatura.get("title"))
    if extracted:
        return extracted, "trafilatura"
    return _first(page, ["h1::text", "title::text"])


def _body(page: ParsedPage) -> tuple[list[str], str | None]:
    paragraphs, method = body_paragraphs(page, page.spec.selectors.body)
    if paragraphs:
        return paragraphs, method
    article_body = page.jsonld.get("articleBody")
    if isinstance(article_body, str) and article_body.strip():
        return [p for p in (clean_text(x) for x in re.split(r"\n+", article_body)) if p], "jsonld"
    text = page.trafilatura.get("text")
    if isinstance(text, str) and len(clean_text(text)) >= MIN_FALLBACK_BODY:
        return [p for p in (clean_text(x) for x in text.splitlines()) if p], "trafilatura"
    return [], None


def _date_candidates(
    page: ParsedPage, site: list[DateSelector], jsonld_key: str, meta: list[tuple[str, DateSource, str]]
) -> list[DateCandidate]:
    found = [DateCandidate(v, d.source, f"css:{d.css}") for d in site for v in page.css(d.css)]
    value = page.jsonld.get(jsonld_key)
    if isinstance(value, str) and value.strip():
        found.append(DateCandidate(value, "jsonld", "jsonld"))
    found += [DateCandidate(v, source, method) for query, source, method in meta for v in page.css(query)]
    return found


def _person_names(values: list[str]) -> list[str]:
    names = [_PERSON_LABEL.sub("", v).strip(" ,;") for v in values if not _NOT_A_PERSON.search(v)]
    return list(dict.fromkeys(n for n in names if n))


def _people(page: ParsedPage) -> tuple[list[str], str | None]:
    names, method = _all(page, page.spec.selectors.authors)
    names = _person_names(names)
    if names:
        return names, method
    names = _names(page.jsonld.get("author"))
    if names:
        return list(dict.fromkeys(names)), "jsonld"
    for query, name in _META_AUTHORS:
        values = [clean_text(v) for v in page.css(query) if not v.strip().startswith("http")]
        if values:
            return list(dict.fromkeys(values)), name
    return [], None


def _tags(page: ParsedPage) -> tuple[list[str], str | None]:
    tags, method = _all(page, page.spec.selectors.tags)
    if tags:
        return tags, method
    keywords = page.jsonld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list) and keywords:
        values = [clean_text(str(k)) for k in keywords]
        return list(dict.fromkeys(v for v in values if v)), "jsonld"
    for query, name in _META_TAGS:
        values = [clean_text(t) for v in page.css(query) for t in v.split(",")]
        if any(values):
            return list(dict.fromkeys(v for v in values if v)), name
    return [], None


def strip_inline(spec: SiteSpec, paragraphs: list[str]) -> list[str]:
    """Paragraphs with the site's inline leftovers (shortcodes) removed."""
    if not spec.strip_regexes:
        return paragraphs
    out = []
    for paragraph in paragraphs:
        for pattern in spec.strip_regexes:
            paragraph = pattern.sub(" ", paragraph)
        out.append(clean_text(paragraph))
    return [p for p in out if p]


def parse_page(spec: SiteSpec, url: str, html: str) -> ParsedPage:
    return ParsedPage(spec, url, Selector(text=html), html)


def continuation_body(spec: SiteSpec, url: str, html: str | ParsedPage) -> list[str]:
    """The body paragraphs of one further page of a split article (same selectors, same stripping).

    ``html`` may be the page already parsed; reading the body drops excluded elements from it.
    """
    page = html if isinstance(html, ParsedPage) else parse_page(spec, url, html)
    paragraphs, _ = _body(page)  # the same chain as the first page: selectors, JSON-LD, trafilatura
    return strip_inline(spec, paragraphs)


def extract_article(
    spec: SiteSpec,
    url: str,
    html: str | ParsedPage,
    fetched_at: datetime,
    region_hint: RegionHint | None = None,
    extra_dates: Iterable[DateCandidate] = (),
) -> PageExtract:
    """Extract one page. Missing fields come back empty; validation decides what is fatal.

    ``html`` may be the page already parsed (:func:`parse_page`, for ``url``): the spider parses
    each response once. Reading the body drops excluded elements from the parsed page, so
    whatever else reads the same page must read it first.
    ``extra_dates`` are dates known from outside the page (the feed entry that led here).
    """
    page = html if isinstance(html, ParsedPage) else parse_page(spec, url, html)
    s = spec.selectors
    methods: dict[str, str] = {}
    title, title_method = _title(page)
    dates = _date_candidates(page, s.published, "datePublished", _META_DATES) + list(extra_dates)
    if not dates:
        guessed = page.trafilatura.get("date")
        if isinstance(guessed, str) and guessed:
            dates.append(DateCandidate(guessed, "extractor", "trafilatura"))
    modified = _date_candidates(page, s.modified, "dateModified", _META_MODIFIED)
    authors, authors_method = _people(page)
    tags, tags_method = _tags(page)
    # The body last: reading it drops excluded elements (bylines, widgets) from the parsed page.
    paragraphs, body_method = _body(page)
    for name, method in (
        ("title", title_method),
        ("body", body_method),
        ("authors", authors_method),
        ("tags", tags_method),
    ):
        if method:
            methods[name] = method
    misses = [
        name
        for name, configured, method in (
            ("title", s.title, title_method),
            ("body", s.body, body_method),
            ("published_at", s.published, dates[0].method if dates else None),
        )
        if configured and not spec.expect_fallbacks and not (method or "").startswith("css:")
    ]
    misses += [f"bad_selector:{q}" for q in dict.fromkeys(page.bad_selectors)]
    canonical = page.css("link[rel='canonical']::attr(href)") or page.css("meta[property='og:url']::attr(content)")
    return PageExtract(
        url=url,
        site=spec.name,
        fetched_at=fetched_at,
        title=_strip_title(spec, title),
        paragraphs=strip_inline(spec, paragraphs),
        date_candidates=dates,
        modified_candidates=modified,
        authors=authors,
        tags=tags,
        canonical_hint=urljoin(url, canonical[0].strip()) if canonical else None,
        language=spec.language,
        home_region=spec.home_region,
        timezone=spec.timezone,
        site_founded=spec.founded,
        domains=tuple(spec.domains),
        methods=methods,
        selector_misses=misses,
        region_hint=region_hint,
    )
