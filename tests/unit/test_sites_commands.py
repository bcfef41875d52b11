"""`pantau sites add/check/list` as an operator runs them, against local fixture sites of each platform."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawlers.fixture_server import FixtureServer
from crawlers.onboard import _article_pattern, detect_platform, site_name_for
from pantau.cli import main

SAMPLES = {
    "memorandum": ("disway", "/read/101250/bawaslu-kota-kediri-klarifikasi-kades-diduga-ikut-kampanye"),
    "antara_kalteng": ("antara", "/berita/438700/bawaslu-sukamara-buka-posko-pengaduan-netralitas-asn"),
    "postkotantb": ("wordpress", "/harga-bawang-merah-di-mataram-turun/"),
}


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sites = tmp_path / "catalogue" / "sites"
    sites.mkdir(parents=True)
    monkeypatch.setenv("PANTAU_SITES_DIR", str(sites))
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    return sites


@pytest.mark.parametrize("fixture_site", sorted(SAMPLES))
def test_sites_add_writes_a_draft_that_passes_sites_check(
    fixture_site: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, sample = SAMPLES[fixture_site]
    with FixtureServer(fixture_site) as server:
        assert main(["sites", "add", server.base_url, "--name", "draft"]) == 0
        added = capsys.readouterr().out
        draft = yaml.safe_load((catalogue / "draft.yaml").read_text(encoding="utf-8"))
        assert draft["platform"] == platform
        assert f"platform       {platform}" in added
        assert "home_region" in added.split("Missing", 1)[1]  # what the operator must still fill in
        assert draft["start"]["feeds"], added
        if platform == "wordpress":
            assert draft["start"]["sitemaps"] == ["/wp-sitemap.xml"] and draft["start"]["wp_api"]
        assert main(["sites", "check", "draft", server.base_url + sample]) == 0
        checked = capsys.readouterr().out
    assert "=> ok" in checked and "title " in checked and "published_at " in checked
    assert "[css:" in checked or "[jsonld]" in checked  # each field says how it was found


def test_sites_check_runs_on_the_saved_pages_and_fails_on_a_missing_field(capsys: pytest.CaptureFixture[str]) -> None:
    # Memorandum's fixtures include a page with no body: a required field is missing.
    assert main(["sites", "check", "memorandum"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM  body: missing (required)" in out and "6 page(s) checked, 5 ok, 1 failing" in out
    assert main(["sites", "check", "kongkrit"]) == 0
    assert "[trafilatura]" in capsys.readouterr().out


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("pantau ")]
    assert len(errors) == 1 and "Traceback" not in "\n".join(err), err
    return errors[0]


def test_sites_check_errors_are_one_line(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (catalogue / "baru.yaml").write_text(
        "name: baru\ntitle: Baru\nbase_url: https://baru.id\ndomains: [baru.id]\nplatform: wordpress\n",
        encoding="utf-8",
    )
    assert main(["sites", "check", "nosuch"]) == 2
    assert "unknown site 'nosuch'; known: baru" in one_line_error(capsys)
    assert main(["sites", "check", "baru"]) == 2
    assert "site 'baru' has no fixtures" in one_line_error(capsys)
    assert main(["sites", "check", "baru", "http://127.0.0.1:9/berita/1"]) == 1
    assert "cannot reach http://127.0.0.1:9/berita/1" in one_line_error(capsys)
    assert main(["sites", "add", "http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9" in one_line_error(capsys)


def test_sites_list_shows_the_five_outlets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "list"]) == 0
    out = capsys.readouterr().out
    for name, platform in [("memorandum", "disway"), ("antara_kalteng", "antara"), ("postkotantb", "wordpress"),
                           ("radarkoran", "disway"), ("kongkrit", "wordpress")]:  # fmt: skip
        assert any(name in line and platform in line for line in out.splitlines()), name
    assert "Makassar" in out  # NTB is WITA


def test_onboarding_helpers() -> None:
    assert site_name_for("www.radarkoran.com") == "radarkoran"
    assert site_name_for("kalteng.antaranews.com") == "kalteng_antaranews"
    assert site_name_for("berita.pemkab-x.go.id") == "berita_pemkab_x"
    assert _article_pattern("/2024/10/03/judul-berita/") == r"^/\d+/\d+/\d+/[^/]+/?$"
    assert _article_pattern("/berita/123/judul-berita") == r"^/berita/\d+/[^/]+$"
    assert detect_platform("contoh.id", "<html><a href='/tentang'>x</a></html>")[0] == "generic"
    assert detect_platform("radar.disway.id", "<a href='/read/12/judul-satu'>x</a>")[0] == "disway"
