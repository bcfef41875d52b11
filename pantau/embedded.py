"""Embedded mode: every stage on one machine, stored in SQLite, enrichment beside the crawl.

The crawler's deliver pipeline hands articles here instead of to Kafka. The crawl's
reactor thread only fetches and extracts: :meth:`EmbeddedDelivery.publish` puts the
article (as JSON text) on a bounded queue and returns. A writer, by default a second
process, takes the queue in batches, runs each article through the same
:class:`~pantau.enrich.stage.Enricher` the Kafka consumer uses, and writes the batch
(articles, dedup signatures, dead letters) in one SQLite transaction.

Why a process: enrichment is Python code holding the GIL, so a writer *thread* competes
with the reactor for one core; a process gets the second core (``benchmarks/crawl_bench.py``
measures both, ``embedded_worker`` selects one). The queue is bounded, so when the writer
falls behind, ``publish`` blocks and the crawl slows to the writer's pace instead of
piling pages up in memory.

Nothing is lost when the crawl stops:

- on SIGINT/SIGTERM Scrapy stops the crawl and the runner calls :meth:`close`, which lets
  the writer finish everything queued (the writer itself ignores those signals, so a
  Ctrl-C that reaches the whole process group does not cut it short);
- the parent keeps every record until the writer reports it committed; if the writer
  dies or does not finish in time, those records go to a spool file
  (``<data_dir>/spool/embedded.jsonl``) and the next writer stores them before anything
  else;
- if the parent dies, the writer still stores what it already received, then exits;
- if both die at once (SIGKILL of the process group, the OOM killer, a power cut), what was
  queued is gone, although the crawl state may already say it was delivered: the next
  embedded crawl reconciles the crawl state with the store and this spool before its writer
  starts, and fetches those pages again (:mod:`pantau.reconcile`).

Replays are harmless: the store upserts by article id and the dedup index keeps the
decision made the first time.

Hooks: ``on_enriched`` callables run in the writer with each batch's enriched articles,
*before* the batch is committed (the in-process alert matcher plugs in here). Before, not
after: a crash between the two leaves the pages unstored, so the next crawl brings them
again and the hook sees them twice, which the alert outbox's (subscription, story) key makes
harmless; after would lose a notice for a page already stored. With the process writer hooks
are pickled into it, so they must be picklable (module-level functions or objects); a hook
with a ``close()`` method is closed when the writer stops.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from pantau import metrics
from pantau.collector import settle_long_lived_heap
from pantau.delivery import dead_letter
from pantau.enrich.stage import Enricher
from pantau.logs import setup_logging
from pantau.schema import Article, DeadLetter, SchemaError, parse_article
from pantau.store import Store

logger = logging.getLogger(__name__)

#: Called in the writer with each batch's enriched articles, before the batch is committed.
EnrichedHook = Callable[[Sequence[Article]], None]
WorkerKind = Literal["process", "thread"]

#: Records waiting for the writer at most: a few seconds of crawling, a few MB.
QUEUE_SIZE: Final = 512
#: Records per SQLite transaction at most (fewer when the queue holds fewer).
BATCH_SIZE: Final = 200
#: The spool file in the spool folder (a writer replaying it renames it ``replaying-<ns>-embedded.jsonl``).
SPOOL_NAME: Final = "embedded.jsonl"
#: How long :meth:`EmbeddedDelivery.close` waits for the writer to store what is queued.
CLOSE_TIMEOUT: Final = 300.0

_ARTICLE: Final = "article"
_DEAD_LETTER: Final = "dead_letter"
# A queued record: (sequence number, kind, JSON text); ``None`` asks the writer to finish.
_Record = tuple[int, str, str]


class _Counter(Protocol):
    value: int


@dataclass
class _Shared:
    """Plain counter for the thread writer (the process writer uses shared memory)."""

    value: int = 0


class EmbeddedDelivery:
    """A :class:`~pantau.delivery.Delivery` into the embedded store through a writer beside the crawl."""

    def __init__(
        self,
        store_path: Path,
        spool_dir: Path,
        *,
        worker: WorkerKind = "process",
        on_enriched: Sequence[EnrichedHook] = (),
        queue_size: int = QUEUE_SIZE,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store_path = store_path
        self.spool_path = spool_dir / SPOOL_NAME
        self.kind = worker
        self.published = 0
        self._sequence = 0
        # Records handed to the writer and not yet reported committed, oldest first.
        self._unacked: deque[_Record] = deque()
        self._failed = False
        self._closed = False
        if worker == "process":
            # spawn: the crawler may already run threads, and a fork would copy them half-done.
            context = multiprocessing.get_context("spawn")
            self._inbox: Any = context.Queue(maxsize=queue_size)
            self._committed: _Counter = context.RawValue("q", 0)
        else:
            self._inbox = queue.Queue(maxsize=queue_size)
            self._committed = _Shared()
        writer = _Writer(
            self._inbox,
            self._committed,
            store_path,
            self.spool_path,
            batch_size,
            tuple(on_enriched),
            watch_parent=worker == "process",
        )
        if worker == "process":
            self._worker: Any = context.Process(
                target=_run_writer, args=(writer, logging.getLogger().level), name="pantau-embedded-writer"
            )
        else:
            self._worker = threading.Thread(
                target=_write_loop, args=(writer,), name="pantau-embedded-writer", daemon=True
            )
        self._worker.start()
        logger.info("embedded writer started", extra={"worker": worker, "store": str(store_path)})

    # --- the Delivery protocol -------------------------------------------------------

    def publish(self, article: Article) -> None:
        """Queue one article for enrichment and storage; blocks while the queue is full."""
        self._put(_ARTICLE, article.to_json())
        self.published += 1

    def dead_letter(self, letter: DeadLetter) -> None:
        self._put(_DEAD_LETTER, letter.model_dump_json())

    def close(self) -> None:
        """Let the writer store everything queued, then stop it; spool whatever it could not store."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self._failed:
                self._put_raw(None)
                self._join(CLOSE_TIMEOUT)
        finally:
            self._settle()
            if self._unacked:
                logger.error(
                    "embedded writer did not finish; records spooled",
                    extra={"records": len(self._unacked), "spool": str(self.spool_path)},
                )
                self._spool(self._unacked)
                self._unacked.clear()
            if self.kind == "process":
                if self._worker.is_alive():
                    self._worker.kill()
                # Whatever is still in the queue's buffer is spooled above: do not wait on it at exit.
                self._inbox.cancel_join_thread()
                self._inbox.close()
            logger.info("embedded writer stopped", extra={"published": self.published})

    # --- internals --------------------------------------------------------------------

    def _put(self, kind: str, payload: str) -> None:
        if self._closed:
            raise RuntimeError("EmbeddedDelivery is closed")
        self._sequence += 1
        record = (self._sequence, kind, payload)
        if self._failed:
            self._spool([record])
            return
        self._unacked.append(record)
        self._put_raw(record)
        self._settle()

    def _put_raw(self, record: _Record | None) -> None:
        """Queue ``record``, waiting while the queue is full (backpressure) unless the writer is gone."""
        while True:
            try:
                self._inbox.put(record, timeout=0.5)
                return
            except queue.Full:
                if not self._worker.is_alive():
                    self._fail_over()
                    return

    def _join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._worker.is_alive() and time.monotonic() < deadline:
            self._worker.join(timeout=0.5)
            self._settle()

    def _settle(self) -> None:
        """Forget the records the writer has committed, counting them as stored."""
        committed = self._committed.value
        stored = letters = 0
        while self._unacked and self._unacked[0][0] <= committed:
            _, kind, _ = self._unacked.popleft()
            if kind == _ARTICLE:
                stored += 1
            else:
                letters += 1
        if stored:
            metrics.RECORDS.labels(stage="enrich", outcome="ok").inc(stored)
            metrics.RECORDS.labels(stage="index", outcome="indexed").inc(stored)
        if letters:
            metrics.RECORDS.labels(stage="embedded", outcome="dead_letter_stored").inc(letters)

    def _fail_over(self) -> None:
        """The writer died: keep everything it did not commit, and spool from now on."""
        self._settle()
        self._failed = True
        logger.error(
            "embedded writer died; spooling",
            extra={"records": len(self._unacked), "spool": str(self.spool_path)},
        )
        self._spool(self._unacked)
        self._unacked.clear()

    def _spool(self, records: Sequence[_Record] | deque[_Record]) -> None:
        self.spool_path.parent.mkdir(parents=True, exist_ok=True)
        with self.spool_path.open("a", encoding="utf-8") as handle:
            for _, kind, payload in records:
                handle.write(json.dumps({"kind": kind, "value": payload}, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        metrics.RECORDS.labels(stage="embedded", outcome="spooled").inc(len(records))


def spool_files(spool_dir: Path) -> list[Path]:
    """The embedded spool's files: the one being appended to, and any a writer was replaying."""
    return [spool_dir / SPOOL_NAME, *sorted(spool_dir.glob(f"replaying-*-{SPOOL_NAME}"))]


@dataclass(frozen=True)
class Spooled:
    """What waits in the embedded spool (the next writer stores it before anything else)."""

    #: Article id -> the newest version spooled.
    articles: dict[str, int]
    #: Article ids of the spooled dead letters that carry one.
    dead_letters: set[str]


def spooled(spool_dir: Path) -> Spooled:
    """Read the embedded spool's files for the ids (and versions) they hold."""
    waiting = Spooled({}, set())
    for path in spool_files(spool_dir):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:  # not there, or a writer left running stored it meanwhile
            continue
        for line in lines:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                record = json.loads(data["value"])
                if data["kind"] == _DEAD_LETTER:
                    if record.get("article_id"):
                        waiting.dead_letters.add(str(record["article_id"]))
                    continue
                article_id, version = str(record["id"]), int(record.get("version", 1))
            except (ValueError, KeyError, TypeError, AttributeError):
                # Unreadable (a line torn by a crash): not counted as waiting, so a crawl
                # state reconciliation has its page fetched again rather than trusting it.
                continue
            waiting.articles[article_id] = max(version, waiting.articles.get(article_id, 0))
    return waiting


# --- the writer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Writer:
    """What the writer needs (picklable, handed to the writer process whole)."""

    inbox: Any
    committed: _Counter
    store_path: Path
    spool_path: Path
    batch_size: int
    hooks: tuple[EnrichedHook, ...]
    #: Stop once the queue is empty if the crawl process is gone (process writer only).
    watch_parent: bool


def _run_writer(writer: _Writer, log_level: int) -> None:
    """Entry point of the writer process."""
    # The crawl decides when to stop; a Ctrl-C reaching the whole process group must not
    # cut the writer short while it still holds queued articles.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    setup_logging(logging.getLevelName(log_level))
    _write_loop(writer)


def _write_loop(config: _Writer) -> None:
    """Take batches off the inbox until ``None`` arrives (or the parent is gone), store each in one transaction."""
    inbox, committed, batch_size, watch_parent = config.inbox, config.committed, config.batch_size, config.watch_parent
    store_path, spool_path = config.store_path, config.spool_path
    store = Store(store_path)
    enricher = Enricher()
    restored = enricher.restore(store.signatures())
    settle_long_lived_heap()
    logger.info("dedup state restored", extra={"signatures": restored, "store": str(store_path)})
    writer = _BatchWriter(store, enricher, config.hooks)
    writer.replay_spool(spool_path)
    parent = os.getppid()
    finished = False
    try:
        while not finished:
            try:
                first = inbox.get(timeout=1.0)
            except queue.Empty:
                if watch_parent and os.getppid() != parent:
                    logger.warning("crawl process gone; embedded writer stops after what it received")
                    return
                continue
            batch: list[_Record] = []
            if first is None:
                finished = True
            else:
                batch.append(first)
            while not finished and len(batch) < batch_size:
                try:
                    record = inbox.get_nowait()
                except queue.Empty:
                    break
                if record is None:
                    finished = True
                else:
                    batch.append(record)
            if batch:
                writer.write([(kind, payload) for _, kind, payload in batch])
                committed.value = batch[-1][0]
    finally:
        for hook in config.hooks:
            close = getattr(hook, "close", None)
            if callable(close):
                close()
        store.close()


class _BatchWriter:
    """Enriches a batch, runs the hooks on it, and stores it in one transaction."""

    def __init__(self, store: Store, enricher: Enricher, hooks: tuple[EnrichedHook, ...]) -> None:
        self.store = store
        self.enricher = enricher
        self.hooks = hooks

    def write(self, records: Sequence[tuple[str, str]]) -> None:
        enriched: list[Article] = []
        letters: list[DeadLetter] = []
        signatures: list[tuple[str, dict[str, Any]]] = []
        parsed: list[Article] = []
        payloads: list[str] = []
        for kind, payload in records:
            if kind == _DEAD_LETTER:
                letters.append(DeadLetter.model_validate_json(payload))
                continue
            try:
                parsed.append(parse_article(payload))
            except SchemaError as exc:
                letters.append(dead_letter("enrich", f"schema: {exc.reason}", payload))
                continue
            payloads.append(payload)
        # The whole batch through each part in turn (Enricher.enrich_many): ~0.3-1 ms an
        # article less than one by one (benchmarks/enrich_bench.py); an enrichment bug in
        # one article comes back in its place and must not lose the page or stop the crawl.
        for payload, article_in, result in zip(payloads, parsed, self.enricher.enrich_many(parsed), strict=True):
            if isinstance(result, Exception):
                logger.error("enrichment failed", exc_info=result, extra={"error": repr(result)})
                # With its id: the crawl state reconciliation (pantau.reconcile) counts the
                # page as accounted for rather than fetching it again at every crawl.
                letters.append(
                    dead_letter("enrich", f"enrichment failed: {result!r}", payload, article_id=article_in.id)
                )
                continue
            article, signature = result
            enriched.append(article)
            signatures.append((article.id, signature.to_dict()))
        for hook in self.hooks if enriched else ():
            try:
                hook(enriched)
            except Exception as exc:  # a failing hook (an alert outbox) must not stop storage
                logger.exception("on_enriched hook failed", extra={"articles": len(enriched), "error": repr(exc)})
                metrics.RECORDS.labels(stage="embedded", outcome="hook_failed").inc(len(enriched))
        with self.store.transaction():
            for (article_id, persisted), article in zip(signatures, enriched, strict=True):
                self.store.save_signature(article_id, persisted)
                self.store.upsert(article)
            for letter in letters:
                self.store.add_dead_letter(letter)

    def replay_spool(self, spool_path: Path) -> int:
        """Store the records earlier writers could not; each spool file is removed once they are."""
        if spool_path.exists():
            spool_path.rename(spool_path.with_name(f"replaying-{time.time_ns()}-{spool_path.name}"))
        total = 0
        # Files a writer was replaying when it stopped are replayed again (ids make it harmless).
        for replaying in sorted(spool_path.parent.glob(f"replaying-*-{spool_path.name}")):
            records = []
            with replaying.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        data = json.loads(line)
                        records.append((str(data["kind"]), str(data["value"])))
            for start in range(0, len(records), BATCH_SIZE):
                self.write(records[start : start + BATCH_SIZE])
            replaying.unlink()
            total += len(records)
            logger.info("embedded spool stored", extra={"file": replaying.name, "records": len(records)})
        return total
