"""Webhook channel: a signed JSON POST to the subscriber's URL.

Required options: the channel's ``url``, and a signing secret (``alerts_webhook_secret``
for the default one, or ``webhook_secrets.<name>`` in the secrets file for
``secret: <name>``). Headers sent with every POST:

- ``X-Pantau-Delivery``: the delivery id, the same on every retry (also ``Idempotency-Key``);
- ``X-Pantau-Timestamp``: seconds since the epoch when this attempt was signed;
- ``X-Pantau-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the secret, over
  ``<timestamp>.<delivery id>.`` followed by the exact body bytes.

A receiver recomputes the HMAC over what it received, compares in constant time, refuses
old timestamps, and ignores a delivery id it has already handled. Any 2xx answer is an
acknowledgement; anything else is retried. Redirects are followed only when they keep the
POST (307, 308), at most three, each target checked again (:mod:`channels.addresses`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

import urllib3
from pydantic import SecretStr

from channels.addresses import AddressRefused, IPNetwork, Resolver, checked_address, networks
from pantau.alerts import render
from pantau.alerts.dispatch import DeliveryFailed
from pantau.alerts.notice import Message
from pantau.alerts.secrets import AlertSecrets
from pantau.alerts.subscriptions import WebhookChannel
from pantau.config import Settings

#: Settings this channel cannot work without (a secret is checked per channel, by name).
REQUIRED: tuple[str, ...] = ()
MAX_REDIRECTS = 3
USER_AGENT = "Pantau-Alerts/1"


def signature(secret: bytes, timestamp: str, delivery_id: str, body: bytes) -> str:
    """The ``X-Pantau-Signature`` value for one attempt."""
    mac = hmac.new(secret, f"{timestamp}.{delivery_id}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSender:
    """Signs and POSTs messages; every hop's address checked before connecting to it."""

    def __init__(
        self,
        secrets: Mapping[str, SecretStr],
        allow: Sequence[IPNetwork] = (),
        timeout: float = 10.0,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secrets = dict(secrets)
        self.allow = tuple(allow)
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.resolver = resolver
        self.clock = clock

    def send(self, message: Message, config: str) -> None:
        spec = WebhookChannel.model_validate_json(config)
        secret = self.secrets.get(spec.secret)
        if secret is None:
            where = "alerts_webhook_secret" if spec.secret == "default" else f"webhook_secrets.{spec.secret}"
            raise DeliveryFailed(f"{spec.label}: no signing secret (set {where})")
        body = render.payload_bytes(message)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Pantau-Delivery": message.delivery_id,
            "Idempotency-Key": message.delivery_id,
            "X-Pantau-Timestamp": timestamp,
            "X-Pantau-Signature": signature(secret.get_secret_value().encode(), timestamp, message.delivery_id, body),
        }
        url = spec.url
        for _ in range(MAX_REDIRECTS + 1):
            status, location, retry_after = self._post(url, body, headers)
            if 200 <= status < 300:
                return
            if status in (307, 308) and location:
                url = urljoin(url, location)
                continue
            raise DeliveryFailed(f"{_where(url)}: answered HTTP {status}", retry_after)
        raise DeliveryFailed(f"{spec.label}: more than {MAX_REDIRECTS} redirects")

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str | None, float | None]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryFailed(f"{_where(url)}: not an http(s) URL")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            if self.resolver is None:
                address = checked_address(host, port, self.allow)
            else:
                address = checked_address(host, port, self.allow, self.resolver)
        except AddressRefused as exc:
            raise DeliveryFailed(f"webhook refused: {exc}") from exc
        pool: urllib3.HTTPConnectionPool
        if parts.scheme == "https":
            # Connect to the checked address; verify the certificate for the name.
            pool = urllib3.HTTPSConnectionPool(
                address, port, timeout=self.timeout, retries=False, server_hostname=host, assert_hostname=host
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=self.timeout, retries=False)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            response = pool.urlopen(
                "POST",
                target,
                body=body,
                headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
                redirect=False,
                retries=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryFailed(f"{_where(url)}: {type(exc).__name__}") from exc
        finally:
            pool.close()
        retry_after = response.headers.get("Retry-After")
        hint = float(retry_after) if retry_after and retry_after.isdigit() else None
        return response.status, response.headers.get("Location"), hint


def _where(url: str) -> str:
    # Only scheme and host: a webhook path or query often holds a token.
    parts = urlsplit(url)
    return f"webhook {parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def from_settings(settings: Settings, secrets: AlertSecrets) -> WebhookSender:
    return WebhookSender(secrets.webhook, networks(settings.alerts_webhook_allow), settings.alerts_webhook_timeout)
