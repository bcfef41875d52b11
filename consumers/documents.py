"""The Elasticsearch document for an article: the contract plus derived search fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pantau.schema import Article
from pantau.stemming import stem_text


def to_document(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = article.model_dump(mode="json", exclude_none=True)
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
