"""``pantau search`` and ``pantau story`` on Elasticsearch: the client calls.

The request bodies and the reading of responses are pure functions in
:mod:`pantau.search.elastic`; this adapter sends them through the client and turns what
can go wrong with the engine (unreachable, credentials refused, no index) into
:class:`~pantau.search.BackendUnavailable` with one line that says what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
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

    def _where(self) -> str:
        nodes = getattr(self.es.transport, "node_pool", None)
        try:
            return ", ".join(str(n.base_url) for n in nodes.all()) if nodes else "the configured URL"
        except AttributeError:  # a transport without a node pool: say nothing more specific
            return "the configured URL"

    def _call(self, what: Callable[[], T]) -> T:
        try:
            return what()
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise BackendUnavailable(f"cannot reach Elasticsearch at {self._where()}: {exc.message}") from exc
        except ApiError as exc:
            status = exc.meta.status
            if status in (401, 403):
                raise BackendUnavailable(
                    f"Elasticsearch refused the credentials ({status}): check PANTAU_ELASTICSEARCH_USERNAME/"
                    "_PASSWORD or _API_KEY"
                ) from exc
            if status == 404:
                raise BackendUnavailable(
                    f"no index behind {self.alias!r} yet: run `pantau setup` (or start `pantau consume index`)"
                ) from exc
            if status == 400:
                raise  # a request this code built wrong: a bug, shown as one
            raise BackendUnavailable(f"Elasticsearch answered {status}: {exc.message}") from exc
        except TransportError as exc:
            raise BackendUnavailable(f"Elasticsearch at {self._where()} failed: {exc.message}") from exc

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
