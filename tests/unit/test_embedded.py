"""Embedded delivery: the writer beside the crawl stores everything, in batches, and loses nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pantau.delivery import dead_letter
from pantau.embedded import EmbeddedDelivery, WorkerKind, _BatchWriter
from pantau.enrich.stage import Enricher
from pantau.schema import Article, article_id
from pantau.store import Store
from tests.scorers import BreaksOn

FETCHED = datetime(2024, 10, 4, 2, 0, tzinfo=UTC)
BODY = (
    "KEDIRI - Bawaslu Kabupaten Kediri memanggil kepala desa untuk klarifikasi setelah foto bersama "
    "pasangan calon beredar. ASN dan perangkat desa wajib menjaga netralitas selama Pilkada serentak 2024."
)


def article(n: int) -> Article:
    url = f"https://contoh.id/berita/{n}"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site="contoh",
        title=f"Berita nomor {n}",
        body=f"{BODY} Nomor {n}.",
        fetched_at=FETCHED,
    )


class RecordIds:
    """An ``on_enriched`` hook that appends each article id, and whether it was stored yet, to a file.

    Module-level and picklable, as hooks for the process writer must be.
    """

    def __init__(self, path: Path, store_path: Path) -> None:
        self.path = path
        self.store_path = store_path

    def __call__(self, batch: Sequence[Article]) -> None:
        store = Store(self.store_path)
        with self.path.open("a", encoding="utf-8") as handle:
            for enriched in batch:
                stored = store.get(enriched.id) is not None
                record = {"id": enriched.id, "stored": stored, "enriched": enriched.enrichment is not None}
                handle.write(json.dumps(record) + "\n")


@pytest.mark.parametrize("worker", ["thread", "process"])
def test_everything_published_is_stored_enriched_and_handed_to_the_hooks(tmp_path: Path, worker: WorkerKind) -> None:
    store_path = tmp_path / "pantau.sqlite3"
    hook = RecordIds(tmp_path / "hook.jsonl", store_path)
    delivery = EmbeddedDelivery(store_path, tmp_path / "spool", worker=worker, on_enriched=[hook], batch_size=7)
    articles = [article(n) for n in range(40)]
    for a in articles:
        delivery.publish(a)
    delivery.dead_letter(dead_letter("crawl", "schema: body: must not be blank", "{}", source="https://contoh.id/x"))
    delivery.close()

    store = Store(store_path)
    assert store.count() == len(articles)
    assert all((stored := store.get(a.id)) is not None and stored.enrichment is not None for a in articles)
    assert [d.reason for d in store.dead_letters()] == ["schema: body: must not be blank"]
    assert len(list(store.signatures())) == len(articles)
    seen = [json.loads(line) for line in hook.path.read_text(encoding="utf-8").splitlines()]
    # Once per article, in order, enriched, and before its batch was committed (so a crash in
    # between brings the page back to the hook rather than storing it unseen by the alerts).
    assert [s["id"] for s in seen] == [a.id for a in articles]
    assert all(s["enriched"] and not s["stored"] for s in seen)
    assert not (tmp_path / "spool" / "embedded.jsonl").exists()


def test_a_writer_that_dies_leaves_its_records_spooled_for_the_next(tmp_path: Path) -> None:
    store_path = tmp_path / "pantau.sqlite3"
    spool = tmp_path / "spool"
    delivery = EmbeddedDelivery(store_path, spool, worker="process")
    delivery.publish(article(0))
    delivery._worker.kill()  # SIGKILL: the writer ignores SIGINT and SIGTERM on purpose
    delivery._worker.join()
    for n in range(1, 6):
        delivery.publish(article(n))
    delivery.close()

    stored_before = Store(store_path).count()
    spooled = (spool / "embedded.jsonl").read_text(encoding="utf-8").splitlines()
    assert stored_before + len(spooled) >= 6 and len(spooled) >= 5

    # The next writer stores the spool before anything else, and removes it.
    EmbeddedDelivery(store_path, spool, worker="thread").close()
    assert Store(store_path).count() == 6
    assert list(spool.glob("*.jsonl")) == []


def test_publishing_after_close_is_an_error(tmp_path: Path) -> None:
    delivery = EmbeddedDelivery(tmp_path / "s.sqlite3", tmp_path / "spool", worker="thread")
    delivery.close()
    with pytest.raises(RuntimeError, match="closed"):
        delivery.publish(article(1))


def test_a_batch_is_one_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.upsert(article(1))
        store.save_signature(article(1).id, {"article_id": article(1).id})
        1 / 0  # noqa: B018
    assert store.count() == 0 and list(store.signatures()) == []
    with store.transaction():
        store.upsert(article(1))
        store.upsert(article(2))
    assert store.count() == 2


def test_a_batch_stores_the_good_articles_and_dead_letters_the_bad_with_their_reasons(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    broken = article(2).model_copy(update={"title": "boom"})
    records = [
        ("article", article(1).to_json()),
        ("article", '{"url": "not a record"}'),
        ("article", broken.to_json()),
        ("article", article(3).to_json()),
    ]
    _BatchWriter(store, Enricher(scorer=BreaksOn("boom")), ()).write(records)
    assert store.count() == 2
    assert all(store.get(article(n).id) is not None for n in (1, 3))
    reasons = sorted(letter.reason for letter in store.dead_letters())
    assert len(reasons) == 2
    assert reasons[0].startswith("enrichment failed: RuntimeError") and "boom" in reasons[0]
    assert reasons[1].startswith("schema:")
    assert len(list(store.signatures())) == 2
