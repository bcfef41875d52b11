"""Kafka clients configured the one way Pantau uses them.

Every client Pantau makes (producers, group consumers, topic readers, the admin client,
the dedup-state follower) starts from :func:`kafka_client_config`, so the broker address
and its security options are set in one place.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.codec import has_zstd
from kafka.serializer import Serializer
from kafka.structs import TopicPartition

from pantau.config import Settings


class _Redacted(str):
    """A secret handed to kafka-python: the value itself, shown as stars.

    kafka-python's admin client logs its whole configuration at DEBUG; a plain ``str``
    password would be written to the log. The SASL and SSL code read the characters
    (``encode``, ``join``), never ``repr``/``str``, so they still get the real value.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'**********'"

    def __str__(self) -> str:
        return "**********"


def kafka_client_config(settings: Settings) -> dict[str, Any]:
    """Bootstrap servers plus the security options from ``settings``, as kafka-python client options."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        config["sasl_mechanism"] = settings.kafka_sasl_mechanism
        # kafka-python takes the SCRAM credentials under the PLAIN names too.
        config["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            config["sasl_plain_password"] = _Redacted(settings.kafka_sasl_password.get_secret_value())
    for option in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path = getattr(settings, f"kafka_{option}")
        if path is not None:
            config[option] = str(path)
    if settings.kafka_ssl_password is not None:
        config["ssl_password"] = _Redacted(settings.kafka_ssl_password.get_secret_value())
    return config


class KeySerializer(Serializer):  # type: ignore[misc]
    """Record keys are article ids: text, sent as UTF-8 (bytes pass through)."""

    def serialize(self, topic: str, headers: Any, data: Any) -> bytes | None:
        if data is None or isinstance(data, bytes):
            return data
        return str(data).encode("utf-8")


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, retries without duplicates."""
    config = kafka_client_config(settings)
    config |= {
        "client_id": "pantau",
        "acks": "all",
        "enable_idempotence": True,
        "compression_type": "zstd" if has_zstd() else "gzip",
        "linger_ms": 20,
        "delivery_timeout_ms": settings.producer_delivery_timeout_ms,
        # How long to wait for the broker at start and for metadata before a send fails;
        # the caller's bounded retries and the spool take over from there.
        "bootstrap_timeout_ms": 10_000,
        "max_block_ms": settings.producer_delivery_timeout_ms,
        "request_timeout_ms": min(30_000, settings.producer_delivery_timeout_ms // 2),
        "key_serializer": KeySerializer(),
    }
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: Settings, group: str, topics: list[str], **overrides: Any) -> KafkaConsumer:
    """A group consumer that commits only when told to (after the side effect is acknowledged)."""
    config = kafka_client_config(settings)
    config |= {
        "group_id": f"{settings.group_prefix}.{group}",
        "client_id": f"pantau-{group}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": settings.consumer_batch_size,
        "isolation_level": "read_committed",
    }
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    if topics:
        consumer.subscribe(topics)
    return consumer


def read_topic(settings: Settings, topic: str, last: int | None = None, poll_ms: int = 2000) -> list[Any]:
    """Every record of ``topic`` up to its current end (or the ``last`` of each partition).

    Reads without joining a group, so nothing is committed and no consumer is disturbed.
    Stops early if a poll brings nothing although the end is not reached.
    """
    consumer = KafkaConsumer(**kafka_client_config(settings), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        end = consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, 0 if last is None else max(0, end[tp] - last))
        records: list[Any] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            polled = consumer.poll(timeout_ms=poll_ms)
            if not polled:
                break
            for batch in polled.values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
