"""The fault tests' own engines, and what the tests measure on them.

Fault tests kill engines, so they run on a stack of their own (ports and directory from
``PANTAU_TEST_FAULT_*``, see :func:`fault_stack_settings`) and never on the one the rest
of the suite uses. :class:`FaultStack` kills an engine with SIGKILL and brings it back
with the same code as ``pantau stack up``; the helpers below count what reached each hop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from infra.kafka_clients import make_reader, read_topic
from infra.search_index import connect
from infra.stack import Stack
from infra.stack.processes import port_open
from infra.topics import topic_names
from pantau.config import Settings, load_settings
from pantau.schema import DeadLetter
from tests.conftest import REPO, settings_env

Engine = Literal["kafka", "elasticsearch"]


def fault_stack_settings() -> Settings:
    """Ports and directory of the fault stack: ``PANTAU_TEST_FAULT_*``, else defaults clear of the main test stack."""
    env = os.environ.get
    return load_settings(
        stack_dir=env("PANTAU_TEST_FAULT_STACK_DIR", str(REPO / ".stack-fault")),
        stack_kafka_port=int(env("PANTAU_TEST_FAULT_KAFKA_PORT", "19492")),
        stack_kafka_controller_port=int(env("PANTAU_TEST_FAULT_KAFKA_CONTROLLER_PORT", "19493")),
        stack_elasticsearch_port=int(env("PANTAU_TEST_FAULT_ELASTICSEARCH_PORT", "19600")),
        stack_kafka_heap=env("PANTAU_TEST_FAULT_KAFKA_HEAP", "384m"),
        stack_elasticsearch_heap=env("PANTAU_TEST_FAULT_ELASTICSEARCH_HEAP", "512m"),
    )


def poll_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll ``condition`` until it holds; returns the seconds it took. Fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


class FaultStack:
    """A Kafka and an Elasticsearch this module may kill."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    @property
    def ports(self) -> dict[Engine, int]:
        s = self.stack.settings
        return {"kafka": s.stack_kafka_port, "elasticsearch": s.stack_elasticsearch_port}

    def kill(self, engine: Engine) -> None:
        """SIGKILL the engine (its process group) and wait until it no longer answers."""
        pid = getattr(self.stack.status(), engine).pid
        assert pid is not None, f"{engine} is not running"
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
        poll_until(
            lambda: getattr(self.stack.status(), engine).pid is None and not port_open(self.ports[engine]),
            30,
            f"{engine} to die",
        )

    def restart(self) -> float:
        """Start what is not running and wait until it answers; returns the seconds it took."""
        started = time.monotonic()
        self.stack.up(timeout=300)
        return time.monotonic() - started

    def settings(self, **overrides: Any) -> Settings:
        """Distributed-mode settings with their own topics, index alias and groups on this stack."""
        unique = "f" + uuid.uuid4().hex[:9]
        values: dict[str, Any] = {
            "kafka_bootstrap": self.stack.kafka_bootstrap,
            "elasticsearch_url": self.stack.elasticsearch_url,
            "topic_prefix": unique,
            "index_alias": f"{unique}-articles",
            "group_prefix": unique,
            "topic_partitions": 3,
            "producer_delivery_timeout_ms": 5_000,
            "consumer_batch_size": 50,
        }
        values.update(overrides)
        return load_settings(**values)


# --- running pantau ---------------------------------------------------------------------------


def start_pantau(settings: Settings, *args: str, log: Path) -> subprocess.Popen[str]:
    """``pantau ARGS`` in the background, its output in ``log``."""
    handle = log.open("a", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "pantau.cli", *args],
        env=settings_env(settings),
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )


def consume_until_idle(settings: Settings, *stages: str, idle: float = 3.0) -> None:
    """Run the consumer stages in this process, one after the other, until each has nothing left."""
    from consumers.app import build_worker, close_resources

    for stage in stages:
        worker, resources = build_worker(stage, settings)
        try:
            worker.run(idle_timeout=idle)
        finally:
            close_resources(resources)


# --- counting -------------------------------------------------------------------------------


def topic_end(settings: Settings, topic: str) -> int:
    """Records written to ``topic`` so far (sum of the partitions' end offsets)."""
    reader = make_reader(settings)
    try:
        partitions = reader.partitions_for_topic(topic) or set()
        from kafka.structs import TopicPartition

        ends = reader.end_offsets([TopicPartition(topic, p) for p in partitions], timeout_ms=10_000)
        return sum(ends.values())
    finally:
        reader.close()


def topic_keys(settings: Settings, topic: str) -> Counter[str]:
    return Counter(r.key.decode("utf-8") for r in read_topic(settings, topic) if r.key is not None)


def dead_letters(settings: Settings) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(r.value) for r in read_topic(settings, topic_names(settings).dead_letter)]


def indexed_ids(settings: Settings) -> list[str]:
    es = connect(settings)
    if not es.indices.exists_alias(name=settings.index_alias):
        return []
    es.indices.refresh(index=settings.index_alias)
    hits = es.search(index=settings.index_alias, query={"match_all": {}}, size=10_000, source=False)["hits"]["hits"]
    return [h["_id"] for h in hits]


def indexed_count(settings: Settings) -> int:
    try:
        return len(indexed_ids(settings))
    except Exception:  # the node is down or starting: nothing countable yet
        return -1


# --- figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one fault did to the stream, as the README's reliability section reports it."""

    fault: str
    sent: int
    indexed: int
    lost: int
    duplicated: int  # extra copies on the topic the fault's hop writes (never in the index)
    dead_lettered: int
    recovery_s: list[float] = field(default_factory=list)
    notes: str = ""


def record_figures(figures: Figures, stack: FaultStack) -> None:
    """Keep the figures beside the fault stack (``fault-figures.jsonl``) and in the test log."""
    path = stack.stack.stack_dir / "fault-figures.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(figures) | {"at": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    print(f"FAULT FIGURES {json.dumps(asdict(figures))}")
    FIGURES.append(figures)


#: Every test's figures, for the summary at the end of the session.
FIGURES: list[Figures] = []


def iter_lines(path: Path) -> Iterator[str]:
    if path.exists():
        yield from path.read_text(encoding="utf-8", errors="replace").splitlines()
