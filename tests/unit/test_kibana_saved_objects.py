"""Kibana's saved objects parse, carry their migration versions, and every reference resolves.

(The fields they name and the queries and aggregations they run are checked on the real
node in tests/integration/test_kibana_objects.py; Kibana itself cannot run here.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from infra.kibana.saved_objects import DEFAULT_ALIAS, saved_objects, to_ndjson

NDJSON = Path(__file__).resolve().parents[2] / "infra" / "kibana" / "pantau.ndjson"
VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def objects() -> list[dict[str, Any]]:
    return [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines() if line.strip()]


def ref_names(obj: dict[str, Any]) -> set[str]:
    """Every reference name the object's attributes use (the names Kibana resolves on import)."""
    attrs = obj["attributes"]
    names = set()
    if "savedSearchRefName" in attrs:
        names.add(attrs["savedSearchRefName"])
    source = json.loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    if "indexRefName" in source:
        names.add(source["indexRefName"])
    for panel in json.loads(attrs.get("panelsJSON", "[]")):
        names.add(f"{panel['panelIndex']}:{panel['panelRefName']}")
    for layer in json.loads(attrs.get("layerListJSON", "[]")):
        ref = layer.get("sourceDescriptor", {}).get("indexPatternRefName")
        if ref:
            names.add(ref)
    return names


def test_every_line_is_an_object_with_migration_versions() -> None:
    lines = [line for line in NDJSON.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(objects())
    for obj in objects():
        assert VERSION.match(obj["coreMigrationVersion"]), obj["id"]
        assert VERSION.match(obj["typeMigrationVersion"]), obj["id"]
    assert len({(o["type"], o["id"]) for o in objects()}) == len(objects())


def test_every_reference_resolves_and_every_used_name_is_referenced() -> None:
    ids = {(o["type"], o["id"]) for o in objects()}
    for obj in objects():
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} references missing {ref['type']} {ref['id']}"
        declared = {ref["name"] for ref in obj["references"]}
        assert ref_names(obj) == declared, f"{obj['id']}: names used {ref_names(obj)} != references {declared}"


def test_the_dashboard_holds_what_the_readme_promises() -> None:
    by_id = {o["id"]: o for o in objects()}
    dashboard = by_id["pantau-overview"]
    panels = [by_id[ref["id"]] for ref in dashboard["references"]]
    kinds = {json.loads(p["attributes"].get("visState", "{}")).get("type") or p["type"] for p in panels}
    assert kinds == {"histogram", "horizontal_bar", "pie", "map", "search"}
    searches = {o["id"] for o in objects() if o["type"] == "search"}
    assert {
        "pantau-relevant-coverage",
        "pantau-reports-sanctions",
        "pantau-village-officials",
        "pantau-by-region",
    } <= searches
    data_view = by_id[DEFAULT_ALIAS]
    assert data_view["attributes"]["timeFieldName"] == "published_at"
    assert json.loads(data_view["attributes"]["fieldFormatMap"])["canonical_url"]["id"] == "url"  # links


def test_the_data_view_follows_the_configured_alias() -> None:
    moved = saved_objects("team-b-articles")
    [view] = [o for o in moved if o["type"] == "index-pattern"]
    assert view["attributes"]["title"] == "team-b-articles"
    assert [json.loads(line) for line in to_ndjson(moved).splitlines()] == moved
