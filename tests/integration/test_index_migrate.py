"""`pantau index migrate`: a new index version behind the alias, with every document and no gap in search."""

from __future__ import annotations

import threading
import uuid
from copy import deepcopy

import pytest
from elasticsearch import Elasticsearch, helpers

from infra.search_backend import ElasticsearchSearch
from infra.search_index import article_mapping, connect, current_index, index_status, migrate
from pantau.config import Settings
from pantau.documents import to_document
from pantau.search import SearchQuery
from tests import search_corpus
from tests.conftest import run_pantau

pytestmark = pytest.mark.integration

ARTICLES = search_corpus.generate(count=300, seed=3)
FIRST_LAYOUT_ONLY = ("title_words", "body_words", "region_location")


def first_layout_index(es: Elasticsearch, alias: str) -> str:
    """An index as the first release made it: no word fields, no map point, no generation."""
    mapping = deepcopy(article_mapping(alias))
    for name in FIRST_LAYOUT_ONLY:
        mapping["properties"].pop(name)
    mapping.pop("_meta")
    mapping.pop("_source")
    name = f"{alias}-v1"
    es.indices.create(index=name, mappings=mapping, aliases={alias: {"is_write_index": True}})
    actions = ({"_index": alias, "_id": a.id, "_source": to_document(a)} for a in ARTICLES)
    helpers.bulk(es, actions, refresh="wait_for")
    return name


def test_migrate_copies_everything_and_search_never_has_a_gap(kafka_settings: Settings) -> None:
    es = connect(kafka_settings)
    alias = kafka_settings.index_alias
    first_layout_index(es, alias)
    before = index_status(es, alias)
    assert (before.index, before.documents, before.needs_migration) == (f"{alias}-v1", len(ARTICLES), True)

    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(int(es.count(index=alias)["count"]))

    late = search_corpus.make_article(99_999, "Camat diimbau netral", "Camat diimbau menjaga netralitas.")

    def write_during_the_swap(source: str, target: str) -> None:
        # Written through the alias after the copy, so it lands in the old index only.
        es.index(index=alias, id=late.id, document=to_document(late), refresh="wait_for")
        assert current_index(es, alias) == source

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = migrate(es, alias, before_swap=write_during_the_swap, batch=100)
    finally:
        stop.set()
        watcher.join()

    assert (report.source, report.target) == (f"{alias}-v1", f"{alias}-v2")
    assert report.copied == len(ARTICLES)
    assert report.caught_up >= 1 and not report.failed
    assert seen and min(seen) >= len(ARTICLES), "search through the alias saw fewer documents at some moment"
    after = index_status(es, alias)
    assert (after.index, after.documents, after.needs_migration) == (f"{alias}-v2", len(ARTICLES) + 1, False)
    # The new mapping's fields are filled in: the query language and the map point work.
    hits = ElasticsearchSearch(es, alias).search(SearchQuery(text='"menjaga netralitas" camat', limit=100))
    assert late.id in {a.id for a in hits}
    located = es.count(index=alias, query={"exists": {"field": "region_location"}})["count"]
    assert located > 0
    assert es.indices.exists(index=f"{alias}-v1")  # kept unless asked


def test_cli_status_and_migrate_with_delete(kafka_settings: Settings) -> None:
    es = connect(kafka_settings)
    alias = kafka_settings.index_alias
    first_layout_index(es, alias)
    status = run_pantau(kafka_settings, "index", "status")
    assert status.returncode == 0, status.stderr
    assert f"{alias} -> {alias}-v1: {len(ARTICLES)} document(s)" in status.stdout
    assert "run `pantau index migrate`" in status.stdout
    result = run_pantau(kafka_settings, "index", "migrate", "--delete-old")
    assert result.returncode == 0, result.stderr
    assert f"{alias}-v1 -> {alias}-v2; {len(ARTICLES)} document(s) copied" in result.stdout
    assert not es.indices.exists(index=f"{alias}-v1")
    assert run_pantau(kafka_settings, "index", "migrate").returncode == 0  # again: v2 -> v3
    assert current_index(es, alias) == f"{alias}-v3"


def test_migrate_without_an_alias_is_one_clear_error(kafka_settings: Settings) -> None:
    settings = kafka_settings.model_copy(update={"index_alias": f"t{uuid.uuid4().hex[:10]}-none"})
    result = run_pantau(settings, "index", "migrate")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"pantau index migrate: no alias {settings.index_alias!r} to migrate: run `pantau setup` first"
    )
