"""Elasticsearch with security on (``pantau stack up --secure``): TLS, the ``elastic`` password, credentials.

The certificates are a local CA and a node certificate for ``127.0.0.1``/``localhost``,
made with the ``cryptography`` package and kept in ``<stack_dir>/certs`` so the CA a user
points clients at stays the same across restarts. The distribution's
``elasticsearch-certutil`` would do the same, but each run is a JVM start: two runs took
8.5 s here against well under a second in Python, on every fresh secure stack (CI).

The ``elastic`` user's password is the keystore's ``bootstrap.password``, which
Elasticsearch accepts for ``elastic`` until a password is set through the API. It is
made once, kept in ``<stack_dir>/elasticsearch.env`` (mode 0600) with the URL, user name
and CA path in ``PANTAU_*`` form, and never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import SecretStr

from infra.stack.config import HOST
from infra.stack.errors import StackError
from infra.stack.processes import tail_text

logger = logging.getLogger(__name__)

ELASTIC_USER = "elastic"
CREDENTIALS_NAME = "elasticsearch.env"
# Where the node's TLS files sit inside Elasticsearch's config dir: Elasticsearch 9 reads
# files only below its config dir, and relative paths in elasticsearch.yml resolve there.
NODE_CERTS_DIR = "certs"
_NODE_DAYS = 365
_RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    """The CA and node certificate of one stack, as PEM files in one folder."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def node_cert(self) -> Path:
        return self.folder / "node.crt"

    @property
    def node_key(self) -> Path:
        return self.folder / "node.key"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca(now: dt.datetime, days: int = 3 * 365) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA that may sign server certificates (and nothing below them)."""
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pantau local stack CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_node_cert(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    now: dt.datetime,
    ips: tuple[str, ...] = (HOST, "::1"),
    dns_names: tuple[str, ...] = ("localhost",),
    days: int = _NODE_DAYS,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A server certificate signed by the CA, valid for the given loopback addresses and names."""
    key = _new_key()
    alt_names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    alt_names += [x509.DNSName(name) for name in dns_names]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pantau-1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read, whatever the umask (and even if it existed before)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def _node_cert_usable(files: TlsFiles, now: dt.datetime) -> bool:
    """The node certificate exists, was signed by the CA on disk, and is not about to expire."""
    try:
        ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        node = x509.load_pem_x509_certificate(files.node_cert.read_bytes())
        serialization.load_pem_private_key(files.node_key.read_bytes(), password=None)
        node.verify_directly_issued_by(ca)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    return node.not_valid_after_utc - now > _RENEW_BEFORE


def ensure_tls(folder: Path, now: dt.datetime | None = None) -> TlsFiles:
    """The stack's CA and node certificate, made when missing; the node certificate is renewed before it expires."""
    now = now or dt.datetime.now(dt.UTC)
    files = TlsFiles(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if _node_cert_usable(files, now):
        return files
    try:
        ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        if not isinstance(ca_key, rsa.RSAPrivateKey) or ca_cert.not_valid_after_utc - now <= _RENEW_BEFORE:
            raise ValueError("CA unusable")
    except (OSError, ValueError, TypeError):
        ca_key, ca_cert = make_ca(now)
        _write_private(files.ca_key, _key_pem(ca_key))
        files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        logger.info("made a certificate authority", extra={"path": files.ca_cert})
    node_key, node_cert = make_node_cert(ca_key, ca_cert, now)
    _write_private(files.node_key, _key_pem(node_key))
    files.node_cert.write_bytes(node_cert.public_bytes(serialization.Encoding.PEM))
    logger.info("made a node certificate", extra={"path": files.node_cert, "expires": node_cert.not_valid_after_utc})
    return files


@dataclass(frozen=True)
class Credentials:
    """How a client reaches the secured node: what ``PANTAU_ELASTICSEARCH_*`` should say."""

    url: str
    username: str
    password: SecretStr
    ca_certs: Path

    def environment(self) -> dict[str, str]:
        """The ``PANTAU_*`` variables, password included (for the 0600 file, never for a log)."""
        return {
            "PANTAU_ELASTICSEARCH_URL": self.url,
            "PANTAU_ELASTICSEARCH_USERNAME": self.username,
            "PANTAU_ELASTICSEARCH_PASSWORD": self.password.get_secret_value(),
            "PANTAU_ELASTICSEARCH_CA_CERTS": str(self.ca_certs),
        }


def render_credentials(credentials: Credentials) -> str:
    """The credentials file: ``NAME=value`` lines a shell can source (``set -a; . FILE; set +a``)."""
    head = "# Written by pantau stack up --secure. Load with: set -a; . THIS_FILE; set +a\n"
    return head + "".join(f"{name}={value}\n" for name, value in credentials.environment().items())


def parse_credentials(text: str) -> dict[str, str]:
    """``NAME=value`` pairs of a credentials file (comments and blank lines skipped)."""
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def write_credentials(path: Path, credentials: Credentials) -> None:
    """Write the credentials file readable by its owner only."""
    _write_private(path, render_credentials(credentials).encode("utf-8"))


def read_credentials(path: Path) -> Credentials | None:
    """The credentials an earlier secure start wrote, or ``None`` when there are none (or they are damaged)."""
    try:
        values = parse_credentials(path.read_text(encoding="utf-8"))
        return Credentials(
            url=values["PANTAU_ELASTICSEARCH_URL"],
            username=values["PANTAU_ELASTICSEARCH_USERNAME"],
            password=SecretStr(values["PANTAU_ELASTICSEARCH_PASSWORD"]),
            ca_certs=Path(values["PANTAU_ELASTICSEARCH_CA_CERTS"]),
        )
    except (OSError, KeyError):
        return None


def new_password() -> SecretStr:
    """A random password of URL-safe characters (safe unquoted in the shell file)."""
    return SecretStr(secrets.token_urlsafe(24))


def set_bootstrap_password(home: Path, env: Mapping[str, str], password: SecretStr, log_path: Path) -> None:
    """Put ``password`` into the node's keystore as ``bootstrap.password`` (skipped when already there).

    The keystore tool is a JVM start of a few seconds, so a stamp (a hash of the password, not
    the password) beside the keystore records what was last written.
    """
    keystore = home / "config" / "elasticsearch.keystore"
    stamp = home / "config" / ".pantau-bootstrap"
    digest = hashlib.sha256(password.get_secret_value().encode("utf-8")).hexdigest()
    if keystore.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    tool = home / "bin" / "elasticsearch-keystore"
    with log_path.open("wb") as log:
        # -x reads the value from stdin (never a command-line argument, which others can see);
        # -f creates the keystore if missing and overwrites an earlier value.
        result = subprocess.run(
            [str(tool), "add", "-x", "-f", "bootstrap.password"],
            input=password.get_secret_value().encode("utf-8"),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            env=dict(env),
        )
    if result.returncode != 0:
        raise StackError(
            f"setting the elastic password in the keystore failed (rc={result.returncode})\n"
            f"last lines of {log_path}:\n{tail_text(log_path)}"
        )
    stamp.write_text(digest + "\n")
    logger.info("elastic password placed in the keystore", extra={"keystore": keystore})
