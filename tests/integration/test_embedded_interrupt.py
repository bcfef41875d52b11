"""An embedded crawl stopped by SIGINT or SIGTERM keeps everything it fetched: stored, or spooled."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crawlers.fixture_server import FixtureServer
from crawlers.sitespec import FIXTURES_DIR
from pantau.config import Settings
from pantau.store import Store
from tests.conftest import REPO, settings_env

PAGES = 1500


def large_site(folder: Path, pages: int = PAGES) -> None:
    """A Memorandum mirror of ``pages`` article pages (copies of a saved page under new URLs), one feed."""
    saved = (FIXTURES_DIR / "memorandum" / "article-jember.html").read_text(encoding="utf-8")
    site = folder / "memorandum"
    site.mkdir(parents=True)
    routes: dict[str, dict[str, str]] = {"/rss": {"file": "rss.xml", "content_type": "application/rss+xml"}}
    items = []
    for n in range(pages):
        number = 300_000 + n
        path = f"/read/{number}/berita-{number}"
        # A canonical URL of its own per page (the saved page's would give every copy one id).
        page = re.sub(r'href="https://memorandum\.disway\.id/read/\d+/[^"]+"', f'href="{{{{base_url}}}}{path}"', saved)
        (site / f"p{n}.html").write_text(page.replace("Jelang Pilkada", f"Jelang Pilkada ({n})"), encoding="utf-8")
        routes[path] = {"file": f"p{n}.html"}
        items.append(f"<item><link>{{{{base_url}}}}{path}</link></item>")
    (site / "rss.xml").write_text(f"<rss><channel>{''.join(items)}</channel></rss>", encoding="utf-8")
    (site / "routes.yaml").write_text(yaml.safe_dump(routes), encoding="utf-8")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_crawl_loses_nothing(embedded_settings: Settings, tmp_path: Path, stop: signal.Signals) -> None:
    large_site(tmp_path / "fixtures")
    env = settings_env(embedded_settings) | {"PANTAU_CRAWL_MAX_ARTICLES": str(PAGES * 2)}
    with FixtureServer("memorandum", fixtures_dir=tmp_path / "fixtures") as server:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "crawl", "--site", "memorandum", "--base-url", server.base_url],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Stop it once it is well into the site (polled, no fixed sleep).
        deadline = time.monotonic() + 120
        while sum(p.startswith("/read/") for p in list(server.requests)) < 100:
            assert crawl.poll() is None, crawl.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the crawl never got going"
            time.sleep(0.05)
        crawl.send_signal(stop)
        out, err = crawl.communicate(timeout=120)
    # It stops by itself (no signal death, no traceback). The exit code is 1, not 0: the mirror
    # serves only the feed, so the site's listing and search start points count as failures.
    assert crawl.returncode == 1 and "Traceback" not in err, err[-3000:]
    assert re.search(r"failed: .*http_404", out), out
    delivered = int(re.search(r"memorandum: \d+ article page\(s\): (\d+) delivered", out).group(1))  # type: ignore[union-attr]
    assert 0 < delivered < PAGES, out  # really stopped half-way

    stored = Store(embedded_settings.store_path).count()
    spool = embedded_settings.spool_dir / "embedded.jsonl"
    spooled = len(spool.read_text(encoding="utf-8").splitlines()) if spool.exists() else 0
    # Every page the crawler delivered before it stopped is in the store or waiting in the spool.
    assert stored + spooled == delivered, (stored, spooled, delivered)
