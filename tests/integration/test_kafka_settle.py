"""A Kafka crawl commits its marks only after every record handed over before them has a known fate.

:meth:`KafkaDelivery.settle` is what the crawl state runs before each commit (wired by the
CLI's :func:`pantau.cli.wiring.crawl_state`): when it returns, every record published so far
is in the topic (read back here), spooled on disk, or dead-lettered.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from infra.kafka_clients import MAX_RECORD_BYTES, read_topic
from infra.topics import ensure_topics, topic_names
from pantau.cli.wiring import crawl_state
from pantau.config import Settings
from pantau.schema import Article, DeadLetter, article_id
from pipelines.kafka_delivery import KafkaDelivery

pytestmark = pytest.mark.integration


def article(n: int, body: str = "Isi berita tentang netralitas ASN.") -> Article:
    url = f"https://example.id/berita/{n}"
    return Article.model_validate(
        {
            "id": article_id(url),
            "url": url,
            "canonical_url": url,
            "site": "example",
            "title": f"Judul {n}",
            "body": body,
            "fetched_at": "2024-10-01T00:00:00+00:00",
        }
    )


def committed_ids(path: Path) -> set[str]:
    """The article ids of the marks another process (the next crawl) would see."""
    other = sqlite3.connect(path)
    try:
        return {row[0] for row in other.execute("SELECT article_id FROM seen")}
    finally:
        other.close()


def test_marks_are_committed_only_for_records_kafka_acknowledged(kafka_settings: Settings) -> None:
    ensure_topics(kafka_settings)
    delivery = KafkaDelivery(kafka_settings)
    state = crawl_state(kafka_settings, delivery)
    assert state is not None  # Kafka mode: the commit waits for the delivery
    articles = [article(n) for n in range(120)]
    try:
        for item in articles:  # as the crawler does: hand the article over, then mark its page
            delivery.publish(item)
            state.mark("example", item.url, outcome="delivered", article_id=item.id)
        state.flush()
        committed = committed_ids(state.path)
        # Read back before the delivery is closed: settle alone made them durable in Kafka.
        in_topic = {r.key.decode() for r in read_topic(kafka_settings, topic_names(kafka_settings).raw)}
    finally:
        delivery.close()
        state.close()
    assert committed == {a.id for a in articles}
    assert committed <= in_topic
    assert delivery.counts.acknowledged == len(articles)
    assert delivery.counts.spooled == 0


def test_settle_waits_for_the_dead_letter_of_a_record_kafka_refuses(kafka_settings: Settings) -> None:
    ensure_topics(kafka_settings)
    delivery = KafkaDelivery(kafka_settings)
    too_large = article(1, body="kata " * (MAX_RECORD_BYTES // 4))
    try:
        delivery.publish(article(0))
        delivery.publish(too_large)
        delivery.settle()
        topics = topic_names(kafka_settings)
        raw = [r.key.decode() for r in read_topic(kafka_settings, topics.raw)]
        letters = [DeadLetter.model_validate_json(r.value) for r in read_topic(kafka_settings, topics.dead_letter)]
    finally:
        delivery.close()
    assert raw == [article(0).id]
    assert [letter.article_id for letter in letters] == [too_large.id]
    assert "refused" in letters[0].reason
    assert delivery.counts.dead_lettered == 1


def test_settle_with_kafka_down_leaves_every_record_in_the_spool_on_disk(kafka_settings: Settings) -> None:
    down = kafka_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1"})
    delivery = KafkaDelivery(down, connect=False)
    state = crawl_state(down, delivery)
    assert state is not None
    articles = [article(n) for n in range(3)]
    try:
        for item in articles:
            delivery.publish(item)
            state.mark("example", item.url, outcome="delivered", article_id=item.id)
        state.flush()
        spooled = delivery.spool.path.read_text(encoding="utf-8")
    finally:
        delivery.close()
        state.close()
    assert committed_ids(state.path) == {a.id for a in articles}
    assert all(a.id in spooled for a in articles)
    assert delivery.spool.pending() == len(articles)
