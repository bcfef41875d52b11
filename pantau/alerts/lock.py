"""One sender per outbox: an advisory lock beside the SQLite file.

Two processes dispatching from the same outbox would both pick the same due delivery;
the alert consumer and ``pantau alerts deliver`` hold this lock while they run. The
operating system drops it when the holder dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class OutboxBusy(Exception):
    """Another process holds the outbox."""


class OutboxLock:
    def __init__(self, outbox: Path) -> None:
        self.path = outbox.with_name(outbox.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise OutboxBusy(f"another process (pid {holder}) is sending from {self.path.with_suffix('')}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutboxLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
