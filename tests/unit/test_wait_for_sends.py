"""Waiting for sends: every wait is bounded, and a stopping worker stops waiting.

The futures are kafka-python's own, completed here the way its sender thread does.
"""

from __future__ import annotations

import threading

from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from kafka.producer.future import FutureProduceResult, FutureRecordMetadata
from kafka.structs import TopicPartition

from infra.kafka_clients import wait_for_sends

TP = TopicPartition("raw", 0)


def send() -> tuple[FutureProduceResult, FutureRecordMetadata]:
    batch = FutureProduceResult(TP)
    return batch, FutureRecordMetadata(batch, 0, -1, None, 1, 1, -1)


def test_each_send_is_sorted_by_what_became_of_it() -> None:
    (ok_batch, ok), (bad_batch, bad), (_, stuck) = send(), send(), send()
    ok_batch.success((42, -1, None))
    bad_batch.failure(MessageSizeTooLargeError("too large"))
    sends = wait_for_sends([ok, bad, stuck], timeout=0.2)
    assert sends.acked == [0]
    assert [(i, type(e)) for i, e in sends.failed] == [(1, MessageSizeTooLargeError)]
    assert sends.pending == [2]


def test_a_stopping_caller_is_not_kept_waiting() -> None:
    _, stuck = send()
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    # Without the interrupt this would wait 600 s, past the suite's per-test timeout.
    sends = wait_for_sends([stuck], timeout=600, interrupt=stop.is_set)
    assert sends.pending == [0] and not stuck.is_done


def test_a_send_that_expires_in_the_producer_counts_as_failed_not_pending() -> None:
    batch, expired = send()
    batch.failure(KafkaTimeoutError("Expiring 3 record(s)"))
    sends = wait_for_sends([expired], timeout=1)
    assert [type(e) for _, e in sends.failed] == [KafkaTimeoutError] and sends.pending == []
