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

from crawlers.fixture_server import load_routes
from crawlers.page import process_page
from crawlers.sitespec import FIXTURES_DIR, SiteSpec, load_registry
from pantau.schema import SchemaError, parse_article


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


def expected_output(spec: SiteSpec, path: str, page: Path, fetched_at: datetime) -> dict[str, Any]:
    """What the registry test compares: the normalised fields, and whether they validate."""
    url = spec.base_url + path
    fields = process_page(spec, url, page.read_text(encoding="utf-8"), fetched_at)
    out: dict[str, Any] = {k: v for k, v in fields.items() if k not in ("fetched_at", "schema_version")}
    if out.get("published_at") is not None:
        out["published_at"] = out["published_at"].astimezone(UTC).isoformat()
    try:
        parse_article(fields)
        out["valid"] = True
    except SchemaError as exc:
        out["valid"] = False
        out["invalid_reason"] = exc.reason
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
    for name, spec in load_registry().items():
        has_fixtures = (FIXTURES_DIR / name / "routes.yaml").exists()
        out.write(
            f"{name:20} {spec.base_url:40} home={spec.home_region or '-':6} "
            f"platform={spec.platform:10} fixtures={'yes' if has_fixtures else 'NO'}\n"
        )


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
        fields = process_page(spec, page_url, html, fetched_at)
        problems = [k for k in ("title", "body", "published_at") if not fields.get(k)]
        try:
            parse_article(fields)
        except SchemaError as exc:
            problems.append(f"schema: {exc.reason}")
        ok = ok and not problems
        out.write(
            f"{page_url}\n  title: {fields['title'][:100]}\n  published_at: {fields['published_at']} "
            f"(from {fields.get('date_source')})\n  body: {len(fields['body'])} chars, "
            f"{fields['body'].count(chr(10) * 2) + 1 if fields['body'] else 0} paragraph(s)\n"
            f"  problems: {', '.join(problems) or 'none'}\n"
        )
    return ok
