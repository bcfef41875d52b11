"""Delivery to Kafka from the crawler: idempotent producer, bounded waits, local spool.

Every record handed to :class:`KafkaDelivery` ends in exactly one of three places:

- **acknowledged** by Kafka (``acks=all``, idempotent producer: a retry inside the producer
  never writes a record twice);
- **spooled** on local disk (:mod:`pipelines.spool`) when Kafka is unreachable, at start or
  mid-crawl, or did not acknowledge in time; the spool is replayed at the end of the crawl
  if Kafka is back, else by the next crawl or ``pantau spool replay``;
- **dead-lettered** with Kafka's reason when Kafka refuses the record itself (too large,
  invalid): it could never be written, so retrying or spooling it would block every
  later replay. The dead letter carries the original, cut to fit if need be.

Nothing waits without a bound: ``send`` blocks at most ``max_block_ms``; outstanding sends
are collected every few records and waited for (every :data:`SETTLE_EVERY` records, before
each commit of the crawl state, :meth:`KafkaDelivery.settle`, and at close) for at most
the delivery timeout plus a margin. A producer that has not delivered by then is closed
(its unacknowledged records fail and are spooled) and a new one is made when Kafka answers
again, so the crawler never hangs on a wedged client. Duplicates can
appear only where a record's fate was unknown (in flight when the producer was given up,
or when the process died): it is spooled and sent again, and keys and ids make that
harmless downstream.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from infra.kafka_clients import (
    DEAD_LETTER_BUDGET,
    SMALL_DEAD_LETTER,
    close_producer,
    is_outage,
    make_producer,
    record_refused,
    wait_for_sends,
)
from infra.topics import topic_names
from pantau import metrics
from pantau.config import Settings
from pantau.delivery import dead_letter, fit_dead_letter
from pantau.schema import Article, DeadLetter
from pipelines.spool import Spool, SpooledRecord

logger = logging.getLogger(__name__)

#: Wait for outstanding sends after this many; until then, completed ones are collected
#: every :data:`REAP_EVERY` records without waiting.
SETTLE_EVERY = 500
REAP_EVERY = 50
#: Crawl-state writes (marks, publications, validators; ~2.3 per delivered article) between
#: two commits in a Kafka crawl. Each commit first waits for every outstanding send
#: (:meth:`KafkaDelivery.settle`), which costs a wait of up to the producer's linger plus an
#: acknowledgement. Measured (a Kafka-mode crawl of the crawl bench's 1,000 local pages,
#: shared stack, 2 cores; time spent inside settle): every 50 writes, 45 settles took
#: 0.45-0.51 s of a ~4.2 s crawl (~11 %; a colleague measured ~30 % on a busier stack);
#: every 500 writes, 9 settles (begin, commits, site end, close) took 0.04-0.065 s against
#: 0.01 s for the one settle at close without the hook: ~1 % of the crawl. A crash costs at
#: most ~200 pages fetched again (their marks were not committed).
SETTLED_COMMIT_EVERY = 500
#: How long a reconnection attempt may wait for the broker, and the back-off between attempts.
RECONNECT_BOOTSTRAP_MS = 3_000
RECONNECT_FIRST_DELAY = 5.0
RECONNECT_MAX_DELAY = 60.0


def connect_producer(
    settings: Settings, attempts: int | None = None, bootstrap_timeout_ms: int = 5_000
) -> KafkaProducer | None:
    """Try to reach the broker ``attempts`` times (``producer_retries + 1``); ``None`` means spool instead."""
    attempts = settings.producer_retries + 1 if attempts is None else attempts

    def note(state: Any) -> None:
        logger.warning(
            "kafka unreachable",
            extra={"bootstrap": settings.kafka_bootstrap, "attempt": state.attempt_number, "of": attempts},
        )

    retrying = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential(multiplier=0.5, max=8),
        retry=retry_if_exception(is_outage),
        before_sleep=note,
        retry_error_callback=lambda state: note(state),
    )
    producer: KafkaProducer | None = retrying(make_producer, settings, bootstrap_timeout_ms=bootstrap_timeout_ms)
    return producer


@dataclass
class DeliveryCounts:
    """What became of the records handed over in this process."""

    acknowledged: int = 0
    spooled: int = 0
    dead_lettered: int = 0  # refused by Kafka, parked with the reason
    replayed: int = 0  # spooled earlier (this run or before), delivered now
    undeliverable: int = 0  # a dead letter refused even when cut small: kept in the spool folder


class KafkaDelivery:
    """The crawler's :class:`~pantau.delivery.Delivery` to Kafka (see the module doc for the guarantee).

    ``prepare`` runs before every (re)connection, e.g. to create the topics when Kafka was
    down at start.
    """

    def __init__(
        self,
        settings: Settings,
        producer: KafkaProducer | None = None,
        connect: bool = True,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self.topics = topic_names(settings)
        self.spool = Spool(settings.spool_dir)
        self.counts = DeliveryCounts()
        self._prepare = prepare
        self._pending: list[tuple[Any, SpooledRecord]] = []
        self._since_reap = 0
        self._reconnect_delay = RECONNECT_FIRST_DELAY
        self._reconnect_at = 0.0
        #: Why Kafka could not be used, the last time it could not (for the crawl report).
        self.unreachable: str | None = None
        self.producer = producer
        if self.producer is None and connect:
            self.producer = connect_producer(settings)
        if self.producer is None:
            self._unreachable("kafka unreachable", settings.kafka_bootstrap or "")
        else:
            self.replay_spool()

    @property
    def sent(self) -> int:
        """Records acknowledged by Kafka in this process (replays included)."""
        return self.counts.acknowledged

    @property
    def settle_timeout(self) -> float:
        return self.settings.producer_delivery_timeout_ms / 1000 + 5.0

    # --- the Delivery protocol --------------------------------------------------------------

    def publish(self, article: Article) -> None:
        self._send(SpooledRecord(self.topics.raw, article.id, article.to_json()))

    def dead_letter(self, letter: DeadLetter) -> None:
        self._send(self._letter_record(letter, DEAD_LETTER_BUDGET))

    def settle(self) -> None:
        """Return once every record handed over so far has a known fate, on disk or in Kafka.

        Each is acknowledged, spooled (the spool fsynced) or dead-lettered, as at close: a
        send not acknowledged within the settle timeout gives the producer up and is
        spooled. Dead letters of refused records are sent (and settled) too. The Kafka crawl
        runs this before every commit of its crawl state, so a committed mark never names a
        record that a kill could still lose.
        """
        while self._pending:  # a refused record adds its dead letter: settle that one too
            self._settle(self.settle_timeout)
        self.spool.sync()

    def close(self) -> None:
        """Settle every outstanding send, replay the spool if Kafka is there, and close."""
        # settle(), not one _settle(): a record refused now adds its dead letter, which must
        # be settled (and counted) too, not left to the producer's close.
        self.settle()
        if self.producer is None and (self.counts.spooled or self.spool.pending()):
            self._reconnect(force=True)
        if self.producer is not None and self.spool.pending():
            self.replay_spool()
            self.settle()
        if self.producer is not None:
            close_producer(self.producer, timeout=10)
            self.producer = None
        self.spool.close()
        left = self.spool.pending()
        metrics.SPOOLED.set(left)
        if left:
            logger.warning("records wait in the spool", extra={"records": left, "dir": str(self.spool.directory)})

    # --- sending ----------------------------------------------------------------------------

    def _letter_record(self, letter: DeadLetter, budget: int) -> SpooledRecord:
        fitted = fit_dead_letter(letter, budget)
        return SpooledRecord(
            self.topics.dead_letter, letter.article_id or letter.source or "", fitted.model_dump_json()
        )

    def _send(self, record: SpooledRecord) -> None:
        producer = self._usable_producer()
        if producer is None:
            self._to_spool([record], "kafka unreachable")
            return
        try:
            future = producer.send(record.topic, key=record.key, value=record.value.encode("utf-8"))
        except KafkaError as exc:
            if record_refused(exc):
                self._refused(record, exc)
            else:
                self._to_spool([record], type(exc).__name__)
                self._give_up_producer(f"send failed: {exc}")
            return
        self._pending.append((future, record))
        self._since_reap += 1
        if len(self._pending) >= SETTLE_EVERY:
            self._settle(self.settle_timeout)
        elif self._since_reap >= REAP_EVERY:
            self._settle(0)

    def _settle(self, timeout: float) -> None:
        """Collect outstanding sends, waiting up to ``timeout`` s; spool or dead-letter the failures.

        With a timeout, sends still pending afterwards mean the producer stopped delivering:
        it is given up and those records are spooled.
        """
        self._since_reap = 0
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        sends = wait_for_sends([future for future, _ in pending], timeout)
        self.counts.acknowledged += len(sends.acked)
        metrics.RECORDS.labels(stage="publish", outcome="acknowledged").inc(len(sends.acked))
        retry: list[SpooledRecord] = []
        for index, exc in sends.failed:
            record = pending[index][1]
            if record_refused(exc):
                self._refused(record, exc)
            else:
                retry.append(record)
        if retry:
            self._to_spool(retry, f"not acknowledged: {type(sends.failed[0][1]).__name__}")
        still = [pending[index] for index in sends.pending]
        if still and (timeout > 0 or self.producer is None):
            self._give_up_producer(f"{len(still)} send(s) not acknowledged within {timeout:.0f} s")
            self._to_spool([record for _, record in still], "not acknowledged in time")
        else:
            self._pending.extend(still)

    def _to_spool(self, records: list[SpooledRecord], why: str) -> None:
        self.spool.extend(records)
        self.counts.spooled += len(records)
        metrics.RECORDS.labels(stage="publish", outcome="spooled").inc(len(records))
        metrics.SPOOLED.inc(len(records))
        logger.warning("records spooled", extra={"records": len(records), "why": why[:200]})

    def _refused(self, record: SpooledRecord, exc: BaseException) -> None:
        """Kafka will never take ``record``: dead-letter it with the reason (never retry it)."""
        reason = f"kafka refused the record: {exc}"
        if record.topic == self.topics.dead_letter:
            letter = DeadLetter.model_validate_json(record.value)
            if len(record.value.encode("utf-8")) > SMALL_DEAD_LETTER:
                self._send(self._letter_record(letter, SMALL_DEAD_LETTER))
                return
            # Even a small letter is refused: the broker's limits are wrong. Keep it where a
            # person finds it, and count it, rather than lose it or block the spool.
            self.counts.undeliverable += 1
            metrics.RECORDS.labels(stage="publish", outcome="undeliverable").inc()
            with (self.spool.directory / "undeliverable.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(record.value + "\n")
                handle.flush()
                os.fsync(handle.fileno())  # rare, and a crawl mark may be committed for it next
            logger.error("dead letter refused by kafka; kept on disk", extra={"key": record.key, "reason": reason})
            return
        self.counts.dead_lettered += 1
        metrics.RECORDS.labels(stage="publish", outcome="dead_letter").inc()
        logger.warning("kafka refused a record; dead-lettered", extra={"key": record.key, "reason": reason[:300]})
        letter = dead_letter("publish", reason, record.value, source=f"topic {record.topic}", article_id=record.key)
        self._send(self._letter_record(letter, DEAD_LETTER_BUDGET))

    # --- the producer's life ----------------------------------------------------------------

    def _unreachable(self, why: str, detail: str) -> None:
        self.unreachable = f"{why} ({detail})" if detail else why
        self._reconnect_at = time.monotonic() + self._reconnect_delay

    def _usable_producer(self) -> KafkaProducer | None:
        if self.producer is None and time.monotonic() >= self._reconnect_at:
            self._reconnect()
        return self.producer

    def _reconnect(self, force: bool = False) -> None:
        """One attempt to reach Kafka again; on failure the next waits longer (up to a minute)."""
        if self.producer is not None or (not force and time.monotonic() < self._reconnect_at):
            return
        try:
            # The producer first: it fails fastest when the broker is still down.
            self.producer = connect_producer(self.settings, attempts=1, bootstrap_timeout_ms=RECONNECT_BOOTSTRAP_MS)
            if self.producer is not None and self._prepare is not None:
                self._prepare()
        except KafkaError as exc:
            if not is_outage(exc):
                raise
            if self.producer is not None:
                close_producer(self.producer, timeout=1.0)
            self.producer = None
        if self.producer is None:
            self._unreachable("kafka unreachable", self.settings.kafka_bootstrap or "")
            self._reconnect_delay = min(RECONNECT_MAX_DELAY, self._reconnect_delay * 2)
            return
        logger.info("kafka reachable again", extra={"bootstrap": self.settings.kafka_bootstrap})
        self._reconnect_delay = RECONNECT_FIRST_DELAY

    def _give_up_producer(self, why: str) -> None:
        producer, self.producer = self.producer, None
        if producer is None:
            return
        logger.warning("kafka producer given up; records are spooled until kafka answers", extra={"why": why})
        close_producer(producer, timeout=2.0)  # its unacknowledged sends fail now
        self._unreachable("kafka stopped acknowledging", why)
        self._settle(0)

    # --- the spool --------------------------------------------------------------------------

    def replay_spool(self) -> int:
        """Send the spooled records; those Kafka refuses are dead-lettered, the undelivered stay."""
        if self.producer is None:
            return 0

        def send(records: list[SpooledRecord]) -> list[SpooledRecord]:
            producer = self.producer
            if producer is None:
                return records
            sent: list[tuple[Any, SpooledRecord]] = []
            left: list[SpooledRecord] = []
            for record in records:
                try:
                    sent.append(
                        (producer.send(record.topic, key=record.key, value=record.value.encode("utf-8")), record)
                    )
                except KafkaError as exc:
                    if record_refused(exc):
                        self._refused(record, exc)
                    else:
                        left.append(record)
            sends = wait_for_sends([future for future, _ in sent], self.settle_timeout)
            for index, error in sends.failed:
                if record_refused(error):
                    self._refused(sent[index][1], error)
                else:
                    left.append(sent[index][1])
            left += [sent[index][1] for index in sends.pending]
            if sends.pending:
                self._give_up_producer("spool replay not acknowledged in time")
            self.counts.acknowledged += len(sends.acked)
            self.counts.replayed += len(sends.acked)
            return left

        replayed = self.spool.replay(send)
        if replayed:
            metrics.SPOOLED.set(self.spool.pending())
            logger.info("spool replayed", extra={"records": replayed, "left": self.spool.pending()})
        return replayed

    def summary(self) -> str:
        """One line for the crawl report."""
        c = self.counts
        text = f"Kafka: {c.acknowledged} record(s) acknowledged"
        if c.replayed:
            text += f" ({c.replayed} from the spool)"
        if c.dead_lettered:
            text += f", {c.dead_lettered} refused by Kafka and dead-lettered"
        if c.undeliverable:
            text += f", {c.undeliverable} dead letter(s) refused too (kept in {self.spool.directory})"
        left = self.spool.pending()
        if left:
            text += (
                f"; {left} record(s) wait in the spool {self.spool.directory} because {self.unreachable or 'kafka'}:"
                " they are sent by the next run or `pantau spool replay`"
            )
        return text
