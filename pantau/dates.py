"""Publication dates: Indonesian, day-first, WIB/WITA/WIT, stored in UTC.

Pages state dates in many ways: ISO timestamps in ``<meta>`` or JSON-LD, a visible
"Senin, 02 September 2024 | 10.05 WIB", "Senin 23-02-2026,17:18 WIB", "30 September 2024
pukul 20.17 WIB", English WordPress dates ("Sep 2, 2024"), relative forms ("2 jam yang
lalu", "kemarin"), or only the text's "Kamis (26/09/2024)". :func:`resolve_published`
takes candidates in order of trust (machine-readable first) and returns the first that
parses.

How a string is read, in this order, so that a time is never taken for a date:

1. a whole-string ISO timestamp (offsets ``+07``, ``+0700`` and ``+07:00``; none means
   the outlet's zone);
2. otherwise the first *date* in the string, which always has a year: day-first numbers
   with one separator used twice (``23-02-2026``, ``26/09/2024``), a day and a month name
   (Indonesian or English, full or short), or an English month-first date;
3. then a time is looked for only *next to* that date (after it, or just before it), with
   an optional zone (WIB/WITA/WIT or an offset). "10.05" on its own is a time, never the
   10th of May: dots separate hours and minutes in Indonesian usage;
4. otherwise a relative form we know ("2 jam yang lalu", "kemarin"), anchored to the fetch
   time;
5. otherwise, for a string with words in it, dateparser (Indonesian and English), also
   anchored to the fetch time: it knows the long tail ("seminggu yang lalu", "sehari yang
   lalu", "Sabtu, 5 Okt") that no site file should have to spell out.

The known formats are read with our own regular expressions first because the order and
anchoring must be ours: dateparser, asked first, read "10.05 WIB" as 10 May and
"2024-09-02T10:15:00+07" as 8 February, and it costs about a millisecond a call against
microseconds. A string of digits and a zone alone never reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser


def known_timezone(value: str) -> str:
    """``value`` if it names an IANA time zone; a ValueError naming it otherwise (for validators)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Jakarta)") from exc
    return value


WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
_ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
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

# Month names and the abbreviations outlets print, Indonesian and English.
_MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
# Day-first numbers with a year; the same separator twice. A two-digit year only with
# "/" or "-": "10.05.30" is a time with seconds, not 10 May 2030.
_DAY_FIRST = re.compile(r"(?<![\d.:/-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|(?<![.])\d{2})(?![\d])")
# Year-first numbers inside text ("2024/09/02 10:15").
_YEAR_FIRST = re.compile(r"(?<![\d.:/-])(\d{4})([/-])(\d{1,2})\2(\d{1,2})(?![\d])")
# "02 September 2024", "3 Okt 2024", "02-Sep-2024".
_DAY_MONTH_NAME = re.compile(r"(?<!\d)(\d{1,2})(?:\s*-\s*|\s+)([A-Za-z]{3,9})\.?(?:\s*-\s*|,?\s+)(\d{4})(?!\d)")
# "Sep 2, 2024", "September 2nd, 2024".
_MONTH_NAME_DAY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# A time right after a date: separators, an optional word ("pukul"), HH:MM or HH.MM.
_TIME_AFTER = re.compile(
    r"^(?:T|[\s,|/\-–—]|pukul|jam|at|@)*?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?![\d])\s*(am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
# A time written before the date ("14:30 WIB | Kamis, 26/09/2024"): the last one before it.
_TIME_BEFORE = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?![\d])\s*(am|pm)?", re.IGNORECASE)
_ZONE_AFTER = re.compile(r"^\s*(WITA|WIB|WIT|UTC|GMT|Z)?\s*([+-]\d{2}(?::?\d{2})?)?(?![\w])", re.IGNORECASE)
_ZONE_IN_TEXT = re.compile(r"\b(WITA|WIB|WIT)\b", re.IGNORECASE)
_RELATIVE = re.compile(
    r"(\d+)\s*(detik|menit|jam|hari|minggu|pekan|bulan|tahun|seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)"
    r"\s*(?:yang\s+)?(?:lalu|ago)\b",
    re.IGNORECASE,
)
_RELATIVE_UNITS = {
    "detik": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "menit": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "jam": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hari": timedelta(days=1),
    "day": timedelta(days=1),
    "minggu": timedelta(weeks=1),
    "pekan": timedelta(weeks=1),
    "week": timedelta(weeks=1),
    "bulan": timedelta(days=30),
    "month": timedelta(days=30),
    "tahun": timedelta(days=365),
    "year": timedelta(days=365),
}
_DAY_WORDS = {"kemarin": 1, "yesterday": 1, "hari ini": 0, "today": 0, "baru saja": 0, "just now": 0}
_DAY_WORD = re.compile(r"\b(kemarin|yesterday|hari ini|today|baru saja|just now)\b", re.IGNORECASE)
# "Kamis (26/09/2024)" or "Kamis (03/10)": the weekday in front pins the year when it is
# missing. The bracket is matched first and the weekday checked after, which is an order
# of magnitude faster than an alternation of weekday names over the whole body.
_TEXT_DATE = re.compile(r"\(\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\s*\)")


#: Where a publication date was read: page metadata, JSON-LD, the visible date line, the
#: feed or sitemap entry that led to the page, a generic extractor (htmldate), or the body text.
DateSource = Literal["meta", "jsonld", "visible", "feed", "extractor", "body"]


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """A date string, where on the page it came from, and how it was found (a selector, a meta name)."""

    text: str
    source: DateSource
    method: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    value: datetime  # always UTC
    source: DateSource
    method: str | None = None


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


def _offset(text: str) -> tzinfo:
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=minutes))


def _combine(d: date, hour: int, minute: int, second: int, zone: tzinfo) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def parse_iso(text: str, default_zone: tzinfo = WIB) -> datetime | None:
    """A whole-string ISO 8601 timestamp; without an offset it is in ``default_zone``."""
    m = _ISO.match(text)
    if not m:
        return None
    y, mo, d, hh, mm, ss, tz = m.groups()
    zone: tzinfo = default_zone
    if tz == "Z":
        zone = UTC
    elif tz:
        zone = _offset(tz)
    try:
        return _combine(date(int(y), int(mo), int(d)), int(hh or 0), int(mm or 0), int(ss or 0), zone)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _DateMatch:
    day: date
    start: int
    end: int


def _find_date(text: str) -> _DateMatch | None:
    """The first date with a year in ``text`` (whichever form starts first)."""
    found: list[_DateMatch] = []
    for m in _DAY_FIRST.finditer(text):
        try:
            found.append(_DateMatch(date(_full_year(m[4]), int(m[3]), int(m[1])), m.start(), m.end()))
            break
        except ValueError:
            continue
    for m in _YEAR_FIRST.finditer(text):
        try:
            found.append(_DateMatch(date(int(m[1]), int(m[3]), int(m[4])), m.start(), m.end()))
            break
        except ValueError:
            continue
    for m in _DAY_MONTH_NAME.finditer(text):
        month = _MONTHS.get(m[2].lower())
        if month:
            try:
                found.append(_DateMatch(date(int(m[3]), month, int(m[1])), m.start(), m.end()))
                break
            except ValueError:
                continue
    for m in _MONTH_NAME_DAY.finditer(text):
        month = _MONTHS.get(m[1].lower())
        if month:
            try:
                found.append(_DateMatch(date(int(m[3]), month, int(m[2])), m.start(), m.end()))
                break
            except ValueError:
                continue
    return min(found, key=lambda f: f.start) if found else None


def _clock(hour: str, minute: str, second: str | None, meridiem: str | None) -> tuple[int, int, int] | None:
    h, mi, s = int(hour), int(minute), int(second or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s


def _zone_after(text: str) -> tzinfo | None:
    m = _ZONE_AFTER.match(text)
    if m and m[2]:
        return _offset(m[2])
    if m and m[1]:
        return _ZONE_ABBREVIATIONS[m[1].upper()]
    return None


def _zone_anywhere(text: str, default_zone: tzinfo) -> tzinfo:
    m = _ZONE_IN_TEXT.search(text)
    return _ZONE_ABBREVIATIONS[m[1].upper()] if m else default_zone


def _time_near(text: str, found: _DateMatch, default_zone: tzinfo) -> tuple[tuple[int, int, int], tzinfo]:
    """The time (and its zone) written next to the date, or midnight in the text's zone."""
    after = text[found.end :]
    m = _TIME_AFTER.match(after)
    if m:
        clock = _clock(m[1], m[2], m[3], m[4])
        if clock:
            zone = _zone_after(after[m.end() :]) or _zone_anywhere(text, default_zone)
            return clock, zone
    before = list(_TIME_BEFORE.finditer(text[: found.start]))
    if before:
        b = before[-1]
        clock = _clock(b[1], b[2], b[3], b[4])
        if clock:
            zone = _zone_after(text[b.end() : found.start]) or _zone_anywhere(text, default_zone)
            return clock, zone
    zone = _zone_after(after) or _zone_anywhere(text, default_zone)
    return (0, 0, 0), zone


def _relative(text: str, reference: datetime, default_zone: tzinfo) -> datetime | None:
    m = _RELATIVE.search(text)
    if m:
        unit = m[2].lower()
        step = _RELATIVE_UNITS.get(unit) or _RELATIVE_UNITS.get(unit.rstrip("s"))
        return (reference - int(m[1]) * step).astimezone(UTC) if step else None
    d = _DAY_WORD.search(text)
    if not d:
        return None
    days_back = _DAY_WORDS[d[1].lower()]
    t = _TIME_AFTER.match(text[d.end() :])
    clock = _clock(t[1], t[2], t[3], t[4]) if t else None
    if clock is None:
        return (reference - timedelta(days=days_back)).astimezone(UTC)
    zone = _zone_anywhere(text, default_zone)
    local_day = reference.astimezone(zone).date() - timedelta(days=days_back)
    return _combine(local_day, *clock, zone)


# Words that say nothing about the day: with only these (and digits), a string is a bare time.
_NOT_DATE_WORDS = re.compile(
    r"\b(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|pukul|wib|wita|wit|utc|gmt)\b", re.IGNORECASE
)
_LETTERS = re.compile(r"[^\W\d_]{3,}")


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


def _long_tail(text: str, reference: datetime, default_zone: tzinfo) -> datetime | None:
    if not _LETTERS.search(_NOT_DATE_WORDS.sub(" ", text)):
        return None  # "10.05 WIB" is a time of some day, not a date
    zone_name = default_zone.key if isinstance(default_zone, ZoneInfo) else "Asia/Jakarta"
    return _dateparser(text, reference.astimezone(UTC).isoformat(), zone_name)


def parse_date(text: str, reference: datetime, default_zone: tzinfo = WIB) -> datetime | None:
    """Parse one date string as a news site writes it; ``reference`` is the fetch time.

    A string without a zone is in ``default_zone`` (the outlet's, from its site file).
    """
    text = " ".join(text.split())
    if not text:
        return None
    iso = parse_iso(text, default_zone)
    if iso:
        return iso
    found = _find_date(text)
    if found:
        (hh, mm, ss), zone = _time_near(text, found, default_zone)
        return _combine(found.day, hh, mm, ss, zone)
    return _relative(text, reference, default_zone) or _long_tail(text, reference, default_zone)


def _weekday_before(text: str, position: int) -> int | None:
    words = re.findall(r"[A-Za-z']+", text[max(0, position - 12) : position])
    return _WEEKDAYS.get(words[-1].lower()) if words else None


def dates_in_text(body: str, reference: datetime, default_zone: tzinfo = WIB) -> list[datetime]:
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
    candidates: Iterable[DateCandidate], reference: datetime, default_zone: tzinfo = WIB
) -> ResolvedDate | None:
    """The first candidate that parses, in the order given (most trusted first)."""
    for candidate in candidates:
        value = parse_date(candidate.text, reference, default_zone)
        if value is not None:
            return ResolvedDate(value, candidate.source, candidate.method)
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
