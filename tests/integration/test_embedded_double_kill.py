"""Both embedded processes killed at once (SIGKILL of the group, OOM, power loss): the next crawl loses nothing.

The crawler remembers a page as delivered when it hands it to the writer, before the writer
has stored it. If both die together, neither the writer nor the parent can spool what was
queued, so the next crawl must not trust those marks: every page of the site must end up in
the store.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

from crawlers.fixture_server import FixtureServer
from pantau.config import Settings
from pantau.store import Store
from tests.conftest import REPO, settings_env
from tests.integration.test_embedded_interrupt import large_site

PAGES = 120


def _writer(crawl: subprocess.Popen[str]) -> psutil.Process | None:
    """The embedded writer: the crawl's spawned child (not multiprocessing's resource tracker)."""
    for child in psutil.Process(crawl.pid).children():
        try:
            command = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in command:
            return child
    return None


def _count(path: Path, sql: str) -> int:
    """One count, read-only beside the running crawl (which may hold a write lock, frozen)."""
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        db.close()


def _delivered_marks(crawl_db: Path) -> int:
    """Article pages the crawl state has committed as delivered."""
    return _count(crawl_db, "SELECT count(DISTINCT article_id) FROM seen WHERE outcome = 'delivered'")


def _crawl(env: dict[str, str], base_url: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "pantau.cli", "crawl", "--site", "memorandum", "--base-url", base_url],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_pages_queued_when_both_processes_die_are_fetched_again(embedded_settings: Settings, tmp_path: Path) -> None:
    large_site(tmp_path / "fixtures", PAGES)
    env = settings_env(embedded_settings) | {"PANTAU_CRAWL_MAX_ARTICLES": str(PAGES * 2)}
    crawl_db = embedded_settings.data_dir / "crawl.sqlite3"
    with FixtureServer("memorandum", fixtures_dir=tmp_path / "fixtures") as server:
        # Its own process group, so that one SIGKILL takes the crawler and its writer together.
        first = _crawl(env, server.base_url, start_new_session=True)
        try:
            # Freeze the writer as soon as it exists: the crawler goes on queueing (the queue
            # holds more than the site) and marking pages delivered that are never stored.
            deadline = time.monotonic() + 120
            while (writer := _writer(first)) is None:
                assert first.poll() is None, first.communicate()[1][-3000:]
                assert time.monotonic() < deadline, "the embedded writer never started"
                time.sleep(0.02)
            writer.suspend()
            # The crawl records its run once every page is handed over; then it waits on the writer.
            while _delivered_marks(crawl_db) < PAGES:
                assert first.poll() is None, first.communicate()[1][-3000:]
                assert time.monotonic() < deadline, f"only {_delivered_marks(crawl_db)} pages marked delivered"
                time.sleep(0.05)
            stored = _count(embedded_settings.store_path, "SELECT count(*) FROM articles")
            assert stored < PAGES, stored  # the window is really open: marked delivered, not stored
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=60)
        spool = embedded_settings.spool_dir / "embedded.jsonl"
        assert not spool.exists()  # nobody was left to spool them

        second = _crawl(env, server.base_url)
        out, err = second.communicate(timeout=300)
    assert "Traceback" not in err, err[-3000:]
    # The second crawl says how many marks it did not trust, and fetches those pages again.
    assert f"{PAGES - stored} article page(s) an earlier crawl marked delivered were not in the store" in out, out
    assert re.search(rf"memorandum: \d+ article page\(s\): {PAGES - stored} delivered", out), out
    # Every page of the site is in the store after the second crawl.
    assert Store(embedded_settings.store_path).count() == PAGES, out + err[-3000:]
