"""Wiring: builds a worker for a named stage from settings and runs it."""

from __future__ import annotations

import json
import logging

from consumers.enrich import DedupStateFollower, EnrichStage
from consumers.index import IndexStage
from consumers.worker import Stage, Worker
from infra.kafka_clients import make_consumer, make_producer, read_topic
from infra.search_index import connect
from infra.topics import topic_names
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from pantau.schema import DeadLetter

logger = logging.getLogger(__name__)


def build_worker(stage_name: str, settings: Settings) -> tuple[Worker, list[object]]:
    """The worker for ``stage_name`` and the extra resources to close after it."""
    topics = topic_names(settings)
    # The enrich stage sends two records an article (~9 KB enriched, ~1 KB signature) and
    # flushes once a poll batch. With kafka-python's 16 KB default a batch fills every
    # two records and wakes the sender thread each time (GIL hand-offs); 512 KB batches
    # make it one request per partition per flush (benchmarks/stream_bench.py).
    overrides = {"batch_size": 512 * 1024} if stage_name == "enrich" else {}
    producer = make_producer(settings, **overrides)
    extras: list[object] = [producer]
    stage: Stage
    if stage_name == "enrich":
        enricher = Enricher()
        follower = DedupStateFollower(settings, topics.dedup_state)
        follower.restore(enricher)
        extras.append(follower)
        stage = EnrichStage(enricher, producer, topics, follower)
        source = topics.raw
    elif stage_name == "index":
        stage = IndexStage(connect(settings), settings.index_alias)
        source = topics.enriched
    else:
        raise ValueError(f"unknown stage {stage_name!r}")
    consumer = make_consumer(settings, stage_name, [source])
    extras.insert(0, consumer)
    worker = Worker(
        stage,
        consumer,
        producer,
        topics.dead_letter,
        max_retries=settings.consumer_max_retries,
        group=f"{settings.group_prefix}.{stage_name}",
    )
    return worker, extras


def run_consumer(stage_name: str, settings: Settings, idle_timeout: float | None = None) -> int:
    worker, extras = build_worker(stage_name, settings)
    worker.install_signal_handlers()
    logger.info("consumer started", extra={"stage": stage_name, "group": worker.group})
    try:
        return worker.run(idle_timeout=idle_timeout)
    finally:
        for resource in extras:
            resource.close()  # type: ignore[attr-defined]


def read_dead_letters(settings: Settings, limit: int = 20) -> list[DeadLetter]:
    """The newest ``limit`` dead letters, read without joining a group (so nothing is consumed)."""
    records = read_topic(settings, topic_names(settings).dead_letter, last=limit)
    letters = [DeadLetter.model_validate(json.loads(r.value)) for r in records]
    return sorted(letters, key=lambda d: d.failed_at, reverse=True)[:limit]
