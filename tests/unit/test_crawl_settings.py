"""Which Scrapy components a crawl runs with, in normal and ``fast`` (local mirror) mode."""

from __future__ import annotations

from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.conf import build_component_list

from crawlers.runner import _spider_class, scrapy_settings
from crawlers.sitespec import select_sites
from pantau.config import load_settings
from pipelines import ITEM_PIPELINES


def _components(fast: bool) -> dict[str, list[str]]:
    settings: ScrapySettings = scrapy_settings(load_settings(), ITEM_PIPELINES).copy()
    spider_cls = _spider_class(select_sites(["memorandum"])[0], delivery=None, fast=fast)  # type: ignore[arg-type]
    spider_cls.update_settings(settings)
    return {
        key: build_component_list(settings.getwithbase(key))
        for key in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS")
    }


def test_fast_mode_keeps_the_safety_middlewares_and_the_project_settings() -> None:
    fast = _components(fast=True)
    downloader = fast["DOWNLOADER_MIDDLEWARES"]
    for kept in (
        "crawlers.politeness.OffsiteRedirectMiddleware",
        "crawlers.politeness.RetryAfterMiddleware",
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware",
        "scrapy.downloadermiddlewares.retry.RetryMiddleware",
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
    ):
        assert kept in downloader
    assert "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware" in fast["SPIDER_MIDDLEWARES"]
    # The project turns the control port off; a spider's settings must not turn it back on.
    assert "scrapy.extensions.remote_control.RemoteControl" not in fast["EXTENSIONS"]
    assert "scrapy.spidermiddlewares.depth.DepthMiddleware" not in fast["SPIDER_MIDDLEWARES"]


def test_normal_mode_keeps_scrapys_defaults() -> None:
    normal = _components(fast=False)
    assert "scrapy.spidermiddlewares.depth.DepthMiddleware" in normal["SPIDER_MIDDLEWARES"]
    assert "crawlers.politeness.OffsiteRedirectMiddleware" in normal["DOWNLOADER_MIDDLEWARES"]
    assert "scrapy.extensions.remote_control.RemoteControl" not in normal["EXTENSIONS"]
