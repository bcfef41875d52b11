"""The embedded store: SQLite with FTS5, for users who have only Python.

It holds what the Kafka topics and Elasticsearch hold in distributed mode: enriched
articles (upserted by id, so a replay changes nothing), dead letters, and the dedup
signatures the near-duplicate index is rebuilt from at start-up.

Searching it is :mod:`pantau.search.embedded`'s job; this module owns the layout and the
writes. The full-text table holds what the Elasticsearch index matches on
(:data:`pantau.query.TEXT_FIELDS` and :data:`~pantau.query.STEM_FIELDS`), and
``article_labels`` holds the relevance labels one per row, so filters and facets on
them are index lookups rather than JSON parsing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pantau.query import words_of
from pantau.schema import Article, DeadLetter
from pantau.stemming import stem_word

logger = logging.getLogger(__name__)

#: ``PRAGMA user_version`` of the current layout. 0: the first layout (the article JSON in
#: the articles table, a full-text table of title and body only), rebuilt on open.
LAYOUT_VERSION = 2
#: Ids bound in one ``IN (...)`` query (SQLite allows 32,766 variables; fewer keeps statements small).
_IDS_PER_QUERY = 500

_SCHEMA = """
PRAGMA journal_mode = WAL;
-- What search filters, sorts and counts on, one small row an article; the article itself
-- is in article_docs, so scanning and filtering these rows stays in the page cache.
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
    duplicate_of TEXT
);
CREATE TABLE IF NOT EXISTS article_docs (
    seq INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
);
-- Newest first (SQLite sorts NULL first, so unknown dates come last going down), ties by id.
CREATE INDEX IF NOT EXISTS articles_newest ON articles (published_at DESC, id);
CREATE INDEX IF NOT EXISTS articles_region ON articles (region_code);
CREATE INDEX IF NOT EXISTS articles_province ON articles (province_code);
CREATE INDEX IF NOT EXISTS articles_cluster ON articles (cluster_id);
CREATE INDEX IF NOT EXISTS articles_site ON articles (site);
-- One row per relevance label of an article: "actor:<type>", "stage:<stage>",
-- "coverage:<scope>" and "term:<group>:<canonical term>" (the terms that fired).
CREATE TABLE IF NOT EXISTS article_labels (
    label TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (label, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_labels_seq ON article_labels (seq);
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

# Keyed by the articles table's rowid (an upsert keeps the rowid), so replacing an article's
# text is a lookup, not a scan. The columns hold text already split by pantau.query, so
# unicode61 only splits on the spaces; diacritics are kept, as Elasticsearch keeps them.
_FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title_words, body_words, title_stem, body_stem, tokenize = 'unicode61 remove_diacritics 0'
);
"""

_COLUMNS = "id, site, published_at, fetched_at, relevant, score, region_code, province_code, cluster_id, duplicate_of"
_UPSERT = (
    f"INSERT INTO articles ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (id) DO UPDATE SET "
    "site=excluded.site, published_at=excluded.published_at, fetched_at=excluded.fetched_at, "
    "relevant=excluded.relevant, score=excluded.score, region_code=excluded.region_code, "
    "province_code=excluded.province_code, cluster_id=excluded.cluster_id, "
    "duplicate_of=excluded.duplicate_of RETURNING seq"
)


def _words_and_stems(text: str) -> tuple[str, str]:
    """:func:`pantau.query.indexed_words` and :func:`~pantau.query.stemmed_text` of ``text``, split once.

    The same strings those two return (both are the words of :func:`~pantau.query.words_of`,
    joined, or stemmed and joined); splitting once and mapping the cached stemmer over the
    words took the writer's full-text columns from ~0.4 to ~0.2 ms an article
    (/work/notes/wave3/crawl2/stmt_times.py on 2,000 benchmark articles).
    """
    words = words_of(text)
    return " ".join(words), " ".join(map(stem_word, words))


def article_labels(article: Article) -> list[str]:
    """The labels ``article_labels`` holds for an article (see the table's comment)."""
    e = article.enrichment
    if e is None:
        return []
    r = e.relevance
    labels = {f"actor:{a}" for a in r.actors} | {f"stage:{s}" for s in r.stages} | {f"coverage:{r.coverage}"}
    labels |= {f"term:{group}:{term}" for group, terms in r.matched.items() for term in terms}
    return sorted(labels)


class Store:
    """The SQLite file: articles (with their full-text index and labels), dead letters, signatures."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # Reads go through memory-mapped pages and a 64 MB cache: searches touch many small rows.
        self.db.executescript("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;")
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version < LAYOUT_VERSION and self._has_column("articles", "doc"):
            self._split_first_layout()
        self.db.executescript(_SCHEMA)
        if version < LAYOUT_VERSION:
            self._rebuild_search_tables(version)
        self._transaction_depth = 0

    def close(self) -> None:
        self.db.close()

    def _has_column(self, table: str, column: str) -> bool:
        return any(row[1] == column for row in self.db.execute(f"PRAGMA table_info({table})"))

    def _split_first_layout(self) -> None:
        """The first layout kept each article's JSON in the articles table: move it to article_docs."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("ALTER TABLE articles RENAME TO articles_first_layout")
            for index in ("articles_published", "articles_region", "articles_province"):
                self.db.execute(f"DROP INDEX IF EXISTS {index}")
            # One statement at a time: executescript would commit the transaction first.
            for statement in _SCHEMA.replace("PRAGMA journal_mode = WAL;", "").split(";\n"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.execute(f"INSERT INTO articles (seq, {_COLUMNS}) SELECT seq, {_COLUMNS} FROM articles_first_layout")
            self.db.execute("INSERT INTO article_docs (seq, doc) SELECT seq, doc FROM articles_first_layout")
            self.db.execute("DROP TABLE articles_first_layout")

    def _rebuild_search_tables(self, version: int) -> None:
        """Fill the full-text index and labels from the stored articles (the first layout's
        full-text table lacked the word and stem columns the query language needs)."""
        count = self.count()
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DROP TABLE IF EXISTS articles_fts")
            self.db.execute(_FTS)
            self.db.execute("DELETE FROM article_labels")
            rows = self.db.execute("SELECT seq, doc FROM article_docs").fetchall()
            for seq, doc in rows:
                self._index_text(seq, Article.model_validate_json(doc), replace=False)
            self.db.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")
        if count:
            logger.info("store upgraded", extra={"store": str(self.path), "from_layout": version, "articles": count})

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

    def _index_text(self, seq: int, article: Article, replace: bool = True) -> None:
        if replace:
            self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", (seq,))
            self.db.execute("DELETE FROM article_labels WHERE seq = ?", (seq,))
        title_words, title_stem = _words_and_stems(article.title)
        body_words, body_stem = _words_and_stems(article.body)
        self.db.execute(
            "INSERT INTO articles_fts (rowid, title_words, body_words, title_stem, body_stem) VALUES (?,?,?,?,?)",
            (seq, title_words, body_words, title_stem, body_stem),
        )
        self.db.executemany(
            "INSERT INTO article_labels (label, seq) VALUES (?, ?)", [(label, seq) for label in article_labels(article)]
        )

    def _write(self, article: Article) -> None:
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
        )
        (seq,) = self.db.execute(_UPSERT, row).fetchone()
        self.db.execute("INSERT OR REPLACE INTO article_docs (seq, doc) VALUES (?, ?)", (seq, article.to_json()))
        self._index_text(seq, article)

    def upsert(self, article: Article) -> None:
        """Insert or replace one article (by id), with its full-text row and labels, in one transaction."""
        self.upsert_many([article])

    def upsert_many(self, articles: Iterable[Article]) -> int:
        """Insert or replace several articles in one transaction (or the caller's); returns how many."""
        n = 0
        with self.transaction():
            for article in articles:
                self._write(article)
                n += 1
        return n

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute(
            "SELECT d.doc FROM articles a JOIN article_docs d ON d.seq = a.seq WHERE a.id = ?", (article_id,)
        ).fetchone()
        return Article.model_validate_json(row[0]) if row else None

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    # --- what the store holds, for reconciling the crawl state with it ---------------

    def article_ids(self) -> set[str]:
        """Every stored article id (read from the id index alone: no document is parsed)."""
        return {row[0] for row in self.db.execute("SELECT id FROM articles")}

    def versions(self, article_ids: Iterable[str]) -> dict[str, int]:
        """The stored version of those of ``article_ids`` that are stored.

        The version is read from each article's document, so only the ids asked about are
        parsed (a crawl state reconciliation asks about the few updated articles only).
        """
        ids = list(article_ids)
        found: dict[str, int] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            rows = self.db.execute(
                "SELECT a.id, coalesce(json_extract(d.doc, '$.version'), 1) FROM articles a "
                f"JOIN article_docs d ON d.seq = a.seq WHERE a.id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((article_id, int(version)) for article_id, version in rows)
        return found

    def dead_lettered_ids(self) -> set[str]:
        """Ids of the articles the writer dead-lettered instead of storing (they are accounted for).

        The letter's ``article_id``, or for a letter written without one the id inside its
        original (the article JSON the writer received).
        """
        rows = self.db.execute(
            "SELECT coalesce(json_extract(doc, '$.article_id'), CASE WHEN json_valid(json_extract(doc, '$.original')) "
            "THEN json_extract(json_extract(doc, '$.original'), '$.id') END) FROM dead_letters"
        )
        return {row[0] for row in rows if isinstance(row[0], str)}

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
