from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantau.delivery import dead_letter
from pantau.schema import Article, article_id
from pantau.search import SearchError, SearchQuery, StoreSearch, parse_when
from pantau.search.elastic import es_query
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
    hits = StoreSearch(store).search(SearchQuery(text="netralitas"))
    assert len([h for h in hits if h.title == "ASN diminta netral"]) == 1
    assert StoreSearch(store).search(SearchQuery(text="dijaga")) == []  # the old body left the full-text index
    labels = store.db.execute("SELECT count(*) FROM article_labels").fetchone()[0]
    store.upsert(article(1, "ASN diminta netral", "Isi baru tentang netralitas.", 1))
    assert store.db.execute("SELECT count(*) FROM article_labels").fetchone()[0] == labels


def test_full_text_and_time_filters(store: Store) -> None:
    backend = StoreSearch(store)
    assert {a.title for a in backend.search(SearchQuery(text="netralitas"))} == {
        "ASN diminta netral",
        "Kades dilaporkan",
    }
    since = NOW - timedelta(days=7)
    assert [a.title for a in backend.search(SearchQuery(text="netralitas", since=since))] == ["ASN diminta netral"]
    assert [a.title for a in backend.search(SearchQuery(limit=1))] == ["ASN diminta netral"]


@pytest.mark.parametrize("text", ["AND", "NEAR netralitas", "harga OR", "kepala: desa", "col*umn", "{title}", "^asn"])
def test_search_text_cannot_break_fts_syntax(store: Store, text: str) -> None:
    # Each is either a query the language reads (and FTS5 then runs) or one it refuses in words.
    try:
        query = SearchQuery(text=text)
    except SearchError as exc:
        assert "query:" in str(exc)
        return
    StoreSearch(store).find(query)


def test_a_store_of_the_first_layout_is_upgraded_on_open(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE articles (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, site TEXT NOT NULL, "
        "published_at TEXT, fetched_at TEXT NOT NULL, relevant INTEGER, score REAL, region_code TEXT, "
        "province_code TEXT, cluster_id TEXT, duplicate_of TEXT, doc TEXT NOT NULL);"
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body);"
    )
    a = article(7, "Kades mengimbau warga", "Imbauan netralitas untuk perangkat desa.", 2)
    old.execute(
        "INSERT INTO articles (seq, id, site, published_at, fetched_at, doc) VALUES (1, ?, ?, ?, ?, ?)",
        (a.id, a.site, a.published_at.isoformat(), a.fetched_at.isoformat(), a.to_json()),  # type: ignore[union-attr]
    )
    old.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (1, ?, ?)", (a.title, a.body))
    old.commit()
    old.close()
    store = Store(path)
    assert [x.id for x in StoreSearch(store).search(SearchQuery(text="imbau"))] == [a.id]  # found through the stems
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2


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
    from zoneinfo import ZoneInfo

    assert parse_when("7d", NOW) == NOW - timedelta(days=7)
    assert parse_when("24h", NOW) == NOW - timedelta(hours=24)
    assert parse_when("2024-09-01", NOW) == datetime(2024, 9, 1, tzinfo=UTC)
    # A date without an offset is midnight in the analyst's zone: 17:00 UTC the day before in Jakarta.
    assert parse_when("2024-09-01", NOW, ZoneInfo("Asia/Jakarta")) == datetime(2024, 8, 31, 17, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_when("minggu lalu", NOW)


def test_es_query_filters() -> None:
    from pantau.regions import resolve_region

    q = es_query(SearchQuery(text="netralitas", regions=(resolve_region("35.08"),), relevant_only=True))
    filters = q["bool"]["filter"]
    assert {
        "bool": {"should": [{"terms": {"enrichment.region.primary.code": ["35.08"]}}], "minimum_should_match": 1}
    } in filters
    assert {"term": {"enrichment.relevance.relevant": True}} in filters
    assert {"term": {"is_duplicate": False}} in filters  # duplicates hidden unless asked for
    province = es_query(SearchQuery(regions=(resolve_region("Jatim"),), include_duplicates=True))["bool"]["filter"]
    assert province == [
        {
            "bool": {
                "should": [{"terms": {"enrichment.region.primary.province_code": ["35"]}}],
                "minimum_should_match": 1,
            }
        }
    ]
