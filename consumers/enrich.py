"""The enrich stage on Kafka: raw articles in, enriched articles out.

Near-duplicate state is shared through the compacted signatures topic: every instance
replays it at start-up (so a new or restarted instance knows every article seen so far)
and, before each batch, reads it up to the end offsets it has at that moment (so
instances on other partitions see each other's articles up to that batch). Each instance
publishes its own signatures there after enriching. How far an instance is behind the
topic is the ``pantau_dedup_state_lag`` gauge.

An enriched record Kafka refuses (too large) is rejected with the reason, so the worker
dead-letters it; any other failed or unacknowledged send is an outage and the batch is
retried (its records may then be written twice; ids make that harmless downstream).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from kafka import KafkaProducer
from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from kafka.structs import TopicPartition

from consumers.worker import Envelope, Rejected
from infra.kafka_clients import make_reader, record_refused, wait_for_sends
from infra.topics import Topics
from pantau import metrics
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from pantau.schema import DedupSignature

logger = logging.getLogger(__name__)


class DedupStateFollower:
    """Reads the signatures topic from the beginning, then keeps up with it."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self.consumer = make_reader(settings, client_id="pantau-dedup-state")
        partitions = self.consumer.partitions_for_topic(topic) or set()
        self.partitions = [TopicPartition(topic, p) for p in sorted(partitions)]
        self.consumer.assign(self.partitions)
        self.consumer.seek_to_beginning(*self.partitions)
        self.skipped = 0

    def restore(self, enricher: Enricher, timeout: float = 120.0) -> int:
        """Load every signature up to the current end of the topic."""
        count = self.catch_up(enricher, timeout=timeout)
        logger.info("dedup state restored", extra={"signatures": count, "index_size": len(enricher.dedup)})
        return count

    def lag(self, end: dict[TopicPartition, int]) -> int:
        return sum(max(0, end[tp] - self.consumer.position(tp, timeout_ms=5000)) for tp in self.partitions)

    def catch_up(self, enricher: Enricher, timeout: float = 15.0) -> int:
        """Read the topic up to its end offsets as of now; raises ``KafkaTimeoutError`` if not within ``timeout``.

        What was read stays read: a retry after a timeout carries on from there.
        """
        deadline = time.monotonic() + timeout
        end = self.consumer.end_offsets(self.partitions, timeout_ms=int(timeout * 1000))
        count = 0
        behind = self.lag(end)
        while behind > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                metrics.DEDUP_STATE_LAG.set(behind)
                raise KafkaTimeoutError(f"dedup state: {behind} signature(s) still unread after {timeout:.0f} s")
            for records in self.consumer.poll(timeout_ms=int(min(remaining, 1.0) * 1000)).values():
                for record in records:
                    count += self._add(enricher, record)
            behind = self.lag(end)
        metrics.DEDUP_STATE_LAG.set(0)
        return count

    def _add(self, enricher: Enricher, record: Any) -> int:
        if record.value is None:  # tombstone
            return 0
        try:
            enricher.dedup.add(DedupSignature.from_json(record.value))
        except ValueError as exc:
            # A signature this version cannot use (other hashing settings, a broken record)
            # costs one missed duplicate match, not the stage.
            self.skipped += 1
            metrics.RECORDS.labels(stage="dedup_state", outcome="skipped").inc()
            logger.warning(
                "dedup signature skipped",
                extra={"source": f"{record.topic}/{record.partition}/{record.offset}", "error": str(exc)[:300]},
            )
            return 0
        return 1

    def close(self) -> None:
        self.consumer.close(timeout_ms=5000)


class EnrichStage:
    name: ClassVar[str] = "enrich"
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (KafkaTimeoutError, KafkaConnectionError)

    def __init__(
        self,
        enricher: Enricher,
        producer: KafkaProducer,
        topics: Topics,
        state: DedupStateFollower | None = None,
        send_timeout: float = 35.0,
    ) -> None:
        self.enricher = enricher
        self.producer = producer
        self.topics = topics
        self.state = state
        self.send_timeout = send_timeout
        #: Set by the worker (an optional stage hook): says when to stop waiting for Kafka.
        self.interrupt: Callable[[], bool] | None = None

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        if self.state is not None:
            self.state.catch_up(self.enricher)
        # Enrich the whole batch first, then send it. Sent one by one between enrichments
        # (~2 ms each), the records left in linger_ms (20 ms) batches of one or two a
        # partition, and the producer's sender thread spent ~0.29 ms CPU an article on
        # per-batch work (a new zstd context, a produce request, callbacks); sent together
        # they fill a few large batches and it spends ~0.06 ms (3,000 articles, per-thread
        # CPU). Nothing is committed before every send is acknowledged, as before.
        # Each enrichment part runs over the whole batch in turn (Enricher.enrich_many):
        # ~0.3-1 ms an article less than one by one (benchmarks/enrich_bench.py prints both).
        # An enrichment bug raises here, before anything of the batch is sent, and the
        # worker splits the batch to find it; articles enriched before the retry are known to
        # the dedup index by id, so the retry makes the same decisions for them.
        results = self.enricher.enrich_many([envelope.article for envelope in batch])
        records: list[tuple[Envelope, str, bytes, bytes]] = []
        for envelope, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                raise result
            enriched, signature = result
            # The bytes of ``enriched.to_json().encode()`` and ``signature.model_dump_json().encode()``
            # (those call the same serializer and decode its bytes), without the round trip
            # through str: ~0.03 ms of the ~0.07 ms it took an article.
            records.append(
                (
                    envelope,
                    enriched.id,
                    enriched.__pydantic_serializer__.to_json(enriched, exclude_none=True),
                    signature.__pydantic_serializer__.to_json(signature),
                )
            )
        rejected: list[Rejected] = []
        futures: list[Any] = []
        owners: list[Envelope] = []
        for envelope, key, value, state in records:
            try:
                futures.append(self.producer.send(self.topics.enriched, key=key, value=value))
            except KafkaError as exc:
                if not record_refused(exc):
                    raise
                # Too large for Kafka: it can never pass, so the worker dead-letters it.
                # Its signature is not published either, so no later copy points at it.
                rejected.append(Rejected(envelope, f"enriched record refused by kafka: {exc}"))
                continue
            owners.append(envelope)
            futures.append(self.producer.send(self.topics.dedup_state, key=key, value=state))
            owners.append(envelope)
        sends = wait_for_sends(futures, self.send_timeout, self.interrupt)
        refused_ids = set()
        for index, error in sends.failed:
            if record_refused(error) and owners[index].article.id not in refused_ids:
                refused_ids.add(owners[index].article.id)
                rejected.append(Rejected(owners[index], f"enriched record refused by kafka: {error}"))
        others = [error for _, error in sends.failed if not record_refused(error)]
        if others or sends.pending:
            # Kafka is unavailable or slow: the worker waits and retries the whole batch.
            first = others[0] if others else "not acknowledged in time"
            raise KafkaTimeoutError(
                f"{len(others) + len(sends.pending)} of {len(futures)} sends failed or pending: {first}"
            )
        metrics.RECORDS.labels(stage=self.name, outcome="enriched").inc(len(batch) - len(rejected))
        return rejected
