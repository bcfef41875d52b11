"""A digest gathers its period's notices into one message, to a real local webhook receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from channels.addresses import networks
from channels.webhook import WebhookSender
from pantau.alerts.dispatch import Dispatcher
from pantau.alerts.engine import AlertEngine, FixedSubscriptions
from pantau.alerts.state import AlertState
from pantau.alerts.subscriptions import Subscription
from pantau.enrich.stage import Enricher
from tests.alert_receivers import WebhookReceiver
from tests.alert_samples import copies, unrelated

SECRET = "digest-secret"


def test_an_hourly_digest_gathers_the_hours_stories_into_one_message(tmp_path: Path) -> None:
    with WebhookReceiver(SECRET.encode()) as receiver:
        subscription = Subscription.model_validate(
            {
                "name": "relevant-hourly",
                "owner": "newsroom",
                "filters": {"min_relevance": 0.5},
                "channels": [{"type": "webhook", "url": receiver.base_url + "/digest"}],
                "mode": "hourly",
            }
        )
        state = AlertState(tmp_path / "alerts.sqlite3")
        # 11:20 WIB: the period is 11:00 to 12:00 local time.
        clock = [datetime(2024, 10, 7, 4, 20, tzinfo=UTC).timestamp()]
        engine = AlertEngine(state, FixedSubscriptions([subscription]), clock=lambda: clock[0])
        enricher = Enricher()
        first, second, third = copies()
        story, other = [enricher.enrich(a)[0] for a in (first, unrelated()[1])]
        engine.ingest([story])
        clock[0] += 600
        engine.ingest([other, enricher.enrich(second)[0]])  # a second story, and a copy of the first
        sender = WebhookSender({"default": SecretStr(SECRET)}, networks(["127.0.0.0/8"]))
        dispatcher = Dispatcher(state, {"webhook": sender}, clock=lambda: clock[0])

        assert dispatcher.run_pending() == (0, 0)  # the hour is not over
        assert receiver.requests == []
        assert state.waiting_digests() == {"relevant-hourly": 2}

        clock[0] = datetime(2024, 10, 7, 5, 0, tzinfo=UTC).timestamp()  # 12:00 WIB
        engine.ingest([enricher.enrich(third)[0]])  # the next period: a copy, already notified
        assert dispatcher.run_pending() == (1, 0)
        assert dispatcher.run_pending() == (0, 0)

    [request] = receiver.requests
    assert receiver.verify(request)
    payload = request.json()
    assert payload["kind"] == "digest"
    assert payload["subscription"] == "relevant-hourly"
    assert payload["period"] == {"start": "2024-10-07T04:00:00+00:00", "end": "2024-10-07T05:00:00+00:00"}
    assert [n["article_id"] for n in payload["notices"]] == [story.id, other.id]
    # The copies that came in before the digest was sent are named on their story.
    assert [o["site"] for o in payload["notices"][0]["other_outlets"]] == ["jatimnow", "radarjember"]
    assert payload["notices"][1]["other_outlets"] == []
    assert state.waiting_digests() == {}
    assert json.loads(request.body)["delivery_id"] == request.headers["X-Pantau-Delivery"]
