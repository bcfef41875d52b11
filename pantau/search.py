"""``pantau search``: one query shape, answered by SQLite or by Elasticsearch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from elasticsearch import Elasticsearch

from pantau.documents import DERIVED_FIELDS, from_document
from pantau.schema import Article
from pantau.stemming import stem_text
from pantau.store import Store

_RELATIVE = re.compile(r"^(\d+)\s*([hdwm])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "m": timedelta(days=30)}


def parse_when(value: str, now: datetime | None = None) -> datetime:
    """``7d``, ``24h``, ``2w``, ``3m`` (before now) or an ISO date such as ``2024-09-01``."""
    now = now or datetime.now(UTC)
    m = _RELATIVE.match(value.strip().lower())
    if m:
        return now - int(m.group(1)) * _UNITS[m.group(2)]
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"not a time: {value!r} (use e.g. 7d, 24h, 2w or 2024-09-01)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: A regency code ("35.08") or a province code ("35").
    region: str | None = None
    relevant_only: bool = False
    include_duplicates: bool = True
    site: str | None = None
    limit: int = 20


class SearchBackend(Protocol):
    def search(self, query: SearchQuery) -> list[Article]: ...


class StoreSearch:
    def __init__(self, store: Store) -> None:
        self.store = store

    def search(self, query: SearchQuery) -> list[Article]:
        return self.store.search(
            text=query.text,
            since=query.since,
            until=query.until,
            region=query.region,
            relevant_only=query.relevant_only,
            include_duplicates=query.include_duplicates,
            site=query.site,
            limit=query.limit,
        )


def es_query(query: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch bool query for ``query`` (also used to validate saved searches)."""
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    if query.text:
        must.append(
            {
                "bool": {
                    "should": [
                        {"multi_match": {"query": query.text, "fields": ["title^2", "body"], "operator": "and"}},
                        # Stemmed fields find "mengimbau" for "imbauan", "kenetralan" for "netral".
                        {
                            "multi_match": {
                                "query": stem_text(query.text),
                                "fields": ["title_stem^2", "body_stem"],
                                "operator": "and",
                            }
                        },
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if query.since or query.until:
        bounds: dict[str, str] = {}
        if query.since:
            bounds["gte"] = query.since.isoformat()
        if query.until:
            bounds["lt"] = query.until.isoformat()
        filters.append({"range": {"published_at": bounds}})
    if query.region:
        field = "enrichment.region.primary.code" if "." in query.region else "enrichment.region.primary.province_code"
        filters.append({"term": {field: query.region}})
    if query.relevant_only:
        filters.append({"term": {"enrichment.relevance.relevant": True}})
    if not query.include_duplicates:
        filters.append({"term": {"is_duplicate": False}})
    if query.site:
        filters.append({"term": {"site": query.site}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


class ElasticsearchSearch:
    def __init__(self, es: Elasticsearch, alias: str) -> None:
        self.es = es
        self.alias = alias

    def search(self, query: SearchQuery) -> list[Article]:
        sort: list[Any] = (
            ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]
            if query.text
            else [{"published_at": {"order": "desc", "missing": "_last"}}]
        )
        response = self.es.search(
            index=self.alias,
            query=es_query(query),
            size=query.limit,
            sort=sort,
            source_excludes=list(DERIVED_FIELDS),
        )
        return [from_document(hit["_source"]) for hit in response["hits"]["hits"]]
