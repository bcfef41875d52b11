"""Kafka security settings: validation, the one mapping to client options, and secrets kept out of sight."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError
from kafka.net.sasl.plain import SaslMechanismPlain
from kafka.net.sasl.scram import ScramClient

from infra.kafka_clients import kafka_client_config
from pantau.config import ConfigError, Settings, load_settings

SASL_SECRET = "s3cret-sasl-Pa55"
KEY_SECRET = "s3cret-key-Pa55"


@pytest.fixture(autouse=True)
def _no_pantau_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PANTAU_"):
            monkeypatch.delenv(name)


@pytest.fixture
def pem_files(tmp_path: Path) -> dict[str, Path]:
    # Existence is what the settings check; the contents are not parsed until a client connects.
    files = {}
    for name in ("ca.pem", "client.pem", "client.key"):
        path = tmp_path / name
        path.write_text("-----BEGIN CERTIFICATE-----\n")
        files[name] = path
    return files


def _distributed(**overrides: object) -> dict[str, object]:
    return {"kafka_bootstrap": "broker:9093", "elasticsearch_url": "https://es:9200", **overrides}


def test_plaintext_by_default_maps_to_bootstrap_and_protocol_only() -> None:
    settings = load_settings(**_distributed())
    assert kafka_client_config(settings) == {"bootstrap_servers": "broker:9093", "security_protocol": "PLAINTEXT"}


def test_sasl_ssl_with_scram_maps_every_option(pem_files: dict[str, Path]) -> None:
    settings = load_settings(
        **_distributed(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username="pantau",
            kafka_sasl_password=SASL_SECRET,
            kafka_ssl_cafile=pem_files["ca.pem"],
        )
    )
    config = kafka_client_config(settings)
    assert config == {
        "bootstrap_servers": "broker:9093",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "pantau",
        "sasl_plain_password": SASL_SECRET,
        "ssl_cafile": str(pem_files["ca.pem"]),
    }


def test_mutual_tls_maps_certificate_key_and_key_password(pem_files: dict[str, Path]) -> None:
    settings = load_settings(
        **_distributed(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=pem_files["ca.pem"],
            kafka_ssl_certfile=pem_files["client.pem"],
            kafka_ssl_keyfile=pem_files["client.key"],
            kafka_ssl_password=KEY_SECRET,
        )
    )
    config = kafka_client_config(settings)
    assert config["security_protocol"] == "SSL"
    assert config["ssl_certfile"] == str(pem_files["client.pem"])
    assert config["ssl_keyfile"] == str(pem_files["client.key"])
    assert config["ssl_password"] == KEY_SECRET
    assert "sasl_mechanism" not in config


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("PANTAU_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("PANTAU_KAFKA_SASL_USERNAME", "pantau")
    monkeypatch.setenv("PANTAU_KAFKA_SASL_PASSWORD", SASL_SECRET)
    config = kafka_client_config(load_settings(**_distributed()))
    assert (config["sasl_mechanism"], config["sasl_plain_username"], config["sasl_plain_password"]) == (
        "PLAIN",
        "pantau",
        SASL_SECRET,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "PLAIN", "kafka_sasl_username": "u"},
            "kafka_security_protocol=SASL_SSL needs kafka_sasl_password",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT"},
            "needs kafka_sasl_mechanism, kafka_sasl_username, kafka_sasl_password",
        ),
        ({"kafka_sasl_username": "u"}, "kafka_sasl_username need kafka_security_protocol SASL_PLAINTEXT or SASL_SSL"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "GSSAPI"},
            "kafka_sasl_mechanism",
        ),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
    ],
)
def test_inconsistent_security_options_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**_distributed(**overrides))


def test_tls_files_need_a_tls_protocol(pem_files: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="kafka_ssl_cafile need kafka_security_protocol SSL or SASL_SSL"):
        load_settings(**_distributed(kafka_ssl_cafile=pem_files["ca.pem"]))


def test_a_key_without_its_certificate_is_refused(pem_files: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="need kafka_ssl_certfile"):
        load_settings(**_distributed(kafka_security_protocol="SSL", kafka_ssl_keyfile=pem_files["client.key"]))


def test_missing_tls_file_is_named_with_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("PANTAU_KAFKA_SSL_CAFILE", str(tmp_path / "absent.pem"))
    with pytest.raises(ConfigError, match="environment PANTAU_KAFKA_SSL_CAFILE: Path does not point to a file"):
        load_settings(**_distributed())


def _secure_settings(pem_files: dict[str, Path]) -> Settings:
    return load_settings(
        **_distributed(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="pantau",
            kafka_sasl_password=SASL_SECRET,
            kafka_ssl_cafile=pem_files["ca.pem"],
            kafka_ssl_certfile=pem_files["client.pem"],
            kafka_ssl_password=KEY_SECRET,
        )
    )


def test_secrets_stay_out_of_settings_repr_and_dumps(pem_files: dict[str, Path]) -> None:
    settings = _secure_settings(pem_files)
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert SASL_SECRET not in text
        assert KEY_SECRET not in text


def test_client_options_print_without_secrets_but_kafka_python_reads_them(pem_files: dict[str, Path]) -> None:
    config = kafka_client_config(_secure_settings(pem_files))
    shown = f"{config} {config!r} %s" % config
    assert SASL_SECRET not in shown and KEY_SECRET not in shown
    # kafka-python's own SASL code still gets the real characters.
    plain = SaslMechanismPlain(**config)
    assert plain.auth_bytes() == f"pantau\0pantau\0{SASL_SECRET}".encode()
    scram = ScramClient("pantau", config["sasl_plain_password"], "SCRAM-SHA-256")
    assert scram.password == SASL_SECRET.encode()


def test_kafka_python_debug_log_of_its_configuration_holds_no_secret(
    pem_files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        **_distributed(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="pantau",
            kafka_sasl_password=SASL_SECRET,
        )
    )
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = kafka_client_config(settings) | {"bootstrap_servers": f"127.0.0.1:{port}"}
    caplog.set_level(logging.DEBUG, logger="kafka")
    with pytest.raises(KafkaError):
        KafkaAdminClient(**config, bootstrap_timeout_ms=300, request_timeout_ms=300)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Starting KafkaAdminClient with configuration" in logged
    assert "pantau" in logged
    assert SASL_SECRET not in logged
