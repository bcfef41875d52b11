"""Building the adapters a command needs from settings: delivery, search backend, engines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pantau.config import ConfigError, Settings
from pantau.delivery import Delivery

if TYPE_CHECKING:
    from pantau.search import SearchBackend


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


def delivery(settings: Settings) -> Delivery:
    """Where the crawler's articles go: Kafka in distributed mode, the embedded store otherwise."""
    if settings.mode == "kafka":
        from pipelines.kafka_delivery import KafkaDelivery

        ensure_engines(settings)
        return KafkaDelivery(settings)
    from pantau.cli.alerts import embedded_alert_hooks
    from pantau.embedded import EmbeddedDelivery

    return EmbeddedDelivery(
        settings.store_path,
        settings.spool_dir,
        worker=settings.embedded_worker,
        on_enriched=embedded_alert_hooks(settings),
    )


def search_backend(settings: Settings) -> SearchBackend:
    """Elasticsearch (through the alias) in distributed mode, the embedded store otherwise."""
    from pantau.search import StoreSearch
    from pantau.store import Store

    if settings.mode == "kafka":
        from infra.search_backend import ElasticsearchSearch
        from infra.search_index import connect

        return ElasticsearchSearch(connect(settings), settings.index_alias)
    return StoreSearch(Store(settings.store_path))
