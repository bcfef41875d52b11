"""A :class:`SearchQuery` as Elasticsearch request bodies, and the responses read back.

Pure functions over dicts: the client calls are made by ``infra.search_backend`` (the
core holds no engine client). The twin of :mod:`pantau.search.embedded`: the same
filters, the same order (newest first, unknown dates last, ties by id), the same facets.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pantau.documents import DERIVED_FIELDS, from_document
from pantau.query import to_elasticsearch
from pantau.schema import Article
from pantau.search.request import SearchQuery
from pantau.search.results import FACETS, FacetBucket, rank_buckets

REGION = "enrichment.region.primary"
RELEVANCE = "enrichment.relevance"
CLUSTER = "enrichment.dedup.cluster_id"

#: Facet name to the field it counts (see :data:`pantau.search.results.FACETS`).
FACET_FIELDS = {
    "province": f"{REGION}.province_code",
    "regency": f"{REGION}.code",
    "site": "site",
    "actor": f"{RELEVANCE}.actors",
    "stage": f"{RELEVANCE}.stages",
}
_BUCKET_ORDER = [{"_count": "desc"}, {"_key": "asc"}]
_NEWEST: list[Any] = [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]


def _label_clause(kind: str, value: str) -> dict[str, Any]:
    field = {
        "actor": f"{RELEVANCE}.actors",
        "stage": f"{RELEVANCE}.stages",
        "coverage": f"{RELEVANCE}.coverage",
        "term": f"{RELEVANCE}.matched_terms",
    }[kind]
    return {"term": {field: value}}


def filters(query: SearchQuery) -> list[dict[str, Any]]:
    """The filter clauses (everything but the text), in the order the store applies them."""
    out: list[dict[str, Any]] = []
    if query.since or query.until:
        bounds: dict[str, str] = {}
        if query.since:
            bounds["gte"] = query.since.astimezone(UTC).isoformat()
        if query.until:
            bounds["lt"] = query.until.astimezone(UTC).isoformat()
        out.append({"range": {"published_at": bounds}})
    if query.regions:
        either: list[dict[str, Any]] = []
        if query.regency_codes:
            either.append({"terms": {f"{REGION}.code": list(query.regency_codes)}})
        if query.province_codes:
            either.append({"terms": {f"{REGION}.province_code": list(query.province_codes)}})
        out.append({"bool": {"should": either, "minimum_should_match": 1}})
    if query.sites:
        out.append({"terms": {"site": list(query.sites)}})
    if query.relevant_only:
        out.append({"term": {f"{RELEVANCE}.relevant": True}})
    out.extend(_label_clause(label.kind, label.value) for label in query.labels)
    if query.stages:
        out.append({"terms": {f"{RELEVANCE}.stages": list(query.stages)}})
    if not query.include_duplicates:
        out.append({"term": {"is_duplicate": False}})
    return out


def es_query(query: SearchQuery) -> dict[str, Any]:
    """The bool query: the text (:func:`pantau.query.to_elasticsearch`) plus :func:`filters`."""
    text = to_elasticsearch(query.parsed)["bool"]
    return {"bool": {**text, "filter": filters(query)}}


def facet_aggregations() -> dict[str, Any]:
    aggs: dict[str, Any] = {}
    for name, field in FACET_FIELDS.items():
        terms: dict[str, Any] = {"field": field, "size": FACETS[name], "order": _BUCKET_ORDER}
        if name == "regency":
            terms["exclude"] = "[0-9]{2}"  # a province-level primary region is not a regency
        aggs[name] = {"terms": terms}
    return aggs


def search_body(query: SearchQuery) -> dict[str, Any]:
    """Keyword arguments for ``Elasticsearch.search`` (without the index)."""
    body: dict[str, Any] = {
        "query": es_query(query),
        "size": query.limit,
        "sort": ["_score", *_NEWEST] if query.ranked else _NEWEST,
        "track_total_hits": True,
        "source_excludes": list(DERIVED_FIELDS),
    }
    if query.facets:
        body["aggs"] = facet_aggregations()
    return body


def read_hits(response: Any) -> tuple[list[Article], int]:
    hits = response["hits"]
    return [from_document(h["_source"]) for h in hits["hits"]], int(hits["total"]["value"])


def read_facets(response: Any) -> dict[str, list[FacetBucket]]:
    aggs = response["aggregations"]
    return {
        name: rank_buckets({b["key"]: b["doc_count"] for b in aggs[name]["buckets"]}, FACETS[name])
        for name in FACET_FIELDS
    }


def story_sizes_body(cluster_ids: list[str]) -> dict[str, Any]:
    """How many outlets and articles each of these stories has."""
    return {
        "size": 0,
        "query": {"terms": {CLUSTER: cluster_ids}},
        "aggs": {
            "stories": {
                "terms": {"field": CLUSTER, "size": len(cluster_ids)},
                "aggs": {"outlets": {"terms": {"field": "site", "size": 1000}}},
            }
        },
    }


def read_story_sizes(response: Any) -> dict[str, tuple[int, int]]:
    return {
        b["key"]: (len(b["outlets"]["buckets"]), int(b["doc_count"]))
        for b in response["aggregations"]["stories"]["buckets"]
    }


def story_lookup_body(ref: str) -> dict[str, Any]:
    """Articles whose id or story id starts with ``ref`` (at most a few: enough to spot ambiguity)."""
    return {
        "size": 10,
        "query": {"bool": {"should": [{"prefix": {"id": ref}}, {"prefix": {CLUSTER: ref}}]}},
        "source_includes": ["id", CLUSTER],
    }


def read_story_ids(response: Any) -> list[str]:
    ids = set()
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        ids.add(source.get("enrichment", {}).get("dedup", {}).get("cluster_id") or source["id"])
    return sorted(ids)


def story_body(story: str) -> dict[str, Any]:
    """Every article of one story (a cluster, or a lone article without enrichment)."""
    return {
        "size": 10_000,
        "query": {"bool": {"should": [{"term": {CLUSTER: story}}, {"term": {"id": story}}]}},
        "source_excludes": list(DERIVED_FIELDS),
    }
