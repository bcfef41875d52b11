"""The crawl's memory: what to fetch again, which version to publish, and site health from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY as PROMETHEUS

from crawlers.discovery import Found
from crawlers.ledger import Ledger, content_hash
from pantau.articles import identity
from pantau.crawlstate import CrawlState, RunRecord
from pantau.schema import Article
from pantau.sitehealth import export, site_health

NOW = datetime(2024, 10, 10, 3, 0, tzinfo=UTC)


def article(body: str = "Isi berita.", modified: datetime | None = None) -> Article:
    canonical, the_id = identity("https://x.id/read/1/a")
    return Article(
        id=the_id, url=canonical, canonical_url=canonical, site="x", title="Judul", body=body,
        fetched_at=NOW, modified_at=modified,
    )  # fmt: skip


def test_a_delivered_url_is_not_fetched_again_unless_it_changed_or_refetch(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    first = Ledger("x", state)
    assert first.wants(Found("https://x.id/read/1/a"))
    first.delivered("https://x.id/read/1/a", article())
    state.close()
    state = CrawlState(tmp_path / "crawl.sqlite3")  # survives a restart
    again = Ledger("x", state)
    assert not again.wants(Found("https://x.id/read/1/a"))
    assert not again.wants(Found("https://x.id/amp/1/a"))  # the AMP copy is the same page
    future = datetime.now(UTC) + timedelta(hours=1)
    assert again.wants(Found("https://x.id/read/1/a", modified=future))  # its source says it changed
    assert Ledger("x", state, refetch=True).wants(Found("https://x.id/read/1/a"))


def test_versions_follow_content_and_modification_date(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    ledger = Ledger("x", state)
    v1 = article(modified=NOW)
    assert ledger.revise(v1) is v1
    ledger.delivered("https://x.id/read/1/a", v1)
    assert ledger.revise(article(modified=NOW)) is None  # the same page again
    changed = ledger.revise(article(body="Isi berita yang diperbarui.", modified=NOW))
    assert changed is not None and changed.version == 2
    newer = ledger.revise(article(modified=NOW + timedelta(hours=1)))
    assert newer is not None and newer.version == 2
    ledger.delivered("https://x.id/read/1/a", changed)
    seen = state.seen_article("x", v1.id)
    assert seen is not None and seen.version == 2 and seen.content_hash == content_hash(changed.title, changed.body)


def test_feed_validators_and_an_index_children_are_kept(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    state.save_validators("https://x.id/wp-sitemap.xml", '"abc"', None, ["https://x.id/wp-sitemap-posts-post-1.xml"])
    known = state.validators("https://x.id/wp-sitemap.xml")
    assert (
        known is not None and known.etag == '"abc"' and known.children == ("https://x.id/wp-sitemap-posts-post-1.xml",)
    )
    assert state.validators("https://x.id/feed/") is None


def _run(
    state: CrawlState, site: str, at: datetime, reached: bool = True, errors: dict[str, int] | None = None
) -> None:
    state.record_run(RunRecord(site, at, at, reached, 1, 0, 0, sum((errors or {}).values()), errors or {}))


def test_a_site_that_usually_publishes_and_went_quiet_is_stale(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    window = timedelta(hours=48)
    for day in range(3, 28):  # two articles a day for three weeks, then nothing
        for n in range(2):
            state.record_publication("sepi", f"s{day}-{n}", 1, NOW - timedelta(days=day), NOW - timedelta(days=day))
            state.record_publication("ramai", f"r{day}-{n}", 1, NOW - timedelta(days=day), NOW - timedelta(days=day))
    state.record_publication("ramai", "r-new", 1, NOW - timedelta(hours=3), NOW - timedelta(hours=3))
    for site in ("sepi", "ramai"):
        _run(state, site, NOW - timedelta(hours=1), errors={"http_404": 2} if site == "sepi" else {})
    quiet = site_health(state, "sepi", window, NOW)
    busy = site_health(state, "ramai", window, NOW)
    assert quiet.stale and quiet.stale_reason is not None and "no new article" in quiet.stale_reason
    assert quiet.usual_per_day > 1 and quiet.errors == {"http_404": 2}
    assert not busy.stale and busy.articles_24h == 1 and busy.articles_7d == 1 + 2 * 5
    # A site not crawled successfully within the window is stale whatever it published.
    _run(state, "lama", NOW - timedelta(days=5))
    _run(state, "lama", NOW - timedelta(hours=2), reached=False, errors={"dns": 1})
    old = site_health(state, "lama", window, NOW)
    assert old.stale_reason is not None and old.stale_reason.startswith("no successful crawl for")
    # The gauges carry the same figures as the table.
    export([quiet, busy, old])
    value = PROMETHEUS.get_sample_value
    assert value("pantau_site_stale", {"site": "sepi"}) == 1 and value("pantau_site_stale", {"site": "ramai"}) == 0
    assert value("pantau_site_articles", {"site": "ramai", "window": "7d"}) == busy.articles_7d
    assert value("pantau_site_errors", {"site": "sepi", "kind": "http_404"}) == 2
    assert value("pantau_site_last_success_timestamp_seconds", {"site": "ramai"}) == busy.last_success.timestamp()  # type: ignore[union-attr]
