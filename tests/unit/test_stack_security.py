"""The secured local Elasticsearch's pure parts: certificates, credentials file, configuration."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from pydantic import SecretStr

from infra.stack.config import render_elasticsearch_yml
from infra.stack.security import (
    Credentials,
    ensure_tls,
    parse_credentials,
    read_credentials,
    render_credentials,
    write_credentials,
)
from pantau.config import load_settings

NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secure_yml_turns_security_and_http_tls_on_with_files_in_the_config_dir() -> None:
    parsed = yaml.safe_load(
        render_elasticsearch_yml(http_port=9201, data_dir=Path("/d"), logs_dir=Path("/l"), certs_dir="certs")
    )
    assert parsed["xpack.security.enabled"] is True
    assert parsed["xpack.security.http.ssl.enabled"] is True
    assert parsed["xpack.security.http.ssl.certificate"] == "certs/node.crt"
    assert parsed["xpack.security.http.ssl.key"] == "certs/node.key"
    assert parsed["xpack.security.http.ssl.certificate_authorities"] == ["certs/ca.crt"]
    assert parsed["network.host"] == "127.0.0.1"


def test_tls_files_are_made_once_with_private_keys_readable_by_the_owner_only(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path / "certs", now=NOW)
    assert _mode(files.ca_key) == 0o600 and _mode(files.node_key) == 0o600
    node = x509.load_pem_x509_certificate(files.node_cert.read_bytes())
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    node.verify_directly_issued_by(ca)
    names = node.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    before = {p.name: p.read_bytes() for p in files.folder.iterdir()}
    ensure_tls(tmp_path / "certs", now=NOW + dt.timedelta(days=100))
    assert {p.name: p.read_bytes() for p in files.folder.iterdir()} == before


def test_a_node_certificate_near_its_end_is_renewed_under_the_same_ca(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path, now=NOW)
    ca_before, node_before = files.ca_cert.read_bytes(), files.node_cert.read_bytes()
    ensure_tls(tmp_path, now=NOW + dt.timedelta(days=350))
    assert files.ca_cert.read_bytes() == ca_before
    assert files.node_cert.read_bytes() != node_before
    renewed = x509.load_pem_x509_certificate(files.node_cert.read_bytes())
    assert renewed.not_valid_after_utc > NOW + dt.timedelta(days=700)


def test_a_node_certificate_from_another_ca_is_replaced(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path / "a", now=NOW)
    other = ensure_tls(tmp_path / "b", now=NOW)
    files.node_cert.write_bytes(other.node_cert.read_bytes())
    files.node_key.write_bytes(other.node_key.read_bytes())
    ensure_tls(tmp_path / "a", now=NOW)
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    x509.load_pem_x509_certificate(files.node_cert.read_bytes()).verify_directly_issued_by(ca)


def test_a_client_trusting_only_the_stack_ca_completes_a_handshake_with_the_node_certificate(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(files.node_cert, files.node_key)
    client_context = ssl.create_default_context(cafile=str(files.ca_cert))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        errors: list[BaseException] = []

        def serve() -> None:
            try:
                conn, _ = listener.accept()
                with server_context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"ok")
            except (OSError, ssl.SSLError) as exc:
                errors.append(exc)

        thread = threading.Thread(target=serve)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.recv(2) == b"ok"
        thread.join(5)
    assert errors == []


def _credentials(ca: Path) -> Credentials:
    return Credentials("https://127.0.0.1:9200", "elastic", SecretStr("pw-Abc_123"), ca)


def test_credentials_file_round_trips_in_pantau_variables(tmp_path: Path) -> None:
    text = render_credentials(_credentials(tmp_path / "ca.crt"))
    assert parse_credentials(text) == {
        "PANTAU_ELASTICSEARCH_URL": "https://127.0.0.1:9200",
        "PANTAU_ELASTICSEARCH_USERNAME": "elastic",
        "PANTAU_ELASTICSEARCH_PASSWORD": "pw-Abc_123",
        "PANTAU_ELASTICSEARCH_CA_CERTS": str(tmp_path / "ca.crt"),
    }


def test_credentials_file_is_private_even_when_it_existed_readable(tmp_path: Path) -> None:
    path = tmp_path / "elasticsearch.env"
    path.write_text("old\n")
    path.chmod(0o644)
    write_credentials(path, _credentials(tmp_path / "ca.crt"))
    assert _mode(path) == 0o600
    loaded = read_credentials(path)
    assert loaded is not None and loaded.password.get_secret_value() == "pw-Abc_123"
    assert read_credentials(tmp_path / "absent.env") is None


def test_credentials_never_show_the_password(tmp_path: Path) -> None:
    credentials = _credentials(tmp_path / "ca.crt")
    assert "pw-Abc_123" not in repr(credentials) and "pw-Abc_123" not in str(credentials)


def test_secure_mode_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANTAU_STACK_SECURE", raising=False)
    assert load_settings().stack_secure is False
    monkeypatch.setenv("PANTAU_STACK_SECURE", "true")
    assert load_settings().stack_secure is True
