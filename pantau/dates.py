"""Publication dates: Indonesian, day-first, WIB/WITA/WIT, stored in UTC.

Pages state dates in many ways: ISO timestamps in ``<meta>`` or JSON-LD, a visible
"Senin, 02 September 2024 | 10:15 WIB", or only the text's "Senin (02/09/2024)" or
"Kamis (03/10)" with no year. :func:`resolve_published` takes candidates in order of
trust (machine-readable first) and returns the first that parses.

Common numeric forms are parsed with regular expressions because dateparser costs about
a millisecond a call; dateparser handles month names and relative forms ("kemarin",
"2 jam yang lalu"), always anchored to the fetch time, never to the clock of the
machine that happens to re-process the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import dateparser

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
_ZONE_ABBREVIATIONS = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
}

# Indonesian weekday names by Python's weekday() number.
_WEEKDAYS = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_NUMERIC = re.compile(
    r"(?<!\d)(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?!\d)"
    r"(?:[,\s|]*(?:pukul\s*)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
    r"(?:\s*(WIB|WITA|WIT)\b)?",
    re.IGNORECASE,
)
# "Kamis (26/09/2024)" or "Kamis (03/10)": the weekday in front pins the year when it is
# missing. The bracket is matched first and the weekday checked after, which is an order
# of magnitude faster than an alternation of weekday names over the whole body.
_TEXT_DATE = re.compile(r"\(\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\s*\)")
_ZONE_IN_TEXT = re.compile(r"\b(WIB|WITA|WIT)\b", re.IGNORECASE)


#: Where a publication date was read: page metadata, JSON-LD, the visible date line, or the body text.
DateSource = Literal["meta", "jsonld", "visible", "body"]


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """A date string and where on the page it came from."""

    text: str
    source: DateSource


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    value: datetime  # always UTC
    source: DateSource


def _year_for(day: int, month: int, reference: datetime, weekday: int | None) -> int | None:
    """Pick the year for a date written without one.

    News is about the recent past, so take the latest year at or before the reference.
    A stated weekday must agree; look back up to six years for a year where it does.
    """
    fallback = None
    for back in range(0, 7):
        year = reference.year - back
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February
        if candidate > reference.date() + timedelta(days=1):
            continue
        if weekday is None or candidate.weekday() == weekday:
            return year
        fallback = fallback or year
    # A weekday that fits no recent year is a typo on the page; trust the digits.
    return fallback


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _combine(d: date, hour: int, minute: int, second: int, zone: Any) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def parse_iso(text: str, default_zone: Any = WIB) -> datetime | None:
    m = _ISO.match(text)
    if not m:
        return None
    y, mo, d, hh, mm, ss, tz = m.groups()
    zone: Any = default_zone
    if tz == "Z":
        zone = UTC
    elif tz:
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return _combine(date(int(y), int(mo), int(d)), int(hh or 0), int(mm or 0), int(ss or 0), zone)
    except ValueError:
        return None


def parse_numeric(text: str, reference: datetime, default_zone: Any = WIB) -> datetime | None:
    """Day-first numeric dates with optional time and zone: ``02/09/2024 10:15 WIB``."""
    m = _NUMERIC.search(text)
    if not m:
        return None
    day, month, year, hh, mm, ss, zone_name = m.groups()
    d, mo = int(day), int(month)
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    weekday = _weekday_before(text, m.start())
    y = _full_year(year) if year else _year_for(d, mo, reference, weekday)
    if y is None:
        return None
    zone = _ZONE_ABBREVIATIONS[zone_name.upper()] if zone_name else default_zone
    try:
        return _combine(date(y, mo, d), int(hh or 0), int(mm or 0), int(ss or 0), zone)
    except ValueError:
        return None


def _weekday_before(text: str, position: int) -> int | None:
    words = re.findall(r"[A-Za-z']+", text[max(0, position - 12) : position])
    return _WEEKDAYS.get(words[-1].lower()) if words else None


@lru_cache(maxsize=4096)
def _dateparser(text: str, reference_iso: str, zone_name: str) -> datetime | None:
    reference = datetime.fromisoformat(reference_iso)
    settings: Any = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
        "TIMEZONE": zone_name,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        # dateparser wants a naive base in the page's zone.
        "RELATIVE_BASE": reference.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None),
    }
    parsed = dateparser.parse(text, languages=["id", "en"], settings=settings)
    return parsed.astimezone(UTC) if parsed else None


def parse_date(text: str, reference: datetime, default_zone: ZoneInfo = WIB) -> datetime | None:
    """Parse one date string as a news site writes it; ``reference`` is the fetch time."""
    text = " ".join(text.split())
    if not text:
        return None
    iso = parse_iso(text, default_zone)
    if iso:
        return iso
    # Numeric forms need a digit separator; "2 jam yang lalu" falls through to dateparser.
    numeric = parse_numeric(text, reference, default_zone)
    if numeric:
        return numeric
    zone_name = default_zone.key
    zone_match = _ZONE_IN_TEXT.search(text)
    if zone_match:
        zone_name = {"WIB": WIB, "WITA": WITA, "WIT": WIT}[zone_match.group(1).upper()].key
        text = _ZONE_IN_TEXT.sub("", text)
    # Weekday names and "|" separators confuse dateparser; the date itself is enough.
    cleaned = re.sub(r"\b(Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu|Ahad)\b,?", "", text, flags=re.I)
    cleaned = cleaned.replace("|", " ").replace("pukul", " ").strip(" ,-")
    return _dateparser(cleaned, reference.astimezone(UTC).isoformat(), zone_name)


def dates_in_text(body: str, reference: datetime, default_zone: ZoneInfo = WIB) -> list[datetime]:
    """Dates written in running text as "Kamis (26/09/2024)" or "Kamis (03/10)", in order."""
    found = []
    for m in _TEXT_DATE.finditer(body):
        weekday = _weekday_before(body, m.start())
        if weekday is None:
            continue  # "(1/2)" without a weekday is a fraction or a reference, not a date
        day, month, year = m.groups()
        d, mo = int(day), int(month)
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            continue
        y = _full_year(year) if year else _year_for(d, mo, reference, weekday)
        if y is None:
            continue
        try:
            found.append(_combine(date(y, mo, d), 0, 0, 0, default_zone))
        except ValueError:
            continue
    return found


def resolve_published(
    candidates: Iterable[DateCandidate], reference: datetime, default_zone: ZoneInfo = WIB
) -> ResolvedDate | None:
    """The first candidate that parses, in the order given (most trusted first)."""
    for candidate in candidates:
        value = parse_date(candidate.text, reference, default_zone)
        if value is not None:
            return ResolvedDate(value, candidate.source)
    return None


# How far ahead of the fetch a publication date may be before it is impossible: sites
# stamp local time without a zone, and clocks drift.
FUTURE_TOLERANCE = timedelta(hours=14)


def date_flags(
    published: datetime | None, fetched: datetime, earliest: date | None = None, text_dates: Sequence[datetime] = ()
) -> list[str]:
    """Flags for an implausible publication date. An empty list means it looks right."""
    if published is None:
        return ["missing"]
    flags = []
    if published > fetched + FUTURE_TOLERANCE:
        flags.append("in_future")
    if earliest and published.date() < earliest:
        flags.append("before_outlet_existed")
    # An event described in the text happens before (or on) its publication; one more
    # than a month *after* publication means one of the two dates is wrong.
    if any(t - published > timedelta(days=31) for t in text_dates):
        flags.append("text_date_after_published")
    return flags
