from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pantau.dates import WITA, DateCandidate, date_flags, dates_in_text, parse_date, resolve_published

FETCHED = datetime(2024, 10, 5, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-09-02T10:15:00+07:00", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("2024-09-02T10:15:00+07", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("2024-09-02T10:15:00.250+0700", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("2024-09-02 10:15:00", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),  # Disway meta pubdate, local time
        ("Senin 23-02-2026,17:18 WIB", datetime(2026, 2, 23, 10, 18, tzinfo=UTC)),
        ("Senin 02-09-2024,10:15 WIB", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("Senin, 02 September 2024 | 10.05 WIB", datetime(2024, 9, 2, 3, 5, tzinfo=UTC)),
        ("Rabu, 2 Oktober 2024 09:11 WITA", datetime(2024, 10, 2, 1, 11, tzinfo=UTC)),
        ("2 Oktober 2024 09.11 WITA", datetime(2024, 10, 2, 1, 11, tzinfo=UTC)),
        ("Kamis, 3 Oktober 2024 | 14:20 WITA", datetime(2024, 10, 3, 6, 20, tzinfo=UTC)),
        ("3 Oktober 2024 14:20 WIT", datetime(2024, 10, 3, 5, 20, tzinfo=UTC)),
        ("Kamis, 03 Okt 2024 - 08:45 WIT", datetime(2024, 10, 2, 23, 45, tzinfo=UTC)),
        ("26/09/2024, 14:30 WIB", datetime(2024, 9, 26, 7, 30, tzinfo=UTC)),
        ("30 September 2024 pukul 20.17 WIB", datetime(2024, 9, 30, 13, 17, tzinfo=UTC)),
        ("14:30 WIB | Kamis, 26/09/2024", datetime(2024, 9, 26, 7, 30, tzinfo=UTC)),
        ("Kamis (26/09/2024)", datetime(2024, 9, 25, 17, 0, tzinfo=UTC)),  # midnight WIB
        ("Diterbitkan: 2 Oktober 2024", datetime(2024, 10, 1, 17, 0, tzinfo=UTC)),
        ("02/09/2024", datetime(2024, 9, 1, 17, 0, tzinfo=UTC)),
        ("Sep 2, 2024", datetime(2024, 9, 1, 17, 0, tzinfo=UTC)),
        ("September 2, 2024 10:15 am", datetime(2024, 9, 2, 3, 15, tzinfo=UTC)),
        ("Update: 3 Oct 2024, 5:07 pm", datetime(2024, 10, 3, 10, 7, tzinfo=UTC)),
        ("Tue, 10 Sep 2024 02:30:00 +0000", datetime(2024, 9, 10, 2, 30, tzinfo=UTC)),  # RSS pubDate
        ("kemarin", FETCHED - timedelta(days=1)),
        ("kemarin 14.30 WIB", datetime(2024, 10, 4, 7, 30, tzinfo=UTC)),
        ("2 jam yang lalu", FETCHED - timedelta(hours=2)),
        ("15 menit lalu", FETCHED - timedelta(minutes=15)),
        ("3 days ago", FETCHED - timedelta(days=3)),
        # The long tail, read by dateparser after our own patterns found nothing.
        ("seminggu yang lalu", FETCHED - timedelta(weeks=1)),
        ("sehari yang lalu", FETCHED - timedelta(days=1)),
    ],
)
def test_indonesian_dates_to_utc(text: str, expected: datetime) -> None:
    assert parse_date(text, FETCHED) == expected


@pytest.mark.parametrize("text", ["10.05 WIB", "pukul 10.05.30", "oleh Redaksi", "Halaman 2 dari 3", ""])
def test_a_time_or_words_alone_are_not_dates(text: str) -> None:
    assert parse_date(text, FETCHED) is None


def test_day_first_is_not_month_first() -> None:
    assert parse_date("05/10/2024", FETCHED) == datetime(2024, 10, 4, 17, 0, tzinfo=UTC)


def test_site_timezone_applies_when_the_page_gives_none() -> None:
    assert parse_date("2024-10-03 08:00", FETCHED, WITA) == datetime(2024, 10, 3, 0, 0, tzinfo=UTC)
    # A stated zone beats the outlet's: WIB written on an NTB page is still WIB.
    assert parse_date("3 Oktober 2024 08:00 WIB", FETCHED, WITA) == datetime(2024, 10, 3, 1, 0, tzinfo=UTC)


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
        [
            DateCandidate("2024-09-02T10:15:00+07:00", "meta", "meta[pubdate]"),
            DateCandidate("Selasa 03-09-2024", "visible"),
        ],
        FETCHED,
    )
    assert resolved is not None and resolved.source == "meta" and resolved.value.day == 2
    assert resolved.method == "meta[pubdate]"


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
