"""Embedded mode: pages marked delivered that the store never got are handed back to the crawler."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from crawlers.discovery import Found
from crawlers.ledger import Ledger
from pantau.articles import identity
from pantau.crawlstate import CrawlState
from pantau.delivery import dead_letter
from pantau.embedded import SPOOL_NAME
from pantau.reconcile import reconcile
from pantau.schema import Article, DeadLetter
from pantau.store import Store

NOW = datetime(2024, 10, 10, 3, 0, tzinfo=UTC)
FEED = "https://x.id/rss"


def page(n: int, body: str = "Isi berita.", version: int = 1) -> Article:
    canonical, the_id = identity(f"https://x.id/read/{n}/a")
    return Article(
        id=the_id, url=canonical, canonical_url=canonical, site="x", title=f"Judul {n}", body=body,
        fetched_at=NOW, version=version,
    )  # fmt: skip


def url(n: int) -> str:
    return f"https://x.id/read/{n}/a"


def test_only_pages_neither_stored_spooled_nor_dead_lettered_are_fetched_again(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    store = Store(tmp_path / "pantau.sqlite3")
    spool = tmp_path / "spool"
    ledger = Ledger("x", state)
    for n in range(5):
        ledger.delivered(url(n), page(n))
    state.save_validators(FEED, '"etag"', None)
    store.upsert(page(0))  # stored
    spool.mkdir()
    record = {"kind": "article", "value": page(1).to_json()}
    (spool / SPOOL_NAME).write_text(json.dumps(record) + "\n", encoding="utf-8")  # waiting in the spool
    letter = dead_letter("enrich", "enrichment failed: boom", page(2).to_json(), article_id=page(2).id)
    store.add_dead_letter(letter)  # the writer dead-lettered it: accounted for
    # page(3) and page(4): marked delivered, stored nowhere.

    result = reconcile(state, store, spool)
    assert result.checked == 5 and result.lost == {"x": 2} and result.total == 2

    again = Ledger("x", state)
    assert [n for n in range(5) if again.is_new(url(n))] == [3, 4]  # listing walks go on past them
    assert [n for n in range(5) if again.wants(Found(url(n)))] == [3, 4]
    # The feed is read in full once, or an unchanged feed (304) would not list the pages again.
    assert state.validators(FEED) is None
    # Nothing more to do the next time.
    assert reconcile(state, store, spool).total == 0


def test_a_lost_update_is_fetched_again_and_published_as_the_version_that_was_lost(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    store = Store(tmp_path / "pantau.sqlite3")
    ledger = Ledger("x", state)
    ledger.delivered(url(1), page(1))
    store.upsert(page(1))
    update = page(1, body="Isi berita yang diperbarui.", version=2)
    ledger.delivered(url(1), update)  # marked delivered; the store still holds version 1
    ledger.delivered(url(2), page(2, body="Lain.", version=2))
    store.upsert(page(2, body="Lain.", version=2))  # stored at the version marked: nothing lost

    assert reconcile(state, store, tmp_path / "spool").lost == {"x": 1}

    again = Ledger("x", state)
    assert again.wants(Found(url(1))) and not again.wants(Found(url(2)))
    revised = again.revise(page(1, body="Isi berita yang diperbarui."))
    assert revised is not None and revised.version == 2
    again.delivered(url(1), revised)
    store.upsert(revised)
    assert reconcile(state, store, tmp_path / "spool").total == 0
    assert not Ledger("x", state).wants(Found(url(1)))


def test_nothing_delivered_means_nothing_to_compare(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    state.save_validators(FEED, '"etag"', None)
    result = reconcile(state, Store(tmp_path / "pantau.sqlite3"), tmp_path / "spool")
    assert result.checked == 0 and result.total == 0
    assert state.validators(FEED) is not None  # validators are kept when nothing was lost


def test_the_writer_dead_letters_a_failed_enrichment_with_the_article_id(tmp_path: Path) -> None:
    from pantau.embedded import _BatchWriter
    from pantau.enrich.stage import Enricher

    class Broken:
        name = "broken"

        def score(self, *args: object) -> object:
            raise RuntimeError("scorer broke")

    store = Store(tmp_path / "pantau.sqlite3")
    _BatchWriter(store, Enricher(scorer=Broken()), ()).write([("article", page(7).to_json())])  # type: ignore[arg-type]
    assert store.count() == 0
    assert store.dead_lettered_ids() == {page(7).id}


def test_a_page_whose_dead_letter_was_never_stored_is_fetched_again(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    store = Store(tmp_path / "pantau.sqlite3")
    spool = tmp_path / "spool"
    ledger = Ledger("x", state)
    for n in range(3):  # the crawler dead-letters three pages (the schema refused them)
        ledger.dead_lettered(url(n), None, "schema: body: must not be blank", page(n).id)

    def letter(n: int) -> DeadLetter:
        return dead_letter("crawl", "schema: body: must not be blank", "{}", source=url(n), article_id=page(n).id)

    store.add_dead_letter(letter(0))  # stored
    spool.mkdir()
    record = {"kind": "dead_letter", "value": letter(1).model_dump_json()}
    (spool / SPOOL_NAME).write_text(json.dumps(record) + "\n", encoding="utf-8")  # waiting in the spool
    # page 2: its letter is nowhere.

    result = reconcile(state, store, spool)
    assert result.lost_letters == {"x": 1} and result.lost == {} and "dead-lettered (1)" in result.summary()
    assert [n for n in range(3) if Ledger("x", state).wants(Found(url(n)))] == [2]
