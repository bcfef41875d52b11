from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantau.delivery import dead_letter
from pantau.schema import Article, article_id
from pantau.search import SearchQuery, StoreSearch, es_query, parse_when
from pantau.store import Store
from pipelines.spool import Spool, SpooledRecord

NOW = datetime(2024, 10, 10, tzinfo=UTC)


def article(n: int, title: str, body: str, days_ago: int) -> Article:
    url = f"https://contoh.id/berita/{n}"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site="contoh",
        title=title,
        body=body,
        published_at=NOW - timedelta(days=days_ago),
        fetched_at=NOW,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.sqlite3")
    s.upsert(article(1, "ASN diminta netral", "Netralitas ASN dijaga selama pilkada.", 1))
    s.upsert(article(2, "Harga cabai naik", "Pedagang mengeluh harga cabai.", 3))
    s.upsert(article(3, "Kades dilaporkan", "Bawaslu menerima laporan netralitas kepala desa.", 20))
    return s


def test_upsert_is_idempotent(store: Store) -> None:
    store.upsert(article(1, "ASN diminta netral", "Isi baru tentang netralitas.", 1))
    assert store.count() == 3
    hits = store.search(text="netralitas")
    assert len([h for h in hits if h.title == "ASN diminta netral"]) == 1
    assert store.search(text="dijaga") == []  # the old body left the full-text index


def test_full_text_and_time_filters(store: Store) -> None:
    backend = StoreSearch(store)
    assert {a.title for a in backend.search(SearchQuery(text="netralitas"))} == {
        "ASN diminta netral",
        "Kades dilaporkan",
    }
    since = NOW - timedelta(days=7)
    assert [a.title for a in backend.search(SearchQuery(text="netralitas", since=since))] == ["ASN diminta netral"]
    assert [a.title for a in backend.search(SearchQuery(limit=1))] == ["ASN diminta netral"]


def test_search_text_cannot_break_fts_syntax(store: Store) -> None:
    assert store.search(text='netralitas" OR "cabai') == []
    assert store.search(text="AND -") == []


def test_dead_letters_keep_reason_and_original(store: Store) -> None:
    store.add_dead_letter(
        dead_letter("crawl", "schema: body: too short", {"url": "https://x.id/1"}, source="https://x.id/1")
    )
    [letter] = store.dead_letters()
    assert letter.reason == "schema: body: too short"
    assert '"url": "https://x.id/1"' in letter.original
    assert store.dead_letter_count() == 1


def test_signatures_replay_in_insertion_order(store: Store) -> None:
    store.save_signature("b", {"n": 1})
    store.save_signature("a", {"n": 2})
    store.save_signature("b", {"n": 3})  # already there: ignored
    assert list(store.signatures()) == [{"n": 1}, {"n": 2}]


def test_spool_replays_and_keeps_records_when_sending_fails(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(SpooledRecord("t", "k1", "v1"))
    spool.append(SpooledRecord("t", "k2", "v2"))

    def fail(records: list[SpooledRecord]) -> None:
        raise RuntimeError("broker still down")

    with pytest.raises(RuntimeError):
        spool.replay(fail)
    assert spool.pending() == 2
    sent: list[SpooledRecord] = []
    assert spool.replay(sent.extend) == 2
    assert [r.key for r in sent] == ["k1", "k2"]
    assert spool.pending() == 0


def test_relative_and_absolute_times() -> None:
    assert parse_when("7d", NOW) == NOW - timedelta(days=7)
    assert parse_when("24h", NOW) == NOW - timedelta(hours=24)
    assert parse_when("2024-09-01", NOW) == datetime(2024, 9, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_when("minggu lalu", NOW)


def test_es_query_filters() -> None:
    q = es_query(SearchQuery(text="netralitas", region="35.08", relevant_only=True, include_duplicates=False))
    filters = q["bool"]["filter"]
    assert {"term": {"enrichment.region.primary.code": "35.08"}} in filters
    assert {"term": {"enrichment.relevance.relevant": True}} in filters
    assert {"term": {"is_duplicate": False}} in filters
    province = es_query(SearchQuery(region="35"))["bool"]["filter"]
    assert province == [{"term": {"enrichment.region.primary.province_code": "35"}}]
