"""The Elasticsearch document for an article: the contract plus fields derived for search.

:data:`DERIVED_FIELDS` is the one list of what the index holds beyond the contract. The
writer adds them (:func:`to_document`), readers strip them before rebuilding an
:class:`~pantau.schema.Article`, and a test checks that the index template maps each one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pydantic_core

from pantau.geo import region_point
from pantau.query import indexed_forms
from pantau.schema import Article

#: Dotted paths of the fields :func:`to_document` adds to the article's own.
DERIVED_FIELDS = (
    "title_words",
    "body_words",
    "title_stem",
    "body_stem",
    "indexed_at",
    "is_duplicate",
    "enrichment.relevance.matched_terms",
    "region_location",
)


def to_document(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
    """The document the index holds for ``article``: its contract fields plus :data:`DERIVED_FIELDS`."""
    # The same value as ``article.model_dump(mode="json", exclude_none=True)`` (a unit test
    # checks), made by pydantic's JSON serializer and parsed back, both in Rust: 0.09 ms
    # against 0.16 ms an enriched article (~10 KB), measured on the stream_bench corpus.
    doc: dict[str, Any] = pydantic_core.from_json(article.__pydantic_serializer__.to_json(article, exclude_none=True))
    # What `pantau search` matches (pantau.query.TEXT_FIELDS, STEM_FIELDS): the words as the
    # query language splits them, and their stems (the node has no Indonesian analyzer, so
    # "mengimbau" finds "imbauan" through these). Kibana searches title and body as usual.
    doc["title_words"], doc["title_stem"] = indexed_forms(article.title)
    doc["body_words"], doc["body_stem"] = indexed_forms(article.body)
    doc["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    e = article.enrichment
    doc["is_duplicate"] = bool(e and e.dedup.duplicate_of)
    primary = e.region.primary if e else None
    point = region_point(primary.code) if primary else None
    if point:
        # Kibana's map draws the primary region here (see pantau.geo for the source).
        doc["region_location"] = point.as_elasticsearch()
    if e:
        # Kibana cannot aggregate an object of lists; a flat "group:term" keyword can.
        doc["enrichment"]["relevance"]["matched_terms"] = sorted(
            f"{group}:{term}" for group, terms in e.relevance.matched.items() for term in terms
        )
    return doc


def document_json(article: Article, indexed_at: datetime | None = None) -> bytes:
    """:func:`to_document` as compact JSON, for a bulk request body.

    ``pydantic_core.to_json`` takes 0.04 ms a document where the Elasticsearch client's
    ``json.dumps`` takes 0.15 ms (stream_bench corpus); the text differs only in escaping
    (``\\u2028`` and the like), the parsed value is the same.
    """
    return pydantic_core.to_json(to_document(article, indexed_at))


def from_document(source: dict[str, Any]) -> Article:
    """The article inside a stored document (derived fields, if the source holds them, dropped)."""
    data = dict(source)
    for path in DERIVED_FIELDS:
        *parents, leaf = path.split(".")
        node: Any = data
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return Article.model_validate(data)
