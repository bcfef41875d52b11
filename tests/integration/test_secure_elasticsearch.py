"""A secured Elasticsearch (``pantau stack up --secure``): TLS, the elastic password, API keys.

The module starts its own Elasticsearch with security on (no Kafka: nothing here needs
it), in ``<test stack dir>/secure`` on ``PANTAU_TEST_SECURE_ELASTICSEARCH_PORT`` or a free
port, and stops it at the end. Index creation, the index stage and search run through
the same code as production, authenticated as the ``elastic`` user.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elastic_transport import TlsError
from elasticsearch import AuthenticationException

from consumers.index import IndexStage
from consumers.worker import Envelope
from infra.search_backend import ElasticsearchSearch
from infra.search_index import connect, ensure_index
from infra.stack import Credentials, NoStackError, Stack
from pantau.config import Settings, load_settings
from pantau.enrich.stage import Enricher
from pantau.schema import Article, article_id
from pantau.search import SearchQuery
from tests.conftest import REPO

pytestmark = pytest.mark.integration

BODY = (
    "SAMPANG - Bawaslu Kabupaten Sampang memeriksa seorang aparatur sipil negara yang diduga mengunggah "
    "dukungan kepada salah satu pasangan calon bupati di media sosial. Pemeriksaan menyangkut netralitas "
    "ASN selama tahapan kampanye Pilkada serentak 2024."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def secure_stack() -> Iterator[Stack]:
    stack_dir = Path(os.environ.get("PANTAU_TEST_STACK_DIR", str(REPO / ".stack-test"))) / "secure"
    port = int(os.environ.get("PANTAU_TEST_SECURE_ELASTICSEARCH_PORT") or _free_port())
    stack = Stack(
        load_settings(stack_dir=str(stack_dir), stack_elasticsearch_port=port, stack_secure=True),
        engines=("elasticsearch",),
    )
    # A node left behind by an interrupted run may sit on another port; start from nothing.
    with contextlib.suppress(NoStackError):
        stack.down()
    stack.up(timeout=240)
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="module")
def credentials(secure_stack: Stack) -> Credentials:
    found = secure_stack.elasticsearch_credentials()
    assert found is not None, "a secure stack writes its credentials file"
    return found


def _settings(credentials: Credentials, **auth: object) -> Settings:
    unique = uuid.uuid4().hex[:10]
    return load_settings(
        # Distributed settings name both engines; this test talks to Elasticsearch only.
        kafka_bootstrap="127.0.0.1:1",
        elasticsearch_url=credentials.url,
        elasticsearch_ca_certs=str(credentials.ca_certs),
        index_alias=f"t{unique}-articles",
        **auth,
    )


def _envelopes() -> list[Envelope]:
    enricher = Enricher()
    envelopes = []
    for offset, url in enumerate(("https://contoh.id/asn-sampang", "https://contoh.id/asn-sampang-2")):
        article = Article(
            id=article_id(url),
            url=url,
            canonical_url=url,
            site="contoh",
            title=f"Bawaslu Periksa ASN Sampang {offset}",
            body=BODY + f" Laporan ke-{offset}.",
            published_at=datetime(2024, 10, 3, 9, offset, tzinfo=UTC),
            fetched_at=datetime(2024, 10, 4, 2, 0, tzinfo=UTC),
        )
        enriched, _ = enricher.enrich(article)
        envelopes.append(Envelope(enriched, "secure-test", 0, offset, enriched.to_json().encode()))
    return envelopes


def _index_and_search(settings: Settings) -> None:
    es = connect(settings)
    try:
        index = ensure_index(es, settings.index_alias)
        envelopes = _envelopes()
        assert IndexStage(es, settings.index_alias, refresh=True).process(envelopes) == []
        hits = ElasticsearchSearch(es, settings.index_alias).search(SearchQuery(text="netralitas ASN Sampang"))
        assert sorted(hit.id for hit in hits) == sorted(e.article.id for e in envelopes)
        es.indices.delete(index=index)
    finally:
        es.close()


def test_credentials_file_is_private_and_names_an_https_url(secure_stack: Stack, credentials: Credentials) -> None:
    mode = stat.S_IMODE(secure_stack.elasticsearch.credentials_file.stat().st_mode)
    assert mode == 0o600
    assert credentials.url == secure_stack.elasticsearch_url
    assert credentials.url.startswith("https://127.0.0.1:")
    assert credentials.username == "elastic"
    assert credentials.ca_certs.is_file()
    status = secure_stack.status()
    assert status.elasticsearch.running and status.elasticsearch.address == credentials.url


def test_password_login_creates_the_index_indexes_and_searches(credentials: Credentials) -> None:
    _index_and_search(
        _settings(credentials, elasticsearch_username=credentials.username, elasticsearch_password=credentials.password)
    )


def test_an_api_key_is_presented_as_one_and_an_unknown_key_is_refused(credentials: Credentials) -> None:
    # Creating API keys needs the .security index, which this distribution cannot create (its
    # settings use a token filter from the analysis-common module the integ-test zip lacks), so
    # a key is checked for reaching the node as an API key, and for being refused when unknown.
    key = base64.b64encode(b"pantau-unknown-key:not-a-secret").decode("ascii")
    es = connect(_settings(credentials, elasticsearch_api_key=key))
    with pytest.raises(AuthenticationException) as refused:
        es.info()
    assert "apikey authentication for id pantau-unknown-key" in json.dumps(refused.value.body)


def test_a_wrong_password_is_refused(credentials: Credentials) -> None:
    es = connect(_settings(credentials, elasticsearch_username=credentials.username, elasticsearch_password="wrong"))
    with pytest.raises(AuthenticationException):
        es.info()


def test_a_client_without_the_stack_ca_does_not_trust_the_node(credentials: Credentials) -> None:
    settings = _settings(
        credentials, elasticsearch_username=credentials.username, elasticsearch_password=credentials.password
    )
    es = connect(settings.model_copy(update={"elasticsearch_ca_certs": None}))
    with pytest.raises(TlsError):
        es.info()


def test_rotated_credentials_make_the_index_stage_wait_not_dead_letter(credentials: Credentials) -> None:
    # The password was changed under a running indexer: every bulk is refused with 401. That
    # says nothing about the documents, so the stage reports an outage (retried until an
    # operator fixes the credentials) instead of rejecting, which would dead-letter them all.
    settings = _settings(credentials, elasticsearch_username=credentials.username, elasticsearch_password="rotated")
    stage = IndexStage(connect(settings, max_retries=0), settings.index_alias)
    with pytest.raises(stage.outage_errors) as refused:
        stage.process(_envelopes())
    assert "401" in str(refused.value)
