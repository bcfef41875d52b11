"""Typed settings, validated once at start-up.

Precedence, highest first: explicit overrides (command-line flags), ``PANTAU_*``
environment variables, the YAML file named by ``--config`` or ``PANTAU_CONFIG``, then
the defaults below. With neither ``kafka_bootstrap`` nor ``elasticsearch_url`` set,
Pantau runs embedded: one process, SQLite store.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, FilePath, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    YamlConfigSettingsSource,
)

from pantau.dates import known_timezone

ENV_PREFIX = "PANTAU_"

logger = logging.getLogger(__name__)


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pantau"


class ConfigError(ValueError):
    """Configuration that cannot be used; the message names the source and the field."""


# The YAML source of the settings being loaded: set by load_settings around one
# construction, so that --config can name a file per call.
_YAML_SOURCE: ContextVar[YamlConfigSettingsSource | None] = ContextVar("pantau_yaml_source", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    # Where the engines are. Unset means embedded mode.
    kafka_bootstrap: str | None = None
    elasticsearch_url: str | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_api_key: SecretStr | None = None
    elasticsearch_ca_certs: Path | None = None
    # How every Kafka client (producers, consumers, admin, readers) authenticates and encrypts;
    # turned into client options in one place (infra.kafka_clients.kafka_client_config).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: FilePath | None = None
    kafka_ssl_certfile: FilePath | None = None
    kafka_ssl_keyfile: FilePath | None = None
    kafka_ssl_password: SecretStr | None = None

    # Names of things in the engines.
    topic_prefix: str = Field(default="pantau", pattern=r"^[a-zA-Z0-9._-]+$")
    index_alias: str = Field(default="pantau-articles", pattern=r"^[a-z0-9._-]+$")
    group_prefix: str = Field(default="pantau", pattern=r"^[a-zA-Z0-9._-]+$")
    topic_partitions: int = Field(default=6, ge=1, le=1000)
    topic_replication: int = Field(default=1, ge=1, le=10)

    # Local state: embedded store, producer spool, dedup state.
    data_dir: Path = Path(".pantau")
    # Downloads (Kafka jars, Elasticsearch zip, pip wheels); fetched once, reused.
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    # The local stack's data and logs (``pantau stack up``).
    stack_dir: Path = Path(".stack")
    stack_kafka_port: int = Field(default=9092, ge=1, le=65535)
    stack_kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    stack_elasticsearch_port: int = Field(default=9200, ge=1, le=65535)
    stack_kafka_version: str = "4.1.1"
    stack_elasticsearch_version: str = "9.5.0"
    stack_kafka_heap: str = "512m"
    stack_elasticsearch_heap: str = "768m"
    # Elasticsearch with security on: TLS on HTTP, the `elastic` user's password, API keys.
    stack_secure: bool = False

    # Crawling.
    sites: list[str] = Field(default_factory=list)
    # An operator's own catalogue of site files instead of the bundled one (fixtures in ../fixtures).
    sites_dir: Path | None = None
    crawl_max_articles: int = Field(default=200, ge=1)
    user_agent: str = "PantauBot/0.1 (+https://github.com/pantau-monitor/pantau; election-neutrality monitor)"
    # Who a site owner can write to about the crawler; sent in the User-Agent.
    crawl_contact: str = ""

    # Embedded mode: enrichment and storage run beside the crawl in a second process (uses
    # the second core) or a thread (one process, but it shares the GIL with the crawl).
    embedded_worker: Literal["process", "thread"] = "process"

    # Delivery.
    producer_retries: int = Field(default=5, ge=0)
    producer_delivery_timeout_ms: int = Field(default=30_000, ge=1000)
    consumer_batch_size: int = Field(default=500, ge=1)
    consumer_max_retries: int = Field(default=5, ge=0)
    # A dead consumer's partitions move to the others after this long without a heartbeat.
    # Shorter recovers faster; too short and a process that stalls (GC, a busy core) is
    # taken for dead and its batch is processed twice. 6 s is the broker's default minimum.
    consumer_session_timeout_ms: int = Field(default=6_000, ge=1_000, le=300_000)
    # Static group membership (group.instance.id): set a stable, unique name per process
    # (e.g. "enrich-1") and a restart takes its partitions back at once, without a rebalance.
    consumer_instance_id: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9._-]+$")

    # Searching: the analyst's clock for times shown by `pantau search` and `pantau story`.
    display_timezone: str = "Asia/Jakarta"
    # Kibana, for `pantau kibana import` (saved searches and the dashboard).
    kibana_url: str | None = None
    kibana_username: str | None = None
    kibana_password: SecretStr | None = None
    kibana_api_key: SecretStr | None = None

    # Operations.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # Alerts (pantau/alerts, the channels package): subscriptions, delivery and channel options.
    # Secrets may come from here (PANTAU_ALERTS_*) or from ``alerts_secrets_file``; env wins.
    alerts_dir: Path = Path("alerts")
    alerts_timezone: str = "Asia/Jakarta"
    # Where a new alert consumer starts on the enriched topic (its stored position wins after that).
    alerts_start_from: Literal["latest", "earliest"] = "latest"
    alerts_retry_max_seconds: float = Field(default=900.0, ge=1.0)
    alerts_secrets_file: FilePath | None = None
    # Networks (CIDR) a webhook may reach although they are private, loopback or link-local.
    alerts_webhook_allow: list[str] = Field(default_factory=list)
    alerts_webhook_secret: SecretStr | None = None
    alerts_webhook_timeout: float = Field(default=10.0, gt=0)
    alerts_smtp_host: str | None = None
    alerts_smtp_port: int = Field(default=587, ge=1, le=65535)
    alerts_smtp_username: str | None = None
    alerts_smtp_password: SecretStr | None = None
    alerts_smtp_from: str | None = None
    # A CA bundle for the SMTP server's certificate (default: the system's).
    alerts_smtp_ca_file: FilePath | None = None
    alerts_telegram_base_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://")
    alerts_telegram_bot_token: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = _YAML_SOURCE.get()
        return (init_settings, env_settings) if yaml_source is None else (init_settings, env_settings, yaml_source)

    @model_validator(mode="after")
    def _engines_together(self) -> Settings:
        # Half a distributed setup would silently split the data between two stores.
        if bool(self.kafka_bootstrap) != bool(self.elasticsearch_url):
            raise ValueError(
                "set both kafka_bootstrap and elasticsearch_url (distributed mode) or neither (embedded mode)"
            )
        return self

    @model_validator(mode="after")
    def _kafka_security_consistent(self) -> Settings:
        # An option the chosen protocol would ignore is a mistake to report, not to drop silently.
        protocol = self.kafka_security_protocol
        sasl = {
            "kafka_sasl_mechanism": self.kafka_sasl_mechanism,
            "kafka_sasl_username": self.kafka_sasl_username,
            "kafka_sasl_password": self.kafka_sasl_password,
        }
        tls = {
            "kafka_ssl_cafile": self.kafka_ssl_cafile,
            "kafka_ssl_certfile": self.kafka_ssl_certfile,
            "kafka_ssl_keyfile": self.kafka_ssl_keyfile,
            "kafka_ssl_password": self.kafka_ssl_password,
        }
        if protocol.startswith("SASL_"):
            missing = [name for name, value in sasl.items() if not value]
            if missing:
                raise ValueError(f"kafka_security_protocol={protocol} needs {', '.join(missing)}")
        else:
            stray = [name for name, value in sasl.items() if value]
            if stray:
                raise ValueError(f"{', '.join(stray)} need kafka_security_protocol SASL_PLAINTEXT or SASL_SSL")
        if protocol not in ("SSL", "SASL_SSL"):
            stray = [name for name, value in tls.items() if value]
            if stray:
                raise ValueError(f"{', '.join(stray)} need kafka_security_protocol SSL or SASL_SSL")
        if (self.kafka_ssl_keyfile or self.kafka_ssl_password) and not self.kafka_ssl_certfile:
            raise ValueError("kafka_ssl_keyfile and kafka_ssl_password need kafka_ssl_certfile (the client cert)")
        return self

    @field_validator("display_timezone", "alerts_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("alerts_webhook_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not a network (CIDR such as 127.0.0.1/32 or 10.0.0.0/8)") from exc
        return value

    @property
    def mode(self) -> Literal["embedded", "kafka"]:
        return "kafka" if self.kafka_bootstrap else "embedded"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "pantau.sqlite3"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def alerts_state_path(self) -> Path:
        """The alert outbox: notified stories, queued deliveries and the consumer's position."""
        return self.data_dir / "alerts.sqlite3"


def _yaml_source(path: Path) -> YamlConfigSettingsSource:
    """pydantic-settings' YAML source for ``path``, with read errors named by file."""
    if not path.is_file():
        raise ConfigError(f"config file {path}: no such file")
    try:
        source = YamlConfigSettingsSource(Settings, yaml_file=path)
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path}: not valid YAML: {exc}") from exc
    except (AttributeError, TypeError, ValueError) as exc:  # a list or scalar where a mapping belongs
        raise ConfigError(f"config file {path}: expected a mapping of setting names") from exc
    return source


# Variables that start with the prefix but are not settings of their own.
_NOT_SETTINGS = {"CONFIG"}


def _is_list(field: str) -> bool:
    return "list" in str(Settings.model_fields[field].annotation)


def _warn_unknown_environment() -> None:
    """A ``PANTAU_*`` variable that names no setting is almost always a typo: say which was meant."""
    known = {f.upper() for f in Settings.model_fields} | _NOT_SETTINGS
    for name in sorted(os.environ):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in known:
            continue
        if name.startswith(ENV_PREFIX + "TEST_"):
            continue  # the test suite's own variables
        close = difflib.get_close_matches(name[len(ENV_PREFIX) :], sorted(known), n=1)
        hint = f"; did you mean {ENV_PREFIX}{close[0]}?" if close else ""
        logger.warning("unknown setting in the environment: %s%s", name, hint, extra={"variable": name})


def _where(field: str, overrides: dict[str, Any], file_values: dict[str, Any], path: Path | None) -> str:
    if field in overrides:
        return f"option {field}"
    if (ENV_PREFIX + field.upper()) in os.environ:
        return f"environment {ENV_PREFIX}{field.upper()}"
    if field in file_values:
        return f"config file {path}: {field}"
    return field


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings`, failing with one clear :class:`ConfigError` naming the bad field."""
    raw_path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    path = Path(raw_path) if raw_path else None
    source = _yaml_source(path) if path else None
    file_values = dict(source.yaml_data) if source else {}
    clean = {k: v for k, v in overrides.items() if v is not None}
    _warn_unknown_environment()
    token = _YAML_SOURCE.set(source)
    try:
        return Settings(**clean)
    except SettingsError as exc:
        # pydantic-settings could not decode a value before validation (a list that is not JSON).
        field = next((f for f in Settings.model_fields if f'"{f}"' in str(exc)), "")
        name = ENV_PREFIX + field.upper()
        hint = " (a list is JSON, e.g. '[\"memorandum\"]')" if field and _is_list(field) else ""
        raise ConfigError(f"environment {name}: cannot be read as a value{hint}") from exc
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            if err["type"] == "extra_forbidden" and field in file_values:
                problems.append(f"config file {path}: unknown setting {field}")
                continue
            problems.append(f"{_where(field, clean, file_values, path)}: {err['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from exc
    finally:
        _YAML_SOURCE.reset(token)
