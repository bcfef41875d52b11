"""Alert latency: from an article being published to Kafka until the webhook receiver has it.

Run: ``.venv/bin/python -m benchmarks.alert_latency_bench [--seconds 30] [--rates 10 100]``
(uses ``PANTAU_TEST_KAFKA_BOOTSTRAP``/``PANTAU_TEST_ELASTICSEARCH_URL`` when set, else starts
the local stack on the test ports and leaves it as it found it).

Two paths, each at every rate, with real processes (``pantau consume ...``) on the real broker:

- alert stage: enriched articles published to the enriched topic -> ``pantau consume alerts``
  (match, outbox transaction, dispatcher) -> a signed webhook POST to a receiver on 127.0.0.1;
- whole path: raw articles published to the raw topic (the crawler's idempotent producer)
  -> ``pantau consume enrich`` -> ``pantau consume alerts`` -> the receiver.

One subscription matches every story, so each distinct story makes one notice (copies of a
story make none: once per story). Latency is the receiver's clock minus the clock just
before ``send()``; both run on this machine. Every article is published at a fixed pace
(``rate`` per second) for ``--seconds``, after a warm-up notice has gone through.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from rich.progress import track

from benchmarks.corpus import build_corpus
from infra.kafka_clients import make_producer
from infra.search_index import connect, ensure_index
from infra.stack import Stack
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings, load_settings
from pantau.enrich.stage import Enricher
from pantau.schema import Article, article_id, parse_article

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"


class Receiver:
    """Webhook receiver on 127.0.0.1: the arrival time of each notice, by article id."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                for notice in json.loads(body)["notices"]:
                    receiver.arrivals.setdefault(notice["article_id"], now)
                receiver.posts += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Result:
    path: str
    rate: int
    published: int
    notices: int
    p50: float
    p95: float
    p99: float
    worst: float


def _env(settings: Settings, alerts_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(
        PANTAU_KAFKA_BOOTSTRAP=str(settings.kafka_bootstrap),
        PANTAU_ELASTICSEARCH_URL=str(settings.elasticsearch_url),
        PANTAU_TOPIC_PREFIX=settings.topic_prefix,
        PANTAU_GROUP_PREFIX=settings.group_prefix,
        PANTAU_INDEX_ALIAS=settings.index_alias,
        PANTAU_DATA_DIR=str(settings.data_dir),
        PANTAU_ALERTS_DIR=str(alerts_dir),
        PANTAU_ALERTS_START_FROM="earliest",
        PANTAU_ALERTS_WEBHOOK_ALLOW='["127.0.0.0/8"]',
        PANTAU_ALERTS_WEBHOOK_SECRET=SECRET,
        PANTAU_LOG_LEVEL="WARNING",
    )
    return env


def _distinct_enriched(n: int) -> list[Article]:
    """``n`` enriched articles, each its own story (the labelled sets, re-published under new URLs)."""
    base: list[Article] = []
    enricher = Enricher()
    for name in ("articles.jsonl", "holdout.jsonl"):
        for line in (REPO / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            url = f"https://{item['site']}.example/base/{item['id']}"
            record = {
                **{k: item[k] for k in ("site", "title", "body")},
                **{"id": article_id(url), "url": url, "canonical_url": url, "fetched_at": "2024-10-07T04:00:00Z"},
            }
            base.append(enricher.enrich(parse_article(record))[0])
    out = []
    for i in range(n):
        a = base[i % len(base)]
        url = f"https://{a.site}.example/berita/{i}-{uuid.uuid4().hex[:6]}"
        ident = article_id(url)
        assert a.enrichment is not None
        dedup = a.enrichment.dedup.model_copy(update={"cluster_id": ident, "duplicate_of": None})
        enrichment = a.enrichment.model_copy(update={"dedup": dedup})
        out.append(a.model_copy(update={"id": ident, "url": url, "canonical_url": url, "enrichment": enrichment}))
    return out


def _raw(n: int) -> list[Article]:
    out = []
    for record in build_corpus(n, seed=int(time.time())):
        a = parse_article(record)
        url = a.url.replace("/berita/", f"/berita/{uuid.uuid4().hex[:6]}-")
        out.append(a.model_copy(update={"id": article_id(url), "url": url, "canonical_url": url}))
    return out


def _percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run_one(engines: tuple[str, str], path: str, rate: int, seconds: float) -> Result:
    unique = uuid.uuid4().hex[:8]
    folder = Path(tempfile.mkdtemp(prefix="pantau-alert-bench-"))
    settings = load_settings(
        kafka_bootstrap=engines[0],
        elasticsearch_url=engines[1],
        topic_prefix=f"alertbench{unique}",
        group_prefix=f"alertbench{unique}",
        index_alias=f"alertbench{unique}",
        data_dir=str(folder / "data"),
    )
    # Topics and index made here, once: two consumers starting together would race to create the index.
    ensure_topics(settings)
    ensure_index(connect(settings), settings.index_alias)
    topics = topic_names(settings)
    receiver = Receiver()
    alerts_dir = folder / "alerts"
    alerts_dir.mkdir()
    subscription = {"owner": "bench", "channels": [{"type": "webhook", "url": receiver.url}]}
    (alerts_dir / "everything.yaml").write_text(yaml.safe_dump(subscription), encoding="utf-8")
    env = _env(settings, alerts_dir)
    count = int(rate * seconds)
    articles = _distinct_enriched(count + 1) if path == "alert stage" else _raw(count + 1)
    topic = topics.enriched if path == "alert stage" else topics.raw
    stages = ["alerts"] if path == "alert stage" else ["enrich", "alerts"]
    processes = [
        # Their stdout is only the closing "N record(s) processed" line; the table says more.
        subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "consume", s], env=env, cwd=REPO, stdout=subprocess.DEVNULL
        )
        for s in stages
    ]
    producer = make_producer(settings)
    sent: dict[str, float] = {}
    try:
        # Warm-up: one article all the way through, so start-up (group join, state restore) is not measured.
        warm, *rest = articles
        producer.send(topic, key=warm.id, value=warm.to_json().encode())
        producer.flush()
        deadline = time.monotonic() + 180
        while warm.id not in receiver.arrivals:
            if time.monotonic() > deadline:
                raise SystemExit(f"{path}: the warm-up notice never arrived")
            time.sleep(0.05)
        start = time.perf_counter()
        for i, article in enumerate(track(rest, description=f"{path} at {rate}/s", transient=True)):
            pause = start + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            value = article.to_json().encode()
            sent[article.id] = time.time()
            producer.send(topic, key=article.id, value=value)
        producer.flush()
        # Every distinct story notifies; the raw corpus has copies that do not. Wait until quiet.
        quiet_since, seen = time.monotonic(), len(receiver.arrivals)
        while time.monotonic() - quiet_since < 5.0:
            time.sleep(0.2)
            if len(receiver.arrivals) != seen:
                quiet_since, seen = time.monotonic(), len(receiver.arrivals)
    finally:
        producer.close()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        receiver.close()
    latencies = sorted(receiver.arrivals[i] - t for i, t in sent.items() if i in receiver.arrivals)
    if not latencies:
        raise SystemExit(f"{path} at {rate}/s: no notice arrived")
    return Result(
        path, rate, len(sent), len(latencies),
        _percentile(latencies, 50), _percentile(latencies, 95), _percentile(latencies, 99), latencies[-1],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0, help="publishing time per run")
    parser.add_argument("--rates", type=int, nargs="+", default=[10, 100], help="articles per second")
    parser.add_argument("--paths", nargs="+", default=["alert stage", "whole path"], help="which paths")
    parser.add_argument("--kafka", help="bootstrap servers of a running broker (else a stack is started)")
    parser.add_argument("--elasticsearch", help="URL of a running Elasticsearch")
    parser.add_argument("--quick", action="store_true", help="10 s per run")
    args = parser.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 10.0)
    kafka = args.kafka or os.environ.get("PANTAU_TEST_KAFKA_BOOTSTRAP")
    es = args.elasticsearch or os.environ.get("PANTAU_TEST_ELASTICSEARCH_URL")
    stack = None
    if not (kafka and es):
        stack = Stack(load_settings(stack_dir=str(REPO / ".stack-test"), stack_kafka_port=19092,
                                    stack_kafka_controller_port=19093, stack_elasticsearch_port=19200))  # fmt: skip
        started_here = not stack.status().running
        stack.up(timeout=300)
        kafka, es = stack.kafka_bootstrap, stack.elasticsearch_url
    results = []
    try:
        for path in args.paths:
            for rate in args.rates:
                results.append(run_one((kafka, es), path, rate, args.seconds))
    finally:
        if stack is not None and started_here:
            stack.down()
    print(f"\nPublish to Kafka -> webhook receiver on 127.0.0.1, {args.seconds:.0f} s per run, 2-core machine")
    print(
        f"{'path':12} {'rate/s':>7} {'published':>9} {'notices':>8} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'max s':>7}"
    )
    for r in results:
        print(
            f"{r.path:12} {r.rate:7d} {r.published:9d} {r.notices:8d} "
            f"{r.p50:7.3f} {r.p95:7.3f} {r.p99:7.3f} {r.worst:7.3f}"
        )
    worst = max(results, key=lambda r: (r.rate, r.p95))
    print(
        f"alert latency, publish to webhook: p95 {worst.p95:.2f} s at {worst.rate}/s ({worst.path}); "
        f"target 2 s; ratio p95/target {worst.p95 / 2.0:.2f}x"
    )


if __name__ == "__main__":
    main()
