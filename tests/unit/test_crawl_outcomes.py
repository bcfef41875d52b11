"""Failures by name, the run tally and its metrics, and the politeness middlewares, on plain values."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY as PROMETHEUS
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError
from twisted.python.failure import Failure

from crawlers.outcomes import SiteTally, dead_letter_kind, failure_kind
from crawlers.politeness import OffsiteRedirectMiddleware, retry_after_seconds


def failed(exc: BaseException) -> Failure:
    return Failure(exc)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (HttpError(HtmlResponse("https://x.id/a", status=404)), "http_404"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_disallowed"),
        (IgnoreRequest("Filtered offsite redirect to https://lain.id/"), "offsite_redirect"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
        (DNSLookupError("no such host"), "dns"),
        (ConnectionRefusedError(), "connection_refused"),
        (ValueError("something odd"), "value"),
    ],
)
def test_failures_have_names(exc: BaseException, kind: str) -> None:
    assert failure_kind(failed(exc)) == kind


def test_dead_letters_are_named_by_the_field() -> None:
    assert dead_letter_kind("schema: body: String should have at least 1 character") == "missing_field:body"
    assert dead_letter_kind("schema: url: String should match pattern '^https?://'") == "invalid_field:url"


def _count(name: str, labels: dict[str, str]) -> float:
    return PROMETHEUS.get_sample_value(name, labels) or 0.0


def test_every_page_ends_once_in_the_tally_and_in_the_metrics() -> None:
    site = "tally_test_site"
    before = _count("pantau_crawl_pages_total", {"site": site, "outcome": "failed"})
    tally = SiteTally(site)
    tally.start_points_answered = 1
    tally.responses = 4
    tally.outcome("delivered")
    tally.outcome("unchanged")
    tally.outcome("dead_letter", "missing_field:body", "https://x.id/a: body")
    tally.outcome("failed", "http_404", "https://x.id/b: 404")
    assert tally.pages == 4 and tally.failed
    assert _count("pantau_crawl_pages_total", {"site": site, "outcome": "failed"}) == before + 1
    assert _count("pantau_crawl_failures_total", {"site": site, "kind": "http_404", "resource": "article"}) >= 1
    assert tally.errors() == {"http_404": 1, "missing_field:body": 1}
    assert "4 article page(s): 1 delivered, 1 unchanged, 1 dead-lettered, 1 failed" in tally.summary()
    clean = SiteTally("tally_clean_site")
    clean.start_points_answered, clean.responses = 1, 2
    clean.outcome("delivered")
    assert not clean.failed
    clean.selector_miss("body")
    assert clean.failed and "site selectors matched nothing: body=1" in clean.summary()


def test_a_site_that_never_answered_is_unreachable() -> None:
    tally = SiteTally("tally_unreachable_site")
    tally.other_failure("feed", "dns", "https://x.id/rss: no such host")
    assert tally.unreachable and tally.failed
    assert tally.summary().startswith("tally_unreachable_site: UNREACHABLE (dns:")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2024, 10, 10, tzinfo=UTC)
    assert retry_after_seconds(b"3") == 3.0
    assert retry_after_seconds("Thu, 10 Oct 2024 00:01:00 GMT", now) == 60.0
    assert retry_after_seconds(None) is None and retry_after_seconds("besok") is None


def test_a_redirect_off_the_site_fails_the_request() -> None:
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(allowed_domains=["x.id", "127.0.0.1"]))
    guard = OffsiteRedirectMiddleware(crawler)
    request = Request("http://127.0.0.1:8080/read/1/a")

    def redirect(location: str) -> HtmlResponse:
        return HtmlResponse(request.url, status=301, headers={"Location": location})

    assert guard.process_response(request, redirect("/read/1/b")).status == 301  # same host, other port ignored
    assert guard.process_response(request, redirect("https://m.x.id/read/1/a")).status == 301
    with pytest.raises(IgnoreRequest, match=r"offsite redirect to https://lain\.id/"):
        guard.process_response(request, redirect("https://lain.id/"))
    ok = HtmlResponse(request.url, status=200, body=b"<html></html>")
    assert guard.process_response(request, ok) is ok


def test_no_spider_callback_is_a_generator_returning_a_value() -> None:
    """Scrapy's own check of this (WARN_ON_GENERATOR_RETURN_VALUE) is off in the crawler: it costs every response."""
    from scrapy.utils.misc import is_generator_with_return_value

    from crawlers.spiders.site import SiteSpider

    callbacks = [
        SiteSpider.parse_feed,
        SiteSpider.parse_sitemap,
        SiteSpider.parse_api,
        SiteSpider.parse_listing,
        SiteSpider.parse_article,
        SiteSpider.parse_continuation,
        SiteSpider.on_error,
    ]
    for callback in callbacks:
        assert not is_generator_with_return_value(getattr(callback, "__wrapped__", callback)), callback.__name__
