"""Sending a worker's dead letters, with the same care as its side effects.

Every letter is cut to fit a Kafka record first (:func:`pantau.delivery.fit_dead_letter`);
a letter Kafka refuses all the same (a broker or topic with a smaller limit) is cut much
smaller and sent again; if even that is refused the record stays in its source topic at
the offset the letter names, and the failure is logged and counted as ``undeliverable``.
Letters not acknowledged in time are sent again by the worker's outage loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from infra.kafka_clients import DEAD_LETTER_BUDGET, SMALL_DEAD_LETTER, record_refused, wait_for_sends
from pantau import metrics
from pantau.delivery import fit_dead_letter
from pantau.schema import DeadLetter

logger = logging.getLogger(__name__)


class DeadLetterSend:
    """One batch's dead letters; :meth:`step` sends those not yet acknowledged and says whether all are."""

    def __init__(
        self,
        producer: KafkaProducer,
        topic: str,
        stage: str,
        letters: Sequence[DeadLetter],
        timeout: float,
        interrupt: Callable[[], bool] | None = None,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.stage = stage
        self.timeout = timeout
        self.interrupt = interrupt
        self.waiting = [fit_dead_letter(letter, DEAD_LETTER_BUDGET) for letter in letters]

    def step(self) -> bool:
        if not self.waiting:
            return True
        sent: list[DeadLetter] = []
        futures: list[Any] = []
        failed: list[tuple[DeadLetter, BaseException]] = []
        for letter in self.waiting:
            try:
                futures.append(
                    self.producer.send(
                        self.topic,
                        key=letter.article_id or letter.source or "",
                        value=letter.model_dump_json().encode("utf-8"),
                    )
                )
            except KafkaError as exc:
                if not record_refused(exc):
                    raise
                failed.append((letter, exc))
                continue
            sent.append(letter)
        sends = wait_for_sends(futures, self.timeout, self.interrupt)
        for index in sends.acked:
            metrics.RECORDS.labels(stage=self.stage, outcome="dead_letter").inc()
            logger.warning(
                "dead-lettered",
                extra={"stage": self.stage, "source": sent[index].source, "reason": sent[index].reason[:300]},
            )
        failed += [(sent[index], error) for index, error in sends.failed]
        again = [sent[index] for index in sends.pending]
        for letter, error in failed:
            if not record_refused(error):
                again.append(letter)
            elif len(letter.original.encode("utf-8")) > SMALL_DEAD_LETTER:
                again.append(fit_dead_letter(letter, SMALL_DEAD_LETTER))
            else:
                metrics.RECORDS.labels(stage=self.stage, outcome="undeliverable").inc()
                logger.error(
                    "dead letter refused by kafka; the record stays at its source offset",
                    extra={"stage": self.stage, "source": letter.source, "error": str(error)[:300]},
                )
        self.waiting = again
        return not self.waiting
