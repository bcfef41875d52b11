"""The producer spool shared by processes: appends survive a replay, replays never block on one record."""

from __future__ import annotations

import fcntl
from pathlib import Path

from pipelines.spool import Spool, SpooledRecord


def record(n: int) -> SpooledRecord:
    return SpooledRecord("raw", f"k{n}", f'{{"n": {n}}}')


def test_appends_after_another_process_moved_the_file_go_to_the_new_file(tmp_path: Path) -> None:
    crawler = Spool(tmp_path)  # keeps its file open between appends, as a crawl does
    replayer = Spool(tmp_path)
    crawler.append(record(1))
    sent: list[SpooledRecord] = []

    def send(records: list[SpooledRecord]) -> None:
        sent.extend(records)
        crawler.append(record(2))  # spooled while the replay runs

    assert replayer.replay(send) == 1
    crawler.close()
    assert [r.key for r in sent] == ["k1"]
    # The record spooled during the replay was not written into the file being replayed.
    assert crawler.pending() == 1
    assert [r.key for r in _drain(replayer)] == ["k2"]


def test_records_the_sender_could_not_deliver_stay_and_the_rest_is_gone(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    for n in range(5):
        spool.append(record(n))

    def send(records: list[SpooledRecord]) -> list[SpooledRecord]:
        return [r for r in records if r.key in ("k1", "k3")]

    assert spool.replay(send) == 3
    assert sorted(r.key for r in _drain(spool)) == ["k1", "k3"]


def test_a_second_replayer_leaves_the_spool_to_the_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(record(1))
    with (tmp_path / ".replay.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process is replaying
        calls: list[int] = []
        assert spool.replay(lambda records: calls.append(len(records))) == 0
        fcntl.flock(held, fcntl.LOCK_UN)
    assert calls == []
    assert spool.pending() == 1


def test_a_torn_line_is_kept_aside_and_the_others_are_replayed(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(record(1))
    spool.close()
    with spool.path.open("a", encoding="utf-8") as handle:
        handle.write('{"topic": "raw", "key": "k2", "val')  # the process died mid-write
    assert [r.key for r in _drain(spool)] == ["k1"]
    assert spool.unreadable_path.read_text(encoding="utf-8").startswith('{"topic": "raw", "key": "k2"')
    assert spool.pending() == 0


def _drain(spool: Spool) -> list[SpooledRecord]:
    got: list[SpooledRecord] = []
    spool.replay(got.extend)
    return got
