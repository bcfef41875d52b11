"""The alert stage on Kafka: its own consumer group on the enriched topic, independent of indexing.

It matches each batch and records the notices *with the batch's input position* in the
alert outbox (:class:`pantau.alerts.state.AlertState`), in one SQLite transaction. The
consumer takes every partition of the enriched topic itself (``assign``, not a group
rebalance) and starts each from the outbox's recorded position, so what it resumes from
is exactly what it recorded, whatever happened to the group's commit. The group's commit
still follows each batch (for lag monitoring and as a floor). One alert consumer runs per
outbox: the outbox lock (:mod:`pantau.alerts.lock`) refuses a second.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import ClassVar

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from consumers.app import Closeable, ProducerCloser
from consumers.worker import Envelope, Rejected, Worker
from infra.kafka_clients import make_consumer, make_producer
from infra.topics import topic_names
from pantau.alerts.engine import AlertEngine
from pantau.alerts.state import AlertState
from pantau.config import Settings

logger = logging.getLogger(__name__)


class AlertStage:
    name: ClassVar[str] = "alerts"
    #: The outbox busy (another reader holding a write lock too long) is waited out, never dead-lettered.
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (sqlite3.OperationalError,)

    def __init__(self, engine: AlertEngine) -> None:
        self.engine = engine

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        positions: dict[tuple[str, int], int] = {}
        for envelope in batch:
            key = (envelope.topic, envelope.partition)
            positions[key] = max(positions.get(key, 0), envelope.offset + 1)
        self.engine.ingest([e.article for e in batch], positions)
        return []


def assign_from_outbox(consumer: KafkaConsumer, topic: str, state: AlertState, start_from: str) -> dict[int, int]:
    """Take every partition of ``topic`` and seek each to where the outbox says to resume.

    The resume point is the later of the outbox's position and the group's commit (the
    commit follows the outbox, so it can only be ahead by records that were dead-lettered).
    A partition known to neither starts at ``start_from`` (the log's end or beginning),
    and that start is recorded before anything is read, so a crash cannot skip records.
    """
    partitions = sorted(consumer.partitions_for_topic(topic) or [])
    if not partitions:
        raise RuntimeError(f"topic {topic} has no partitions (run pantau setup)")
    tps = [TopicPartition(topic, p) for p in partitions]
    consumer.assign(tps)
    stored = state.positions(topic)
    resume: dict[int, int] = {}
    for tp in tps:
        committed = consumer.committed(tp)
        known = [o for o in (stored.get(tp.partition), committed) if o is not None]
        if known:
            resume[tp.partition] = max(known)
    fresh = [tp for tp in tps if tp.partition not in resume]
    if fresh:
        edges = consumer.end_offsets(fresh) if start_from == "latest" else consumer.beginning_offsets(fresh)
        resume.update({tp.partition: int(edges[tp]) for tp in fresh})
    state.set_positions(topic, resume)
    for tp in tps:
        consumer.seek(tp, resume[tp.partition])
    logger.info("alert consumer positioned", extra={"topic": topic, "positions": resume})
    return resume


def build_alert_worker(settings: Settings, engine: AlertEngine, state: AlertState) -> tuple[Worker, list[Closeable]]:
    """The worker for the alert stage and the resources to close after it."""
    topics = topic_names(settings)
    producer = make_producer(settings)  # dead letters only
    consumer = make_consumer(settings, "alerts", [])
    assign_from_outbox(consumer, topics.enriched, state, settings.alerts_start_from)
    worker = Worker(
        AlertStage(engine),
        consumer,
        producer,
        topics.dead_letter,
        max_retries=settings.consumer_max_retries,
        group=f"{settings.group_prefix}.alerts",
    )
    return worker, [consumer, ProducerCloser(producer)]
