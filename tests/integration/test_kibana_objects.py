"""Kibana cannot run here, so its saved objects are checked against the real node and a real corpus.

Every field a saved object names exists in the live mapping with a type that suits its
use; every saved query validates on the node; every aggregation a visualisation (or the
map) declares runs on the node over the test corpus and returns buckets; every saved
search returns articles.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers

from infra.kibana.saved_objects import saved_objects
from infra.search_index import connect, ensure_index
from pantau.config import load_settings
from pantau.documents import to_document
from tests import search_corpus

pytestmark = pytest.mark.integration

AGGREGATABLE = {"keyword", "date", "float", "integer", "long", "boolean"}
SORTABLE = AGGREGATABLE
FIELD_USE = {"date_histogram": {"date"}, "terms": AGGREGATABLE, "geotile_grid": {"geo_point"}}
# "field:value" and "_exists_:field" in Lucene query strings.
LUCENE_FIELD = re.compile(r"_exists_:([a-z_][a-z0-9_.]*)|([a-z_][a-z0-9_.]*):")


@pytest.fixture(scope="module")
def node(engines: tuple[str, str]) -> Iterator[tuple[Elasticsearch, str, dict[str, Any]]]:
    alias = f"t{uuid.uuid4().hex[:10]}-articles"
    es = connect(load_settings(elasticsearch_url=engines[1], kafka_bootstrap=engines[0]))
    index = ensure_index(es, alias)
    actions = ({"_index": alias, "_id": a.id, "_source": to_document(a)} for a in search_corpus.generate())
    helpers.bulk(es, actions, refresh="wait_for")
    live = es.indices.get_mapping(index=index).body[index]["mappings"]["properties"]
    yield es, alias, field_types(live)
    es.indices.delete(index=f"{alias}-v*")


def field_types(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    types: dict[str, str] = {}
    for name, spec in properties.items():
        path = prefix + name
        if "properties" in spec:
            types.update(field_types(spec["properties"], path + "."))
        else:
            types[path] = spec.get("type", "object")
        for sub, sub_spec in spec.get("fields", {}).items():
            types[f"{path}.{sub}"] = sub_spec["type"]
    return types


def objects(kind: str) -> list[dict[str, Any]]:
    return [o for o in saved_objects() if o["type"] == kind]


def by_id(object_id: str) -> dict[str, Any]:
    return next(o for o in saved_objects() if o["id"] == object_id)


def query_of(obj: dict[str, Any]) -> str:
    return str(json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"])


def combined_query(obj: dict[str, Any]) -> dict[str, Any]:
    """A visualisation's query with its saved search's, as Kibana combines them."""
    parts = [query_of(obj)]
    if "savedSearchRefName" in obj["attributes"]:
        ref = next(r for r in obj["references"] if r["name"] == obj["attributes"]["savedSearchRefName"])
        parts.append(query_of(by_id(ref["id"])))
    clauses = [{"query_string": {"query": q}} for q in parts if q]
    return {"bool": {"filter": clauses}}


def aggregation(aggs: list[dict[str, Any]]) -> dict[str, Any]:
    """A visualisation's bucket aggregations, nested in the order it lists them (count is implicit)."""
    nested: dict[str, Any] = {}
    for agg in reversed([a for a in aggs if a["schema"] != "metric"]):
        params = agg["params"]
        if agg["type"] == "terms":
            body: dict[str, Any] = {"terms": {"field": params["field"], "size": params["size"]}}
        elif agg["type"] == "date_histogram":
            interval = {"d": "1d", "w": "1w", "M": "1M"}[params["interval"]]
            body = {"date_histogram": {"field": params["field"], "calendar_interval": interval, "min_doc_count": 1}}
        else:
            raise AssertionError(f"an aggregation this test does not know: {agg['type']}")
        if nested:
            body["aggs"] = nested
        nested = {f"a{agg['id']}": body}
    return nested


def saved_queries() -> list[tuple[str, str]]:
    out = [(o["id"], query_of(o)) for o in saved_objects() if o["type"] in ("search", "visualization")]
    for m in objects("map"):
        for layer in json.loads(m["attributes"]["layerListJSON"]):
            if "query" in layer:
                out.append((f"{m['id']}/{layer['id']}", layer["query"]["query"]))
    return [(i, q) for i, q in out if q]


def test_every_named_field_exists_with_a_suitable_type(node: tuple[Elasticsearch, str, dict[str, Any]]) -> None:
    _, _, fields = node
    [view] = objects("index-pattern")
    assert fields[view["attributes"]["timeFieldName"]] == "date"
    for name in json.loads(view["attributes"]["fieldFormatMap"]):
        assert name in fields, f"data view formats unmapped field {name}"
    for search in objects("search"):
        for column in search["attributes"]["columns"]:
            assert column in fields, f"{search['id']}: column {column} is not mapped"
        for field, _direction in search["attributes"]["sort"]:
            assert fields.get(field) in SORTABLE, f"{search['id']}: cannot sort on {field} ({fields.get(field)})"
    for object_id, query in saved_queries():
        for exists, named in LUCENE_FIELD.findall(query):
            field = exists or named
            assert field in fields, f"{object_id}: query field {field} is not mapped"
    for vis in objects("visualization"):
        for agg in json.loads(vis["attributes"]["visState"])["aggs"]:
            field = agg["params"].get("field")
            if field:
                assert fields.get(field) in FIELD_USE[agg["type"]], f"{vis['id']}: {agg['type']} on {field}"
    for m in objects("map"):
        for layer in json.loads(m["attributes"]["layerListJSON"]):
            geo = layer["sourceDescriptor"].get("geoField")
            if geo:
                assert fields.get(geo) == "geo_point", f"{m['id']}: {geo} is {fields.get(geo)}"


def test_every_saved_query_validates_on_the_node(node: tuple[Elasticsearch, str, dict[str, Any]]) -> None:
    es, alias, _ = node
    queries = saved_queries()
    assert len(queries) >= 6
    for object_id, query in queries:
        result = es.indices.validate_query(index=alias, query={"query_string": {"query": query}}, explain=True)
        assert result["valid"], f"{object_id}: {result}"
    broken = es.indices.validate_query(index=alias, query={"query_string": {"query": "relevant:(true"}})
    assert not broken["valid"]  # the check can fail


def test_every_visualisation_aggregation_returns_buckets(node: tuple[Elasticsearch, str, dict[str, Any]]) -> None:
    es, alias, _ = node
    visualisations = objects("visualization")
    assert len(visualisations) >= 5
    for vis in visualisations:
        aggs = aggregation(json.loads(vis["attributes"]["visState"])["aggs"])
        response = es.search(index=alias, size=0, query=combined_query(vis), aggs=aggs)
        (name,) = aggs
        buckets = response["aggregations"][name]["buckets"]
        assert buckets, f"{vis['id']}: no buckets over the test corpus"
        inner = [k for k in aggs[name].get("aggs", {})]
        for sub in inner:
            assert any(b[sub]["buckets"] for b in buckets), f"{vis['id']}: no {sub} buckets"


def test_the_map_layer_aggregates_points(node: tuple[Elasticsearch, str, dict[str, Any]]) -> None:
    es, alias, _ = node
    [m] = objects("map")
    for layer in json.loads(m["attributes"]["layerListJSON"]):
        source = layer["sourceDescriptor"]
        if source["type"] != "ES_GEO_GRID":
            continue
        response = es.search(
            index=alias,
            size=0,
            query={"query_string": {"query": layer["query"]["query"]}},
            aggs={"grid": {"geotile_grid": {"field": source["geoField"], "precision": 5}}},
        )
        assert response["aggregations"]["grid"]["buckets"], "the map would be empty over the test corpus"


def test_every_saved_search_returns_articles(node: tuple[Elasticsearch, str, dict[str, Any]]) -> None:
    es, alias, _ = node
    for search in objects("search"):
        sort = [{field: direction} for field, direction in search["attributes"]["sort"]]
        query = {"query_string": {"query": query_of(search)}}
        hits = es.search(index=alias, query=query, sort=sort, size=5)["hits"]["hits"]
        if search["id"] == "pantau-doubtful-dates":
            continue  # the corpus has no doubtful dates; the query itself is validated above
        assert hits, f"{search['id']}: no articles over the test corpus"
