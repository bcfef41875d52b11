"""The whole path on the real engines: fixture site -> Scrapy -> Kafka -> consumers -> Elasticsearch."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from kafka import KafkaProducer

from consumers.app import build_worker, close_resources
from infra.kafka_clients import read_topic
from infra.search_backend import ElasticsearchSearch
from infra.search_index import connect, ensure_index
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings
from pantau.schema import Article, DeadLetter, article_id
from pantau.search import SearchQuery
from tests.conftest import crawl_fixture_site, fixture_expectations, invalid_fixture_urls

pytestmark = pytest.mark.integration


def consume(settings: Settings, *stages: str) -> None:
    for stage in stages:
        worker, resources = build_worker(stage, settings)
        try:
            worker.run(idle_timeout=2.0)
        finally:
            close_resources(resources)


def all_documents(settings: Settings) -> dict[str, dict[str, Any]]:
    es = connect(settings)
    es.indices.refresh(index=settings.index_alias)
    hits = es.search(index=settings.index_alias, query={"match_all": {}}, size=100)["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_fixture_site_reaches_elasticsearch_exactly(kafka_settings: Settings) -> None:
    crawl_fixture_site(kafka_settings)
    consume(kafka_settings, "enrich", "index")

    docs = all_documents(kafka_settings)
    expected = fixture_expectations()
    assert set(docs) == set(expected)
    for doc_id, want in expected.items():
        doc = docs[doc_id]
        assert doc["title"] == want["title"]
        assert doc["body"] == want["body"]
        assert datetime.fromisoformat(doc["published_at"]) == datetime.fromisoformat(str(want["published_at"]))
        assert datetime.fromisoformat(doc["published_at"]).utcoffset().total_seconds() == 0  # stored in UTC
        assert "BACA JUGA" not in doc["body"].upper()
        assert doc["enrichment"]["dedup"]["cluster_id"]

    # The AMP copy in the feed was indexed under its canonical page.
    kediri = [d for d in docs.values() if "kediri" in d["canonical_url"]]
    assert [d["canonical_url"] for d in kediri] == [
        "https://memorandum.disway.id/read/101250/bawaslu-kota-kediri-klarifikasi-kades-diduga-ikut-kampanye"
    ]
    assert "/amp/" in kediri[0]["url"]

    hits = ElasticsearchSearch(connect(kafka_settings), kafka_settings.index_alias).search(
        SearchQuery(text="netralitas")
    )
    assert {h.id for h in hits} == {i for i, e in expected.items() if "netral" in str(e["body"]).lower()}
    assert all(isinstance(h, Article) for h in hits)


def test_replaying_the_crawl_leaves_the_count_unchanged(kafka_settings: Settings) -> None:
    crawl_fixture_site(kafka_settings)
    consume(kafka_settings, "enrich", "index")
    first = all_documents(kafka_settings)
    # A crawler that lost its crawl state (a new machine) publishes every article again.
    stateless = kafka_settings.model_copy(update={"data_dir": kafka_settings.data_dir.parent / "fresh"})
    crawl_fixture_site(stateless)
    consume(kafka_settings, "enrich", "index")
    second = all_documents(kafka_settings)
    assert len(read_topic(kafka_settings, topic_names(kafka_settings).raw)) == 2 * len(first)
    assert set(second) == set(first)
    for doc_id in first:
        assert second[doc_id]["body"] == first[doc_id]["body"]


def test_schema_failures_are_dead_lettered_and_consumption_goes_on(kafka_settings: Settings) -> None:
    topics = topic_names(kafka_settings)
    # The crawler dead-letters the saved page that has no body.
    crawl_fixture_site(kafka_settings)
    crawl_letters = [DeadLetter.model_validate_json(r.value) for r in read_topic(kafka_settings, topics.dead_letter)]
    assert [(d.stage, d.article_id) for d in crawl_letters] == [
        ("crawl", article_id(u)) for u in invalid_fixture_urls()
    ]
    assert "body" in crawl_letters[0].reason

    # Records that reach the raw topic broken are dead-lettered by the consumer, with the reason.
    good = Article.model_validate(
        {
            "id": article_id("https://example.id/berita/1"),
            "url": "https://example.id/berita/1",
            "canonical_url": "https://example.id/berita/1",
            "site": "example",
            "title": "Judul",
            "body": "Isi berita tentang netralitas ASN.",
            "fetched_at": "2024-10-01T00:00:00+00:00",
        }
    )
    bad_id = good.model_dump(mode="json") | {"id": "0" * 32}
    producer = KafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap)
    producer.send(topics.raw, key=b"x", value=b"{not json")
    producer.send(topics.raw, key=b"y", value=json.dumps(bad_id).encode())
    producer.send(topics.raw, key=good.id.encode(), value=good.to_json().encode())
    producer.flush(timeout=30)
    producer.close(timeout=10)
    consume(kafka_settings, "enrich", "index")

    letters = [DeadLetter.model_validate_json(r.value) for r in read_topic(kafka_settings, topics.dead_letter)]
    consumer_letters = [d for d in letters if d.stage == "enrich"]
    assert len(consumer_letters) == 2
    reasons = sorted(d.reason for d in consumer_letters)
    assert reasons[0].startswith("schema:") and "json" in reasons[0].lower()
    assert "id" in reasons[1] and "not the hash of canonical_url" in reasons[1]
    assert {d.original for d in consumer_letters} >= {"{not json"}
    # ... and the good record after them went through.
    assert good.id in all_documents(kafka_settings)


def test_unreachable_kafka_spools_and_replays(kafka_settings: Settings, tmp_path: Any) -> None:
    from pipelines.kafka_delivery import KafkaDelivery

    down = kafka_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1"})
    delivery = KafkaDelivery(down, producer=None, connect=False)
    article = Article.model_validate(
        {
            "id": article_id("https://example.id/b/2"),
            "url": "https://example.id/b/2",
            "canonical_url": "https://example.id/b/2",
            "site": "example",
            "title": "Judul",
            "body": "Isi.",
            "fetched_at": "2024-10-01T00:00:00+00:00",
        }
    )
    delivery.publish(article)
    delivery.close()
    assert delivery.spool.pending() == 1

    ensure_topics(kafka_settings)
    replaying = KafkaDelivery(kafka_settings)  # connects, then drains the spool first
    replaying.close()
    assert replaying.spool.pending() == 0
    raw = read_topic(kafka_settings, topic_names(kafka_settings).raw)
    assert [r.key.decode() for r in raw] == [article.id]


def test_index_setup_is_idempotent(kafka_settings: Settings) -> None:
    es = connect(kafka_settings)
    first = ensure_index(es, kafka_settings.index_alias)
    second = ensure_index(es, kafka_settings.index_alias)
    assert first == second == f"{kafka_settings.index_alias}-v1"
    assert sorted(ensure_topics(kafka_settings)) == sorted(topic_names(kafka_settings).all())
    assert ensure_topics(kafka_settings) == []


def test_a_new_enrich_instance_rebuilds_dedup_state_from_the_topic(kafka_settings: Settings) -> None:
    from tests.unit.test_enrich_stage import STORY

    ensure_topics(kafka_settings)
    topics = topic_names(kafka_settings)

    def publish(url: str, body: str, published: str) -> Article:
        article = Article.model_validate(
            {
                "id": article_id(url),
                "url": url,
                "canonical_url": url,
                "site": "contoh",
                "title": "Klarifikasi Kades",
                "body": body,
                "published_at": published,
                "fetched_at": "2024-10-05T00:00:00+00:00",
            }
        )
        producer = KafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap)
        producer.send(topics.raw, key=article.id.encode(), value=article.to_json().encode())
        producer.flush(timeout=30)
        producer.close(timeout=10)
        return article

    original = publish("https://a.id/asli", STORY, "2024-10-03T09:00:00+00:00")
    consume(kafka_settings, "enrich")  # first instance: indexes the original, publishes its signature
    copy = publish("https://b.id/salinan", "Dikutip dari mitra. " + STORY, "2024-10-03T12:00:00+00:00")
    consume(kafka_settings, "enrich")  # a new instance: knows the original only from the signatures topic

    enriched = {
        a.id: a for a in (Article.model_validate_json(r.value) for r in read_topic(kafka_settings, topics.enriched))
    }
    assert enriched[original.id].enrichment.dedup.duplicate_of is None  # type: ignore[union-attr]
    assert enriched[copy.id].enrichment.dedup.duplicate_of == original.id  # type: ignore[union-attr]
    signatures = read_topic(kafka_settings, topics.dedup_state)
    assert {r.key.decode() for r in signatures} == {original.id, copy.id}
