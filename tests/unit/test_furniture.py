"""Site furniture: one definition of a related-link line, used at line and paragraph level."""

from __future__ import annotations

from pantau.furniture import (
    blank_related_links,
    clean_paragraphs,
    drop_related_links,
    is_furniture,
    related_link_spans,
)

BODY = "Baca juga: Judul lain\nIsi berita.\n  BACA\tJUGA lagi\nWarga diminta baca juga aturan.\nbaca juga"


def test_related_link_lines_are_found_whole_and_only_at_line_start() -> None:
    spans = related_link_spans(BODY)
    assert [BODY[start:end] for start, end in spans] == ["Baca juga: Judul lain", "  BACA\tJUGA lagi", "baca juga"]


def test_blanking_keeps_every_offset_and_line_break() -> None:
    blanked = blank_related_links(BODY)
    assert len(blanked) == len(BODY)
    assert blanked.split("\n") == [" " * 21, "Isi berita.", " " * 16, "Warga diminta baca juga aturan.", " " * 9]


def test_dropping_keeps_the_line_breaks() -> None:
    assert drop_related_links(BODY).split("\n") == ["", "", "Isi berita.", "", "Warga diminta baca juga aturan.", ""]


def test_a_line_break_never_joins_two_lines_into_a_link() -> None:
    assert related_link_spans("baca\njuga: x") == []
    assert related_link_spans("Bacajuga: x") == []


def test_paragraph_level_furniture_needs_the_colon() -> None:
    assert is_furniture("Baca juga: Judul lain", [])
    assert is_furniture("BACA JUGA:Judul lain", [])
    assert not is_furniture("Baca juga Judul lain", [])
    assert clean_paragraphs(["Baca   juga :  x", "Isi."], "Judul", []) == ["Isi."]
