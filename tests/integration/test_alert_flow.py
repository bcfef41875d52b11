"""Alerts on the real engines: enriched topic -> alert consumer -> a signed webhook on 127.0.0.1.

Once per story across syndicated copies and restarts, a SIGKILL in the middle of
consuming, and embedded mode giving the same notices.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka import KafkaProducer
from pydantic import SecretStr

from consumers.app import build_worker
from infra.kafka_clients import kafka_client_config
from infra.topics import ensure_topics, topic_names
from pantau.alerts.matcher import CompiledSubscription
from pantau.alerts.subscriptions import load_subscriptions
from pantau.config import Settings
from pantau.enrich.stage import Enricher
from pantau.schema import Article, article_id
from tests.alert_receivers import WebhookReceiver
from tests.alert_samples import PUBLISHED, copies, unrelated
from tests.conftest import REPO, settings_env

pytestmark = pytest.mark.integration

SECRET = "flow-test-secret"


def write_subscriptions(folder: Path, url: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subscriptions = {
        "jember-asn": {"filters": {"regions": ["Jember"], "keywords": ["netralitas", '"politik praktis"']}},
        "jatim-relevant": {"filters": {"regions": ["Jatim"], "min_relevance": 0.5}},
        "kalteng": {"filters": {"regions": ["Kalimantan Tengah"]}},
        "jember-sanctions": {"filters": {"regions": ["Jember"], "stages": ["sanction"]}},
        "jember-pasar": {"filters": {"regions": ["Jember"], "keywords": ["pasar murah"], "min_relevance": 0.5}},
    }
    for name, body in subscriptions.items():
        data = {"owner": f"owner of {name}", **body, "channels": [{"type": "webhook", "url": f"{url}/{name}"}]}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def alert_settings(settings: Settings, tmp_path: Path, url: str) -> Settings:
    write_subscriptions(tmp_path / "alerts", url)
    return settings.model_copy(
        update={
            "alerts_dir": tmp_path / "alerts",
            "alerts_start_from": "earliest",
            "alerts_webhook_allow": ["127.0.0.0/8"],
            "alerts_webhook_secret": SecretStr(SECRET),
            "alerts_retry_max_seconds": 2.0,
        }
    )


def alert_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = settings_env(settings)
    env.update(
        PANTAU_ALERTS_DIR=str(settings.alerts_dir),
        PANTAU_ALERTS_START_FROM=settings.alerts_start_from,
        PANTAU_ALERTS_WEBHOOK_ALLOW=json.dumps(settings.alerts_webhook_allow),
        PANTAU_ALERTS_WEBHOOK_SECRET=SECRET,
        PANTAU_ALERTS_RETRY_MAX_SECONDS=str(settings.alerts_retry_max_seconds),
        PANTAU_LOG_LEVEL="INFO",
        **extra,
    )
    return env


def pantau(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args],
        env=alert_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )


def publish(settings: Settings, topic: str, articles: Sequence[Article]) -> None:
    producer = KafkaProducer(**kafka_client_config(settings))
    for a in articles:
        producer.send(topic, key=a.id.encode(), value=a.to_json().encode())
    producer.flush()
    producer.close()


def enrich_through_kafka(settings: Settings, articles: Sequence[Article]) -> None:
    """Raw topic -> the real enrich consumer -> enriched topic."""
    publish(settings, topic_names(settings).raw, articles)
    worker, extras = build_worker("enrich", settings)
    try:
        worker.run(idle_timeout=2.0)
    finally:
        for resource in extras:
            resource.close()  # type: ignore[attr-defined]


def by_subscription(receiver: WebhookReceiver) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for body in receiver.accepted.values():
        payload = json.loads(body)
        out.setdefault(payload["subscription"], []).extend(payload["notices"])
    return out


def test_syndicated_copies_make_one_notice_per_subscription_across_restarts(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    ensure_topics(kafka_settings)
    with WebhookReceiver(SECRET.encode()) as receiver:
        settings = alert_settings(kafka_settings, tmp_path, receiver.base_url)
        first, *later = copies()
        enrich_through_kafka(settings, [first, *unrelated()])
        run = pantau(settings, "consume", "alerts", "--until-idle", "2")
        assert run.returncode == 0, run.stderr[-3000:]

        # The other outlets' copies arrive minutes later, after a restart of the consumer.
        enrich_through_kafka(settings, later)
        run = pantau(settings, "consume", "alerts", "--until-idle", "2")
        assert run.returncode == 0, run.stderr[-3000:]

    assert receiver.bad_signatures == 0
    got = by_subscription(receiver)
    assert sorted(got) == ["jatim-relevant", "jember-asn", "kalteng"]
    assert [n["article_id"] for n in got["jember-asn"]] == [first.id]
    assert [n["article_id"] for n in got["jatim-relevant"]] == [first.id]
    palangka = unrelated()[1]
    assert [n["article_id"] for n in got["kalteng"]] == [palangka.id]
    notice = got["jember-asn"][0]
    assert notice["matched_terms"] == ["netralitas", '"politik praktis"']
    assert notice["region"]["code"] == "35.09"
    assert notice["published_local"] == "2024-10-07 11:00 WIB"
    # Every acknowledged delivery was acknowledged once.
    assert sorted(Counter(receiver.acknowledged).values()) == [1, 1, 1]

    status = pantau(settings, "alerts", "status", "--json")
    rows = {json.loads(line)["subscription"]: json.loads(line) for line in status.stdout.splitlines()}
    assert {name: row["sent"] for name, row in rows.items()} == {
        "jatim-relevant": 1,
        "jember-asn": 1,
        "jember-pasar": 0,
        "jember-sanctions": 0,
        "kalteng": 1,
    }
    assert all(row["queued"] == 0 and row["last_error"] is None for row in rows.values())


def eval_articles() -> list[Article]:
    """The labelled development articles as distinct published articles (a real mix of stories)."""
    out = []
    lines = (REPO / "tests" / "eval" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for i, item in enumerate(json.loads(line) for line in lines if line.strip()):
        url = f"https://{item['site']}.example/berita/{item['id']}"
        out.append(
            Article(
                id=article_id(url),
                url=url,
                canonical_url=url,
                site=item["site"],
                title=item["title"],
                body=item["body"],
                published_at=PUBLISHED + timedelta(minutes=i),
                fetched_at=PUBLISHED + timedelta(minutes=i + 1),
            )
        )
    return out


def outbox_count(path: Path, sql: str) -> int:
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute(sql).fetchone()[0] or 0)
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def test_sigkill_mid_batch_loses_no_notice_and_repeats_none(kafka_settings: Settings, tmp_path: Path) -> None:
    ensure_topics(kafka_settings)
    enricher = Enricher()
    enriched = [enricher.enrich(a)[0] for a in eval_articles()]
    with WebhookReceiver(SECRET.encode(), delay=0.02) as receiver:
        settings = alert_settings(kafka_settings, tmp_path, receiver.base_url)
        everywhere = {"owner": "watchdog", "filters": {"min_relevance": 0.5}}
        everywhere["channels"] = [{"type": "webhook", "url": f"{receiver.base_url}/all"}]
        (settings.alerts_dir / "all-relevant.yaml").write_text(yaml.safe_dump(everywhere), encoding="utf-8")
        subscriptions = load_subscriptions(settings.alerts_dir)
        # What should be notified, from the same pure matcher: each (subscription, story) once.
        expected: set[tuple[str, str]] = set()
        for s in subscriptions:
            compiled = CompiledSubscription(s)
            matched = [a for a in enriched if compiled.match(a)]
            expected |= {(s.name, a.enrichment.dedup.cluster_id) for a in matched if a.enrichment}
        assert len(expected) > 50
        publish(settings, topic_names(settings).enriched, enriched)

        outbox = settings.alerts_state_path
        env = alert_env(settings, PANTAU_CONSUMER_BATCH_SIZE="3")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "consume", "alerts"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while outbox_count(outbox, "SELECT count(*) FROM notified") < 5 and time.monotonic() < deadline:
                time.sleep(0.005)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        recorded_at_kill = outbox_count(outbox, "SELECT count(*) FROM notified")
        read_at_kill = outbox_count(outbox, "SELECT sum(next_offset) FROM positions")
        # The kill landed while the stream was being consumed, not after it.
        assert 5 <= recorded_at_kill < len(expected)
        assert read_at_kill < len(enriched)

        run = pantau(settings, "consume", "alerts", "--until-idle", "3", PANTAU_CONSUMER_BATCH_SIZE="3")
        assert run.returncode == 0, run.stderr[-3000:]

    payloads = [json.loads(b) for b in receiver.accepted.values()]
    delivered = [(p["subscription"], p["notices"][0]["cluster_id"]) for p in payloads]
    assert len(delivered) == len(set(delivered))  # no story reached a subscription under two notices
    assert set(delivered) == expected  # and none is missing
    assert receiver.bad_signatures == 0
    # A delivery in flight at the kill may be sent again, with the same id (the idempotency key).
    repeats = sum(c - 1 for c in Counter(receiver.acknowledged).values())
    assert repeats <= 1
    assert outbox_count(outbox, "SELECT count(*) FROM notified") == len(expected)
    assert outbox_count(outbox, "SELECT count(*) FROM deliveries WHERE status = 'queued'") == 0


def comparable(receiver: WebhookReceiver) -> set[str]:
    """What a notice says, without the delivery id (it names the channel URL, which differs here)."""
    out = set()
    for body in receiver.accepted.values():
        payload = json.loads(body)
        for notice in payload["notices"]:
            notice.pop("other_outlets")  # copies known at send time depend on timing
            out.add(json.dumps({"subscription": payload["subscription"], **notice}, sort_keys=True))
    return out


def test_embedded_mode_gives_the_same_notices(kafka_settings: Settings, tmp_path: Path) -> None:
    from pantau.cli import wiring

    ensure_topics(kafka_settings)
    first, *later = copies()
    # Two rounds, so that the order is the same in both modes (Kafka orders within a partition only).
    rounds = [[first, *unrelated()], later]
    articles = [a for r in rounds for a in r]
    with WebhookReceiver(SECRET.encode()) as kafka_receiver, WebhookReceiver(SECRET.encode()) as embedded_receiver:
        settings = alert_settings(kafka_settings, tmp_path / "k", kafka_receiver.base_url)
        for batch in rounds:
            enrich_through_kafka(settings, batch)
            run = pantau(settings, "consume", "alerts", "--until-idle", "2")
            assert run.returncode == 0, run.stderr[-3000:]

        embedded = alert_settings(kafka_settings, tmp_path / "e", embedded_receiver.base_url).model_copy(
            update={"kafka_bootstrap": None, "elasticsearch_url": None, "data_dir": tmp_path / "e" / "data"}
        )
        delivery = wiring.delivery(embedded)  # as `pantau run` builds it: the writer process with the alert hook
        for article in articles:
            delivery.publish(article)
        delivery.close()

    assert comparable(embedded_receiver) == comparable(kafka_receiver)
    assert len(comparable(kafka_receiver)) == 3
