"""What every benchmark shares: repeats and their spread, peak memory, progress, the summary line.

The machine is shared and has two cores, so a single timing means little: each benchmark
measures ours and its limit side by side in one run, repeats that, and reports the
median ratio with its range. The last line a benchmark prints is a one-line summary
with the ratio last, so a script (or a person skimming) can read it.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def progress() -> Progress:
    """A progress display on stderr (stdout keeps only the results)."""
    return Progress(
        TextColumn("{task.description:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def pin_to_one_cpu() -> int:
    """Run this process (and threads it starts) on one CPU; returns which."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


@dataclass
class Spread:
    """Repeated measurements of one quantity."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def text(self, digits: int = 0, unit: str = "") -> str:
        """``"412 (398-431)"``: the median and the range of the repeats."""
        fmt = f"{{:,.{digits}f}}"
        if len(self.values) == 1:
            return fmt.format(self.values[0]) + unit
        low, high = min(self.values), max(self.values)
        return f"{fmt.format(self.median)}{unit} ({fmt.format(low)}-{fmt.format(high)})"


def summary(name: str, ours: str, limit: str, ratio: Spread, extra: str = "") -> str:
    """The one-line summary, the ratio last: ``name: ours X; limit Y; ...; ratio 0.91x (0.88-0.95)``."""
    parts = [f"{name}: {ours}", limit]
    if extra:
        parts.append(extra)
    parts.append(f"ratio {ratio.text(2, 'x')}")
    return "; ".join(parts)


class PeakMemory:
    """Peak resident memory of a process and its descendants, sampled every ``interval`` s.

    Sampling can miss a spike shorter than the interval; for our processes (a crawl, a
    consumer) memory grows and stays, so the peak is what the last samples see.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.root = pid
        self.interval = interval
        #: pid -> (label, peak bytes)
        self.peaks: dict[int, tuple[str, int]] = {}
        #: pid -> CPU seconds (user + system) at the last sample
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="peak-memory")

    def _label(self, process: psutil.Process) -> str:
        try:
            cmdline = process.cmdline()
        except psutil.Error:
            return "?"
        words = [w for w in cmdline[1:] if not w.startswith("-")][:3]
        if any("resource_tracker" in w for w in cmdline):
            return "multiprocessing resource tracker"
        if any("multiprocessing" in w for w in cmdline):
            return "writer process"
        return " ".join(os.path.basename(w) for w in words) or os.path.basename(cmdline[0] if cmdline else "?")

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.root)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        for process in processes:
            try:
                rss = process.memory_info().rss
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.cpu[process.pid] = times.user + times.system
            label, peak = self.peaks.get(process.pid, ("", 0))
            if not label:
                label = self._label(process)
            self.peaks[process.pid] = (label, max(peak, rss))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def text(self) -> str:
        """``"crawl 212 MB (CPU 3.1 s), writer process 148 MB (CPU 2.0 s)"``, largest first."""
        rows = sorted(self.peaks.items(), key=lambda item: -item[1][1])
        return ", ".join(
            f"{label} {peak / 2**20:.0f} MB (CPU {self.cpu.get(pid, 0.0):.1f} s)"
            for pid, (label, peak) in rows
            if peak > 2**20
        )

    @property
    def cpu_seconds(self) -> float:
        """CPU time of the sampled processes, as of their last sample."""
        return sum(self.cpu.values())

    @property
    def total(self) -> int:
        return sum(peak for _, peak in self.peaks.values())


@contextmanager
def cpu_seconds() -> Iterator[list[float]]:
    """CPU time (user + system) of this process spent inside the block, as ``[seconds]``."""
    out: list[float] = []
    started = time.process_time()
    yield out
    out.append(time.process_time() - started)


@dataclass
class CpuCensus:
    """Where the machine's CPU went between :meth:`start` and :meth:`stop`, by kind of process.

    The benchmarks run everything (engines, consumers, the page server) on one 2-core
    machine, so "is it CPU-bound, and on what?" is answered by comparing the machine's busy
    time with what each process spent: every process's CPU is read from psutil at both ends
    (a process that started or ended in between counts from its first or up to its last
    sighting), and those given in ``named`` (pid -> label, filled in at any time before the
    report) are reported by label; other ``java`` processes count as "engines (Kafka,
    Elasticsearch)", and the rest as "everything else" (the benchmark itself, the system,
    other work on the machine).
    """

    named: dict[int, str] = field(default_factory=dict)
    _before: dict[int, float] = field(default_factory=dict)
    _after: dict[int, float] = field(default_factory=dict)
    _kinds: dict[int, str] = field(default_factory=dict)
    _machine: list[tuple[float, float]] = field(default_factory=list)

    def _read(self, into: dict[int, float]) -> None:
        for process in psutil.process_iter(["name", "cpu_times"]):
            times = process.info["cpu_times"]
            if times is None:
                continue
            into[process.pid] = times.user + times.system
            if process.pid not in self._kinds:
                java = process.info["name"] == "java"
                self._kinds[process.pid] = "engines (Kafka, Elasticsearch)" if java else "everything else"
        total = psutil.cpu_times()
        self._machine.append((total.user + total.system + total.nice + total.irq + total.softirq, time.monotonic()))

    def start(self) -> None:
        self._read(self._before)

    def stop(self, ended: dict[int, float] | None = None) -> None:
        """End the window; ``ended`` gives the last CPU reading (pid -> seconds) of processes
        that may have exited before this (a crawl's), which :class:`PeakMemory` sampled."""
        self._read(self._after)
        for pid, cpu in (ended or {}).items():
            if pid not in self._after:
                self._after[pid] = cpu
                self._kinds.setdefault(pid, "everything else")

    @property
    def seconds(self) -> float:
        """Wall-clock length of the window."""
        return self._machine[-1][1] - self._machine[0][1]

    def by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process in the window, largest first."""
        spent: dict[str, float] = {}
        for pid, after in self._after.items():
            kind = self.named.get(pid, self._kinds[pid])
            spent[kind] = spent.get(kind, 0.0) + after - self._before.get(pid, 0.0)
        return dict(sorted(spent.items(), key=lambda item: -item[1]))

    def busy(self) -> float:
        """The machine's busy CPU seconds in the window (all cores)."""
        return self._machine[-1][0] - self._machine[0][0]

    def text(self, per: int, unit: str) -> str:
        """A few lines: the machine's busy share of its cores, then each kind's CPU ms per ``unit``."""
        cores = psutil.cpu_count() or 1
        lines = [
            f"  CPU in the timed window ({self.seconds:.1f} s): the machine's {cores} cores "
            f"{self.busy() / (self.seconds * cores):.0%} busy, {self.busy() * 1000 / per:.2f} ms per {unit} in all"
        ]
        lines += [f"    {kind:<40} {cpu * 1000 / per:6.2f} ms per {unit}" for kind, cpu in self.by_kind().items()]
        return "\n".join(lines)
