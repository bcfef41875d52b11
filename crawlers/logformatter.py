"""Scrapy's messages about items, without the items.

Scrapy's default formatter prints the whole item when one is scraped (DEBUG) or dropped
(WARNING): for Pantau that is a page's full text in the log. Pantau's pipelines log their
own decision with the site and URL as context, so these messages keep only the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


class NoBodiesLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        src = response.getErrorMessage() if isinstance(response, Failure) else getattr(response, "url", "")
        return {"level": logging.DEBUG, "msg": "Scraped from %(src)s", "args": {"src": src}}

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        # The pipeline that dropped it has logged why, with the site and URL: no second warning.
        return {"level": logging.DEBUG, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
