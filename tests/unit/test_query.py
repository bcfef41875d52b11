"""The query language, matched in Python (as alerts do); the backends are tested on real engines."""

from __future__ import annotations

import pytest

from pantau.query import Document, Phrase, QueryError, Word, parse_query

DOC = Document.of(
    "Bawaslu Imbau ASN Jaga Netralitas",
    "Kepala desa di Tuban mengimbau warga. Pelanggaran oleh lurah akan diproses.\n\nBaca juga: Harga cabai",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("netralitas", True),
        ("NETRALITAS bawaslu", True),
        ("netralitas kampanye", False),  # every word must match
        ('"kepala desa"', True),
        ('"desa kepala"', False),  # a phrase keeps its order
        ('"asn kepala"', False),  # nor spans from the title into the body
        ("lurah OR camat", True),
        ("camat OR sekda", False),
        ("lurah -tuban", False),
        ("lurah -kampanye", True),
        ('lurah -"harga cabai"', False),
        ("netral*", True),
        ("imbauan", True),  # stem of "mengimbau" and "imbau" is "imbau"
        ("melanggar", True),  # "pelanggaran" and "melanggar" share the stem "langgar"
        ("kepala-desa", True),  # hyphens split words, as on both backends
    ],
)
def test_matching(query: str, expected: bool) -> None:
    assert parse_query(query).matches(DOC) is expected


def test_parse_tree() -> None:
    query = parse_query('lurah OR "kepala desa" -kampanye netral*')
    assert [c.terms for c in query.positive] == [(Word("lurah"), Phrase(("kepala", "desa"))), (Word("netral", True),)]
    assert [c.terms for c in query.negative] == [(Word("kampanye"),)]


def test_empty_query_matches_everything() -> None:
    assert parse_query("   ").matches(DOC)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"kepala desa', "unclosed quote at character 1"),
        ("OR lurah", "OR at character 1 needs a term on each side"),
        ("lurah OR", "OR at the end"),
        ("lurah OR OR camat", "OR at character 10"),
        ("-kampanye", "at least one word or phrase to find"),
        ("ne*", "at least 3 letters"),
        ("lurah OR -camat", "cannot be one side of OR"),
        ('lurah ""', "empty phrase at character 7"),
    ],
)
def test_bad_queries_say_what_and_where(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)
