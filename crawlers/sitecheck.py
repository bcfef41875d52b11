"""Operator tools for site files: list them, check extraction, generate expected output.

``pantau sites expect NAME`` writes what the crawler extracts from each saved article
page into ``expected/``; a person reads it before committing, and from then on the
registry test holds the site to it. ``pantau sites check NAME [URL|FILE ...]`` shows, for
saved pages, live URLs or saved files, every field with the method that produced it and
flags what looks wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import yaml
from rich import box
from rich.console import Console
from rich.table import Table

from crawlers.discovery import listing_links
from crawlers.fetch import FetchError, fetch_page
from crawlers.fixture_server import load_routes
from crawlers.page import PageOutcome, process_page
from crawlers.regionhint import region_hint_for
from crawlers.sitespec import SiteError, SiteSpec, fixtures_dir, load_registry
from pantau.articles import identity
from pantau.dates import FUTURE_TOLERANCE
from pantau.schema import RegionHint

# Text that must not survive into a body: related links, shortcodes, bylines, widgets.
_FURNITURE_LEFT = re.compile(
    r"baca juga|\[penci_|\[/?[a-z_]+ [^\]]*\]|^(editor|pewarta|reporter|penulis)\s*:|copyright|bagikan:|"
    r"\d+ komentar|google news|whatsapp channel",
    re.IGNORECASE | re.MULTILINE,
)


def fixture_fetched_at(site: str, fixtures: Path) -> datetime:
    meta = yaml.safe_load((fixtures / site / "meta.yaml").read_text(encoding="utf-8"))
    return datetime.fromisoformat(str(meta["fetched_at"]))


def has_fixtures(site: str, fixtures: Path) -> bool:
    return (fixtures / site / "routes.yaml").is_file() and (fixtures / site / "meta.yaml").is_file()


def article_pages(spec: SiteSpec, fixtures: Path) -> dict[str, Path]:
    """Saved article pages of a site, by URL path."""
    folder = fixtures / spec.name
    return {
        path: folder / route.file
        for path, route in load_routes(spec.name, fixtures).items()
        if spec.is_article_path(path)
    }


def fixture_fetch(spec: SiteSpec, fixtures: Path) -> Callable[[str], str | None]:
    """A fetch that answers from the site's saved pages, as the fixture server would."""
    routes = load_routes(spec.name, fixtures)
    folder = fixtures / spec.name

    def fetch(url: str) -> str | None:
        route = routes.get(urlsplit(url).path)
        if route is None:
            return None
        return (folder / route.file).read_text(encoding="utf-8").replace("{{base_url}}", spec.base_url)

    return fetch


def fixture_region_hints(spec: SiteSpec, fixtures: Path) -> dict[str, RegionHint]:
    """Article path -> the region its saved per-region listing files it under (as a crawl finds it)."""
    hints: dict[str, RegionHint] = {}
    fetch = fixture_fetch(spec, fixtures)
    for path in load_routes(spec.name, fixtures):
        for pattern in spec.region_patterns:
            m = pattern.search(path)
            html = fetch(spec.base_url + path) if m else None
            if m is None or html is None:
                continue
            links = listing_links(spec, spec.base_url + path, html)
            if links.from_selectors:
                for url in links.urls:
                    hints.setdefault(urlsplit(url).path, region_hint_for(m["region"], path, spec.home_region))
    return hints


# Fields of the article that come from the site file or the clock, not from the page.
_NOT_EXTRACTED = {"fetched_at", "schema_version", "timezone", "site_founded", "enrichment"}


def outcome_record(outcome: PageOutcome) -> dict[str, Any]:
    """What the registry test compares: the article extracted from a page, or why there is none."""
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
    for name in ("published_at", "modified_at"):
        value = getattr(article, name)
        out[name] = value.astimezone(UTC).isoformat() if value else None
    out["valid"] = True
    return out


def expected_output(spec: SiteSpec, path: str, page: Path, fetched_at: datetime, fixtures: Path) -> dict[str, Any]:
    hints = fixture_region_hints(spec, fixtures)
    outcome = process_page(
        spec,
        spec.base_url + path,
        page.read_text(encoding="utf-8").replace("{{base_url}}", spec.base_url),
        fetched_at,
        fetch=fixture_fetch(spec, fixtures),
        region_hint=hints.get(path),
    )
    return outcome_record(outcome)


def write_expected(name: str, sites_dir: Path | None = None) -> list[Path]:
    spec = _site(name, sites_dir)
    fixtures = fixtures_dir(sites_dir)
    _require_fixtures(spec, fixtures)
    fetched_at = fixture_fetched_at(name, fixtures)
    written = []
    for path, page in article_pages(spec, fixtures).items():
        target = fixtures / name / "expected" / (page.stem + ".json")
        target.parent.mkdir(exist_ok=True)
        data = expected_output(spec, path, page, fetched_at, fixtures)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def _site(name: str, sites_dir: Path | None) -> SiteSpec:
    registry = load_registry(sites_dir)
    if name not in registry:
        known = ", ".join(registry) or "none"
        raise SiteError(f"unknown site {name!r}; known: {known} (pantau sites list)")
    return registry[name]


def _require_fixtures(spec: SiteSpec, fixtures: Path) -> None:
    if not has_fixtures(spec.name, fixtures):
        raise SiteError(
            f"site {spec.name!r} has no fixtures in {fixtures / spec.name} (routes.yaml and meta.yaml); "
            f"give a URL or a saved page: pantau sites check {spec.name} URL|FILE"
        )


def list_sites(out: TextIO, sites_dir: Path | None = None) -> None:
    """The registry as a table: one row per site file."""
    fixtures = fixtures_dir(sites_dir)
    table = Table("site", "outlet", "platform", "home", "zone", "start points", "fixtures", box=box.SIMPLE)
    for name, spec in load_registry(sites_dir).items():
        starts = [*spec.start.all_paths, *([spec.start.wp_api] if spec.start.wp_api else [])]
        pages = len(article_pages(spec, fixtures)) if has_fixtures(name, fixtures) else 0
        table.add_row(
            name,
            f"{spec.title} ({urlsplit(spec.base_url).hostname})",
            spec.platform,
            spec.home_region or "-",
            spec.timezone.removeprefix("Asia/"),
            "\n".join(starts),
            f"{pages} pages" if pages else "NONE",
        )
    Console(file=out, width=200 if not out.isatty() else None).print(table)


# --- sites check ---------------------------------------------------------------------------


@dataclass
class CheckResult:
    url: str
    outcome: PageOutcome
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def judge(spec: SiteSpec, url: str, outcome: PageOutcome) -> CheckResult:
    """Problems (a required field missing) and warnings (a field that looks wrong) for one page."""
    result = CheckResult(url, outcome)
    page, article = outcome.page, outcome.article
    values: dict[str, Any] = {
        "title": page.title,
        "body": page.paragraphs,
        "published_at": article.published_at if article else None,
        "authors": page.authors,
        "tags": page.tags,
    }
    for name in spec.required:
        if not values.get(name):
            result.problems.append(f"{name}: missing (required)")
    if outcome.reason and not result.problems:
        result.problems.append(f"schema: {outcome.reason}")
    body = "\n".join(page.paragraphs)
    if article and article.published_at and article.published_at > page.fetched_at + FUTURE_TOLERANCE:
        result.warnings.append(f"published_at: in the future ({article.published_at.isoformat()})")
    if article and article.date_source in ("body", "extractor"):
        result.warnings.append(f"published_at: only from {article.date_source} (no date field on the page)")
    if page.title and len(page.title) > 15 and page.title.lower() in body.lower():
        result.warnings.append("body: repeats the title")
    leftover = _FURNITURE_LEFT.search(body)
    if leftover:
        result.warnings.append(f"body: furniture left in ({leftover.group(0)!r})")
    if page.paragraphs and len(body) < 200:
        result.warnings.append(f"body: short ({len(body)} characters)")
    methods = article.extraction if article else page.methods
    for miss in page.selector_misses:
        method = methods.get(miss, "nothing")
        result.warnings.append(f"{miss}: the site's selectors matched nothing (from {method})")
    return result


def _show(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} item(s): " + "; ".join(str(v)[:60] for v in value[:4]) if value else "(none)"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    text = str(value) if value not in (None, "") else "(none)"
    return text if len(text) <= 100 else text[:97] + "..."


def print_result(result: CheckResult, out: TextIO) -> None:
    page, article = result.outcome.page, result.outcome.article
    methods = article.extraction if article else page.methods
    body = page.paragraphs
    rows = [
        ("title", page.title),
        ("body", f"{sum(len(p) for p in body)} chars, {len(body)} paragraph(s): {body[0][:70] if body else ''}"),
        ("published_at", article.published_at if article else None),
        ("modified_at", article.modified_at if article else None),
        ("authors", page.authors),
        ("tags", page.tags),
        ("canonical_url", article.canonical_url if article else page.canonical_hint),
        ("region_hint", article.region_hint.name if article and article.region_hint else None),
    ]
    out.write(f"{result.url}\n")
    for name, value in rows:
        method = methods.get(name, "")
        out.write(f"  {name:<13} {_show(value)}" + (f"   [{method}]" if method else "") + "\n")
    for problem in result.problems:
        out.write(f"  PROBLEM  {problem}\n")
    for warning in result.warnings:
        out.write(f"  warning  {warning}\n")
    out.write(f"  => {'ok' if result.ok else 'FAILS'}\n")


def check_site(
    name: str,
    out: TextIO,
    targets: Iterable[str] = (),
    sites_dir: Path | None = None,
    user_agent: str = "PantauBot",
) -> bool:
    """Extract the saved pages, or the given live URLs / saved files, and show the result with any problems."""
    spec = _site(name, sites_dir)
    fixtures = fixtures_dir(sites_dir)
    results = []
    targets = list(targets)
    if not targets:
        _require_fixtures(spec, fixtures)
        fetched_at = fixture_fetched_at(name, fixtures)
        hints = fixture_region_hints(spec, fixtures)
        fetch = fixture_fetch(spec, fixtures)
        for path, file in article_pages(spec, fixtures).items():
            html = file.read_text(encoding="utf-8").replace("{{base_url}}", spec.base_url)
            outcome = process_page(spec, spec.base_url + path, html, fetched_at, fetch, hints.get(path))
            results.append(judge(spec, spec.base_url + path, outcome))
    for target in targets:
        if target.startswith(("http://", "https://")):
            fetched = fetch_page(target, user_agent)

            def fetch_live(url: str) -> str | None:
                try:
                    return fetch_page(url, user_agent).text
                except FetchError:
                    return None

            outcome = process_page(spec, fetched.url, fetched.text, datetime.now(UTC), fetch_live)
            results.append(judge(spec, target, outcome))
            continue
        saved = Path(target)
        if not saved.is_file():
            raise SiteError(f"{target}: neither a URL nor a saved page (no such file)")
        html = saved.read_text(encoding="utf-8", errors="replace")
        canonical = re.search(r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"']([^\"']+)", html)
        url = canonical.group(1) if canonical else f"{spec.base_url}/{saved.name}"
        outcome = process_page(spec, url, html, datetime.now(UTC))
        results.append(judge(spec, str(saved), outcome))
    for result in results:
        print_result(result, out)
    failed = [r for r in results if not r.ok]
    out.write(f"{len(results)} page(s) checked, {len(results) - len(failed)} ok, {len(failed)} failing\n")
    return not failed
