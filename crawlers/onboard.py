"""``pantau sites add``: look at a news site and write a draft site file.

Fetches the home page, robots.txt and one sample article; recognises the platform
(Disway, ANTARA, WordPress, or other) by its fingerprints; finds feeds (``<link
rel=alternate>`` and the platform's usual paths), sitemaps (robots.txt and the usual paths),
an open WordPress REST API and JSON-LD; runs the extraction on the sample article; and
writes a draft site file on the platform's template. What could not be found (a home
region, a listing, a required field) is listed so the operator knows what to fill in
before ``pantau sites check`` passes and fixtures are saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urljoin, urlsplit

import yaml
from parsel import Selector

from crawlers.discovery import DiscoveryError, feed_entries, sitemap_entries
from crawlers.fetch import Fetched, FetchError, fetch_page, try_fetch
from crawlers.page import process_page
from crawlers.sitespec import SiteError, SiteSpec, platform_template, spec_from_data
from pantau.dates import WIB

# Fingerprints, each with what it proves.
_FINGERPRINTS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "disway": [
        (re.compile(r"href=[\"'][^\"']*/read/\d+/[a-z0-9-]+[\"']"), "article links /read/<id>/<slug>"),
        (re.compile(r"data-ci-pagination-page"), "CodeIgniter pagination (data-ci-pagination-page)"),
        (re.compile(r"text-black-1"), "Disway body class (post text-black-1)"),
        (re.compile(r"/upload/[0-9a-f]{32}\.(?:jpe?g|png|webp)"), "Disway image paths /upload/<md5>"),
    ],
    "antara": [
        (re.compile(r"href=[\"'][^\"']*/berita/\d+/[a-z0-9-]+[\"']"), "article links /berita/<id>/<slug>"),
        (re.compile(r"antaranews\.com"), "antaranews.com host"),
        (re.compile(r"wrap__article-detail|post-header|simple-post"), "ANTARA template classes"),
    ],
    "wordpress": [
        (re.compile(r"/wp-content/"), "/wp-content/ assets"),
        (re.compile(r"/wp-json/|api\.w\.org"), "REST API link (api.w.org)"),
        (re.compile(r"<meta[^>]+generator[^>]+WordPress", re.IGNORECASE), "generator meta: WordPress"),
    ],
}
_FEED_PATHS = {
    "disway": ["/rss"],
    "antara": ["/rss/terkini.xml"],
    "wordpress": ["/feed/"],
    "generic": ["/feed", "/rss"],
}
_SITEMAP_PATHS = ["/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml", "/news-sitemap.xml", "/sitemap/sitemap.xml"]
_TLD_LABELS = {"www", "m", "com", "co", "id", "net", "org", "or", "go", "ac", "web", "my", "info", "news", "biz"}


@dataclass
class OnboardReport:
    """What ``sites add`` found, what it is missing, and the draft site file."""

    name: str
    base_url: str
    platform: str
    evidence: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    news_sitemaps: list[str] = field(default_factory=list)
    wp_api: str | None = None
    robots: str = "none"
    sample_url: str | None = None
    jsonld_types: list[str] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, value, method)
    missing: list[str] = field(default_factory=list)
    site_file: str = ""

    def print(self, out: TextIO, path: Path) -> None:
        out.write(f"Site {self.name} ({self.base_url})\n")
        out.write(
            f"  platform       {self.platform}" + (f"  ({'; '.join(self.evidence)})" if self.evidence else "") + "\n"
        )
        out.write(f"  robots.txt     {self.robots}\n")
        out.write(f"  feeds          {', '.join(self.feeds) or 'none found'}\n")
        out.write(f"  sitemaps       {', '.join(self.sitemaps) or 'none found'}\n")
        if self.news_sitemaps:
            out.write(f"  news sitemaps  {', '.join(self.news_sitemaps)}\n")
        if self.platform == "wordpress":
            out.write(f"  REST API       {self.wp_api or 'closed or absent'}\n")
        out.write(f"  JSON-LD        {', '.join(self.jsonld_types) or 'none on the sample article'}\n")
        out.write(f"  sample article {self.sample_url or 'none found'}\n")
        for name, value, method in self.fields:
            out.write(f"    {name:<13} {value}" + (f"   [{method}]" if method else "") + "\n")
        out.write(f"Wrote {path}\n")
        if self.missing:
            out.write("Missing (fill in before enabling the site):\n")
            for item in self.missing:
                out.write(f"  - {item}\n")
        out.write(
            f"Next: pantau sites check {self.name} {self.sample_url or 'ARTICLE_URL'}; then save fixture pages under "
            f"crawlers/fixtures/{self.name}/ and run pantau sites expect {self.name}.\n"
        )


def site_name_for(host: str) -> str:
    labels = [label for label in host.lower().split(".") if label and label not in _TLD_LABELS]
    name = "_".join(labels) or host.replace(".", "_")
    return re.sub(r"[^a-z0-9_]", "_", name)


def detect_platform(host: str, html: str) -> tuple[str, list[str]]:
    """The platform whose fingerprints the page carries most of, with the evidence."""
    scores: dict[str, list[str]] = {}
    for platform, prints in _FINGERPRINTS.items():
        found = [why for pattern, why in prints if pattern.search(html)]
        scores[platform] = found
    if host.endswith(("disway.id", "bacakoran.co")):
        scores["disway"].append("Disway network host")
    best = max(scores, key=lambda p: len(scores[p]))
    if len(scores[best]) < 2 and not (best == "wordpress" and scores[best]):
        return "generic", scores[best]
    return best, scores[best]


def _probe(url: str, base: str, user_agent: str, read: Callable[[str, str], object]) -> Fetched | None:
    """The page at ``url`` when it is on the site and ``read`` accepts it (a feed, a sitemap)."""
    if urlsplit(url).hostname != urlsplit(base).hostname:
        return None
    page = try_fetch(url, user_agent)
    if page is None:
        return None
    try:
        read(page.text, url)
    except DiscoveryError:
        return None
    return page


def _feeds(base: str, home: Fetched, platform: str, user_agent: str) -> list[str]:
    sel = Selector(text=home.text)
    hrefs = sel.css(
        "link[rel='alternate'][type*='rss']::attr(href), link[rel='alternate'][type*='atom']::attr(href)"
    ).getall()
    candidates = [urljoin(home.url, h) for h in hrefs] + [base + p for p in _FEED_PATHS.get(platform, [])]
    return [
        urlsplit(url).path or "/"
        for url in dict.fromkeys(candidates)
        if "/comments/" not in url and _probe(url, base, user_agent, lambda text, u: feed_entries(text, u, WIB))
    ]


def _sitemaps(base: str, robots: str, user_agent: str) -> tuple[list[str], list[str]]:
    """Sitemaps named in robots.txt or at the usual paths: (plain or index, news)."""
    declared = [line.split(":", 1)[1].strip() for line in robots.splitlines() if line.lower().startswith("sitemap:")]
    plain: list[str] = []
    news: list[str] = []
    for url in dict.fromkeys([*declared, *(base + p for p in _SITEMAP_PATHS)]):
        page = _probe(url, base, user_agent, lambda text, u: sitemap_entries(text, u, WIB))
        if page is not None:
            path = urlsplit(url).path
            (news if "sitemap-news" in page.text or "news" in path else plain).append(path)
    return plain, news


def _wp_api(base: str, user_agent: str) -> str | None:
    page = try_fetch(base + "/wp-json/wp/v2/posts?per_page=1&_fields=id,link", user_agent)
    if page is None:
        return None
    try:
        data = json.loads(page.text)
    except ValueError:
        return None
    return "/wp-json/wp/v2/posts" if isinstance(data, list) else None


def _article_pattern(path: str) -> str:
    """A URL pattern generalised from one article path: numbers and slugs become wildcards."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.isdigit():
            parts.append(r"\d+")
        elif "-" in segment:
            parts.append("[^/]+")
        else:
            parts.append(re.escape(segment))
    return "^/" + "/".join(parts) + ("/?$" if path.endswith("/") else "$")


def _sample_article(base: str, home: Fetched, patterns: list[re.Pattern[str]]) -> str | None:
    host = urlsplit(base).hostname
    links = [urljoin(home.url, h) for h in Selector(text=home.text).css("a::attr(href)").getall()]
    same_site = [u for u in links if urlsplit(u).hostname == host]
    if patterns:
        for url in same_site:
            if any(p.search(urlsplit(url).path) for p in patterns):
                return url
    # No pattern (or none matched): the first link whose last segment looks like a headline slug.
    for url in same_site:
        last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        if last.count("-") >= 3:
            return url
    return None


def _title(home: Fetched, host: str) -> str:
    sel = Selector(text=home.text)
    name = sel.css("meta[property='og:site_name']::attr(content)").get() or sel.css("title::text").get() or host
    return re.split(r"\s+[-|–]\s+", name.strip())[0] or host


def onboard(url: str, user_agent: str, article_url: str | None = None, name: str | None = None) -> OnboardReport:
    """Look at the site at ``url``; raises :class:`FetchError` when its home page cannot be fetched."""
    home = fetch_page(url, user_agent)
    parts = urlsplit(home.url)
    base = f"{parts.scheme}://{parts.netloc}"
    host = parts.hostname or ""
    platform, evidence = detect_platform(host, home.text)
    report = OnboardReport(name=name or site_name_for(host), base_url=base, platform=platform, evidence=evidence)
    robots = try_fetch(base + "/robots.txt", user_agent)
    report.robots = "found" if robots else "none (everything allowed)"
    report.feeds = _feeds(base, home, platform, user_agent)
    report.sitemaps, report.news_sitemaps = _sitemaps(base, robots.text if robots else "", user_agent)
    if platform == "wordpress":
        report.wp_api = _wp_api(base, user_agent)
    template = platform_template(platform, "sites add")
    patterns = [re.compile(p) for p in template.get("article_urls", [])]
    sample = article_url or _sample_article(base, home, patterns)
    data: dict[str, Any] = {
        "name": report.name,
        "title": _title(home, host),
        "base_url": base,
        "domains": sorted({host, host.removeprefix("www.")}),
        "platform": platform,
        "home_region": None,
        "timezone": "Asia/Jakarta",
        "start": {"feeds": report.feeds, "sitemaps": report.sitemaps, "news_sitemaps": report.news_sitemaps},
    }
    if platform == "wordpress":
        data["start"]["wp_api"] = report.wp_api
    if platform == "generic" and sample:
        data["article_urls"] = [_article_pattern(urlsplit(sample).path)]
    if sample and patterns and not any(p.search(urlsplit(sample).path) for p in patterns):
        data["article_urls"] = [*template.get("article_urls", []), _article_pattern(urlsplit(sample).path)]
    spec = _spec(data, report)
    if sample and spec is not None:
        report.sample_url = sample
        _read_sample(spec, sample, user_agent, report)
    _missing(data, report)
    report.site_file = _site_file(data, report)
    return report


def _spec(data: dict[str, Any], report: OnboardReport) -> SiteSpec | None:
    try:
        return spec_from_data({k: v for k, v in data.items() if v is not None}, "draft site file")
    except SiteError as exc:
        report.missing.append(f"the draft does not validate yet: {exc}")
        return None


def _read_sample(spec: SiteSpec, sample: str, user_agent: str, report: OnboardReport) -> None:
    try:
        page = fetch_page(sample, user_agent)
    except FetchError as exc:
        report.missing.append(f"sample article: {exc}")
        return
    types = []
    for raw in Selector(text=page.text).css("script[type='application/ld+json']::text").getall():
        try:
            found = re.findall(r'"@type"\s*:\s*"([A-Za-z]+)"', json.dumps(json.loads(raw)))
        except ValueError:
            continue
        types += found
    report.jsonld_types = list(dict.fromkeys(types))

    def fetch_more(url: str) -> str | None:
        more = try_fetch(url, user_agent)
        return more.text if more else None

    outcome = process_page(spec, page.url, page.text, datetime.now(UTC), fetch_more)
    article, extract = outcome.article, outcome.page
    methods = article.extraction if article else extract.methods
    body = "\n".join(extract.paragraphs)
    values = {
        "title": extract.title,
        "body": f"{len(body)} chars, {len(extract.paragraphs)} paragraph(s)" if body else "",
        "published_at": article.published_at.isoformat() if article and article.published_at else "",
        "authors": ", ".join(extract.authors),
        "tags": ", ".join(extract.tags),
    }
    for name, value in values.items():
        report.fields.append((name, value[:90] or "(none)", methods.get(name, "")))
        if not value and name in spec.required:
            report.missing.append(f"{name}: not found on the sample article (add a selector under selectors.{name})")


def _missing(data: dict[str, Any], report: OnboardReport) -> None:
    report.missing.insert(0, "home_region: the outlet's Kemendagri code (a prior for region tagging)")
    report.missing.insert(1, "timezone: Asia/Jakarta assumed (WIB); WITA outlets Asia/Makassar, WIT Asia/Jayapura")
    if not (report.feeds or report.sitemaps or report.news_sitemaps or report.wp_api):
        report.missing.append("start points: no feed, sitemap or API found; add listings under start.listings")
    elif not report.feeds:
        report.missing.append("feeds: none found; a listing page (start.listings) keeps the crawl fresh")
    if report.sample_url is None:
        report.missing.append("a sample article: give one with --article URL")
    if report.platform == "generic":
        report.missing.append("article_urls: guessed from one sample; check it matches every article and nothing else")


def _site_file(data: dict[str, Any], report: OnboardReport) -> str:
    header = [
        f"# {data['title']} ({report.base_url}): draft written by `pantau sites add` on "
        f"{datetime.now(UTC).date().isoformat()}.",
        f"# Platform {report.platform}" + (f" ({'; '.join(report.evidence)})." if report.evidence else "."),
        "# Review every line, fill in what is missing, then run `pantau sites check`.",
    ]
    body = {k: v for k, v in data.items() if v is not None or k == "home_region"}
    body["start"] = {k: v for k, v in body["start"].items() if v or k == "wp_api"}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120)
    text = text.replace("home_region: null", 'home_region: null   # TODO: Kemendagri code, e.g. "35" or "35.08"')
    return "\n".join(header) + "\n" + text
