"""The index template maps every field the writer sends: the contract's and the derived ones."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from infra.search_index import article_mapping
from pantau.documents import DERIVED_FIELDS
from pantau.schema import Article

MAPPED = article_mapping("pantau-articles")["properties"]


def mapped(path: str) -> dict[str, Any] | None:
    """The mapping of a dotted path; an object stored but deliberately not indexed covers its children."""
    node: dict[str, Any] | None = {"properties": MAPPED}
    for key in path.split("."):
        if node is not None and node.get("enabled") is False:
            return node
        node = (node or {}).get("properties", {}).get(key)
    return node


def contract_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        path = prefix + name
        paths.append(path)
        inner = [a for a in getattr(field.annotation, "__args__", ()) if isinstance(a, type)]
        for candidate in [field.annotation, *inner]:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths.extend(contract_paths(candidate, path + "."))
    return paths


def test_every_derived_field_is_mapped() -> None:
    missing = [path for path in DERIVED_FIELDS if mapped(path) is None]
    assert not missing, f"derived fields without a mapping: {missing}"


def test_every_top_level_contract_field_is_mapped() -> None:
    missing = [name for name in Article.model_fields if mapped(name) is None]
    assert not missing, f"contract fields without a mapping: {missing}"


def test_nested_contract_fields_are_mapped() -> None:
    missing = [p for p in contract_paths(Article) if mapped(p) is None]
    assert not missing, f"contract fields without a mapping: {missing}"
