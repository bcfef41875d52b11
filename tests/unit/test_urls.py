from __future__ import annotations

import pytest

from pantau.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://memorandum.disway.id/amp/101250/judul-berita",
            "https://memorandum.disway.id/read/101250/judul-berita",
        ),
        (
            "https://memorandum.disway.id/read/101250/judul-berita/2",
            "https://memorandum.disway.id/read/101250/judul-berita",
        ),
        (
            "https://kalteng.antaranews.com/amp/berita/712345/judul",
            "https://kalteng.antaranews.com/berita/712345/judul",
        ),
        ("http://www.Kongkrit.com/judul-berita/?utm_source=wa&fbclid=x", "https://kongkrit.com/judul-berita"),
        ("https://postkotantb.com/judul/amp/", "https://postkotantb.com/judul"),
        ("https://site.id/a?b=2&a=1#komentar", "https://site.id/a?a=1&b=2"),
        ("https://site.id:443/a", "https://site.id/a"),
    ],
)
def test_alternate_forms_map_to_one_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_content_parameters_are_kept() -> None:
    assert canonical_url("https://site.id/berita?id=42") == "https://site.id/berita?id=42"


def test_relative_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="not an absolute"):
        canonical_url("/read/1/x")
