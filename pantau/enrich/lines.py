"""``pantau enrich``: JSON lines in, enriched JSON lines out, through the consumer's core.

Input lines need ``url``, ``title`` and ``body``; ``site``, ``published_at``,
``fetched_at`` and the other contract fields are optional and filled in as the crawler
would. A bad line is reported on stderr by number and skipped; the rest go through.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TextIO

from pantau.enrich.stage import Enricher
from pantau.schema import SchemaError, article_id, parse_article
from pantau.urls import canonical_url, site_host


def to_article_fields(data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Fill the contract's derived fields (id, canonical URL, site, times) for a bare record."""
    if not isinstance(data.get("url"), str):
        raise SchemaError("url: required (a string)")
    fields = dict(data)
    fields.setdefault("canonical_url", canonical_url(fields["url"]))
    fields.setdefault("id", article_id(fields["canonical_url"]))
    fields.setdefault("site", site_host(fields["url"]) or "unknown")
    fields.setdefault("fetched_at", now.isoformat())
    return fields


def enrich_lines(
    source: TextIO,
    out: TextIO,
    err: TextIO,
    founded: Mapping[str, date] | None = None,
    enricher: Enricher | None = None,
) -> int:
    """Enrich every line of ``source``; returns how many lines failed."""
    enricher = enricher or Enricher(founded=founded)
    failures = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise SchemaError(f"expected a JSON object, got {type(data).__name__}")
            article = parse_article(to_article_fields(data, datetime.now(UTC)))
        except json.JSONDecodeError as exc:
            failures += 1
            err.write(f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}\n")
            continue
        except (SchemaError, ValueError) as exc:
            failures += 1
            err.write(f"line {number}: {exc}\n")
            continue
        enriched, _ = enricher.enrich(article)
        out.write(enriched.to_json() + "\n")
    return failures
