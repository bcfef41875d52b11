"""The alert outbox: durable state in one SQLite file, written in one transaction per batch.

(Over 400 lines on purpose: every SQL statement on the outbox's tables is here, so the
transaction boundaries, which are the design, can be read in one place.)

Tables:

- ``notified``: one row per (subscription, story cluster) ever notified; its primary key
  is what makes a story notify a subscription at most once, across restarts, replays and
  syndicated copies arriving minutes apart;
- ``deliveries``: one row per message and channel, queued until the channel acknowledges
  it; its id (derived from subscription, story or digest period, and channel) is the
  idempotency key sent with it;
- ``digest_items``: stories waiting for their digest period to close;
- ``cluster_outlets``: the outlets that carried a notified story (the "also reported by");
- ``positions``: the alert consumer's next offset per input partition.

:meth:`AlertState.record` writes the notices of a whole input batch *and* the batch's
input position in one transaction. After a crash the consumer seeks from ``positions``:
a batch is either recorded with its position, or not at all and read again, so no notice
is lost and none is queued twice (the primary keys would refuse a second copy anyway).
Deliveries are at least once: a message is marked sent only after the channel
acknowledged it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pantau.alerts.notice import Message, Notice, Outlet, StoryItem
from pantau.alerts.rows import ChannelRef, ChannelStatus, Delivery, NewNotice, Recorded, SeenOutlet

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS notified (
    subscription TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    notified_at REAL NOT NULL,
    PRIMARY KEY (subscription, cluster_id)
);
CREATE INDEX IF NOT EXISTS notified_cluster ON notified (cluster_id);
CREATE TABLE IF NOT EXISTS cluster_outlets (
    cluster_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (cluster_id, article_id)
);
CREATE TABLE IF NOT EXISTS digest_items (
    subscription TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    period_start REAL NOT NULL,
    period_end REAL NOT NULL,
    owner TEXT NOT NULL,
    timezone TEXT NOT NULL,
    channels TEXT NOT NULL,
    notice TEXT NOT NULL,
    added_at REAL NOT NULL,
    flushed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subscription, cluster_id)
);
CREATE INDEX IF NOT EXISTS digest_due ON digest_items (flushed, period_end);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    subscription TEXT NOT NULL,
    owner TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    channel_label TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    notices TEXT NOT NULL,
    timezone TEXT NOT NULL,
    period_start REAL,
    period_end REAL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_attempt_at REAL,
    last_error TEXT,
    created_at REAL NOT NULL,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, queue, next_attempt_at);
CREATE TABLE IF NOT EXISTS positions (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
);
"""


def delivery_id(*parts: str) -> str:
    """A deterministic id: the same story (or digest period) on the same channel always gets the same one."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class AlertState:
    """The outbox file. Thread-safe: one connection, one lock (writes are small and short)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # --- the consumer's side: one transaction per batch --------------------------------------

    def record(
        self,
        notices: Sequence[NewNotice],
        outlets: Sequence[SeenOutlet] = (),
        positions: Mapping[tuple[str, int], int] | None = None,
        now: float = 0.0,
    ) -> Recorded:
        """Queue what is new among ``notices``, remember the outlets, advance the position: all or nothing."""
        queued = digested = repeated = 0
        with self._transaction() as db:
            for item in notices:
                n = item.notice
                inserted = db.execute(
                    "INSERT OR IGNORE INTO notified (subscription, cluster_id, article_id, notified_at) "
                    "VALUES (?,?,?,?)",
                    (n.subscription, n.cluster_id, n.article_id, now),
                ).rowcount
                if not inserted:
                    repeated += 1
                    continue
                if item.period is not None:
                    start, end = item.period
                    channels = json.dumps([asdict(c) for c in item.channels])
                    db.execute(
                        "INSERT OR IGNORE INTO digest_items (subscription, cluster_id, period_start, period_end, "
                        "owner, timezone, channels, notice, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            n.subscription,
                            n.cluster_id,
                            _ts(start),
                            _ts(end),
                            item.owner,
                            item.timezone,
                            channels,
                            n.model_dump_json(),
                            now,
                        ),
                    )
                    digested += 1
                    continue
                for channel in item.channels:
                    queued += self._queue(
                        db,
                        delivery_id(n.subscription, n.cluster_id, channel.key),
                        n.subscription,
                        item.owner,
                        channel,
                        "notice",
                        [n],
                        item.timezone,
                        None,
                        now,
                    )
            for o in outlets:
                db.execute(
                    "INSERT OR IGNORE INTO cluster_outlets (cluster_id, article_id, site, url, title, seen_at) "
                    "SELECT ?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM notified WHERE cluster_id = ?)",
                    (o.cluster_id, o.article_id, o.site, o.url, o.title, now, o.cluster_id),
                )
            for (topic, partition), offset in (positions or {}).items():
                db.execute(
                    "INSERT INTO positions (topic, partition, next_offset) VALUES (?,?,?) "
                    "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)",
                    (topic, partition, offset),
                )
        return Recorded(queued, digested, repeated)

    @staticmethod
    def _queue(
        db: sqlite3.Connection,
        ident: str,
        subscription: str,
        owner: str,
        channel: ChannelRef,
        kind: str,
        notices: Sequence[Notice],
        timezone: str,
        period: tuple[float, float] | None,
        now: float,
    ) -> int:
        return db.execute(
            "INSERT OR IGNORE INTO deliveries (id, queue, subscription, owner, channel_type, channel_label, channel, "
            "kind, notices, timezone, period_start, period_end, next_attempt_at, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                ident,
                f"{subscription}/{channel.key}",
                subscription,
                owner,
                channel.type,
                channel.label,
                channel.config,
                kind,
                json.dumps([n.model_dump(mode="json") for n in notices]),
                timezone,
                period[0] if period else None,
                period[1] if period else None,
                now,
                now,
            ),
        ).rowcount

    def positions(self, topic: str) -> dict[int, int]:
        """The next offset to read per partition of ``topic``, as last recorded."""
        with self._lock:
            rows = self.db.execute("SELECT partition, next_offset FROM positions WHERE topic = ?", (topic,)).fetchall()
        return {int(p): int(o) for p, o in rows}

    def set_positions(self, topic: str, positions: Mapping[int, int]) -> None:
        """Record where a partition starts (first assignment), never moving a recorded position back."""
        self.record([], positions={(topic, p): o for p, o in positions.items()})

    def notified_count(self) -> int:
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM notified").fetchone()[0])

    # --- digests ---------------------------------------------------------------------------

    def flush_digests(self, now: float) -> int:
        """Turn every closed digest period into one queued delivery per channel. Returns how many."""
        queued = 0
        with self._transaction() as db:
            groups = db.execute(
                "SELECT DISTINCT subscription, period_end FROM digest_items WHERE flushed = 0 AND period_end <= ?",
                (now,),
            ).fetchall()
            for subscription, period_end in groups:
                rows = db.execute(
                    "SELECT period_start, owner, timezone, channels, notice FROM digest_items "
                    "WHERE subscription = ? AND period_end = ? AND flushed = 0 ORDER BY added_at, cluster_id",
                    (subscription, period_end),
                ).fetchall()
                notices = [Notice.model_validate_json(r[4]) for r in rows]
                period_start, owner, timezone, channels = rows[-1][0], rows[-1][1], rows[-1][2], rows[-1][3]
                for raw in json.loads(channels):
                    channel = ChannelRef(**raw)
                    ident = delivery_id(subscription, "digest", repr(period_end), channel.key)
                    queued += self._queue(
                        db,
                        ident,
                        subscription,
                        owner,
                        channel,
                        "digest",
                        notices,
                        timezone,
                        (period_start, period_end),
                        now,
                    )
                db.execute(
                    "UPDATE digest_items SET flushed = 1 WHERE subscription = ? AND period_end = ?",
                    (subscription, period_end),
                )
        return queued

    def next_digest_at(self) -> float | None:
        with self._lock:
            row = self.db.execute("SELECT min(period_end) FROM digest_items WHERE flushed = 0").fetchone()
        return None if row[0] is None else float(row[0])

    # --- the dispatcher's side -------------------------------------------------------------

    def queues(self) -> list[str]:
        """Queues (subscription/channel) with something waiting."""
        with self._lock:
            rows = self.db.execute("SELECT DISTINCT queue FROM deliveries WHERE status = 'queued'").fetchall()
        return [r[0] for r in rows]

    def next_due(self, queue: str, now: float) -> Delivery | None:
        """The queue's due delivery that has waited longest for its turn (a failing one goes to the back)."""
        with self._lock:
            row = self.db.execute(
                "SELECT id, queue, subscription, owner, channel_type, channel_label, channel, kind, notices, "
                "timezone, period_start, period_end, attempts, created_at FROM deliveries "
                "WHERE status = 'queued' AND queue = ? AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, created_at, id LIMIT 1",
                (queue, now),
            ).fetchone()
        if row is None:
            return None
        notices = tuple(Notice.model_validate(n) for n in json.loads(row[8]))
        ident, queue_name, subscription, owner, channel_type, label, channel, kind = row[:8]
        return Delivery(
            id=ident,
            queue=queue_name,
            subscription=subscription,
            owner=owner,
            channel_type=channel_type,
            channel_label=label,
            channel=channel,
            kind=kind,
            notices=notices,
            timezone=row[9],
            period_start=_dt(row[10]),
            period_end=_dt(row[11]),
            attempts=int(row[12]),
            created_at=float(row[13]),
        )

    def next_attempt_at(self, queue: str) -> float | None:
        with self._lock:
            row = self.db.execute(
                "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'queued' AND queue = ?", (queue,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def mark_sent(self, ident: str, now: float) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_attempt_at = ? "
                "WHERE id = ?",
                (now, now, ident),
            )

    def mark_failed(self, ident: str, error: str, retry_at: float, now: float) -> int:
        """Record a failed attempt; returns the number of attempts so far."""
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, "
                "next_attempt_at = ? WHERE id = ?",
                (error[:500], now, retry_at, ident),
            )
            row = db.execute("SELECT attempts FROM deliveries WHERE id = ?", (ident,)).fetchone()
        return int(row[0]) if row else 0

    def message(self, delivery: Delivery) -> Message:
        """The delivery as it is sent now: with every other outlet of each story known so far."""
        items = []
        with self._lock:
            for notice in delivery.notices:
                rows = self.db.execute(
                    "SELECT site, url, title FROM cluster_outlets WHERE cluster_id = ? AND site != ? "
                    "ORDER BY seen_at, rowid",
                    (notice.cluster_id, notice.site),
                ).fetchall()
                seen: dict[str, Outlet] = {}
                for site, url, title in rows:
                    seen.setdefault(site, Outlet(site=site, url=url, title=title))
                items.append(StoryItem(notice=notice, other_outlets=list(seen.values())))
        return Message(
            delivery_id=delivery.id,
            subscription=delivery.subscription,
            owner=delivery.owner,
            kind="digest" if delivery.kind == "digest" else "notice",
            timezone=delivery.timezone,
            items=items,
            period_start=delivery.period_start,
            period_end=delivery.period_end,
        )

    # --- what operators see --------------------------------------------------------------------

    def status(self) -> list[ChannelStatus]:
        with self._lock:
            rows = self.db.execute(
                "SELECT subscription, channel_label, "
                "sum(status = 'sent'), sum(status = 'queued'), sum(status = 'queued' AND attempts > 0), "
                "max(sent_at) FROM deliveries GROUP BY subscription, channel_label ORDER BY subscription, channel_label"
            ).fetchall()
            out = []
            for subscription, label, sent, queued, failing, last_sent in rows:
                err = self.db.execute(
                    "SELECT last_error, last_attempt_at FROM deliveries WHERE subscription = ? AND channel_label = ? "
                    "AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1",
                    (subscription, label),
                ).fetchone()
                out.append(
                    ChannelStatus(
                        subscription,
                        label,
                        int(sent),
                        int(queued),
                        int(failing),
                        err[0] if err else None,
                        err[1] if err else None,
                        last_sent,
                    )
                )
        return out

    def waiting_digests(self) -> dict[str, int]:
        """Stories waiting for their digest, per subscription."""
        with self._lock:
            rows = self.db.execute(
                "SELECT subscription, count(*) FROM digest_items WHERE flushed = 0 GROUP BY subscription"
            ).fetchall()
        return {s: int(c) for s, c in rows}

    def queued_in(self, queue: str) -> int:
        with self._lock:
            row = self.db.execute(
                "SELECT count(*) FROM deliveries WHERE status = 'queued' AND queue = ?", (queue,)
            ).fetchone()
        return int(row[0])

    def due(self, now: float) -> int:
        """Deliveries whose next attempt is due."""
        with self._lock:
            row = self.db.execute(
                "SELECT count(*) FROM deliveries WHERE status = 'queued' AND next_attempt_at <= ?", (now,)
            ).fetchone()
        return int(row[0])

    def pending(self) -> int:
        """Deliveries not yet acknowledged by their channel."""
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM deliveries WHERE status = 'queued'").fetchone()[0])
