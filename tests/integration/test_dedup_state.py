"""Two enrich instances share near-duplicate state through the signatures topic, batch by batch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from consumers.enrich import DedupStateFollower, EnrichStage
from consumers.worker import Envelope
from infra.kafka_clients import make_producer, read_topic
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from pantau.schema import Article
from tests.unit.test_enrich_stage import STORY, article

pytestmark = pytest.mark.integration


def instance(settings: Settings) -> tuple[EnrichStage, DedupStateFollower]:
    enricher = Enricher()
    follower = DedupStateFollower(settings, topic_names(settings).dedup_state)
    follower.restore(enricher)
    stage = EnrichStage(enricher, make_producer(settings), topic_names(settings), follower)
    return stage, follower


def envelope(a: Article, offset: int) -> Envelope:
    return Envelope(a, "raw", 0, offset, a.to_json().encode())


def test_an_instance_sees_what_another_published_just_before_its_batch(kafka_settings: Settings) -> None:
    ensure_topics(kafka_settings)
    first, first_state = instance(kafka_settings)
    second, second_state = instance(kafka_settings)  # started before the original exists
    try:
        original = article("https://a.id/asli", STORY, datetime(2024, 10, 3, 9, tzinfo=UTC))
        copy = article("https://b.id/salinan", "Dikutip dari mitra. " + STORY, datetime(2024, 10, 3, 12, tzinfo=UTC))
        # Many more signatures than one poll brings come first, so reading "one poll's worth"
        # before a batch would not reach the original's signature.
        filler = [article(f"https://c.id/{i}", f"Berita lain nomor {i} tentang harga cabai.") for i in range(1500)]
        assert first.process([envelope(a, i) for i, a in enumerate(filler)]) == []
        assert first.process([envelope(original, len(filler))]) == []
        assert second.process([envelope(copy, 0)]) == []
        assert REGISTRY.get_sample_value("pantau_dedup_state_lag") == 0  # read to the end before the batch
    finally:
        for stage, state in ((first, first_state), (second, second_state)):
            stage.producer.close(timeout=10)
            state.close()

    enriched = {
        r.key.decode(): Article.model_validate_json(r.value)
        for r in read_topic(kafka_settings, topic_names(kafka_settings).enriched)
    }
    assert enriched[copy.id].enrichment.dedup.duplicate_of == original.id  # type: ignore[union-attr]
