"""The embedded store: SQLite with FTS5, for users who have only Python.

It holds what the Kafka topics and Elasticsearch hold in distributed mode: enriched
articles (upserted by id, so a replay changes nothing), dead letters, and the dedup
signatures the near-duplicate index is rebuilt from at start-up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pantau.schema import Article, DeadLetter

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS articles (
    -- An explicit rowid alias: VACUUM keeps it, so the full-text index stays in step.
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site TEXT NOT NULL,
    published_at TEXT,
    fetched_at TEXT NOT NULL,
    relevant INTEGER,
    score REAL,
    region_code TEXT,
    province_code TEXT,
    cluster_id TEXT,
    duplicate_of TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published_at);
CREATE INDEX IF NOT EXISTS articles_region ON articles (region_code);
CREATE INDEX IF NOT EXISTS articles_province ON articles (province_code);
-- Full-text index keyed by the articles table's rowid (an upsert keeps the rowid), so
-- replacing an article's text is a lookup, not a scan of the whole index.
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    failed_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup_signatures (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
"""


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self._transaction_depth = 0

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction around every write inside the block (they nest).

        A commit is a disk sync; the embedded writer puts a whole batch of articles,
        signatures and dead letters in one, which costs a tenth of a commit per write.
        """
        if self._transaction_depth:
            self._transaction_depth += 1
            try:
                yield
            finally:
                self._transaction_depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._transaction_depth = 1
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._transaction_depth = 0

    # --- articles ---------------------------------------------------------------------

    def upsert(self, article: Article) -> None:
        e = article.enrichment
        primary = e.region.primary if e else None
        row = (
            article.id,
            article.site,
            article.published_at.isoformat() if article.published_at else None,
            article.fetched_at.isoformat(),
            None if e is None else int(e.relevance.relevant),
            None if e is None else e.relevance.score,
            primary.code if primary else None,
            primary.province_code if primary else None,
            e.dedup.cluster_id if e else None,
            e.dedup.duplicate_of if e else None,
            article.to_json(),
        )
        with self.transaction():
            (rowid,) = self.db.execute(
                "INSERT INTO articles (id, site, published_at, fetched_at, relevant, score, region_code, "
                "province_code, cluster_id, duplicate_of, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "site=excluded.site, published_at=excluded.published_at, fetched_at=excluded.fetched_at, "
                "relevant=excluded.relevant, score=excluded.score, region_code=excluded.region_code, "
                "province_code=excluded.province_code, cluster_id=excluded.cluster_id, "
                "duplicate_of=excluded.duplicate_of, doc=excluded.doc RETURNING seq",
                row,
            ).fetchone()
            self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
            self.db.execute(
                "INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)", (rowid, article.title, article.body)
            )

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT doc FROM articles WHERE id = ?", (article_id,)).fetchone()
        return Article.model_validate_json(row[0]) if row else None

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search(
        self,
        text: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        region: str | None = None,
        relevant_only: bool = False,
        include_duplicates: bool = True,
        site: str | None = None,
        limit: int = 20,
    ) -> list[Article]:
        """Full-text and filter search, newest first (best match first when ``text`` is given)."""
        where, params = [], []
        join = ""
        order = "a.published_at DESC"
        if text:
            join = "JOIN articles_fts f ON f.rowid = a.seq"
            where.append("articles_fts MATCH ?")
            params.append(_fts_query(text))
            order = "bm25(articles_fts), a.published_at DESC"
        if since:
            where.append("a.published_at >= ?")
            params.append(since.isoformat())
        if until:
            where.append("a.published_at < ?")
            params.append(until.isoformat())
        if region:
            column = "a.region_code" if "." in region else "a.province_code"
            where.append(f"{column} = ?")
            params.append(region)
        if relevant_only:
            where.append("a.relevant = 1")
        if not include_duplicates:
            where.append("a.duplicate_of IS NULL")
        if site:
            where.append("a.site = ?")
            params.append(site)
        sql = f"SELECT a.doc FROM articles a {join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order} LIMIT ?"
        params.append(str(limit))
        return [Article.model_validate_json(r[0]) for r in self.db.execute(sql, params)]

    # --- dead letters -----------------------------------------------------------------

    def add_dead_letter(self, letter: DeadLetter) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO dead_letters (stage, reason, failed_at, doc) VALUES (?,?,?,?)",
                (letter.stage, letter.reason, letter.failed_at.isoformat(), letter.model_dump_json()),
            )

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self.db.execute("SELECT doc FROM dead_letters ORDER BY seq DESC LIMIT ?", (limit,))
        return [DeadLetter.model_validate_json(r[0]) for r in rows]

    def dead_letter_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    # --- dedup state ------------------------------------------------------------------

    def save_signature(self, article_id: str, signature: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO dedup_signatures (article_id, doc) VALUES (?, ?)",
                (article_id, json.dumps(signature)),
            )

    def signatures(self) -> Iterator[dict[str, Any]]:
        for (doc,) in self.db.execute("SELECT doc FROM dedup_signatures ORDER BY seq"):
            yield json.loads(doc)


def _fts_query(text: str) -> str:
    """Quote each word so user input (hyphens, colons, quotes) cannot break FTS5 syntax."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"' for w in words if w)
