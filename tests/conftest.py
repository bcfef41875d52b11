"""Shared fixtures. Integration tests get a real Kafka broker and Elasticsearch node.

The session starts them with :class:`infra.stack.Stack` (the same code as ``pantau stack
up``) on test ports, unless ``PANTAU_TEST_KAFKA_BOOTSTRAP`` and
``PANTAU_TEST_ELASTICSEARCH_URL`` point at engines that are already running. Each test
gets its own topic prefix and index alias, so tests never see each other's records.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.config import Settings, load_settings
from pantau.schema import Article

REPO = Path(__file__).resolve().parents[1]
#: The five real seed articles (not in the repository); PANTAU_SEEDS_DIR points elsewhere,
#: e.g. from a worktree whose parent folder does not hold them.
SEEDS = Path(os.environ.get("PANTAU_SEEDS_DIR") or REPO.parent / "shared" / "seeds")


@pytest.fixture(scope="session")
def engines() -> Iterator[tuple[str, str]]:
    """(kafka_bootstrap, elasticsearch_url) of a running real stack."""
    kafka = os.environ.get("PANTAU_TEST_KAFKA_BOOTSTRAP")
    es = os.environ.get("PANTAU_TEST_ELASTICSEARCH_URL")
    if kafka and es:
        yield kafka, es
        return
    from infra.stack import Stack

    settings = load_settings(
        stack_dir=os.environ.get("PANTAU_TEST_STACK_DIR", str(REPO / ".stack-test")),
        stack_kafka_port=int(os.environ.get("PANTAU_TEST_KAFKA_PORT", "19092")),
        stack_kafka_controller_port=int(os.environ.get("PANTAU_TEST_KAFKA_CONTROLLER_PORT", "19093")),
        stack_elasticsearch_port=int(os.environ.get("PANTAU_TEST_ELASTICSEARCH_PORT", "19200")),
    )
    stack = Stack(settings)
    started_here = not stack.status().running  # a stack started by hand survives the run
    stack.up(timeout=300)
    try:
        yield stack.kafka_bootstrap, stack.elasticsearch_url
    finally:
        if started_here:
            stack.down()


@pytest.fixture
def kafka_settings(engines: tuple[str, str], tmp_path: Path) -> Settings:
    """Distributed-mode settings isolated to this test: own topics, index alias and groups."""
    unique = uuid.uuid4().hex[:10]
    return load_settings(
        kafka_bootstrap=engines[0],
        elasticsearch_url=engines[1],
        topic_prefix=f"t{unique}",
        index_alias=f"t{unique}-articles",
        group_prefix=f"t{unique}",
        topic_partitions=3,
        data_dir=str(tmp_path / "data"),
        producer_delivery_timeout_ms=15_000,
    )


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=str(tmp_path / "data"))


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a `pantau` subprocess the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    for name in (
        "kafka_bootstrap",
        "elasticsearch_url",
        "topic_prefix",
        "index_alias",
        "group_prefix",
        "data_dir",
        "topic_partitions",
        "producer_delivery_timeout_ms",
        "crawl_max_articles",
        "consumer_batch_size",
        "consumer_instance_id",
        "consumer_session_timeout_ms",
    ):
        value = getattr(settings, name)
        if value is not None:
            env[f"PANTAU_{name.upper()}"] = str(value)
    return env


def run_pantau(settings: Settings, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (Scrapy's reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def crawl_fixture_site(settings: Settings, site: str = "memorandum", first: bool = True) -> str:
    """Serve the site's fixtures locally and crawl them with the real `pantau crawl`; returns its report.

    The exit code says whether anything failed: on the ``first`` crawl 1 when the site's fixtures
    include a page that is meant to be dead-lettered; a later crawl fetches nothing new, so 0.
    """
    from crawlers.fixture_server import FixtureServer

    with FixtureServer(site) as server:
        result = run_pantau(settings, "crawl", "--site", site, "--base-url", server.base_url)
    expected = 1 if first and invalid_fixture_urls(site) else 0
    assert result.returncode == expected, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


def fixture_expectations(site: str = "memorandum") -> dict[str, dict[str, object]]:
    """The reviewed expected output of every saved article page that should be stored, by id."""
    import json

    folder = REPO / "crawlers" / "fixtures" / site / "expected"
    expected = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["valid"]:
            expected[data["id"]] = data
    return expected


def invalid_fixture_urls(site: str = "memorandum") -> list[str]:
    import json

    folder = REPO / "crawlers" / "fixtures" / site / "expected"
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return [p["canonical_url"] for p in pages if not p["valid"]]


def stored_articles(store_path: Path, site: str | None = None) -> list[Article]:
    """Every article in an embedded store (duplicates included), newest first, through the search API."""
    from pantau.search import SearchQuery, StoreSearch
    from pantau.store import Store

    query = SearchQuery(sites=(site,) if site else (), include_duplicates=True, limit=1000)
    return StoreSearch(Store(store_path)).search(query)
