"""The index stage: bulk-upsert enriched articles into Elasticsearch under the alias.

``_id`` is the article id, so replaying a topic rewrites the same documents and the count
stays put. A document Elasticsearch rejects for its content (a mapping conflict) is
dead-lettered. Throttling, unavailability, a node that cannot be reached (TLS included)
and refused credentials (401/403, e.g. rotated passwords) are outages: retried until they
pass, never dead-lettered, since they say nothing about the documents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import ClassVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch

from consumers.worker import Envelope, Rejected
from pantau import metrics
from pantau.documents import document_json

logger = logging.getLogger(__name__)


class ClusterUnavailable(Exception):
    """Elasticsearch answered 429 or 5xx for part of a bulk request."""


class ClusterRefused(Exception):
    """Elasticsearch refused our credentials or their rights (401/403): an operator must act, records wait."""


# Statuses that describe the cluster's state or our access to it, not the document.
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
_AUTH_STATUSES = {401, 403}


class IndexStage:
    name: ClassVar[str] = "index"
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (
        TransportConnectionError,
        ConnectionTimeout,
        ClusterUnavailable,
        ClusterRefused,
    )

    def __init__(self, es: Elasticsearch, alias: str, refresh: bool = False, refresh_below: int = 100) -> None:
        self.es = es
        self.alias = alias
        self.refresh = refresh
        #: A batch smaller than this means the stage has caught up with the topic: the
        #: bulk then refreshes the index, so the articles are searchable at once rather than
        #: at the next refresh interval (up to a second later). Full batches (a backlog)
        #: leave refreshing to the interval, which is cheaper per document.
        self.refresh_below = refresh_below
        # The bulk body is built here as bytes (the client passes bytes through untouched):
        # its own json.dumps of each document cost 0.15 ms of the stage's ~0.9 ms an article.
        self._action_head = b'{"index":{"_index":' + json.dumps(alias).encode() + b',"_id":"'

    def process(self, batch: Sequence[Envelope]) -> list[Rejected]:
        # Several copies of one article in a batch: the last one wins, as it would in order.
        latest: dict[str, Envelope] = {}
        for envelope in batch:
            latest[envelope.article.id] = envelope
        lines: list[bytes] = []
        for envelope in latest.values():
            # The id is 32 hex digits (the contract checks), so it needs no JSON escaping.
            lines.append(self._action_head + envelope.article.id.encode() + b'"}}')
            lines.append(document_json(envelope.article))
        lines.append(b"")
        try:
            refresh = self.refresh or len(latest) < self.refresh_below
            # NDJSON bytes are sent as they are; the client's type says "mappings" only.
            response = self.es.bulk(operations=b"\n".join(lines), refresh=refresh)  # type: ignore[arg-type]
        except ApiError as exc:
            if exc.meta.status in _AUTH_STATUSES:
                raise ClusterRefused(f"bulk request: {exc.meta.status} {exc.message}") from exc
            if exc.meta.status in _RETRY_STATUSES:
                raise ClusterUnavailable(f"bulk request: {exc.meta.status}") from exc
            raise
        rejected: list[Rejected] = []
        retry = 0
        refused = 0
        envelopes = list(latest.values())
        for envelope, item in zip(envelopes, response["items"], strict=True):
            result = item["index"]
            status = result.get("status", 500)
            if status < 300:
                metrics.RECORDS.labels(stage=self.name, outcome="indexed").inc()
            elif status in _AUTH_STATUSES:
                refused += 1
            elif status in _RETRY_STATUSES:
                retry += 1
            else:
                error = result.get("error", {})
                reason = f"elasticsearch {status} {error.get('type')}: {error.get('reason')}"
                rejected.append(Rejected(envelope, reason))
        if refused:
            raise ClusterRefused(f"{refused} of {len(envelopes)} bulk items refused (401/403)")
        if retry:
            # Re-sending the successful ones too is harmless: same ids, same documents.
            raise ClusterUnavailable(f"{retry} of {len(envelopes)} bulk items throttled or failed")
        return rejected
