from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pantau.dates import WITA, DateCandidate, date_flags, dates_in_text, parse_date, resolve_published

FETCHED = datetime(2024, 10, 5, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-09-02T10:15:00+07:00", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("Senin 02-09-2024,10:15 WIB", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("Kamis, 3 Oktober 2024 | 14:20 WITA", datetime(2024, 10, 3, 6, 20, tzinfo=UTC)),
        ("3 Oktober 2024 14:20 WIT", datetime(2024, 10, 3, 5, 20, tzinfo=UTC)),
        ("02/09/2024", datetime(2024, 9, 1, 17, 0, tzinfo=UTC)),  # midnight WIB
        ("kemarin", datetime(2024, 10, 4, 3, 0, tzinfo=UTC)),
        ("2 jam yang lalu", datetime(2024, 10, 5, 1, 0, tzinfo=UTC)),
    ],
)
def test_indonesian_dates_to_utc(text: str, expected: datetime) -> None:
    assert parse_date(text, FETCHED) == expected


def test_day_first_is_not_month_first() -> None:
    assert parse_date("05/10/2024", FETCHED) == datetime(2024, 10, 4, 17, 0, tzinfo=UTC)


def test_site_timezone_applies_when_the_page_gives_none() -> None:
    assert parse_date("2024-10-03 08:00", FETCHED, WITA) == datetime(2024, 10, 3, 0, 0, tzinfo=UTC)


def test_text_dates_take_the_year_from_the_fetch_and_the_weekday() -> None:
    # "Kamis (03/10)" fetched in October 2024: 3 October 2024 was a Thursday.
    assert dates_in_text("Acara digelar Kamis (03/10) di pendopo.", FETCHED) == [
        datetime(2024, 10, 2, 17, 0, tzinfo=UTC)
    ]
    # Fetched in January 2025, "Kamis (26/12)" is still last December, not a future date.
    january = datetime(2025, 1, 10, tzinfo=UTC)
    assert dates_in_text("Kamis (26/12) lalu", january) == [datetime(2024, 12, 25, 17, 0, tzinfo=UTC)]


def test_machine_readable_candidates_win() -> None:
    resolved = resolve_published(
        [DateCandidate("2024-09-02T10:15:00+07:00", "meta"), DateCandidate("Selasa 03-09-2024", "visible")], FETCHED
    )
    assert resolved is not None and resolved.source == "meta" and resolved.value.day == 2


def test_unparseable_candidates_are_skipped() -> None:
    resolved = resolve_published(
        [DateCandidate("oleh Redaksi", "visible"), DateCandidate("Jumat 04-10-2024", "visible")], FETCHED
    )
    assert resolved is not None and resolved.value.date() == date(2024, 10, 3)


def test_impossible_dates_are_flagged() -> None:
    assert date_flags(datetime(2024, 10, 6, tzinfo=UTC), FETCHED) == ["in_future"]
    assert date_flags(datetime(1960, 1, 1, tzinfo=UTC), FETCHED, earliest=date(1969, 1, 1)) == ["before_outlet_existed"]
    assert date_flags(None, FETCHED) == ["missing"]
    assert date_flags(datetime(2024, 10, 4, tzinfo=UTC), FETCHED, earliest=date(1969, 1, 1)) == []
