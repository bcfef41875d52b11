"""What a search returns: hits with the story they belong to, a total, facets; and stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pantau.enrich.region.gazetteer import load_gazetteer
from pantau.schema import Article

#: Facets ``--facets`` counts, with how many buckets each shows (most frequent first,
#: then by key, the same on both backends).
FACETS: dict[str, int] = {"province": 38, "regency": 20, "site": 20, "actor": 12, "stage": 3}


def story_id(article: Article) -> str:
    """The story an article belongs to: its dedup cluster, or itself before enrichment."""
    return article.enrichment.dedup.cluster_id if article.enrichment else article.id


def fired_terms(article: Article) -> list[str]:
    """The lexicon terms that fired, actors first, each once (why the article is relevant)."""
    e = article.enrichment
    if e is None:
        return []
    order = ["actor", "neutrality", "oversight", "appeal", "election"]
    groups = sorted(e.relevance.matched, key=lambda g: (order.index(g) if g in order else len(order), g))
    seen: dict[str, None] = {}
    for group in groups:
        if group in ("non_target", "other_sense", "context", "government"):
            continue  # matched only to rule things out or mark coverage: not a reason
        for term in e.relevance.matched[group]:
            seen.setdefault(term, None)
    return list(seen)


@dataclass(frozen=True)
class Hit:
    article: Article
    #: Distinct outlets that carried the story (the article's dedup cluster), at least 1.
    outlets: int = 1
    #: Articles in the story's cluster, this one included.
    copies: int = 1

    @property
    def story_id(self) -> str:
        return story_id(self.article)


@dataclass(frozen=True)
class FacetBucket:
    key: str
    count: int

    @property
    def label(self) -> str:
        """A region code with its name ("Jawa Timur (35)"); other keys as they are."""
        if self.key[:2].isdigit():
            region = load_gazetteer().regions.get(self.key)
            if region:
                return f"{region.name} ({self.key})"
        return self.key


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    #: How many articles match in all (the hits are the first ``limit`` of them).
    total: int
    #: Facet name (see :data:`FACETS`) to buckets, when asked for.
    facets: dict[str, list[FacetBucket]] | None = None

    @property
    def articles(self) -> list[Article]:
        return [h.article for h in self.hits]


def story_order(article: Article) -> tuple[bool, datetime, datetime, str]:
    """First publisher first: by publication time (unknown last), then fetch time, then id."""
    published = article.published_at or article.fetched_at
    return (article.published_at is None, published, article.fetched_at, article.id)


@dataclass(frozen=True)
class Story:
    """Every article of one story (dedup cluster), first publisher first."""

    id: str
    articles: list[Article] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        """The sites that carried it, in the order they first did."""
        return list(dict.fromkeys(a.site for a in self.articles))

    @property
    def first(self) -> Article:
        return self.articles[0]


def rank_buckets(counts: dict[str, int], size: int) -> list[FacetBucket]:
    """The ``size`` largest buckets, ties by key: the order both backends report."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [FacetBucket(k, n) for k, n in ordered[:size] if n > 0]
