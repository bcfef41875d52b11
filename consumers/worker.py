"""The base Kafka worker: polling, decoding, retries, dead letters, commits and metrics.

A stage implements one method, :meth:`Stage.process`, over a batch of valid articles.
The worker owns everything else, with one policy for all stages:

- A record that cannot be decoded or does not fit the schema never reaches the stage:
  it goes straight to the dead-letter topic with the reason.
- The stage returns a :class:`Rejected` for a record that can never be processed
  (e.g. Elasticsearch refuses its mapping, Kafka refuses its size); that record is
  dead-lettered. A dead letter too large for Kafka carries its original cut to fit.
- An outage (one of the stage's ``outage_errors``, a Kafka error that is retriable or about
  authentication, or the stage's optional ``is_outage(exc)`` saying so) is retried with
  backoff for as long as it lasts: an outage must not empty the topic into the dead
  letters, and the process must not exit for it.
- Any other exception is retried ``consumer_max_retries`` times, then the batch is
  split to isolate the culprit, which is dead-lettered with the error.
- While a batch waits to be retried the worker keeps polling with its partitions paused,
  so the group does not take it for dead (``max.poll.interval.ms``) and heartbeats go on;
  records of partitions it gains meanwhile are rewound, not lost, and records of
  partitions it lost are dropped from the batch (their new owner replays them).
- Offsets are committed only after the stage's side effect and the dead letters are
  acknowledged. A commit that fails (broker down, group rebalanced) is kept and retried;
  it never stops the worker. If the partition moves (a rebalance) before the commit
  succeeds, the offsets are forgotten, never committed late over the new owner's, and the
  batch is replayed. A crash before a commit replays the batch too; ids make it harmless.
- SIGTERM or SIGINT stops the worker at the next safe point: after the current call into
  the stage, or at once while it waits to retry (the batch is then left uncommitted). A
  second signal exits immediately.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar, Protocol

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.structs import TopicPartition

from consumers.commits import PendingCommits
from consumers.dead_letters import DeadLetterSend
from infra.kafka_clients import is_outage
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
    """What a stage provides.

    Optional hooks: ``is_outage(exc) -> bool`` for outage errors a class cannot name, and an
    ``interrupt`` attribute, which the worker sets to a callable saying when it is stopping
    (a stage that waits on its engine should stop waiting then).
    """

    name: ClassVar[str]
    #: Exceptions that mean "the downstream system is unavailable": retried without limit.
    outage_errors: ClassVar[tuple[type[BaseException], ...]]

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        """Do the side effect for the batch and wait for it to be acknowledged."""


class Stopped(Exception):
    """The worker was asked to stop while a batch waited; nothing of that batch is committed."""


class Worker:
    def __init__(
        self,
        stage: Stage,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        dead_letter_topic: str,
        max_retries: int = 5,
        group: str = "",
        *,
        outage_backoff_max: float = 5.0,
        commit_timeout_ms: int = 10_000,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.stage = stage
        self.consumer = consumer
        self.producer = producer
        self.dead_letter_topic = dead_letter_topic
        self.max_retries = max_retries
        self.group = group or stage.name
        self.outage_backoff_max = outage_backoff_max
        self.commit_timeout_ms = commit_timeout_ms
        self.processed = 0
        self._stop = stop_event or threading.Event()
        self.commits = PendingCommits(
            consumer, stage.name, self.group, timeout_ms=commit_timeout_ms, backoff_max=outage_backoff_max
        )
        self._outage_since: float | None = None
        self._outage_attempts = 0
        self._paused = False
        # Dead letters and the stage's sends are waited for a little longer than the
        # producer's own delivery timeout, after which it reports every send as done.
        delivery_ms = getattr(producer, "config", {}).get("delivery_timeout_ms", 30_000)
        self.send_timeout = delivery_ms / 1000 + 5.0
        if hasattr(stage, "interrupt"):
            # Optional stage hook: a stage waiting on its own engine stops waiting when we stop.
            stage.interrupt = self._stop.is_set
        subscribed = consumer.subscription()
        if subscribed:
            consumer.subscribe(topics=sorted(subscribed), listener=self.commits)

    # --- stopping ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @stopping.setter
    def stopping(self, value: bool) -> None:
        if value:
            self._stop.set()
        else:
            self._stop.clear()

    def stop(self) -> None:
        """Ask the worker to stop at the next safe point (thread-safe)."""
        self._stop.set()

    def install_signal_handlers(self) -> None:
        """Stop on SIGTERM/SIGINT (see :meth:`install_stop_handlers`); call from the main thread."""
        self.install_stop_handlers(self._stop, self.stage.name)

    @staticmethod
    def install_stop_handlers(event: threading.Event, stage: str) -> None:
        """The first SIGTERM/SIGINT sets ``event`` (stop at the next safe point); a second exits at once."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if event.is_set():
                logger.warning("second signal: exiting now", extra={"stage": stage, "signal": signum})
                raise SystemExit(128 + signum)
            logger.info("stopping", extra={"stage": stage, "signal": signum})
            event.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    # --- the loop ---------------------------------------------------------------------------

    def run(self, idle_timeout: float | None = None, poll_ms: int = 500, join_timeout: float = 30.0) -> int:
        """Consume until stopped, or until nothing arrives for ``idle_timeout`` seconds.

        The idle clock starts once the group has assigned partitions (joining takes a
        few seconds), or after ``join_timeout`` if it never does; it starts again whenever
        the assignment changes (a rejoin after an outage, say), because the records whose
        offsets were forgotten with the partitions then come back to be replayed.
        """
        started = time.monotonic()
        last_record: float | None = None
        assignments_seen = 0
        try:
            while not self.stopping:
                records = self._poll(poll_ms)
                now = time.monotonic()
                if records:
                    self.handle(records)
                    last_record = now
                    continue
                self.commits.commit()
                if idle_timeout is not None:
                    assignment = self.consumer.assignment()
                    if self.commits.assignments != assignments_seen:
                        # Joined, rejoined or rebalanced (perhaps to the same partitions): not
                        # idle yet, since what was not committed is now replayed to us.
                        last_record, started, assignments_seen = None, now, self.commits.assignments
                    if last_record is None and (assignment or now - started > join_timeout):
                        last_record = now
                    if last_record is not None and now - last_record > idle_timeout and not self.commits.pending:
                        break
        except Stopped:
            logger.info("stopped with a batch unfinished; it is replayed on restart", extra={"stage": self.stage.name})
        self.commits.commit(force=True)
        return self.processed

    def _poll(self, poll_ms: int) -> list[Any]:
        try:
            polled = self.consumer.poll(timeout_ms=poll_ms)
        except Exception as exc:
            if not self._is_outage(exc):
                raise
            self._note_outage(exc, "poll")
            self._sleep(self._outage_delay())
            return []
        return [r for batch in polled.values() for r in batch]

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
        try:
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
            send = DeadLetterSend(
                self.producer, self.dead_letter_topic, self.stage.name, letters, self.send_timeout, self._stop.is_set
            )
            self._until_done("dead letters", send.step)
        finally:
            self._resume()
        self.commits.remember(records)
        self.commits.commit()
        metrics.RECORDS.labels(stage=self.stage.name, outcome="ok").inc(len(envelopes) - rejected_count)
        metrics.BATCH_SECONDS.labels(stage=self.stage.name).observe(time.perf_counter() - started)
        self.processed += len(records)
        self._record_lag()

    def _process_with_retries(self, batch: Sequence[Envelope]) -> list[Rejected]:
        attempt = 0
        while True:
            batch = self._still_assigned(batch)
            if not batch:
                return []
            try:
                rejected = self.stage.process(batch)
            except Exception as exc:
                if self._is_outage(exc):
                    # Downstream is down: wait it out, never dead-letter for an outage.
                    self._note_outage(exc, "process")
                    metrics.RECORDS.labels(stage=self.stage.name, outcome="retried").inc(len(batch))
                    self._wait(self._outage_delay())
                    continue
                attempt += 1
                metrics.RECORDS.labels(stage=self.stage.name, outcome="retried").inc(len(batch))
                if attempt <= self.max_retries:
                    logger.warning(
                        "batch failed, retrying",
                        extra={"stage": self.stage.name, "error": repr(exc)[:300], "attempt": attempt},
                    )
                    self._wait(min(5.0, 0.1 * 2**attempt))
                    continue
                if len(batch) == 1:
                    return [Rejected(batch[0], f"failed after {self.max_retries} retries: {exc!r}")]
                # Split to find the record(s) at fault; the others still get through.
                middle = len(batch) // 2
                return self._process_with_retries(batch[:middle]) + self._process_with_retries(batch[middle:])
            self._note_recovered()
            return rejected

    # --- outages, waiting and stopping --------------------------------------------------

    def _is_outage(self, exc: BaseException) -> bool:
        if isinstance(exc, self.stage.outage_errors) or is_outage(exc):
            return True
        hook: Callable[[BaseException], bool] | None = getattr(self.stage, "is_outage", None)
        return bool(hook(exc)) if hook is not None else False

    def _note_outage(self, exc: BaseException, where: str) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            self._outage_attempts = 0
            metrics.OUTAGES.labels(stage=self.stage.name).inc()
        self._outage_attempts += 1
        logger.warning(
            "downstream unavailable, waiting",
            extra={
                "stage": self.stage.name,
                "during": where,
                "error": f"{type(exc).__name__}: {exc}"[:300],
                "attempt": self._outage_attempts,
            },
        )

    def _note_recovered(self) -> None:
        if self._outage_since is None:
            return
        waited = time.monotonic() - self._outage_since
        self._outage_since = None
        metrics.OUTAGE_SECONDS.labels(stage=self.stage.name).observe(waited)
        logger.warning("downstream available again", extra={"stage": self.stage.name, "outage_s": round(waited, 1)})

    def _outage_delay(self) -> float:
        return min(self.outage_backoff_max, 0.5 * 2.0 ** min(self._outage_attempts, 6))

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stopped

    def _wait(self, seconds: float) -> None:
        """Wait ``seconds`` with the partitions paused, polling so the group keeps us as a member."""
        self._pause()
        deadline = time.monotonic() + seconds
        while True:
            if self.stopping:
                raise Stopped
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                polled = self.consumer.poll(timeout_ms=int(min(remaining, 0.5) * 1000))
            except Exception as exc:
                if not self._is_outage(exc):
                    raise
                self._sleep(min(remaining, 0.5))
                continue
            if polled:
                # Partitions assigned to us during the wait are not paused yet: give their
                # records back (they are fetched again after this batch) and pause them too.
                for tp, batch in polled.items():
                    self.consumer.seek(tp, batch[0].offset)
                self._pause()

    def _pause(self) -> None:
        assigned = self.consumer.assignment()
        if assigned:
            self.consumer.pause(*assigned)
            self._paused = True

    def _resume(self) -> None:
        if self._paused:
            paused = self.consumer.paused()
            if paused:
                self.consumer.resume(*paused)
            self._paused = False

    def _still_assigned(self, batch: Sequence[Envelope]) -> list[Envelope]:
        """The part of ``batch`` whose partitions are still ours (a rebalance may have moved some)."""
        assigned = self.consumer.assignment()
        kept = [e for e in batch if TopicPartition(e.topic, e.partition) in assigned]
        if len(kept) < len(batch):
            logger.info(
                "partitions moved to another member; their records are left to it",
                extra={"stage": self.stage.name, "dropped": len(batch) - len(kept)},
            )
        return kept

    def _until_done(self, what: str, step: Callable[[], bool]) -> None:
        """Run ``step`` until it reports done, waiting out outages (it returns ``False`` to be called again)."""
        while True:
            try:
                if step():
                    self._note_recovered()
                    return
                raise KafkaTimeoutError(f"{what} not acknowledged in time")
            except Exception as exc:
                if not self._is_outage(exc):
                    raise
                self._note_outage(exc, what)
                self._wait(self._outage_delay())

    # --- dead letters and commits -------------------------------------------------------

    def _record_lag(self) -> None:
        try:
            for tp in self.consumer.assignment():
                high = self.consumer.highwater(tp)
                if high is None:
                    continue
                position = self.consumer.position(tp, timeout_ms=1000)
                metrics.CONSUMER_LAG.labels(group=self.group, topic=tp.topic, partition=str(tp.partition)).set(
                    max(0, high - position)
                )
        except KafkaError as exc:  # lag is best effort; an outage shows elsewhere
            logger.debug("lag not measured", extra={"error": str(exc)})


def _key(record: Any) -> str | None:
    key = record.key
    if isinstance(key, bytes):
        return key.decode("utf-8", errors="replace")
    return key if isinstance(key, str) else None
