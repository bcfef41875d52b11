"""How search results and stories are written: a table for a person, JSON lines or CSV for programs.

The table fits an 80-column terminal (wider ones get wider titles) and shows times in
the analyst's time zone (Asia/Jakarta unless set). Every row says where the story is, how
relevant it is and which terms made it so, how many outlets carried it, and the story id
that ``pantau story`` takes. JSON lines and CSV carry the same fields, without bodies.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pantau.schema import Article, Region
from pantau.search.request import SearchQuery
from pantau.search.results import FACETS, FacetBucket, Hit, SearchResult, Story, fired_terms

OutputFormat = Literal["table", "json", "csv"]
FORMATS: tuple[OutputFormat, ...] = ("table", "json", "csv")
#: Short ids in the table: enough to be unique in any realistic store, and `pantau story` takes them.
SHORT_ID = 12
#: Buckets per facet in the table (JSON gives all of them).
TABLE_FACET_ROWS = 10

CSV_COLUMNS = (
    "published_local",
    "published_at",
    "site",
    "title",
    "url",
    "region_code",
    "region",
    "province",
    "scope",
    "relevance",
    "relevant",
    "terms",
    "actors",
    "stages",
    "outlets",
    "story_id",
    "duplicate_of",
    "article_id",
)


def short_region(region: Region | None) -> str:
    """ "Kab. Lumajang", "Kota Kediri", "Jawa Timur"; "-" when the tagger found none."""
    if region is None:
        return "-"
    return region.name.replace("Kabupaten ", "Kab. ", 1)


def local_time(when: datetime | None, zone: ZoneInfo) -> datetime | None:
    return when.astimezone(zone) if when else None


def zone_abbreviation(zone: ZoneInfo) -> str:
    """ "WIB" for Asia/Jakarta; the zone's own abbreviation elsewhere."""
    return datetime.now(zone).strftime("%Z")


def _console(out: TextIO, width: int | None) -> Console:
    # No markup or emoji codes: titles are data ("[VIDEO] ...", ":)") and must print as they are.
    return Console(file=out, width=width, markup=False, emoji=False, highlight=False, soft_wrap=False)


def _when_cell(article: Article, zone: ZoneInfo) -> Text:
    local = local_time(article.published_at, zone)
    return Text(f"{local:%d %b %Y}\n{local:%H:%M}" if local else "date\nunknown")


def _relevance_cell(article: Article) -> Text:
    e = article.enrichment
    if e is None:
        return Text("-")
    return Text(f"{e.relevance.score:.2f}" + (" ✓" if e.relevance.relevant else ""))


def _article_cell(hit: Hit) -> Text:
    a = hit.article
    cell = Text(a.title, style="bold")
    terms = fired_terms(a)
    if terms:
        cell.append("\n" + ", ".join(terms[:6]) + (" …" if len(terms) > 6 else ""), style="cyan")
    notes = [f"story {hit.story_id[:SHORT_ID]}"]
    if hit.outlets > 1:
        notes.insert(0, f"carried by {hit.outlets} outlets")
    e = a.enrichment
    if e and e.dedup.duplicate_of:
        notes.append(f"copy of {e.dedup.duplicate_of[:SHORT_ID]}")
    cell.append("\n" + " · ".join(notes), style="dim")
    cell.append("\n" + a.canonical_url, style="dim")
    return cell


def describe(query: SearchQuery, result: SearchResult, zone: ZoneInfo) -> str:
    """The line above the table: how many, in which order, what is hidden, which clock."""
    shown = len(result.hits)
    count = (
        f"{shown} of {result.total} article{'s' if result.total != 1 else ''}" if result.total else "no article matches"
    )
    parts = [
        count,
        "best match first" if query.ranked else "newest first",
    ]
    if not query.include_duplicates:
        parts.append("syndicated copies hidden (--include-duplicates shows them)")
    parts.append(f"times in {zone_abbreviation(zone)} ({zone.key})")
    return " · ".join(parts)


def write_table(
    query: SearchQuery, result: SearchResult, out: TextIO, zone: ZoneInfo, width: int | None = None
) -> None:
    console = _console(out, width)
    console.print(describe(query, result, zone))
    if result.hits:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=True, show_edge=False)
        table.add_column(f"Date ({zone_abbreviation(zone)})", width=11, no_wrap=True)
        table.add_column("Region / outlet", width=15, overflow="fold")
        table.add_column("Rel.", width=6, no_wrap=True)
        table.add_column("Article", ratio=1, overflow="fold")
        for hit in result.hits:
            a = hit.article
            primary = a.enrichment.region.primary if a.enrichment else None
            where = Text(short_region(primary))
            where.append("\n" + a.site, style="dim")
            table.add_row(_when_cell(a, zone), where, _relevance_cell(a), _article_cell(hit))
            table.add_row()
        console.print(table)
    if result.facets is not None:
        write_facets_table(result.facets, console)


def write_facets_table(facets: dict[str, list[FacetBucket]], console: Console) -> None:
    titles = {"province": "province", "regency": "regency/city", "site": "outlet", "actor": "actor type"}
    for name in FACETS:
        buckets = facets.get(name, [])
        console.print(Text(f"By {titles.get(name, name)}:", style="bold"))
        if not buckets:
            console.print("  (none)")
        for bucket in buckets[:TABLE_FACET_ROWS]:
            console.print(f"  {bucket.count:>6}  {bucket.label}")
        if len(buckets) > TABLE_FACET_ROWS:
            console.print(f"  … {len(buckets) - TABLE_FACET_ROWS} more (--format json lists them all)")


def _region_json(region: Region | None) -> dict[str, Any] | None:
    return region.model_dump() if region else None


def hit_record(hit: Hit, zone: ZoneInfo) -> dict[str, Any]:
    """One hit as JSON: what the table shows, machine-readable, without the body."""
    a = hit.article
    e = a.enrichment
    local = local_time(a.published_at, zone)
    return {
        "article_id": a.id,
        "story_id": hit.story_id,
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "published_local": local.isoformat() if local else None,
        "site": a.site,
        "title": a.title,
        "url": a.canonical_url,
        "region": _region_json(e.region.primary) if e else None,
        "scope": e.region.scope if e else None,
        "relevance": None
        if e is None
        else {
            "score": e.relevance.score,
            "relevant": e.relevance.relevant,
            "terms": fired_terms(a),
            "actors": e.relevance.actors,
            "stages": e.relevance.stages,
        },
        "outlets": hit.outlets,
        "copies": hit.copies,
        "duplicate_of": e.dedup.duplicate_of if e else None,
    }


def write_json(result: SearchResult, out: TextIO, zone: ZoneInfo) -> None:
    """One JSON object per hit; with facets, a last line ``{"facets": {...}, "total": N}``."""
    for hit in result.hits:
        out.write(json.dumps(hit_record(hit, zone), ensure_ascii=False) + "\n")
    if result.facets is not None:
        facets = {
            name: [{"key": b.key, "label": b.label, "count": b.count} for b in bs] for name, bs in result.facets.items()
        }
        out.write(json.dumps({"facets": facets, "total": result.total}, ensure_ascii=False) + "\n")


def _csv_row(hit: Hit, zone: ZoneInfo) -> dict[str, Any]:
    record = hit_record(hit, zone)
    region = record["region"] or {}
    relevance = record["relevance"] or {}
    return {
        "published_local": record["published_local"] or "",
        "published_at": record["published_at"] or "",
        "site": record["site"],
        "title": record["title"],
        "url": record["url"],
        "region_code": region.get("code", ""),
        "region": region.get("name", ""),
        "province": region.get("province_name", ""),
        "scope": record["scope"] or "",
        "relevance": "" if not relevance else f"{relevance['score']:.3f}",
        "relevant": "" if not relevance else str(relevance["relevant"]).lower(),
        "terms": "; ".join(relevance.get("terms", [])),
        "actors": "; ".join(relevance.get("actors", [])),
        "stages": "; ".join(relevance.get("stages", [])),
        "outlets": record["outlets"],
        "story_id": record["story_id"],
        "duplicate_of": record["duplicate_of"] or "",
        "article_id": record["article_id"],
    }


def write_csv(result: SearchResult, out: TextIO, zone: ZoneInfo) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for hit in result.hits:
        writer.writerow(_csv_row(hit, zone))


def write_result(
    fmt: OutputFormat, query: SearchQuery, result: SearchResult, out: TextIO, zone: ZoneInfo, width: int | None = None
) -> None:
    if fmt == "json":
        write_json(result, out, zone)
    elif fmt == "csv":
        write_csv(result, out, zone)
    else:
        write_table(query, result, out, zone, width)


# --- stories ------------------------------------------------------------------------------


def _story_hits(story: Story) -> Iterator[Hit]:
    outlets = len(story.outlets)
    for a in story.articles:
        yield Hit(a, outlets, len(story.articles))


def _copy_note(article: Article, first: Article) -> str:
    e = article.enrichment
    if article.id == first.id:
        return "first published"
    if e is None or not e.dedup.duplicate_of:
        return "same story"
    if e.dedup.method == "near" and e.dedup.similarity is not None:
        return f"near copy, {e.dedup.similarity:.0%} similar"
    if e.dedup.method == "exact_content":
        return "exact copy"
    return "copy"


def write_story(story: Story, fmt: OutputFormat, out: TextIO, zone: ZoneInfo, width: int | None = None) -> None:
    """Every outlet that carried the story, first publisher first, with times."""
    if fmt == "json":
        for hit in _story_hits(story):
            record = hit_record(hit, zone)
            record["note"] = _copy_note(hit.article, story.first)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        write_csv(SearchResult(list(_story_hits(story)), len(story.articles)), out, zone)
        return
    console = _console(out, width)
    first = story.first
    when = local_time(first.published_at, zone)
    first_line = f"first published by {first.site}" + (f" on {when:%d %b %Y %H:%M} {when:%Z}" if when else "")
    outlets = len(story.outlets)
    console.print(
        f"Story {story.id[:SHORT_ID]}: {len(story.articles)} article{'s' if len(story.articles) != 1 else ''} "
        f"from {outlets} outlet{'s' if outlets != 1 else ''}; {first_line}"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=True, show_edge=False)
    table.add_column("#", width=2, no_wrap=True)
    table.add_column(f"Date ({zone_abbreviation(zone)})", width=11, no_wrap=True)
    table.add_column("Outlet", width=14, overflow="fold")
    table.add_column("Article", ratio=1, overflow="fold")
    for n, a in enumerate(story.articles, 1):
        cell = Text(a.title, style="bold")
        cell.append(f"\n{_copy_note(a, first)} · article {a.id[:SHORT_ID]}", style="dim")
        cell.append("\n" + a.canonical_url, style="dim")
        table.add_row(str(n), _when_cell(a, zone), a.site, cell)
        table.add_row()
    console.print(table)
