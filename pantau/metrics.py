"""Prometheus metrics, one registry for the process.

Every record that enters a stage leaves it under exactly one ``outcome`` label
(delivered, indexed, enriched, dead_letter, spooled, retried, ...), so failures are
counted where an operator will look, not only logged.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

logger = logging.getLogger(__name__)

RECORDS = Counter("pantau_records_total", "Records leaving a stage, by outcome.", ["stage", "outcome"])
BATCH_SECONDS = Histogram(
    "pantau_batch_seconds",
    "Time to process one consumer batch, side effect included.",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG = Gauge("pantau_consumer_lag", "Records behind the log end.", ["group", "topic", "partition"])
SPOOLED = Gauge("pantau_spooled_records", "Records waiting in the local spool for Kafka.")
ALERT_NOTICES = Counter(
    "pantau_alert_notices_total",
    "Stories matched by a subscription, by outcome (queued, digest, repeat: already notified).",
    ["outcome"],
)
ALERT_DELIVERIES = Counter(
    "pantau_alert_deliveries_total",
    "Delivery attempts by channel type and outcome (sent, failed).",
    ["channel", "outcome"],
)
ALERT_QUEUED = Gauge(
    "pantau_alert_queued",
    "Deliveries waiting for their channel, by subscription and channel type.",
    ["queue", "channel"],
)
ALERT_DELIVERY_SECONDS = Histogram(
    "pantau_alert_delivery_seconds",
    "From a delivery being queued to its channel acknowledging it.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
)

OUTAGES = Counter(
    "pantau_outages_total", "Times a stage found the engine it writes to unavailable and began waiting.", ["stage"]
)
OUTAGE_SECONDS = Histogram(
    "pantau_outage_seconds",
    "How long a stage waited for an unavailable engine before its side effect succeeded again.",
    ["stage"],
    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600),
)
COMMIT_FAILURES = Counter(
    "pantau_commit_failures_total", "Offset commits that failed and wait to be retried.", ["group"]
)
DEDUP_STATE_LAG = Gauge(
    "pantau_dedup_state_lag", "Signatures on the dedup-state topic not yet read by this enrich instance."
)


def serve(port: int | None) -> None:
    """Expose /metrics on ``port`` (no-op when unset)."""
    if port:
        start_http_server(port, addr="127.0.0.1")
        logger.info("metrics served", extra={"port": port})


# The crawler: every fetched article page ends under exactly one outcome (delivered,
# unchanged, dead_letter, failed); failed requests of any kind are counted by kind.
CRAWL_PAGES = Counter("pantau_crawl_pages_total", "Article pages fetched, by site and outcome.", ["site", "outcome"])
CRAWL_FAILURES = Counter(
    "pantau_crawl_failures_total",
    "Failed crawl requests, by site, kind (http_404, timeout, parse_error, ...) and resource (article, feed, ...).",
    ["site", "kind", "resource"],
)
CRAWL_SELECTOR_MISSES = Counter(
    "pantau_crawl_selector_misses_total",
    "Article pages where the site's own selectors for a field matched nothing (a fallback may have filled it).",
    ["site", "field"],
)
# Site health: the figures of `pantau sites health`, set from the crawl state.
SITE_LAST_SUCCESS = Gauge(
    "pantau_site_last_success_timestamp_seconds", "When the site was last crawled successfully.", ["site"]
)
SITE_ARTICLES = Gauge("pantau_site_articles", "New articles found, by window (24h, 7d).", ["site", "window"])
SITE_ERRORS = Gauge("pantau_site_errors", "Crawl errors in the last 24 hours, by kind.", ["site", "kind"])
SITE_STALE = Gauge("pantau_site_stale", "1 when a site that usually publishes has gone quiet.", ["site"])
