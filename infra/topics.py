"""Kafka topics, declared as code and created idempotently.

Names carry the schema version: a breaking change to :mod:`pantau.schema` gets new
topics, so old and new consumers never read each other's records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kafka.errors import TopicAlreadyExistsError

from infra.kafka_clients import make_admin
from pantau.config import Settings
from pantau.schema import SCHEMA_VERSION

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    configs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Topics:
    raw: str
    enriched: str
    dead_letter: str
    dedup_state: str

    def all(self) -> tuple[str, ...]:
        return (self.raw, self.enriched, self.dead_letter, self.dedup_state)


def topic_names(settings: Settings) -> Topics:
    p, v = settings.topic_prefix, SCHEMA_VERSION
    return Topics(
        raw=f"{p}.articles.raw.v{v}",
        enriched=f"{p}.articles.enriched.v{v}",
        dead_letter=f"{p}.deadletter.v1",
        dedup_state=f"{p}.dedup.signatures.v{v}",
    )


def topic_specs(settings: Settings) -> list[TopicSpec]:
    names = topic_names(settings)
    n, r = settings.topic_partitions, settings.topic_replication
    week = str(7 * 24 * 3600 * 1000)
    return [
        TopicSpec(names.raw, n, r, {"retention.ms": week}),
        TopicSpec(names.enriched, n, r, {"retention.ms": week}),
        # Dead letters wait for a person; keep them a quarter.
        TopicSpec(names.dead_letter, 1, r, {"retention.ms": str(90 * 24 * 3600 * 1000)}),
        # Dedup signatures are state: compacted by article id, never expired, so any new
        # enrich instance can rebuild the near-duplicate index from the topic alone.
        TopicSpec(names.dedup_state, n, r, {"cleanup.policy": "compact", "retention.ms": "-1"}),
    ]


def ensure_topics(settings: Settings, timeout_ms: int = 30_000, bootstrap_timeout_ms: int | None = None) -> list[str]:
    """Create any missing topic; existing topics are left as they are. Returns those created.

    An unreachable broker fails within ``bootstrap_timeout_ms`` (default about ten seconds)
    with ``KafkaTimeoutError``.
    """
    assert settings.kafka_bootstrap, "ensure_topics needs kafka_bootstrap"
    admin = make_admin(settings) if bootstrap_timeout_ms is None else make_admin(settings, bootstrap_timeout_ms)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in topic_specs(settings) if s.name not in existing]
        if missing:
            try:
                admin.create_topics(
                    {
                        s.name: {
                            "num_partitions": s.partitions,
                            "replication_factor": s.replication,
                            "configs": s.configs,
                        }
                        for s in missing
                    },
                    timeout_ms=timeout_ms,
                    wait_for_metadata=True,
                )
            except TopicAlreadyExistsError:
                # Another process won the race; what matters is that the topics exist.
                existing = set(admin.list_topics())
                missing = [s for s in missing if s.name not in existing]
        for spec in missing:
            logger.info("topic created", extra={"topic": spec.name, "partitions": spec.partitions})
        return [s.name for s in missing]
    finally:
        admin.close()
