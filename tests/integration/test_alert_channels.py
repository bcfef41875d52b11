"""Each alert channel against a real local receiver on 127.0.0.1, asserting the exact payload.

No engines are needed; nothing here sends traffic outside 127.0.0.0/8.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from channels.addresses import networks
from channels.mail import EmailSender
from channels.telegram import TelegramSender
from channels.webhook import WebhookSender
from pantau.alerts import render
from pantau.alerts.dispatch import DeliveryFailed, Dispatcher
from pantau.alerts.engine import AlertEngine, FixedSubscriptions
from pantau.alerts.state import AlertState
from pantau.alerts.subscriptions import Subscription
from pantau.enrich.stage import Enricher
from tests.alert_receivers import TelegramBotApi, WebhookReceiver, smtp_receiver
from tests.alert_samples import copies, sample_message

SECRET = "s3cret-webhook-key"
LOOPBACK = networks(["127.0.0.0/8"])
FIXED_TIME = 1_728_280_800.0  # 2024-10-07 06:00 UTC


def webhook_config(url: str, secret: str = "default") -> str:
    return json.dumps({"type": "webhook", "url": url, "secret": secret})


def expected_payload() -> dict[str, object]:
    return {
        "delivery_id": "d" * 32,
        "subscription": "jember-asn",
        "kind": "notice",
        "timezone": "Asia/Jakarta",
        "period": None,
        "notices": [
            {
                "cluster_id": "c" * 32,
                "article_id": "a" * 32,
                "title": 'Camat "Netral"? <b>Bawaslu</b> & Jember',
                "outlet": "memorandum",
                "url": "https://memorandum.example/berita/camat?id=1&x=<2>",
                "published_at": "2024-10-07T04:00:00+00:00",
                "published_local": "2024-10-07 11:00 WIB",
                "region": {
                    "code": "35.09",
                    "name": "Kabupaten Jember",
                    "type": "kabupaten",
                    "province_code": "35",
                    "province_name": "Jawa Timur",
                },
                "relevance": {
                    "score": 0.91,
                    "relevant": True,
                    "actors": ["asn", "camat_lurah"],
                    "stages": ["report"],
                    "terms": {"actor": ["asn", "camat"], "neutrality": ["netralitas"]},
                },
                "matched_terms": ["netralitas", '"politik praktis"'],
                "other_outlets": [{"site": "jatimnow", "url": "https://jatimnow.example/b/1", "title": "Camat Jember"}],
            }
        ],
    }


# --- webhook ---------------------------------------------------------------------------------


def test_webhook_posts_the_exact_signed_payload() -> None:
    with WebhookReceiver(SECRET.encode()) as receiver:
        sender = WebhookSender({"default": SecretStr(SECRET)}, LOOPBACK, clock=lambda: FIXED_TIME)
        sender.send(sample_message(), webhook_config(receiver.base_url + "/hook?team=jember"))
    [request] = receiver.requests
    assert request.path == "/hook?team=jember"
    assert receiver.verify(request)
    assert request.json() == expected_payload()
    assert request.body == render.payload_bytes(sample_message())
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Pantau-Delivery"] == "d" * 32
    assert request.headers["Idempotency-Key"] == "d" * 32
    assert request.headers["X-Pantau-Timestamp"] == "1728280800"


def test_a_wrong_secret_fails_the_receivers_check() -> None:
    with WebhookReceiver(b"the receiver's key") as receiver:
        sender = WebhookSender({"default": SecretStr(SECRET)}, LOOPBACK)
        with pytest.raises(DeliveryFailed, match="answered HTTP 401"):
            sender.send(sample_message(), webhook_config(receiver.base_url + "/hook"))
    assert receiver.bad_signatures == 1


def test_loopback_target_is_refused_unless_allow_listed() -> None:
    with WebhookReceiver(SECRET.encode()) as receiver:
        refusing = WebhookSender({"default": SecretStr(SECRET)}, allow=())
        with pytest.raises(DeliveryFailed) as refused:
            refusing.send(sample_message(), webhook_config(receiver.base_url + "/hook"))
        assert "127.0.0.1, a loopback address" in refused.value.reason
        assert receiver.requests == []  # refused before connecting

        allowing = WebhookSender({"default": SecretStr(SECRET)}, allow=networks(["127.0.0.1/32"]))
        allowing.send(sample_message(), webhook_config(receiver.base_url + "/hook"))
    assert len(receiver.requests) == 1


def test_a_name_resolving_to_loopback_is_refused_too() -> None:
    # "localhost" resolves through the system resolver; the check is on the address it gives.
    with WebhookReceiver(SECRET.encode()) as receiver:
        port = receiver.server.server_address[1]
        sender = WebhookSender({"default": SecretStr(SECRET)}, allow=())
        with pytest.raises(DeliveryFailed, match=r"localhost resolves to .*loopback"):
            sender.send(sample_message(), webhook_config(f"http://localhost:{port}/hook"))
    assert receiver.requests == []


def test_redirect_from_an_allowed_target_to_a_disallowed_one_is_refused() -> None:
    # 127.0.0.1 is allowed, 127.0.0.2 is not: both are loopback, so no traffic leaves the host.
    with WebhookReceiver(SECRET.encode()) as final:
        port = final.server.server_address[1]
        with WebhookReceiver(SECRET.encode(), redirect_to=f"http://127.0.0.2:{port}/elsewhere") as first:
            sender = WebhookSender({"default": SecretStr(SECRET)}, allow=networks(["127.0.0.1/32"]))
            with pytest.raises(DeliveryFailed) as refused:
                sender.send(sample_message(), webhook_config(first.base_url + "/hook"))
    assert "127.0.0.2, a loopback address" in refused.value.reason
    assert len(first.requests) == 1
    assert final.requests == []


def test_redirect_to_an_allowed_target_keeps_the_signed_post() -> None:
    with (
        WebhookReceiver(SECRET.encode()) as final,
        WebhookReceiver(SECRET.encode(), redirect_to=final.base_url + "/moved") as first,
    ):
        sender = WebhookSender({"default": SecretStr(SECRET)}, allow=LOOPBACK)
        sender.send(sample_message(), webhook_config(first.base_url + "/hook"))
    [request] = final.requests
    assert request.path == "/moved"
    assert final.verify(request)
    assert request.json() == expected_payload()


def test_a_receiver_that_fails_first_gets_the_notice_exactly_once(tmp_path: Path) -> None:
    """Through the real outbox and dispatcher: 503 twice, then acknowledged once; the same id every time."""
    with WebhookReceiver(SECRET.encode(), fail_first=2) as receiver:
        subscription = Subscription.model_validate(
            {
                "name": "jember-asn",
                "owner": "Bawaslu Jember",
                "filters": {"regions": ["Jember"], "keywords": ["netralitas"]},
                "channels": [{"type": "webhook", "url": receiver.base_url + "/hook"}],
            }
        )
        state = AlertState(tmp_path / "alerts.sqlite3")
        clock = [FIXED_TIME]
        engine = AlertEngine(state, FixedSubscriptions([subscription]), clock=lambda: clock[0])
        enricher = Enricher()
        engine.ingest([enricher.enrich(copies()[0])[0]])
        sender = WebhookSender({"default": SecretStr(SECRET)}, LOOPBACK)
        dispatcher = Dispatcher(state, {"webhook": sender}, retry_max_seconds=60, clock=lambda: clock[0])
        outcomes = []
        for _ in range(4):
            outcomes.append(dispatcher.run_pending())
            clock[0] += 61  # past any backoff
    assert outcomes == [(0, 1), (0, 1), (1, 0), (0, 0)]
    assert len(receiver.requests) == 3
    assert len({r.headers["X-Pantau-Delivery"] for r in receiver.requests}) == 1
    assert receiver.acknowledged == list(receiver.accepted)  # acknowledged once
    [status] = state.status()
    assert (status.sent, status.queued, status.failing) == (1, 0, 0)
    assert status.last_error is not None and "answered HTTP 503" in status.last_error


# --- email -----------------------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    from infra.stack.security import ensure_tls

    files = ensure_tls(tmp_path / "tls", datetime.now(UTC))
    return files.ca_cert, files.node_cert, files.node_key


def test_email_goes_over_starttls_with_login_and_escaped_parts(tls_files: tuple[Path, Path, Path]) -> None:
    ca, cert, key = tls_files
    with smtp_receiver(cert, key, "pantau", "smtp-pass-123") as (port, handler):
        sender = EmailSender(
            "127.0.0.1",
            "Pantau <alerts@pantau.example>",
            port,
            "pantau",
            SecretStr("smtp-pass-123"),
            ca_file=ca,
            clock=lambda: FIXED_TIME,
        )
        sender.send(sample_message(), json.dumps({"type": "email", "to": ["pengawas@example.org", "b@example.org"]}))
    [received] = handler.messages
    assert received.tls and received.login == "pantau"
    assert received.mail_from == "alerts@pantau.example"
    assert received.rcpt_tos == ["pengawas@example.org", "b@example.org"]
    parsed = email.message_from_bytes(received.content, policy=email.policy.default)
    assert parsed["Subject"] == '[Pantau] Camat "Netral"? <b>Bawaslu</b> & Jember'
    assert parsed["From"] == "Pantau <alerts@pantau.example>"
    assert parsed["To"] == "pengawas@example.org, b@example.org"
    assert parsed["Date"].datetime == datetime(2024, 10, 7, 6, 0, tzinfo=UTC)
    assert parsed["Message-ID"] == f"<{'d' * 32}@pantau.example>"
    assert parsed["X-Pantau-Delivery"] == "d" * 32
    text_part = parsed.get_body(("plain",))
    html_part = parsed.get_body(("html",))
    assert text_part is not None and html_part is not None
    # SMTP carries lines ending in CRLF; compare the text itself.
    assert text_part.get_content().replace("\r\n", "\n") == (
        'Camat "Netral"? <b>Bawaslu</b> & Jember\n'
        "Outlet: memorandum\n"
        "Region: Kabupaten Jember (35.09), Jawa Timur\n"
        "Published: 2024-10-07 11:00 WIB\n"
        "Relevance: 0.91 relevant · actors: asn, camat_lurah · stage: report\n"
        'Matched: netralitas, "politik praktis"\n'
        "Link: https://memorandum.example/berita/camat?id=1&x=<2>\n"
        "Also reported by: jatimnow (https://jatimnow.example/b/1)\n"
        "\n"
        f"-- Pantau alert jember-asn (delivery {'d' * 32})\n"
    )
    assert html_part.get_content().replace("\r\n", "\n") == (
        "<!DOCTYPE html>\n<html><body>\n"
        '<h2><a href="https://memorandum.example/berita/camat?id=1&amp;x=&lt;2&gt;">'
        "Camat &quot;Netral&quot;? &lt;b&gt;Bawaslu&lt;/b&gt; &amp; Jember</a></h2>\n"
        "<ul>\n"
        "<li>Outlet: memorandum</li>\n"
        "<li>Region: Kabupaten Jember (35.09), Jawa Timur</li>\n"
        "<li>Published: 2024-10-07 11:00 WIB</li>\n"
        "<li>Relevance: 0.91 relevant · actors: asn, camat_lurah · stage: report</li>\n"
        "<li>Matched: netralitas, &quot;politik praktis&quot;</li>\n"
        '<li>Also reported by: <a href="https://jatimnow.example/b/1">jatimnow</a></li>\n'
        "</ul>\n"
        f"<p><small>Pantau alert jember-asn (delivery {'d' * 32})</small></p>\n"
        "</body></html>\n"
    )


def test_a_wrong_smtp_password_fails_without_showing_it(
    tls_files: tuple[Path, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    ca, cert, key = tls_files
    with smtp_receiver(cert, key, "pantau", "right-password") as (port, handler):
        sender = EmailSender(
            "127.0.0.1", "alerts@pantau.example", port, "pantau", SecretStr("wrong-password-xyz"), ca_file=ca
        )
        with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryFailed) as failed:
            sender.send(sample_message(), json.dumps({"type": "email", "to": ["a@example.org"]}))
    assert failed.value.reason == f"smtp 127.0.0.1:{port}: login refused (535)"
    assert "wrong-password-xyz" not in caplog.text
    assert handler.messages == []


def test_an_untrusted_smtp_certificate_is_refused(tls_files: tuple[Path, Path, Path]) -> None:
    _, cert, key = tls_files
    with smtp_receiver(cert, key, "pantau", "p") as (port, handler):
        sender = EmailSender("127.0.0.1", "alerts@pantau.example", port, "pantau", SecretStr("p"))
        with pytest.raises(DeliveryFailed, match="SSLCertVerificationError"):
            sender.send(sample_message(), json.dumps({"type": "email", "to": ["a@example.org"]}))
    assert handler.messages == []


# --- telegram --------------------------------------------------------------------------------


def test_telegram_send_message_exact_request() -> None:
    token = "123456:ABC-secret-token"
    with TelegramBotApi(token) as api:
        TelegramSender(api.base_url, SecretStr(token)).send(
            sample_message(), json.dumps({"type": "telegram", "chat_id": "-1001234567"})
        )
    [request] = api.requests
    assert request.path == f"/bot{token}/sendMessage"
    assert request.json() == {
        "chat_id": -1001234567,
        "text": (
            '<b>Camat "Netral"? &lt;b&gt;Bawaslu&lt;/b&gt; &amp; Jember</b>\n'
            "memorandum · Kabupaten Jember (35.09), Jawa Timur\n"
            "2024-10-07 11:00 WIB\n"
            "Relevance 0.91 relevant · actors: asn, camat_lurah · stage: report\n"
            'Matched: netralitas, "politik praktis"\n'
            '<a href="https://memorandum.example/berita/camat?id=1&amp;x=&lt;2&gt;">'
            "https://memorandum.example/berita/camat?id=1&amp;x=&lt;2&gt;</a>\n"
            "Also: jatimnow"
        ),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }


def test_telegram_errors_never_carry_the_token() -> None:
    token = "999:never-show-this"
    with TelegramBotApi("another-token") as api, pytest.raises(DeliveryFailed) as failed:
        TelegramSender(api.base_url, SecretStr(token)).send(
            sample_message(), json.dumps({"type": "telegram", "chat_id": "42"})
        )
    assert failed.value.reason == "telegram chat 42: HTTP 404: Not Found"
    assert token not in str(failed.value)
