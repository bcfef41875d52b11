"""Operator tools for site files: list them, check extraction, generate expected output.

``pantau sites expect NAME`` writes what the crawler extracts from each saved article
page into ``expected/``; a person reads it before committing, and from then on the
registry test holds the site to it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from rich import box
from rich.console import Console
from rich.table import Table

from crawlers.fixture_server import load_routes
from crawlers.page import process_page
from crawlers.sitespec import FIXTURES_DIR, SiteSpec, load_registry
from pantau.articles import identity


def fixture_fetched_at(site: str, fixtures_dir: Path = FIXTURES_DIR) -> datetime:
    meta = yaml.safe_load((fixtures_dir / site / "meta.yaml").read_text(encoding="utf-8"))
    return datetime.fromisoformat(str(meta["fetched_at"]))


def article_pages(spec: SiteSpec, fixtures_dir: Path = FIXTURES_DIR) -> dict[str, Path]:
    """Saved article pages of a site, by URL path."""
    folder = fixtures_dir / spec.name
    return {
        path: folder / route.file
        for path, route in load_routes(spec.name, fixtures_dir).items()
        if any(p.search(path) for p in spec.article_patterns)
    }


# Fields of the article that come from the site file or the clock, not from the page.
_NOT_EXTRACTED = {"fetched_at", "schema_version", "timezone", "site_founded", "enrichment"}


def expected_output(spec: SiteSpec, path: str, page: Path, fetched_at: datetime) -> dict[str, Any]:
    """What the registry test compares: the article extracted from a saved page, or why there is none."""
    outcome = process_page(spec, spec.base_url + path, page.read_text(encoding="utf-8"), fetched_at)
    if outcome.article is None:
        canonical, the_id = identity(outcome.page.url, outcome.page.canonical_hint, outcome.page.domains)
        return {
            "id": the_id,
            "url": outcome.page.url,
            "canonical_url": canonical,
            "title": outcome.page.title,
            "body": "\n\n".join(outcome.page.paragraphs),
            "valid": False,
            "invalid_reason": outcome.reason,
        }
    article = outcome.article
    out: dict[str, Any] = article.model_dump(mode="json", exclude=_NOT_EXTRACTED)
    out["published_at"] = article.published_at.astimezone(UTC).isoformat() if article.published_at else None
    out["valid"] = True
    return out


def write_expected(name: str, fixtures_dir: Path = FIXTURES_DIR) -> list[Path]:
    spec = load_registry()[name]
    fetched_at = fixture_fetched_at(name, fixtures_dir)
    written = []
    for path, page in article_pages(spec, fixtures_dir).items():
        target = fixtures_dir / name / "expected" / (page.stem + ".json")
        target.parent.mkdir(exist_ok=True)
        data = expected_output(spec, path, page, fetched_at)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def list_sites(out: TextIO) -> None:
    """The registry as a table: one row per site file."""
    table = Table("site", "base URL", "platform", "home", "start points", "fixtures", box=box.SIMPLE)
    for name, spec in load_registry().items():
        has_fixtures = (FIXTURES_DIR / name / "routes.yaml").exists()
        starts = [*spec.start.feeds, *spec.start.sitemaps, *spec.start.listings]
        table.add_row(
            name,
            spec.base_url,
            spec.platform,
            spec.home_region or "-",
            " ".join(starts),
            "yes" if has_fixtures else "NO",
        )
    Console(file=out, width=200 if not out.isatty() else None).print(table)


def check_site(name: str, out: TextIO, url: str | None = None) -> bool:
    """Extract the saved pages (or one live URL) and show the result with any problems."""
    spec = load_registry()[name]
    if url:
        import urllib.request

        with urllib.request.urlopen(url, timeout=30) as response:
            html = response.read().decode("utf-8", errors="replace")
        pages = {url: (html, datetime.now(UTC))}
    else:
        fetched_at = fixture_fetched_at(name)
        pages = {spec.base_url + p: (f.read_text(encoding="utf-8"), fetched_at) for p, f in article_pages(spec).items()}
    ok = True
    for page_url, (html, fetched_at) in pages.items():
        outcome = process_page(spec, page_url, html, fetched_at)
        article = outcome.article
        problems = [f"schema: {outcome.reason}"] if outcome.reason else []
        if article is not None and article.published_at is None:
            problems.append("published_at: none found")
        paragraphs = outcome.page.paragraphs
        out.write(
            f"{page_url}\n  title: {outcome.page.title[:100]}\n"
            f"  published_at: {article.published_at if article else None} "
            f"(from {article.date_source if article else None})\n"
            f"  body: {sum(len(p) for p in paragraphs)} chars, {len(paragraphs)} paragraph(s)\n"
            f"  problems: {', '.join(problems) or 'none'}\n"
        )
        ok = ok and not problems
    return ok
