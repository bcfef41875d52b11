"""The :class:`Stack`: both engines brought up, reported on and stopped together."""

from __future__ import annotations

import logging
import shutil
import time

from infra.stack.config import check_heap
from infra.stack.downloads import fetch_elasticsearch, fetch_kafka
from infra.stack.elasticsearch_node import ElasticsearchNode
from infra.stack.errors import StackError
from infra.stack.kafka_node import KafkaNode
from infra.stack.processes import Children, file_lock, port_open, wait_until
from infra.stack.status import StackStatus
from pantau.config import Settings

logger = logging.getLogger(__name__)


class Stack:
    """A single-node Kafka (KRaft) and Elasticsearch on loopback, fetched and run from the caches.

    ``up`` is idempotent (a running stack is reused), ``down`` stops both cleanly, ``status``
    reports pids, addresses and log paths. Ports, versions and heaps come from ``settings``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack_dir = settings.stack_dir.expanduser().resolve()
        self.cache_dir = settings.cache_dir.expanduser().resolve()
        self.run_dir = self.stack_dir / "run"
        # Processes this object started, by role; polling them reaps them (no zombies).
        self._children = Children()
        self.kafka = KafkaNode(
            self.stack_dir, settings.stack_kafka_port, settings.stack_kafka_controller_port, self._children
        )
        self.elasticsearch = ElasticsearchNode(
            self.stack_dir, settings.stack_elasticsearch_port, settings.stack_elasticsearch_version, self._children
        )

    @property
    def kafka_bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return self.kafka.bootstrap

    @property
    def elasticsearch_url(self) -> str:
        """Base URL for the Elasticsearch client."""
        return self.elasticsearch.url

    def status(self) -> StackStatus:
        """Whether each engine's process is alive and its port answers, with pids, addresses and logs."""
        return StackStatus(
            kafka=self.kafka.status(),
            elasticsearch=self.elasticsearch.status(),
            stack_dir=self.stack_dir,
            notes=tuple(self.elasticsearch.notes()),
        )

    def up(self, timeout: float = 180.0) -> StackStatus:
        """Fetch (cached), start whatever is not running, and wait until both engines answer.

        ``timeout`` bounds the wait for readiness after the processes are launched; the
        first-time download is not counted in it. Raises :class:`StackError` with the tail of
        the relevant log when an engine dies during start-up or does not answer in time; the
        processes this call started are then stopped again (their logs are kept).
        """
        kafka_heap = check_heap(self.settings.stack_kafka_heap, "stack_kafka_heap")
        es_heap = check_heap(self.settings.stack_elasticsearch_heap, "stack_elasticsearch_heap")
        self.stack_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.stack_dir / ".stack.lock"):
            current = self.status()
            if current.running:
                logger.info(
                    "stack already running",
                    extra={"kafka_pid": current.kafka.pid, "elasticsearch_pid": current.elasticsearch.pid},
                )
                return current
            kafka_needed = not current.kafka.process_alive
            es_needed = not current.elasticsearch.process_alive
            self._check_ports_free(kafka_needed, es_needed)

            libs = fetch_kafka(self.cache_dir, self.settings.stack_kafka_version) if kafka_needed else None
            es_zip = None
            if es_needed:
                es_zip = fetch_elasticsearch(self.cache_dir, self.settings.stack_elasticsearch_version)

            launched = time.monotonic()
            try:
                # Elasticsearch first: it is the slower of the two to come up.
                if es_zip is not None:
                    self.elasticsearch.start(es_zip, es_heap)
                if libs is not None:
                    self.kafka.start(libs, kafka_heap)
                self._wait_ready(launched + timeout)
            except BaseException:
                self._abort_start(kafka_needed, es_needed)
                raise
            logger.info(
                "stack ready",
                extra={
                    "kafka": self.kafka_bootstrap,
                    "elasticsearch": self.elasticsearch_url,
                    "seconds": round(time.monotonic() - launched, 1),
                },
            )
            return self.status()

    def _abort_start(self, kafka_started: bool, es_started: bool) -> None:
        """After a failed start, stop what this call launched so no half-started engine lingers."""
        started = [node for node, flag in ((self.elasticsearch, es_started), (self.kafka, kafka_started)) if flag]
        targets = [target for node in started for target in node.targets()]
        if targets:
            logger.warning(
                "start failed; stopping what this call started", extra={"targets": [t.role for t in targets]}
            )
            self._children.terminate(targets, timeout=30.0)
        if es_started:
            # The server may have written its pid file only while we were stopping the launcher.
            self._children.terminate(self.elasticsearch.targets(), timeout=30.0)
        for node in started:
            node.forget_pidfiles()

    def _check_ports_free(self, kafka_needed: bool, es_needed: bool) -> None:
        wanted = []
        if kafka_needed:
            wanted += self.kafka.ports()
        if es_needed:
            wanted += self.elasticsearch.ports()
        busy = [f"{name}={port}" for name, port in wanted if port_open(port)]
        if busy:
            raise StackError(
                "port(s) already in use by a process this stack did not start: "
                + ", ".join(busy)
                + ". Stop that process or choose other ports (PANTAU_STACK_*_PORT)."
            )

    def _wait_ready(self, deadline: float) -> None:
        """Poll both engines until each answers; raise with their logs at ``deadline``."""
        started = time.monotonic()
        pending: list[KafkaNode | ElasticsearchNode] = [self.elasticsearch, self.kafka]

        def all_ready() -> bool:
            for node in list(pending):
                if node.ready():
                    pending.remove(node)
                    logger.info(
                        "engine ready", extra={"engine": node.role, "seconds": round(time.monotonic() - started, 1)}
                    )
            return not pending

        if not wait_until(all_ready, deadline - time.monotonic(), 0.5):
            raise StackError("stack not ready before the timeout\n" + "\n".join(n.not_ready_text() for n in pending))

    def down(self, timeout: float = 60.0, wipe: bool = False) -> None:
        """Stop both engines (SIGTERM, wait, then SIGKILL) and remove their pid files.

        Data is kept for the next ``up`` unless ``wipe`` is true, which also deletes the
        Kafka log dirs and the Elasticsearch data.
        """
        if not self.stack_dir.exists():
            return
        with file_lock(self.stack_dir / ".stack.lock"):
            nodes = (self.elasticsearch, self.kafka)
            targets = [target for node in nodes for target in node.targets()]
            if not targets:
                logger.info("stack not running", extra={"stack_dir": self.stack_dir})
            # Both at once: Kafka's controlled shutdown and Elasticsearch's take a few seconds each.
            self._children.terminate(targets, timeout)
            for node in nodes:
                node.forget_pidfiles()
            if wipe:
                for path in (p for node in nodes for p in node.data_paths()):
                    logger.info("wiping data", extra={"path": path})
                    shutil.rmtree(path, ignore_errors=True)
