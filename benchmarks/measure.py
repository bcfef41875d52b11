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
