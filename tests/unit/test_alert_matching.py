"""The matcher on enriched articles, and the outbox it records into (pure data, one SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pantau.alerts.dispatch import DeliveryFailed, Dispatcher, backoff, redact
from pantau.alerts.engine import AlertEngine, FixedSubscriptions
from pantau.alerts.matcher import CompiledSubscription, Matcher
from pantau.alerts.notice import Message
from pantau.alerts.state import AlertState
from pantau.alerts.subscriptions import Subscription
from pantau.enrich.stage import Enricher
from pantau.schema import Article
from tests.alert_samples import copies, unrelated

T0 = datetime(2024, 10, 7, 4, 20, tzinfo=UTC).timestamp()


def subscription(name: str, channels: list[dict[str, Any]] | None = None, **filters: Any) -> Subscription:
    return Subscription.model_validate(
        {
            "name": name,
            "owner": "o",
            "filters": filters,
            "channels": channels or [{"type": "webhook", "url": f"https://hooks.example.org/{name}"}],
        }
    )


@pytest.fixture(scope="module")
def enriched() -> dict[str, Article]:
    enricher = Enricher()
    out = {}
    for a in [*copies(), *unrelated()]:
        out[a.site + "/" + a.url.rsplit("/", 1)[1]] = enricher.enrich(a)[0]
    return out


def test_filters_and_the_terms_that_fired(enriched: dict[str, Article]) -> None:
    story = enriched["memorandum/camat-jember"]
    pasar = enriched["memorandum/pasar-murah"]
    palangka = enriched["kaltengpos/lurah-palangka"]
    jember = CompiledSubscription(
        subscription("j", regions=["Jember"], keywords=["netral* OR bupati", '"kepala desa"'])
    )
    match = jember.match(story)
    assert match is not None and match.terms == ("netral*", "bupati", '"kepala desa"')
    assert jember.match(palangka) is None  # another province
    assert jember.match(pasar) is None  # no keyword
    province = CompiledSubscription(subscription("p", regions=["Jawa Timur"], min_relevance=0.5))
    assert province.match(story) is not None and province.match(story).terms == ()  # type: ignore[union-attr]
    assert province.match(pasar) is None  # Jember, but not relevant
    assert CompiledSubscription(subscription("s", stages=["sanction"])).match(story) is None
    assert CompiledSubscription(subscription("a", actors=["camat_lurah"], sites=["memorandum"])).match(story)
    assert CompiledSubscription(subscription("x", sites=["jatimnow"])).match(story) is None
    assert CompiledSubscription(subscription("n", keywords=["netralitas -camat"])).match(story) is None
    # Stemmed both ways, as in search: "pelanggaran" in the text, "melanggar" in the subscription.
    assert CompiledSubscription(subscription("m", keywords=["melanggar"])).match(story) is not None


def test_syndicated_copies_make_one_notice_per_subscription(tmp_path: Path, enriched: dict[str, Article]) -> None:
    subs = [
        subscription("jember", regions=["Jember"], keywords=["netralitas"]),
        subscription("jatim", regions=["35"], min_relevance=0.5),
        subscription("pasar", keywords=['"pasar murah"'], min_relevance=0.5),
    ]
    state = AlertState(tmp_path / "a.sqlite3")
    engine = AlertEngine(state, FixedSubscriptions(subs), clock=lambda: T0)
    articles = list(enriched.values())
    first = engine.ingest(articles[:1], {("enriched", 0): 1})
    assert (first.queued, first.repeated) == (2, 0)
    later = engine.ingest(articles[1:], {("enriched", 0): 5})
    assert (later.queued, later.repeated) == (0, 4)  # two copies x two subscriptions
    again = engine.ingest(articles, {("enriched", 0): 5})  # a replay changes nothing
    assert (again.queued, again.repeated) == (0, 6)
    assert state.notified_count() == 2
    assert state.positions("enriched") == {0: 5}
    [delivery] = [state.next_due(q, T0) for q in state.queues() if q.startswith("jember/")]
    assert delivery is not None
    message = state.message(delivery)
    assert [o.site for o in message.items[0].other_outlets] == ["jatimnow", "radarjember"]


def test_a_failed_batch_records_nothing_not_even_its_position(tmp_path: Path, enriched: dict[str, Article]) -> None:
    state = AlertState(tmp_path / "a.sqlite3")
    engine = AlertEngine(state, FixedSubscriptions([subscription("j", regions=["Jember"])]), clock=lambda: T0)
    story = enriched["memorandum/camat-jember"]
    broken = story.model_copy(update={"enrichment": None, "site": "x"})

    class Boom(Exception):
        pass

    original = state.record

    def record_then_crash(*args: Any, **kwargs: Any) -> Any:
        with state._transaction() as db:  # the same transaction shape, interrupted half-way
            db.execute("INSERT INTO positions VALUES ('enriched', 0, 99)")
            raise Boom

    state.record = record_then_crash  # type: ignore[method-assign]
    with pytest.raises(Boom):
        engine.ingest([story, broken], {("enriched", 0): 2})
    state.record = original  # type: ignore[method-assign]
    assert state.positions("enriched") == {}
    assert state.notified_count() == 0
    assert engine.ingest([story, broken], {("enriched", 0): 2}).queued == 1


class Recording:
    """A channel stand-in of our own protocol: fails while ``down``."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.sent: list[Message] = []

    def send(self, message: Message, config: str) -> None:
        if self.down:
            raise DeliveryFailed("target down: token=hunter2")
        self.sent.append(message)


def test_a_failing_channel_keeps_its_queue_and_blocks_no_other(tmp_path: Path, enriched: dict[str, Article]) -> None:
    subs = [
        subscription("hooked", regions=["Jember"], min_relevance=0.5),
        subscription(
            "mailed", channels=[{"type": "email", "to": ["a@example.org"]}], regions=["Jember"], min_relevance=0.5
        ),
    ]
    state = AlertState(tmp_path / "a.sqlite3")
    clock = [T0]
    AlertEngine(state, FixedSubscriptions(subs), clock=lambda: clock[0]).ingest(list(enriched.values()))
    webhook, email = Recording(down=True), Recording()
    dispatcher = Dispatcher(
        state, {"webhook": webhook, "email": email}, retry_max_seconds=60, clock=lambda: clock[0], secrets=["hunter2"]
    )
    assert dispatcher.run_pending() == (1, 1)
    assert [m.subscription for m in email.sent] == ["mailed"]
    [queue] = [q for q in state.queues() if q.startswith("hooked/")]
    assert state.next_due(queue, clock[0]) is None  # waiting for its retry
    failed_id = state.next_due(queue, clock[0] + 1)
    rows = {r.subscription: r for r in state.status()}
    assert (rows["hooked"].queued, rows["hooked"].failing, rows["hooked"].sent) == (1, 1, 0)
    assert rows["hooked"].last_error == "target down: token=**********"
    assert dispatcher.run_pending() == (0, 0)  # backing off: not due yet
    clock[0] += 1
    webhook.down = False
    assert dispatcher.run_pending() == (1, 0)
    assert failed_id is not None and [m.delivery_id for m in webhook.sent] == [failed_id.id]
    assert {r.subscription: (r.sent, r.queued) for r in state.status()} == {"hooked": (1, 0), "mailed": (1, 0)}


def test_backoff_and_redaction() -> None:
    assert [backoff(n, cap=10) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]
    assert redact("auth failed for abc and abc", ["abc", ""]) == "auth failed for ********** and **********"


def test_an_article_without_enrichment_matches_nothing(enriched: dict[str, Article]) -> None:
    raw = enriched["memorandum/camat-jember"].model_copy(update={"enrichment": None})
    assert Matcher([subscription("all")]).match(raw) == []
