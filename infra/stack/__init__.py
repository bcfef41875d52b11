"""The local stack: a real single-node Apache Kafka and Elasticsearch, fetched and run by Pantau.

``pantau stack up|down|status`` and the test suite's session fixture use :class:`Stack`.
Nothing here needs Docker: Kafka's jars and the Elasticsearch zip come from Maven Central
through ``mvn`` and are cached under ``settings.cache_dir`` (:mod:`.downloads`). Data,
configuration, pid files and logs live under ``settings.stack_dir``.

Modules: :mod:`.config` renders the engines' configuration, :mod:`.java` chooses a Java
runtime per engine, :mod:`.users` handles the unprivileged user Elasticsearch needs when
Pantau runs as root, :mod:`.processes` launches, signals and locks, :mod:`.probes` tells
when an engine answers, :mod:`.kafka_node` and :mod:`.elasticsearch_node` run one engine
each, and :mod:`.stack` drives both.
"""

from infra.stack.errors import StackError
from infra.stack.stack import Stack
from infra.stack.status import ServiceStatus, StackStatus

__all__ = ["ServiceStatus", "Stack", "StackError", "StackStatus"]
