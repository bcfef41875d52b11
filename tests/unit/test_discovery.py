"""Discovery on plain bodies: feeds, sitemaps, the WordPress API and listing pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.discovery import DiscoveryError, feed_entries, listing_links, sitemap_entries, wp_api_entries
from crawlers.sitespec import load_registry
from pantau.dates import WITA

REGISTRY = load_registry()


def test_rss_and_atom_entries_with_their_dates() -> None:
    rss = """<?xml version="1.0"?><rss version="2.0"><channel>
    <item><link>https://x.id/read/1/a</link><pubDate>Tue, 10 Sep 2024 02:30:00 +0000</pubDate></item>
    <item><guid>https://x.id/read/2/b</guid></item><item><title>no link</title></item></channel></rss>"""
    found = feed_entries(rss, "https://x.id/rss", WITA)
    assert [f.url for f in found] == ["https://x.id/read/1/a", "https://x.id/read/2/b"]
    assert found[0].published == datetime(2024, 9, 10, 2, 30, tzinfo=UTC)
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/p/1"/>
    <published>2024-10-03T10:00:00</published><updated>2024-10-04T10:00:00+08:00</updated></entry></feed>"""
    (entry,) = feed_entries(atom, "https://x.id/feed", WITA)
    assert entry.url == "https://x.id/p/1"
    assert entry.published == datetime(2024, 10, 3, 2, 0, tzinfo=UTC)  # no offset: the site's zone (WITA)
    assert entry.newest == datetime(2024, 10, 4, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body", ["<html><body>Maaf, halaman tidak ditemukan</body></html>", "", "{}", "\x1f\x8b\x08xx"]
)
def test_what_is_not_a_feed_says_so(body: str) -> None:
    with pytest.raises(DiscoveryError):
        feed_entries(body, "https://x.id/rss", WITA)


def test_sitemap_index_urlset_and_news_dates() -> None:
    index = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://x.id/post-sitemap.xml</loc><lastmod>2024-09-26T06:40:00+00:00</lastmod></sitemap></sitemapindex>"""
    kind, children = sitemap_entries(index, "https://x.id/sitemap_index.xml", WITA)
    assert kind == "sitemapindex" and children[0].modified == datetime(2024, 9, 26, 6, 40, tzinfo=UTC)
    news = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://x.id/a/</loc>
    <news:news><news:publication_date>2024-09-26T13:40:00+07:00</news:publication_date></news:news></url></urlset>"""
    kind, pages = sitemap_entries(news, "https://x.id/news-sitemap.xml", WITA)
    assert kind == "urlset" and pages[0].published == datetime(2024, 9, 26, 6, 40, tzinfo=UTC)
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        sitemap_entries("<rss><channel/></rss>", "https://x.id/sitemap.xml", WITA)


def test_wordpress_api_posts_are_utc() -> None:
    body = (
        '[{"id": 1, "link": "https://x.id/a/", "date_gmt": "2024-10-03T02:15:00", '
        '"modified_gmt": "2024-10-04T00:00:00"}]'
    )
    (post,) = wp_api_entries(body)
    assert post.published == datetime(2024, 10, 3, 2, 15, tzinfo=UTC)
    assert post.modified == datetime(2024, 10, 4, tzinfo=UTC)
    with pytest.raises(DiscoveryError):
        wp_api_entries('{"code": "rest_forbidden"}')


def test_listing_links_come_from_the_listing_not_the_sidebar() -> None:
    spec = REGISTRY["antara_kalteng"]
    html = """<article class="simple-post"><h3><a href="/berita/1/satu-dua">x</a></h3></article>
    <aside><h3><a href="/berita/9/populer">y</a></h3></aside><a href="/tag/x">t</a>"""
    links = listing_links(spec, "https://kalteng.antaranews.com/kabar-daerah/sukamara/1", html)
    assert links.from_selectors and links.urls == ["https://kalteng.antaranews.com/berita/1/satu-dua"]
    bare = listing_links(spec, "https://kalteng.antaranews.com/x", '<a href="/berita/2/dua">a</a><a href="/x">b</a>')
    assert not bare.from_selectors and bare.urls == ["https://kalteng.antaranews.com/berita/2/dua"]
