"""Crawl throughput: ``pantau crawl`` into the embedded store beside a bare Scrapy spider, in one run.

Run: ``.venv/bin/python -m benchmarks.crawl_bench [--pages 1000] [--repeats 3] [--memory-pages 10000] [--quick]``

The same ``--pages`` pages in Memorandum's Disway markup (:mod:`benchmarks.corpus`), listed
by one RSS feed, are served by :mod:`benchmarks.page_server` (in memory, keep-alive, in a
process of its own). Each round crawls them, one process after the other, with:

- **bare Scrapy** (the limit): a plain ``scrapy.Spider`` that reads the feed and, per page,
  takes the title and the paragraphs with two selectors; politeness off (no delay, no
  robots.txt), 16 concurrent requests, ``CONCURRENT_ITEMS=1`` as Pantau's crawler has it,
  items discarded;
- **pantau crawl, embedded**: the real command (``pantau crawl --base-url``, politeness off),
  extraction, cleaning, validation, then enrichment and storage in the writer process;
- **pantau crawl, embedded, thread writer** (with ``--thread-writer``): the same with
  ``PANTAU_EMBEDDED_WORKER=thread``;
- **pantau crawl, no-op delivery**: the same spider and pipelines, articles dropped at delivery.

A crawl is timed from its first request (the feed) until its process has exited, so
interpreter start-up is left out but everything after the last page (the writer storing
the tail, closing the store) is in. Rounds alternate the order, and the ratio to bare
Scrapy is taken within each round. Peak resident memory of every process is sampled.
With ``--memory-pages`` the embedded crawl also runs once over a site of that size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import CpuCensus, PeakMemory, Spread, progress, summary
from benchmarks.page_server import PageServer

REPO = Path(__file__).resolve().parents[1]

#: The site file's listing start point gets a small listing page (links to the first articles).
SEARCH = "/search/kata/"
LISTING = "/kategori/5/pemerintahan/0"


@dataclass
class CrawlRun:
    name: str
    seconds: float
    pages: int
    memory: PeakMemory
    #: CPU time (user + system) of the crawl's whole process tree, start-up included.
    cpu_seconds: float
    #: Where the machine's CPU went while the crawl ran (start-up included).
    census: CpuCensus

    @property
    def rate(self) -> float:
        return self.pages / self.seconds


def site(n: int) -> dict[str, bytes]:
    # Imported here: the crawl children import this module and need none of it.
    from benchmarks.corpus import article_path, memorandum_pages

    pages = dict(memorandum_pages(n))
    links = "".join(f'<a href="{article_path(i)}">artikel {i}</a>' for i in range(min(n, 20)))
    pages[LISTING] = f"<html><body>{links}</body></html>".encode()
    # The Disway platform also starts from its search page (the server ignores the query).
    pages[SEARCH] = pages[LISTING]
    return pages


# --- the crawlers run in child processes ------------------------------------------------


def _bare_spider(base_url: str) -> int:
    """The limit: a plain Scrapy spider over the same feed and pages; returns items scraped."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            yield scrapy.Request(base_url + "/rss", callback=self.parse_feed)

        def parse_feed(self, response: Any) -> Iterator[Any]:
            for link in response.xpath("//*[local-name()='item']/*[local-name()='link']/text()").getall():
                yield scrapy.Request(link.strip(), callback=self.parse_article)

        def parse_article(self, response: Any) -> Iterator[dict[str, Any]]:
            yield {
                "url": response.url,
                "title": response.css("h1::text").get(),
                "body": response.css("div.post p::text").getall(),
            }

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            # Pantau's crawler sets this too (crawlers/settings.py); with Scrapy's default of
            # 100 the bare spider spends ~0.5 ms a page starting asyncio tasks, and would be
            # a weaker limit than the crawler it is compared with.
            "CONCURRENT_ITEMS": 1,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    return int(crawler.stats.get_value("item_scraped_count", 0)) if crawler.stats else 0


class NoOpDelivery:
    """Counts articles and drops them: the crawl without enrichment or storage."""

    def __init__(self) -> None:
        self.published = 0

    def publish(self, article: Any) -> None:
        self.published += 1

    def dead_letter(self, letter: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _noop_crawl(base_url: str, pages: int) -> int:
    from crawlers.runner import CrawlOptions, crawl
    from crawlers.sitespec import select_sites
    from pantau.config import load_settings
    from pantau.logs import setup_logging
    from pipelines import ITEM_PIPELINES

    settings = load_settings(crawl_max_articles=pages + 100, log_level="WARNING")
    setup_logging(settings.log_level)
    delivery = NoOpDelivery()
    options = CrawlOptions(base_urls={"memorandum": base_url}, fast=True)
    crawl(settings, select_sites(["memorandum"]), delivery, ITEM_PIPELINES, options)
    return delivery.published


def child(kind: str, base_url: str, pages: int) -> None:
    done = _bare_spider(base_url) if kind == "bare" else _noop_crawl(base_url, pages)
    print(json.dumps({"pages": done}))


# --- the parent -------------------------------------------------------------------------


def _environment(data_dir: Path, pages: int, worker: str = "process") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(
        PANTAU_DATA_DIR=str(data_dir),
        PANTAU_CRAWL_MAX_ARTICLES=str(pages + 100),  # room for the listing page, whatever the budget rule
        PANTAU_LOG_LEVEL="WARNING",
        PANTAU_EMBEDDED_WORKER=worker,
        PYTHONPATH=str(REPO),
    )
    return env


def _start_at_first_request(
    census: CpuCensus, server: PageServer, before: float, process: subprocess.Popen[str]
) -> None:
    while server.started.value == before and process.poll() is None:
        time.sleep(0.005)
    census.start()


def run_once(name: str, server: PageServer, pages: int, workdir: Path) -> CrawlRun:
    data_dir = Path(tempfile.mkdtemp(prefix="crawl-", dir=workdir))
    python = sys.executable
    if name == "bare":
        command = [python, "-m", "benchmarks.crawl_bench", "--child", "bare", server.base_url, str(pages)]
        env = _environment(data_dir, pages)
    elif name == "noop":
        command = [python, "-m", "benchmarks.crawl_bench", "--child", "noop", server.base_url, str(pages)]
        env = _environment(data_dir, pages)
    else:
        command = [python, "-m", "pantau.cli", "crawl", "--site", "memorandum", "--base-url", server.base_url]
        env = _environment(data_dir, pages, worker="thread" if name == "thread" else "process")
    before = server.started.value
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    census = CpuCensus({server.pid: "page server", os.getpid(): "the benchmark"})
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The CPU census covers the same window as the rate: from the crawl's first request.
    watcher = threading.Thread(target=_start_at_first_request, args=(census, server, before, process), daemon=True)
    watcher.start()
    with PeakMemory(process.pid) as memory:
        out, err = process.communicate(timeout=1800)
    ended = time.monotonic()
    watcher.join()
    census.stop(ended=memory.cpu)
    census.named.update({pid: label for pid, (label, _peak) in memory.peaks.items()})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    if process.returncode != 0 or server.started.value == before:
        raise RuntimeError(f"{name} crawl failed (exit {process.returncode}): {err[-3000:]}")
    if name in ("bare", "noop"):
        done = int(json.loads(out.strip().splitlines()[-1])["pages"])
    else:
        match = re.search(r"holds (\d+) article", out)
        done = int(match.group(1)) if match else 0
    if done != pages:
        raise RuntimeError(f"{name} crawl got {done} of {pages} pages: {out[-2000:]} {err[-2000:]}")
    return CrawlRun(name, ended - server.started.value, done, memory, cpu, census)


LABELS = {
    "bare": "bare Scrapy spider (the limit)",
    "embedded": "pantau crawl, embedded (process writer)",
    "thread": "pantau crawl, embedded (thread writer)",
    "noop": "pantau crawl, no-op delivery",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-pages", type=int, default=10_000, help="site size for the memory run (0: none)")
    parser.add_argument("--thread-writer", action="store_true", help="also crawl with the thread writer")
    parser.add_argument("--quick", action="store_true", help="one round, no memory run")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "URL", "PAGES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    kinds = ["bare", "embedded", "thread", "noop"] if args.thread_writer else ["bare", "embedded", "noop"]
    if args.quick:
        args.repeats, args.memory_pages = 1, 0
    runs: dict[str, list[CrawlRun]] = {k: [] for k in kinds}
    ratios = {k: Spread() for k in kinds if k != "bare"}
    memory_run: CrawlRun | None = None
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-bench-") as tmp, progress() as bars:
        workdir = Path(tmp)
        task = bars.add_task(f"building {args.pages:,} pages", total=None)
        pages = site(args.pages)
        bars.update(task, total=1, completed=1)
        task = bars.add_task(f"crawling {args.pages:,} pages, {args.repeats} round(s)", total=args.repeats * len(kinds))
        with PageServer(pages) as server:
            for round_number in range(args.repeats):
                # Alternate the order so that no crawler always runs first (or after the same one).
                order = kinds if round_number % 2 == 0 else list(reversed(kinds))
                done = {}
                for kind in order:
                    bars.update(task, description=f"round {round_number + 1}: {LABELS[kind]}")
                    done[kind] = run_once(kind, server, args.pages, workdir)
                    runs[kind].append(done[kind])
                    bars.advance(task)
                for kind, ratio in ratios.items():
                    ratio.add(done[kind].rate / done["bare"].rate)
        if args.memory_pages:
            task = bars.add_task(f"memory: building {args.memory_pages:,} pages", total=None)
            big = site(args.memory_pages)
            bars.update(task, description=f"memory: embedded crawl of {args.memory_pages:,} pages")
            with PageServer(big) as server:
                memory_run = run_once("embedded", server, args.memory_pages, workdir)
            bars.update(task, total=1, completed=1)

    print(f"\ncrawl of {args.pages:,} local Memorandum pages, {args.repeats} round(s), 2-core machine")
    print(f"  {'crawler':44} {'pages/s':>20}  {'x bare Scrapy':>18}  {'CPU ms/page':>11}  peak memory (last round)")
    for kind in kinds:
        rates = Spread([r.rate for r in runs[kind]])
        ratio_text = ratios[kind].text(2, "x") if kind in ratios else "1.00x"
        cpu = Spread([1000 * r.cpu_seconds / r.pages for r in runs[kind]]).text(1)
        print(f"  {LABELS[kind]:44} {rates.text():>20}  {ratio_text:>18}  {cpu:>11}  {runs[kind][-1].memory.text()}")
    for kind in kinds:
        print(f"  {LABELS[kind]}, last round:")
        print(runs[kind][-1].census.text(args.pages, "page"))
    if memory_run is not None:
        print(
            f"  embedded crawl of {args.memory_pages:,} pages: {memory_run.rate:,.0f} pages/s, peak memory "
            f"{memory_run.memory.text()} (sum {memory_run.memory.total / 2**20:.0f} MB)"
        )
    bare = Spread([r.rate for r in runs["bare"]])
    ours = Spread([r.rate for r in runs["embedded"]])
    noop = ratios["noop"].text(2, "x")
    print(
        summary(
            f"crawl, {args.pages:,} pages",
            f"pantau crawl embedded {ours.text()} pages/s",
            f"bare Scrapy {bare.text()} pages/s",
            ratios["embedded"],
            extra=f"no-op delivery {noop} bare",
        )
    )


if __name__ == "__main__":
    main()
