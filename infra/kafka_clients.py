"""Kafka clients configured the one way Pantau uses them.

Every client Pantau makes (producers, group consumers, topic readers, the admin client,
the dedup-state follower) starts from :func:`kafka_client_config`, so the broker address
and its security options are set in one place, plus :data:`RECOVERY_OPTIONS`, so every
client notices a restarted broker within about a second.

Outcomes are classified here too: :func:`is_outage` (the broker or the network, retried
or spooled, never dead-lettered) and :func:`record_refused` (this record can never be
written, dead-lettered at once), and :func:`wait_for_sends` waits for a set of sends
with one deadline, so no caller waits on a future without a bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.codec import has_zstd
from kafka.errors import (
    AuthorizationError,
    CommitFailedError,
    IllegalGenerationError,
    InvalidRecordError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RebalanceInProgressError,
    RecordListTooLargeError,
    SaslAuthenticationFailedError,
    UnknownMemberIdError,
)
from kafka.serializer import Serializer
from kafka.structs import TopicPartition

from infra.producer_repairs import close_producer as close_producer  # re-exported: the one way to close
from infra.producer_repairs import make_recoverable
from pantau.config import Settings

#: The producer refuses records larger than this (kafka-python's ``max_request_size``
#: default, and the broker's default ``message.max.bytes`` is about the same).
MAX_RECORD_BYTES = 1_048_576
#: Dead letters are cut to fit this (room left for the key and the batch framing); if even
#: that is refused (a broker or topic with a smaller limit), once more to the small size.
DEAD_LETTER_BUDGET = MAX_RECORD_BYTES - 16_384
SMALL_DEAD_LETTER = 32_768

#: kafka-python backs off reconnecting up to 30 s by default, so a broker that restarted
#: was noticed up to half a minute late (the fault probes' slow recoveries). The Java
#: client's default is 1 s.
RECOVERY_OPTIONS: dict[str, Any] = {"reconnect_backoff_max_ms": 1000}

#: How long a client waits for the broker when it is created before giving up.
BOOTSTRAP_TIMEOUT_MS = 10_000

#: Errors that say "this record can never be written", whatever the broker's state.
RECORD_REFUSED: tuple[type[KafkaError], ...] = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidRecordError)


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


def _base(settings: Settings) -> dict[str, Any]:
    return kafka_client_config(settings) | RECOVERY_OPTIONS | {"bootstrap_timeout_ms": BOOTSTRAP_TIMEOUT_MS}


class KeySerializer(Serializer):  # type: ignore[misc]
    """Record keys are article ids: text, sent as UTF-8 (bytes pass through)."""

    def serialize(self, topic: str, headers: Any, data: Any) -> bytes | None:
        if data is None or isinstance(data, bytes):
            return data
        return str(data).encode("utf-8")


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    """An idempotent producer (acks from all in-sync replicas, retries without duplicates).

    It carries the producer-id repair of :mod:`infra.producer_repairs`, so it keeps
    delivering after a broker outage longer than ``producer_delivery_timeout_ms``.
    """
    config = _base(settings)
    config |= {
        "client_id": "pantau",
        "acks": "all",
        "enable_idempotence": True,
        # zstd (the zstandard package is a dependency): kafka-python's gzip runs at level 9,
        # which cost the enrich consumer's sender thread ~0.28 ms a ~8 KB enriched record
        # (zstd ~0.02 ms, and smaller); gzip stays as the fallback for an install without it.
        "compression_type": "zstd" if has_zstd() else "gzip",
        "linger_ms": 20,
        "max_request_size": MAX_RECORD_BYTES,
        "delivery_timeout_ms": settings.producer_delivery_timeout_ms,
        # How long send() may block (metadata for a new topic, a full buffer) before it
        # fails; the callers spool or retry from there.
        "max_block_ms": min(10_000, settings.producer_delivery_timeout_ms),
        "request_timeout_ms": min(30_000, settings.producer_delivery_timeout_ms // 2),
        "key_serializer": KeySerializer(),
    }
    config.update(overrides)
    return make_recoverable(KafkaProducer(**config))


def make_consumer(settings: Settings, group: str, topics: list[str], **overrides: Any) -> KafkaConsumer:
    """A group consumer that commits only when told to (after the side effect is acknowledged).

    A member that dies is noticed after ``consumer_session_timeout_ms`` (6 s by default,
    the broker's minimum) and its partitions go to the others. With
    ``consumer_instance_id`` set the member is static: a restart under the same id takes
    its partitions back at once, without a rebalance, but a member that stays dead holds
    them until its session times out.
    """
    session_ms = settings.consumer_session_timeout_ms
    config = _base(settings)
    config |= {
        "group_id": f"{settings.group_prefix}.{group}",
        "client_id": f"pantau-{group}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": settings.consumer_batch_size,
        "isolation_level": "read_committed",
        "session_timeout_ms": session_ms,
        "heartbeat_interval_ms": max(500, session_ms // 3),
    }
    if settings.consumer_instance_id:
        config["group_instance_id"] = f"{group}-{settings.consumer_instance_id}"
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    if topics:
        # Learn the topics' partitions before joining: a group leader that joins without
        # them assigns nothing, and the group has to rebalance again once metadata arrives.
        for topic in topics:
            consumer.partitions_for_topic(topic)
        consumer.subscribe(topics)
    return consumer


def make_reader(settings: Settings, client_id: str = "pantau-reader") -> KafkaConsumer:
    """A consumer outside any group, for reading topics from given offsets (nothing is committed)."""
    return KafkaConsumer(**_base(settings), group_id=None, enable_auto_commit=False, client_id=client_id)


def make_admin(settings: Settings, bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS) -> KafkaAdminClient:
    return KafkaAdminClient(
        **_base(settings) | {"bootstrap_timeout_ms": bootstrap_timeout_ms}, client_id="pantau-admin"
    )


def read_topic(settings: Settings, topic: str, last: int | None = None, poll_ms: int = 2000) -> list[Any]:
    """Every record of ``topic`` up to its current end (or the ``last`` of each partition).

    Reads without joining a group, so nothing is committed and no consumer is disturbed.
    Stops early if a poll brings nothing although the end is not reached.
    """
    consumer = make_reader(settings)
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


# --- outcomes -----------------------------------------------------------------------------


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the broker, the network or the group is unavailable, not the record.

    Retriable errors (timeouts, lost connections, leaders moving), a group that rebalanced
    under us, and authentication or authorisation failures (rotated credentials) are all
    outages: waiting or fixing the cluster makes them go away, and dead-lettering records
    for them would empty the topic into the dead letters.
    """
    if not isinstance(exc, KafkaError):
        return isinstance(exc, OSError)
    return bool(exc.retriable) or isinstance(
        exc,
        (
            AuthorizationError,
            SaslAuthenticationFailedError,
            CommitFailedError,
            RebalanceInProgressError,
            IllegalGenerationError,
            UnknownMemberIdError,
        ),
    )


def record_refused(exc: BaseException) -> bool:
    """Whether ``exc`` says this record can never be written (too large, invalid): dead-letter it."""
    return isinstance(exc, RECORD_REFUSED)


@dataclass
class Sends:
    """What became of a set of sends: acknowledged, failed (with the error), or still pending."""

    acked: list[int] = field(default_factory=list)
    failed: list[tuple[int, BaseException]] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)


def wait_for_sends(futures: Sequence[Any], timeout: float, interrupt: Callable[[], bool] | None = None) -> Sends:
    """Wait for ``futures`` (from ``producer.send``) until all are done, ``timeout`` seconds pass,
    or ``interrupt()`` says to stop waiting (checked at least every half second).

    Indexes into ``futures`` are sorted into acknowledged, failed and still pending; the
    caller decides what a pending send means (retry, spool, or give up on the producer).
    """
    deadline = time.monotonic() + timeout
    sends = Sends()
    for index, future in enumerate(futures):
        while not future.is_done and not (interrupt is not None and interrupt()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                future.get(timeout=min(remaining, 0.5) if interrupt is not None else remaining)
            except KafkaTimeoutError:
                pass  # still pending, or failed with a timeout: told apart below
            except Exception:  # the send failed; its exception is read below
                pass
        if not future.is_done:
            sends.pending.append(index)
        elif future.succeeded():
            sends.acked.append(index)
        else:
            sends.failed.append((index, future.exception))
    return sends
