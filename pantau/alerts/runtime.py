"""Matching and sending in one process: what embedded mode and the alert consumer run."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from pantau.alerts.dispatch import Dispatcher
from pantau.alerts.engine import AlertEngine
from pantau.alerts.lock import OutboxLock
from pantau.alerts.rows import Recorded
from pantau.alerts.state import AlertState
from pantau.schema import Article

logger = logging.getLogger(__name__)


class AlertRuntime:
    """The engine (matching, recording) and the dispatcher (sending) over one outbox."""

    def __init__(self, state: AlertState, engine: AlertEngine, dispatcher: Dispatcher) -> None:
        self.state = state
        self.engine = engine
        self.dispatcher = dispatcher
        #: Held while this process sends from the outbox; released on close.
        self.lock: OutboxLock | None = None
        engine.on_queued = dispatcher.wake

    def ingest(self, articles: Sequence[Article], positions: Mapping[tuple[str, int], int] | None = None) -> Recorded:
        return self.engine.ingest(articles, positions)

    def start(self) -> None:
        self.dispatcher.start()

    def close(self, drain_timeout: float = 30.0) -> None:
        """Give queued notices ``drain_timeout`` seconds to go out; what is left stays queued for next time."""
        if self.dispatcher.running and not self.dispatcher.drain(drain_timeout):
            logger.warning(
                "alert deliveries still queued at exit; they are kept and retried next time",
                extra={"pending": self.state.pending()},
            )
        self.dispatcher.stop()
        self.state.close()
        if self.lock is not None:
            self.lock.release()
