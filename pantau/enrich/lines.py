"""``pantau enrich``: JSON lines in, enriched JSON lines out, through the consumer's core.

Input lines need ``url``, ``title`` and ``body``; ``site``, ``published_at``,
``fetched_at`` and the other contract fields are optional and filled in as the crawler
would (:func:`pantau.articles.article_from_record`). A bad line is reported on stderr by
number and skipped; the rest go through.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TextIO

from pantau.articles import article_from_record
from pantau.enrich.stage import Enricher
from pantau.schema import SchemaError


def enrich_lines(source: TextIO, out: TextIO, err: TextIO, enricher: Enricher | None = None) -> int:
    """Enrich every line of ``source``; returns how many lines failed."""
    enricher = enricher or Enricher()
    failures = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise SchemaError(f"expected a JSON object, got {type(data).__name__}")
            article = article_from_record(data, datetime.now(UTC))
        except json.JSONDecodeError as exc:
            failures += 1
            err.write(f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}\n")
            continue
        except SchemaError as exc:
            failures += 1
            err.write(f"line {number}: {exc}\n")
            continue
        enriched, _ = enricher.enrich(article)
        out.write(enriched.to_json() + "\n")
    return failures
