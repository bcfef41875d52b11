"""Every registry site crawled from its fixtures by local servers, through the real `pantau` command.

No Kafka or Elasticsearch here: the embedded store, with politeness delays off (a mirror).
Covers: fields equal to the reviewed expected JSON (split Disway articles and ANTARA's
region sections included), every fetched article page accounted for, incremental crawling
(no page fetched twice, conditional GETs for feeds and sitemaps, a changed page published
as a new version), broken selectors, a hostile site, --watch with backoff and SIGTERM, a
backfill, and the offline demo.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.fixture_server import FixtureServer
from crawlers.sitespec import FIXTURES_DIR, SITES_DIR, load_registry
from pantau.store import Store
from tests.conftest import REPO, stored_articles
from tests.hostile_site import BEHAVIOURS, HostileSite

REGISTRY = load_registry()


def run(
    data_dir: Path, *args: str, sites_dir: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PANTAU_DATA_DIR"] = str(data_dir)
    env["PANTAU_CRAWL_CONTACT"] = "tests@pantau.invalid"
    if sites_dir is not None:
        env["PANTAU_SITES_DIR"] = str(sites_dir)
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def mirror_args(servers: dict[str, FixtureServer]) -> list[str]:
    return [arg for name, server in servers.items() for arg in ("--base-url", f"{name}={server.base_url}")]


@pytest.fixture
def servers() -> Iterator[dict[str, FixtureServer]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(FixtureServer(name)) for name in REGISTRY}


def expected_articles(site: str) -> dict[str, dict[str, object]]:
    out = {}
    for path in sorted((FIXTURES_DIR / site / "expected").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["valid"]:
            out[str(data["id"])] = data
    return out


def pages_in_report(stdout: str, site: str) -> dict[str, int]:
    m = re.search(
        rf"{site}: (\d+) article page\(s\): (\d+) delivered, (\d+) unchanged, (\d+) dead-lettered, (\d+) failed", stdout
    )
    assert m, f"no report line for {site} in:\n{stdout}"
    return dict(zip(("pages", "delivered", "unchanged", "dead_letter", "failed"), map(int, m.groups()), strict=True))


def article_paths_fetched(server: FixtureServer, site: str) -> list[str]:
    spec = REGISTRY[site]
    return [h.path for h in server.hits if spec.is_article_path(h.path) and h.status == 200]


COMPARED = ("canonical_url", "site", "title", "body", "date_source", "authors", "tags", "home_region",
            "region_hint", "extraction", "version")  # fmt: skip


def test_every_registry_site_crawls_to_its_expected_articles(tmp_path: Path, servers: dict[str, FixtureServer]) -> None:
    # A budget equal to the largest site's article pages (memorandum: 5): listings must not eat into it.
    result = run(tmp_path, "crawl", *REGISTRY, "--max-articles", "5", *mirror_args(servers))
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    # Memorandum's fixtures hold a page with no body: dead-lettered, so the run says something failed.
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    store = Store(tmp_path / "pantau.sqlite3")
    for site, server in servers.items():
        report = pages_in_report(result.stdout, site)
        fetched = article_paths_fetched(server, site)
        # Every fetched article page ends exactly once: delivered, unchanged, dead-lettered or failed.
        assert len(fetched) == len(set(fetched)) == report["pages"]
        assert report["pages"] == report["delivered"] + report["unchanged"] + report["dead_letter"] + report["failed"]
        expected = expected_articles(site)
        stored = {a.id: a for a in stored_articles(store.path, site=site)}
        assert set(stored) == set(expected), site
        assert report["delivered"] == len(expected) and report["failed"] == 0
        for article_id, want in expected.items():
            got = json.loads(stored[article_id].model_dump_json())
            for name in COMPARED:
                assert got.get(name) == want.get(name), f"{site} {want['canonical_url']}: {name}"
            for name in ("published_at", "modified_at"):
                value = getattr(stored[article_id], name)
                assert (value.isoformat() if value else None) == want[name], f"{site}: {name}"
    # The split articles were read from all their pages.
    assert {"/15", "/30"} <= {p[-3:] for p in servers["memorandum"].requests if "/read/101234/" in p}
    assert any(p.endswith("/15") for p in servers["radarkoran"].requests)
    # ANTARA's per-regency listing put its region on the article.
    sukamara = next(a for a in stored_articles(store.path, site="antara_kalteng") if "sukamara" in a.canonical_url)
    assert sukamara.region_hint is not None and sukamara.region_hint.code == "62.08"

    health = run(tmp_path, "sites", "health", "--json")
    assert health.returncode == 0, health.stderr
    rows = {r["site"]: r for r in map(json.loads, health.stdout.splitlines())}
    assert set(rows) == set(REGISTRY)
    assert all(r["last_success"] for r in rows.values())
    assert rows["memorandum"]["errors_24h"] == {"missing_field:body": 1}
    assert rows["kongkrit"]["errors_24h"] == {}


def test_a_second_crawl_fetches_nothing_again_and_a_changed_page_is_a_new_version(tmp_path: Path) -> None:
    sites = ["memorandum", "postkotantb"]
    with ExitStack() as stack:
        servers = {name: stack.enter_context(FixtureServer(name)) for name in sites}
        first = run(tmp_path, "crawl", *sites, *mirror_args(servers))
        assert first.returncode == 1, first.stderr[-3000:]  # memorandum's empty page
        seen = {name: len(s.hits) for name, s in servers.items()}
        second = run(tmp_path, "crawl", *sites, *mirror_args(servers))
        assert second.returncode == 0, second.stdout + second.stderr[-3000:]
        for name, server in servers.items():
            later = server.hits[seen[name] :]
            assert not [h.path for h in later if REGISTRY[name].is_article_path(h.path)], name
            conditional = [h for h in later if h.path in ("/rss", "/feed/", "/wp-sitemap.xml")]
            assert conditional and all("if-none-match" in h.headers and h.status == 304 for h in conditional)

        # The Tuban story changes on the site: a refetch publishes it as version 2 and nothing else.
        tuban = "/pemerintahan/read/101262/perbaikan-jalan-provinsi-di-tuban-dikebut"
        page = (FIXTURES_DIR / "memorandum" / "article-tuban.html").read_text(encoding="utf-8")
        servers["memorandum"].overrides[tuban] = page.replace(
            "</div>\n<ul", "<p>Pembaruan: pengaspalan selesai lebih cepat dari jadwal.</p></div>\n<ul", 1
        )
        # A post's modification, announced by the sitemap's lastmod, brings it back without --refetch.
        post = "/harga-bawang-merah-di-mataram-turun/"
        wp_page = (FIXTURES_DIR / "postkotantb" / "article-bawang.html").read_text(encoding="utf-8")
        servers["postkotantb"].overrides[post] = wp_page.replace(
            "(Nur)</p>", "(Nur)</p>\n<p>Ralat: harga Rp27.000.</p>"
        )
        sitemap = (FIXTURES_DIR / "postkotantb" / "wp-sitemap-posts-post-1.xml").read_text(encoding="utf-8")
        now = datetime.now(UTC) + timedelta(minutes=5)
        servers["postkotantb"].overrides["/wp-sitemap-posts-post-1.xml"] = sitemap.replace(
            "2024-10-01T03:30:00+00:00", now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        )
        third = run(tmp_path, "crawl", "postkotantb", *mirror_args({"postkotantb": servers["postkotantb"]}))
        assert pages_in_report(third.stdout, "postkotantb")["delivered"] == 1, third.stdout
        refetch = run(tmp_path, "crawl", "memorandum", "--refetch", *mirror_args({"memorandum": servers["memorandum"]}))
        report = pages_in_report(refetch.stdout, "memorandum")
        assert report["delivered"] == 1 and report["unchanged"] == 3 and report["dead_letter"] == 1, refetch.stdout
    store = Store(tmp_path / "pantau.sqlite3")
    versions = {a.canonical_url.rsplit("/", 1)[-1]: a for a in stored_articles(store.path)}
    changed = versions["perbaikan-jalan-provinsi-di-tuban-dikebut"]
    assert changed.version == 2 and changed.body.endswith("lebih cepat dari jadwal.")
    assert versions["harga-bawang-merah-di-mataram-turun"].version == 2
    assert versions["harga-bawang-merah-di-mataram-turun"].body.endswith("Ralat: harga Rp27.000.")
    assert {a.version for name, a in versions.items() if "tuban" not in name and "bawang" not in name} == {1}


def _broken_catalogue(tmp_path: Path, selectors: str) -> Path:
    sites = tmp_path / "catalogue" / "sites"
    sites.mkdir(parents=True)
    shutil.copytree(FIXTURES_DIR / "memorandum", tmp_path / "catalogue" / "fixtures" / "memorandum")
    text = (SITES_DIR / "memorandum.yaml").read_text(encoding="utf-8")
    (sites / "memorandum.yaml").write_text(text + selectors, encoding="utf-8")
    return sites


def test_a_site_whose_selectors_match_nothing_is_counted_and_fails_the_run(tmp_path: Path) -> None:
    sites = _broken_catalogue(
        tmp_path,
        "selectors:\n  title: ['h1.tidak-ada::text']\n  body: ['div.tidak-ada']\n"
        "  published: [{css: 'span.tidak-ada::text'}]\n",
    )
    with FixtureServer("memorandum", sites.parent / "fixtures") as server:
        result = run(tmp_path / "data", "crawl", "memorandum", "--base-url", server.base_url, sites_dir=sites)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    report = pages_in_report(result.stdout, "memorandum")
    fetched = article_paths_fetched(server, "memorandum")
    assert report["pages"] == len(fetched) == 5
    assert report["delivered"] + report["dead_letter"] == 5  # nothing vanished
    misses = re.search(r"site selectors matched nothing: (.*)", result.stdout)
    assert misses and "body=5" in misses.group(1) and "title=5" in misses.group(1)
    stored = stored_articles(tmp_path / "data" / "pantau.sqlite3")
    assert stored and all(a.extraction["body"].startswith("trafilatura") for a in stored)


def test_an_invalid_selector_stops_before_crawling_with_one_line(tmp_path: Path) -> None:
    sites = _broken_catalogue(tmp_path, "selectors:\n  body: ['div.post[[']\n")
    result = run(tmp_path / "data", "crawl", "memorandum", sites_dir=sites)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "memorandum.yaml: selectors.body: " in result.stderr and "bad CSS selector 'div.post[['" in result.stderr


def test_a_hostile_site_never_crashes_the_crawler_and_every_failure_is_counted(tmp_path: Path) -> None:
    sites = tmp_path / "catalogue" / "sites"
    sites.mkdir(parents=True)
    (sites / "hostile.yaml").write_text(
        "name: hostile\ntitle: Situs Nakal\nbase_url: https://nakal.example\ndomains: [nakal.example]\n"
        "platform: disway\nstart: {feeds: [/rss, /rss-rusak], sitemaps: [/sitemap.xml], search: []}\n"
        "politeness: {timeout: 1.5, retries: 1}\n",
        encoding="utf-8",
    )
    with HostileSite(hang_seconds=4) as site:
        result = run(tmp_path / "data", "crawl", "hostile", "--base-url", site.base_url, sites_dir=sites, timeout=90)
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 1
    report = pages_in_report(result.stdout, "hostile")
    assert report["pages"] == len(BEHAVIOURS)
    assert report["pages"] == report["delivered"] + report["unchanged"] + report["dead_letter"] + report["failed"]
    failed = dict(re.findall(r"(\w+(?::\w+)?)=(\d+)", re.search(r"failed: (.*)", result.stdout).group(1)))  # type: ignore[union-attr]
    assert {"http_503", "timeout", "redirect_loop", "offsite_redirect", "too_large", "binary_content"} <= set(failed)
    assert set(failed) & {"truncated", "connection_lost"}
    assert "feed:parse_error=1" in result.stdout and "sitemap:parse_error=1" in result.stdout
    # Retry-After was honoured: the rate-limited page came through on its second request.
    assert site.hits["/read/2/terlalu-banyak-permintaan"] == 2
    stored = {a.title for a in stored_articles(tmp_path / "data" / "pantau.sqlite3")}
    assert {"Berita 1", "Berita 2", "Berita 10"} <= stored


def test_watch_crawls_on_intervals_backs_off_a_failing_site_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PANTAU_DATA_DIR"] = str(tmp_path)
    log = (tmp_path / "stderr.log").open("w")  # a pipe nobody reads would fill and stall the crawler
    with FixtureServer("memorandum") as server, log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "crawl", "memorandum", "radarkoran", "--watch", "--interval", "1",
             "--base-url", f"memorandum={server.base_url}", "--base-url", "radarkoran=http://127.0.0.1:9"],
            env=env, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO,
        )  # fmt: skip
        lines: list[str] = []
        enough = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                waits = [ln for ln in lines if "next crawl in" in ln]
                if sum("radarkoran" in ln for ln in lines) >= 3 and len(waits) >= 4:
                    enough.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert enough.wait(60), "".join(lines)
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
        finally:
            if process.poll() is None:
                process.kill()
        reader.join(5)
    text = "".join(lines)
    assert "Stopped." in text
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    # Each report line is followed by the wait before that site's next crawl.
    pairs = re.findall(r"\] (\w+): .*?\n(?:    .*\n)*?    next crawl in (\d+) s", text)
    radar = [int(w) for site, w in pairs if site == "radarkoran"]
    memo = [int(w) for site, w in pairs if site == "memorandum"]
    assert radar[:3] == [2, 4, 8], text  # unreachable: backed off, doubling
    assert memo and set(memo) == {1}, text  # the reachable site kept its interval meanwhile


def test_backfill_walks_listings_back_and_stops_past_the_since_date(tmp_path: Path) -> None:
    with FixtureServer("memorandum") as server:
        result = run(tmp_path, "crawl", "memorandum", "--since", "2024-09-01", "--until", "2024-12-31",
                     "--base-url", server.base_url)  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "days back" in result.stdout  # the progress bar
    # Page 2 of the listing holds only a 2020 story: the walk stops there instead of asking for page 3.
    assert "/kategori/5/pemerintahan/30" in server.requests
    assert "/kategori/5/pemerintahan/60" not in server.requests
    titles = {a.title for a in stored_articles(tmp_path / "pantau.sqlite3", site="memorandum")}
    assert "Kades di Sidoarjo Diingatkan Tidak Berpolitik Praktis" in titles


def test_the_demo_stores_all_five_sites_where_search_finds_them(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for name, spec in REGISTRY.items():
        assert re.search(
            rf"^{name} \({re.escape(spec.title)}, {spec.platform}\): [1-9]\d* article\(s\)", first.stdout, re.M
        )
    again = run(tmp_path, "demo")  # a second run finds everything unchanged, and says so
    assert again.returncode == 0 and "unchanged" in again.stdout
    found = run(tmp_path, "search", "netralitas", "--format", "json", "--limit", "50")
    assert found.returncode == 0, found.stderr
    sites = {json.loads(line)["site"] for line in found.stdout.splitlines() if line.strip()}
    assert len(sites) >= 4, sites


@pytest.mark.parametrize("site", ["postkotantb", "memorandum"])
def test_pages_a_budget_left_out_are_fetched_by_the_next_crawl(tmp_path: Path, site: str) -> None:
    expected = expected_articles(site)
    with FixtureServer(site) as server:
        first = run(tmp_path, "crawl", site, "--max-articles", "1", *mirror_args({site: server}))
        assert "Traceback" not in first.stderr, first.stderr[-3000:]
        assert len(stored_articles(tmp_path / "pantau.sqlite3", site=site)) < len(expected)
        # Without a budget: the feeds answered 200 again (not 304), so what the budget left out is found.
        second = run(tmp_path, "crawl", site, *mirror_args({site: server}))
        assert "Traceback" not in second.stderr, second.stderr[-3000:]
    assert {a.id for a in stored_articles(tmp_path / "pantau.sqlite3", site=site)} == set(expected)
