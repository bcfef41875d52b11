"""The engines as operating-system processes: launching, pid files, signals, locks, ports, logs.

Engines are started in their own session (so Ctrl-C in the terminal that ran ``pantau
stack up`` does not reach them) with their output appended to a log that marks each start
with a banner; a pid is trusted only while ``/proc`` says it still runs the engine.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import psutil
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from infra.stack.config import HOST
from infra.stack.errors import StackError
from pantau.processes import pid_alive

logger = logging.getLogger(__name__)

TAIL_LINES = 30
BANNER_PREFIX = "==== pantau: starting "


def port_open(port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on loopback ``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_holder(port: int) -> str | None:
    """Who listens on TCP ``port``, as ``pid N (name)``, when the system tells us (else ``None``)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None


def wait_until(condition: Callable[[], bool], timeout: float, interval: float) -> bool:
    """Poll ``condition`` every ``interval`` seconds until it holds or ``timeout`` passes; whether it held."""
    retrying = Retrying(
        stop=stop_after_delay(max(0.0, timeout)),
        wait=wait_fixed(interval),
        retry=retry_if_result(lambda held: not held),
        retry_error_callback=lambda _state: False,
    )
    return bool(retrying(condition))


def pid_runs(pid: int, marker: str) -> bool:
    """Alive and (where /proc tells) really the program we started, not a recycled pid."""
    if not pid_alive(pid):
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


def read_pid(path: Path) -> int | None:
    """The pid in a pid file, or ``None`` when the file is missing or holds no number."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def run_logged(cmd: Sequence[str], log_path: Path, cwd: Path, env: Mapping[str, str] | None = None) -> None:
    """Run a tool to completion with its output in ``log_path``; a failure quotes the log's tail."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        result = subprocess.run(
            list(cmd), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=dict(env) if env else None
        )
    if result.returncode != 0:
        raise StackError(
            f"command failed rc={result.returncode}: {' '.join(cmd)}\nlast lines of {log_path}:\n" + tail_text(log_path)
        )


def launch(name: str, cmd: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start a long-running engine process in its own session, its output appended to ``log_path``."""
    with log_path.open("ab") as log:
        # Marks each start in the appended log, so a tail shows where this attempt began.
        log.write(f"\n{BANNER_PREFIX}{name} at {time.strftime('%Y-%m-%dT%H:%M:%S')} ====\n".encode())
        log.flush()
        return subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            # Own session: Ctrl-C in the terminal that ran `pantau stack up` must not kill it.
            start_new_session=True,
        )


class Target(NamedTuple):
    """A process to stop: its role in the stack, pid, and a string its command line must contain."""

    role: str
    pid: int
    marker: str


class Children:
    """Processes this stack object started, by role; polling them reaps them (no zombies)."""

    def __init__(self) -> None:
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    def add(self, role: str, proc: subprocess.Popen[bytes]) -> None:
        self._procs[role] = proc

    def get(self, role: str) -> subprocess.Popen[bytes] | None:
        return self._procs.get(role)

    def forget(self, role: str) -> None:
        self._procs.pop(role, None)

    def __contains__(self, role: str) -> bool:
        return role in self._procs

    def alive(self, role: str, pid: int, marker: str) -> bool:
        """Whether ``pid`` still runs the engine; our own child is polled, which reaps it if it died."""
        child = self._procs.get(role)
        if child is not None and child.pid == pid:
            return child.poll() is None
        return pid_runs(pid, marker)

    def terminate(self, targets: Sequence[Target], timeout: float) -> None:
        """SIGTERM all targets at once, wait for each, SIGKILL what outlives ``timeout``."""
        for target in targets:
            logger.info("stopping", extra={"engine": target.role, "pid": target.pid, "signal": "SIGTERM"})
            _signal(target.pid, signal.SIGTERM)
        started = time.monotonic()
        deadline = started + timeout
        for target in targets:

            def gone(t: Target = target) -> bool:
                return not self.alive(*t)

            if not wait_until(gone, deadline - time.monotonic(), 0.2):
                logger.warning(
                    "outlived SIGTERM; sending SIGKILL",
                    extra={"engine": target.role, "pid": target.pid, "timeout": timeout},
                )
                _signal(target.pid, signal.SIGKILL)
                wait_until(gone, 10.0, 0.1)
            self.forget(target.role)
            logger.info(
                "stopped",
                extra={"engine": target.role, "pid": target.pid, "seconds": round(time.monotonic() - started, 1)},
            )
