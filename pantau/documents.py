"""The Elasticsearch document for an article: the contract plus fields derived for search.

:data:`DERIVED_FIELDS` is the one list of what the index holds beyond the contract. The
writer adds them (:func:`to_document`), readers strip them before rebuilding an
:class:`~pantau.schema.Article`, and a test checks that the index template maps each one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pydantic_core

from pantau.geo import region_point
from pantau.query import indexed_forms
from pantau.schema import Article, Enrichment, Relevance

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


def _derived(article: Article, indexed_at: datetime | None) -> tuple[dict[str, Any], list[str] | None]:
    """The top-level derived fields, and ``enrichment.relevance.matched_terms`` (``None`` unenriched)."""
    fields: dict[str, Any] = {}
    # What `pantau search` matches (pantau.query.TEXT_FIELDS, STEM_FIELDS): the words as the
    # query language splits them, and their stems (the node has no Indonesian analyzer, so
    # "mengimbau" finds "imbauan" through these). Kibana searches title and body as usual.
    fields["title_words"], fields["title_stem"] = indexed_forms(article.title)
    fields["body_words"], fields["body_stem"] = indexed_forms(article.body)
    fields["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    e = article.enrichment
    fields["is_duplicate"] = bool(e and e.dedup.duplicate_of)
    primary = e.region.primary if e else None
    point = region_point(primary.code) if primary else None
    if point:
        # Kibana's map draws the primary region here (see pantau.geo for the source).
        fields["region_location"] = point.as_elasticsearch()
    if e is None:
        return fields, None
    # Kibana cannot aggregate an object of lists; a flat "group:term" keyword can.
    return fields, sorted(f"{group}:{term}" for group, terms in e.relevance.matched.items() for term in terms)


def to_document(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
    """The document the index holds for ``article``: its contract fields plus :data:`DERIVED_FIELDS`."""
    # The same value as ``article.model_dump(mode="json", exclude_none=True)`` (a unit test
    # checks), made by pydantic's JSON serializer and parsed back, both in Rust: 0.09 ms
    # against 0.16 ms an enriched article (~10 KB), measured on the stream_bench corpus.
    doc: dict[str, Any] = pydantic_core.from_json(article.__pydantic_serializer__.to_json(article, exclude_none=True))
    fields, matched_terms = _derived(article, indexed_at)
    doc.update(fields)
    if matched_terms is not None:
        doc["enrichment"]["relevance"]["matched_terms"] = matched_terms
    return doc


_ARTICLE_JSON = Article.__pydantic_serializer__
_ENRICHMENT_JSON = Enrichment.__pydantic_serializer__
_RELEVANCE_JSON = Relevance.__pydantic_serializer__


def document_json(article: Article, indexed_at: datetime | None = None) -> bytes:
    """:func:`to_document` as one line of JSON, for a bulk request body (a unit test checks they agree).

    Written by pydantic's serializer straight to bytes, the derived fields joined in as
    JSON text: pydantic serializes each model to a JSON object, so dropping its closing
    brace and appending ``,"name":value...}`` adds members. Building the dict and
    serializing it took 0.16-0.2 ms an enriched article, this 0.07-0.11 ms (stream_bench
    corpus); the Elasticsearch client's own ``json.dumps`` of the dict had cost 0.15 ms more.
    Members come in another order than in :func:`to_document` (``relevance`` last in
    ``enrichment``, the derived fields last), which JSON objects do not care about.
    """
    fields, matched_terms = _derived(article, indexed_at)
    derived = pydantic_core.to_json(fields)  # never "{}": the words are always there
    e = article.enrichment
    if e is None or matched_terms is None:
        own = _ARTICLE_JSON.to_json(article, exclude_none=True)
        return b"".join((own[:-1], b",", derived[1:]))
    # Every one of these has a required member, so none is "{}" and a comma always fits.
    own = _ARTICLE_JSON.to_json(article, exclude={"enrichment"}, exclude_none=True)
    enrichment = _ENRICHMENT_JSON.to_json(e, exclude={"relevance"}, exclude_none=True)
    relevance = _RELEVANCE_JSON.to_json(e.relevance, exclude_none=True)
    return b"".join(
        (
            own[:-1],
            b',"enrichment":',
            enrichment[:-1],
            b',"relevance":',
            relevance[:-1],
            b',"matched_terms":',
            pydantic_core.to_json(matched_terms),
            b"}},",
            derived[1:],
        )
    )


def without_derived(document: dict[str, Any]) -> dict[str, Any]:
    """The document's contract fields only: a copy with every derived field removed."""
    data = json.loads(json.dumps(document))
    for path in DERIVED_FIELDS:
        *parents, leaf = path.split(".")
        node: Any = data
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return data  # type: ignore[no-any-return]


def from_document(source: dict[str, Any]) -> Article:
    """The article inside a stored document (derived fields, if the source holds them, dropped)."""
    return Article.model_validate(without_derived(source))
