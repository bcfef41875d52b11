"""``pantau search`` and ``pantau story`` on Elasticsearch: the client calls.

The request bodies and the reading of responses are pure functions in
:mod:`pantau.search.elastic`; this adapter sends them through the client. A missing index
becomes :class:`~pantau.search.BackendUnavailable` saying what to do; other engine errors
reach the command line as the client raised them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from elasticsearch import ApiError, Elasticsearch

from pantau.schema import Article
from pantau.search import elastic
from pantau.search.request import BackendUnavailable, SearchQuery, StoryNotFound, story_ref
from pantau.search.results import Hit, SearchResult, Story, story_order

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ElasticsearchSearch:
    """:class:`~pantau.search.SearchBackend` over the index alias."""

    def __init__(self, es: Elasticsearch, alias: str) -> None:
        self.es = es
        self.alias = alias

    def _call(self, what: Callable[[], T]) -> T:
        # An engine that is down or refuses the credentials propagates as the client raised it:
        # the command line turns every engine failure into one line in one place
        # (pantau.cli.wiring.engine_failure). Only what means something for a search is said here.
        try:
            return what()
        except ApiError as exc:
            if exc.meta.status == 404:
                raise BackendUnavailable(
                    f"no index behind {self.alias!r} yet: run `pantau setup` (or start `pantau consume index`)"
                ) from exc
            raise

    def find(self, query: SearchQuery) -> SearchResult:
        response = self._call(lambda: self.es.search(index=self.alias, **elastic.search_body(query)))
        articles, total = elastic.read_hits(response)
        facets = elastic.read_facets(response) if query.facets else None
        clusters = sorted({a.enrichment.dedup.cluster_id for a in articles if a.enrichment})
        sizes: dict[str, tuple[int, int]] = {}
        if clusters:
            body = elastic.story_sizes_body(clusters)
            sizes = elastic.read_story_sizes(self._call(lambda: self.es.search(index=self.alias, **body)))
        hits = [Hit(a, *sizes.get(a.enrichment.dedup.cluster_id, (1, 1))) if a.enrichment else Hit(a) for a in articles]
        return SearchResult(hits, total, facets)

    def search(self, query: SearchQuery) -> list[Article]:
        """The matching articles only (for callers that need no totals, facets or story sizes)."""
        return self.find(query).articles

    def story(self, ref: str) -> Story:
        ref = story_ref(ref)
        lookup = elastic.story_lookup_body(ref)
        stories = elastic.read_story_ids(self._call(lambda: self.es.search(index=self.alias, **lookup)))
        if not stories:
            raise StoryNotFound(f"no article or story has an id starting {ref}")
        if len(stories) > 1:
            raise StoryNotFound(f"{ref} fits several stories ({', '.join(s[:12] for s in stories)}): give more digits")
        body: dict[str, Any] = elastic.story_body(stories[0])
        articles, _ = elastic.read_hits(self._call(lambda: self.es.search(index=self.alias, **body)))
        return Story(stories[0], sorted(articles, key=story_order))
