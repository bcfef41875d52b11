"""Offsets a worker has processed and still has to commit, and committing them without ever giving up.

A commit can fail while the broker is down or the group is rebalancing. The offsets are
then kept and the commit is tried again (backing off up to a few seconds) on the next
idle poll or after the next batch; commits are cumulative, so a later success covers
the earlier batches too. If a rebalance takes a partition away before its offsets are
committed, they are forgotten: the new owner (perhaps this worker again) starts from the
last commit, and committing ours later could move the group's offset back over its work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from pantau import metrics

logger = logging.getLogger(__name__)


class PendingCommits(ConsumerRebalanceListener):  # type: ignore[misc]
    """The offsets to commit for one consumer; also its rebalance listener (to forget moved partitions)."""

    def __init__(
        self, consumer: KafkaConsumer, stage: str, group: str, timeout_ms: int = 10_000, backoff_max: float = 5.0
    ) -> None:
        self.consumer = consumer
        self.stage = stage
        self.group = group
        self.timeout_ms = timeout_ms
        self.backoff_max = backoff_max
        self.offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        self.failures = 0
        self._retry_at = 0.0
        #: Assignments received from the group so far (a rejoin counts even when it gives the same partitions).
        self.assignments = 0

    @property
    def pending(self) -> bool:
        """Whether processed offsets still wait to be committed."""
        return bool(self.offsets)

    def remember(self, records: Sequence[Any]) -> None:
        """Mark ``records`` processed: their offsets are committed by the next :meth:`commit`."""
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            known = self.offsets.get(tp)
            if known is None or known.offset <= r.offset:
                self.offsets[tp] = OffsetAndMetadata(r.offset + 1, "", -1)

    def commit(self, force: bool = False) -> bool:
        """Commit what was processed; a failure is logged, counted and retried later, never raised.

        Returns whether nothing is left to commit. Unless ``force``, a retry waits for its back-off.
        """
        if not self.offsets:
            return True
        if not force and time.monotonic() < self._retry_at:
            return False
        assigned = self.consumer.assignment()
        offsets = {tp: o for tp, o in self.offsets.items() if tp in assigned}
        self.offsets = offsets
        if not offsets:
            return True
        try:
            self.consumer.commit(offsets, timeout_ms=self.timeout_ms)
        except KafkaError as exc:
            self.failures += 1
            metrics.COMMIT_FAILURES.labels(group=self.group).inc()
            self._retry_at = time.monotonic() + min(self.backoff_max, 0.5 * 2.0**self.failures)
            logger.warning(
                "commit failed; kept and retried",
                extra={"stage": self.stage, "error": f"{type(exc).__name__}: {exc}"[:300]},
            )
            return False
        if self.failures:
            logger.info("commits succeed again", extra={"stage": self.stage, "failed": self.failures})
        self.failures = 0
        self.offsets = {}
        return True

    # --- ConsumerRebalanceListener --------------------------------------------------------

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        forgotten = [tp for tp in revoked if self.offsets.pop(tp, None) is not None]
        if forgotten:
            logger.warning(
                "partitions moved before their offsets were committed; their last records are replayed",
                extra={"stage": self.stage, "partitions": len(forgotten)},
            )

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.assignments += 1
