"""Site health: is each site still being crawled, still yielding articles, and failing how?

Computed from the crawl state (:mod:`pantau.crawlstate`) for ``pantau sites health`` and
exported as the ``pantau_site_*`` Prometheus gauges, so the table and the metrics are the
same figures. A site is *stale* when it usually publishes (at least one article every two
days over the previous four weeks) but nothing new was found within its
``stale_after`` window, or when it has not been crawled successfully within that window:
that is how a site whose selectors broke, or that moved, shows itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pantau import metrics
from pantau.crawlstate import CrawlState

BASELINE = timedelta(days=28)
#: Articles a day, over the baseline, above which silence is suspicious.
USUAL_MINIMUM_PER_DAY = 0.5


@dataclass(frozen=True)
class SiteHealth:
    site: str
    last_run: datetime | None
    last_success: datetime | None
    articles_24h: int
    articles_7d: int
    usual_per_day: float
    errors: dict[str, int] = field(default_factory=dict)
    stale_reason: str | None = None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.0f} h"


def site_health(state: CrawlState, site: str, stale_after: timedelta, now: datetime | None = None) -> SiteHealth:
    now = now or datetime.now(UTC)
    last_run = state.last_run(site)
    last_success = state.last_run(site, successful=True)
    recent = state.articles_between(site, now - stale_after, now + timedelta(days=1))
    baseline_days = (BASELINE - stale_after).total_seconds() / 86400
    usual = state.articles_between(site, now - BASELINE, now - stale_after) / baseline_days if baseline_days > 0 else 0
    reason = None
    if last_run is not None and last_success is None:
        reason = "never crawled successfully"
    elif last_success is not None and now - last_success > stale_after:
        reason = f"no successful crawl for {_hours(now - last_success)}"
    elif last_run is not None and usual >= USUAL_MINIMUM_PER_DAY and recent == 0:
        reason = f"no new article for {_hours(stale_after)} (usually {usual:.1f} a day)"
    return SiteHealth(
        site=site,
        last_run=last_run,
        last_success=last_success,
        articles_24h=state.articles_between(site, now - timedelta(hours=24), now + timedelta(days=1)),
        articles_7d=state.articles_between(site, now - timedelta(days=7), now + timedelta(days=1)),
        usual_per_day=round(usual, 2),
        errors=state.errors_since(site, now - timedelta(hours=24)),
        stale_reason=reason,
    )


def export(healths: Iterable[SiteHealth]) -> None:
    """Set the ``pantau_site_*`` gauges to these figures (error kinds no longer seen drop out)."""
    metrics.SITE_ERRORS.clear()
    for h in healths:
        if h.last_success is not None:
            metrics.SITE_LAST_SUCCESS.labels(site=h.site).set(h.last_success.timestamp())
        metrics.SITE_ARTICLES.labels(site=h.site, window="24h").set(h.articles_24h)
        metrics.SITE_ARTICLES.labels(site=h.site, window="7d").set(h.articles_7d)
        metrics.SITE_STALE.labels(site=h.site).set(1 if h.stale else 0)
        for kind, count in h.errors.items():
            metrics.SITE_ERRORS.labels(site=h.site, kind=kind).set(count)
