"""The local stack: a real single-node Apache Kafka and Elasticsearch, fetched and run by Pantau.

``pantau stack up|down|status`` and the test suite's session fixture use :class:`Stack`.
Nothing here needs Docker: Kafka's jars and the Elasticsearch zip come from Maven Central
through ``mvn`` and are cached under ``settings.cache_dir`` (:mod:`.downloads`). Data,
configuration, pid files and logs live under ``settings.stack_dir``.

Modules: :mod:`.config` renders the engines' configuration, :mod:`.java` chooses a Java
runtime per engine, :mod:`.users` handles the unprivileged user Elasticsearch needs when
Pantau runs as root, :mod:`.processes` launches, signals and locks, :mod:`.probes` tells
when an engine answers, :mod:`.kafka_node` and :mod:`.elasticsearch_node` run one engine
each, :mod:`.security` makes the certificates and password of a secured Elasticsearch,
:mod:`.status` reports, and :mod:`.stack` drives both engines. Failures are
:class:`StackError` (:mod:`.errors`), one subclass per case a command answers differently.
"""

from infra.stack.errors import ModeMismatchError, NoStackError, PortInUseError, StackError
from infra.stack.security import Credentials
from infra.stack.stack import Stack
from infra.stack.status import ServiceStatus, StackStatus, render_status

__all__ = [
    "Credentials",
    "ModeMismatchError",
    "NoStackError",
    "PortInUseError",
    "ServiceStatus",
    "Stack",
    "StackError",
    "StackStatus",
    "render_status",
]
