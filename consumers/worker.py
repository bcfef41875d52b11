"""The base Kafka worker: polling, decoding, retries, dead letters, commits and metrics.

A stage implements one method, :meth:`Stage.process`, over a batch of valid articles.
The worker owns everything else, with one policy for all stages:

- A record that cannot be decoded or does not fit the schema never reaches the stage:
  it goes straight to the dead-letter topic with the reason.
- The stage returns a :class:`Rejected` for a record that can never be processed
  (e.g. Elasticsearch refuses its mapping); that record is dead-lettered.
- An exception of one of the stage's ``outage_errors`` (broker or cluster unreachable)
  is retried with backoff for as long as it lasts: an outage must not empty the topic
  into the dead letters.
- Any other exception is retried ``consumer_max_retries`` times, then the batch is
  split to isolate the culprit, which is dead-lettered with the error.
- Offsets are committed only after the stage's side effect and the dead letters are
  acknowledged. A crash before that replays the batch, which ids make harmless.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar, Protocol

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata, TopicPartition

from pantau import metrics
from pantau.delivery import dead_letter
from pantau.schema import Article, DeadLetter, SchemaError, parse_article

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """One valid article with where it came from."""

    article: Article
    topic: str
    partition: int
    offset: int
    raw: bytes

    @property
    def source(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class Rejected:
    """A record the stage can never process, and why."""

    envelope: Envelope
    reason: str


class Stage(Protocol):
    name: ClassVar[str]
    #: Exceptions that mean "the downstream system is unavailable": retried without limit.
    outage_errors: ClassVar[tuple[type[BaseException], ...]]

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        """Do the side effect for the batch and wait for it to be acknowledged."""


class Worker:
    def __init__(
        self,
        stage: Stage,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        dead_letter_topic: str,
        max_retries: int = 5,
        group: str = "",
    ) -> None:
        self.stage = stage
        self.consumer = consumer
        self.producer = producer
        self.dead_letter_topic = dead_letter_topic
        self.max_retries = max_retries
        self.group = group or stage.name
        self.stopping = False
        self.processed = 0

    def install_signal_handlers(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            logger.info("stopping", extra={"stage": self.stage.name, "signal": signum})
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def run(self, idle_timeout: float | None = None, poll_ms: int = 500, join_timeout: float = 30.0) -> int:
        """Consume until stopped, or until nothing arrives for ``idle_timeout`` seconds.

        The idle clock starts once the group has assigned partitions (joining takes a
        few seconds), or after ``join_timeout`` if it never does.
        """
        started = time.monotonic()
        last_record: float | None = None
        while not self.stopping:
            polled = self.consumer.poll(timeout_ms=poll_ms)
            records = [r for batch in polled.values() for r in batch]
            now = time.monotonic()
            if records:
                self.handle(records)
                last_record = now
            elif idle_timeout is not None:
                if last_record is None and (self.consumer.assignment() or now - started > join_timeout):
                    last_record = now
                if last_record is not None and now - last_record > idle_timeout:
                    break
        return self.processed

    # --- one batch ----------------------------------------------------------------------

    def handle(self, records: Sequence[Any]) -> None:
        started = time.perf_counter()
        envelopes: list[Envelope] = []
        letters: list[DeadLetter] = []
        for record in records:
            source = f"{record.topic}/{record.partition}/{record.offset}"
            try:
                article = parse_article(record.value)
            except SchemaError as exc:
                letters.append(
                    dead_letter(
                        self.stage.name, f"schema: {exc.reason}", record.value, source=source, article_id=_key(record)
                    )
                )
                continue
            envelopes.append(Envelope(article, record.topic, record.partition, record.offset, record.value))
        rejected_count = 0
        if envelopes:
            rejected_all = self._process_with_retries(envelopes)
            rejected_count = len(rejected_all)
            for rejected in rejected_all:
                letters.append(
                    dead_letter(
                        self.stage.name,
                        rejected.reason,
                        rejected.envelope.raw,
                        source=rejected.envelope.source,
                        article_id=rejected.envelope.article.id,
                    )
                )
        self._send_dead_letters(letters)
        self._commit(records)
        metrics.RECORDS.labels(stage=self.stage.name, outcome="ok").inc(len(envelopes) - rejected_count)
        metrics.BATCH_SECONDS.labels(stage=self.stage.name).observe(time.perf_counter() - started)
        self.processed += len(records)
        self._record_lag()

    def _process_with_retries(self, batch: Sequence[Envelope]) -> list[Rejected]:
        attempt = 0
        while True:
            try:
                return self.stage.process(batch)
            except self.stage.outage_errors as exc:
                # Downstream is down: wait it out, never dead-letter for an outage.
                delay = min(30.0, 0.5 * 2 ** min(attempt, 6))
                logger.warning(
                    "downstream unavailable, retrying",
                    extra={"stage": self.stage.name, "error": type(exc).__name__, "delay_s": delay},
                )
                metrics.RECORDS.labels(stage=self.stage.name, outcome="retried").inc(len(batch))
                attempt += 1
                if self.stopping:
                    raise
                time.sleep(delay)
            except Exception as exc:
                attempt += 1
                metrics.RECORDS.labels(stage=self.stage.name, outcome="retried").inc(len(batch))
                if attempt <= self.max_retries:
                    logger.warning(
                        "batch failed, retrying",
                        extra={"stage": self.stage.name, "error": repr(exc), "attempt": attempt},
                    )
                    time.sleep(min(5.0, 0.1 * 2**attempt))
                    continue
                if len(batch) == 1:
                    return [Rejected(batch[0], f"failed after {self.max_retries} retries: {exc!r}")]
                # Split to find the record(s) at fault; the others still get through.
                middle = len(batch) // 2
                return self._process_with_retries(batch[:middle]) + self._process_with_retries(batch[middle:])

    def _send_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        futures = [
            self.producer.send(
                self.dead_letter_topic,
                key=letter.article_id or letter.source or "",
                value=letter.model_dump_json().encode("utf-8"),
            )
            for letter in letters
        ]
        self.producer.flush()
        for future, letter in zip(futures, letters, strict=True):
            future.get(timeout=30)  # raises: then nothing is committed and the batch comes back
            metrics.RECORDS.labels(stage=self.stage.name, outcome="dead_letter").inc()
            logger.warning(
                "dead-lettered",
                extra={"stage": self.stage.name, "source": letter.source, "reason": letter.reason[:300]},
            )

    def _commit(self, records: Sequence[Any]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp not in offsets or offsets[tp].offset <= r.offset:
                offsets[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
        try:
            self.consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced under us; the new owner replays from the last commit.
            logger.warning("commit failed after rebalance", extra={"stage": self.stage.name, "error": str(exc)})

    def _record_lag(self) -> None:
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            position = self.consumer.position(tp)
            metrics.CONSUMER_LAG.labels(group=self.group, topic=tp.topic, partition=str(tp.partition)).set(
                max(0, high - position)
            )


def _key(record: Any) -> str | None:
    key = record.key
    if isinstance(key, bytes):
        return key.decode("utf-8", errors="replace")
    return key if isinstance(key, str) else None
