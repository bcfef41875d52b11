"""What a search asks for, checked once, the same for every backend.

A :class:`SearchQuery` is built from flags (``pantau search``) or by code (alerts, the
demo) and validated on construction: a query that cannot be read, ``--since`` after
``--until`` or a limit out of range raise :class:`SearchError` with one clear line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from pantau.query import Query, QueryError, parse_query
from pantau.regions import RegionSelection
from pantau.search.labels import Label

SortOrder = Literal["newest", "relevance"]
SORT_ORDERS: tuple[SortOrder, ...] = ("newest", "relevance")
#: Enough for any screen or export; Elasticsearch's result window is 10,000.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 20

_RELATIVE = re.compile(r"^(\d+)\s*([hdwm])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "m": timedelta(days=30)}


class SearchError(ValueError):
    """A search that cannot be run as asked (bad query, dates, limit): one line for the user."""


class BackendUnavailable(RuntimeError):
    """The backend cannot answer (down, refused the credentials, no index yet): one line for the user."""


class StoryNotFound(LookupError):
    """No article or story has this id (or the prefix fits several)."""


_STORY_REF = re.compile(r"^[0-9a-f]{6,32}$")


def story_ref(text: str) -> str:
    """An article or story id, or a prefix of one (at least 6 hex digits), lower-cased."""
    ref = text.strip().lower()
    if not _STORY_REF.match(ref):
        raise StoryNotFound(f"{text!r} is not an article or story id (6 to 32 hex digits, as the output shows)")
    return ref


def parse_when(value: str, now: datetime | None = None, zone: ZoneInfo | None = None) -> datetime:
    """``7d``, ``24h``, ``2w``, ``3m`` (before now), or a date or time such as ``2024-09-01``.

    A date or time written without an offset is read in ``zone`` (the analyst's time zone,
    UTC when none is given): ``--since 2024-09-01`` in Jakarta starts at 00:00 WIB.
    """
    now = now or datetime.now(UTC)
    m = _RELATIVE.match(value.strip().lower())
    if m:
        return now - int(m.group(1)) * _UNITS[m.group(2)]
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise SearchError(f"not a time: {value!r} (use e.g. 7d, 24h, 2w or 2024-09-01)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone or UTC)


@dataclass(frozen=True)
class SearchQuery:
    """One search: text in the query language, filters, order, size, and whether to count facets."""

    text: str | None = None
    since: datetime | None = None
    #: Exclusive.
    until: datetime | None = None
    #: Any of these regions (each a province with its regencies, or single regencies).
    regions: tuple[RegionSelection, ...] = ()
    #: Any of these sites.
    sites: tuple[str, ...] = ()
    relevant_only: bool = False
    #: Every one of these labels.
    labels: tuple[Label, ...] = ()
    #: Any of these stages (appeal, report, sanction).
    stages: tuple[str, ...] = ()
    #: Syndicated copies (``duplicate_of`` set) are hidden unless asked for.
    include_duplicates: bool = False
    sort: SortOrder = "newest"
    limit: int = DEFAULT_LIMIT
    #: Also count the matches by province, regency, site, actor type and stage.
    facets: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SearchError(f"--limit must be between 1 and {MAX_LIMIT}, not {self.limit}")
        if self.sort not in SORT_ORDERS:
            raise SearchError(f"--sort must be one of {', '.join(SORT_ORDERS)}, not {self.sort!r}")
        for name, when in (("--since", self.since), ("--until", self.until)):
            if when is not None and when.tzinfo is None:
                raise SearchError(f"{name} needs a time zone")  # a programming error, said plainly
        if self.since and self.until and self.since >= self.until:
            raise SearchError(
                f"--since ({self.since.isoformat(timespec='minutes')}) is not before "
                f"--until ({self.until.isoformat(timespec='minutes')}): nothing can match"
            )
        try:
            self.parsed  # noqa: B018  (parse now, so a bad query fails before any backend is asked)
        except QueryError as exc:
            raise SearchError(f"query: {exc}") from exc

    @cached_property
    def parsed(self) -> Query:
        """The text as a query tree (empty when there is no text)."""
        return parse_query(self.text or "")

    @property
    def ranked(self) -> bool:
        """Best match first: asked for, and there is text to match."""
        return self.sort == "relevance" and bool(self.parsed)

    @property
    def province_codes(self) -> tuple[str, ...]:
        return tuple(sorted({c for r in self.regions for c in r.province_codes}))

    @property
    def regency_codes(self) -> tuple[str, ...]:
        return tuple(sorted({c for r in self.regions for c in r.regency_codes}))
