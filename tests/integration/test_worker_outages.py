"""The worker through a downstream outage, on a real broker: it stays in the group, and it stops when told.

The stage here is a small stand-in for a downstream system that is unavailable for a
while (the Kafka side is real): it raises the stage's outage error until a moment passes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import pytest
from kafka.structs import TopicPartition

from consumers.worker import Envelope, Rejected, Worker
from infra.kafka_clients import make_consumer, make_producer, wait_for_sends
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings
from pantau.schema import Article, article_id

pytestmark = pytest.mark.integration


class Downstream(ConnectionError):
    """The stand-in system is unavailable."""


class OutageStage:
    name: ClassVar[str] = "outage"
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (Downstream,)

    def __init__(self, down_for: float) -> None:
        self.back_at = time.monotonic() + down_for
        self.calls = 0
        self.seen: Counter[str] = Counter()

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        self.calls += 1
        if time.monotonic() < self.back_at:
            raise Downstream("down")
        self.seen.update(e.article.id for e in batch)
        return []


def publish(settings: Settings, n: int) -> set[str]:
    ensure_topics(settings)
    producer = make_producer(settings)
    futures, ids = [], set()
    for i in range(n):
        url = f"https://contoh.id/berita/{i}"
        article = Article(
            id=article_id(url),
            url=url,
            canonical_url=url,
            site="contoh",
            title=f"Judul {i}",
            body=f"Isi {i}.",
            fetched_at="2024-10-01T00:00:00+00:00",
        )
        ids.add(article.id)
        futures.append(producer.send(topic_names(settings).raw, key=article.id, value=article.to_json().encode()))
    assert len(wait_for_sends(futures, 30).acked) == n
    producer.close(timeout=10)
    return ids


def worker_for(settings: Settings, stage: OutageStage, **consumer_options: object) -> Worker:
    topics = topic_names(settings)
    consumer = make_consumer(settings, "outage", [topics.raw], **consumer_options)
    return Worker(stage, consumer, make_producer(settings), topics.dead_letter, group=f"{settings.group_prefix}.outage")


def committed(settings: Settings) -> int:
    reader = make_consumer(settings, "outage", [])
    try:
        raw = topic_names(settings).raw
        partitions = [TopicPartition(raw, p) for p in reader.partitions_for_topic(raw)]
        return sum(reader.committed(tp) or 0 for tp in partitions)
    finally:
        reader.close()


def test_an_outage_longer_than_the_poll_interval_keeps_the_member_and_processes_once(
    kafka_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    ids = publish(kafka_settings, 30)
    stage = OutageStage(down_for=9.0)
    # The group drops a member that does not poll for 5 s; the outage lasts longer than that.
    worker = worker_for(kafka_settings, stage, max_poll_interval_ms=5_000, session_timeout_ms=6_000)
    caplog.set_level(logging.INFO, logger="consumers.worker")
    try:
        assert worker.run(idle_timeout=2.0) == 30
    finally:
        worker.consumer.close()
        worker.producer.close(timeout=10)
    assert stage.calls > 2  # it did wait the outage out
    assert set(stage.seen) == ids and set(stage.seen.values()) == {1}  # each record once: no rebalance replay
    assert committed(kafka_settings) == 30
    assert "commit failed" not in caplog.text


def test_stop_during_an_outage_returns_promptly_and_commits_nothing_of_the_batch(kafka_settings: Settings) -> None:
    ids = publish(kafka_settings, 20)
    stuck = OutageStage(down_for=3600)
    worker = worker_for(kafka_settings, stuck)
    runner = threading.Thread(target=worker.run)
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while stuck.calls < 2 and time.monotonic() < deadline:  # fetched, and waiting out the outage
            time.sleep(0.05)
        assert stuck.calls >= 2
        worker.stop()
        runner.join(timeout=15)
        assert not runner.is_alive()
    finally:
        worker.stop()
        runner.join(timeout=15)
        worker.consumer.close()
        worker.producer.close(timeout=10)
    assert committed(kafka_settings) == 0

    healthy = OutageStage(down_for=0)
    again = worker_for(kafka_settings, healthy)
    try:
        assert again.run(idle_timeout=2.0) == 20
    finally:
        again.consumer.close()
        again.producer.close(timeout=10)
    assert set(healthy.seen) == ids
