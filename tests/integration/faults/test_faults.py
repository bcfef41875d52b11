"""Faults on the real engines: nothing lost, nothing indexed twice, no process that hangs or gives up.

Each test kills something (the broker, the Elasticsearch node, a consumer) with SIGKILL in
the middle of real work, brings it back, and then checks every hop: each article is in
the index exactly once, and anything that could not be processed is a dead letter with its
reason. What each fault cost (sent, indexed, lost, duplicated, dead-lettered, recovery
time) is recorded as :class:`Figures` and printed at the end of the session.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.kafka_clients import DEAD_LETTER_BUDGET, make_producer, wait_for_sends
from infra.topics import ensure_topics, topic_names
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from tests.conftest import run_pantau
from tests.integration.faults.engines import (
    FaultStack,
    Figures,
    consume_until_idle,
    dead_letters,
    indexed_count,
    indexed_ids,
    iter_lines,
    poll_until,
    record_figures,
    start_pantau,
    topic_end,
    topic_keys,
)
from tests.integration.faults.newsroom import Newsroom, article_id_of
from tests.integration.faults.streams import (
    HeldWorker,
    SteadyProducer,
    articles,
    committed_offsets,
    publish,
    scratch_topic,
)

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def crawl_args(site: Newsroom) -> tuple[str, ...]:
    return ("crawl", "--site", "memorandum", "--base-url", site.base_url)


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(list(iter_lines(path))[-lines:])


# --- the broker ----------------------------------------------------------------------------


def test_broker_killed_while_crawling_and_down_when_a_crawl_starts(
    fault_stack: FaultStack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="consumers.worker")
    delivery_s = 5.0
    settings = fault_stack.settings(data_dir=str(tmp_path / "first"), crawl_max_articles=1000)
    late = settings.model_copy(update={"data_dir": tmp_path / "late"})  # another crawler, its own spool
    ensure_topics(settings)
    topics = topic_names(settings)

    # The consumers run all along: a broker outage must not make them exit (commits included).
    consumers = {
        stage: start_pantau(settings, "consume", stage, log=tmp_path / f"{stage}.log") for stage in ("enrich", "index")
    }
    with (
        Newsroom(300, gates=(100, 200)) as first,
        Newsroom(100, first=1000, huge=[1050]) as second,
        Newsroom(20, first=2000) as third,
    ):
        held = HeldWorker(settings, articles(range(8000, 8040)))
        crawling = start_pantau(settings, *crawl_args(first), log=tmp_path / "first.log")
        steady = SteadyProducer(settings, scratch_topic(settings, "steady"))
        poll_until(lambda: first.served >= 100 and topic_end(settings, topics.raw) >= 100, 120, "the first 100")
        poll_until(held.stage.holding.is_set, 60, "the held worker's first batch")

        fault_stack.kill("kafka")
        killed = time.monotonic()
        held.stage.release.set()  # its side effect is done: now it commits, into a dead broker
        first.release(100)  # the crawler goes on fetching and publishing while the broker is dead

        # A crawl that starts while the broker is down spools everything and says so.
        down = run_pantau(late, *crawl_args(second))
        assert down.returncode == 3, down.stdout + down.stderr[-3000:]
        assert "wait in the spool" in down.stdout and "Traceback" not in down.stderr
        poll_until(lambda: first.served >= 200, 60, "the crawl during the outage")
        # The outage outlasts the producers' delivery timeout: their batches in flight expire.
        poll_until(lambda: time.monotonic() - killed > delivery_s + 2, 30, "the outage to last")

        restart_s = fault_stack.restart()
        back = time.monotonic()
        at_back = topic_end(settings, topics.raw)
        first.release(200)
        crawl_recovery = poll_until(lambda: topic_end(settings, topics.raw) > at_back, 120, "publishing again")

        # The same idempotent producer object delivers again after the outage (the repair).
        steady.stop()
        poll_until(lambda: all(f.is_done for f in steady.futures), 60, "the steady producer's sends to settle")
        after = [steady.producer.send(steady.topic, key="after", value=b"tock") for _ in range(50)]
        sends = wait_for_sends(after, 30)
        producer_recovery = time.monotonic() - back
        assert len(sends.acked) == 50, f"after the outage: {sends}"
        steady.producer.close(timeout=10)

        assert crawling.wait(timeout=180) == 0, log_tail(tmp_path / "first.log")
        first_log = (tmp_path / "first.log").read_text(encoding="utf-8")
        assert "wait in the spool" not in first_log and "Traceback" not in first_log

        # A later run replays what the crawl without a broker spooled, then crawls on.
        later = run_pantau(late, *crawl_args(third))
        assert later.returncode == 0, later.stdout + later.stderr[-3000:]
        assert "from the spool" in later.stdout

    expected = first.ids() | second.ids() | third.ids()
    poll_until(lambda: set(indexed_ids(settings)) == expected, 180, "every article indexed")
    for stage, process in consumers.items():
        assert process.poll() is None, f"{stage} exited during the outage:\n" + log_tail(tmp_path / f"{stage}.log")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log_tail(tmp_path / f"{stage}.log")
    letters = dead_letters(settings)
    indexed = indexed_ids(settings)
    enriched = topic_keys(settings, topics.enriched)

    # The worker whose commit met the dead broker neither raised nor stopped; it finished the
    # topic once the broker was back, and the group's offsets reached the end.
    held.thread.join(timeout=120)
    assert not held.thread.is_alive() and held.error is None, held.error
    assert "commit failed" in caplog.text
    assert set(held.stage.seen) == {a.id for a in articles(range(8000, 8040))}
    assert committed_offsets(settings, "held", f"{settings.topic_prefix}.held") == 40
    raw = topic_keys(settings, topics.raw)
    assert len(indexed) == len(set(indexed)) and set(indexed) == expected
    assert set(raw) == expected
    # The page too large for Kafka, spooled while the broker was down, was dead-lettered on replay
    # instead of blocking the spool.
    assert [(d.stage, d.article_id) for d in letters] == [("publish", article_id_of(1050))]
    assert "MessageSizeTooLargeError" in letters[0].reason and letters[0].original_bytes

    def duplicated(ids: set[str]) -> int:
        return sum(raw[i] - 1 for i in ids) + sum(enriched[i] - 1 for i in ids)

    record_figures(
        Figures(
            fault="broker SIGKILLed while a crawl publishes",
            sent=len(first.numbers),
            indexed=len(first.ids() & set(indexed)),
            lost=len(first.ids() - set(indexed)),
            duplicated=duplicated(first.ids()),
            dead_lettered=0,
            recovery_s=[round(crawl_recovery, 1), round(producer_recovery, 1)],
            notes=f"broker restart {restart_s:.1f} s; recovery = broker answering -> crawl publishing again, "
            "-> the same idempotent producer acknowledged again; duplicated = extra copies on raw + enriched; "
            f"a worker whose commit met the dead broker replayed {sum(held.stage.seen.values()) - 40} record(s)",
        ),
        fault_stack,
    )
    record_figures(
        Figures(
            fault="broker down when a crawl starts (later run replays)",
            sent=len(second.numbers) + len(third.numbers),
            indexed=len((second.ids() | third.ids()) & set(indexed)),
            lost=len((second.ids() | third.ids()) - set(indexed)),
            duplicated=duplicated(second.ids() | third.ids()),
            dead_lettered=len(letters),
            notes="exit code 3 and one summary line; the oversized page is dead-lettered on replay",
        ),
        fault_stack,
    )


# --- Elasticsearch -------------------------------------------------------------------------


def test_elasticsearch_killed_while_indexing(fault_stack: FaultStack, tmp_path: Path) -> None:
    settings = fault_stack.settings(consumer_batch_size=20)
    ensure_topics(settings)
    topics = topic_names(settings)
    enricher = Enricher()
    stream = [enricher.enrich(a)[0] for a in articles(range(5000, 5300))]
    producer = make_producer(settings)

    indexer = start_pantau(settings, "consume", "index", log=tmp_path / "index-1.log")
    publish(settings, topics.enriched, stream[:150], producer)
    poll_until(lambda: indexed_count(settings) == 150, 120, "the first half indexed")

    fault_stack.kill("elasticsearch")
    publish(settings, topics.enriched, stream[150:], producer)  # the indexer keeps getting records
    poll_until(lambda: "downstream unavailable" in (tmp_path / "index-1.log").read_text(), 60, "the outage noticed")
    assert indexer.poll() is None, "the indexer exited during the outage"

    # SIGTERM while it waits out the outage: it stops promptly, leaving the batch uncommitted.
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=30) == 0, log_tail(tmp_path / "index-1.log")
    # A new indexer started while the node is still down waits for it rather than failing.
    indexer = start_pantau(settings, "consume", "index", log=tmp_path / "index-2.log")

    restart_s = fault_stack.restart()
    first_new = poll_until(lambda: indexed_count(settings) > 150, 180, "indexing to resume")
    caught_up = poll_until(lambda: indexed_count(settings) == 300, 180, "everything indexed") + first_new
    assert indexer.poll() is None, log_tail(tmp_path / "index-2.log")
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=30) == 0, log_tail(tmp_path / "index-2.log")
    producer.close(timeout=10)

    indexed = indexed_ids(settings)
    assert sorted(indexed) == sorted({a.id for a in stream})
    assert dead_letters(settings) == []
    record_figures(
        Figures(
            fault="Elasticsearch SIGKILLed while indexing",
            sent=len(stream),
            indexed=len(set(indexed)),
            lost=len({a.id for a in stream} - set(indexed)),
            duplicated=0,
            dead_lettered=0,
            recovery_s=[round(first_new, 1), round(caught_up, 1)],
            notes=f"node restart {restart_s:.1f} s; recovery = node answering -> first document, -> all; "
            "SIGTERM during the outage honoured",
        ),
        fault_stack,
    )


# --- consumers -----------------------------------------------------------------------------


def kill_and_restart(
    settings: Settings, stage: str, progress: Callable[[], int], thresholds: tuple[int, ...], logs: Path
) -> tuple[subprocess.Popen[str], list[float]]:
    """Run ``pantau consume STAGE``; SIGKILL it as ``progress()`` passes each threshold, restart at once."""

    def beyond(mark: int) -> Callable[[], bool]:
        return lambda: progress() > mark

    process = start_pantau(settings, "consume", stage, log=logs / f"{stage}-0.log")
    recoveries = []
    for round_, threshold in enumerate(thresholds, 1):
        poll_until(beyond(threshold - 1), 120, f"{stage} past {threshold}")
        process.kill()
        process.wait(timeout=30)
        killed = time.monotonic()
        process = start_pantau(settings, "consume", stage, log=logs / f"{stage}-{round_}.log")
        poll_until(beyond(progress()), 120, f"{stage} to resume after kill {round_}")
        recoveries.append(round(time.monotonic() - killed, 1))
    return process, recoveries


def test_consumers_killed_mid_batch_recover(fault_stack: FaultStack, tmp_path: Path) -> None:
    settings = fault_stack.settings(consumer_batch_size=20)
    ensure_topics(settings)
    topics = topic_names(settings)
    stream = articles(range(6000, 6400))
    expected = {a.id for a in stream}
    publish(settings, topics.raw, stream)

    # Enrich as a static member: a restart under the same instance id takes its partitions back at once.
    static = settings.model_copy(update={"consumer_instance_id": "1"})
    enriching, enrich_recovery = kill_and_restart(
        static, "enrich", lambda: topic_end(settings, topics.enriched), (100, 200, 300), tmp_path
    )
    poll_until(lambda: set(topic_keys(settings, topics.enriched)) == expected, 180, "everything enriched")
    enriching.send_signal(signal.SIGTERM)
    assert enriching.wait(timeout=30) == 0

    # Index as a dynamic member: the restarted process waits for the dead one's session to expire.
    indexing, index_recovery = kill_and_restart(
        settings, "index", lambda: max(0, indexed_count(settings)), (100, 200, 300), tmp_path
    )
    poll_until(lambda: indexed_count(settings) == len(stream), 180, "everything indexed")
    indexing.send_signal(signal.SIGTERM)
    assert indexing.wait(timeout=30) == 0

    indexed = indexed_ids(settings)
    enriched = topic_keys(settings, topics.enriched)
    assert sorted(indexed) == sorted(expected)
    assert set(enriched) == expected
    assert dead_letters(settings) == []
    for stage, recovery, duplicated, membership in (
        ("enrich", enrich_recovery, sum(enriched.values()) - len(expected), "static membership"),
        ("index", index_recovery, 0, "dynamic membership, 6 s session timeout"),
    ):
        record_figures(
            Figures(
                fault=f"{stage} consumer SIGKILLed mid-batch x3",
                sent=len(stream),
                indexed=len(set(indexed)),
                lost=len(expected - set(indexed)),
                duplicated=duplicated,
                dead_lettered=0,
                recovery_s=recovery,
                notes=f"{membership}; recovery = SIGKILL -> the restarted process makes progress",
            ),
            fault_stack,
        )


# --- records too large ---------------------------------------------------------------------


def test_records_too_large_are_dead_lettered_where_they_are_met(fault_stack: FaultStack, tmp_path: Path) -> None:
    settings = fault_stack.settings(data_dir=str(tmp_path / "data"))
    topics = topic_names(settings)
    ensure_topics(settings)

    # At the crawler: a page whose article is larger than a Kafka record.
    with Newsroom(30, first=3000, huge=[3005]) as site:
        crawled = run_pantau(settings, *crawl_args(site))
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr[-3000:]
    assert "1 refused by Kafka and dead-lettered" in crawled.stdout

    # In the consumers: a record the broker took compressed but that is too large once enriched.
    body = "Lampiran pemeriksaan panitia pengawas kecamatan dicatat lengkap. " * 32_000  # ~2 MB
    big = articles(range(3100, 3101))[0].model_copy(update={"body": body})
    roomy = make_producer(settings, max_request_size=8 * 1024 * 1024, compression_type="gzip")
    publish(settings, topics.raw, [big], roomy)
    roomy.close(timeout=10)

    consume_until_idle(settings, "enrich", "index")
    letters = {d.stage: d for d in dead_letters(settings)}
    assert sorted(letters) == ["enrich", "publish"]
    for stage, article_id in (("publish", article_id_of(3005)), ("enrich", big.id)):
        letter = letters[stage]
        assert letter.article_id == article_id
        assert "MessageSizeTooLargeError" in letter.reason and "cut to fit" in letter.reason
        assert letter.original_bytes and letter.original_bytes > 1_048_576
        assert len(letter.model_dump_json().encode()) <= DEAD_LETTER_BUDGET
    assert big.to_json().startswith(letters["enrich"].original)

    # Everything else flowed, and the enrich group committed past the large record.
    assert sorted(indexed_ids(settings)) == sorted(site.ids())
    from consumers.app import build_worker, close_resources

    worker, resources = build_worker("enrich", settings)
    try:
        assert worker.run(idle_timeout=2.0) == 0  # nothing left to replay
    finally:
        close_resources(resources)
    record_figures(
        Figures(
            fault="record too large (crawler; enrich consumer)",
            sent=len(site.numbers) + 1,
            indexed=len(indexed_ids(settings)),
            lost=0,
            duplicated=0,
            dead_lettered=len(letters),
            notes="1.2 MB article at the crawler, 2 MB raw record (gzip on the wire) at enrich",
        ),
        fault_stack,
    )
