"""Site files: one YAML file per spider target, validated when loaded.

A site is data. ``crawlers/sites/<name>.yaml`` declares where to start, which URLs are
articles, how to pull each field (selectors tried in order, then generic fallbacks),
the outlet's home region and how politely to crawl. Its fixtures live in
``crawlers/fixtures/<name>/`` and the registry test refuses a site without them.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pantau.datafile import parse_yaml, validate
from pantau.dates import DateSource

SITES_DIR = Path(str(resources.files("crawlers").joinpath("sites")))
FIXTURES_DIR = Path(str(resources.files("crawlers").joinpath("fixtures")))


class SiteError(ValueError):
    """A site file that cannot be used; the message names the file and the field."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateSelector(_Spec):
    css: str
    #: Where the value comes from, recorded with the article.
    source: DateSource = "visible"


class Selectors(_Spec):
    title: list[str] = Field(min_length=1)
    body: list[str] = Field(min_length=1)
    published: list[DateSelector] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    #: Elements inside the body to remove before reading text (captions, ads, widgets).
    body_exclude: list[str] = Field(default_factory=list)


class Start(_Spec):
    feeds: list[str] = Field(default_factory=list)
    listings: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)


class Politeness(_Spec):
    download_delay: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=2, ge=1, le=16)
    obey_robots: bool = True
    max_listing_pages: int = Field(default=3, ge=0)


class SiteSpec(_Spec):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    base_url: str = Field(pattern=r"^https?://[^/]+$")
    domains: list[str] = Field(min_length=1)
    platform: str = "generic"
    language: str = "id"
    #: Kemendagri code of the outlet's home region: a prior for tagging, never the answer.
    home_region: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{2})?$")
    timezone: str = "Asia/Jakarta"
    #: The outlet's first publication day; earlier dates are flagged as impossible.
    founded: date | None = None
    start: Start
    article_urls: list[str] = Field(min_length=1)
    listing_urls: list[str] = Field(default_factory=list)
    selectors: Selectors
    #: Paragraphs matching any of these are site furniture ("BACA JUGA:"), not body text.
    drop_paragraphs: list[str] = Field(default_factory=list)
    politeness: Politeness = Field(default_factory=Politeness)

    @field_validator("article_urls", "listing_urls", "drop_paragraphs")
    @classmethod
    def _regexes_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Makassar)") from exc
        return value

    @cached_property
    def article_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.article_urls]

    @cached_property
    def listing_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.listing_urls]

    @cached_property
    def drop_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.drop_paragraphs]


def load_site(path: Path) -> SiteSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteError(f"site file {path}: cannot be read: {exc.strerror}") from exc
    data = parse_yaml(text, f"site file {path}", SiteError)
    if not isinstance(data, dict):
        raise SiteError(f"site file {path}: expected a mapping at the top level")
    spec = validate(SiteSpec, data, f"site file {path}", SiteError)
    if spec.name != path.stem:
        raise SiteError(f"site file {path}: name {spec.name!r} must match the file name {path.stem!r}")
    return spec


def load_registry(sites_dir: Path = SITES_DIR) -> dict[str, SiteSpec]:
    """Every site file, by name."""
    return {p.stem: load_site(p) for p in sorted(sites_dir.glob("*.yaml"))}


def select_sites(names: list[str], sites_dir: Path = SITES_DIR) -> list[SiteSpec]:
    registry = load_registry(sites_dir)
    if not names:
        return list(registry.values())
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise SiteError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(registry)}")
    return [registry[n] for n in names]
