"""Embedded mode: every stage in one process, stored in SQLite.

The crawler's deliver pipeline hands articles here instead of to Kafka; they go through
the same :class:`~pantau.enrich.stage.Enricher` the Kafka consumer uses, then into the
store. Dead letters land in the store's ``dead_letters`` table.
"""

from __future__ import annotations

import logging

from pantau import metrics
from pantau.alerts.runtime import AlertRuntime
from pantau.enrich.stage import Enricher
from pantau.schema import Article, DeadLetter
from pantau.store import Store

logger = logging.getLogger(__name__)


class EmbeddedDelivery:
    def __init__(self, store: Store, alerts: AlertRuntime | None = None) -> None:
        self.store = store
        self.alerts = alerts
        self.enricher = Enricher()
        restored = self.enricher.restore(store.signatures())
        logger.info("dedup state restored", extra={"signatures": restored, "store": str(store.path)})
        self.published = 0

    def publish(self, article: Article) -> None:
        enriched, signature = self.enricher.enrich(article)
        if self.alerts is not None:
            # Before the store write: a crash in between leaves the page unstored, so the next
            # crawl brings it again, and the outbox's (subscription, story) key keeps it one notice.
            self.alerts.ingest([enriched])
        self.store.save_signature(article.id, signature.to_dict())
        self.store.upsert(enriched)
        self.published += 1
        metrics.RECORDS.labels(stage="enrich", outcome="ok").inc()
        metrics.RECORDS.labels(stage="index", outcome="indexed").inc()

    def dead_letter(self, letter: DeadLetter) -> None:
        self.store.add_dead_letter(letter)
        metrics.RECORDS.labels(stage=letter.stage, outcome="dead_letter").inc()

    def close(self) -> None:
        """Nothing buffered: every write above is committed when it returns. Queued alerts get a moment to go out."""
        if self.alerts is not None:
            self.alerts.close()
