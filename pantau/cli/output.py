"""How commands print articles for a person (text) or a program (JSON lines)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from pantau.schema import Article


def print_articles(articles: Sequence[Article], out: TextIO, as_json: bool = False) -> None:
    for a in articles:
        if as_json:
            out.write(a.to_json() + "\n")
            continue
        e = a.enrichment
        when = a.published_at.strftime("%Y-%m-%d %H:%M UTC") if a.published_at else "date unknown"
        region = e.region.primary.name if e and e.region.primary else "-"
        flag = ""
        if e:
            flag = f" relevance={e.relevance.score:.2f}{' RELEVANT' if e.relevance.relevant else ''}"
            if e.dedup.duplicate_of:
                flag += f" duplicate_of={e.dedup.duplicate_of[:8]}"
        out.write(f"- [{when}] {a.title}\n    {a.site} | {region} |{flag}\n    {a.canonical_url}\n")
