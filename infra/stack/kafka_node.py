"""The stack's Kafka: one KRaft broker+controller on loopback, run from the cached jars."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from infra.stack.config import HOST, new_kafka_cluster_id, render_kafka_properties
from infra.stack.errors import StackError
from infra.stack.java import KAFKA_MIN_JAVA, pick_java
from infra.stack.probes import kafka_answers
from infra.stack.processes import Children, Target, launch, port_open, read_pid, run_logged, tail_text
from infra.stack.status import ServiceStatus

logger = logging.getLogger(__name__)

KAFKA_MARKER = "kafka.Kafka"
KAFKA_LOG4J2 = Path(__file__).resolve().parent.parent / "kafka" / "log4j2.properties"


class KafkaNode:
    """Kafka's files under ``<stack_dir>/kafka``, its pid file, log, start and readiness."""

    role = "kafka"

    def __init__(self, stack_dir: Path, port: int, controller_port: int, children: Children) -> None:
        self.port = port
        self.controller_port = controller_port
        self.dir = stack_dir / "kafka"
        self.data = self.dir / "data"
        self.log = stack_dir / "logs" / "kafka.log"
        self.pidfile = stack_dir / "run" / "kafka.pid"
        self._children = children

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{HOST}:{self.port}"

    def ports(self) -> list[tuple[str, int]]:
        """The ports this engine listens on, by the setting that chooses them."""
        return [("stack_kafka_port", self.port), ("stack_kafka_controller_port", self.controller_port)]

    def pid(self) -> int | None:
        """The broker's pid while it runs, else ``None`` (a stale pid file counts as stopped)."""
        pid = read_pid(self.pidfile)
        return pid if pid is not None and self._children.alive(self.role, pid, KAFKA_MARKER) else None

    def targets(self) -> list[Target]:
        """What to signal to stop this engine."""
        pid = self.pid()
        return [] if pid is None else [Target(self.role, pid, KAFKA_MARKER)]

    def status(self) -> ServiceStatus:
        return ServiceStatus.observe(self.role, self.pid(), self.port, self.bootstrap, self.log)

    def start(self, libs: Path, heap: str) -> None:
        """Write the properties, format the storage on first start, and launch the broker."""
        java = pick_java("kafka", KAFKA_MIN_JAVA, ())
        for path in (self.data, self.log.parent, self.pidfile.parent):
            path.mkdir(parents=True, exist_ok=True)
        props = self.dir / "server.properties"
        props.write_text(
            render_kafka_properties(port=self.port, controller_port=self.controller_port, data_dir=self.data)
        )
        classpath = str(libs / "*")
        log4j = f"-Dlog4j2.configurationFile={KAFKA_LOG4J2}"
        if not (self.data / "meta.properties").exists():
            cluster_id = new_kafka_cluster_id()
            logger.info("formatting kafka storage", extra={"cluster_id": cluster_id, "dir": self.data})
            tool = [str(java.java), "-Xmx256m", log4j, "-cp", classpath, "kafka.tools.StorageTool"]
            run_logged(
                [*tool, "format", "--standalone", "-t", cluster_id, "-c", str(props)],
                self.log.parent / "kafka-format.log",
                cwd=self.dir,
            )
        cmd = [
            str(java.java),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            log4j,
            "-cp",
            classpath,
            "kafka.Kafka",
            str(props),
        ]
        if java.major >= 23:
            # Kafka's buffer unmapper uses sun.misc.Unsafe; newer JVMs warn at every start without this.
            cmd.insert(1, "--sun-misc-unsafe-memory-access=allow")
        env = {k: v for k, v in os.environ.items() if k not in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")}
        proc = launch("kafka", cmd, cwd=self.dir, env=env, log_path=self.log)
        self.pidfile.write_text(f"{proc.pid}\n")
        self._children.add(self.role, proc)
        logger.info(
            "kafka started",
            extra={
                "pid": proc.pid,
                "port": self.port,
                "controller_port": self.controller_port,
                "heap": heap,
                "java": java.home,
                "log": self.log,
            },
        )

    def ready(self) -> bool:
        """Whether the broker answers; raises when its process has died."""
        if self.pid() is None:
            raise StackError(f"kafka exited during start-up\nlast lines of {self.log}:\n{tail_text(self.log)}")
        return port_open(self.port) and kafka_answers(self.bootstrap)

    def not_ready_text(self) -> str:
        return f"kafka did not answer on {self.bootstrap}\n{tail_text(self.log)}"

    def forget_pidfiles(self) -> None:
        self.pidfile.unlink(missing_ok=True)

    def data_paths(self) -> list[Path]:
        """What ``down --wipe`` deletes."""
        return [self.data]
