"""Search latency at 100,000 articles: Elasticsearch and the embedded store, side by side.

Run: ``.venv/bin/python -m benchmarks.search_bench [--articles 100000] [--runs 60]``.
It starts an Elasticsearch-only local stack on ``PANTAU_TEST_ELASTICSEARCH_PORT`` (19200
unless set; data under ``PANTAU_TEST_STACK_DIR``) if none runs there, and leaves it as it
found it; ``--elasticsearch-url`` uses a running node instead.

The corpus is :mod:`tests.search_corpus` (regions, outlets, copies, stemming variants)
spread over one year, with each body lengthened to about 300 words by sentences drawn
from a synthetic vocabulary, so posting lists and documents are news-sized. The same articles go into a
fresh index (the production template: one shard, refresh 1 s) and a fresh SQLite store.

Three typical queries, each run ``--runs`` times per backend after a warm-up, rotating
through variants so no two consecutive runs ask the same thing:

- filtered with facets: text, a province or regency, ``--relevant``, a 90-day window, ``--facets``;
- phrase: an exact phrase, newest first;
- region: everything in one region (name resolved as ``--region`` does), newest first.

Reported: p50 and p95 of the wall time of ``backend.find(query)`` (request, response
parsing, story sizes; what ``pantau search`` waits for), per query and backend.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from elasticsearch import Elasticsearch, helpers
from rich.progress import track

from infra.search_backend import ElasticsearchSearch
from infra.search_index import connect, ensure_index, index_template
from infra.stack import Stack
from pantau.config import load_settings
from pantau.documents import to_document
from pantau.regions import resolve_region
from pantau.schema import Article
from pantau.search import SearchBackend, SearchQuery, StoreSearch
from pantau.store import Store
from tests import search_corpus

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = {"elasticsearch": 200.0, "embedded": 500.0}


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ba", "ka", "la", "ma", "na", "pa", "ra", "sa", "ta", "da", "ga", "ja", "wa", "ya", "ng", "an", "in"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def news_sized(articles: list[Article], words: int = 300, seed: int = 7) -> Iterator[Article]:
    """Each article with its body lengthened to about ``words`` words (Zipf-like word use)."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    for article in articles:
        extra = rng.choices(vocabulary, weights=weights, k=words)
        sentences = [" ".join(extra[i : i + 12]).capitalize() + "." for i in range(0, len(extra), 12)]
        yield article.model_copy(update={"body": article.body + "\n\n" + " ".join(sentences)})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def query_sets(latest: datetime) -> dict[str, list[SearchQuery]]:
    window = latest - timedelta(days=90)
    texts = ["netralitas", "kepala desa", "lurah OR camat", "sanksi", "bawaslu -banjir", "netral*"]
    regions = ["Jatim", "Kalteng", "Jember", "Makassar", "Jateng", "Kab. Lumajang"]
    phrases = ['"kepala desa"', '"menjaga netralitas"', '"ikut kampanye"', '"tenaga honorer"', '"apel netralitas"']
    return {
        "filtered + facets": [
            SearchQuery(
                text=text,
                regions=(resolve_region(region),),
                relevant_only=True,
                since=window,
                facets=True,
            )
            for text, region in zip(texts, regions, strict=True)
        ],
        "phrase": [SearchQuery(text=p) for p in phrases],
        "region": [SearchQuery(regions=(resolve_region(r),)) for r in regions],
    }


def measure(backend: SearchBackend, queries: list[SearchQuery], runs: int) -> tuple[list[float], int]:
    for query in queries:  # warm-up: caches, the gazetteer, first-use costs
        backend.find(query)
    times = []
    matched = 0
    for i in range(runs):
        query = queries[i % len(queries)]
        started = time.perf_counter()
        result = backend.find(query)
        times.append((time.perf_counter() - started) * 1000)
        matched += result.total
    return times, matched // runs


def load_elasticsearch(es: Elasticsearch, alias: str, articles: list[Article]) -> float:
    ensure_index(es, alias)
    index = f"{alias}-v1"
    es.indices.put_settings(index=index, settings={"refresh_interval": "-1"})
    started = time.perf_counter()
    actions = ({"_index": alias, "_id": a.id, "_source": to_document(a)} for a in articles)
    for ok, item in helpers.streaming_bulk(es, track(actions, total=len(articles), description="indexing"), 1000):
        if not ok:
            raise RuntimeError(f"bulk failed: {item}")
    refresh = index_template(alias)["template"]["settings"]["refresh_interval"]
    es.indices.put_settings(index=index, settings={"refresh_interval": refresh})
    es.indices.refresh(index=index)
    es.indices.forcemerge(index=index, max_num_segments=5)  # as a settled index would be
    return time.perf_counter() - started


def load_store(store: Store, articles: list[Article]) -> float:
    started = time.perf_counter()
    for i in track(range(0, len(articles), 2000), description="storing"):
        store.upsert_many(articles[i : i + 2000])
    store.db.execute("PRAGMA optimize")
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    return time.perf_counter() - started


def with_elasticsearch(url: str | None, run: Callable[[Elasticsearch], None]) -> None:
    if url:
        run(Elasticsearch(url, request_timeout=120))
        return
    settings = load_settings(
        stack_dir=os.environ.get("PANTAU_TEST_STACK_DIR", str(REPO / ".stack-test")),
        stack_elasticsearch_port=int(os.environ.get("PANTAU_TEST_ELASTICSEARCH_PORT", "19200")),
    )
    stack = Stack(settings, engines=["elasticsearch"])
    started_here = not stack.status().running
    stack.up(timeout=300)
    try:
        run(connect(load_settings(elasticsearch_url=stack.elasticsearch_url, kafka_bootstrap="unused:9092")))
    finally:
        if started_here:
            stack.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--elasticsearch", help="use this running node instead of starting one")
    parser.add_argument("--kafka", help="ignored (accepted so that make bench passes one set of engine options)")
    parser.add_argument("--quick", action="store_true", help="10,000 articles, 20 runs")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.runs = min(args.articles, 10_000), min(args.runs, 20)

    # A year of coverage, whatever the count (the corpus's own spacing is for small tests).
    step = max(1, 365 * 24 * 60 // args.articles)
    articles = list(news_sized(search_corpus.generate(args.articles, step_minutes=step)))
    latest = max(a.published_at for a in articles if a.published_at)
    sets = query_sets(latest)
    rows: list[tuple[str, str, float, float, int]] = []
    loads: dict[str, float] = {}

    with tempfile.TemporaryDirectory(prefix="pantau-search-bench-") as tmp:
        store = Store(Path(tmp) / "pantau.sqlite3")
        loads["embedded"] = load_store(store, articles)
        size_mb = (Path(tmp) / "pantau.sqlite3").stat().st_size / 1e6
        embedded = StoreSearch(store)

        def bench(es: Elasticsearch) -> None:
            alias = f"bench{uuid.uuid4().hex[:8]}"
            try:
                loads["elasticsearch"] = load_elasticsearch(es, alias, articles)
                backend = ElasticsearchSearch(es, alias)
                for name, queries in sets.items():
                    for label, b in (("elasticsearch", backend), ("embedded", embedded)):
                        times, matched = measure(b, queries, args.runs)
                        rows.append((name, label, percentile(times, 0.5), percentile(times, 0.95), matched))
            finally:
                es.indices.delete(index=f"{alias}-v*", allow_no_indices=True)

        with_elasticsearch(args.elasticsearch, bench)

    words = statistics.mean(len(a.body.split()) for a in articles[:1000])
    print(
        f"\n{len(articles):,} articles (~{words:.0f} words each), {args.runs} runs per query and backend, "
        f"{datetime.now(UTC):%Y-%m-%d}; load: Elasticsearch {loads['elasticsearch']:.0f} s, "
        f"embedded {loads['embedded']:.0f} s ({size_mb:.0f} MB)"
    )
    print(f"{'query':20} {'backend':14} {'p50 ms':>8} {'p95 ms':>8} {'matches':>9}  target p95")
    for name, label, p50, p95, matched in rows:
        target = TARGET_P95_MS[label] if name == "filtered + facets" else None
        verdict = "" if target is None else f"< {target:.0f} ms: {'met' if p95 < target else 'NOT met'}"
        print(f"{name:20} {label:14} {p50:8.1f} {p95:8.1f} {matched:9,}  {verdict}")
    p95s = {label: p95 for name, label, _, p95, _ in rows if name == "filtered + facets"}
    print(
        f"search latency, {len(articles):,} articles, filtered query with facets: p95 Elasticsearch "
        f"{p95s['elasticsearch']:.0f} ms (target {TARGET_P95_MS['elasticsearch']:.0f}), embedded "
        f"{p95s['embedded']:.0f} ms (target {TARGET_P95_MS['embedded']:.0f}); ratio p95/target "
        f"{p95s['elasticsearch'] / TARGET_P95_MS['elasticsearch']:.2f}x / "
        f"{p95s['embedded'] / TARGET_P95_MS['embedded']:.2f}x"
    )


if __name__ == "__main__":
    main()
