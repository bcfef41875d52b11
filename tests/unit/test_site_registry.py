"""Walks every site file: each must have fixtures, and extraction must match the reviewed output.

A site without saved pages, or whose selectors stopped producing a title, a body or a
date, fails here. Regenerate expected output with ``pantau sites expect NAME`` and review it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers import extract
from crawlers.extract import extract_article, parse_page
from crawlers.fixture_server import load_routes
from crawlers.page import continuation_urls
from crawlers.sitecheck import article_pages, expected_output, fixture_fetched_at
from crawlers.sitespec import FIXTURES_DIR, SiteError, load_registry, load_site, spec_from_data

REGISTRY = load_registry()
SEED_OUTLETS = {"memorandum", "antara_kalteng", "postkotantb", "radarkoran", "kongkrit"}


def test_the_registry_holds_the_five_seed_outlets() -> None:
    assert set(REGISTRY) >= SEED_OUTLETS
    assert {REGISTRY[n].platform for n in SEED_OUTLETS} == {"disway", "antara", "wordpress"}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_page_parsed_once_reads_as_from_its_html(name: str) -> None:
    """The spider parses a response once and reads the further pages' links before extracting."""
    spec = REGISTRY[name]
    fetched_at = fixture_fetched_at(name, FIXTURES_DIR)
    for path, page in article_pages(spec, FIXTURES_DIR).items():
        url = spec.base_url + path
        html = page.read_text(encoding="utf-8").replace("{{base_url}}", spec.base_url)
        parsed = parse_page(spec, url, html)
        assert continuation_urls(spec, url, parsed) == continuation_urls(spec, url, html)
        assert extract_article(spec, url, parsed, fetched_at) == extract_article(spec, url, html, fetched_at)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_compiled_selectors_give_what_parsel_gives(name: str) -> None:
    """The extractor runs its CSS queries as compiled XPath on the tree; the values are parsel's own."""
    spec = REGISTRY[name]
    s = spec.selectors
    queries = [*s.title, *s.body, *s.authors, *s.tags, *s.body_exclude, *s.continuation, *s.listing_links]
    queries += [d.css for d in [*s.published, *s.modified]] + ["h1::text", "title::text", "p", "a::attr(href)"]
    queries += [q for q, *_ in [*extract._META_TITLE, *extract._META_DATES, *extract._META_MODIFIED]]
    queries += [q for q, _ in [*extract._META_AUTHORS, *extract._META_TAGS]]
    for path, page in article_pages(spec, FIXTURES_DIR).items():
        html = page.read_text(encoding="utf-8").replace("{{base_url}}", spec.base_url)
        parsed = parse_page(spec, spec.base_url + path, html)
        for query in queries:
            expected = [v for v in parsed.sel.css(query).getall() if v and v.strip()]
            assert parsed.css(query) == expected, (name, path, query)
    assert not parsed.bad_selectors


def _first_page(spec_path: str, first: int) -> str:
    return urlsplit(spec_path.format(page=first, query="netralitas")).path


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_site_has_fixtures_with_expected_output(name: str) -> None:
    spec = REGISTRY[name]
    folder = FIXTURES_DIR / name
    assert (folder / "routes.yaml").exists(), f"site {name} has no fixture pages in {folder}"
    assert (folder / "meta.yaml").exists(), f"site {name} has no meta.yaml (fetch time, provenance)"
    routes = load_routes(name)
    for path, route in routes.items():
        assert (folder / route.file).exists(), f"{name}: route {path} names a missing file {route.file}"
    pages = article_pages(spec, FIXTURES_DIR)
    assert len(pages) >= 3, f"site {name}: fewer than three fixture pages match its article_urls"
    for path in spec.start.all_paths:
        first = _first_page(path, spec.pagination.first)
        assert first in routes, f"site {name}: start point {path} ({first}) has no fixture"
    if spec.start.wp_api:
        assert spec.start.wp_api in routes, f"site {name}: the REST API start point has no fixture"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_extraction_matches_reviewed_output(name: str) -> None:
    spec = REGISTRY[name]
    fetched_at = fixture_fetched_at(name, FIXTURES_DIR)
    valid = 0
    for path, page in article_pages(spec, FIXTURES_DIR).items():
        expected_file = FIXTURES_DIR / name / "expected" / f"{page.stem}.json"
        assert expected_file.exists(), f"{name}: no expected output for {page.name}; run `pantau sites expect {name}`"
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        actual = expected_output(spec, path, page, fetched_at, FIXTURES_DIR)
        assert actual == expected, f"{name}: {page.name} extracts differently from {expected_file.name}"
        if actual["valid"]:
            valid += 1
            for field in ("title", "body", "published_at"):
                assert actual[field], f"{name}: {page.name} has an empty {field}"
            assert "published_at" in actual["extraction"] and "body" in actual["extraction"]
    assert valid >= 3, f"site {name}: fewer than three fixture pages yield a valid article"


def test_a_bad_site_file_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rusak.yaml"
    bad.write_text(
        "name: rusak\ntitle: R\nbase_url: https://r.id\ndomains: [r.id]\nstart: {feeds: [/rss]}\n"
        "article_urls: ['([']\nselectors: {title: [h1], body: [div]}\n"
    )
    with pytest.raises(SiteError, match=r"rusak\.yaml: article_urls: .*bad regular expression"):
        load_site(bad)


def test_an_invalid_css_selector_stops_the_site_file_from_loading(tmp_path: Path) -> None:
    bad = tmp_path / "rusak.yaml"
    bad.write_text(
        "name: rusak\ntitle: R\nbase_url: https://r.id\ndomains: [r.id]\nplatform: disway\n"
        "selectors: {title: ['h1[[class']}\n"
    )
    with pytest.raises(SiteError, match=r"rusak\.yaml: selectors\.title: .*bad CSS selector 'h1\[\[class'"):
        load_site(bad)


def test_an_unknown_platform_is_named() -> None:
    with pytest.raises(SiteError, match=r"platform: unknown platform 'joomla'; known: antara, disway, generic"):
        spec_from_data(
            {"name": "x", "title": "X", "base_url": "https://x.id", "domains": ["x.id"], "platform": "joomla"}, "t"
        )


def test_a_site_file_overrides_only_what_differs_from_its_platform() -> None:
    spec = spec_from_data(
        {
            "name": "radar",
            "title": "R",
            "base_url": "https://r.id",
            "domains": ["r.id"],
            "platform": "disway",
            "start": {"feeds": ["/rss/lebong"]},
            "politeness": {"download_delay": 3},
        },
        "test",
    )
    assert spec.start.feeds == ["/rss/lebong"]  # a list replaces the template's
    assert spec.start.search == ["/search/kata/?c={query}"]  # the rest of the mapping is the template's
    assert spec.politeness.download_delay == 3 and spec.politeness.concurrency == 2
    assert spec.selectors.title[0] == "h1.text-black::text"
