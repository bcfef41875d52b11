"""Readiness probes: does an engine answer the way its clients will use it?

An open port is not enough: Kafka must have a registered, unfenced broker and
Elasticsearch a cluster at least yellow. Each probe is one bounded attempt; the caller
polls them against a deadline.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from pydantic import SecretStr


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    # kafka-python logs every refused connection at ERROR; while polling that is expected noise.
    target = logging.getLogger(name)
    previous = target.level
    target.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        target.setLevel(previous)


def kafka_answers(bootstrap: str) -> bool:
    """The broker answers admin requests and is registered and unfenced."""
    # Local imports: only the stack's readiness probe needs the admin client.
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaConfigurationError, KafkaError

    with _quiet_logger("kafka"):
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                client_id="pantau-stack-probe",
                request_timeout_ms=5000,
                bootstrap_timeout_ms=5000,
            )
        except KafkaConfigurationError:
            raise
        except (KafkaError, OSError):
            return False
        try:
            cluster = admin.describe_cluster()
        except (KafkaError, OSError):
            return False
        finally:
            with contextlib.suppress(Exception):
                admin.close()
    brokers = cluster.get("brokers") or []
    return any(not broker.get("is_fenced", False) for broker in brokers)


def elasticsearch_answers(
    url: str, ca_certs: Path | None = None, username: str | None = None, password: SecretStr | None = None
) -> bool:
    """The node answers cluster health with at least yellow within a second.

    A secured node is asked over TLS checked against ``ca_certs``, as ``username``; a refused
    login counts as not ready (the security index may still be coming up).
    """
    request = urllib.request.Request(f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s")
    if username is not None and password is not None:
        token = base64.b64encode(f"{username}:{password.get_secret_value()}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    context = ssl.create_default_context(cafile=str(ca_certs)) if ca_certs is not None else None
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
