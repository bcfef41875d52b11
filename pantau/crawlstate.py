"""Durable crawl state: what each site's crawler has seen, feed validators, runs and publications.

Kept in ``PANTAU_DATA_DIR/crawl.sqlite3`` (in both modes: the crawler's own memory, not the
articles), so that a restarted crawler:

* does not fetch an article URL it has already delivered or dead-lettered (``--refetch``
  overrides), and knows the content hash, modification date and version it published, so a
  changed page is published again as the next version of the same id;
* sends conditional GETs (``If-None-Match`` / ``If-Modified-Since``) for feeds and sitemaps;
* can say, per site, when it last crawled successfully, how many articles it found in the
  last day and week, and which errors it met: the figures of ``pantau sites health`` and of
  the ``pantau_site_*`` Prometheus gauges (:mod:`pantau.sitehealth`).

Writes are batched (a commit every ``commit_every`` writes, :data:`COMMIT_EVERY` by default,
and at :meth:`CrawlState.flush`): a crash loses at most that many marks, and the only cost is
fetching those pages again, which gives the same ids. The opposite, a mark committed for a
record that never arrived, must not happen silently. Two guards, one per mode:

* ``before_commit``: a callable run before every commit. The Kafka crawl wires it to the
  delivery's settle (every record handed over so far acknowledged, spooled and fsynced, or
  dead-lettered), so no mark is ever committed for a record whose fate is unknown.
* embedded mode has no such hook; :mod:`pantau.reconcile` undoes marks the store lacks
  before the next crawl (:meth:`CrawlState.refetch_articles`).

Feed validators are saved when a feed is read, before the pages it lists are fetched, so a
crawl that does not end normally (killed, stopped by a signal) may leave validators whose
pages were never fetched; a feed answering 304 would not list them again. A crawl
registers itself (:meth:`CrawlState.begin_crawl`) and unregisters only when it ends
normally (:meth:`CrawlState.end_crawl`); the next crawl that finds a registration whose
process is gone forgets every validator, so each feed and sitemap is read in full once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pantau.processes import pid_alive

COMMIT_EVERY = 50

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS seen (
    site TEXT NOT NULL,
    url TEXT NOT NULL,            -- the canonical URL of the discovered link
    article_id TEXT,
    content_hash TEXT,
    modified_at TEXT,
    published_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    outcome TEXT NOT NULL,        -- delivered | dead_letter
    first_seen TEXT NOT NULL,
    last_fetched TEXT NOT NULL,
    PRIMARY KEY (site, url)
);
CREATE INDEX IF NOT EXISTS seen_article ON seen (site, article_id);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    children TEXT,                -- JSON list: a sitemap index's sitemaps, re-checked when it is unchanged
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    reached INTEGER NOT NULL,     -- a start point answered
    delivered INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    dead_letters INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    errors TEXT NOT NULL          -- JSON: error kind -> count (failures and dead letters)
);
CREATE INDEX IF NOT EXISTS runs_site ON runs (site, finished_at);
CREATE TABLE IF NOT EXISTS published (
    site TEXT NOT NULL,
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at TEXT,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);
CREATE INDEX IF NOT EXISTS published_site ON published (site, published_at);
CREATE TABLE IF NOT EXISTS crawls (   -- crawls under way; a row left by a dead process: it did not end normally
    pid INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SeenArticle:
    """What the crawler last published (or dead-lettered) for one URL."""

    url: str
    article_id: str | None
    content_hash: str | None
    modified_at: datetime | None
    published_at: datetime | None
    version: int
    outcome: str
    last_fetched: datetime


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    site: str
    started_at: datetime
    finished_at: datetime
    reached: bool
    delivered: int
    unchanged: int
    dead_letters: int
    failed: int
    errors: dict[str, int]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class CrawlState:
    """The crawl state in one SQLite file (see the module doc).

    ``before_commit`` runs before every commit (an exception from it leaves the writes
    uncommitted, for a later commit); ``commit_every`` is how many writes are batched.
    """

    def __init__(
        self, path: Path, *, before_commit: Callable[[], object] | None = None, commit_every: int = COMMIT_EVERY
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.before_commit = before_commit
        self.commit_every = max(1, commit_every)
        self._pending = 0

    @classmethod
    def in_data_dir(
        cls, data_dir: Path, *, before_commit: Callable[[], object] | None = None, commit_every: int = COMMIT_EVERY
    ) -> CrawlState:
        return cls(data_dir / "crawl.sqlite3", before_commit=before_commit, commit_every=commit_every)

    def close(self) -> None:
        self.flush()
        self.db.close()

    def flush(self) -> None:
        """Commit what was written, after ``before_commit`` (which must not fail silently: it raises)."""
        if self.before_commit is not None:
            self.before_commit()
        self.db.commit()
        self._pending = 0

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= self.commit_every:
            self.flush()

    # --- crawls under way -----------------------------------------------------------------

    def begin_crawl(self) -> bool:
        """Register this process's crawl; ``True`` when an earlier crawl did not end normally.

        Then every feed and sitemap validator is forgotten (committed at once): that crawl
        may have saved a feed's validators and died before fetching the pages it listed.
        """
        me = os.getpid()
        gone = [pid for (pid,) in self.db.execute("SELECT pid FROM crawls") if pid == me or not pid_alive(pid)]
        for pid in gone:
            self.db.execute("DELETE FROM crawls WHERE pid = ?", (pid,))
        if gone:
            self._delete_validators()
        self.db.execute("INSERT OR REPLACE INTO crawls (pid, started_at) VALUES (?, ?)", (me, _iso(datetime.now(UTC))))
        self.flush()
        return bool(gone)

    def end_crawl(self) -> None:
        """This process's crawl ended normally: every page its feeds listed was dealt with."""
        self.db.execute("DELETE FROM crawls WHERE pid = ?", (os.getpid(),))
        self.flush()

    # --- article URLs ---------------------------------------------------------------------

    _COLUMNS = "url, article_id, content_hash, modified_at, published_at, version, outcome, last_fetched"

    @staticmethod
    def _seen_row(row: tuple[str, ...] | None) -> SeenArticle | None:
        if row is None:
            return None
        return SeenArticle(
            row[0], row[1], row[2], _dt(row[3]), _dt(row[4]), int(row[5]), row[6], _dt(row[7]) or datetime.now(UTC)
        )

    def seen(self, site: str, url: str) -> SeenArticle | None:
        """What was last done with this (canonical) URL."""
        query = f"SELECT {self._COLUMNS} FROM seen WHERE site = ? AND url = ?"
        return self._seen_row(self.db.execute(query, (site, url)).fetchone())

    def seen_article(self, site: str, article_id: str) -> SeenArticle | None:
        """The latest record for an article id (a page reached through several URLs has one id)."""
        query = f"SELECT {self._COLUMNS} FROM seen WHERE site = ? AND article_id = ? ORDER BY last_fetched DESC"
        return self._seen_row(self.db.execute(query, (site, article_id)).fetchone())

    def seen_urls(self, site: str) -> set[str]:
        """The URL keys not to fetch again: all seen, except those :meth:`refetch_articles` reopened."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT url FROM seen WHERE site = ? AND NOT (outcome = 'delivered' AND content_hash IS NULL)", (site,)
            )
        }

    def delivered_articles(self) -> dict[tuple[str, str], int]:
        """(site, article id) -> the newest version marked delivered, over every site, in one query."""
        rows = self.db.execute(
            "SELECT site, article_id, max(version) FROM seen WHERE outcome = 'delivered' AND article_id IS NOT NULL "
            "GROUP BY site, article_id"
        )
        return {(site, article_id): int(version) for site, article_id, version in rows}

    def dead_lettered_articles(self) -> set[tuple[str, str]]:
        """(site, article id) of the URLs last dead-lettered by the crawler, in one query."""
        rows = self.db.execute(
            "SELECT DISTINCT site, article_id FROM seen WHERE outcome = 'dead_letter' AND article_id IS NOT NULL"
        )
        return {(site, article_id) for site, article_id in rows}

    def refetch_articles(
        self, lost: Mapping[tuple[str, str], int], lost_letters: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Mark articles delivered but never stored (or dead letters never stored) as to be fetched again; commit.

        ``lost`` maps (site, article id) to the version the store holds (0: none). With none,
        the article's URLs are forgotten: the next crawl finds them new. With an older
        version, the URLs are kept at that version with no content hash: :meth:`seen_urls`
        leaves them out (so they are fetched), and the changed content then gets the next
        version, the one that was lost. Their publications are forgotten too, and every
        feed and sitemap validator: a feed that answers 304 would not list the URLs again
        (which feed listed a page is not recorded, so all are asked in full once).
        ``lost_letters``: (site, article id) whose dead letter the store lacks; their URLs are
        forgotten, so the page is fetched and dead-lettered (or delivered, if it was fixed) again.
        """
        letters = list(lost_letters)
        for site, article_id in letters:  # its dead letter was never stored: dead-letter the page again
            self.db.execute(
                "DELETE FROM seen WHERE site = ? AND article_id = ? AND outcome = 'dead_letter'", (site, article_id)
            )
        for (site, article_id), stored in lost.items():
            if stored:
                self.db.execute(
                    "UPDATE seen SET version = ?, content_hash = NULL WHERE site = ? AND article_id = ? "
                    "AND outcome = 'delivered'",
                    (stored, site, article_id),
                )
            else:
                self.db.execute(
                    "DELETE FROM seen WHERE site = ? AND article_id = ? AND outcome = 'delivered'", (site, article_id)
                )
            self.db.execute(
                "DELETE FROM published WHERE site = ? AND article_id = ? AND version > ?", (site, article_id, stored)
            )
        if lost or letters:
            self._delete_validators()
        self.flush()

    def mark(
        self,
        site: str,
        url: str,
        *,
        outcome: str,
        article_id: str | None,
        content_hash: str | None = None,
        modified_at: datetime | None = None,
        published_at: datetime | None = None,
        version: int = 1,
        now: datetime | None = None,
    ) -> None:
        """Remember that ``url`` was delivered (or dead-lettered) with this content."""
        when = _iso(now or datetime.now(UTC))
        self.db.execute(
            "INSERT INTO seen (site, url, article_id, content_hash, modified_at, published_at, version, outcome, "
            "first_seen, last_fetched) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (site, url) DO UPDATE SET "
            "article_id=excluded.article_id, content_hash=excluded.content_hash, modified_at=excluded.modified_at, "
            "published_at=excluded.published_at, version=excluded.version, outcome=excluded.outcome, "
            "last_fetched=excluded.last_fetched",
            (site, url, article_id, content_hash, _iso(modified_at), _iso(published_at), version, outcome, when, when),
        )
        self._wrote()

    def record_publication(
        self, site: str, article_id: str, version: int, published_at: datetime | None, now: datetime | None = None
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO published (site, article_id, version, published_at, delivered_at) "
            "VALUES (?,?,?,?,?)",
            (site, article_id, version, _iso(published_at), _iso(now or datetime.now(UTC))),
        )
        self._wrote()

    # --- conditional GET ------------------------------------------------------------------

    def validators(self, url: str) -> Validators | None:
        row = self.db.execute("SELECT etag, last_modified, children FROM validators WHERE url = ?", (url,)).fetchone()
        return Validators(row[0], row[1], tuple(json.loads(row[2] or "[]"))) if row else None

    def forget_validators(self, urls: Iterable[str]) -> None:
        """Drop these URLs' validators, so that the next crawl reads them in full."""
        self._delete_validators(urls)
        self._wrote()

    def _delete_validators(self, urls: Iterable[str] | None = None) -> None:
        """Delete validators (all of them by default); the caller decides when to commit."""
        if urls is None:
            self.db.execute("DELETE FROM validators")
        else:
            self.db.executemany("DELETE FROM validators WHERE url = ?", [(url,) for url in urls])

    def save_validators(
        self, url: str, etag: str | None, last_modified: str | None, children: list[str] | None = None
    ) -> None:
        if not (etag or last_modified):
            return
        self.db.execute(
            "INSERT INTO validators (url, etag, last_modified, children, checked_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT (url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
            "children=excluded.children, checked_at=excluded.checked_at",
            (url, etag, last_modified, json.dumps(children) if children else None, _iso(datetime.now(UTC))),
        )
        self._wrote()

    # --- runs and health ------------------------------------------------------------------

    def record_run(self, run: RunRecord) -> None:
        self.db.execute(
            "INSERT INTO runs (site, started_at, finished_at, reached, delivered, unchanged, dead_letters, failed, "
            "errors) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                run.site,
                _iso(run.started_at),
                _iso(run.finished_at),
                int(run.reached),
                run.delivered,
                run.unchanged,
                run.dead_letters,
                run.failed,
                json.dumps(run.errors, sort_keys=True),
            ),
        )
        self.flush()

    def last_run(self, site: str, successful: bool = False) -> datetime | None:
        sql = "SELECT max(finished_at) FROM runs WHERE site = ?" + (" AND reached = 1" if successful else "")
        (value,) = self.db.execute(sql, (site,)).fetchone()
        return _dt(value)

    def errors_since(self, site: str, since: datetime) -> dict[str, int]:
        total: Counter[str] = Counter()
        for (errors,) in self.db.execute(
            "SELECT errors FROM runs WHERE site = ? AND finished_at >= ?", (site, _iso(since))
        ):
            total.update(json.loads(errors))
        return dict(total)

    def articles_between(self, site: str, start: datetime, end: datetime) -> int:
        """First versions published (or, without a date, delivered) in ``[start, end)``."""
        (count,) = self.db.execute(
            "SELECT count(*) FROM published WHERE site = ? AND version = 1 "
            "AND coalesce(published_at, delivered_at) >= ? AND coalesce(published_at, delivered_at) < ?",
            (site, _iso(start), _iso(end)),
        ).fetchone()
        return int(count)
