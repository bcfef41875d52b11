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
