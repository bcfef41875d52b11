from __future__ import annotations

from pathlib import Path

import pytest

from pantau.config import ConfigError, load_settings


def test_embedded_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PANTAU_KAFKA_BOOTSTRAP", "PANTAU_ELASTICSEARCH_URL", "PANTAU_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().mode == "embedded"


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "pantau.yaml"
    config.write_text("kafka_bootstrap: file:9092\nelasticsearch_url: http://file:9200\ntopic_partitions: 3\n")
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP", "env:9092")
    settings = load_settings(config)
    assert settings.kafka_bootstrap == "env:9092"
    assert settings.elasticsearch_url == "http://file:9200"
    assert settings.topic_partitions == 3
    assert settings.mode == "kafka"


def test_bad_value_names_the_source_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_TOPIC_PARTITIONS", "zero")
    with pytest.raises(ConfigError, match="environment PANTAU_TOPIC_PARTITIONS"):
        load_settings()
    monkeypatch.delenv("PANTAU_TOPIC_PARTITIONS")
    config = tmp_path / "c.yaml"
    config.write_text("consumer_batch_size: -1\n")
    with pytest.raises(ConfigError, match=r"config file .*c\.yaml: consumer_batch_size"):
        load_settings(config)


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("kafka_bootstrapp: x\n")
    with pytest.raises(ConfigError, match=r"unknown setting.*kafka_bootstrapp"):
        load_settings(config)


def test_half_a_distributed_setup_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP", "localhost:9092")
    monkeypatch.delenv("PANTAU_ELASTICSEARCH_URL", raising=False)
    with pytest.raises(ConfigError, match="set both kafka_bootstrap and elasticsearch_url"):
        load_settings()
