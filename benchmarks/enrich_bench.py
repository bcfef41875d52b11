"""Throughput of the enrich core on one core, side by side with its floor.

Run: ``.venv/bin/python -m benchmarks.enrich_bench [--prior 20000] [--articles 3000]``

The corpus is built from the labelled evaluation articles (``tests/eval``), each padded
to ~3 KB with paragraphs from other articles, with one in ten an edited copy of an
earlier one, so near-duplicate lookup has real work to do. The dedup index is first
filled with ``--prior`` signatures. Measured in one process, pinned to one CPU:

- floor: decoding and validating the JSON record (what any stage pays);
- each part on its own: date re-check, dedup, region tagging, relevance;
- the whole :class:`~pantau.enrich.stage.Enricher`, plus serialising the result.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import track

from pantau.dates import date_flags, dates_in_text
from pantau.enrich.dedup import DedupIndex
from pantau.enrich.region import tag_regions
from pantau.enrich.relevance import default_scorer
from pantau.enrich.stage import Enricher
from pantau.evaluation import load_jsonl
from pantau.schema import Article, article_id, parse_article

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval"

FETCHED = datetime(2024, 10, 10, tzinfo=UTC)


def build_corpus(n: int, seed: int = 7) -> list[str]:
    """``n`` article records as JSON, ~3 KB bodies, 10% edited copies of earlier ones."""
    rng = random.Random(seed)
    labelled = load_jsonl(EVAL_DIR / "articles.jsonl")
    paragraphs = [p for item in labelled for p in item.body.split("\n") if len(p) > 80]
    records: list[str] = []
    bodies: list[str] = []
    for i in range(n):
        if bodies and rng.random() < 0.1:
            # A syndicated copy: new intro, one paragraph dropped.
            parts = rng.choice(bodies).split("\n\n")
            parts[0] = "Dikutip dari kantor berita, " + parts[0]
            if len(parts) > 3:
                parts.pop(rng.randrange(1, len(parts)))
            body = "\n\n".join(parts)
            title = "Salinan: " + labelled[i % len(labelled)].title
        else:
            item = labelled[i % len(labelled)]
            extra: list[str] = []
            while len(item.body) + sum(map(len, extra)) < 3000:
                extra.append(rng.choice(paragraphs))
            body = item.body + "\n\n" + "\n\n".join(extra)
            title = item.title
        bodies.append(body)
        url = f"https://contoh-berita.id/read/{i}/artikel-{i}"
        records.append(
            Article(
                id=article_id(url),
                url=url,
                canonical_url=url,
                site="contoh",
                title=title,
                body=body,
                fetched_at=FETCHED,
                published_at=FETCHED - timedelta(minutes=n - i),
            ).to_json()
        )
    return records


def prior_index(n: int, seed: int = 11) -> DedupIndex:
    index = DedupIndex()
    for record in track(build_corpus(n, seed=seed), description="filling the dedup index"):
        article = parse_article(record)
        index.check(
            article.model_copy(
                update={"id": article_id(article.url + "#prior"), "canonical_url": article.url + "#prior"}
            )
        )
    return index


def rate(name: str, fn: Callable[[Any], Any], items: list[Any]) -> tuple[str, float]:
    started = time.process_time()
    for item in track(items, description=name, transient=True):
        fn(item)
    elapsed = time.process_time() - started
    return name, len(items) / elapsed if elapsed else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prior", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    records = build_corpus(args.articles)
    articles = [parse_article(r) for r in records]
    scorer = default_scorer()
    tag_regions("Pemanasan", "LUMAJANG - pemanasan.")  # load the gazetteer outside the timing
    enricher = Enricher(dedup=prior_index(args.prior))
    part_index = prior_index(args.prior)

    def full(record: str) -> str:
        enriched, signature = enricher.enrich(parse_article(record))
        json.dumps(signature.to_dict())
        return enriched.to_json()

    results = [
        rate("floor: decode + validate", parse_article, records),
        rate(
            "date re-check",
            lambda a: date_flags(a.published_at, a.fetched_at, None, dates_in_text(a.body, a.fetched_at)),
            articles,
        ),
        rate("dedup (index of prior articles)", part_index.check, articles),
        rate("region tagging", lambda a: tag_regions(a.title, a.body, a.home_region), articles),
        rate("relevance", lambda a: scorer.score(a.title, a.body), articles),
        rate("whole enrich stage (decode, enrich, encode)", full, records),
    ]
    mean_kb = sum(len(a.body.encode()) for a in articles) / len(articles) / 1024
    print(
        f"\nenrich core, one core, {args.articles} articles of {mean_kb:.1f} KB mean body, "
        f"dedup index of {args.prior} prior articles"
    )
    floor = results[0][1]
    for name, per_second in results:
        print(f"  {name:48} {per_second:9.0f} articles/s   ({floor / per_second:5.1f}x the floor's time)")


if __name__ == "__main__":
    main()
