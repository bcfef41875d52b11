"""Memory and speed of the dedup index on synthetic ~3 KB articles.

Run: ``.venv/bin/python -m benchmarks.dedup_bench [--prior 100000] [--probe 2000] [--quick]``

Prints, for an index of ``--prior`` articles:
- bytes of traced memory per indexed article (tracemalloc, Python and numpy) in an index
  rebuilt from the persisted signatures (JSON), as every process holds it after start-up;
- ``check()`` throughput on one core for ``--probe`` new articles against that index
  (10% of them edited copies of indexed ones);
- ``add()`` replay throughput (rebuilding the index from already decoded signatures), and
  the whole restore path (JSON text, validation into a :class:`~pantau.schema.DedupSignature`, ``add()``);
- mean JSON size of a persisted signature;
- recall on edited copies and false matches among unrelated articles;
- the LSH candidate probability at a few Jaccard similarities.

The text is pseudo-Indonesian generated from a fixed seed: words drawn with a Zipf-like
skew from a made-up vocabulary, so shingle statistics resemble prose without copying any.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pantau.enrich.dedup import (
    DEFAULT_BANDS,
    DEFAULT_ROWS,
    DedupIndex,
    DedupSignature,
    normalise_text,
)
from pantau.schema import Article, article_id

_SYLLABLES = [c + v for c in "bcdgjklmnprstw" for v in "aiueo"] + ["ng", "ny", "an", "in", "un", "ar"]
_FETCHED = datetime(2024, 10, 1, tzinfo=UTC)


class _Corpus:
    """Deterministic pseudo-prose."""

    def __init__(self, seed: int = 2024, vocabulary: int = 20_000) -> None:
        self.rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < vocabulary:
            words.add("".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(1, 4))))
        self.words = sorted(words)
        # Zipf-like weights: common function words dominate, as in real text.
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(vocabulary)))
        self.rng.shuffle(self.words)

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=self.rng.randint(10, 24))
        return " ".join(words).capitalize() + "."

    def paragraphs(self, chars: int = 3000) -> list[str]:
        out: list[str] = []
        size = 0
        while size < chars:
            para = " ".join(self.sentence() for _ in range(self.rng.randint(2, 4)))
            out.append(para)
            size += len(para) + 2
        return out


def _article(n: int, site: str, body: str, published: datetime | None) -> Article:
    url = f"https://{site}/berita/{n}"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site=site,
        title=f"Judul {n}",
        body=body,
        published_at=published,
        fetched_at=_FETCHED,
    )


def _edited_copy(corpus: _Corpus, paragraphs: list[str], every: int | None) -> str:
    """A syndicated copy: new intro, one paragraph dropped, new byline, and (if ``every``)
    one word in ``every`` replaced, as copy editors do."""
    rng = corpus.rng
    paras = [corpus.sentence() + " " + corpus.sentence(), *paragraphs[1:]]
    if len(paras) > 3:
        del paras[rng.randrange(2, len(paras))]
    words = "\n\n".join(paras).split(" ")
    if every:
        for i in range(rng.randrange(every), len(words), every):
            words[i] = rng.choice(corpus.words)
    return " ".join(words) + "\n\nPewarta: Penulis Lain\nEditor: Redaksi Daerah"


def _jaccard(a: str, b: str, k: int = 4) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = normalise_text(text).split()
        return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def _articles(corpus: _Corpus, count: int, start: int) -> Iterator[tuple[Article, list[str]]]:
    for n in range(start, start + count):
        paras = corpus.paragraphs()
        published = _FETCHED - timedelta(minutes=count - (n - start))
        yield _article(n, f"situs{n % 300}.example.id", "\n\n".join(paras), published), paras


def run(
    prior: int = 100_000, probe: int = 2_000, seed: int = 2024, tick: Callable[[str, int], None] | None = None
) -> dict[str, float | int]:
    """Build, measure and return the numbers (also printed by :func:`main`)."""
    corpus = _Corpus(seed)
    indexed = list(_articles(corpus, prior, 0))
    fresh = [a for a, _ in _articles(corpus, probe, prior)]
    edit_rates = (None, 60, 30, 20)
    copies = [
        _article(10_000_000 + i, "salinan.example.id", _edited_copy(corpus, paras, edit_rates[i % 4]), None)
        for i, (_, paras) in enumerate(indexed[: probe // 10])
    ]
    source_of = {c.id: indexed[i][0] for i, c in enumerate(copies)}
    probes = fresh[: probe - len(copies)] + copies
    corpus.rng.shuffle(probes)
    mean_chars = sum(len(a.body) for a, _ in indexed) / len(indexed)
    normalise_text(indexed[0][0].body)  # warm caches outside the measurements

    # Speed, untraced: build, probe, replay.
    index = DedupIndex()
    signatures: list[DedupSignature] = []
    t0 = time.perf_counter()
    for n, (article, _) in enumerate(indexed, 1):
        signatures.append(index.check(article)[1])
        if tick and n % 1000 == 0:
            tick("build", n)
    build_rate = prior / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    decisions = [index.check(article)[0] for article in probes]
    check_rate = len(probes) / (time.perf_counter() - t0)

    # Recall on the edited copies, by their exact shingle Jaccard to the original.
    buckets = {"<0.4": [0, 0], "0.4-0.5": [0, 0], "0.5-0.6": [0, 0], "0.6-0.7": [0, 0], ">=0.7": [0, 0]}
    false = 0
    for article, decision in zip(probes, decisions, strict=True):
        source = source_of.get(article.id)
        if source is None:
            false += decision.is_duplicate
            continue
        j = _jaccard(source.body, article.body)
        name = (
            "<0.4" if j < 0.4 else "0.4-0.5" if j < 0.5 else "0.5-0.6" if j < 0.6 else "0.6-0.7" if j < 0.7 else ">=0.7"
        )
        buckets[name][0] += 1
        buckets[name][1] += decision.duplicate_of == source.id

    payloads = [s.model_dump_json() for s in signatures]

    # Memory: everything an index rebuilt from the persisted signatures holds (the state of
    # every process after start-up; checking adds only transient garbage on top).
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    traced_index = DedupIndex()
    for payload in payloads:
        traced_index.add(DedupSignature.from_json(payload))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    traced = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    bytes_per_article = traced / prior
    del traced_index

    replay = [DedupSignature.from_dict(json.loads(p)) for p in payloads[:1000]] + signatures[1000:]
    rebuilt = DedupIndex()
    t0 = time.perf_counter()
    for signature in replay:
        rebuilt.add(signature)
    replay_rate = len(replay) / (time.perf_counter() - t0)

    # The whole restore path as the adapters run it: JSON text -> validated signature -> add().
    restored = DedupIndex()
    t0 = time.perf_counter()
    for payload in payloads:
        restored.add(DedupSignature.from_dict(json.loads(payload)))
    restore_rate = len(payloads) / (time.perf_counter() - t0)

    return {
        "prior_articles": prior,
        "mean_body_chars": mean_chars,
        "bytes_per_article": bytes_per_article,
        "build_articles_per_s": build_rate,
        "check_articles_per_s": check_rate,
        "replay_signatures_per_s": replay_rate,
        "restore_from_json_per_s": restore_rate,
        "signature_json_bytes": sum(len(p) for p in payloads[:1000]) / 1000,
        "unrelated_probes": len(probes) - len(copies),
        "unrelated_false_matches": false,
        **{f"copies_J{name}": total for name, (total, _) in buckets.items()},
        **{f"found_J{name}": found for name, (_, found) in buckets.items()},
    }


def main(argv: list[str] | None = None) -> None:
    from benchmarks.measure import Spread, progress, summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", type=int, default=100_000)
    parser.add_argument("--probe", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="20,000 prior articles")
    args = parser.parse_args(argv)
    if args.quick:
        args.prior = 20_000
    with progress() as bars:
        task = bars.add_task(f"dedup: checking {args.prior:,} prior articles", total=args.prior)
        results = run(args.prior, args.probe, tick=lambda _, n: bars.update(task, completed=n))
        bars.update(task, completed=args.prior)
    for key, value in results.items():
        print(f"{key:>26}: {value:,.1f}" if isinstance(value, float) else f"{key:>26}: {value:,}")
    print(f"LSH candidate probability, {DEFAULT_BANDS} bands x {DEFAULT_ROWS} rows:")
    for jaccard in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        p = 1 - (1 - jaccard**DEFAULT_ROWS) ** DEFAULT_BANDS
        print(f"  J={jaccard:.1f}: {p:.3f}")
    per_article = float(results["bytes_per_article"])
    print(
        summary(
            f"dedup state, {args.prior:,}-article index",
            f"{per_article:,.0f} bytes an article, check() {results['check_articles_per_s']:,.0f}/s",
            "limit 1,024 bytes an article",
            Spread([1024 / per_article]),
            extra=f"restore {results['restore_from_json_per_s']:,.0f} signatures/s",
        )
    )


if __name__ == "__main__":
    main()
