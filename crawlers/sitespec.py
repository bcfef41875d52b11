"""Site files: one YAML file per spider target, on a platform template, validated when loaded.

A site is data. ``crawlers/sites/<name>.yaml`` names its platform template
(``crawlers/platforms/<platform>.yaml``: Disway, ANTARA, WordPress, generic) and overrides
only what differs: domains, start points, URL patterns, selectors, furniture, home region,
time zone, politeness. Mappings merge key by key; a list in the site file replaces the
template's. The merged file is validated: an error names the site file, the field and
the problem, and nothing starts. Its fixtures live in ``crawlers/fixtures/<name>/`` and the
registry test refuses a site without them.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cssselect import SelectorError
from parsel.csstranslator import HTMLTranslator
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pantau.datafile import parse_yaml, validate
from pantau.dates import DateSource, known_timezone

SITES_DIR = Path(str(resources.files("crawlers").joinpath("sites")))
FIXTURES_DIR = Path(str(resources.files("crawlers").joinpath("fixtures")))
PLATFORMS_DIR = Path(str(resources.files("crawlers").joinpath("platforms")))


def fixtures_dir(sites_dir: Path | None = None) -> Path:
    """Where a catalogue's fixtures live: ``fixtures/`` beside its ``sites/`` folder."""
    return FIXTURES_DIR if sites_dir is None else sites_dir.parent / "fixtures"


_CSS = HTMLTranslator()


class SiteError(ValueError):
    """A site file that cannot be used; the message names the file and the field."""


def check_css(query: str) -> str:
    """``query`` if it is a CSS selector parsel can run (``::text`` and ``::attr()`` included)."""
    try:
        _CSS.css_to_xpath(query)
    except (SelectorError, ValueError, TypeError) as exc:
        raise ValueError(f"bad CSS selector {query!r}: {exc}") from exc
    return query


def _regexes(patterns: list[str], flags: int = 0) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateSelector(_Spec):
    css: str
    #: Where the value comes from, recorded with the article.
    source: DateSource = "visible"

    @field_validator("css")
    @classmethod
    def _css(cls, value: str) -> str:
        return check_css(value)


class Selectors(_Spec):
    """CSS selectors, each list tried in order; generic fallbacks follow (see :mod:`crawlers.extract`)."""

    title: list[str] = Field(default_factory=list)
    body: list[str] = Field(default_factory=list)
    published: list[DateSelector] = Field(default_factory=list)
    modified: list[DateSelector] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    #: Elements inside the body to remove before reading text (captions, ads, widgets, related links).
    body_exclude: list[str] = Field(default_factory=list)
    #: Links to the article's further pages (Disway splits long articles into /15, /30, ...).
    continuation: list[str] = Field(default_factory=list)
    #: Where article links sit on a listing page; without a match every link is considered.
    listing_links: list[str] = Field(default_factory=list)
    #: The "next page" link of a listing that has no ``{page}`` in its URL.
    next_page: list[str] = Field(default_factory=list)

    @field_validator("title", "body", "authors", "tags", "body_exclude", "continuation", "listing_links", "next_page")
    @classmethod
    def _css(cls, queries: list[str]) -> list[str]:
        return [check_css(q) for q in queries]


class Start(_Spec):
    """Where discovery begins. Paths are relative to the site's base URL."""

    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    news_sitemaps: list[str] = Field(default_factory=list)
    #: Listing pages; ``{page}`` is replaced by page numbers from :class:`Pagination`.
    listings: list[str] = Field(default_factory=list)
    #: Search pages: ``{query}`` is each of ``keywords``; ``{page}`` as for listings.
    search: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    #: WordPress REST endpoint for posts (``/wp-json/wp/v2/posts``), where the site leaves it open.
    wp_api: str | None = None

    @field_validator("search")
    @classmethod
    def _has_query(cls, templates: list[str]) -> list[str]:
        for template in templates:
            if "{query}" not in template:
                raise ValueError(f"search URL {template!r} has no {{query}}")
        return templates

    @property
    def all_paths(self) -> list[str]:
        return [*self.feeds, *self.sitemaps, *self.news_sitemaps, *self.listings, *self.search]


class Pagination(_Spec):
    """Page numbers for ``{page}``: Disway counts offsets of 30 from 0, ANTARA and WordPress pages from 1."""

    first: int = Field(default=1, ge=0)
    step: int = Field(default=1, ge=1)


class Politeness(_Spec):
    download_delay: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=2, ge=1, le=16)
    obey_robots: bool = True
    autothrottle: bool = True
    #: Further listing pages followed in a normal (not backfill) crawl.
    max_listing_pages: int = Field(default=3, ge=0)
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    #: In a normal crawl, sitemap and API entries older than this many days are not fetched.
    recent_days: int = Field(default=3, ge=1)


class Schedule(_Spec):
    """``pantau crawl --watch``: how often, and when silence means the site broke."""

    interval_minutes: float = Field(default=30.0, gt=0)
    #: No new article for this long, from a site that usually publishes daily, flags it stale.
    stale_after_hours: float = Field(default=48.0, gt=0)


class SiteSpec(_Spec):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    base_url: str = Field(pattern=r"^https?://[^/]+$")
    domains: list[str] = Field(min_length=1)
    platform: str = "generic"
    language: str = "id"
    #: Kemendagri code of the outlet's home region: a prior for tagging, never the answer.
    home_region: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{2})?$")
    #: IANA zone of dates the site prints without one (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura).
    timezone: str = "Asia/Jakarta"
    #: The outlet's first publication day; earlier dates are flagged as impossible.
    founded: date | None = None
    #: What is known of the site's markup and how (confirmed, or mirrored from its platform).
    notes: str = ""
    start: Start
    pagination: Pagination = Field(default_factory=Pagination)
    article_urls: list[str] = Field(min_length=1)
    #: Listing paths that file articles under a region, with a ``(?P<region>...)`` group.
    region_sections: list[str] = Field(default_factory=list)
    selectors: Selectors = Field(default_factory=Selectors)
    #: Paragraphs matching any of these are site furniture ("BACA JUGA:"), not body text.
    drop_paragraphs: list[str] = Field(default_factory=list)
    #: Removed from inside paragraphs (leftover shortcodes such as ``[penci_related_posts ...]``).
    strip_patterns: list[str] = Field(default_factory=list)
    #: Removed from the end of titles (" - Memorandum", " | ANTARA News").
    title_suffixes: list[str] = Field(default_factory=list)
    #: True when the selectors are guesses (WordPress themes vary): a field read by a generic
    #: fallback is then normal, not counted as the site's selectors having stopped matching.
    expect_fallbacks: bool = False
    #: Fields `pantau sites check` requires; a page missing one fails the check.
    required: list[str] = Field(default_factory=lambda: ["title", "body", "published_at"])
    politeness: Politeness = Field(default_factory=Politeness)
    schedule: Schedule = Field(default_factory=Schedule)

    @field_validator("article_urls", "region_sections")
    @classmethod
    def _regexes_compile(cls, patterns: list[str]) -> list[str]:
        return _regexes(patterns)

    @field_validator("drop_paragraphs", "strip_patterns", "title_suffixes")
    @classmethod
    def _regexes_compile_nocase(cls, patterns: list[str]) -> list[str]:
        return _regexes(patterns, re.IGNORECASE)

    @field_validator("region_sections")
    @classmethod
    def _region_group(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if "region" not in re.compile(pattern).groupindex:
                raise ValueError(f"region section {pattern!r} needs a (?P<region>...) group")
        return patterns

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        return known_timezone(value)

    @model_validator(mode="after")
    def _has_a_start(self) -> SiteSpec:
        if not (self.start.all_paths or self.start.wp_api):
            raise ValueError("start: no start point (feeds, sitemaps, news_sitemaps, listings, search or wp_api)")
        return self

    @cached_property
    def article_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.article_urls]

    @cached_property
    def region_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.region_sections]

    @cached_property
    def drop_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.drop_paragraphs]

    @cached_property
    def strip_regexes(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.strip_patterns]

    @cached_property
    def title_suffix_regexes(self) -> list[re.Pattern[str]]:
        return [re.compile(rf"(?:{p})\s*$", re.IGNORECASE) for p in self.title_suffixes]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_article_path(self, path: str) -> bool:
        return any(p.search(path) for p in self.article_patterns)


def known_platforms() -> list[str]:
    return sorted(p.stem for p in PLATFORMS_DIR.glob("*.yaml"))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) in ``override`` replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def platform_template(platform: str, source: str) -> dict[str, Any]:
    path = PLATFORMS_DIR / f"{platform}.yaml"
    if not path.is_file():
        raise SiteError(f"{source}: platform: unknown platform {platform!r}; known: {', '.join(known_platforms())}")
    data = parse_yaml(path.read_text(encoding="utf-8"), f"platform template {path}", SiteError)
    if not isinstance(data, dict):
        raise SiteError(f"platform template {path}: expected a mapping at the top level")
    return data


def spec_from_data(data: Any, source: str) -> SiteSpec:
    """A validated site from a site file's parsed content, merged onto its platform template."""
    if not isinstance(data, dict):
        raise SiteError(f"{source}: expected a mapping at the top level")
    platform = data.get("platform", "generic")
    if not isinstance(platform, str):
        raise SiteError(f"{source}: platform: must be a name such as disway, antara, wordpress or generic")
    merged = _merge(platform_template(platform, source), data)
    merged["platform"] = platform
    return validate(SiteSpec, merged, source, SiteError)


def load_site(path: Path) -> SiteSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteError(f"site file {path}: cannot be read: {exc.strerror}") from exc
    source = f"site file {path}"
    spec = spec_from_data(parse_yaml(text, source, SiteError), source)
    if spec.name != path.stem:
        raise SiteError(f"{source}: name {spec.name!r} must match the file name {path.stem!r}")
    return spec


def load_registry(sites_dir: Path | None = None) -> dict[str, SiteSpec]:
    """Every site file, by name."""
    folder = sites_dir or SITES_DIR
    return {p.stem: load_site(p) for p in sorted(folder.glob("*.yaml"))}


def select_sites(names: list[str], sites_dir: Path | None = None) -> list[SiteSpec]:
    registry = load_registry(sites_dir)
    if not names:
        return list(registry.values())
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise SiteError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(registry)}")
    return [registry[n] for n in names]
