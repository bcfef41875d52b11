"""What ``pantau stack status`` reports: each engine's process, port, address and log."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from infra.stack.processes import port_open

# ``status`` exit codes, after the LSB convention for init scripts: 0 running, 3 not running.
EXIT_RUNNING = 0
EXIT_NOT_RUNNING = 3


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

    @classmethod
    def observe(cls, name: str, pid: int | None, port: int, address: str, log_path: Path) -> ServiceStatus:
        """The engine as it is now: ``pid`` is its live process (``None`` when it runs none), the port is probed."""
        return cls(name, pid, port, address, pid is not None, port_open(port), log_path)

    @property
    def running(self) -> bool:
        return self.process_alive and self.port_open

    @property
    def state(self) -> str:
        """``running``, ``starting`` (process up, port not yet) or ``stopped``."""
        return "running" if self.running else ("starting" if self.process_alive else "stopped")

    def describe(self) -> str:
        return f"{self.name}: {self.state} pid={self.pid or '-'} address={self.address} log={self.log_path}"


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

    @property
    def exit_code(self) -> int:
        """0 when both engines run, 3 otherwise (one stopped, or still starting)."""
        return EXIT_RUNNING if self.running else EXIT_NOT_RUNNING

    def describe(self) -> str:
        """Plain lines for logs and for output that is not a terminal."""
        lines = [f"stack_dir: {self.stack_dir}", self.kafka.describe(), self.elasticsearch.describe()]
        lines.extend(self.notes)
        return "\n".join(lines)


_STATE_STYLE = {"running": "green", "starting": "yellow", "stopped": "red"}


def _shown(path: Path, stack_dir: Path) -> str:
    # Relative to the stack dir (named under the table) keeps rows narrow enough for a terminal.
    return str(path.relative_to(stack_dir)) if path.is_relative_to(stack_dir) else str(path)


def render_status(status: StackStatus) -> Table:
    """``pantau stack status`` as a table: one row per engine, the stack dir and notes below it."""
    table = Table(
        title="pantau stack",
        caption="\n".join([f"stack dir: {status.stack_dir}", *status.notes]),
        caption_justify="left",
    )
    for column in ("engine", "state", "pid", "address", "log"):
        table.add_column(column, no_wrap=column != "log", overflow="fold")
    for service in (status.kafka, status.elasticsearch):
        style = _STATE_STYLE[service.state]
        table.add_row(
            service.name,
            f"[{style}]{service.state}[/{style}]",
            str(service.pid or "-"),
            service.address,
            _shown(service.log_path, status.stack_dir),
        )
    return table
