"""Telegram channel: the Bot API's ``sendMessage``, at a configurable base URL.

Required options: ``alerts_telegram_bot_token`` (environment or secrets file) and the
channel's ``chat_id``; ``alerts_telegram_base_url`` defaults to the public Bot API. The
message uses the HTML parse mode, article text escaped. The Bot API has no idempotency
key: a message whose acknowledgement is lost on the way back is sent again, and the chat
sees it twice; the delivery id is in the log line of each attempt.
"""

from __future__ import annotations

import json
from typing import Any

import urllib3
from pydantic import SecretStr

from pantau.alerts import render
from pantau.alerts.dispatch import DeliveryFailed
from pantau.alerts.notice import Message
from pantau.alerts.secrets import AlertSecrets
from pantau.alerts.subscriptions import TelegramChannel
from pantau.config import Settings

REQUIRED = ("alerts_telegram_bot_token",)


def request_body(message: Message, chat_id: str) -> dict[str, Any]:
    """The sendMessage parameters for ``message``."""
    return {
        "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
        "text": render.telegram(message),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }


class TelegramSender:
    def __init__(self, base_url: str, token: SecretStr, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False)

    def send(self, message: Message, config: str) -> None:
        spec = TelegramChannel.model_validate_json(config)
        body = json.dumps(request_body(message, spec.chat_id), ensure_ascii=False).encode("utf-8")
        # The token is part of the path: nothing below may put the URL into a message.
        url = f"{self.base_url}/bot{self.token.get_secret_value()}/sendMessage"
        try:
            response = self.http.request(
                "POST", url, body=body, headers={"Content-Type": "application/json"}, redirect=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryFailed(f"telegram: cannot reach the Bot API ({type(exc).__name__})") from exc
        try:
            answer = json.loads(response.data or b"{}")
        except ValueError:
            answer = {}
        if response.status == 200 and answer.get("ok") is True:
            return
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        description = str(answer.get("description") or "no description")[:200]
        raise DeliveryFailed(
            f"telegram chat {spec.chat_id}: HTTP {response.status}: {description}",
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )


def from_settings(settings: Settings, secrets: AlertSecrets) -> TelegramSender:
    assert secrets.telegram_bot_token is not None  # checked against REQUIRED first
    return TelegramSender(
        settings.alerts_telegram_base_url, secrets.telegram_bot_token, settings.alerts_webhook_timeout
    )
