"""The Elasticsearch index: template, versioned indices behind one alias, and migration.

Readers and writers only ever use the alias; behind it is ``<alias>-v<N>``. A mapping
change (a new generation of ``articles-template.json``) is applied by :func:`migrate`:
a new ``<alias>-v<N+1>`` is created from the template, every document is copied through
the client (the node here has no reindex module) and rebuilt on the way with the current
derived fields, the alias is swapped in one atomic request, and documents written through
the alias while the copy ran are copied after the swap. Searches through the alias see
every document at every moment.

Settings for one small node (``articles-template.json``): one shard, no replicas (there
is no second node to hold them; ``auto_expand_replicas`` off so none is ever waited for),
and ``refresh_interval: 1s``, so an indexed article is searchable within about a second.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, helpers

from pantau.config import Settings
from pantau.documents import from_document, to_document

logger = logging.getLogger(__name__)

#: Writes up to this long before the copy started are checked again after the swap: the
#: index stage stamps ``indexed_at`` when it builds a document, a little before it lands.
_CATCH_UP_MARGIN = timedelta(minutes=2)


class MigrationError(RuntimeError):
    """A migration that cannot start or finish; the message says why and what is left."""


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


def mapping_generation(alias: str) -> int:
    """The generation of the mapping this code writes (``_meta.generation`` in the template)."""
    return int(article_mapping(alias)["_meta"]["generation"])


def index_name(alias: str, version: int = 1) -> str:
    return f"{alias}-v{version}"


def _versions(es: Elasticsearch, alias: str) -> dict[str, int]:
    """Existing ``<alias>-v<N>`` indices and their N."""
    pattern = re.compile(rf"^{re.escape(alias)}-v(\d+)$")
    names = es.indices.get(index=f"{alias}-v*", allow_no_indices=True, expand_wildcards="all").body
    return {name: int(m.group(1)) for name in names if (m := pattern.match(name))}


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
    current = current_index(es, alias)
    if current:
        return current
    name = index_name(alias, max(_versions(es, alias).values(), default=0) or 1)
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


def current_index(es: Elasticsearch, alias: str) -> str | None:
    """The index the alias writes to (and reads from), or None when there is no alias yet."""
    if not es.indices.exists_alias(name=alias):
        return None
    indices = es.indices.get_alias(name=alias).body
    for name, spec in indices.items():
        if spec.get("aliases", {}).get(alias, {}).get("is_write_index"):
            return str(name)
    return str(sorted(indices)[-1])


@dataclass(frozen=True)
class IndexStatus:
    alias: str
    index: str | None
    documents: int
    #: ``_meta.generation`` of the live mapping (0 when it has none: the first layout).
    live_generation: int
    code_generation: int

    @property
    def needs_migration(self) -> bool:
        return self.index is not None and self.live_generation < self.code_generation


def index_status(es: Elasticsearch, alias: str) -> IndexStatus:
    """Which index the alias points at, how many documents it holds, and whether its mapping is current."""
    index = current_index(es, alias)
    generation, documents = 0, 0
    if index:
        mapping = es.indices.get_mapping(index=index).body[index]["mappings"]
        generation = int(mapping.get("_meta", {}).get("generation", 0))
        documents = int(es.count(index=index)["count"])
    return IndexStatus(alias, index, documents, generation, mapping_generation(alias))


@dataclass(frozen=True)
class MigrationReport:
    source: str
    target: str
    copied: int
    caught_up: int
    failed: list[str]
    seconds: float
    deleted_source: bool


def _rebuilt(hits: Iterable[dict[str, Any]], target: str, failed: list[str]) -> Iterator[dict[str, Any]]:
    """Bulk actions for ``target``: each stored article rebuilt with the current derived fields."""
    for hit in hits:
        source = hit["_source"]
        try:
            article = from_document(source)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            # Left in the old index (which is then kept), named in the report; never dropped silently.
            failed.append(f"{hit['_id']}: {exc}".splitlines()[0])
            continue
        indexed_at = source.get("indexed_at")
        when = datetime.fromisoformat(indexed_at) if indexed_at else None
        yield {"_index": target, "_id": hit["_id"], "_source": to_document(article, indexed_at=when)}


def _copy(
    es: Elasticsearch,
    source: str,
    target: str,
    query: dict[str, Any],
    failed: list[str],
    batch: int,
    progress: Callable[[int], None] | None,
) -> int:
    copied = 0
    hits = helpers.scan(es, index=source, query={"query": query}, size=batch, preserve_order=False)
    for ok, item in helpers.streaming_bulk(
        es, _rebuilt(hits, target, failed), chunk_size=batch, raise_on_error=False, max_retries=3
    ):
        if ok:
            copied += 1
            if progress and copied % batch == 0:
                progress(copied)
        else:
            result = item.get("index", {})
            failed.append(f"{result.get('_id')}: {result.get('error')}")
    return copied


def _newer_in_source(es: Elasticsearch, source: str, target: str, since: datetime, failed: list[str]) -> int:
    """Copy documents written to ``source`` since ``since`` unless ``target`` already holds a newer one."""
    query = {"range": {"indexed_at": {"gte": since.isoformat()}}}
    recent = list(helpers.scan(es, index=source, query={"query": query}, size=500))
    if not recent:
        return 0
    found = es.mget(index=target, ids=[h["_id"] for h in recent], source_includes=["indexed_at"])["docs"]
    in_target = {d["_id"]: d["_source"].get("indexed_at", "") for d in found if d.get("found")}
    stale = [
        h
        for h in recent
        if h["_id"] not in in_target
        or datetime.fromisoformat(in_target[h["_id"]]) < datetime.fromisoformat(h["_source"]["indexed_at"])
    ]
    if not stale:
        return 0
    ok, errors = helpers.bulk(es, _rebuilt(iter(stale), target, failed), raise_on_error=False)
    failed.extend(str(e) for e in errors)  # type: ignore[union-attr]
    return ok


def migrate(
    es: Elasticsearch,
    alias: str,
    *,
    delete_old: bool = False,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
    before_swap: Callable[[str, str], None] | None = None,
) -> MigrationReport:
    """Move the alias to a new ``<alias>-v<N+1>`` built from the current template (see the module doc).

    ``before_swap(source, target)`` runs after the copy, just before the alias moves (tests
    use it to write through the alias at the worst moment).
    """
    started = time.monotonic()
    source = current_index(es, alias)
    if source is None:
        raise MigrationError(f"no alias {alias!r} to migrate: run `pantau setup` first")
    ensure_index(es, alias)  # the current template, so the new index gets the current mapping
    target = index_name(alias, max(_versions(es, alias).values(), default=0) + 1)
    settings = index_template(alias)["template"]["settings"]
    # No refreshes while copying (nothing searches the new index yet); one at the end.
    es.indices.create(index=target, settings={"refresh_interval": "-1"})
    logger.info("migration started", extra={"alias": alias, "source": source, "target": target})
    copy_started = datetime.now(UTC)
    failed: list[str] = []
    copied = _copy(es, source, target, {"match_all": {}}, failed, batch, progress)
    es.indices.put_settings(index=target, settings={"refresh_interval": settings["refresh_interval"]})
    es.indices.refresh(index=target)
    if before_swap:
        before_swap(source, target)
    es.indices.update_aliases(
        actions=[
            {"add": {"index": target, "alias": alias, "is_write_index": True}},
            {"remove": {"index": source, "alias": alias}},
        ]
    )
    logger.info("alias swapped", extra={"alias": alias, "source": source, "target": target})
    # Writes that went to the old index while the copy ran (the alias pointed there).
    es.indices.refresh(index=source)
    caught_up = _newer_in_source(es, source, target, copy_started - _CATCH_UP_MARGIN, failed)
    es.indices.refresh(index=target)
    deleted = False
    if delete_old and not failed:
        es.indices.delete(index=source)
        deleted = True
    report = MigrationReport(source, target, copied, caught_up, failed, time.monotonic() - started, deleted)
    logger.info(
        "migration finished",
        extra={"alias": alias, "target": target, "copied": copied, "caught_up": caught_up, "failed": len(failed)},
    )
    return report
