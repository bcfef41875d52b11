"""Building contract articles: from a crawled page, or from a bare JSON record.

This is the one place that derives an article's canonical URL and id, and the one place
that resolves its publication date from what the page offered. The crawler's normalise
pipeline, ``pantau sites check`` and ``pantau enrich`` all come through here, so the same
page always gets the same id whichever door it came in by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from pantau.dates import ResolvedDate, dates_in_text, resolve_published
from pantau.schema import Article, PageExtract, SchemaError, article_id, describe_validation_error, parse_article
from pantau.urls import canonical_url, site_host

# Machine-readable fields are trusted before the visible date line, the feed entry that led
# to the page, a generic extractor's guess, and the body last.
SOURCE_ORDER = {"meta": 0, "jsonld": 1, "visible": 2, "feed": 3, "extractor": 4, "body": 5}


def identity(url: str, canonical_hint: str | None = None, domains: Iterable[str] = ()) -> tuple[str, str]:
    """``(canonical URL, article id)`` for a page fetched at ``url``.

    The page's own ``rel=canonical`` is used when it stays on the outlet (the fetched
    host or one of ``domains``); a canonical pointing off-site (a syndication partner, a
    CMS bug) is not trusted, or one outlet's copy would take another's id.
    """
    canonical = canonical_url(url)
    if canonical_hint:
        try:
            hint_host = site_host(canonical_hint)
            if hint_host == site_host(url) or any(hint_host == d or hint_host.endswith("." + d) for d in domains):
                canonical = canonical_url(canonical_hint)
        except ValueError:
            pass
    return canonical, article_id(canonical)


def resolve_page_date(page: PageExtract) -> ResolvedDate | None:
    """The page's publication date: its date fields by trust, then a date stated in the lede."""
    zone = ZoneInfo(page.timezone)
    candidates = sorted(page.date_candidates, key=lambda c: SOURCE_ORDER.get(c.source, 9))
    resolved = resolve_published(candidates, page.fetched_at, zone)
    if resolved is None:
        # Body text is the weakest witness: the first "Weekday (dd/mm/yyyy)" in the story.
        in_text = dates_in_text(" ".join(page.paragraphs[:4]), page.fetched_at, zone)
        resolved = ResolvedDate(in_text[0], "body", "body-text") if in_text else None
    return resolved


def _extraction(page: PageExtract, published: ResolvedDate | None, modified: ResolvedDate | None) -> dict[str, str]:
    """Field -> method, with the date fields named by the candidate that won."""
    methods = {k: v for k, v in page.methods.items() if k not in ("published_at", "modified_at")}
    for name, resolved in (("published_at", published), ("modified_at", modified)):
        if resolved is not None:
            methods[name] = resolved.method or resolved.source
    if page.region_hint is not None:
        methods["region_hint"] = "listing:" + page.region_hint.source
    return methods


def build_article(page: PageExtract) -> Article:
    """Normalise and validate one extracted page into the contract, or raise :class:`SchemaError`."""
    canonical, the_id = identity(page.url, page.canonical_hint, page.domains)
    resolved = resolve_page_date(page)
    modified = resolve_published(page.modified_candidates, page.fetched_at, ZoneInfo(page.timezone))
    try:
        return Article(
            id=the_id,
            url=page.url,
            canonical_url=canonical,
            site=page.site,
            title=page.title,
            body="\n\n".join(page.paragraphs),
            published_at=resolved.value if resolved else None,
            date_source=resolved.source if resolved else None,
            modified_at=modified.value if modified else None,
            fetched_at=page.fetched_at,
            authors=page.authors,
            tags=page.tags,
            language=page.language,
            home_region=page.home_region,
            timezone=page.timezone,
            site_founded=page.site_founded,
            region_hint=page.region_hint,
            extraction=_extraction(page, resolved, modified),
        )
    except ValidationError as exc:
        raise SchemaError(describe_validation_error(exc)) from exc


def article_from_record(data: Mapping[str, Any], now: datetime) -> Article:
    """An article from a bare JSON record (``url``, ``title``, ``body`` at least), as ``pantau enrich`` reads.

    Missing derived fields are filled the way the crawler would: canonical URL and id from
    the URL, the site from its host, the fetch time from ``now``.
    """
    if not isinstance(data.get("url"), str):
        raise SchemaError("url: required (a string)")
    fields = dict(data)
    if not isinstance(fields.get("canonical_url"), str):
        try:
            fields["canonical_url"], the_id = identity(fields["url"])
        except ValueError as exc:
            raise SchemaError(f"url: {exc}") from exc
        fields.setdefault("id", the_id)
    # A record that states its canonical URL is taken at its word; the schema then
    # checks that its id (given or derived here) is that URL's hash.
    fields.setdefault("id", article_id(fields["canonical_url"]))
    fields.setdefault("site", site_host(fields["url"]) or "unknown")
    fields.setdefault("fetched_at", now.isoformat())
    return parse_article(fields)
