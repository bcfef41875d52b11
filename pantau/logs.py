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


#: Client libraries that log a traceback with every connection failure they retry. An engine
#: that is down is an operating condition: below DEBUG their lines carry the error, not the stack.
_QUIET_LIBRARIES = ("elastic_transport", "elasticsearch", "kafka", "urllib3")


class KeyValueFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)  # logs are in UTC

    def __init__(self, library_tracebacks: bool = True) -> None:
        super().__init__()
        self.library_tracebacks = library_tracebacks

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        base = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        context = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_")}
        if context:
            base += " " + " ".join(f"{k}={_quote(v)}" for k, v in context.items())
        if record.exc_info:
            if self.library_tracebacks or not record.name.startswith(_QUIET_LIBRARIES):
                base += "\n" + self.formatException(record.exc_info)
            elif record.exc_info[1] is not None:
                error = record.exc_info[1]
                base += " error=" + _quote(f"{type(error).__name__}: {error}"[:300])
        return base


class RepeatFilter(logging.Filter):
    """Lets through one of a run of alike kafka-python warnings per ``window`` seconds.

    While a broker is down kafka-python logs the same complaint every second (coordinator
    lookups, produce retries). Alike means the same logger and message template; the
    next one let through says how many were held back.
    """

    def __init__(self, window: float = 30.0) -> None:
        super().__init__()
        self.window = window
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kafka") or record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        since, held = self._seen.get(key, (0.0, 0))
        if since and now - since < self.window:
            self._seen[key] = (since, held + 1)
            return False
        if held:
            record.msg = f"{record.msg} ({held} alike in the last {self.window:.0f} s not shown)"
        self._seen[key] = (now, 0)
        return True


def setup_logging(level: str = "INFO") -> None:
    """Route all logging (ours, Scrapy's, kafka-python's) to stderr in key=value form."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(library_tracebacks=logging.getLevelName(level) == logging.DEBUG))
    # On the handler too: Scrapy resets logger levels when a crawl starts.
    handler.setLevel(level)
    if logging.getLevelName(level) != logging.DEBUG:
        handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python is chatty at INFO about every connection; keep its warnings.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))
    # ...but not about every refused connection attempt (one a second while a broker is
    # down): Pantau says once, in its own words, that Kafka is unreachable.
    for name in ("kafka.net", "kafka.cluster"):
        logging.getLogger(name).setLevel(logging.WARNING if root.level <= logging.DEBUG else logging.CRITICAL)
    # Its warnings are one per retried connection; Pantau's own lines say when a node is down.
    logging.getLogger("elastic_transport").setLevel(logging.WARNING if root.level <= logging.DEBUG else logging.ERROR)
