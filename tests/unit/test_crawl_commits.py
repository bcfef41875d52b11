"""When the crawl state commits: never a mark before its ``before_commit`` hook ran, and feed
validators forgotten once after a crawl that did not end normally."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from pantau.crawlstate import CrawlState


def committed_urls(path: Path) -> set[str]:
    """The marks another process would see now: only what is committed."""
    other = sqlite3.connect(path)
    try:
        return {url for (url,) in other.execute("SELECT url FROM seen")}
    finally:
        other.close()


def mark(state: CrawlState, url: str) -> None:
    state.mark("x", url, outcome="delivered", article_id=url.rsplit("/", 1)[-1])


def test_no_mark_is_committed_before_the_hook_ran_after_it(tmp_path: Path) -> None:
    path = tmp_path / "crawl.sqlite3"
    written: list[str] = []  # handed to the delivery (a page is published before it is marked)
    settled: set[str] = set()  # what the hook had vouched for when it last ran
    seen_at_hook: list[set[str]] = []

    def settle() -> None:
        seen_at_hook.append(committed_urls(path))
        settled.update(written)

    state = CrawlState(path, before_commit=settle, commit_every=3)
    for n in range(10):
        url = f"https://x.id/read/{n}"
        written.append(url)
        mark(state, url)
        assert committed_urls(path) <= settled  # nothing durable the hook has not settled
    state.close()
    # A commit every 3 writes (3) and at close (1); each hook saw exactly the earlier batches.
    assert len(seen_at_hook) == 4
    assert seen_at_hook == [set(written[:0]), set(written[:3]), set(written[:6]), set(written[:9])]
    assert committed_urls(path) == set(written)


def test_a_failing_hook_leaves_the_marks_uncommitted_until_one_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "crawl.sqlite3"
    broken = True

    def settle() -> None:
        if broken:
            raise RuntimeError("kafka did not answer")

    state = CrawlState(path, before_commit=settle, commit_every=2)
    mark(state, "https://x.id/read/1")
    with pytest.raises(RuntimeError):
        mark(state, "https://x.id/read/2")
    assert committed_urls(path) == set()
    broken = False
    state.flush()
    assert committed_urls(path) == {"https://x.id/read/1", "https://x.id/read/2"}
    state.close()


def test_without_a_hook_commits_come_every_commit_every_writes(tmp_path: Path) -> None:
    path = tmp_path / "crawl.sqlite3"
    state = CrawlState(path, commit_every=4)
    for n in range(3):
        mark(state, f"https://x.id/read/{n}")
    assert committed_urls(path) == set()
    mark(state, "https://x.id/read/3")
    assert len(committed_urls(path)) == 4
    state.close()


FEED = "https://x.id/feed"


def test_validators_survive_a_crawl_that_ended_normally(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    assert not state.begin_crawl()
    state.save_validators(FEED, '"v1"', None)
    state.end_crawl()
    state.close()
    state = CrawlState(tmp_path / "crawl.sqlite3")
    assert not state.begin_crawl()
    validators = state.validators(FEED)
    assert validators is not None and validators.etag == '"v1"'
    state.close()


def test_validators_are_forgotten_once_after_a_crawl_that_did_not_end(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    state.begin_crawl()
    state.save_validators(FEED, '"v1"', None)
    state.close()  # committed, but the crawl never ended (killed, or stopped by a signal)
    state = CrawlState(tmp_path / "crawl.sqlite3")
    assert state.begin_crawl()
    assert state.validators(FEED) is None  # the feed is read in full: its pages are listed again
    state.save_validators(FEED, '"v2"', None)
    state.end_crawl()
    state.close()
    state = CrawlState(tmp_path / "crawl.sqlite3")
    assert not state.begin_crawl()  # only once
    assert state.validators(FEED) is not None
    state.close()


def test_a_crawl_of_a_living_process_is_not_taken_for_a_dead_one(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.sqlite3")
    state.db.execute("INSERT INTO crawls (pid, started_at) VALUES (?, '2026-01-01')", (os.getppid(),))
    state.save_validators(FEED, '"v1"', None)
    state.flush()
    assert not state.begin_crawl()  # another crawl is under way, not dead
    assert state.validators(FEED) is not None
    state.close()
