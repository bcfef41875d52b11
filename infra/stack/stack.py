"""The :class:`Stack`: both engines brought up, reported on and stopped together."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Collection
from pathlib import Path
from typing import Literal

from infra.stack.config import check_heap
from infra.stack.downloads import fetch_elasticsearch, fetch_kafka
from infra.stack.elasticsearch_node import ElasticsearchNode
from infra.stack.errors import ModeMismatchError, NoStackError, PortInUseError, StackError
from infra.stack.kafka_node import KafkaNode
from infra.stack.processes import Children, file_lock, port_holder, port_open, wait_until
from infra.stack.security import Credentials
from infra.stack.status import StackStatus
from pantau.config import Settings

logger = logging.getLogger(__name__)

Engine = Literal["kafka", "elasticsearch"]


class Stack:
    """A single-node Kafka (KRaft) and Elasticsearch on loopback, fetched and run from the caches.

    ``up`` is idempotent (a running stack is reused), ``down`` stops both cleanly, ``status``
    reports pids, addresses and log paths. Ports, versions, heaps and whether Elasticsearch
    runs with security (``stack_secure``) come from ``settings``. ``engines`` limits what
    ``up`` starts (a test that needs only a secured Elasticsearch starts no Kafka);
    ``down`` stops whatever runs in the stack dir.
    """

    def __init__(self, settings: Settings, engines: Collection[Engine] = ("kafka", "elasticsearch")) -> None:
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
            self.stack_dir,
            settings.stack_elasticsearch_port,
            settings.stack_elasticsearch_version,
            self._children,
            secure=settings.stack_secure,
        )
        # Elasticsearch first: it is the slower of the two to come up.
        self._managed: list[KafkaNode | ElasticsearchNode] = [
            node for node in (self.elasticsearch, self.kafka) if node.role in engines
        ]

    @property
    def kafka_bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return self.kafka.bootstrap

    @property
    def elasticsearch_url(self) -> str:
        """Base URL for the Elasticsearch client (https with ``stack_secure``)."""
        return self.elasticsearch.url

    def elasticsearch_credentials(self) -> Credentials | None:
        """With ``stack_secure``: URL, user, password and CA path written by ``up``, else ``None``."""
        return self.elasticsearch.credentials() if self.elasticsearch.secure else None

    def status(self) -> StackStatus:
        """Whether each engine's process is alive and its port answers, with pids, addresses and logs."""
        return StackStatus(
            kafka=self.kafka.status(),
            elasticsearch=self.elasticsearch.status(),
            stack_dir=self.stack_dir,
            notes=tuple(self.elasticsearch.notes()),
        )

    def up(self, timeout: float = 180.0) -> StackStatus:
        """Fetch (cached), start whatever is not running, and wait until the engines answer.

        ``timeout`` bounds the wait for readiness after the processes are launched; the
        first-time download is not counted in it. Raises :class:`StackError` with the tail of
        the relevant log when an engine dies during start-up or does not answer in time; the
        processes this call started are then stopped again (their logs are kept). A port held
        by someone else is a :class:`PortInUseError`; a running Elasticsearch whose security
        differs from ``stack_secure`` is a :class:`ModeMismatchError`.
        """
        kafka_heap = check_heap(self.settings.stack_kafka_heap, "stack_kafka_heap")
        es_heap = check_heap(self.settings.stack_elasticsearch_heap, "stack_elasticsearch_heap")
        self.stack_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.stack_dir / ".stack.lock"):
            states = {node.role: node.status() for node in self._managed}
            es_state = states.get(self.elasticsearch.role)
            running_secure = self.elasticsearch.running_secure()
            if es_state is not None and es_state.process_alive and running_secure != self.elasticsearch.secure:
                raise ModeMismatchError(es_state.address, bool(running_secure))
            if all(state.running for state in states.values()):
                logger.info("stack already running", extra={role: state.pid for role, state in states.items()})
                return self.status()
            needed = [node for node in self._managed if not states[node.role].process_alive]
            self._check_ports_free(needed)
            sources = {node.role: self._fetch(node) for node in needed}

            launched = time.monotonic()
            try:
                for node in needed:
                    if isinstance(node, ElasticsearchNode):
                        node.start(sources[node.role], es_heap)
                    else:
                        node.start(sources[node.role], kafka_heap)
                self._wait_ready(launched + timeout)
            except BaseException:
                self._abort_start(needed)
                raise
            logger.info(
                "stack ready",
                extra={"engines": ",".join(states), "seconds": round(time.monotonic() - launched, 1)},
            )
            return self.status()

    def _fetch(self, node: KafkaNode | ElasticsearchNode) -> Path:
        if isinstance(node, ElasticsearchNode):
            return fetch_elasticsearch(self.cache_dir, self.settings.stack_elasticsearch_version)
        return fetch_kafka(self.cache_dir, self.settings.stack_kafka_version)

    def _abort_start(self, started: list[KafkaNode | ElasticsearchNode]) -> None:
        """After a failed start, stop what this call launched so no half-started engine lingers."""
        targets = [target for node in started for target in node.targets()]
        if targets:
            logger.warning("start failed; stopping what it started", extra={"targets": [t.role for t in targets]})
            self._children.terminate(targets, timeout=30.0)
        if self.elasticsearch in started:
            # The server may have written its pid file only while we were stopping the launcher.
            self._children.terminate(self.elasticsearch.targets(), timeout=30.0)
        for node in started:
            node.forget_pidfiles()

    def _check_ports_free(self, needed: list[KafkaNode | ElasticsearchNode]) -> None:
        for node in needed:
            for setting, port in node.ports():
                if port_open(port):
                    raise PortInUseError(setting, port, port_holder(port))

    def _wait_ready(self, deadline: float) -> None:
        """Poll the engines until each answers; raise with their logs at ``deadline``."""
        started = time.monotonic()
        pending = list(self._managed)

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

    def down(self, timeout: float = 60.0, wipe: bool = False) -> list[str]:
        """Stop both engines (SIGTERM, wait, then SIGKILL) and remove their pid files; the engines stopped.

        Data is kept for the next ``up`` unless ``wipe`` is true, which also deletes the
        Kafka log dirs and the Elasticsearch data. A directory where no stack was ever
        started is a :class:`NoStackError` (likely a wrong ``stack_dir``).
        """
        if not (self.run_dir.is_dir() or (self.stack_dir / ".stack.lock").is_file()):
            raise NoStackError(self.stack_dir)
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
        return [target.role for target in targets]
