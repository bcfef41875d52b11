"""Email channel: SMTP with STARTTLS and login; one email per notice, or one per digest.

Required options: ``alerts_smtp_host`` and ``alerts_smtp_from``; ``alerts_smtp_username``
with ``alerts_smtp_password`` (environment or secrets file) to log in;
``alerts_smtp_port`` (587) and ``alerts_smtp_ca_file`` (a CA bundle for a private server)
are optional. The connection is always upgraded with STARTTLS before anything else is
said, and a server that does not offer it is refused. Each email has a plain-text and an
HTML part (article text escaped), and its ``Message-ID`` is made from the delivery id, so
a resent email is recognisably the same one.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from pydantic import SecretStr

from pantau.alerts import render
from pantau.alerts.dispatch import DeliveryFailed
from pantau.alerts.notice import Message
from pantau.alerts.secrets import AlertSecrets
from pantau.alerts.subscriptions import EmailChannel
from pantau.config import Settings

REQUIRED = ("alerts_smtp_host", "alerts_smtp_from")


def build_email(message: Message, sender: str, to: Sequence[str], date: float) -> EmailMessage:
    """The email for ``message``: headers, a text part and an HTML part."""
    email = EmailMessage()
    email["Subject"] = render.subject(message)
    email["From"] = sender
    email["To"] = ", ".join(to)
    email["Date"] = formatdate(date, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip(">") or "pantau.invalid"
    email["Message-ID"] = f"<{message.delivery_id}@{domain}>"
    email["X-Pantau-Delivery"] = message.delivery_id
    email.set_content(render.text(message))
    email.add_alternative(render.html(message), subtype="html")
    return email


class EmailSender:
    def __init__(
        self,
        host: str,
        sender: str,
        port: int = 587,
        username: str | None = None,
        password: SecretStr | None = None,
        ca_file: Path | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.timeout = timeout
        self.clock = clock
        self.context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def send(self, message: Message, config: str) -> None:
        spec = EmailChannel.model_validate_json(config)
        email = build_email(message, self.sender, spec.to, self.clock())
        where = f"smtp {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                smtp.starttls(context=self.context)
                smtp.ehlo()
                if self.username:
                    password = self.password.get_secret_value() if self.password else ""
                    smtp.login(self.username, password)
                smtp.send_message(email)
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryFailed(f"{where}: the server does not offer STARTTLS; refusing to send in clear") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"{where}: login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ", ".join(f"{rcpt}: {code}" for rcpt, (code, _) in exc.recipients.items())
            raise DeliveryFailed(f"{where}: recipients refused ({codes})") from exc
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            )
            raise DeliveryFailed(f"{where}: {exc.smtp_code} {text[:200]}") from exc
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryFailed(f"{where}: {type(exc).__name__}: {exc}") from exc


def from_settings(settings: Settings, secrets: AlertSecrets) -> EmailSender:
    assert settings.alerts_smtp_host and settings.alerts_smtp_from  # checked against REQUIRED first
    return EmailSender(
        settings.alerts_smtp_host,
        settings.alerts_smtp_from,
        settings.alerts_smtp_port,
        settings.alerts_smtp_username,
        secrets.smtp_password,
        settings.alerts_smtp_ca_file,
    )
