"""``pantau alerts`` commands in embedded mode (no engines): add, list, test, status, remove."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantau.cli import main
from pantau.embedded import EmbeddedDelivery
from tests.alert_receivers import WebhookReceiver
from tests.alert_samples import copies, unrelated

SECRET = "topsecret-value-123"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(__import__("os").environ):
        if name.startswith("PANTAU_") and not name.startswith("PANTAU_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PANTAU_ALERTS_DIR", str(tmp_path / "alerts"))
    monkeypatch.setenv("PANTAU_ALERTS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PANTAU_LOG_LEVEL", "WARNING")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_remove(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "alerts", "add", "jember-asn", "--owner", "Bawaslu Jember", "--region", "Jember",
        "--keywords", "netralitas", "--webhook", "https://hooks.example.org/pantau", "--email", "a@example.org",
    )  # fmt: skip
    assert code == 0 and out == f"subscription jember-asn written to {env / 'alerts' / 'jember-asn.yaml'}\n"

    code, _, err = run(capsys, "alerts", "add", "bad", "--owner", "x", "--region", "Jembre", "--telegram", "1")
    assert code == 2
    assert err == (
        "pantau alerts: filters.regions[0]: no region is called 'Jembre'; "
        "did you mean Kabupaten Jember, Kabupaten Jembrana?\n"
    )
    code, _, err = run(capsys, "alerts", "add", "bad", "--owner", "x", "--site", "nosuch", "--telegram", "1")
    assert code == 2 and "filters.sites[0]: unknown site 'nosuch'" in err

    code, out, _ = run(capsys, "alerts", "list", "--json")
    assert code == 0
    assert json.loads(out) == {
        "name": "jember-asn",
        "owner": "Bawaslu Jember",
        "regions": ["Jember"],
        "keywords": ["netralitas"],
        "sites": [],
        "min_relevance": 0.0,
        "actors": [],
        "stages": [],
        "channels": ["webhook https://hooks.example.org", "email a@example.org"],
        "mode": "immediate",
    }

    # Stored articles (embedded store, no alerts yet), then the dry run over them.
    delivery = EmbeddedDelivery(env / "data" / "pantau.sqlite3", env / "data" / "spool", worker="thread")
    for article in [*copies(), *unrelated()]:
        delivery.publish(article)
    delivery.close()
    code, out, _ = run(capsys, "alerts", "test", "jember-asn", "--since", "2024-10-01")
    assert code == 0
    first = copies()[0]
    assert out.startswith(
        "jember-asn: 1 notice(s) from 5 stored article(s) since 2024-10-01 00:00 UTC. Nothing was sent.\n"
        "Would send to Bawaslu Jember via: webhook https://hooks.example.org; email a@example.org\n"
        "\n"
        "Camat di Jember Dilaporkan ke Bawaslu\n"
        "Outlet: memorandum\n"
        "Region: Kabupaten Jember (35.09), Jawa Timur\n"
        "Published: 2024-10-07 11:00 WIB\n"
    )
    assert f"Link: {first.canonical_url}\n" in out
    assert "Also reported by: jatimnow (https://jatimnow.example/berita/camat-dilaporkan), radarjember" in out
    assert "Matched: netralitas\n" in out

    code, _, err = run(capsys, "alerts", "test", "nosuch")
    assert (
        code == 2 and err == f"pantau alerts: no subscription called 'nosuch' in {env / 'alerts'} (known: jember-asn)\n"
    )

    code, out, _ = run(capsys, "alerts", "remove", "jember-asn")
    assert code == 0 and out.startswith("subscription jember-asn removed")
    assert run(capsys, "alerts", "list")[1] == f"no subscriptions in {env / 'alerts'}\n"


def test_status_shows_a_failing_channel_without_its_secret(
    env: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from pantau.cli.alerts import EmbeddedAlertHook
    from pantau.config import load_settings

    with WebhookReceiver(SECRET.encode()) as receiver:
        # Loopback and not allow-listed: every attempt is refused before it connects.
        code, _, _ = run(
            capsys, "alerts", "add", "local", "--owner", "ops", "--min-relevance", "0.5",
            "--webhook", receiver.base_url + "/hook",
        )  # fmt: skip
        assert code == 0
        settings = load_settings()
        # The embedded writer in a thread, so this test can watch the hook's outbox directly.
        hook = EmbeddedAlertHook(settings, drain_timeout=0)
        delivery = EmbeddedDelivery(settings.store_path, settings.spool_dir, worker="thread", on_enriched=[hook])
        for article in copies()[:1]:
            delivery.publish(article)
        receiver.wait_for(lambda: hook.runtime is not None and hook.runtime.state.status()[0].failing == 1)
        delivery.close()
    assert receiver.requests == []

    code, out, err = run(capsys, "alerts", "status", "--json")
    [row] = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # something is failing
    assert (row["subscription"], row["sent"], row["queued"], row["failing"]) == ("local", 0, 1, 1)
    assert row["last_error"] == (
        "webhook refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address; "
        "refused unless a network in alerts_webhook_allow holds it"
    )
    # The dispatcher's own log lines (stderr, through the command's log set-up) are checked too.
    assert "alert delivery failed, will retry" in err
    assert SECRET not in out + err + caplog.text
