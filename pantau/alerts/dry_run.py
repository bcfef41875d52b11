"""``pantau alerts test``: what a subscription would have sent for a set of stored articles.

The same matcher and the same text rendering as the real thing, grouped once per story
(the earliest matching article of each cluster; its later copies become "also reported
by"), with nothing recorded and nothing sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pantau.alerts import render
from pantau.alerts.matcher import CompiledSubscription
from pantau.alerts.notice import Message, Notice, Outlet, StoryItem
from pantau.alerts.schedule import DigestSchedule
from pantau.alerts.subscriptions import Subscription
from pantau.schema import Article

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DryRun:
    #: One rendered text notice per story, oldest first.
    messages: list[str]
    schedule: DigestSchedule | None


def _order(article: Article) -> tuple[datetime, datetime, str]:
    return (article.published_at or _NEVER, article.fetched_at, article.id)


def dry_run(subscription: Subscription, articles: Sequence[Article], default_timezone: str) -> DryRun:
    compiled = CompiledSubscription(subscription)
    first: dict[str, Notice] = {}
    copies: dict[str, list[Outlet]] = {}
    for article in sorted(articles, key=_order):
        e = article.enrichment
        if e is None:
            continue
        cluster = e.dedup.cluster_id
        if cluster in first:
            if article.site != first[cluster].site and all(o.site != article.site for o in copies[cluster]):
                copies[cluster].append(Outlet(site=article.site, url=article.canonical_url, title=article.title))
            continue
        match = compiled.match(article)
        if match is not None:
            first[cluster] = Notice.of(subscription.name, article, list(match.terms))
            copies[cluster] = []
    timezone = subscription.zone_name(default_timezone)
    messages = [
        render.text(
            Message(
                delivery_id="(test: not sent)",
                subscription=subscription.name,
                owner=subscription.owner,
                kind="notice",
                timezone=timezone,
                items=[StoryItem(notice=notice, other_outlets=copies[cluster])],
            )
        )
        for cluster, notice in first.items()
    ]
    return DryRun(messages, subscription.schedule(default_timezone))
