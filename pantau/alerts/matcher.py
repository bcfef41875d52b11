"""A subscription against an enriched article: pure, and the same in every mode.

The Kafka alert consumer, embedded mode and ``pantau alerts test`` all call
:meth:`Matcher.match`. Keywords use the search query language (:mod:`pantau.query`),
matched in Python on the title and body with the same stemming as search; regions are
resolved once (:mod:`pantau.regions`) and compared with the article's primary region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from pantau.alerts.subscriptions import Subscription
from pantau.query import Clause, Document, Query, Term, Word, parse_query
from pantau.regions import RegionSelection, resolve_region
from pantau.schema import Article


@dataclass(frozen=True)
class Match:
    """A subscription that matched, and the query terms that fired (empty without keywords)."""

    subscription: Subscription
    terms: tuple[str, ...]


def term_text(term: Term) -> str:
    if isinstance(term, Word):
        return term.text + ("*" if term.prefix else "")
    return '"' + " ".join(term.words) + '"'


def fired_terms(query: Query, doc: Document) -> list[str]:
    """The positive terms of ``query`` found in ``doc`` (why it matched), in query order."""
    return [
        term_text(term) for clause in query.positive for term in clause.terms if Query((Clause((term,)),)).matches(doc)
    ]


class _Text:
    """An article's matching document, built once and only when a query needs it."""

    def __init__(self, article: Article) -> None:
        self.article = article

    @cached_property
    def doc(self) -> Document:
        return Document.of(self.article.title, self.article.body)


class CompiledSubscription:
    """A subscription with its regions resolved and its queries parsed."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        f = subscription.filters
        self.regions: tuple[RegionSelection, ...] = tuple(resolve_region(r) for r in f.regions)
        self.queries: tuple[Query, ...] = tuple(parse_query(q) for q in f.keywords)
        self.sites = frozenset(f.sites)
        self.actors = frozenset(f.actors)
        self.stages = frozenset(f.stages)

    def match(self, article: Article, text: _Text | None = None) -> Match | None:
        e = article.enrichment
        if e is None:
            return None
        f = self.subscription.filters
        # Cheap filters first; the text is stemmed only for articles that pass them.
        if self.sites and article.site not in self.sites:
            return None
        if e.relevance.score < f.min_relevance:
            return None
        if self.actors and not self.actors.intersection(e.relevance.actors):
            return None
        if self.stages and not self.stages.intersection(e.relevance.stages):
            return None
        if self.regions and not any(r.contains(e.region.primary) for r in self.regions):
            return None
        if not self.queries:
            return Match(self.subscription, ())
        text = text or _Text(article)
        terms: list[str] = []
        hit = False
        for query in self.queries:
            if query.matches(text.doc):
                hit = True
                terms += [t for t in fired_terms(query, text.doc) if t not in terms]
        return Match(self.subscription, tuple(terms)) if hit else None


class Matcher:
    """Every subscription of a set, compiled once."""

    def __init__(self, subscriptions: Sequence[Subscription]) -> None:
        self.compiled = [CompiledSubscription(s) for s in subscriptions]

    def match(self, article: Article) -> list[Match]:
        text = _Text(article)
        return [m for c in self.compiled if (m := c.match(article, text)) is not None]
