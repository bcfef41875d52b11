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


def serve(port: int | None) -> None:
    """Expose /metrics on ``port`` (no-op when unset)."""
    if port:
        start_http_server(port, addr="127.0.0.1")
        logger.info("metrics served", extra={"port": port})
