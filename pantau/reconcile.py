"""Embedded mode: the store is the truth about what was delivered; the crawl state follows it.

The crawler marks a page delivered when it hands the article to the embedded writer, and
the crawl state commits those marks in batches, while the writer commits the article later,
in its own process. A death of one process alone loses nothing (the other one, or the spool,
keeps the records: :mod:`pantau.embedded`), but if both die at once (SIGKILL of the process
group, the OOM killer, a power cut) the queued articles are gone while their marks may be
committed, and the next crawl would skip those pages as known, or see their feed answer 304.

So before an embedded crawl starts its writer, :func:`reconcile` compares the two: an article
marked delivered whose version is neither in the store, nor waiting in the embedded spool,
nor dead-lettered by the writer, is handed back to the crawler to fetch again
(:meth:`~pantau.crawlstate.CrawlState.refetch_articles`); so is a page the crawler
dead-lettered whose dead letter is neither stored nor spooled (it went the same way). A page fetched again needlessly
costs one request and stores the same id; a page trusted wrongly is lost, so every doubt
resolves to fetching again.

It costs one query on each side (the store's ids come from its index, not its documents),
plus the documents of the few updated articles (version above 1), to compare versions.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pantau.crawlstate import CrawlState
from pantau.embedded import spooled
from pantau.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reconciled:
    """What a reconciliation found, per site: articles marked delivered and dead letters the store lacks."""

    checked: int
    lost: dict[str, int] = field(default_factory=dict)
    lost_letters: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.lost.values()) + sum(self.lost_letters.values())

    def summary(self) -> str:
        per_site = Counter(self.lost) + Counter(self.lost_letters)
        sites = ", ".join(f"{site}: {n}" for site, n in sorted(per_site.items()))
        letters = sum(self.lost_letters.values())
        text = f"{self.total} article page(s) an earlier crawl marked delivered"
        text += f" or dead-lettered ({letters})" if letters else ""
        return text + f" were not in the store (its processes stopped together?); fetching them again ({sites})"


def reconcile(state: CrawlState, store: Store, spool_dir: Path) -> Reconciled:
    """Hand back to the crawler every article marked delivered (or dead-lettered) that the store does not hold.

    Run it before the embedded writer starts (the crawl CLI does): the spool is read first,
    then the store, so an article a leftover writer moves from one to the other in between
    is still found in the second.
    """
    delivered = state.delivered_articles()
    rejected = state.dead_lettered_articles()
    if not delivered and not rejected:
        return Reconciled(checked=0)
    waiting = spooled(spool_dir)
    stored = store.article_ids()
    dead_lettered = store.dead_lettered_ids() | waiting.dead_letters
    # Updated articles (version above 1) need the stored version; the rest only its presence.
    to_compare = [
        article_id
        for (_, article_id), version in delivered.items()
        if version > 1 and article_id in stored and waiting.articles.get(article_id, 0) < version
    ]
    stored_versions = store.versions(to_compare)
    lost: dict[tuple[str, str], int] = {}
    for (site, article_id), version in delivered.items():
        if article_id in dead_lettered:  # the writer dead-lettered it (enrichment failed)
            continue
        present = waiting.articles.get(article_id, 0)
        if article_id in stored:
            present = max(present, stored_versions.get(article_id, 1))
        if present < version:
            lost[(site, article_id)] = present
    lost_letters = sorted(key for key in rejected if key[1] not in dead_lettered)
    state.refetch_articles(lost, lost_letters)
    per_site = Counter(site for site, _ in lost)
    letters_per_site = Counter(site for site, _ in lost_letters)
    for site in sorted(per_site.keys() | letters_per_site.keys()):
        logger.warning(
            "pages marked delivered or dead-lettered were not stored; fetching them again",
            extra={"site": site, "articles": per_site[site], "dead_letters": letters_per_site[site]},
        )
    logger.info(
        "crawl state reconciled with the store",
        extra={
            "checked": len(delivered) + len(rejected),
            "lost": len(lost),
            "lost_dead_letters": len(lost_letters),
            "spooled": len(waiting.articles),
            "stored": len(stored),
        },
    )
    return Reconciled(checked=len(delivered) + len(rejected), lost=dict(per_site), lost_letters=dict(letters_per_site))
