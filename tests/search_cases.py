"""One table of search cases, and the reference answer each backend must give.

The reference (:func:`expected`) is written from the documented behaviour, in plain
Python over the corpus: the query language through :meth:`pantau.query.Query.matches`
(unit-tested on its own), the filters as the README states them, newest first with
unknown dates last and ties by id. The embedded store (tests/unit) and Elasticsearch
(tests/integration) are each compared with it, case by case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pantau.query import Document
from pantau.regions import resolve_region
from pantau.schema import Article
from pantau.search import SearchQuery
from pantau.search.labels import parse_label
from pantau.search.results import FACETS, rank_buckets


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], SearchQuery]
    #: Designed to match nothing; every other case must match something.
    empty: bool = False


def _q(**kwargs: object) -> Callable[[], SearchQuery]:
    def build() -> SearchQuery:
        args = dict(kwargs)
        if "regions" in args:
            args["regions"] = tuple(resolve_region(str(r)) for r in args["regions"])  # type: ignore[attr-defined]
        if "labels" in args:
            args["labels"] = tuple(parse_label(str(x)) for x in args["labels"])  # type: ignore[attr-defined]
        return SearchQuery(**args)  # type: ignore[arg-type]

    return build


CASES = [
    Case("everything, newest first", _q(limit=60)),
    Case("words: all must match", _q(text="kepala desa", limit=100)),
    Case("exact phrase", _q(text='"kepala desa"', limit=100)),
    Case("phrase keeps its order", _q(text='"desa kepala"', limit=100), empty=True),
    Case("OR", _q(text="lurah OR tuban", limit=100)),
    Case("exclusion", _q(text="lurah -kampanye", limit=100)),
    Case("excluded phrase", _q(text='asn -"politik praktis"', limit=100)),
    Case("prefix", _q(text="netral*", limit=200)),
    Case("prefix finds at least the word", _q(text="netralitas", limit=200)),
    Case("stem: imbauan finds mengimbau, diimbau", _q(text="imbauan", limit=100)),
    Case("stem: pelanggaran finds melanggar", _q(text="pelanggaran", limit=100)),
    Case("stem: melanggar finds pelanggaran", _q(text="melanggar", limit=100)),
    Case("stemmed phrase", _q(text='"mengimbau lurah"', limit=100)),
    Case("number with a dot", _q(text="10.000", limit=100)),
    Case("apostrophe", _q(text="jum'at", limit=100)),
    Case("hyphenated", _q(text="e-ktp", limit=100)),
    Case("hyphen joins in the text", _q(text="pilkada 2024", limit=100)),
    Case("no such word", _q(text="zzzyx"), empty=True),
    Case("region by name", _q(regions=["Jember"], limit=100)),
    Case("region with its type", _q(regions=["Kab. Lumajang"], limit=100)),
    Case("region by code", _q(regions=["35.08"], limit=100)),
    Case("province by alias includes its regencies", _q(regions=["Jatim"], limit=200)),
    Case("name of both a kabupaten and a kota", _q(regions=["Kediri"], limit=100)),
    Case("two regions", _q(regions=["Kalteng", "Makassar"], limit=200)),
    Case("sites", _q(sites=("memorandum", "kaltengpos"), limit=200)),
    Case(
        "time window",
        _q(since=datetime(2024, 9, 1, tzinfo=UTC), until=datetime(2024, 10, 1, tzinfo=UTC), limit=200),
    ),
    Case("relevant only", _q(relevant_only=True, limit=60)),
    Case("actor term label", _q(labels=["actor=kepala_desa"], limit=100)),
    Case("actor type label", _q(labels=["actor=village"], limit=200)),
    Case("two labels", _q(labels=["actor=camat_lurah", "oversight=bawaslu"], limit=100)),
    Case("stage", _q(stages=("sanction",), limit=100)),
    Case("stages: any of", _q(stages=("report", "sanction"), limit=200)),
    Case("coverage label", _q(labels=["coverage=national"], limit=100)),
    Case("duplicates included", _q(include_duplicates=True, text="bawaslu", limit=200)),
    Case("small page: order and ties", _q(limit=7)),
    Case(
        "filtered with facets",
        _q(text="netralitas OR netral", regions=["Jatim"], relevant_only=True, facets=True, limit=10),
    ),
    Case("facets over everything", _q(facets=True, include_duplicates=True, limit=5)),
    Case(
        "everything at once",
        _q(
            text='"kepala desa" OR lurah -banjir',
            regions=["Jatim", "Banyumas"],
            relevant_only=True,
            stages=("appeal", "report"),
            since=datetime(2024, 8, 15, tzinfo=UTC),
            facets=True,
            limit=50,
        ),
    ),
]
#: Best match first: the engines' BM25 scores differ in detail, so these compare the sets
#: (the limit covers every match) and the ranking is checked on its own.
RANKED_CASES = [
    Case("ranked words", _q(text="netralitas bawaslu", sort="relevance", limit=1000)),
    Case("ranked with filters", _q(text="kepala desa", regions=["Jatim"], sort="relevance", limit=1000)),
]


@dataclass(frozen=True)
class Answer:
    ids: list[str]
    total: int
    outlets: dict[str, int]
    facets: dict[str, list[tuple[str, int]]] | None


def _newest_first(articles: list[Article]) -> list[Article]:
    by_id = sorted(articles, key=lambda a: a.id)
    dated = sorted((a for a in by_id if a.published_at), key=lambda a: a.published_at, reverse=True)  # type: ignore[arg-type, return-value]
    return dated + [a for a in by_id if a.published_at is None]


def _keeps(query: SearchQuery, a: Article) -> bool:
    e = a.enrichment
    assert e is not None
    r = e.relevance
    primary = e.region.primary
    labels = (
        {f"actor:{x}" for x in r.actors}
        | {f"stage:{x}" for x in r.stages}
        | {f"coverage:{r.coverage}"}
        | {f"term:{g}:{t}" for g, ts in r.matched.items() for t in ts}
    )
    return (
        query.parsed.matches(Document.of(a.title, a.body))
        and (query.since is None or (a.published_at is not None and a.published_at >= query.since))
        and (query.until is None or (a.published_at is not None and a.published_at < query.until))
        and (not query.regions or any(r_.contains(primary) for r_ in query.regions))
        and (not query.sites or a.site in query.sites)
        and (not query.relevant_only or r.relevant)
        and all(label.key in labels for label in query.labels)
        and (not query.stages or bool(set(query.stages) & set(r.stages)))
        and (query.include_duplicates or e.dedup.duplicate_of is None)
    )


def expected(corpus: list[Article], query: SearchQuery) -> Answer:
    """What every backend must answer for ``query`` over ``corpus``."""
    matched = _newest_first([a for a in corpus if _keeps(query, a)])
    page = matched[: query.limit]
    clusters: dict[str, set[str]] = {}
    for a in corpus:
        assert a.enrichment
        clusters.setdefault(a.enrichment.dedup.cluster_id, set()).add(a.site)
    outlets = {a.id: len(clusters[a.enrichment.dedup.cluster_id]) for a in page if a.enrichment}
    facets = None
    if query.facets:
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for a in matched:
            assert a.enrichment
            primary = a.enrichment.region.primary
            if primary:
                counts["province"][primary.province_code] += 1
                if "." in primary.code:
                    counts["regency"][primary.code] += 1
            counts["site"][a.site] += 1
            counts["actor"].update(a.enrichment.relevance.actors)
            counts["stage"].update(a.enrichment.relevance.stages)
        facets = {name: [(b.key, b.count) for b in rank_buckets(dict(c), FACETS[name])] for name, c in counts.items()}
    return Answer([a.id for a in page], len(matched), outlets, facets)


def answer_of(result: object) -> Answer:
    """A backend's :class:`~pantau.search.SearchResult` in the same shape."""
    from pantau.search import SearchResult

    assert isinstance(result, SearchResult)
    facets = None
    if result.facets is not None:
        facets = {name: [(b.key, b.count) for b in buckets] for name, buckets in result.facets.items()}
    return Answer(
        [h.article.id for h in result.hits], result.total, {h.article.id: h.outlets for h in result.hits}, facets
    )
