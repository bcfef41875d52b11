"""The same scenario in embedded mode: fixture site -> Scrapy -> enrich -> SQLite, one process."""

from __future__ import annotations

from datetime import datetime

from pantau.config import Settings
from pantau.schema import article_id
from pantau.search import SearchQuery, StoreSearch
from pantau.store import Store
from tests.conftest import crawl_fixture_site as crawl
from tests.conftest import fixture_expectations, invalid_fixture_urls, run_pantau, stored_articles


def test_fixture_site_is_stored_and_searchable(embedded_settings: Settings) -> None:
    out = crawl(embedded_settings)
    assert "memorandum: 5 article page(s): 4 delivered, 0 unchanged, 1 dead-lettered, 0 failed" in out

    store = Store(embedded_settings.store_path)
    expected = fixture_expectations()
    stored = {a.id: a for a in stored_articles(store.path)}
    assert set(stored) == set(expected)
    for doc_id, want in expected.items():
        article = stored[doc_id]
        assert article.title == want["title"]
        assert article.body == want["body"]
        assert article.published_at == datetime.fromisoformat(str(want["published_at"]))
        assert article.published_at is not None and article.published_at.utcoffset().total_seconds() == 0
        assert "BACA JUGA" not in article.body.upper()
        assert article.enrichment is not None

    hits = StoreSearch(store).search(SearchQuery(text="netralitas"))
    assert {h.id for h in hits} == {i for i, e in expected.items() if "netral" in str(e["body"]).lower()}


def test_replay_leaves_the_count_unchanged(embedded_settings: Settings) -> None:
    crawl(embedded_settings)
    store = Store(embedded_settings.store_path)
    before = {a.id: a.body for a in stored_articles(store.path)}
    crawl(embedded_settings, first=False)
    after = {a.id: a.body for a in stored_articles(store.path)}
    assert after == before
    assert store.count() == len(fixture_expectations())


def test_schema_failures_are_kept_with_their_reason(embedded_settings: Settings) -> None:
    crawl(embedded_settings)
    letters = Store(embedded_settings.store_path).dead_letters()
    assert [(d.stage, d.article_id) for d in letters] == [("crawl", article_id(u)) for u in invalid_fixture_urls()]
    assert letters[0].reason.startswith("schema: body")


def test_search_command_filters_by_time(embedded_settings: Settings) -> None:
    crawl(embedded_settings)
    recent = run_pantau(embedded_settings, "search", "netralitas", "--since", "2024-10-01", "--json")
    assert recent.returncode == 0, recent.stderr
    ids = [line for line in recent.stdout.splitlines() if line.strip()]
    assert len(ids) == 1 and "kediri" in ids[0]
    bad = run_pantau(embedded_settings, "search", "x", "--since", "kemarin dulu")
    assert bad.returncode == 2
    assert "not a time: 'kemarin dulu'" in bad.stderr
