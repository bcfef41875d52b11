"""The Elasticsearch index: template, first index and alias, created idempotently.

Readers and writers only ever use the alias, so a mapping change is a new index
(``<alias>-v2``), a reindex, and an alias swap, with no client changes.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from pantau.config import Settings

logger = logging.getLogger(__name__)

INDEX_GENERATION = 1


@cache
def _template_text() -> str:
    return resources.files("infra").joinpath("elasticsearch/articles-template.json").read_text(encoding="utf-8")


def index_template(alias: str) -> dict[str, Any]:
    """The composable index template for ``alias``, with its explicit mapping."""
    body: dict[str, Any] = json.loads(_template_text().replace("__ALIAS__", alias))
    return body


def article_mapping(alias: str) -> dict[str, Any]:
    mapping: dict[str, Any] = index_template(alias)["template"]["mappings"]
    return mapping


def index_name(alias: str) -> str:
    return f"{alias}-v{INDEX_GENERATION}"


def connect(settings: Settings, request_timeout: float = 30.0, max_retries: int = 3) -> Elasticsearch:
    """An Elasticsearch client from settings (URL, and basic auth or an API key if set).

    Every request gives up after ``request_timeout`` seconds and ``max_retries`` retries;
    a consumer that does its own outage handling passes ``max_retries=0`` so that a node
    that is down is reported at once rather than after several silent attempts.
    """
    assert settings.elasticsearch_url, "connect needs elasticsearch_url"
    kwargs: dict[str, Any] = {
        "request_timeout": request_timeout,
        "retry_on_timeout": max_retries > 0,
        "max_retries": max_retries,
    }
    if settings.elasticsearch_api_key:
        kwargs["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    elif settings.elasticsearch_username and settings.elasticsearch_password:
        kwargs["basic_auth"] = (settings.elasticsearch_username, settings.elasticsearch_password.get_secret_value())
    if settings.elasticsearch_ca_certs:
        kwargs["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(settings.elasticsearch_url, **kwargs)


def ensure_index(es: Elasticsearch, alias: str) -> str:
    """Install the template and make sure ``alias`` points at an index. Returns the index name."""
    template = index_template(alias)
    es.indices.put_index_template(
        name=alias,
        index_patterns=template["index_patterns"],
        template=template["template"],
        priority=template["priority"],
    )
    if es.indices.exists_alias(name=alias):
        return str(next(iter(es.indices.get_alias(name=alias).body)))
    name = index_name(alias)
    if not es.indices.exists(index=name):
        try:
            es.indices.create(index=name, aliases={alias: {"is_write_index": True}})
            logger.info("index created", extra={"index": name, "alias": alias})
            return name
        except BadRequestError as exc:
            # Another process (a second consumer starting at the same moment) created it first.
            if exc.message != "resource_already_exists_exception":
                raise
    es.indices.put_alias(index=name, name=alias, is_write_index=True)
    return name
