"""Scrapy settings shared by every site spider. Per-site politeness comes from the site file."""

BOT_NAME = "pantau"
SPIDER_MODULES: list[str] = []  # spiders are built from site files, not discovered
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items are processed by synchronous pipelines, so running several at once gains nothing,
# while Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response it parses (100 by
# default: about a third of the reactor's time per page, benchmarks/crawl_bench.py).
CONCURRENT_ITEMS = 1
# Scrapy re-reads and parses the source of a generator callback for every response it hands
# to it (its cache is keyed by the bound method, made anew for each request): ~0.5 ms a page.
# tests/unit/test_crawl_outcomes.py runs the same check on the spider's callbacks once.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A news page is well under a megabyte; a 20 MB answer is a mistake or an attack. Sitemaps
# get a larger allowance per request (crawlers.spiders.site.SITEMAP_MAXSIZE).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# News sites redirect once or twice (http -> https, old path -> channel path); more is a loop.
REDIRECT_MAX_TIMES = 5
DOWNLOADER_MIDDLEWARES = {
    # After RetryMiddleware (550) in process_response order: the slot slows before the retry.
    "crawlers.politeness.RetryAfterMiddleware": 560,
    # Before RedirectMiddleware (600) sees the answer: an off-site redirect fails the request.
    "crawlers.politeness.OffsiteRedirectMiddleware": 610,
}
TELNETCONSOLE_ENABLED = False
# A crawler that opens a control port nobody asked for is a surprise to operators.
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}
COOKIES_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
# ITEM_PIPELINES is set by the composition root (pantau.cli), which knows the pipelines.
# Item messages without the item: a page's text never goes into the log.
LOG_FORMATTER = "crawlers.logformatter.NoBodiesLogFormatter"
# The dependency versions are for bug reports (--log-level DEBUG shows Scrapy's own INFO).
LOG_VERSIONS: list[str] = []
