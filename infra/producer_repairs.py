"""Two repairs to kafka-python's producer (3.0.12, still present on its main branch), and why.

**1. The idempotent producer wedges for good after a broker outage longer than
``delivery_timeout_ms``.** The sender thread (``kafka/producer/sender.py``) expires batches
whose delivery timeout has passed. If any expired batch had already been sent once and was
waiting for a retry (``batch.in_retry()``), the producer cannot know whether the broker
appended it, so its sequence numbers may be wrong; it calls
``TransactionManager.reset_producer_id()`` to start over under a fresh producer id. That
method clears the id and the sequences but leaves the manager's state at ``READY``.
From then on, every loop of ``Sender.run_once`` sees "no producer id" and calls
``TransactionManager.init_producer_id()`` to get one, but that method only acts in state
``UNINITIALIZED`` (and the state machine forbids any transition back to it), so no
``InitProducerId`` request is ever sent. With no producer id the sender refuses to drain
any batch, and because it returns before ``_send_producer_data`` it no longer expires
batches either: every later ``send()`` is accepted into the accumulator and its future
never completes, even after the broker is back; ``flush()`` without a timeout hangs. The
fault probe saw exactly this (750 of 5,744 sends acknowledged, then nothing). A short
outage does not trigger it: the retried batches succeed before they expire. Without
idempotence there is no producer id to reset, which is why a plain producer recovers.

The Java client's ``resetIdempotentProducerId`` (KAFKA-7737) moves the manager back to
``UNINITIALIZED`` for exactly this reason. :class:`RecoveringTransactionManager` does the
same after the library's own reset, so the sender's next loop requests a fresh producer id
and carries on: the records that expired are reported as failed (and the caller spools or
retries them), and new records are acknowledged under the new id. A transactional producer
never takes this path (the library raises instead), so the repair is limited to the
non-transactional idempotent producer.

**2. ``KafkaProducer.close(timeout)`` raises instead of closing** when records are still
unacknowledged: it calls ``flush(timeout)`` first, which raises ``KafkaTimeoutError``, and
the force-close that follows in ``close`` is never reached; the sender thread keeps
running. :func:`close_producer` catches that and finishes the force-close, which fails the
outstanding futures (so the caller can spool exactly those records) and stops the thread.

Both repairs touch private attributes of kafka-python; :func:`make_recoverable` checks that
they exist and says so in the log if a later version has moved them, and
``tests/unit/test_producer_repairs.py`` pins the behaviour they rely on.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka.producer.transaction_manager import TransactionManager, TransactionState

logger = logging.getLogger(__name__)


class RecoveringTransactionManager(TransactionManager):  # type: ignore[misc]
    """kafka-python's transaction manager whose producer-id reset leads to a new producer id."""

    def reset_producer_id(self) -> None:
        super().reset_producer_id()
        with self._lock:
            # The library forbids this transition in its state table; the reset is the one
            # place where it is right (it is what the Java client does), so set it directly.
            self._current_state = TransactionState.UNINITIALIZED
        logger.warning("kafka producer id reset after expired retries; requesting a new one")


def make_recoverable(producer: KafkaProducer) -> KafkaProducer:
    """Give an idempotent, non-transactional ``producer`` the producer-id repair (see the module doc)."""
    manager = getattr(producer, "_transaction_manager", None)
    if manager is None:
        return producer  # not idempotent: nothing to repair
    if type(manager) is TransactionManager and not manager.is_transactional():
        manager.__class__ = RecoveringTransactionManager
    elif not isinstance(manager, RecoveringTransactionManager) and not manager.is_transactional():
        logger.warning(
            "kafka-python's transaction manager changed shape; producer-id repair not applied",
            extra={"type": type(manager).__name__},
        )
    return producer


def close_producer(producer: KafkaProducer, timeout: float) -> None:
    """Close ``producer`` within about ``timeout`` seconds, failing whatever is still unacknowledged."""
    try:
        producer.close(timeout=timeout)
        return
    except KafkaTimeoutError:
        pass
    sender: Any = getattr(producer, "_sender", None)
    if sender is None:
        return
    logger.info("kafka producer force-closed with records unacknowledged")
    # What close() would have done had flush() not raised: fail the outstanding batches
    # (their futures complete with an error) and stop the sender thread.
    sender.force_close()
    sender.join(max(1.0, timeout))
    with contextlib.suppress(KafkaTimeoutError):
        producer.close(timeout=0)
