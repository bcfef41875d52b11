"""Pure rules of delivery: webhook address checks, digest periods, secrets, rendering limits.

Private and link-local ranges are tested on the address check alone: nothing here opens a
connection.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from channels import build_channels
from channels.addresses import AddressRefused, address_allowed, checked_address, kind_of, networks
from pantau.alerts import render
from pantau.alerts.notice import Message, StoryItem
from pantau.alerts.schedule import DigestSchedule
from pantau.alerts.secrets import load_secrets
from pantau.config import ConfigError, load_settings
from tests.alert_samples import sample_notice


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    ip = ipaddress.ip_address(address)
    assert kind_of(ip) == kind
    assert address_allowed(ip, ()) is (kind is None)


def test_allow_list_opens_only_its_networks() -> None:
    allow = networks(["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"])
    assert address_allowed(ipaddress.ip_address("10.200.0.5"), allow)
    assert address_allowed(ipaddress.ip_address("::ffff:10.0.0.1"), allow)
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow)
    assert not address_allowed(ipaddress.ip_address("127.0.0.2"), allow)
    assert not address_allowed(ipaddress.ip_address("192.168.0.1"), allow)
    assert address_allowed(ipaddress.ip_address("fd12::1"), allow)
    assert not address_allowed(ipaddress.ip_address("169.254.169.254"), allow)


def fake_resolver(*answers: str) -> Any:
    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    return resolve


def test_every_resolved_address_must_pass() -> None:
    assert checked_address("hooks.example.org", 443, (), fake_resolver("93.184.215.14")) == "93.184.215.14"
    with pytest.raises(AddressRefused, match=r"resolves to 10\.0\.0\.7, a private address"):
        checked_address("hooks.example.org", 443, (), fake_resolver("93.184.215.14", "10.0.0.7"))
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254, a link-local address"):
        checked_address("metadata.internal", 80, (), fake_resolver("169.254.169.254"))
    assert checked_address("intranet", 80, networks(["10.0.0.0/8"]), fake_resolver("10.0.0.7")) == "10.0.0.7"


def test_digest_periods_in_local_time() -> None:
    daily = DigestSchedule("daily", "Asia/Jakarta", time(7, 0))
    at = datetime(2024, 10, 7, 0, 30, tzinfo=UTC)  # 07:30 WIB
    assert daily.period(at) == (datetime(2024, 10, 7, 0, 0, tzinfo=UTC), datetime(2024, 10, 8, 0, 0, tzinfo=UTC))
    before = datetime(2024, 10, 6, 23, 59, tzinfo=UTC)  # 06:59 WIB
    assert daily.period(before)[1] == datetime(2024, 10, 7, 0, 0, tzinfo=UTC)
    hourly = DigestSchedule("hourly", "Asia/Kolkata")  # half-hour offset: local hours start at :30 UTC
    assert hourly.period(datetime(2024, 10, 7, 0, 10, tzinfo=UTC)) == (
        datetime(2024, 10, 6, 23, 30, tzinfo=UTC),
        datetime(2024, 10, 7, 0, 30, tzinfo=UTC),
    )


def test_secrets_from_file_and_environment_never_shown(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        "webhook_secret: file-default\nwebhook_secrets: {jember: file-jember}\nsmtp_password: file-smtp\n",
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    settings = load_settings(alerts_secrets_file=str(path), alerts_telegram_bot_token="env-token")
    secrets = load_secrets(settings)
    assert {k: v.get_secret_value() for k, v in secrets.webhook.items()} == {
        "jember": "file-jember",
        "default": "file-default",
    }
    assert secrets.telegram_bot_token is not None and secrets.telegram_bot_token.get_secret_value() == "env-token"
    assert sorted(secrets.values()) == ["env-token", "file-default", "file-jember", "file-smtp"]
    shown = repr(secrets) + str(settings) + repr(settings)
    assert not any(v in shown for v in secrets.values())
    env_wins = load_settings(alerts_secrets_file=str(path), alerts_webhook_secret="env-default")
    assert load_secrets(env_wins).webhook["default"].get_secret_value() == "env-default"

    path.write_text("smtp_pasword: leaked-value\n", encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        load_secrets(settings)
    assert str(bad.value) == f"secrets file {path}: smtp_pasword: Extra inputs are not permitted"
    path.write_text("smtp_password: x\n", encoding="utf-8")
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        load_secrets(settings)
    assert "readable by others" in caplog.text


def test_a_channel_without_its_required_options_is_named() -> None:
    settings = load_settings()
    with pytest.raises(ConfigError) as missing:
        build_channels(settings, load_secrets(settings), {"email", "telegram", "webhook"})
    assert str(missing.value) == (
        "email channels need alerts_smtp_host (PANTAU_ALERTS_SMTP_HOST), alerts_smtp_from (PANTAU_ALERTS_SMTP_FROM); "
        "telegram channels need alerts_telegram_bot_token (PANTAU_ALERTS_TELEGRAM_BOT_TOKEN or telegram_bot_token "
        "in the secrets file)"
    )


def test_a_digest_too_long_for_telegram_says_how_many_were_left_out() -> None:
    items = [StoryItem(notice=sample_notice(article_id=f"{i:032x}", cluster_id=f"{i:032x}")) for i in range(60)]
    message = Message(
        delivery_id="d" * 32,
        subscription="jember-asn",
        owner="o",
        kind="digest",
        timezone="Asia/Jakarta",
        items=items,
        period_start=datetime(2024, 10, 7, 0, 0, tzinfo=UTC),
        period_end=datetime(2024, 10, 8, 0, 0, tzinfo=UTC),
    )
    text = render.telegram(message)
    assert len(text) <= render.TELEGRAM_LIMIT
    shown = text.count("<b>Camat")
    assert 0 < shown < 60
    assert text.endswith(f"… and {60 - shown} more")
    assert text.startswith(
        "<b>Pantau digest for jember-asn: 60 stories, 2024-10-07 07:00 WIB to 2024-10-08 07:00 WIB</b>"
    )
    assert render.subject(message) == "[Pantau] jember-asn: 60 stories (digest to 2024-10-08 07:00 WIB)"
    assert "<script>" not in render.html(message.model_copy(update={"subscription": "<script>"}))
