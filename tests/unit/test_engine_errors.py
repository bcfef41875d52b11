"""Engine failures a user meets read as one line; outages are told apart from refused records."""

from __future__ import annotations

import logging

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, TlsError
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, AuthenticationException, AuthorizationException
from kafka.errors import (
    CommitFailedError,
    FencedInstanceIdError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    SaslAuthenticationFailedError,
    TopicAuthorizationFailedError,
    UnsupportedVersionError,
)

from consumers.app import engine_unavailable
from infra.kafka_clients import is_outage, record_refused
from pantau.cli import main
from pantau.cli.wiring import engine_failure
from pantau.config import load_settings

SETTINGS = load_settings(kafka_bootstrap="broker:9092", elasticsearch_url="https://es:9200")


def es_error(cls: type[ApiError], status: int) -> ApiError:
    meta = ApiResponseMeta(status, "1.1", HttpHeaders(), 0.01, NodeConfig("https", "es", 9200))
    return cls("security_exception", meta, {"error": {"type": "security_exception"}})


@pytest.mark.parametrize(
    "exc",
    [
        KafkaTimeoutError("Unable to bootstrap from broker:9092"),
        KafkaConnectionError("111 ECONNREFUSED"),
        NotLeaderForPartitionError(),
        CommitFailedError(),
        SaslAuthenticationFailedError("bad password"),
        TopicAuthorizationFailedError("pantau.articles.raw.v1"),
        ConnectionRefusedError(),
    ],
)
def test_kafka_outages_are_waited_out_never_dead_lettered(exc: BaseException) -> None:
    assert is_outage(exc)
    assert not record_refused(exc)


def test_a_record_too_large_is_refused_not_an_outage() -> None:
    exc = MessageSizeTooLargeError("The message is 5242880 bytes when serialized")
    assert record_refused(exc)
    assert not is_outage(exc)
    assert not is_outage(UnsupportedVersionError())  # a bug or a wrong broker: neither


@pytest.mark.parametrize("status", [401, 403, 429, 503])
def test_elasticsearch_refusing_or_busy_is_an_engine_condition_at_start(status: int) -> None:
    assert engine_unavailable(es_error(ApiError, status))
    assert not engine_unavailable(es_error(ApiError, 400))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (KafkaTimeoutError("Unable to bootstrap from broker:9092"), "Kafka at broker:9092 is unreachable"),
        (SaslAuthenticationFailedError("bad"), "Kafka at broker:9092 refused the credentials"),
        (TopicAuthorizationFailedError("t"), "Kafka at broker:9092 denied access"),
        (TransportConnectionError("Connection refused"), "Elasticsearch at https://es:9200 is unreachable"),
        (TlsError("certificate verify failed"), "PANTAU_ELASTICSEARCH_CA_CERTS"),
        (es_error(AuthenticationException, 401), "refused the credentials (401)"),
        (es_error(AuthorizationException, 403), "denied the request (403)"),
        (es_error(ApiError, 503), "is unavailable (503"),
        (FencedInstanceIdError("group"), "same PANTAU_CONSUMER_INSTANCE_ID"),
    ],
)
def test_engine_failures_read_as_one_line(exc: BaseException, expected: str) -> None:
    line = engine_failure(exc, SETTINGS)
    assert line is not None and expected in line
    assert "\n" not in line


def test_other_errors_are_not_dressed_up() -> None:
    assert engine_failure(ValueError("a bug"), SETTINGS) is None
    assert engine_failure(es_error(ApiError, 400), SETTINGS) is None


def test_elasticsearch_down_is_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A loopback port nobody listens on: the connection is refused at once.
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP", "127.0.0.1:9")
    monkeypatch.setenv("PANTAU_ELASTICSEARCH_URL", "http://127.0.0.1:9")
    assert main(["search", "netralitas"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("pantau search: Elasticsearch at http://127.0.0.1:9 is unreachable")
    assert not any("Traceback" in line for line in err)


def test_a_run_of_alike_library_warnings_is_shown_once_per_window() -> None:
    from pantau.logs import RepeatFilter

    repeats = RepeatFilter(window=30.0)

    def record(name: str, node: int) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, "Error sending request to node %s", (node,), None)

    shown = [repeats.filter(record("kafka.coordinator", n)) for n in range(5)]
    assert shown == [True, False, False, False, False]
    assert repeats.filter(record("consumers.worker", 1))  # Pantau's own lines are never held back
    repeats._seen[("kafka.coordinator", "Error sending request to node %s")] = (1.0, 4)  # the window has passed
    later = record("kafka.coordinator", 9)
    assert repeats.filter(later) and "4 alike" in later.getMessage()
