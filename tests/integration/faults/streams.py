"""What the fault tests send through the pipeline, and the small workers that watch it.

Articles in the contract with ids as the crawler derives them, topics of a test's own,
a producer that sends steadily across a fault, and a worker whose first batch is held
so that its commit meets a dead broker.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from kafka import KafkaProducer

from consumers.worker import Envelope, Rejected, Worker
from infra.kafka_clients import close_producer, make_consumer, make_producer, wait_for_sends
from infra.topics import topic_names
from pantau.config import Settings
from pantau.schema import Article
from tests.integration.faults.newsroom import article_id_of, canonical_of


def articles(numbers: range) -> list[Article]:
    """Contract articles for the consumer tests, ids as the crawler would derive them."""
    return [
        Article.model_validate(
            {
                "id": article_id_of(n),
                "url": canonical_of(n),
                "canonical_url": canonical_of(n),
                "site": "memorandum",
                "title": f"Bawaslu periksa netralitas ASN, laporan nomor {n}",
                "body": f"Laporan uji nomor {n}: kepala desa ke-{n} diperiksa karena hadir dalam kampanye. "
                f"Saksi {n % 7 + 1} orang memberi keterangan kepada panitia pengawas kecamatan {n % 13}.",
                "published_at": "2024-09-10T02:30:00+00:00",
                "fetched_at": "2024-09-10T03:00:00+00:00",
            }
        )
        for n in numbers
    ]


def scratch_topic(settings: Settings, purpose: str) -> str:
    """A topic of its own for traffic outside the pipeline's topics."""
    from kafka.admin import NewTopic

    from infra.kafka_clients import make_admin

    name = f"{settings.topic_prefix}.{purpose}"
    admin = make_admin(settings)
    try:
        admin.create_topics([NewTopic(name, 3, 1)])
    finally:
        admin.close()
    return name


def committed_offsets(settings: Settings, group: str, topic: str) -> int:
    """The group's committed offsets on ``topic``, summed over partitions."""
    from kafka.structs import TopicPartition

    reader = make_consumer(settings, group, [])
    try:
        return sum(reader.committed(TopicPartition(topic, p)) or 0 for p in reader.partitions_for_topic(topic))
    finally:
        reader.close()


def publish(settings: Settings, topic: str, records: list[Article], producer: KafkaProducer | None = None) -> None:
    own = producer is None
    producer = producer or make_producer(settings)
    futures = [producer.send(topic, key=a.id, value=a.to_json().encode()) for a in records]
    sends = wait_for_sends(futures, 60)
    assert len(sends.acked) == len(records), sends
    if own:
        producer.close(timeout=10)


class SteadyProducer:
    """One of Pantau's producers sending a record every few milliseconds, across whatever happens."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.producer = make_producer(settings)
        self.topic = topic
        self.futures: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            # send() may time out while the broker is away: what counts is what happens after.
            with contextlib.suppress(Exception):
                self.futures.append(self.producer.send(self.topic, key=f"steady-{n}", value=b"tick"))
            n += 1
            self._stop.wait(0.005)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class HeldStage:
    """Holds its first batch until told, so the worker's commit for it meets a dead broker."""

    name: ClassVar[str] = "held"
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()
        self.seen: Counter[str] = Counter()

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        if not self.holding.is_set():
            self.holding.set()
            self.release.wait(300)
        self.seen.update(e.article.id for e in batch)
        return []


class HeldWorker:
    """A worker on a topic of its own, run in a thread, with whatever it raised kept."""

    def __init__(self, settings: Settings, stream: list[Article]) -> None:
        self.settings = settings
        topic = scratch_topic(settings, "held")
        publish(settings, topic, stream)
        self.stage = HeldStage()
        self.worker = Worker(
            self.stage,
            make_consumer(settings, "held", [topic]),
            make_producer(settings),
            topic_names(settings).dead_letter,
            group=f"{settings.group_prefix}.held",
        )
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run(idle_timeout=3.0)
        except BaseException as exc:
            self.error = exc
        finally:
            self.worker.consumer.close()
            close_producer(self.worker.producer, 10)
