"""A local spool for records Kafka could not take, replayed when it is back.

Append-only JSON lines in ``pending.jsonl``, one record per line, flushed per record and
fsynced by :meth:`Spool.sync` (the Kafka crawl calls it before committing crawl marks) and
on close. Several processes may share the folder (a crawl and ``pantau spool
replay``, two crawls): appends and the hand-over to a replay take an exclusive ``flock``
on ``.lock``, an appender whose file was moved aside reopens the new one, and only one
process replays at a time (``.replay.lock``, not waited for).

A replay first moves ``pending.jsonl`` aside as ``replaying-<ns>.jsonl``, so records
spooled meanwhile are never lost or sent twice by us. What the sender could not deliver
goes back into the spool, and the file is removed, so one record that can never be sent
cannot block the others (Kafka keys and Elasticsearch ids make a repeat harmless anyway).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpooledRecord:
    topic: str
    key: str
    value: str


#: Hands records to Kafka; returns those it could not deliver (``None``: all delivered).
#: Raising keeps the whole file for the next replay.
Sender = Callable[[list[SpooledRecord]], "list[SpooledRecord] | None"]


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._file: IO[str] | None = None
        self.appended = 0
        self._unsynced = False

    @property
    def path(self) -> Path:
        return self.directory / "pending.jsonl"

    @property
    def unreadable_path(self) -> Path:
        """Lines that could not be read back (a crash mid-write): kept for a person, never replayed."""
        return self.directory / "unreadable.jsonl"

    @contextlib.contextmanager
    def _locked(self, name: str = ".lock", wait: bool = True) -> Iterator[bool]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / name).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _current(self) -> IO[str]:
        """The open ``pending.jsonl``, reopened if a replay moved the one we had aside."""
        if self._file is not None:
            try:
                moved = os.fstat(self._file.fileno()).st_ino != os.stat(self.path).st_ino
            except FileNotFoundError:
                moved = True
            if moved:
                self._file.close()
                self._file = None
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        return self._file

    def append(self, record: SpooledRecord) -> None:
        self.extend([record])

    def extend(self, records: list[SpooledRecord]) -> None:
        if not records:
            return
        lines = "".join(
            json.dumps({"topic": r.topic, "key": r.key, "value": r.value}, ensure_ascii=False) + "\n" for r in records
        )
        with self._locked():
            handle = self._current()
            handle.write(lines)
            handle.flush()
        self.appended += len(records)
        self._unsynced = True

    def sync(self) -> None:
        """Make what this process appended survive a power cut: fsync the file and its folder entry.

        A no-op when nothing was appended since the last sync (the usual case: Kafka took everything).
        """
        if not self._unsynced:
            return
        if self._file is not None:
            os.fsync(self._file.fileno())
        # A newly created pending.jsonl (or one a replay moved aside) is only durable once its folder is.
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self._unsynced = False

    def close(self) -> None:
        self.sync()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _files(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return [p for p in [self.path, *sorted(self.directory.glob("replaying-*.jsonl"))] if p.exists()]

    def pending(self) -> int:
        """Records waiting in the spool (including a replay that was interrupted)."""
        total = 0
        for path in self._files():
            with path.open(encoding="utf-8") as handle:
                total += sum(1 for line in handle if line.strip())
        return total

    def _read(self, path: Path) -> list[SpooledRecord]:
        records = []
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    records.append(SpooledRecord(data["topic"], data["key"], data["value"]))
                except (ValueError, KeyError, TypeError):
                    logger.error("unreadable spool line kept aside", extra={"file": path.name, "line": number})
                    with self.unreadable_path.open("a", encoding="utf-8") as bad:
                        bad.write(line if line.endswith("\n") else line + "\n")
        return records

    def replay(self, send: Sender) -> int:
        """Hand every spooled record to ``send``; returns how many it delivered.

        Records ``send`` returns as undelivered go back into the spool; if it raises, the
        file being replayed stays for the next replay. If another process is replaying
        this spool right now, nothing is done.
        """
        self.close()
        if not self.path.exists() and not self._files():
            return 0
        delivered = 0
        with self._locked(".replay.lock", wait=False) as mine:
            if not mine:
                logger.info("another process is replaying the spool", extra={"dir": str(self.directory)})
                return 0
            with self._locked():
                if self.path.exists():
                    self.path.rename(self.directory / f"replaying-{time.time_ns()}.jsonl")
            for batch_file in sorted(self.directory.glob("replaying-*.jsonl")):
                records = self._read(batch_file)
                left = send(records) or []
                if left:
                    self.extend(left)
                    self.close()
                batch_file.unlink()
                delivered += len(records) - len(left)
                logger.info("spool replayed", extra={"file": batch_file.name, "delivered": len(records) - len(left)})
                if left:
                    break  # Kafka stopped taking records: the rest waits for the next replay
        return delivered
