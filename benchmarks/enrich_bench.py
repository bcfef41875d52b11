"""Throughput of the enrich core on one core, side by side with its floor.

Run: ``.venv/bin/python -m benchmarks.enrich_bench [--prior 100000] [--articles 3000] [--quick]``

The corpus is :func:`benchmarks.corpus.build_corpus` (labelled articles padded to ~3 KB,
one in ten an edited copy of an earlier one). The dedup index is first filled with
``--prior`` articles of the same kind (their signatures computed once, then replayed into
the indexes measured here). In one process pinned to one CPU, CPU time:

- floor: decoding and validating the JSON record (what any stage pays);
- each part on its own: date re-check, dedup, region tagging, relevance;
- the whole stage as the enrich consumer and the embedded writer run it: decode a batch of
  ``--batch`` records, :meth:`~pantau.enrich.stage.Enricher.enrich_many`, encode each enriched
  record and dedup signature, repeated over disjoint slices (the figure the target is
  checked against);
- beside it, the same one article at a time through :meth:`~pantau.enrich.stage.Enricher.enrich`
  (``pantau enrich`` and any caller that has a single article), on slices of their own.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from benchmarks.corpus import build_corpus
from benchmarks.measure import Spread, pin_to_one_cpu, progress, summary
from pantau.collector import settle_long_lived_heap
from pantau.dates import date_flags, dates_in_text
from pantau.enrich.dedup import DedupIndex
from pantau.enrich.region import tag_regions
from pantau.enrich.relevance import default_scorer
from pantau.enrich.stage import Enricher
from pantau.schema import DedupSignature, parse_article

TARGET = 500.0


def prior_signatures(n: int, rate: Callable[[str, Callable[[Any], Any], list[Any]], float]) -> list[str]:
    """Signatures (JSON) of ``n`` prior articles, as a dedup index made them."""
    signatures: list[str] = []
    index = DedupIndex()
    rate(
        f"filling a {n:,}-article dedup index",
        lambda r: signatures.append(index.check(parse_article(r))[1].model_dump_json()),
        build_corpus(n, seed=11),
    )
    return signatures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", type=int, default=100_000, help="articles in the dedup index beforehand")
    parser.add_argument("--articles", type=int, default=3000, help="articles measured")
    parser.add_argument("--repeats", type=int, default=3, help="disjoint slices the whole stage is timed on")
    parser.add_argument(
        "--batch", type=int, default=200, help="records enriched together (the embedded writer's batch)"
    )
    parser.add_argument("--quick", action="store_true", help="20,000 prior and 1,500 measured articles")
    args = parser.parse_args(argv)
    if args.quick:
        args.prior, args.articles = 20_000, 1500
    cpu = pin_to_one_cpu()
    records = build_corpus(args.articles)
    # Other records for the one-at-a-time runs: the same article twice would be "seen before".
    single_records = build_corpus(args.articles // 2, seed=13, site="satu")
    articles = [parse_article(r) for r in records]
    scorer = default_scorer()
    tag_regions("Pemanasan", "LUMAJANG - pemanasan.")  # load the gazetteer outside the timing

    results: list[tuple[str, float]] = []
    with progress() as bars:

        def rate(name: str, fn: Callable[[Any], Any], items: list[Any]) -> float:
            task = bars.add_task(name, total=len(items))
            started = time.process_time()
            for n, item in enumerate(items, 1):
                fn(item)
                if n % 100 == 0:
                    bars.update(task, completed=n)
            elapsed = time.process_time() - started
            bars.update(task, completed=len(items))
            return len(items) / elapsed if elapsed else float("inf")

        signatures = prior_signatures(args.prior, lambda name, fn, items: rate(name, fn, items))
        enricher = Enricher()
        part_index = DedupIndex()

        def replay(payload: str) -> None:
            signature = DedupSignature.from_json(payload)
            enricher.dedup.add(signature)
            part_index.add(signature)

        rate("replaying it into the measured indexes", replay, signatures)
        del signatures
        settle_long_lived_heap()  # as the consumer and the embedded writer do after restoring

        def whole(batch: list[str]) -> None:
            for result in enricher.enrich_many([parse_article(record) for record in batch]):
                assert not isinstance(result, Exception), result
                enriched, signature = result
                enriched.to_json()
                signature.model_dump_json()

        def one(record: str) -> None:
            enriched, signature = enricher.enrich(parse_article(record))
            enriched.to_json()
            signature.model_dump_json()

        results.append(("floor: decode + validate", rate("floor: decode + validate", parse_article, records)))
        results.append(
            (
                "date re-check",
                rate(
                    "date re-check",
                    lambda a: date_flags(a.published_at, a.fetched_at, None, dates_in_text(a.body, a.fetched_at)),
                    articles,
                ),
            )
        )
        results.append((f"dedup ({args.prior:,}-article index)", rate("dedup", part_index.check, articles)))
        results.append(
            ("region tagging", rate("region tagging", lambda a: tag_regions(a.title, a.body, a.home_region), articles))
        )
        results.append(("relevance", rate("relevance", lambda a: scorer.score(a.title, a.body), articles)))
        stage = Spread()
        single = Spread()
        size = len(records) // args.repeats
        single_size = len(single_records) // args.repeats
        for k in range(args.repeats):
            chunk = records[k * size : (k + 1) * size]
            batches = [chunk[i : i + args.batch] for i in range(0, len(chunk), args.batch)]
            per_batch = rate(f"whole stage, slice {k + 1} of {args.repeats}", whole, batches)
            stage.add(per_batch * len(chunk) / len(batches) if batches else 0.0)
            single.add(
                rate(
                    f"one at a time, slice {k + 1} of {args.repeats}",
                    one,
                    single_records[k * single_size : (k + 1) * single_size],
                )
            )

    mean_kb = sum(len(a.body.encode()) for a in articles) / len(articles) / 1024
    print(
        f"\nenrich core on one core (CPU {cpu}), {args.articles:,} articles of {mean_kb:.1f} KB mean body, "
        f"dedup index of {args.prior:,} prior articles (CPU time)"
    )
    floor = results[0][1]
    for name, per_second in results:
        print(f"  {name:48} {per_second:9,.0f} articles/s   ({floor / per_second:5.1f}x the floor's time)")
    print(f"  {'one article at a time (enrich)':48} {single.text():>9} articles/s")
    print(f"  {f'whole stage (decode, enrich_many({args.batch}), encode)':48} {stage.text():>9} articles/s")
    ratio = Spread([v / TARGET for v in stage.values])
    print(
        summary(
            "enrich core, one core",
            f"{stage.text()} articles/s with a {args.prior:,}-article dedup index",
            f"floor (decode + validate) {floor:,.0f}/s",
            ratio,
            extra=f"target {TARGET:.0f}/s",
        )
    )


if __name__ == "__main__":
    main()
