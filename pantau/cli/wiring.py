"""Building the adapters a command needs from settings: delivery, search backend, engines.

Also how an engine failure reads for a person: :func:`engine_failure` turns "Kafka is
down", "Elasticsearch refused the password" and the like into one line, so a command
shows a traceback only for a real bug (or with ``--log-level DEBUG``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pantau.config import ConfigError, Settings
from pantau.delivery import Delivery

if TYPE_CHECKING:
    from pantau.crawlstate import CrawlState
    from pantau.search import SearchBackend
    from pipelines.kafka_delivery import KafkaDelivery

logger = logging.getLogger(__name__)


def require_distributed(settings: Settings, command: str) -> None:
    if settings.mode != "kafka":
        raise ConfigError(
            f"pantau {command} needs kafka_bootstrap and elasticsearch_url "
            "(PANTAU_KAFKA_BOOTSTRAP, PANTAU_ELASTICSEARCH_URL)"
        )


def ensure_engines(settings: Settings) -> None:
    """Topics and index in place (idempotent)."""
    from infra.search_index import connect, ensure_index
    from infra.topics import ensure_topics

    ensure_topics(settings)
    ensure_index(connect(settings), settings.index_alias)


def kafka_delivery(settings: Settings) -> KafkaDelivery:
    """The crawler's Kafka delivery; with Kafka unreachable it spools (and keeps trying to reconnect)."""
    from infra.kafka_clients import is_outage
    from infra.topics import ensure_topics
    from pipelines.kafka_delivery import KafkaDelivery

    def prepare() -> None:
        # Short: with Kafka down the crawl should start spooling, not wait.
        ensure_topics(settings, bootstrap_timeout_ms=5_000)

    try:
        prepare()
    except Exception as exc:
        if not is_outage(exc):
            raise
        logger.warning(
            "kafka unreachable: records go to the local spool until it answers",
            extra={"bootstrap": settings.kafka_bootstrap, "spool": str(settings.spool_dir), "error": str(exc)[:200]},
        )
        return KafkaDelivery(settings, connect=False, prepare=prepare)
    return KafkaDelivery(settings, prepare=prepare)


def delivery(settings: Settings) -> Delivery:
    """Where the crawler's articles go: Kafka in distributed mode, the embedded store otherwise.

    The crawler needs only Kafka (the index consumer prepares Elasticsearch), so a crawl
    runs, into the spool if need be, whatever state Elasticsearch is in.
    """
    if settings.mode == "kafka":
        return kafka_delivery(settings)
    from pantau.cli.alerts import embedded_alert_hooks
    from pantau.embedded import EmbeddedDelivery

    return EmbeddedDelivery(
        settings.store_path,
        settings.spool_dir,
        worker=settings.embedded_worker,
        on_enriched=embedded_alert_hooks(settings),
    )


def crawl_state(settings: Settings, delivery: Delivery) -> CrawlState | None:
    """The crawl state a crawl delivering to ``delivery`` must use; ``None``: the data dir's, as it is.

    A Kafka crawl commits a mark only after every record handed over before it has a known
    fate (:meth:`~pipelines.kafka_delivery.KafkaDelivery.settle`: acknowledged, spooled and
    fsynced, or dead-lettered), so a kill never leaves a committed mark for a record still in
    the producer's buffer. Embedded mode needs no hook: :mod:`pantau.reconcile` compares
    the marks with the store before each crawl.
    """
    if settings.mode != "kafka":  # (and kafka-python, ~0.3 s to import, is not needed)
        return None
    from pantau.crawlstate import CrawlState
    from pipelines.kafka_delivery import SETTLED_COMMIT_EVERY, KafkaDelivery

    if not isinstance(delivery, KafkaDelivery):
        return None

    return CrawlState.in_data_dir(settings.data_dir, before_commit=delivery.settle, commit_every=SETTLED_COMMIT_EVERY)


def search_backend(settings: Settings) -> SearchBackend:
    """Elasticsearch (through the alias) in distributed mode, the embedded store otherwise."""
    from pantau.search import StoreSearch
    from pantau.store import Store

    if settings.mode == "kafka":
        from infra.search_backend import ElasticsearchSearch
        from infra.search_index import connect

        return ElasticsearchSearch(connect(settings), settings.index_alias)
    return StoreSearch(Store(settings.store_path))


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def engine_failure(exc: BaseException, settings: Settings) -> str | None:
    """One line saying which engine failed and how, or ``None`` if ``exc`` is not an engine failure."""
    module = type(exc).__module__
    if module.startswith("kafka"):
        return _kafka_failure(exc, settings)
    if module.startswith(("elasticsearch", "elastic_transport")):
        return _elasticsearch_failure(exc, settings)
    return None


def _kafka_failure(exc: BaseException, settings: Settings) -> str | None:
    from kafka.errors import AuthorizationError, FencedInstanceIdError, KafkaError, SaslAuthenticationFailedError

    where = f"Kafka at {settings.kafka_bootstrap}"
    if isinstance(exc, FencedInstanceIdError):
        return (
            f"another consumer joined with the same PANTAU_CONSUMER_INSTANCE_ID ({settings.consumer_instance_id}); "
            "each process needs its own"
        )
    if isinstance(exc, SaslAuthenticationFailedError):
        return f"{where} refused the credentials (PANTAU_KAFKA_SASL_USERNAME/_PASSWORD): {_short(exc)}"
    if isinstance(exc, AuthorizationError):
        return f"{where} denied access: {_short(exc)}"
    if isinstance(exc, KafkaError) and exc.retriable:
        return f"{where} is unreachable or unavailable ({_short(exc)}); is it running? (`pantau stack status`)"
    return None


def _elasticsearch_failure(exc: BaseException, settings: Settings) -> str | None:
    from elastic_transport import ApiError as TransportApiError
    from elastic_transport import ConnectionError as TransportConnectionError
    from elastic_transport import ConnectionTimeout, TlsError
    from elasticsearch import ApiError

    where = f"Elasticsearch at {settings.elasticsearch_url}"
    if isinstance(exc, TlsError):
        return f"{where}: TLS failed ({_short(exc)}); set PANTAU_ELASTICSEARCH_CA_CERTS to the cluster's CA"
    if isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return f"{where} is unreachable ({_short(exc)}); is it running? (`pantau stack status`)"
    if isinstance(exc, ApiError | TransportApiError):
        status = exc.meta.status
        if status == 401:
            return (
                f"{where} refused the credentials (401); check PANTAU_ELASTICSEARCH_USERNAME/_PASSWORD "
                "or PANTAU_ELASTICSEARCH_API_KEY"
            )
        if status == 403:
            return f"{where} denied the request (403): the user lacks a privilege ({_short(exc)})"
        if status in (408, 429) or status >= 500:
            return f"{where} is unavailable ({status}: {_short(exc)})"
    return None
