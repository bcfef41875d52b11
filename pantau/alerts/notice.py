"""What a notice carries, and the message a channel sends (one notice, or a digest of several).

A :class:`Notice` is fixed when the story first matches; the other outlets that carried
the same story are added when the message is rendered, so a digest (or a retried notice)
names the copies known by then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pantau.schema import Article, Region, UtcDatetime


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outlet(_Model):
    """Another outlet's copy of the story."""

    site: str
    url: str
    title: str


class Notice(_Model):
    """One story for one subscription: the article that matched first, and why it matched."""

    subscription: str
    cluster_id: str
    article_id: str
    title: str
    site: str
    url: str
    published_at: UtcDatetime | None = None
    region: Region | None = None
    relevance_score: float
    relevant: bool
    actors: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    #: The subscription's query terms that fired.
    matched_terms: list[str] = Field(default_factory=list)
    #: The relevance lexicon's terms that fired, by group (actor, neutrality, oversight, ...).
    relevance_terms: dict[str, list[str]] = Field(default_factory=dict)

    @classmethod
    def of(cls, subscription: str, article: Article, matched_terms: list[str]) -> Notice:
        e = article.enrichment
        if e is None:
            raise ValueError(f"article {article.id} is not enriched: no notice can be made")
        return cls(
            subscription=subscription,
            cluster_id=e.dedup.cluster_id,
            article_id=article.id,
            title=" ".join(article.title.split()),
            site=article.site,
            url=article.canonical_url,
            published_at=article.published_at,
            region=e.region.primary,
            relevance_score=e.relevance.score,
            relevant=e.relevance.relevant,
            actors=list(e.relevance.actors),
            stages=list(e.relevance.stages),
            matched_terms=matched_terms,
            relevance_terms={k: list(v) for k, v in e.relevance.matched.items()},
        )


class StoryItem(_Model):
    """A notice as sent: with the other outlets of its story known at sending time."""

    notice: Notice
    other_outlets: list[Outlet] = Field(default_factory=list)


class Message(_Model):
    """What one delivery sends through one channel: a single notice or a digest."""

    delivery_id: str
    subscription: str
    owner: str
    kind: Literal["notice", "digest"]
    timezone: str
    items: list[StoryItem]
    period_start: datetime | None = None
    period_end: datetime | None = None
