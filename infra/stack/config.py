"""Configuration the stack writes for its engines: Kafka's properties, elasticsearch.yml, JVM options.

Pure functions of their arguments, rendered at every start (edits to the written files are
overwritten), so a changed port or path in the settings always reaches the engines.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

from infra.stack.errors import StackError

HOST = "127.0.0.1"
_HEAP_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]$")
_WRITTEN_BY = "# Written by pantau (infra/stack) at every start; edits here are overwritten."


def render_kafka_properties(*, port: int, controller_port: int, data_dir: Path, node_id: int = 1) -> str:
    """``server.properties`` for one combined KRaft broker+controller bound to loopback."""
    lines = [
        _WRITTEN_BY,
        "process.roles=broker,controller",
        f"node.id={node_id}",
        # A dynamic quorum formatted with --standalone: this node is the only voter. Its
        # controller address is written into the data at format time, so a changed
        # controller port needs `pantau stack down --wipe`.
        f"controller.quorum.bootstrap.servers={HOST}:{controller_port}",
        f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        f"log.dirs={data_dir}",
        # Topics are declared as code; a typo in a topic name must fail, not create a topic.
        "auto.create.topics.enable=false",
        "num.partitions=1",
        "default.replication.factor=1",
        "min.insync.replicas=1",
        "offsets.topic.replication.factor=1",
        # Fewer internal partitions than the default 50: the first consumer group on a fresh
        # single node comes up faster on two cores.
        "offsets.topic.num.partitions=8",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        # No reason to wait for more members on a developer machine or in tests.
        "group.initial.rebalance.delay.ms=0",
        "num.network.threads=2",
        "num.io.threads=4",
        "log.retention.hours=168",
    ]
    return "\n".join(lines) + "\n"


def render_elasticsearch_yml(*, http_port: int, data_dir: Path, logs_dir: Path, certs_dir: str | None = None) -> str:
    """``elasticsearch.yml`` for one loopback-only node.

    Without ``certs_dir`` security is off (a local, throwaway stack). With it, security is on
    and HTTP is TLS with ``node.crt``/``node.key``/``ca.crt`` from that folder (relative to the
    config dir); the transport layer stays plain, which a single loopback node may do.
    """
    # Transport binds to loopback too; a range, so a second stack or a stray node does not collide.
    transport = f"{http_port + 100}-{http_port + 199}" if http_port + 199 <= 65535 else "9300-9399"
    settings: list[tuple[str, str]] = [
        ("cluster.name", "pantau"),
        ("node.name", "pantau-1"),
        ("network.host", HOST),
        ("http.port", str(http_port)),
        ("transport.port", transport),
        ("discovery.type", "single-node"),
        # Explicit either way: the zip's defaults would otherwise auto-configure TLS and passwords.
        ("xpack.security.enabled", "false" if certs_dir is None else "true"),
        ("path.data", json.dumps(str(data_dir))),
        ("path.logs", json.dumps(str(logs_dir))),
        # A nearly full developer disk must not turn indices read-only in the middle of a test.
        ("cluster.routing.allocation.disk.threshold_enabled", "false"),
        # Tests clean up with wildcard index deletes on this throwaway node.
        ("action.destructive_requires_name", "false"),
    ]
    if certs_dir is not None:
        settings += [
            ("xpack.security.http.ssl.enabled", "true"),
            ("xpack.security.http.ssl.certificate", json.dumps(f"{certs_dir}/node.crt")),
            ("xpack.security.http.ssl.key", json.dumps(f"{certs_dir}/node.key")),
            ("xpack.security.http.ssl.certificate_authorities", json.dumps([f"{certs_dir}/ca.crt"])),
            ("xpack.security.transport.ssl.enabled", "false"),
        ]
    return _WRITTEN_BY + "\n" + "".join(f"{key}: {value}\n" for key, value in settings)


def adapt_jvm_options(text: str, available_modules: frozenset[str]) -> str:
    """Comment out jvm.options lines that add a module the chosen runtime does not have."""
    out = []
    for line in text.splitlines():
        match = re.search(r"--add-modules=([\w.]+)", line)
        if match and not line.lstrip().startswith("#") and match.group(1) not in available_modules:
            line = f"# pantau: runtime lacks {match.group(1)}: {line}"
        out.append(line)
    return "\n".join(out) + "\n"


def check_heap(value: str, setting: str) -> str:
    """Validate a JVM heap size such as ``512m``; the error names the setting."""
    if not _HEAP_RE.match(value):
        raise StackError(f"{setting}={value!r} is not a JVM heap size like 512m or 1g")
    return value


def new_kafka_cluster_id(raw: bytes | None = None) -> str:
    """A KRaft cluster id: 16 random bytes in unpadded URL-safe base64, as Kafka's own tool makes them."""
    while True:
        data = raw if raw is not None else uuid.uuid4().bytes
        text = base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
        # Kafka rejects ids that start with '-' (they read as command-line flags).
        if not text.startswith("-") or raw is not None:
            return text
