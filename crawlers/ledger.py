"""The crawler's memory for one site and run: what to fetch, which version to publish, and the tally.

The spider asks :meth:`Ledger.wants` before fetching an article URL (not seen before, or its
source says it changed, or ``--refetch``), the normalise pipeline asks :meth:`Ledger.revise`
which version an article is (``None``: unchanged, nothing to publish), and Scrapy's item
signals report each page's end here, where it is counted once and remembered in the durable
:class:`~pantau.crawlstate.CrawlState`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawlers.discovery import Found
from crawlers.outcomes import SiteTally, dead_letter_kind
from pantau.crawlstate import CrawlState, RunRecord
from pantau.schema import Article, PageExtract
from pantau.urls import canonical_url

logger = logging.getLogger(__name__)


def content_hash(title: str, body: str) -> str:
    """What "the page changed" means: the cleaned title and body, white space folded."""
    text = " ".join(title.split()) + "\n" + " ".join(body.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def url_key(url: str) -> str:
    """The form an article URL is remembered under (AMP and tracking variants fold together)."""
    try:
        return canonical_url(url)
    except ValueError:
        return url


@dataclass
class Ledger:
    site: str
    state: CrawlState
    refetch: bool = False
    tally: SiteTally = field(init=False)
    #: URL keys requested in this run.
    scheduled: set[str] = field(default_factory=set)
    #: URL keys remembered from earlier runs (and this one).
    known: set[str] = field(init=False)
    #: URL keys remembered from earlier runs only.
    earlier: frozenset[str] = field(init=False)
    #: Feeds and sitemaps whose validators this run saved.
    validated: list[str] = field(default_factory=list)
    #: This run did not follow everything its feeds and sitemaps listed (an article budget
    #: ran out, or a backfill window left entries out): see :meth:`close`.
    partial: bool = False

    def __post_init__(self) -> None:
        self.tally = SiteTally(self.site)
        self.known = self.state.seen_urls(self.site)
        self.earlier = frozenset(self.known)

    def wants(self, found: Found) -> bool:
        """Whether to fetch this article URL in this run (and remember that it was scheduled)."""
        key = url_key(found.url)
        if key in self.scheduled:
            return False
        if not self.refetch and key in self.known:
            seen = self.state.seen(self.site, key)
            changed = seen is not None and found.newest is not None and found.newest > seen.last_fetched
            if not changed:
                return False
        self.scheduled.add(key)
        return True

    def unseen_before(self, url: str) -> bool:
        """Whether no earlier run knew this URL (whatever this run has done with it since)."""
        return url_key(url) not in self.earlier

    def is_new(self, url: str) -> bool:
        key = url_key(url)
        return key not in self.known and key not in self.scheduled

    def published_at(self, url: str) -> datetime | None:
        seen = self.state.seen(self.site, url_key(url))
        return seen.published_at if seen else None

    def revise(self, article: Article) -> Article | None:
        """The article with its version: ``None`` when it is the same as what was published before."""
        previous = self.state.seen_article(self.site, article.id)
        if previous is None or previous.outcome != "delivered":
            return article
        same_content = previous.content_hash == content_hash(article.title, article.body)
        newer = (
            article.modified_at is not None
            and previous.modified_at is not None
            and article.modified_at > previous.modified_at
        )
        if same_content and not newer:
            return None
        return article.model_copy(update={"version": previous.version + 1})

    # --- ends of article pages ----------------------------------------------------------

    def _remember(self, keys: list[str], outcome: str, article_id: str | None, article: Article | None) -> None:
        for key in dict.fromkeys(keys):
            self.state.mark(
                self.site,
                key,
                outcome=outcome,
                article_id=article_id,
                content_hash=content_hash(article.title, article.body) if article else None,
                modified_at=article.modified_at if article else None,
                published_at=article.published_at if article else None,
                version=article.version if article else 1,
            )
            self.known.add(key)

    def delivered(self, key: str, article: Article) -> None:
        self.tally.outcome("delivered")
        self._remember([key, url_key(article.canonical_url)], "delivered", article.id, article)
        self.state.record_publication(self.site, article.id, article.version, article.published_at)

    def unchanged(self, key: str, article_id: str | None) -> None:
        self.tally.outcome("unchanged")
        if article_id:
            previous = self.state.seen_article(self.site, article_id)
            if previous is not None:
                # Refresh the fetch time only; content, version and dates stay as published.
                self.state.mark(
                    self.site,
                    key,
                    outcome=previous.outcome,
                    article_id=article_id,
                    content_hash=previous.content_hash,
                    modified_at=previous.modified_at,
                    published_at=previous.published_at,
                    version=previous.version,
                )
                self.known.add(key)

    def dead_lettered(self, key: str, page: PageExtract | None, reason: str, article_id: str | None) -> None:
        kind = dead_letter_kind(reason)
        self.tally.outcome("dead_letter", kind, f"{page.url if page else key}: {reason}")
        self._remember([key], "dead_letter", article_id, None)

    def failed(self, key: str, kind: str, example: str) -> None:
        """A named failure: not remembered as seen, so the next run tries the page again."""
        self.tally.outcome("failed", kind, example)

    def save_validators(
        self, url: str, etag: str | None, last_modified: str | None, children: list[str] | None = None
    ) -> None:
        """Remember a feed's or sitemap's validators for the next run's conditional GET."""
        self.state.save_validators(url, etag, last_modified, children)
        self.validated.append(url)

    def close(self) -> RunRecord:
        if self.partial and self.validated:
            # A 304 next time would hide the entries this run left out (past the budget, or
            # outside the backfill window) for good: the next run reads these in full.
            self.state.forget_validators(self.validated)
            logger.info("feeds will be read in full next time", extra={"site": self.site, "urls": len(self.validated)})
        t = self.tally
        t.finished_at = datetime.now(UTC)
        run = RunRecord(
            site=self.site,
            started_at=t.started_at,
            finished_at=t.finished_at,
            reached=t.reached,
            delivered=t.outcomes["delivered"],
            unchanged=t.outcomes["unchanged"],
            dead_letters=t.outcomes["dead_letter"],
            failed=t.outcomes["failed"],
            errors=t.errors(),
        )
        self.state.record_run(run)
        return run
