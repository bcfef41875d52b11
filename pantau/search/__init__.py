"""``pantau search`` and ``pantau story``: one query shape, answered by SQLite or by Elasticsearch.

- :mod:`~pantau.search.request`: what a search asks for (:class:`SearchQuery`), validated once;
- :mod:`~pantau.search.labels`: relevance labels to filter on (``actor=kepala_desa``);
- :mod:`~pantau.search.results`: hits with their story's outlets, totals, facets, stories;
- :mod:`~pantau.search.embedded`: the embedded store's backend (SQL + FTS5);
- :mod:`~pantau.search.elastic`: the Elasticsearch request bodies (the client calls are in
  ``infra.search_backend``, as the core holds no engine client);
- :mod:`~pantau.search.output`: the table, JSON lines and CSV a person or a program reads.
"""

from __future__ import annotations

from typing import Protocol

from pantau.schema import Article
from pantau.search.embedded import StoreSearch
from pantau.search.request import (
    BackendUnavailable,
    SearchError,
    SearchQuery,
    StoryNotFound,
    parse_when,
)
from pantau.search.results import FacetBucket, Hit, SearchResult, Story


class SearchBackend(Protocol):
    """What both backends answer, with the same results for the same question."""

    def find(self, query: SearchQuery) -> SearchResult:
        """The matching articles (``query.limit`` of them, in the asked order), the total, facets."""
        ...

    def search(self, query: SearchQuery) -> list[Article]:
        """Only the matching articles of :meth:`find`."""
        ...

    def story(self, ref: str) -> Story:
        """Every article of the story ``ref`` names (article or story id, or a prefix of one)."""
        ...


__all__ = [
    "BackendUnavailable",
    "FacetBucket",
    "Hit",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "StoreSearch",
    "Story",
    "StoryNotFound",
    "parse_when",
]
