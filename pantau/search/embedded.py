"""Search over the embedded store: a :class:`SearchQuery` compiled to SQL and FTS5.

The twin of :mod:`pantau.search.elastic`; the integration tests run one table of cases
against both and expect the same articles in the same order (newest first), the same
totals and the same facets. Text goes through :func:`pantau.query.fts5_expression` on
the store's word and stem columns; exclusions are FTS5 ``NOT``.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pantau.query import fts5_expression
from pantau.schema import Article
from pantau.search.request import SearchQuery, StoryNotFound, story_ref
from pantau.search.results import FACETS, FacetBucket, Hit, SearchResult, Story, rank_buckets, story_order
from pantau.store import Store

# Newest first; unknown dates last (SQLite sorts NULL lowest); ties by id, as Elasticsearch
# sorts them. The articles_newest index holds this order.
_NEWEST = "a.published_at DESC, a.id"


def match_expression(query: SearchQuery) -> str | None:
    """The FTS5 MATCH expression for the query's text, or None when there is none."""
    parsed = query.parsed
    if not parsed:
        return None
    positive = " AND ".join(f"({fts5_expression(c)})" for c in parsed.positive)
    if parsed.negative:
        negative = " OR ".join(f"({fts5_expression(c)})" for c in parsed.negative)
        return f"({positive}) NOT ({negative})"
    return positive


def _in(column: str, values: tuple[str, ...], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


def where_clause(query: SearchQuery) -> tuple[str, str, list[Any]]:
    """(source, where, params) selecting the matching rows of ``articles a``."""
    conditions: list[str] = []
    params: list[Any] = []
    source = "articles a"
    expression = match_expression(query)
    if expression is not None:
        # CROSS JOIN keeps the full-text match as the outer loop: the planner otherwise probes it
        # once per filtered row, which costs seconds for a prefix over a large region.
        source = "articles_fts CROSS JOIN articles a ON a.seq = articles_fts.rowid"
        conditions.append("articles_fts MATCH ?")
        params.append(expression)
    if query.since:
        conditions.append("a.published_at >= ?")
        params.append(query.since.astimezone(UTC).isoformat())
    if query.until:
        conditions.append("a.published_at < ?")
        params.append(query.until.astimezone(UTC).isoformat())
    if query.regions:
        either = []
        if query.regency_codes:
            either.append(_in("a.region_code", query.regency_codes, params))
        if query.province_codes:
            either.append(_in("a.province_code", query.province_codes, params))
        conditions.append("(" + " OR ".join(either) + ")")
    if query.sites:
        conditions.append(_in("a.site", query.sites, params))
    if query.relevant_only:
        conditions.append("a.relevant = 1")
    for label in query.labels:
        conditions.append("a.seq IN (SELECT seq FROM article_labels WHERE label = ?)")
        params.append(label.key)
    if query.stages:
        stages = tuple(f"stage:{s}" for s in query.stages)
        conditions.append("a.seq IN (SELECT seq FROM article_labels WHERE " + _in("label", stages, params) + ")")
    if not query.include_duplicates:
        conditions.append("a.duplicate_of IS NULL")
    return source, (" WHERE " + " AND ".join(conditions)) if conditions else "", params


#: Below this many matches, the page is sorted from the matches; above it, the newest-first
#: index is walked until the page is full (each step a lookup in the matches).
_SMALL = 3000


class StoreSearch:
    """:class:`~pantau.search.SearchBackend` over the embedded SQLite store.

    The matching rows are found once (one FTS5 pass) into a temporary table; the total,
    the page and the facets are read from it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, query: SearchQuery) -> SearchResult:
        source, where, params = where_clause(query)
        db = self.store.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS matched (seq INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM matched")
        db.execute(f"INSERT INTO matched SELECT a.seq FROM {source}{where}", params)
        (total,) = db.execute("SELECT count(*) FROM matched").fetchone()
        if query.ranked:
            # bm25 needs the MATCH itself: rank the matching rows again, best first.
            page = db.execute(
                f"SELECT a.seq FROM {source}{where} ORDER BY bm25(articles_fts), {_NEWEST} LIMIT ?",
                [*params, query.limit],
            ).fetchall()
        elif total <= _SMALL:
            page = db.execute(
                f"SELECT a.seq FROM matched m CROSS JOIN articles a ON a.seq = m.seq ORDER BY {_NEWEST} LIMIT ?",
                (query.limit,),
            ).fetchall()
        else:
            page = db.execute(
                f"SELECT a.seq FROM articles a INDEXED BY articles_newest WHERE a.seq IN matched "
                f"ORDER BY {_NEWEST} LIMIT ?",
                (query.limit,),
            ).fetchall()
        seqs = [seq for (seq,) in page]
        docs = dict(db.execute(f"SELECT seq, doc FROM article_docs WHERE seq IN ({','.join('?' * len(seqs))})", seqs))
        articles = [Article.model_validate_json(docs[seq]) for seq in seqs]
        facets = self._facets(int(total)) if query.facets else None
        return SearchResult(self._hits(articles), int(total), facets)

    def _facets(self, total: int) -> dict[str, list[FacetBucket]]:
        db = self.store.db
        # Few matches: look each up; many: read the small rows in order and test membership.
        source = "matched m CROSS JOIN articles a ON a.seq = m.seq" if total <= _SMALL else "articles a"
        member = "" if total <= _SMALL else " WHERE a.seq IN matched"
        counts: dict[str, dict[str, int]] = {"province": {}, "regency": {}, "site": {}}
        for province, region, site, n in db.execute(
            f"SELECT a.province_code, a.region_code, a.site, count(*) FROM {source}{member} GROUP BY 1, 2, 3"
        ):
            if province:
                counts["province"][province] = counts["province"].get(province, 0) + n
            # A province-level primary region is not a regency: the regency facet skips it.
            if region and "." in region:
                counts["regency"][region] = counts["regency"].get(region, 0) + n
            counts["site"][site] = counts["site"].get(site, 0) + n
        out = {name: rank_buckets(c, FACETS[name]) for name, c in counts.items()}
        for name in ("actor", "stage"):
            rows = db.execute(
                "SELECT label, count(*) FROM article_labels WHERE label >= ? AND label < ? AND seq IN matched "
                "GROUP BY label",
                (f"{name}:", f"{name};"),  # ";" sorts right after ":": the label range for the prefix
            ).fetchall()
            out[name] = rank_buckets({k.split(":", 1)[1]: n for k, n in rows}, FACETS[name])
        return out

    def _hits(self, articles: list[Article]) -> list[Hit]:
        clusters = sorted({a.enrichment.dedup.cluster_id for a in articles if a.enrichment})
        sizes: dict[str, tuple[int, int]] = {}
        if clusters:
            rows = self.store.db.execute(
                "SELECT cluster_id, count(DISTINCT site), count(*) FROM articles "
                f"WHERE cluster_id IN ({','.join('?' * len(clusters))}) GROUP BY cluster_id",
                clusters,
            ).fetchall()
            sizes = {c: (outlets, copies) for c, outlets, copies in rows}
        hits = []
        for a in articles:
            outlets, copies = sizes.get(a.enrichment.dedup.cluster_id, (1, 1)) if a.enrichment else (1, 1)
            hits.append(Hit(a, outlets, copies))
        return hits

    def search(self, query: SearchQuery) -> list[Article]:
        """The matching articles only (for callers that need no totals, facets or story sizes)."""
        return self.find(query).articles

    def story(self, ref: str) -> Story:
        """Every article of the story ``ref`` names (an article or cluster id, or a prefix of one)."""
        ref = story_ref(ref)
        db = self.store.db
        # Every id starting with the hex prefix sorts between it and the prefix + "g" (past "f").
        bounds = (ref, ref + "g")
        rows = db.execute(
            "SELECT DISTINCT coalesce(cluster_id, id) FROM articles "
            "WHERE (id >= ? AND id < ?) OR (cluster_id >= ? AND cluster_id < ?) LIMIT 5",
            (*bounds, *bounds),
        ).fetchall()
        stories = sorted(r[0] for r in rows)
        if not stories:
            raise StoryNotFound(f"no article or story has an id starting {ref}")
        if len(stories) > 1:
            raise StoryNotFound(f"{ref} fits several stories ({', '.join(s[:12] for s in stories)}): give more digits")
        (cluster,) = stories
        docs = db.execute(
            "SELECT d.doc FROM articles a JOIN article_docs d ON d.seq = a.seq WHERE a.cluster_id = ? OR a.id = ?",
            (cluster, cluster),
        ).fetchall()
        articles = sorted((Article.model_validate_json(d) for (d,) in docs), key=story_order)
        return Story(cluster, articles)
