"""Real local receivers for alert channels, on 127.0.0.1 only.

- :class:`WebhookReceiver`: an HTTP server that verifies each POST's HMAC signature,
  can fail its first attempts or redirect, and counts what it accepted per delivery id;
- :class:`TelegramBotApi`: an HTTP server that answers ``/bot<token>/sendMessage`` as the
  Bot API does;
- :class:`SmtpReceiver`: aiosmtpd with STARTTLS (a locally made certificate) and login.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _HttpReceiver:
    """An HTTP server on 127.0.0.1 whose answers a subclass decides."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request = Received(self.path, {k: v for k, v in self.headers.items()}, body)
                status, headers, answer = receiver.answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def __enter__(self) -> _HttpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Poll until ``predicate`` holds (readiness, not a timed assertion)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError("the receiver did not get what was expected in time")


class WebhookReceiver(_HttpReceiver):
    """Verifies the signature of every POST; ``accepted`` keeps each delivery id's first verified body."""

    def __init__(self, secret: bytes, fail_first: int = 0, redirect_to: str | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.secret = secret
        self.fail_first = fail_first
        self.redirect_to = redirect_to
        self.delay = delay
        self.bad_signatures = 0
        #: delivery id -> the body of the attempt that was acknowledged (2xx).
        self.accepted: dict[str, bytes] = {}
        #: delivery ids in the order of every 2xx answer (a repeat shows a re-delivery).
        self.acknowledged: list[str] = []

    def verify(self, request: Received) -> bool:
        timestamp = request.headers.get("X-Pantau-Timestamp", "")
        delivery = request.headers.get("X-Pantau-Delivery", "")
        given = request.headers.get("X-Pantau-Signature", "")
        mac = hmac.new(self.secret, f"{timestamp}.{delivery}.".encode() + request.body, hashlib.sha256)
        return hmac.compare_digest(given, "sha256=" + mac.hexdigest())

    def answer(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(request)
            attempt = len(self.requests)
        if self.redirect_to is not None:
            return 307, {"Location": self.redirect_to}, b""
        if not self.verify(request):
            self.bad_signatures += 1
            return 401, {}, b"bad signature"
        if attempt <= self.fail_first:
            return 503, {}, b"try later"
        if self.delay:
            time.sleep(self.delay)
        delivery = request.headers["X-Pantau-Delivery"]
        with self.lock:
            self.accepted.setdefault(delivery, request.body)
            self.acknowledged.append(delivery)
        return 200, {}, b"ok"


class TelegramBotApi(_HttpReceiver):
    """Answers sendMessage like the Bot API: ``{"ok": true, "result": {...}}`` for the right token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def answer(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(request)
        if request.path != f"/bot{self.token}/sendMessage":
            return 404, {}, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        sent = request.json()
        result = {"message_id": len(self.requests), "chat": {"id": sent["chat_id"]}, "text": sent["text"]}
        return 200, {"Content-Type": "application/json"}, json.dumps({"ok": True, "result": result}).encode()


@dataclass
class SmtpMessage:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None


@dataclass
class _SmtpHandler:
    messages: list[SmtpMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.messages.append(
            SmtpMessage(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.ssl is not None, login)
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_receiver(cert: Path, key: Path, username: str, password: str) -> Iterator[tuple[int, _SmtpHandler]]:
    """aiosmtpd on 127.0.0.1 that requires STARTTLS, then login with these credentials."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = _SmtpHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()
