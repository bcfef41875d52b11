"""Logging set-up: one line per event, ``key=value`` context after the message.

Context goes in ``extra={...}`` (the Scrapy convention) so that it stays machine-readable;
page bodies never go into logs.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _quote(value: Any) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


class KeyValueFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)  # logs are in UTC

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        base = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        context = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_")}
        if context:
            base += " " + " ".join(f"{k}={_quote(v)}" for k, v in context.items())
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return base


def setup_logging(level: str = "INFO") -> None:
    """Route all logging (ours, Scrapy's, kafka-python's) to stderr in key=value form."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    # On the handler too: Scrapy resets logger levels when a crawl starts.
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python is chatty at INFO about every connection; keep its warnings.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("elastic_transport").setLevel(max(logging.WARNING, root.level))
