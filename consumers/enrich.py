"""The enrich stage on Kafka: raw articles in, enriched articles out.

Near-duplicate state is shared through the compacted signatures topic: every instance
replays it at start-up (so a new or restarted instance knows every article seen so far)
and tails it before each batch (so instances on other partitions see each other's
articles). Each instance publishes its own signatures there after enriching.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import ClassVar

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from kafka.structs import TopicPartition

from consumers.worker import Envelope, Rejected
from infra.kafka_clients import kafka_client_config
from infra.topics import Topics
from pantau import metrics
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from pantau.schema import DedupSignature

logger = logging.getLogger(__name__)


class DedupStateFollower:
    """Reads the signatures topic from the beginning, then keeps up with it."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.consumer = KafkaConsumer(
            **kafka_client_config(settings),
            enable_auto_commit=False,
            group_id=None,
            client_id="pantau-dedup-state",
        )
        partitions = self.consumer.partitions_for_topic(topic) or set()
        self.partitions = [TopicPartition(topic, p) for p in sorted(partitions)]
        self.consumer.assign(self.partitions)
        self.consumer.seek_to_beginning(*self.partitions)

    def restore(self, enricher: Enricher, timeout_ms: int = 60_000) -> int:
        """Load every signature up to the current end of the topic."""
        end = self.consumer.end_offsets(self.partitions, timeout_ms=timeout_ms)
        count = 0
        while any(self.consumer.position(tp) < end[tp] for tp in self.partitions):
            count += self.catch_up(enricher, timeout_ms=1000)
        logger.info("dedup state restored", extra={"signatures": count, "index_size": len(enricher.dedup)})
        return count

    def catch_up(self, enricher: Enricher, timeout_ms: int = 0) -> int:
        count = 0
        for records in self.consumer.poll(timeout_ms=timeout_ms).values():
            for record in records:
                if record.value is None:  # tombstone
                    continue
                enricher.dedup.add(DedupSignature.from_json(record.value))
                count += 1
        return count

    def close(self) -> None:
        self.consumer.close()


class EnrichStage:
    name: ClassVar[str] = "enrich"
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (KafkaTimeoutError, KafkaConnectionError)

    def __init__(
        self, enricher: Enricher, producer: KafkaProducer, topics: Topics, state: DedupStateFollower | None = None
    ) -> None:
        self.enricher = enricher
        self.producer = producer
        self.topics = topics
        self.state = state

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        if self.state is not None:
            self.state.catch_up(self.enricher)
        futures = []
        for envelope in batch:
            enriched, signature = self.enricher.enrich(envelope.article)
            key = enriched.id
            futures.append(self.producer.send(self.topics.enriched, key=key, value=enriched.to_json().encode()))
            futures.append(
                self.producer.send(self.topics.dedup_state, key=key, value=signature.model_dump_json().encode())
            )
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)  # a failure here is an outage: the whole batch is retried
        metrics.RECORDS.labels(stage=self.name, outcome="enriched").inc(len(batch))
        return []
