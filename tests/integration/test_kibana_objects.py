"""Kibana cannot run here, so its saved objects are checked against the real mapping and node."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.search_index import article_mapping, connect, ensure_index
from pantau.config import Settings

pytestmark = pytest.mark.integration

NDJSON = Path(__file__).resolve().parents[2] / "infra" / "kibana" / "pantau.ndjson"
AGGREGATABLE = {"keyword", "date", "float", "integer", "long", "boolean"}


def saved_objects() -> list[dict[str, Any]]:
    return [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines() if line.strip()]


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


FIELDS = field_types(article_mapping("pantau-articles")["properties"])


def search_queries() -> list[tuple[str, str]]:
    out = []
    for obj in saved_objects():
        if obj["type"] == "search":
            source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
            out.append((obj["id"], source["query"]["query"]))
    return out


def test_every_object_references_something_that_exists() -> None:
    objects = saved_objects()
    ids = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj.get("references", []):
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} references missing {ref['type']} {ref['id']}"
    data_view = next(o for o in objects if o["type"] == "index-pattern")
    assert FIELDS[data_view["attributes"]["timeFieldName"]] == "date"


def test_columns_and_query_fields_exist_in_the_mapping() -> None:
    for obj in saved_objects():
        if obj["type"] != "search":
            continue
        for column in obj["attributes"]["columns"]:
            assert column in FIELDS, f"{obj['id']}: column {column} is not mapped"
    for object_id, query in search_queries():
        for field in re.findall(r"([a-z_][a-z0-9_.]*):", query):
            assert field in FIELDS, f"{object_id}: query field {field} is not mapped"


def test_aggregations_use_aggregatable_fields() -> None:
    for obj in saved_objects():
        if obj["type"] != "visualization":
            continue
        for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
            field = agg["params"].get("field")
            if field:
                assert FIELDS.get(field) in AGGREGATABLE, f"{obj['id']}: {field} is {FIELDS.get(field)}"


def test_saved_queries_validate_on_elasticsearch(kafka_settings: Settings) -> None:
    es = connect(kafka_settings)
    ensure_index(es, kafka_settings.index_alias)
    queries = search_queries()
    assert queries
    for object_id, query in queries:
        result = es.indices.validate_query(
            index=kafka_settings.index_alias, query={"query_string": {"query": query}}, explain=True
        )
        assert result["valid"], f"{object_id}: {result}"
    broken = es.indices.validate_query(
        index=kafka_settings.index_alias, query={"query_string": {"query": "relevant:(true"}}
    )
    assert not broken["valid"]  # the check can fail
