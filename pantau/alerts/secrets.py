"""Channel secrets: from ``PANTAU_ALERTS_*`` environment variables or a secrets file, never logged.

The secrets file (``alerts_secrets_file``) is YAML, readable by its owner only::

    webhook_secret: "..."          # the default webhook signing secret
    webhook_secrets:               # named ones, chosen by a webhook channel's ``secret:``
      jember: "..."
    smtp_password: "..."
    telegram_bot_token: "..."

The environment wins over the file. Every value is a ``SecretStr``: its ``repr`` and
``str`` are stars, and errors about the file name the field, never the value.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import Field, SecretStr

from pantau.config import ConfigError, Settings
from pantau.datafile import FileModel, parse_yaml, validate

logger = logging.getLogger(__name__)


class SecretsFile(FileModel):
    webhook_secret: SecretStr | None = None
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    smtp_password: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None


@dataclass(frozen=True)
class AlertSecrets:
    """The secrets channels use, by purpose."""

    webhook: Mapping[str, SecretStr] = field(default_factory=dict)
    smtp_password: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None

    def values(self) -> list[str]:
        """Every secret value: what error messages are scrubbed of before they are stored or logged."""
        found = [s.get_secret_value() for s in self.webhook.values()]
        found += [s.get_secret_value() for s in (self.smtp_password, self.telegram_bot_token) if s is not None]
        return [v for v in found if v]


def load_secrets(settings: Settings) -> AlertSecrets:
    """Secrets from the environment (already in ``settings``), then the secrets file."""
    from_file = SecretsFile()
    path = settings.alerts_secrets_file
    if path is not None:
        source = f"secrets file {path}"
        try:
            text = path.read_text(encoding="utf-8")
            mode = path.stat().st_mode
        except OSError as exc:
            raise ConfigError(f"{source}: cannot be read: {exc.strerror}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning("secrets file is readable by others; chmod 600 it", extra={"path": str(path)})
        data = parse_yaml(text, source, ConfigError) or {}
        from_file = validate(SecretsFile, data, source, ConfigError)
    webhook = dict(from_file.webhook_secrets)
    default = settings.alerts_webhook_secret or from_file.webhook_secret
    if default is not None:
        webhook["default"] = default
    return AlertSecrets(
        webhook=webhook,
        smtp_password=settings.alerts_smtp_password or from_file.smtp_password,
        telegram_bot_token=settings.alerts_telegram_bot_token or from_file.telegram_bot_token,
    )
