"""A local spool for records Kafka could not take, replayed when it is back.

Append-only JSON lines, one record per line, fsynced on close. Replaying moves the file
aside first, so records spooled during a replay are never lost or sent twice by us
(Kafka keys and Elasticsearch ids make a repeat harmless anyway).
"""

from __future__ import annotations

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


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._file: IO[str] | None = None
        self.appended = 0

    @property
    def path(self) -> Path:
        return self.directory / "pending.jsonl"

    def append(self, record: SpooledRecord) -> None:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(
            json.dumps({"topic": record.topic, "key": record.key, "value": record.value}, ensure_ascii=False) + "\n"
        )
        self._file.flush()
        self.appended += 1

    def close(self) -> None:
        if self._file is not None:
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def pending(self) -> int:
        files = [self.path, *self.directory.glob("replaying-*.jsonl")] if self.directory.exists() else []
        return sum(1 for f in files if f.exists() for _ in f.open(encoding="utf-8"))

    def _read(self, path: Path) -> Iterator[SpooledRecord]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    data = json.loads(line)
                    yield SpooledRecord(data["topic"], data["key"], data["value"])

    def replay(self, send: Callable[[list[SpooledRecord]], None]) -> int:
        """Hand every spooled record to ``send`` (which must raise unless all were acknowledged)."""
        self.close()
        if not self.directory.exists():
            return 0
        if self.path.exists():
            self.path.rename(self.directory / f"replaying-{time.time_ns()}.jsonl")
        total = 0
        for batch_file in sorted(self.directory.glob("replaying-*.jsonl")):
            records = list(self._read(batch_file))
            send(records)  # raises on failure: the file stays for the next replay
            batch_file.unlink()
            total += len(records)
            logger.info("spool replayed", extra={"file": batch_file.name, "records": len(records)})
        return total
