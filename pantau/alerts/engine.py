"""Matching a batch of enriched articles and recording it: the same in Kafka and embedded mode.

:meth:`AlertEngine.ingest` matches every article against every subscription (pure, in
:mod:`pantau.alerts.matcher`) and records the new notices, the outlets seen and the input
position in one transaction (:meth:`pantau.alerts.state.AlertState.record`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from pantau import metrics
from pantau.alerts.matcher import Matcher
from pantau.alerts.notice import Notice
from pantau.alerts.rows import ChannelRef, NewNotice, Recorded, SeenOutlet
from pantau.alerts.state import AlertState
from pantau.alerts.subscriptions import Subscription, channel_key
from pantau.schema import Article

logger = logging.getLogger(__name__)


class SubscriptionSource(Protocol):
    def current(self) -> list[Subscription]:
        """The subscriptions in force now (the same list object while nothing changed)."""


class FixedSubscriptions:
    """A set of subscriptions that never changes (tests, ``alerts test``)."""

    def __init__(self, subscriptions: Sequence[Subscription]) -> None:
        self._subscriptions = list(subscriptions)

    def current(self) -> list[Subscription]:
        return self._subscriptions


def channel_refs(subscription: Subscription) -> tuple[ChannelRef, ...]:
    return tuple(
        ChannelRef(key=channel_key(c), type=c.type, label=c.label, config=c.model_dump_json())
        for c in subscription.channels
    )


class AlertEngine:
    """Matches batches of enriched articles and records the notices they make."""

    def __init__(
        self,
        state: AlertState,
        subscriptions: SubscriptionSource,
        default_timezone: str = "Asia/Jakarta",
        clock: Callable[[], float] = time.time,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.state = state
        self.subscriptions = subscriptions
        self.default_timezone = default_timezone
        self.clock = clock
        self.on_queued = on_queued
        self._source: list[Subscription] | None = None
        self._matcher = Matcher([])

    @property
    def matcher(self) -> Matcher:
        current = self.subscriptions.current()
        if current is not self._source:
            self._matcher = Matcher(current)
            self._source = current
        return self._matcher

    def notices_for(self, article: Article, moment: datetime) -> list[NewNotice]:
        """The notices ``article`` makes, before the outbox decides which are new."""
        out = []
        for match in self.matcher.match(article):
            sub = match.subscription
            schedule = sub.schedule(self.default_timezone)
            out.append(
                NewNotice(
                    notice=Notice.of(sub.name, article, list(match.terms)),
                    owner=sub.owner,
                    timezone=sub.zone_name(self.default_timezone),
                    channels=channel_refs(sub),
                    period=schedule.period(moment) if schedule else None,
                )
            )
        return out

    def ingest(self, articles: Sequence[Article], positions: Mapping[tuple[str, int], int] | None = None) -> Recorded:
        """Match ``articles`` and record the result with the input ``positions``, in one transaction."""
        now = self.clock()
        moment = datetime.fromtimestamp(now, UTC)
        notices: list[NewNotice] = []
        outlets: list[SeenOutlet] = []
        for article in articles:
            if article.enrichment is None:
                continue  # the enriched topic carries only enriched articles; nothing to match on
            notices += self.notices_for(article, moment)
            outlets.append(
                SeenOutlet(
                    cluster_id=article.enrichment.dedup.cluster_id,
                    article_id=article.id,
                    site=article.site,
                    url=article.canonical_url,
                    title=article.title,
                )
            )
        recorded = self.state.record(notices, outlets, positions, now)
        metrics.ALERT_NOTICES.labels(outcome="queued").inc(recorded.queued)
        metrics.ALERT_NOTICES.labels(outcome="digest").inc(recorded.digested)
        metrics.ALERT_NOTICES.labels(outcome="repeat").inc(recorded.repeated)
        if recorded.queued or recorded.digested:
            logger.info(
                "notices recorded",
                extra={"articles": len(articles), "queued": recorded.queued, "digest": recorded.digested},
            )
        if recorded.queued and self.on_queued is not None:
            self.on_queued()
        return recorded
