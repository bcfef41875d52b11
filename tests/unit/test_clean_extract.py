from __future__ import annotations

from datetime import UTC, datetime

from crawlers.page import process_page
from crawlers.sitespec import load_registry
from pantau.furniture import clean_paragraphs

SPEC = load_registry()["memorandum"]
FETCHED = datetime(2024, 10, 10, tzinfo=UTC)


def test_furniture_lines_are_dropped() -> None:
    paragraphs = [
        "Judul",
        "Isi pertama.",
        "BACA JUGA:Berita lain",
        "Baca juga: Berita lain lagi",
        "Tag",
        "Share",
        "Editor : Seseorang",
        "0 Komentar",
        "Isi kedua.",
    ]
    assert clean_paragraphs(paragraphs, "Judul", []) == ["Isi pertama.", "Isi kedua."]


def test_generic_fallbacks_find_a_wordpress_page() -> None:
    html = """<html><head><meta property="og:title" content="Judul WP">
    <meta property="article:published_time" content="2024-09-26T10:00:00+07:00"></head>
    <body><article><div class="entry-content"><p>Paragraf satu.</p><p>Baca juga: tautan</p>
    <p>Paragraf dua.</p></div></article></body></html>"""
    fields = process_page(SPEC, "https://memorandum.disway.id/read/9/x", html, FETCHED)
    assert fields["title"] == "Judul WP"
    assert fields["body"] == "Paragraf satu.\n\nParagraf dua."
    assert fields["published_at"] == datetime(2024, 9, 26, 3, 0, tzinfo=UTC)
    assert fields["date_source"] == "meta"


def test_off_site_canonical_is_not_trusted() -> None:
    html = """<html><head><link rel="canonical" href="https://mitra-lain.id/berita/1"></head>
    <body><h1>J</h1><div class="post"><p>Isi.</p></div></body></html>"""
    fields = process_page(SPEC, "https://memorandum.disway.id/read/9/x", html, FETCHED)
    assert fields["canonical_url"] == "https://memorandum.disway.id/read/9/x"


def test_body_text_date_is_the_last_resort() -> None:
    html = """<html><body><h1>J</h1><div class="post"><p>LUMAJANG - Apel digelar Senin (02/09/2024).</p>
    </div></body></html>"""
    fields = process_page(SPEC, "https://memorandum.disway.id/read/9/x", html, FETCHED)
    assert fields["date_source"] == "body"
    assert fields["published_at"] == datetime(2024, 9, 1, 17, 0, tzinfo=UTC)
