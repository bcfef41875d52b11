"""The fault stack: a Kafka and an Elasticsearch of their own, started early and stopped at the end.

Starting two engines takes most of a minute, so as soon as the session knows it will run
fault tests it starts the fault stack in the background and moves the fault tests to the
end of the session (the stack comes up while everything else runs); the ``fault_stack``
fixture waits for it. A stack that was already running (started by
hand on the same ports and directory) is used and left running.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.stack import Stack
from tests.integration.faults.engines import FIGURES, FaultStack, fault_stack_settings

HERE = Path(__file__).resolve().parent


class _Start:
    """The fault stack being brought up in a background thread."""

    def __init__(self) -> None:
        self.stack = Stack(fault_stack_settings())
        self.started_here = not self.stack.status().running
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._up, name="fault-stack-up", daemon=True)
        self.thread.start()

    def _up(self) -> None:
        try:
            self.stack.up(timeout=300)
        except BaseException as exc:
            self.error = exc


_START: _Start | None = None


def _is_fault_test(item: pytest.Item) -> bool:
    return Path(str(item.path)).is_relative_to(HERE)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # Fault tests last: their stack then starts while everything else runs.
    items[:] = [i for i in items if not _is_fault_test(i)] + [i for i in items if _is_fault_test(i)]


def pytest_collection_finish(session: pytest.Session) -> None:
    global _START
    if session.config.option.collectonly:
        return
    if _START is None and any(_is_fault_test(item) for item in session.items):
        _START = _Start()


@pytest.fixture(scope="module")
def fault_stack() -> Iterator[FaultStack]:
    global _START
    start = _START or _Start()
    _START = None
    start.thread.join()
    if start.error is not None:
        raise start.error
    try:
        yield FaultStack(start.stack)
    finally:
        if start.started_here:
            start.stack.down()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault figures")
    header = f"{'fault':<44} {'sent':>5} {'indexed':>7} {'lost':>4} {'dup':>4} {'dead':>4}  recovery (s)"
    terminalreporter.write_line(header)
    for f in FIGURES:
        recovery = ", ".join(f"{s:.1f}" for s in f.recovery_s) or "-"
        terminalreporter.write_line(
            f"{f.fault:<44} {f.sent:>5} {f.indexed:>7} {f.lost:>4} {f.duplicated:>4} {f.dead_lettered:>4}  {recovery}"
        )
