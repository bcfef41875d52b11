"""Alert channel adapters, one module each: ``webhook``, ``mail`` (SMTP), ``telegram``.

Each module declares the settings it cannot work without (``REQUIRED``) and builds its
sender with ``from_settings``; a sender implements the core's
:class:`pantau.alerts.dispatch.Channel`. The core never imports this package: the command
line wires the senders into the dispatcher.
"""

from __future__ import annotations

from collections.abc import Collection
from types import ModuleType

from channels import mail, telegram, webhook
from pantau.alerts.dispatch import Channel
from pantau.alerts.secrets import AlertSecrets
from pantau.config import ConfigError, Settings

#: Channel type (as written in subscription files) -> its module.
MODULES: dict[str, ModuleType] = {"webhook": webhook, "email": mail, "telegram": telegram}


#: Settings that may also come from the secrets file, and their key there.
_SECRETS = {"alerts_smtp_password": "smtp_password", "alerts_telegram_bot_token": "telegram_bot_token"}


def _missing(module: ModuleType, settings: Settings, secrets: AlertSecrets) -> list[str]:
    missing = []
    for name in module.REQUIRED:
        value = getattr(settings, name)
        if name in _SECRETS:
            value = getattr(secrets, _SECRETS[name])
        if not value:
            missing.append(name)
    return missing


def _where(setting: str) -> str:
    if setting in _SECRETS:
        return f"{setting} (PANTAU_{setting.upper()} or {_SECRETS[setting]} in the secrets file)"
    return f"{setting} (PANTAU_{setting.upper()})"


def build_channels(settings: Settings, secrets: AlertSecrets, needed: Collection[str]) -> dict[str, Channel]:
    """Senders for every channel type in ``needed``; a missing required option is one :class:`ConfigError`."""
    problems = []
    senders: dict[str, Channel] = {}
    for kind in sorted(set(needed)):
        module = MODULES[kind]
        missing = _missing(module, settings, secrets)
        if missing:
            problems.append(f"{kind} channels need " + ", ".join(_where(m) for m in missing))
            continue
        senders[kind] = module.from_settings(settings, secrets)
    if problems:
        raise ConfigError("; ".join(problems))
    return senders
