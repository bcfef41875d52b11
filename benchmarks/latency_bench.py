"""Publish-to-searchable latency at a steady rate, beside the engines' own floor, in one run.

Run: ``.venv/bin/python -m benchmarks.latency_bench [--rate 100] [--seconds 30] [--quick]``
(engines as in :mod:`benchmarks.stream_bench`: given, or the local stack on the benchmark ports).

- **Ours**: articles are published at ``--rate`` a second through the crawler's Kafka delivery
  (idempotent producer, acks=all); ``pantau consume enrich`` and ``pantau consume index`` run as
  processes on this machine. An article's latency is from the moment it is handed to the
  delivery until a search finds it in the index.
- **The floor** (the limit): the same articles, at the same rate, bulk-indexed straight into
  Elasticsearch every 100 ms with a refresh (no Kafka, no enrichment): what the engine
  alone costs.

A poller searches for the outstanding ids every 50 ms, so latencies are accurate to about
that much. Reports p50, p95 and the maximum; the target is p95 <= 2 s at 100 articles/s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from benchmarks.corpus import build_corpus
from benchmarks.measure import PeakMemory, Spread, progress, summary
from benchmarks.stream_bench import REPO, Engines, bench_settings, environment
from infra.search_index import connect, ensure_index, index_name
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings
from pantau.documents import to_document
from pantau.schema import Article, parse_article
from pipelines.kafka_delivery import KafkaDelivery

TARGET_P95 = 2.0
#: Articles sent through before timing starts: the consumers have joined their groups, and
#: the stemmer's cache holds the common vocabulary (a cold word costs Sastrawi ~0.5 ms), as
#: in a pipeline that has been running for a while.
WARMUP = 1000


class EnrichedArrivals:
    """When each article reaches the enriched topic (the first half of the path), by id."""

    def __init__(self, settings: Settings) -> None:
        topic = topic_names(settings).enriched
        self.consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
        partitions = [TopicPartition(topic, p) for p in range(settings.topic_partitions)]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end(*partitions)
        self.arrived: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="enriched-reader")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self.consumer.poll(timeout_ms=50).values():
                now = time.monotonic()
                for record in records:
                    self.arrived.setdefault(record.key.decode(), now)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.consumer.close()


class Poller:
    """Finds when each published id becomes searchable in ``alias``."""

    def __init__(self, es: Elasticsearch, alias: str, interval: float = 0.05) -> None:
        self.es = es
        self.alias = alias
        self.interval = interval
        self.sent: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="latency-poller")

    def published(self, article_id: str, at: float) -> None:
        with self._lock:
            self.sent[article_id] = at

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                pending = [i for i in self.sent if i not in self.latency][:2000]
            if pending:
                found = self.es.search(
                    index=self.alias, query={"ids": {"values": pending}}, source=False, size=len(pending)
                )
                now = time.monotonic()
                with self._lock:
                    for hit in found["hits"]["hits"]:
                        self.latency.setdefault(hit["_id"], now - self.sent[hit["_id"]])
            self._stop.wait(self.interval)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def wait_for_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.latency) < len(self.sent):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(self.sent) - len(self.latency)} articles never became searchable")
            time.sleep(0.05)


def paced(articles: list[Article], rate: float, send: Callable[[Article], None], bars: Any, label: str) -> None:
    task = bars.add_task(label, total=len(articles))
    started = time.monotonic()
    for n, article in enumerate(articles):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        send(article)
        if n % 50 == 0:
            bars.update(task, completed=n)
    bars.update(task, completed=len(articles))


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def run_floor(es: Elasticsearch, settings: Settings, articles: list[Article], rate: float, bars: Any) -> list[float]:
    alias = f"{settings.index_alias}-floor"
    ensure_index(es, alias)
    documents = {a.id: to_document(a) for a in articles}
    buffer: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def flush_every_100ms() -> None:
        while not stop.wait(0.1):
            with lock:
                ids, buffer[:] = list(buffer), []
            if ids:
                operations: list[dict[str, Any]] = []
                for i in ids:
                    operations += [{"index": {"_index": alias, "_id": i}}, documents[i]]
                es.bulk(operations=operations, refresh=True)

    with Poller(es, alias) as poller:
        flusher = threading.Thread(target=flush_every_100ms, daemon=True)
        flusher.start()

        def send(article: Article) -> None:
            poller.published(article.id, time.monotonic())
            with lock:
                buffer.append(article.id)

        paced(articles, rate, send, bars, f"floor: bulk every 100 ms at {rate:.0f}/s")
        poller.wait_for_all(60)
        stop.set()
        flusher.join()
    es.indices.delete(index=index_name(alias))
    return list(poller.latency.values())


def run_ours(
    es: Elasticsearch, settings: Settings, warmup: list[Article], articles: list[Article], rate: float, bars: Any
) -> tuple[list[float], list[float], list[PeakMemory]]:
    env = environment(settings)
    command = [sys.executable, "-m", "pantau.cli", "consume"]
    processes = [
        subprocess.Popen(
            [*command, stage], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for stage in ("enrich", "index")
    ]
    samplers = [PeakMemory(p.pid).__enter__() for p in processes]
    delivery = KafkaDelivery(settings)
    arrivals = EnrichedArrivals(settings)
    try:
        with Poller(es, settings.index_alias) as poller:
            # Warm-up: both consumers joined their groups and have handled records.
            task = bars.add_task("ours: consumers starting (warm-up articles)", total=None)
            for article in warmup:
                poller.published(article.id, time.monotonic())
                delivery.publish(article)
            delivery._settle(timeout=30)
            poller.wait_for_all(300)
            bars.update(task, total=1, completed=1)
            poller.latency.clear()
            poller.sent.clear()

            def send(article: Article) -> None:
                poller.published(article.id, time.monotonic())
                delivery.publish(article)

            paced(articles, rate, send, bars, f"ours: publish at {rate:.0f}/s, Kafka -> enrich -> index")
            delivery._settle(timeout=30)
            poller.wait_for_all(120)
            latencies = list(poller.latency.values())
            halfway = [arrivals.arrived[i] - at for i, at in poller.sent.items() if i in arrivals.arrived]
    finally:
        arrivals.close()
        delivery.close()
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=60)
        for sampler in samplers:
            sampler.__exit__(None, None, None)
    return latencies, halfway, samplers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="articles a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to publish")
    parser.add_argument("--quick", action="store_true", help="10 seconds")
    Engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 10.0
    n = int(args.rate * args.seconds)
    engines = Engines(args.kafka, args.elasticsearch)
    try:
        settings = bench_settings(engines, partitions=6)
        es = connect(settings)
        ensure_topics(settings)
        ensure_index(es, settings.index_alias)
        with progress() as bars:
            records = build_corpus(n + WARMUP, seed=31)
            articles = [parse_article(r) for r in records]
            warmup, measured = articles[:WARMUP], articles[WARMUP:]
            floor = run_floor(es, settings, measured, args.rate, bars)
            ours, halfway, samplers = run_ours(es, settings, warmup, measured, args.rate, bars)
        es.indices.delete(index=index_name(settings.index_alias))
    finally:
        engines.close()
    ours_p50, ours_p95, _ = percentiles(ours)
    _, floor_p95, _ = percentiles(floor)
    print(f"\npublish-to-searchable latency, {n:,} articles at {args.rate:.0f}/s, 2-core machine")
    rows = (
        ("ours (KafkaDelivery -> enrich -> index)", ours),
        ("  of which publish -> enriched topic", halfway),
        ("floor (bulk + refresh every 100 ms)", floor),
    )
    for label, values in rows:
        p50, p95, worst = percentiles(values)
        print(f"  {label:42} p50 {p50:.2f} s  p95 {p95:.2f} s  max {worst:.2f} s")
    for sampler in samplers:
        print(f"  consumer: {sampler.text()}")
    print(
        summary(
            f"latency at {args.rate:.0f} articles/s",
            f"ours p95 {ours_p95:.2f} s (p50 {ours_p50:.2f}, target p95 <= {TARGET_P95:.0f} s)",
            f"floor p95 {floor_p95:.2f} s",
            Spread([floor_p95 / ours_p95]),
        )
    )


if __name__ == "__main__":
    main()
