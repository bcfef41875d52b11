"""Elasticsearch answers the same search cases as the embedded store, on the same corpus."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch, helpers

from infra.search_backend import ElasticsearchSearch
from infra.search_index import connect, ensure_index
from pantau.config import load_settings
from pantau.documents import to_document
from pantau.schema import Article
from pantau.search import BackendUnavailable, SearchQuery, StoreSearch, StoryNotFound
from pantau.store import Store
from tests import search_corpus
from tests.search_cases import CASES, RANKED_CASES, Case, answer_of, expected

pytestmark = pytest.mark.integration

CORPUS = search_corpus.generate()


def index_articles(es: Elasticsearch, alias: str, articles: list[Article]) -> None:
    ensure_index(es, alias)
    actions = ({"_index": alias, "_id": a.id, "_source": to_document(a)} for a in articles)
    helpers.bulk(es, actions, refresh="wait_for")


@pytest.fixture(scope="module")
def es_alias(engines: tuple[str, str]) -> Iterator[tuple[Elasticsearch, str]]:
    alias = f"t{uuid.uuid4().hex[:10]}-articles"
    es = connect(load_settings(elasticsearch_url=engines[1], kafka_bootstrap=engines[0]))
    index_articles(es, alias, CORPUS)
    yield es, alias
    es.indices.delete(index=f"{alias}-v*")


@pytest.fixture(scope="module")
def backend(es_alias: tuple[Elasticsearch, str]) -> ElasticsearchSearch:
    return ElasticsearchSearch(*es_alias)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> StoreSearch:
    store = Store(tmp_path_factory.mktemp("store") / "pantau.sqlite3")
    store.upsert_many(CORPUS)
    return StoreSearch(store)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(backend: ElasticsearchSearch, embedded: StoreSearch, case: Case) -> None:
    query = case.build()
    want = expected(CORPUS, query)
    assert (want.total == 0) == case.empty, "the case no longer tests what it says"
    got = answer_of(backend.find(query))
    assert got == want
    assert got == answer_of(embedded.find(query))  # the same answer on both backends


@pytest.mark.parametrize("case", RANKED_CASES, ids=lambda c: c.name)
def test_ranked_case_finds_the_same_set(backend: ElasticsearchSearch, embedded: StoreSearch, case: Case) -> None:
    query = case.build()
    want = expected(CORPUS, query)
    got = answer_of(backend.find(query))
    assert want.total > 0
    assert sorted(got.ids) == sorted(want.ids) == sorted(answer_of(embedded.find(query)).ids)


def test_best_match_first(engines: tuple[str, str]) -> None:
    alias = f"t{uuid.uuid4().hex[:10]}-articles"
    es = connect(load_settings(elasticsearch_url=engines[1], kafka_bootstrap=engines[0]))
    strong = search_corpus.make_article(1, "Bawaslu: netralitas, netralitas", "Netralitas dan netralitas ASN dijaga.")
    weak = search_corpus.make_article(2, "Rapat di balai desa", "Peserta membahas banyak hal, juga netralitas.")
    index_articles(es, alias, [weak, strong])
    try:
        search = ElasticsearchSearch(es, alias)
        assert [a.id for a in search.search(SearchQuery(text="netralitas", sort="relevance"))] == [strong.id, weak.id]
        assert [a.id for a in search.search(SearchQuery(text="netralitas"))] == [weak.id, strong.id]
    finally:
        es.indices.delete(index=f"{alias}-v*")


def test_story_is_the_same_on_both(backend: ElasticsearchSearch, embedded: StoreSearch) -> None:
    copies = [a for a in CORPUS if a.enrichment and a.enrichment.dedup.duplicate_of]
    for copy in copies[:5]:
        on_es = backend.story(copy.id[:10])
        on_store = embedded.story(copy.id[:10])
        assert on_es.id == on_store.id
        assert [a.id for a in on_es.articles] == [a.id for a in on_store.articles]
        assert on_es.first.id == copy.enrichment.dedup.duplicate_of  # type: ignore[union-attr]
    with pytest.raises(StoryNotFound, match="no article or story"):
        backend.story("ffffffffffff0000")


def test_an_unreachable_node_reaches_the_command_line_as_the_client_raised_it(tmp_path: Path) -> None:
    # The command line words every engine failure in one place (pantau.cli.wiring.engine_failure).
    es = Elasticsearch("http://127.0.0.1:9", request_timeout=2, max_retries=0)
    with pytest.raises(TransportConnectionError):
        ElasticsearchSearch(es, "pantau-articles").find(SearchQuery(text="netralitas"))


def test_missing_index_is_one_clear_error(es_alias: tuple[Elasticsearch, str]) -> None:
    es, _ = es_alias
    with pytest.raises(BackendUnavailable, match="no index behind 'no-such-alias' yet"):
        ElasticsearchSearch(es, "no-such-alias").find(SearchQuery())
