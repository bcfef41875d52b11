"""Delivering queued messages: one queue per subscription and channel, retried with backoff.

Each queue has its own thread, so a channel that is slow or down never holds up another
channel or subscription. A failed delivery is retried with exponential backoff (capped by
``alerts_retry_max_seconds``) for as long as it takes; its queue also waits before its
next attempt, so a target that is down is not hammered, while one bad message goes to the
back of its queue and does not block the messages behind it. A message is marked sent only
after the channel acknowledged it, so delivery is at least once; the delivery id travels
with it as the idempotency key. Closed digest periods are turned into deliveries here too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from pantau import metrics
from pantau.alerts.notice import Message
from pantau.alerts.rows import Delivery
from pantau.alerts.state import AlertState

logger = logging.getLogger(__name__)

#: Shown in place of a secret wherever an error message might carry one.
REDACTED = "**********"


class DeliveryFailed(Exception):
    """A channel could not deliver; ``reason`` holds no secret. ``retry_after`` is the target's own hint."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Channel(Protocol):
    """A channel adapter (``channels`` package): sends one message to one configured target."""

    def send(self, message: Message, config: str) -> None:
        """Deliver ``message`` to the target in ``config`` (the channel's JSON); raise :class:`DeliveryFailed`."""


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def backoff(attempt: int, cap: float, base: float = 1.0) -> float:
    """Seconds before retry number ``attempt`` (1, 2, 4, 8, ... capped)."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


class Dispatcher:
    """Sends what the outbox holds through the channel adapters."""

    def __init__(
        self,
        state: AlertState,
        channels: Mapping[str, Channel],
        retry_max_seconds: float = 900.0,
        clock: Callable[[], float] = time.time,
        secrets: Sequence[str] = (),
        base_delay: float = 1.0,
    ) -> None:
        self.state = state
        self.channels = dict(channels)
        self.retry_max_seconds = retry_max_seconds
        self.clock = clock
        self.secrets = [s for s in secrets if s]
        self.base_delay = base_delay
        self._cond = threading.Condition()
        self._generation = 0
        self._stopping = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._supervisor: threading.Thread | None = None
        #: Consecutive failures per queue (resets on a success).
        self._failures: dict[str, int] = {}

    # --- one attempt -------------------------------------------------------------------------

    def attempt(self, delivery: Delivery) -> bool:
        """Send one delivery and record the outcome; True when the channel acknowledged it."""
        now = self.clock()
        channel = self.channels.get(delivery.channel_type)
        try:
            if channel is None:
                raise DeliveryFailed(f"no {delivery.channel_type} channel is configured in this process")
            channel.send(self.state.message(delivery), delivery.channel)
        except DeliveryFailed as exc:
            self._failed(delivery, redact(exc.reason, self.secrets), exc.retry_after, now)
            return False
        except Exception as exc:  # a bug in an adapter must not stop the queue or lose the message
            reason = redact(f"{type(exc).__name__}: {exc}", self.secrets)
            self._failed(delivery, reason, None, now)
            return False
        done = self.clock()
        self.state.mark_sent(delivery.id, done)
        self._failures.pop(delivery.queue, None)
        self._count(delivery, "sent")
        metrics.ALERT_DELIVERY_SECONDS.labels(channel=delivery.channel_type).observe(
            max(0.0, done - delivery.created_at)
        )
        logger.info(
            "alert delivered",
            extra={
                "subscription": delivery.subscription,
                "channel": delivery.channel_label,
                "delivery_id": delivery.id,
                "kind": delivery.kind,
                "attempt": delivery.attempts + 1,
            },
        )
        return True

    def _count(self, delivery: Delivery, outcome: str) -> None:
        metrics.ALERT_DELIVERIES.labels(channel=delivery.channel_type, outcome=outcome).inc()
        queued = self.state.queued_in(delivery.queue)
        metrics.ALERT_QUEUED.labels(queue=delivery.queue, channel=delivery.channel_type).set(queued)

    def _failed(self, delivery: Delivery, reason: str, retry_after: float | None, now: float) -> None:
        delay = backoff(delivery.attempts + 1, self.retry_max_seconds, self.base_delay)
        if retry_after is not None:
            delay = min(self.retry_max_seconds, max(delay, retry_after))
        attempts = self.state.mark_failed(delivery.id, reason, now + delay, now)
        self._failures[delivery.queue] = self._failures.get(delivery.queue, 0) + 1
        self._count(delivery, "failed")
        logger.warning(
            "alert delivery failed, will retry",
            extra={
                "subscription": delivery.subscription,
                "channel": delivery.channel_label,
                "delivery_id": delivery.id,
                "attempts": attempts,
                "retry_in_s": round(delay, 1),
                "error": reason,
            },
        )

    # --- synchronous passes (tests, `pantau alerts deliver --once`) ---------------------------------

    def run_pending(self, now: float | None = None) -> tuple[int, int]:
        """Close due digests, then try every due delivery once. Returns (sent, failed)."""
        moment = self.clock() if now is None else now
        self.state.flush_digests(moment)
        sent = failed = 0
        for queue in self.state.queues():
            tried: set[str] = set()
            while (delivery := self.state.next_due(queue, moment)) is not None and delivery.id not in tried:
                tried.add(delivery.id)
                if self.attempt(delivery):
                    sent += 1
                else:
                    failed += 1
        return sent, failed

    # --- threads --------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something new was queued: look now rather than at the next tick."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def _wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self._generation == seen and not self._stopping.is_set():
                self._cond.wait(max(0.0, timeout))

    @property
    def running(self) -> bool:
        return self._supervisor is not None and not self._stopping.is_set()

    def start(self) -> None:
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, name="alerts-dispatch", daemon=True)
            self._supervisor.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.wake()
        threads = [t for t in (self._supervisor, *self._threads.values()) if t is not None]
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued (True), or until ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state.pending() == 0:
                return True
            self.wake()
            time.sleep(0.05)
        return self.state.pending() == 0

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            seen = self._generation
            try:
                now = self.clock()
                if self.state.flush_digests(now):
                    self.wake()
                for queue in self.state.queues():
                    thread = self._threads.get(queue)
                    if thread is None or not thread.is_alive():
                        thread = threading.Thread(
                            target=self._serve, args=(queue,), name=f"alerts {queue}", daemon=True
                        )
                        self._threads[queue] = thread
                        thread.start()
                next_digest = self.state.next_digest_at()
                timeout = 1.0 if next_digest is None else min(1.0, next_digest - now)
            except Exception:
                logger.exception("alert dispatcher pass failed; trying again")
                timeout = 1.0
            self._wait(seen, timeout)

    def _serve(self, queue: str) -> None:
        """One queue's loop: send what is due, wait after a failure, sleep until the next is due."""
        while not self._stopping.is_set():
            seen = self._generation
            now = self.clock()
            delivery = self.state.next_due(queue, now)
            if delivery is None:
                upcoming = self.state.next_attempt_at(queue)
                if upcoming is None:
                    return  # empty: the supervisor starts a new thread when work arrives
                self._wait(seen, min(1.0, upcoming - now))
                continue
            if not self.attempt(delivery):
                # The whole queue waits, so a target that is down is not hammered.
                pause = backoff(self._failures.get(queue, 1), self.retry_max_seconds, self.base_delay)
                self._stopping.wait(pause)
