"""The stream: Kafka -> enrich consumer -> index consumer -> Elasticsearch, beside a bare bulk, in one run.

Run: ``.venv/bin/python -m benchmarks.stream_bench [--articles 50000] [--warm-up 2000] [--quick]``
(``--kafka``/``--elasticsearch`` point at running engines; without them the local stack is
started on the benchmark ports, 46092/46093/46200 under ``.stack-bench``, and stopped again
if it was not running before).

0. ``--warm-up`` articles go through the whole stream first, untimed, under topics and an
   index of their own, so that ours is not measured on cold engines and the limit on warm ones.
1. ``--articles`` raw records (:func:`benchmarks.corpus.build_corpus`, ~3 KB bodies) are put on
   the raw topic with a bare producer.
2. **Ours**: ``pantau consume enrich`` (``--enrich-processes`` of them) and ``pantau consume
   index`` start as separate processes on this machine. Timed from the first document
   counted in the index to the last (so process start-up and the group join are left out).
3. **The limit**: the same final documents (read back from the enriched topic, with their
   derived fields) sent by ``elasticsearch.helpers.streaming_bulk`` into a fresh index with
   the same template, twice (the ratio is given against each).

The CPU time and peak resident memory of every consumer process are reported, and each
one's CPU per article it processed, read from its own metrics endpoint (start-up excluded).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk
from kafka import KafkaProducer

from benchmarks.corpus import build_corpus
from benchmarks.measure import CpuCensus, PeakMemory, Spread, progress, summary
from infra.kafka_clients import read_topic
from infra.search_index import connect, ensure_index, index_name
from infra.stack import Stack
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings, load_settings
from pantau.documents import to_document
from pantau.schema import parse_article

REPO = Path(__file__).resolve().parents[1]
BENCH_PORTS: dict[str, Any] = {
    "stack_kafka_port": 46092,
    "stack_kafka_controller_port": 46093,
    "stack_elasticsearch_port": 46200,
}
TARGET = 1000.0


class Engines:
    """Running engines: the ones given, or the local stack on the benchmark ports."""

    def __init__(self, kafka: str | None, elasticsearch: str | None) -> None:
        self.stack: Stack | None = None
        self.started_here = False
        if kafka and elasticsearch:
            self.kafka, self.elasticsearch = kafka, elasticsearch
            return
        self.stack = Stack(load_settings(stack_dir=str(REPO / ".stack-bench"), **BENCH_PORTS))
        self.started_here = not self.stack.status().running
        self.stack.up(timeout=300)
        self.kafka, self.elasticsearch = self.stack.kafka_bootstrap, self.stack.elasticsearch_url

    def close(self) -> None:
        if self.stack is not None and self.started_here:
            self.stack.down()

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """``--kafka`` and ``--elasticsearch``: running engines to use instead of the local stack."""
        parser.add_argument("--kafka", help="bootstrap servers of a running broker")
        parser.add_argument("--elasticsearch", help="URL of a running Elasticsearch")


def bench_settings(engines: Engines, partitions: int) -> Settings:
    unique = uuid.uuid4().hex[:8]
    return load_settings(
        kafka_bootstrap=engines.kafka,
        elasticsearch_url=engines.elasticsearch,
        topic_prefix=f"bench{unique}",
        index_alias=f"bench{unique}",
        group_prefix=f"bench{unique}",
        topic_partitions=partitions,
        data_dir=tempfile.mkdtemp(prefix="pantau-stream-bench-"),
        log_level="WARNING",
    )


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    for name in ("kafka_bootstrap", "elasticsearch_url", "topic_prefix", "index_alias", "group_prefix", "data_dir"):
        env[f"PANTAU_{name.upper()}"] = str(getattr(settings, name))
    env["PANTAU_TOPIC_PARTITIONS"] = str(settings.topic_partitions)
    env["PANTAU_LOG_LEVEL"] = "WARNING"
    env["PYTHONPATH"] = str(REPO)
    return env


def produce(settings: Settings, records: list[str], bars: Any) -> None:
    topic = topic_names(settings).raw
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=50, batch_size=256 * 1024)
    task = bars.add_task(f"putting {len(records):,} raw records on Kafka", total=len(records))
    for n, record in enumerate(records, 1):
        article_key = record[record.index('"id":"') + 6 :][:32].encode()
        producer.send(topic, key=article_key, value=record.encode())
        if n % 1000 == 0:
            bars.update(task, completed=n)
    producer.flush()
    producer.close()
    bars.update(task, completed=len(records))


def count(es: Elasticsearch, alias: str) -> int:
    return int(es.count(index=alias)["count"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ConsumerCpu:
    """A consumer's CPU per record it processed, from its own /metrics (``PANTAU_METRICS_PORT``).

    Counted from the first sample that shows records processed to the last, so start-up
    (loading the enrich models, restoring the dedup state, joining the group) is left out
    and each process is divided by the records it handled itself, not by the whole run's.
    """

    stage: str
    port: int
    first: tuple[float, float] | None = None
    last: tuple[float, float] | None = None

    def sample(self) -> None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return
        cpu = records = 0.0
        labels = {f'stage="{self.stage}"', 'outcome="ok"'}
        for line in text.splitlines():
            if line.startswith("process_cpu_seconds_total "):
                cpu = float(line.split()[1])
            elif line.startswith("pantau_records_total{"):
                found = set(line[line.index("{") + 1 : line.index("}")].split(","))
                if labels <= found:
                    records = float(line.split()[-1])
        if records <= 0:
            return
        if self.first is None:
            self.first = (cpu, records)
        self.last = (cpu, records)

    @property
    def ms_per_record(self) -> float:
        if self.first is None or self.last is None or self.last[1] <= self.first[1]:
            return float("nan")
        return (self.last[0] - self.first[0]) * 1000 / (self.last[1] - self.first[1])


@dataclass
class Ours:
    """What the run of our consumers measured."""

    rate: float
    #: articles indexed inside the timed window
    articles: int
    samplers: list[PeakMemory]
    meters: list[ConsumerCpu]
    census: CpuCensus


def run_ours(settings: Settings, n: int, enrich_processes: int, bars: Any) -> Ours:
    """Start the consumers and time the index filling up, with where the machine's CPU went meanwhile."""
    es = connect(settings)
    command = [sys.executable, "-m", "pantau.cli", "consume"]
    stages = ["enrich"] * enrich_processes + ["index"]
    meters = [ConsumerCpu(stage, free_port()) for stage in stages]
    processes = [
        subprocess.Popen(
            [*command, meter.stage],
            env=environment(settings) | {"PANTAU_METRICS_PORT": str(meter.port)},
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for meter in meters
    ]
    samplers = [PeakMemory(p.pid).__enter__() for p in processes]
    census = CpuCensus({p.pid: f"{stage} consumer(s)" for p, stage in zip(processes, stages, strict=True)})
    census.named[os.getpid()] = "the benchmark (counting documents)"
    task = bars.add_task("ours: Kafka -> enrich -> index -> ES", total=n)
    first_at: float | None = None
    first_count = 0
    seen = 0
    deadline = time.monotonic() + 3600
    next_sample = 0.0
    try:
        while seen < n:
            for p in processes:
                if p.poll() is not None:
                    error = p.stderr.read()[-3000:].decode(errors="replace") if p.stderr else ""
                    raise RuntimeError(f"a consumer exited early: {error}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {seen} of {n} documents indexed")
            seen = count(es, settings.index_alias)
            if seen and first_at is None:
                first_at, first_count = time.monotonic(), seen
                census.start()
            if time.monotonic() >= next_sample:
                for meter in meters:
                    meter.sample()
                next_sample = time.monotonic() + 1.0
            bars.update(task, completed=seen)
            time.sleep(0.1)
        finished = time.monotonic()
        census.stop()
        for meter in meters:
            meter.sample()
    finally:
        for p in processes:
            p.terminate()  # SIGTERM: the worker stops after its batch
        for p in processes:
            p.wait(timeout=60)
        for sampler in samplers:
            sampler.__exit__(None, None, None)
    assert first_at is not None
    return Ours((n - first_count) / (finished - first_at), n - first_count, samplers, meters, census)


def warm_up(engines: Engines, partitions: int, n: int, enrich_processes: int, bars: Any) -> None:
    """Run ``n`` articles through the whole stream under topics and an index of their own, untimed.

    A freshly started broker and node spend their first minutes compiling hot code (the JIT):
    measured right after ``pantau stack up``, the engines took 4.1 ms of CPU an article in
    the timed run against 0.9 ms on engines that had been running, and the bare bulk that
    follows ours would have had warm engines while ours had cold ones.
    """
    settings = bench_settings(engines, partitions)
    es = connect(settings)
    ensure_topics(settings)
    ensure_index(es, settings.index_alias)
    produce(settings, build_corpus(n, seed=5), bars)
    run_ours(settings, n, enrich_processes, bars)
    es.indices.delete(index=index_name(settings.index_alias))


def final_documents(settings: Settings, bars: Any) -> list[dict[str, Any]]:
    task = bars.add_task("reading the enriched topic back", total=None)
    records = read_topic(settings, topic_names(settings).enriched)
    bars.update(task, total=len(records), completed=len(records))
    latest = {}
    for record in records:
        article = parse_article(record.value)
        latest[article.id] = article
    return [to_document(a) for a in latest.values()]


def run_bare(es: Elasticsearch, alias: str, documents: list[dict[str, Any]], bars: Any, label: str) -> float:
    ensure_index(es, alias)

    def actions() -> Iterator[dict[str, Any]]:
        for doc in documents:
            yield {"_index": alias, "_id": doc["id"], "_source": doc}

    task = bars.add_task(label, total=len(documents))
    started = time.monotonic()
    done = 0
    for ok, _item in streaming_bulk(es, actions(), chunk_size=500, raise_on_error=True):
        done += ok
        if done % 1000 == 0:
            bars.update(task, completed=done)
    es.indices.refresh(index=alias)
    elapsed = time.monotonic() - started
    bars.update(task, completed=done)
    if count(es, alias) != len(documents):
        raise RuntimeError(f"bare bulk indexed {count(es, alias)} of {len(documents)}")
    return len(documents) / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--enrich-processes", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="10,000 articles")
    parser.add_argument(
        "--warm-up", type=int, default=2000, help="articles through the whole stream first, untimed (0: none)"
    )
    Engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.articles = 10_000
    engines = Engines(args.kafka, args.elasticsearch)
    try:
        with progress() as bars:
            if args.warm_up:
                warm_up(engines, args.partitions, args.warm_up, args.enrich_processes, bars)
        settings = bench_settings(engines, args.partitions)
        es = connect(settings)
        ensure_topics(settings)
        ensure_index(es, settings.index_alias)
        with progress() as bars:
            task = bars.add_task(f"building {args.articles:,} articles", total=None)
            records = build_corpus(args.articles, seed=23)
            bars.update(task, total=1, completed=1)
            produce(settings, records, bars)
            run = run_ours(settings, args.articles, args.enrich_processes, bars)
            ours = run.rate
            documents = final_documents(settings, bars)
            limits = Spread()
            for k in (1, 2):
                alias = f"{settings.index_alias}-bare{k}"
                limits.add(run_bare(es, alias, documents, bars, f"limit: streaming_bulk, run {k}"))
                es.indices.delete(index=index_name(alias))
        es.indices.delete(index=index_name(settings.index_alias))
    finally:
        engines.close()
    ratio = Spread([ours / limit for limit in limits.values])
    doc_kb = sum(len(str(d)) for d in documents[:1000]) / min(1000, len(documents)) / 1024
    print(
        f"\nstream of {args.articles:,} articles (~{doc_kb:.0f} KB documents), {args.enrich_processes} enrich "
        f"process(es) + 1 index process, Kafka and Elasticsearch on the same 2-core machine"
    )
    print(f"  ours (Kafka -> enrich -> index -> searchable)  {ours:9,.0f} articles/s")
    print(f"  bare streaming_bulk of the final documents     {limits.text():>9} docs/s")
    for sampler, meter in zip(run.samplers, run.meters, strict=True):
        print(f"  consumer: {sampler.text()}; {meter.ms_per_record:.2f} ms CPU an article it processed")
    print(run.census.text(run.articles, "article"))
    print(
        summary(
            f"stream, {args.articles:,} articles",
            f"ours {ours:,.0f} articles/s end to end (target {TARGET:,.0f})",
            f"bare streaming_bulk {limits.text()} docs/s",
            ratio,
        )
    )


if __name__ == "__main__":
    main()
