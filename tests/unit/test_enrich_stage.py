"""The enrich core as every adapter uses it, and `pantau enrich` on JSON lines."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pantau.enrich.lines import enrich_lines
from pantau.enrich.stage import Enricher
from pantau.evaluation import load_jsonl
from pantau.schema import Article, article_id
from tests.scorers import BreaksOn

FETCHED = datetime(2024, 10, 4, 2, 0, tzinfo=UTC)
STORY = (
    "KEDIRI - Bawaslu Kabupaten Kediri memanggil tiga kepala desa untuk klarifikasi setelah foto mereka "
    "bersama salah satu pasangan calon bupati beredar di media sosial pada Kamis (03/10). Ketua Bawaslu "
    "mengatakan perangkat desa dan kepala desa wajib menjaga netralitas selama tahapan Pilkada serentak 2024 "
    "dan tidak boleh terlibat politik praktis dalam bentuk apa pun.\n\n"
    "Menurut dia, hasil klarifikasi akan dikaji bersama tim Gakkumdu sebelum diteruskan sebagai rekomendasi "
    "kepada bupati selaku pejabat pembina. Warga diminta melapor bila menemukan aparatur desa yang berpihak "
    "kepada pasangan calon tertentu, lengkap dengan bukti foto atau video yang dapat diperiksa.\n\n"
    "Ketiga kepala desa tersebut hadir memenuhi panggilan dan memberikan keterangan selama dua jam. Mereka "
    "menyatakan kehadiran di acara itu karena undangan hajatan warga, bukan kegiatan kampanye resmi."
)


def article(url: str, body: str, published: datetime | None = None, site: str = "contoh") -> Article:
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site=site,
        title="Bawaslu Klarifikasi Kades",
        body=body,
        published_at=published,
        fetched_at=FETCHED,
    )


def test_enrichment_fills_every_part() -> None:
    enriched, signature = Enricher().enrich(article("https://a.id/1", STORY, datetime(2024, 10, 3, 9, tzinfo=UTC)))
    e = enriched.enrichment
    assert e is not None
    assert e.relevance.relevant and "village" in e.relevance.actors
    assert e.region.primary is not None and e.region.primary.code == "35.06"  # Kabupaten Kediri
    assert e.dedup.cluster_id == enriched.id and e.dedup.duplicate_of is None
    assert e.date.flags == []
    assert signature.article_id == enriched.id


def test_syndicated_copy_points_at_the_earliest_original() -> None:
    enricher = Enricher()
    original, _ = enricher.enrich(article("https://a.id/1", STORY, datetime(2024, 10, 3, 9, tzinfo=UTC)))
    edited = "Dikutip dari kantor berita daerah. " + STORY.replace("selama dua jam", "sekitar dua jam")
    copy, _ = enricher.enrich(article("https://b.id/9", edited, datetime(2024, 10, 3, 11, tzinfo=UTC), "lain"))
    assert copy.enrichment is not None and original.enrichment is not None
    assert copy.enrichment.dedup.duplicate_of == original.id
    assert copy.enrichment.dedup.cluster_id == original.enrichment.dedup.cluster_id


def test_a_restarted_enricher_rebuilds_from_signatures() -> None:
    first = Enricher()
    _, signature = first.enrich(article("https://a.id/1", STORY, datetime(2024, 10, 3, 9, tzinfo=UTC)))
    persisted = [json.loads(json.dumps(signature.to_dict()))]
    restarted = Enricher()
    assert restarted.restore(persisted) == 1
    copy, _ = restarted.enrich(article("https://b.id/2", STORY, datetime(2024, 10, 3, 12, tzinfo=UTC)))
    assert copy.enrichment is not None and copy.enrichment.dedup.duplicate_of == article_id("https://a.id/1")


def test_missing_date_is_taken_from_the_text_and_flagged_dates_are_kept() -> None:
    enriched, _ = Enricher().enrich(article("https://a.id/1", STORY))
    assert enriched.published_at == datetime(2024, 10, 2, 17, 0, tzinfo=UTC)  # "Kamis (03/10)" in 2024
    assert enriched.date_source == "body"
    future, _ = Enricher().enrich(article("https://a.id/2", STORY, datetime(2025, 1, 1, tzinfo=UTC)))
    assert future.enrichment is not None and "in_future" in future.enrichment.date.flags
    founded_2010 = article("https://a.id/3", STORY, datetime(2001, 1, 1, tzinfo=UTC)).model_copy(
        update={"site_founded": date(2010, 1, 1)}
    )
    old, _ = Enricher().enrich(founded_2010)
    assert old.enrichment is not None and "before_outlet_existed" in old.enrichment.date.flags


def test_enrich_lines_reports_bad_lines_by_number_and_goes_on() -> None:
    lines = "\n".join(
        [
            json.dumps(
                {
                    "url": "https://a.id/1",
                    "title": "Bawaslu Klarifikasi Kades",
                    "body": STORY,
                    "fetched_at": FETCHED.isoformat(),
                }
            ),
            "{not json",
            json.dumps({"title": "tanpa url", "body": "isi"}),
            json.dumps({"url": "https://a.id/2", "title": "", "body": "isi"}),
            json.dumps(["a", "list"]),
            json.dumps(
                {
                    "url": "https://a.id/3",
                    "title": "Harga cabai",
                    "body": "Harga cabai naik di pasar.",
                    "site": "pasar",
                    "published_at": "2024-10-01T08:00:00+07:00",
                }
            ),
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    assert enrich_lines(io.StringIO(lines), out, err) == 4
    errors = err.getvalue().splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5"]
    assert "not valid JSON" in errors[0] and "url" in errors[1] and "title" in errors[2]
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["url"] for r in results] == ["https://a.id/1", "https://a.id/3"]
    assert results[0]["enrichment"]["relevance"]["relevant"] is True
    assert results[1]["enrichment"]["relevance"]["relevant"] is False
    assert results[1]["site"] == "pasar" and results[1]["published_at"] == "2024-10-01T01:00:00Z"


def _articles_from_dev_set() -> list[Article]:
    """The dev2 labelled articles, every third one undated, plus an exact copy and an edited copy."""
    items = load_jsonl(Path(__file__).resolve().parents[1] / "eval" / "dev2.jsonl")[:60]
    out = []
    for n, item in enumerate(items):
        url = f"https://dev.id/{n}"
        published = None if n % 3 == 0 else datetime(2024, 10, 3, n % 24, tzinfo=UTC)
        out.append(article(url, item.body, published).model_copy(update={"title": item.title}))
    out.append(article("https://salinan.id/1", items[5].body))
    out.append(article("https://salinan.id/2", "Dikutip dari kantor berita. " + items[7].body))
    out.append(out[3])  # a redelivery
    return out


def test_a_batch_is_enriched_exactly_as_one_article_after_another() -> None:
    now = datetime(2024, 10, 5, tzinfo=UTC)
    articles = _articles_from_dev_set()
    one_by_one = Enricher()
    expected = [one_by_one.enrich(a, now) for a in articles]
    batched = Enricher()
    got = batched.enrich_many(articles[:20], now) + batched.enrich_many(articles[20:], now)
    assert len(got) == len(expected)
    for result, (record, signature) in zip(got, expected, strict=True):
        assert not isinstance(result, Exception)
        assert result[0].to_json() == record.to_json()
        assert result[1].model_dump_json() == signature.model_dump_json()


def test_an_article_that_fails_in_a_batch_takes_its_place_and_the_rest_go_on() -> None:
    now = datetime(2024, 10, 5, tzinfo=UTC)
    articles = _articles_from_dev_set()[:10]
    broken = articles[4].model_copy(update={"title": "boom"})
    batch = [*articles[:4], broken, *articles[4:]]
    results = Enricher(scorer=BreaksOn("boom")).enrich_many(batch, now)
    failed = results[4]
    assert isinstance(failed, RuntimeError) and "boom" in str(failed)
    expected = Enricher().enrich_many(articles, now)
    kept = results[:4] + results[5:]
    for result, reference in zip(kept, expected, strict=True):
        assert not isinstance(result, Exception) and not isinstance(reference, Exception)
        assert result[0].to_json() == reference[0].to_json()
    with pytest.raises(RuntimeError, match="boom"):
        Enricher(scorer=BreaksOn("boom")).enrich(broken, now)
