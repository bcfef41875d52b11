"""The enrich stage's core, shared by the Kafka consumer, embedded mode and ``pantau enrich``.

One :class:`Enricher` holds the near-duplicate index (the only state) and applies, per
article: the date re-check, dedup, region tagging and relevance. Persisting the dedup
signatures is the caller's job (SQLite or a compacted topic), so this stays pure.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pantau.dates import WIB, date_flags, dates_in_text
from pantau.enrich.dedup import DedupIndex
from pantau.enrich.region import tag_regions
from pantau.enrich.relevance import Scorer, default_scorer
from pantau.schema import Article, DateCheck, DedupSignature, Enrichment


class Enricher:
    def __init__(self, dedup: DedupIndex | None = None, scorer: Scorer | None = None) -> None:
        self.dedup = dedup or DedupIndex()
        self.scorer = scorer or default_scorer()

    def restore(self, signatures: Iterable[Mapping[str, Any]]) -> int:
        """Rebuild the near-duplicate index from persisted signatures; returns how many."""
        count = 0
        for data in signatures:
            self.dedup.add(DedupSignature.from_dict(data))
            count += 1
        return count

    def enrich(self, article: Article, now: datetime | None = None) -> tuple[Article, DedupSignature]:
        zone = ZoneInfo(article.timezone) if article.timezone else WIB
        text_dates = dates_in_text(article.body, article.fetched_at, zone)
        updates: dict[str, Any] = {}
        from_text = None
        if article.published_at is None and text_dates:
            # Better a date the story states than none; date_source says how it was found.
            from_text = text_dates[0]
            updates = {"published_at": from_text, "date_source": "body"}
        published = updates.get("published_at", article.published_at)
        flags = date_flags(published, article.fetched_at, article.site_founded, text_dates)
        dated = article.model_copy(update=updates) if updates else article
        dedup, signature = self.dedup.check(dated)
        # The parts are models the scorers already validated (or plain values computed
        # here): constructing without re-validation saves a walk over every evidence span.
        enrichment = Enrichment.model_construct(
            enriched_at=now or datetime.now(UTC),
            dedup=dedup,
            region=tag_regions(article.title, article.body, article.home_region),
            relevance=self.scorer.score(article.title, article.body),
            date=DateCheck.model_construct(flags=flags, from_text=from_text),
        )
        return dated.with_enrichment(enrichment), signature


def freeze_restored_state() -> None:
    """Move everything alive now (the restored dedup index above all) out of the cyclic collector.

    Call once after restoring: the index lives as long as the process, and full collections
    would otherwise walk its hundreds of thousands of objects again and again.
    """
    gc.collect()
    gc.freeze()
