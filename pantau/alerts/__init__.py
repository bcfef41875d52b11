"""Alerts: subscriptions matched on the enriched stream, one notice per story, never lost.

The core of the feature, with no network I/O of its own:

- :mod:`~pantau.alerts.subscriptions`: the YAML subscription files, validated with errors
  that name the file and the field;
- :mod:`~pantau.alerts.matcher`: a subscription against an enriched article (regions,
  the search query language, sites, relevance, labels), with the terms that fired;
- :mod:`~pantau.alerts.notice`: what a notice carries, and :mod:`~pantau.alerts.render`
  its text, HTML, Telegram and JSON forms;
- :mod:`~pantau.alerts.schedule`: digest periods (hourly, or daily at a local time);
- :mod:`~pantau.alerts.state`: the durable outbox in SQLite (stories notified, queued
  deliveries, digest items, the consumer's input position), written in one transaction
  per batch;
- :mod:`~pantau.alerts.engine`: matching a batch and recording it;
- :mod:`~pantau.alerts.dispatch`: per-channel queues with retries and backoff, driving the
  channel adapters (the ``channels`` package) through the :class:`~pantau.alerts.dispatch.Channel`
  protocol.
"""
