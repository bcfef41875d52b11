"""The embedded store answers every search case as documented (the same table runs on Elasticsearch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.search import StoreSearch
from pantau.store import Store
from tests import search_corpus
from tests.search_cases import CASES, RANKED_CASES, Case, answer_of, expected

CORPUS = search_corpus.generate()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> StoreSearch:
    store = Store(tmp_path_factory.mktemp("store") / "pantau.sqlite3")
    store.upsert_many(CORPUS)
    return StoreSearch(store)


def test_corpus_has_what_search_must_handle() -> None:
    copies = [a for a in CORPUS if a.enrichment and a.enrichment.dedup.duplicate_of]
    assert len(CORPUS) >= 400
    assert len(copies) >= 30
    assert len({a.site for a in CORPUS}) >= 6
    assert len({a.enrichment.region.primary.code for a in CORPUS if a.enrichment and a.enrichment.region.primary}) >= 10
    assert any(a.published_at is None for a in CORPUS)
    assert len({a.published_at for a in CORPUS}) < len(CORPUS)  # ties in time


@pytest.mark.parametrize("small", [3000, 0], ids=["few matches", "many matches"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(backend: StoreSearch, case: Case, small: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both ways the store reads a page and facets: from the matches, or along the index.
    monkeypatch.setattr("pantau.search.embedded._SMALL", small)
    query = case.build()
    want = expected(CORPUS, query)
    assert (want.total == 0) == case.empty, "the case no longer tests what it says"
    assert answer_of(backend.find(query)) == want


@pytest.mark.parametrize("case", RANKED_CASES, ids=lambda c: c.name)
def test_ranked_case_finds_the_same_set(backend: StoreSearch, case: Case) -> None:
    query = case.build()
    want = expected(CORPUS, query)
    got = answer_of(backend.find(query))
    assert want.total > 0
    assert sorted(got.ids) == sorted(want.ids)
    assert got.total == want.total


def test_best_match_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    strong = search_corpus.make_article(1, "Bawaslu: netralitas, netralitas", "Netralitas dan netralitas ASN dijaga.")
    weak = search_corpus.make_article(2, "Rapat di balai desa", "Peserta membahas banyak hal, juga netralitas.")
    store.upsert_many([weak, strong])
    from pantau.search import SearchQuery

    ranked = StoreSearch(store).search(SearchQuery(text="netralitas", sort="relevance"))
    newest = StoreSearch(store).search(SearchQuery(text="netralitas"))
    assert [a.id for a in ranked] == [strong.id, weak.id]
    assert [a.id for a in newest] == [weak.id, strong.id]  # weak is the newer one


def test_story_lists_every_outlet_first_publisher_first(backend: StoreSearch) -> None:
    copy = next(a for a in CORPUS if a.enrichment and a.enrichment.dedup.duplicate_of)
    assert copy.enrichment is not None
    members = [a for a in CORPUS if a.enrichment and a.enrichment.dedup.cluster_id == copy.enrichment.dedup.cluster_id]
    story = backend.story(copy.id[:10])
    assert story.id == copy.enrichment.dedup.cluster_id
    assert {a.id for a in story.articles} == {a.id for a in members}
    assert story.first.id == copy.enrichment.dedup.duplicate_of
    times = [a.published_at for a in story.articles]
    assert times == sorted(times)  # type: ignore[type-var]
    assert backend.story(story.id).articles == story.articles  # by the story id too


def test_story_errors(backend: StoreSearch) -> None:
    from pantau.search import StoryNotFound

    with pytest.raises(StoryNotFound, match="not an article or story id"):
        backend.story("xyz")
    with pytest.raises(StoryNotFound, match="no article or story"):
        backend.story("ffffffffffff0000")


def test_a_prefix_that_fits_two_stories_is_refused(tmp_path: Path) -> None:
    from pantau.search import StoryNotFound

    # Two articles whose ids (hashes of their URLs) share their first six digits.
    seen: dict[str, int] = {}
    for n in range(1, 50_000):
        prefix = search_corpus.make_article(n, "t", "b").id[:6]
        if prefix in seen:
            break
        seen[prefix] = n
    store = Store(tmp_path / "s.sqlite3")
    store.upsert_many([search_corpus.make_article(seen[prefix], "t", "b"), search_corpus.make_article(n, "t", "b")])
    with pytest.raises(StoryNotFound, match="fits several stories"):
        StoreSearch(store).story(prefix)
