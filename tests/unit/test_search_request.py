"""What a search may ask for: labels, dates, limits and story ids are checked before any backend is asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pantau.documents import to_document
from pantau.enrich.region.gazetteer import load_gazetteer
from pantau.geo import region_point
from pantau.search import SearchError, SearchQuery, StoryNotFound
from pantau.search.labels import Label, LabelError, parse_label
from pantau.search.request import MAX_LIMIT, story_ref
from tests import search_corpus


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("actor=kepala_desa", Label("term", "actor:kepala desa")),
        ("actor=village", Label("actor", "village")),
        ("actor=camat_lurah", Label("actor", "camat_lurah")),
        ("ACTOR = Kepala Desa", Label("term", "actor:kepala desa")),
        ("stage=sanction", Label("stage", "sanction")),
        ("coverage=national", Label("coverage", "national")),
        ("neutrality=netralitas", Label("term", "neutrality:netralitas")),
        ("oversight=bawaslu", Label("term", "oversight:bawaslu")),
    ],
)
def test_labels(text: str, label: Label) -> None:
    assert parse_label(text) == label


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("actor", "write KEY=VALUE"),
        ("actor=", "write KEY=VALUE"),
        ("actor=kepala_dsa", "did you mean kepala_desa"),
        ("stage=verdict", "use one of appeal, report, sanction"),
        ("coverage=global", "use national or local"),
        ("actr=village", "did you mean actor"),
    ],
)
def test_bad_labels_say_what_is_known(text: str, message: str) -> None:
    with pytest.raises(LabelError, match=message):
        parse_label(text)


def test_since_must_be_before_until() -> None:
    day = datetime(2024, 9, 1, tzinfo=UTC)
    with pytest.raises(SearchError, match="is not before --until"):
        SearchQuery(since=day, until=day)
    assert SearchQuery(since=day, until=day.replace(day=2)).until


@pytest.mark.parametrize("limit", [0, -5, MAX_LIMIT + 1])
def test_limit_is_bounded(limit: int) -> None:
    with pytest.raises(SearchError, match="--limit must be between 1 and"):
        SearchQuery(limit=limit)


def test_bad_query_fails_before_any_backend() -> None:
    with pytest.raises(SearchError, match="query: OR at character 1"):
        SearchQuery(text="OR lurah")


def test_duplicates_are_hidden_and_newest_first_by_default() -> None:
    query = SearchQuery(text="netralitas")
    assert (query.include_duplicates, query.sort, query.ranked) == (False, "newest", False)
    assert SearchQuery(text="netralitas", sort="relevance").ranked
    assert not SearchQuery(sort="relevance").ranked  # nothing to rank without text


@pytest.mark.parametrize("ref", ["abc", "ghijklmn", "", "1234567890abcdef1234567890abcdef0"])
def test_story_ids(ref: str) -> None:
    with pytest.raises(StoryNotFound, match="not an article or story id"):
        story_ref(ref)
    assert story_ref(" ABCDEF12 ") == "abcdef12"


def test_every_province_has_a_map_point_and_regencies_sit_in_their_province() -> None:
    gazetteer = load_gazetteer()
    assert all(region_point(p.code) for p in gazetteer.provinces())
    regencies = gazetteer.regencies()
    located = [r for r in regencies if region_point(r.code)]
    assert len(located) >= len(regencies) // 2
    jember, kota_malang, kab_malang = region_point("35.09"), region_point("35.73"), region_point("35.07")
    assert jember and kota_malang and kab_malang
    assert -8.6 < jember.lat < -7.9 and 113.3 < jember.lon < 114.1  # East Java, east of Lumajang
    assert kota_malang != kab_malang  # a kabupaten is not given its kota's town
    assert region_point("99.99") is None


def test_the_document_carries_the_primary_regions_point() -> None:
    doc = to_document(search_corpus.make_article(1, "Judul", "Isi berita."))  # primary region: Jember
    point = region_point("35.09")
    assert point is not None
    assert doc["region_location"] == {"lat": point.lat, "lon": point.lon}
    assert doc["title_words"] == "judul" and doc["body_words"] == "isi berita"
