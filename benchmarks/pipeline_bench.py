"""Crawl, publish and index throughput, each beside its limit, in one run on the real engines.

Run: ``.venv/bin/python -m benchmarks.pipeline_bench [--articles 2000]`` (starts the
local stack on the test ports if it is not running, and leaves it as it found it).

- crawl: ``pantau crawl`` (Scrapy + clean/normalise/validate + embedded enrich and store)
  over a local site of synthetic article pages, against a bare fetch of the same URLs
  with the same concurrency (urllib in threads: the network floor);
- publish: the crawler's Kafka delivery (idempotent producer, acks=all, spool checks)
  against a bare kafka-python producer sending the same records;
- index: the index stage (document building with Indonesian stemming, bulk, per-item
  checks) against a bare ``bulk`` of the same records without derived fields.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from kafka import KafkaProducer
from rich.progress import track

from benchmarks.enrich_bench import build_corpus
from consumers.index import IndexStage
from consumers.worker import Envelope
from crawlers.fixture_server import FixtureServer
from infra.search_index import connect, ensure_index
from infra.stack import Stack
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings, load_settings
from pantau.schema import parse_article
from pipelines.kafka_delivery import KafkaDelivery

REPO = Path(__file__).resolve().parents[1]
PAGE = """<html><head><title>{title}</title>
<link rel="canonical" href="https://memorandum.disway.id/read/{n}/artikel-{n}"></head>
<body><h1>{title}</h1><span class="date">Senin 07-10-2024,08:{minute:02d} WIB</span>
<div class="post">{paragraphs}<p>BACA JUGA: Berita lain</p></div></body></html>"""


def synthetic_site(folder: Path, n: int) -> None:
    """A memorandum-shaped site of ``n`` pages with an RSS feed listing them all."""
    site = folder / "memorandum"
    site.mkdir(parents=True)
    routes = {"/rss": {"file": "rss.xml", "content_type": "application/rss+xml"}}
    items = []
    for i, record in enumerate(build_corpus(n)):
        article = parse_article(record)
        paragraphs = "".join(f"<p>{p}</p>" for p in article.body.split("\n\n"))
        (site / f"a{i}.html").write_text(
            PAGE.format(title=article.title, n=100000 + i, minute=i % 60, paragraphs=paragraphs), encoding="utf-8"
        )
        routes[f"/read/{100000 + i}/artikel-{i}"] = {"file": f"a{i}.html"}
        items.append(f"<item><link>{{{{base_url}}}}/read/{100000 + i}/artikel-{i}</link></item>")
    (site / "rss.xml").write_text(f"<rss><channel>{''.join(items)}</channel></rss>", encoding="utf-8")
    (site / "routes.yaml").write_text(yaml.safe_dump(routes), encoding="utf-8")


def bench_crawl(n: int) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fixtures"
        synthetic_site(folder, n)
        with FixtureServer("memorandum", fixtures_dir=folder) as server:
            urls = [server.base_url + p for p in server.routes if p.startswith("/read/")]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=2) as pool:  # the site file's concurrency
                list(pool.map(lambda u: urllib.request.urlopen(u, timeout=30).read(), urls))
            bare = n / (time.perf_counter() - started)
            env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
            env.update(
                PANTAU_DATA_DIR=str(Path(tmp) / "data"), PANTAU_CRAWL_MAX_ARTICLES=str(n), PANTAU_LOG_LEVEL="WARNING"
            )
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pantau.cli", "crawl", "--site", "memorandum", "--base-url", server.base_url],
                env=env,
                check=True,
                capture_output=True,
                cwd=REPO,
            )
            ours = n / (time.perf_counter() - started)
    return [("bare fetch (urllib, 2 threads)", bare), ("pantau crawl, embedded (fetch+extract+enrich+store)", ours)]


def bench_publish(settings: Settings, records: list[str]) -> list[tuple[str, float]]:
    ensure_topics(settings)
    topic = topic_names(settings).raw
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20)
    started = time.perf_counter()
    for record in records:
        producer.send(topic, key=b"k", value=record.encode())
    producer.flush(timeout=60)
    bare = len(records) / (time.perf_counter() - started)
    producer.close(timeout=10)
    articles = [parse_article(r) for r in records]
    delivery = KafkaDelivery(settings)
    started = time.perf_counter()
    for article in articles:
        delivery.publish(article)
    delivery.close()
    ours = len(records) / (time.perf_counter() - started)
    return [("bare producer (acks=1)", bare), ("pantau publish (idempotent, acks=all)", ours)]


def bench_index(settings: Settings, records: list[str], batch: int = 500) -> list[tuple[str, float]]:
    es = connect(settings)
    alias = settings.index_alias
    ensure_index(es, alias)
    articles = [parse_article(r) for r in records]
    raw_index = alias + "-raw"
    started = time.perf_counter()
    for lo in track(range(0, len(articles), batch), description="bare bulk", transient=True):
        ops: list[dict[str, object]] = []
        for a in articles[lo : lo + batch]:
            ops += [{"index": {"_index": raw_index, "_id": a.id}}, a.model_dump(mode="json", exclude_none=True)]
        es.bulk(operations=ops)
    bare = len(articles) / (time.perf_counter() - started)
    stage = IndexStage(es, alias)
    envelopes = [Envelope(a, "t", 0, i, b"") for i, a in enumerate(articles)]
    started = time.perf_counter()
    for lo in track(range(0, len(envelopes), batch), description="index stage", transient=True):
        assert stage.process(envelopes[lo : lo + batch]) == []
    ours = len(articles) / (time.perf_counter() - started)
    es.indices.delete(index=[raw_index, alias + "-v1"])
    return [("bare bulk (no derived fields)", bare), ("pantau index stage (stemmed fields, checks)", ours)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    stack_settings = load_settings(
        stack_dir=str(REPO / ".stack-test"),
        stack_kafka_port=19092,
        stack_kafka_controller_port=19093,
        stack_elasticsearch_port=19200,
    )
    stack = Stack(stack_settings)
    started_here = not stack.status().running
    stack.up(timeout=300)
    try:
        unique = uuid.uuid4().hex[:8]
        settings = load_settings(
            kafka_bootstrap=stack.kafka_bootstrap,
            elasticsearch_url=stack.elasticsearch_url,
            topic_prefix=f"bench{unique}",
            index_alias=f"bench{unique}",
            data_dir=tempfile.mkdtemp(prefix="pantau-bench-"),
        )
        records = build_corpus(args.articles)
        sections = [
            ("crawl", bench_crawl(min(args.articles, 1000))),
            ("publish to Kafka", bench_publish(settings, records)),
            ("index into Elasticsearch", bench_index(settings, records)),
        ]
    finally:
        if started_here:
            stack.down()
    print(f"\n{args.articles} articles of ~3 KB (crawl: {min(args.articles, 1000)} pages), 2-core machine")
    for name, rows in sections:
        limit = rows[0][1]
        print(f"{name}:")
        for label, per_second in rows:
            print(f"  {label:55} {per_second:9.0f} articles/s  ({per_second / limit:5.2f}x the bare rate)")


if __name__ == "__main__":
    main()
