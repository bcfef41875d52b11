"""Scrapy's item messages never carry the page's text."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawlers.logformatter import NoBodiesLogFormatter
from pantau.schema import PageExtract

BODY = "Isi berita yang panjang sekali"


def test_scraped_and_dropped_messages_leave_the_item_out() -> None:
    item = PageExtract("https://a.id/1", "a", datetime(2024, 10, 1, tzinfo=UTC), "Judul", [BODY])
    response = HtmlResponse("https://a.id/1", body=b"<html></html>")
    formatter = NoBodiesLogFormatter()
    spider = Spider(name="a")
    for result in (
        formatter.scraped(item, response, spider),
        formatter.dropped(item, DropItem("schema: body"), response, spider),
    ):
        rendered = result["msg"] % result["args"]
        assert BODY not in rendered and "Judul" not in rendered
        assert rendered.startswith(("Scraped from https://a.id/1", "Dropped: schema: body"))
