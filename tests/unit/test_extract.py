"""Extraction on plain HTML: site selectors, the generic fallbacks in order, methods recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawlers.extract import extract_article
from crawlers.page import continuation_urls, process_page
from crawlers.sitespec import Selectors, SiteSpec, load_registry, spec_from_data
from pantau.furniture import clean_paragraphs

DISWAY = load_registry()["memorandum"]
GENERIC = spec_from_data(
    {
        "name": "contoh",
        "title": "Contoh Pos",
        "base_url": "https://contoh.id",
        "domains": ["contoh.id"],
        "start": {"feeds": ["/feed"]},
        "article_urls": ["^/berita/"],
    },
    "test",
)
FETCHED = datetime(2024, 10, 10, tzinfo=UTC)
STORY = [
    "MATARAM - Kalimat pertama berita contoh yang ditulis untuk pengujian ekstraksi umum tanpa selektor situs.",
    "Kalimat kedua menambah panjang isi agar pengekstrak teks utama menganggapnya sebagai tubuh berita.",
    "Kalimat ketiga menutup cerita dengan keterangan dari pejabat setempat tentang jadwal kegiatan.",
]


def test_furniture_lines_are_dropped() -> None:
    paragraphs = ["Judul", "Isi pertama.", "BACA JUGA:Berita lain", "Baca juga: Berita lain lagi", "Tag", "Share",
                  "Editor : Seseorang", "0 Komentar", "Isi kedua."]  # fmt: skip
    assert clean_paragraphs(paragraphs, "Judul", []) == ["Isi pertama.", "Isi kedua."]


def test_json_ld_news_article_fills_what_the_site_has_no_selector_for() -> None:
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Halaman - Contoh Pos", "datePublished": "2024-01-01T00:00:00+07:00"},
        {"@type": "NewsArticle", "headline": "Judul dari JSON-LD", "datePublished": "2024-10-03T10:00:00",
         "dateModified": "2024-10-03T12:00:00+08:00", "author": [{"@type": "Person", "name": "Mul"}],
         "keywords": "Bawaslu, Netralitas", "articleBody": "\n".join(STORY)},
    ]}  # fmt: skip
    html = f"<html><head><script type='application/ld+json'>{json.dumps(ld)}</script></head><body></body></html>"
    page = extract_article(GENERIC, "https://contoh.id/berita/1", html, FETCHED)
    assert page.title == "Judul dari JSON-LD"
    assert page.paragraphs == STORY
    assert page.authors == ["Mul"] and page.tags == ["Bawaslu", "Netralitas"]
    assert page.methods == {"title": "jsonld", "body": "jsonld", "authors": "jsonld", "tags": "jsonld"}
    outcome = process_page(GENERIC, "https://contoh.id/berita/1", html, FETCHED)
    assert outcome.article is not None
    # No offset in JSON-LD: the outlet's zone (here the default, WIB).
    assert outcome.article.published_at == datetime(2024, 10, 3, 3, 0, tzinfo=UTC)
    assert outcome.article.modified_at == datetime(2024, 10, 3, 4, 0, tzinfo=UTC)
    assert outcome.article.extraction["published_at"] == "jsonld"


def test_opengraph_meta_then_trafilatura() -> None:
    body = "".join(f"<p>{p}</p>" for p in STORY)
    html = f"""<html><head><title>Judul - Contoh Pos</title>
    <meta property="og:title" content="Judul dari OpenGraph | Contoh Pos">
    <meta property="article:published_time" content="2024-09-26T10:00:00+07:00">
    <meta property="article:tag" content="pilkada"></head>
    <body><nav><a href="/">Beranda</a></nav><main><div class="isi">{body}</div></main>
    <footer>Hak cipta Contoh Pos</footer></body></html>"""
    outcome = process_page(GENERIC, "https://contoh.id/berita/2", html, FETCHED)
    assert outcome.article is not None
    a = outcome.article
    assert a.title == "Judul dari OpenGraph"  # the outlet's name after a bar is not part of the title
    assert a.body.split("\n\n") == STORY
    assert a.published_at == datetime(2024, 9, 26, 3, 0, tzinfo=UTC)
    assert a.extraction == {
        "title": "opengraph",
        "body": "trafilatura",
        "tags": "meta:article:tag",
        "published_at": "meta:article:published_time",
    }


def test_a_short_extractor_guess_is_not_a_body() -> None:
    html = "<html><head><title>Kosong</title></head><body><h1>Kosong</h1><p>Rabu 09-10-2024,10:00 WIB</p></body></html>"
    outcome = process_page(GENERIC, "https://contoh.id/berita/3", html, FETCHED)
    assert outcome.article is None and outcome.reason is not None and outcome.reason.startswith("body:")


def test_site_selectors_that_match_nothing_are_recorded_and_fallbacks_fill_in() -> None:
    broken = DISWAY.model_copy(update={"selectors": DISWAY.selectors.model_copy(update={"title": ["h1.nosuch::text"]})})
    html = "<html><head><meta property='og:title' content='Judul OG'></head><body><h1 class='x'>H</h1></body></html>"
    page = extract_article(broken, "https://memorandum.disway.id/read/9/x", html, FETCHED)
    assert page.title == "Judul OG" and page.methods["title"] == "opengraph"
    assert {"title", "body", "published_at"} <= set(page.selector_misses)


def test_a_selector_that_cannot_run_is_a_miss_not_an_exception() -> None:
    # Site files are validated on load; this guards the extractor itself.
    selectors = Selectors.model_construct(**{**dict(DISWAY.selectors), "title": ["h1[[class"]})
    spec = SiteSpec.model_construct(**{**dict(DISWAY), "selectors": selectors})
    page = extract_article(spec, "https://memorandum.disway.id/read/9/x", "<html><h1>J</h1></html>", FETCHED)
    assert "bad_selector:h1[[class" in page.selector_misses
    assert page.title == "J"


def test_off_site_canonical_is_not_trusted() -> None:
    html = """<html><head><link rel="canonical" href="https://mitra-lain.id/berita/1"></head>
    <body><h1 class="text-black">J</h1><div class="post text-black-1"><p>Isi.</p></div></body></html>"""
    article = process_page(DISWAY, "https://memorandum.disway.id/read/9/x", html, FETCHED).article
    assert article is not None
    assert article.canonical_url == "https://memorandum.disway.id/read/9/x"


def test_body_text_date_is_the_last_resort() -> None:
    html = """<html><body><h1 class="text-black">J</h1><div class="post text-black-1">
    <p>LUMAJANG - Apel digelar Senin (02/09/2024).</p></div></body></html>"""
    article = process_page(DISWAY, "https://memorandum.disway.id/read/9/x", html, FETCHED).article
    assert article is not None
    assert article.date_source == "body"
    assert article.published_at == datetime(2024, 9, 1, 17, 0, tzinfo=UTC)


def _disway_page(path: str, paragraphs: list[str], pages: int) -> str:
    links = "".join(
        f'<li><a data-ci-pagination-page="{i + 1}" href="{path if i == 0 else f"{path}/{i * 15}"}">{i + 1}</a></li>'
        for i in range(pages)
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<html><head><meta name="pubdate" content="2024-09-10 09:30:00"></head><body>
    <h1 class="text-black">Judul</h1><div class="post text-black-1">{body}
    <p><strong>BACA JUGA:<a href="/read/77/lain">Berita lain</a></strong></p>
    <div class="text-center"><div class="row"><ul class="pagination">{links}
    <li><a data-ci-pagination-page="1" href="/read/88/artikel-lain">lain</a></li></ul></div></div></div>
    </body></html>"""


def test_a_split_disway_article_is_stitched_from_all_its_pages() -> None:
    path = "/hukum-kriminal/read/1234/judul-panjang"
    base = "https://memorandum.disway.id"
    pages = {
        base + path: _disway_page(path, ["Satu.", "Dua."], 3),
        base + path + "/15": _disway_page(path, ["Tiga."], 3),
        base + path + "/30": _disway_page(path, ['Empat [penci_related_posts title="baca juga"] selesai.'], 3),
    }
    assert continuation_urls(DISWAY, base + path, pages[base + path]) == [base + path + "/15", base + path + "/30"]
    outcome = process_page(DISWAY, base + path, pages[base + path], FETCHED, fetch=pages.get)
    assert outcome.article is not None
    assert outcome.article.body.split("\n\n") == ["Satu.", "Dua.", "Tiga.", "Empat selesai."]
    assert outcome.article.extraction["body"] == "css:div.post.text-black-1 (3 pages)"
    missing = process_page(DISWAY, base + path, pages[base + path], FETCHED, fetch=lambda url: None)
    assert missing.article is None and missing.reason is not None and "could not be fetched" in missing.reason


def test_excluded_elements_leave_the_body_and_a_bad_exclusion_is_a_miss() -> None:
    """The exclusions are dropped as one union query; a bad one falls back to one by one, and is named."""
    body = (
        "<div class='post text-black-1'><p>Satu <b>tebal</b><script>x()</script> lanjut.</p>"
        "<figure><img src='a.jpg'><figcaption>Keterangan</figcaption></figure><div class='byline'>Oleh: A</div>"
        "<p>Dua<span class='ad'>iklan</span> selesai.</p><ins>promo</ins></div>"
    )
    html = f"<html><body><h1>Judul</h1>{body}</body></html>"
    url = "https://memorandum.disway.id/read/9/x"
    for exclude, bad in ((["div.byline", "span.ad"], []), (["div.byline", "span[[ad", "span.ad"], ["span[[ad"])):
        selectors = Selectors.model_construct(
            **{**dict(DISWAY.selectors), "body": ["div.post.text-black-1"], "body_exclude": exclude}
        )
        spec = SiteSpec.model_construct(**{**dict(DISWAY), "selectors": selectors})
        page = extract_article(spec, url, html, FETCHED)
        assert page.paragraphs == ["Satu tebal lanjut.", "Dua selesai."]
        assert [m for m in page.selector_misses if m.startswith("bad_selector:")] == [f"bad_selector:{b}" for b in bad]
