from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pantau.schema import Article, SchemaError, article_id, parse_article

URL = "https://memorandum.disway.id/read/1/judul"


def record(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": article_id(URL),
        "url": URL,
        "canonical_url": URL,
        "site": "memorandum",
        "title": "Judul",
        "body": "Isi.",
        "fetched_at": "2024-10-01T10:00:00+07:00",
        "published_at": "2024-10-01T09:00:00+08:00",
    }
    base.update(changes)
    return base


def test_dates_are_stored_in_utc() -> None:
    article = parse_article(record())
    assert article.published_at == datetime(2024, 10, 1, 1, 0, tzinfo=UTC)
    assert article.fetched_at.utcoffset() is not None and article.fetched_at.hour == 3


def test_round_trip_through_json() -> None:
    article = parse_article(record(authors=["A"], tags=["t"]))
    assert parse_article(article.to_json()) == article


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"published_at": "2024-10-01T09:00:00"}, "published_at"),
        ({"id": "f" * 32}, "not the hash of canonical_url"),
        ({"url": "ftp://x"}, "url"),
        ({"unexpected": 1}, "unexpected"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_schema_errors_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_article(record(**changes))
    assert field in info.value.reason


def test_undecodable_json_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"(?i)invalid json"):
        parse_article(b"{broken")


def test_article_id_is_stable_and_short() -> None:
    assert article_id(URL) == article_id(URL)
    assert len(article_id(URL)) == 32
    assert article_id(URL) != article_id(URL + "x")
    assert Article.model_fields["schema_version"].default == 1
