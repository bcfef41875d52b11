"""Delivery to Kafka from the crawler: idempotent producer, bounded retries, local spool.

If the broker cannot be reached (at start or mid-crawl), records go to the spool on
local disk and are replayed the next time a crawler or ``pantau spool replay`` starts.
No item is dropped because Kafka was down.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from infra.kafka_clients import make_producer
from infra.topics import topic_names
from pantau import metrics
from pantau.config import Settings
from pantau.schema import Article, DeadLetter
from pipelines.spool import Spool, SpooledRecord

logger = logging.getLogger(__name__)


def connect_producer(settings: Settings, attempts: int | None = None) -> KafkaProducer | None:
    """Try to reach the broker a bounded number of times; ``None`` means spool instead."""
    attempts = settings.producer_retries + 1 if attempts is None else attempts
    for attempt in range(1, attempts + 1):
        try:
            return make_producer(settings)
        except KafkaTimeoutError:  # kafka-python 3: "Unable to bootstrap from ..."
            delay = min(8.0, 0.5 * 2 ** (attempt - 1))
            logger.warning(
                "kafka unreachable", extra={"bootstrap": settings.kafka_bootstrap, "attempt": attempt, "of": attempts}
            )
            if attempt < attempts:
                time.sleep(delay)
    return None


class KafkaDelivery:
    def __init__(self, settings: Settings, producer: KafkaProducer | None = None, connect: bool = True) -> None:
        self.settings = settings
        self.topics = topic_names(settings)
        self.spool = Spool(settings.spool_dir)
        self.producer = producer or (connect_producer(settings) if connect else None)
        self._pending: list[tuple[Any, SpooledRecord]] = []
        self.sent = 0
        if self.producer is not None:
            self.replay_spool()

    def publish(self, article: Article) -> None:
        self._send(SpooledRecord(self.topics.raw, article.id, article.to_json()))

    def dead_letter(self, letter: DeadLetter) -> None:
        self._send(
            SpooledRecord(self.topics.dead_letter, letter.article_id or letter.source or "", letter.model_dump_json())
        )

    def _send(self, record: SpooledRecord) -> None:
        if self.producer is None:
            self._to_spool(record, "no broker")
            return
        try:
            future = self.producer.send(record.topic, key=record.key, value=record.value.encode("utf-8"))
        except KafkaError as exc:
            self._to_spool(record, type(exc).__name__)
            return
        self._pending.append((future, record))
        if len(self._pending) >= 500:
            self._settle(timeout=None)

    def _to_spool(self, record: SpooledRecord, why: str) -> None:
        self.spool.append(record)
        metrics.RECORDS.labels(stage="publish", outcome="spooled").inc()
        metrics.SPOOLED.inc()
        logger.warning("record spooled", extra={"topic": record.topic, "key": record.key, "why": why})

    def _settle(self, timeout: float | None) -> None:
        """Wait for outstanding sends; anything not acknowledged goes to the spool."""
        assert self.producer is not None
        try:
            self.producer.flush(timeout=timeout)
        except KafkaError as exc:
            logger.warning("flush failed", extra={"error": type(exc).__name__})
        for future, record in self._pending:
            if future.is_done and future.succeeded():
                self.sent += 1
            else:
                self._to_spool(record, "not acknowledged" if not future.is_done else str(future.exception))
        self._pending = []

    def replay_spool(self) -> int:
        assert self.producer is not None
        producer = self.producer

        def send(records: list[SpooledRecord]) -> None:
            futures = [producer.send(r.topic, key=r.key, value=r.value.encode("utf-8")) for r in records]
            producer.flush(timeout=self.settings.producer_delivery_timeout_ms / 1000)
            failed = [f for f in futures if not (f.is_done and f.succeeded())]
            if failed:
                raise KafkaError(f"{len(failed)} of {len(futures)} spooled records were not acknowledged")

        replayed = self.spool.replay(send)
        if replayed:
            metrics.SPOOLED.set(0)
            logger.info("spool drained", extra={"records": replayed})
        return replayed

    def close(self) -> None:
        if self.producer is not None:
            self._settle(timeout=self.settings.producer_delivery_timeout_ms / 1000)
            self.producer.close(timeout=10)
        self.spool.close()
