"""Walks every site file: each must have fixtures, and extraction must match the reviewed output.

A site without saved pages, or whose selectors stopped producing a title, a body or a
date, fails here. Regenerate expected output with ``pantau sites expect NAME`` and review it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.fixture_server import load_routes
from crawlers.sitecheck import article_pages, expected_output, fixture_fetched_at
from crawlers.sitespec import FIXTURES_DIR, SiteError, load_registry, load_site

REGISTRY = load_registry()


def test_the_registry_is_not_empty() -> None:
    assert "memorandum" in REGISTRY


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_site_has_fixtures_with_expected_output(name: str) -> None:
    spec = REGISTRY[name]
    folder = FIXTURES_DIR / name
    assert (folder / "routes.yaml").exists(), f"site {name} has no fixture pages in {folder}"
    assert (folder / "meta.yaml").exists(), f"site {name} has no meta.yaml (fetch time, provenance)"
    routes = load_routes(name)
    for path, route in routes.items():
        assert (folder / route.file).exists(), f"{name}: route {path} names a missing file {route.file}"
    pages = article_pages(spec)
    assert pages, f"site {name}: no fixture page matches its article_urls"
    assert spec.start.feeds or spec.start.listings or spec.start.sitemaps
    for path in [*spec.start.feeds, *spec.start.listings]:
        assert path in routes, f"site {name}: start point {path} has no fixture"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_extraction_matches_reviewed_output(name: str) -> None:
    spec = REGISTRY[name]
    fetched_at = fixture_fetched_at(name)
    valid = 0
    for path, page in article_pages(spec).items():
        expected_file = FIXTURES_DIR / name / "expected" / f"{page.stem}.json"
        assert expected_file.exists(), f"{name}: no expected output for {page.name}; run `pantau sites expect {name}`"
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        actual = expected_output(spec, path, page, fetched_at)
        assert actual == expected, f"{name}: {page.name} extracts differently from {expected_file.name}"
        if actual["valid"]:
            valid += 1
            for field in ("title", "body", "published_at"):
                assert actual[field], f"{name}: {page.name} has an empty {field}"
    assert valid, f"site {name}: no fixture page yields a valid article"


def test_a_bad_site_file_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rusak.yaml"
    bad.write_text(
        "name: rusak\ntitle: R\nbase_url: https://r.id\ndomains: [r.id]\nstart: {}\n"
        "article_urls: ['([']\nselectors: {title: [h1], body: [div]}\n"
    )
    with pytest.raises(SiteError, match=r"rusak\.yaml: article_urls: .*bad regular expression"):
        load_site(bad)
