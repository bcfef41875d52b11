"""Wiring: builds a worker for a named stage from settings and runs it.

A consumer is a service: if Kafka or Elasticsearch is not there when it starts, it says
so in one line per attempt and tries again (with back-off, up to 5 s apart) until they
answer or it is told to stop. In ``--until-idle`` mode (a batch job) it gives up after
:data:`BATCH_START_TIMEOUT` seconds instead, and the error reaches the command line.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from elastic_transport import ApiError as TransportApiError
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError
from kafka import KafkaProducer
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    stop_never,
    stop_when_event_set,
    wait_exponential,
)

from consumers.index import IndexStage
from consumers.worker import Stage, Worker
from infra.kafka_clients import close_producer, is_outage, make_consumer, make_producer, read_topic
from infra.search_index import connect, ensure_index
from infra.topics import topic_names
from pantau.collector import settle_long_lived_heap
from pantau.config import Settings
from pantau.schema import DeadLetter

logger = logging.getLogger(__name__)

#: How long ``--until-idle`` runs wait for the engines at start before failing.
BATCH_START_TIMEOUT = 60.0
STAGES = ("enrich", "index")


class Closeable(Protocol):
    def close(self) -> None: ...


class ProducerCloser:
    """Closes a producer within a bound (kafka-python's own ``close()`` may wait forever)."""

    def __init__(self, producer: KafkaProducer) -> None:
        self.producer = producer

    def close(self) -> None:
        close_producer(self.producer, timeout=10.0)


def engine_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means Kafka or Elasticsearch is not (yet) usable, rather than a bug or bad settings."""
    if is_outage(exc) or isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return True
    if isinstance(exc, ApiError | TransportApiError):
        status = exc.meta.status if hasattr(exc, "meta") else 0
        return status in (401, 403, 408, 429) or status >= 500
    return False


def close_resources(resources: Sequence[Closeable]) -> None:
    """Close what :func:`build_worker` returned, each within its own bound, errors logged."""
    for resource in resources:
        try:
            resource.close()
        except Exception as exc:
            logger.warning("close failed", extra={"resource": type(resource).__name__, "error": str(exc)[:300]})


def build_worker(
    stage_name: str, settings: Settings, stop_event: threading.Event | None = None
) -> tuple[Worker, list[Closeable]]:
    """The worker for ``stage_name`` and the resources to close after it (consumer first)."""
    if stage_name not in STAGES:
        raise ValueError(f"unknown stage {stage_name!r}")
    topics = topic_names(settings)
    resources: list[Closeable] = []
    try:
        # The enrich stage sends two records an article (~9 KB enriched, ~1 KB signature) and
        # flushes once a poll batch. With kafka-python's 16 KB default a batch fills every
        # two records and wakes the sender thread each time (GIL hand-offs); 512 KB batches
        # make it one request per partition per flush (benchmarks/stream_bench.py).
        overrides = {"batch_size": 512 * 1024} if stage_name == "enrich" else {}
        producer = make_producer(settings, **overrides)
        resources.append(ProducerCloser(producer))
        stage: Stage
        if stage_name == "enrich":
            # Imported here: the enrich core takes seconds to import, which an index consumer
            # (restarting after a crash, say) need not wait for.
            from consumers.enrich import DedupStateFollower, EnrichStage
            from pantau.enrich.stage import Enricher

            enricher = Enricher()
            follower = DedupStateFollower(settings, topics.dedup_state)
            resources.append(follower)
            follower.restore(enricher)
            delivery_s = settings.producer_delivery_timeout_ms / 1000
            stage = EnrichStage(enricher, producer, topics, follower, send_timeout=delivery_s + 5.0)
            source = topics.raw
        else:
            # The stage retries itself (keeping the group informed), so the client does not.
            es = connect(settings, request_timeout=30.0, max_retries=0)
            ensure_index(es, settings.index_alias)
            stage = IndexStage(es, settings.index_alias)
            source = topics.enriched
        consumer = make_consumer(settings, stage_name, [source])
        resources.insert(0, consumer)
    except BaseException:
        close_resources(resources)
        raise
    worker = Worker(
        stage,
        consumer,
        producer,
        topics.dead_letter,
        max_retries=settings.consumer_max_retries,
        group=f"{settings.group_prefix}.{stage_name}",
        stop_event=stop_event,
    )
    return worker, resources


def start_worker(
    stage_name: str,
    settings: Settings,
    stop_event: threading.Event,
    prepare: Callable[[], object] | None = None,
    give_up_after: float | None = None,
) -> tuple[Worker, list[Closeable]] | None:
    """:func:`build_worker` (after ``prepare``), retried while the engines are unavailable.

    Returns ``None`` if told to stop while waiting; after ``give_up_after`` seconds the last
    error is raised.
    """

    def attempt() -> tuple[Worker, list[Closeable]]:
        if prepare is not None:
            prepare()
        return build_worker(stage_name, settings, stop_event)

    def waiting(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0
        logger.warning(
            "engines not available yet, retrying",
            extra={"stage": stage_name, "error": f"{type(exc).__name__}: {exc}"[:300], "retry_in_s": round(delay, 1)},
        )

    def sleep(seconds: float) -> None:
        stop_event.wait(seconds)

    limit = stop_after_delay(give_up_after) if give_up_after is not None else stop_never
    retrying = Retrying(
        retry=retry_if_exception(engine_unavailable),
        # Short: once an engine answers again the consumer should be back within seconds.
        wait=wait_exponential(multiplier=1, min=1, max=5),
        stop=limit | stop_when_event_set(stop_event),
        sleep=sleep,
        before_sleep=waiting,
        reraise=True,
    )
    try:
        built: tuple[Worker, list[Closeable]] = retrying(attempt)
    except Exception:
        if stop_event.is_set():
            return None
        raise
    return built


def run_consumer(
    stage_name: str,
    settings: Settings,
    idle_timeout: float | None = None,
    prepare: Callable[[], object] | None = None,
) -> int:
    """Run one consumer stage until stopped (SIGTERM/SIGINT) or idle; returns the records processed."""
    stop_event = threading.Event()
    Worker.install_stop_handlers(stop_event, stage_name)
    give_up = BATCH_START_TIMEOUT if idle_timeout is not None else None
    started = start_worker(stage_name, settings, stop_event, prepare=prepare, give_up_after=give_up)
    if started is None:
        return 0
    worker, resources = started
    # Start-up is done (models loaded, dedup state restored): the heap that lives as long as
    # the process leaves the collector's walks.
    settle_long_lived_heap()
    logger.info("consumer started", extra={"stage": stage_name, "group": worker.group})
    try:
        return worker.run(idle_timeout=idle_timeout)
    finally:
        close_resources(resources)


def read_dead_letters(settings: Settings, limit: int = 20) -> list[DeadLetter]:
    """The newest ``limit`` dead letters, read without joining a group (so nothing is consumed)."""
    records: list[Any] = read_topic(settings, topic_names(settings).dead_letter, last=limit)
    letters = [DeadLetter.model_validate(json.loads(r.value)) for r in records]
    return sorted(letters, key=lambda d: d.failed_at, reverse=True)[:limit]
