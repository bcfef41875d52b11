"""The Elasticsearch document for an article: the contract plus fields derived for search.

:data:`DERIVED_FIELDS` is the one list of what the index holds beyond the contract. The
writer adds them (:func:`to_document`), readers strip them before rebuilding an
:class:`~pantau.schema.Article`, and a test checks that the index template maps each one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pantau.schema import Article
from pantau.stemming import stem_text

#: Dotted paths of the fields :func:`to_document` adds to the article's own.
DERIVED_FIELDS = (
    "title_stem",
    "body_stem",
    "indexed_at",
    "is_duplicate",
    "enrichment.relevance.matched_terms",
)


def to_document(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = article.model_dump(mode="json", exclude_none=True)
    # Stemmed copies: the node has no Indonesian analyzer, so "mengimbau" finds "imbauan" here.
    doc["title_stem"] = stem_text(article.title)
    doc["body_stem"] = stem_text(article.body)
    doc["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    e = article.enrichment
    doc["is_duplicate"] = bool(e and e.dedup.duplicate_of)
    if e:
        # Kibana cannot aggregate an object of lists; a flat "group:term" keyword can.
        doc["enrichment"]["relevance"]["matched_terms"] = sorted(
            f"{group}:{term}" for group, terms in e.relevance.matched.items() for term in terms
        )
    return doc


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
