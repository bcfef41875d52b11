"""docker-compose.yml cannot be run here (no Docker engine): keep it consistent with the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pantau.config import ENV_PREFIX, Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]


def test_pantau_environment_names_real_settings() -> None:
    for name, service in SERVICES.items():
        for key in service.get("environment", {}) if isinstance(service.get("environment"), dict) else []:
            if key.startswith(ENV_PREFIX):
                field = key[len(ENV_PREFIX) :].lower()
                assert field in Settings.model_fields, f"service {name}: {key} is not a Pantau setting"


def test_engine_versions_match_the_local_stack() -> None:
    defaults = load_settings()
    assert SERVICES["kafka"]["image"].endswith(":" + defaults.stack_kafka_version)
    assert SERVICES["elasticsearch"]["image"].endswith(":" + defaults.stack_elasticsearch_version)
    assert SERVICES["kibana"]["image"].endswith(":" + defaults.stack_elasticsearch_version)


def test_topics_are_created_by_pantau_not_by_the_broker() -> None:
    assert SERVICES["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert SERVICES["setup"]["command"] == ["setup"]
    assert SERVICES["elasticsearch"]["environment"]["xpack.security.enabled"] == "false"


def test_services_run_commands_that_exist() -> None:
    from pantau.cli import build_parser

    parser = build_parser()
    for name in ("crawler", "enrich", "index", "alerts", "setup", "kibana-setup"):
        command = SERVICES[name]["command"]
        parser.parse_args(command)  # exits (fails the test) on an unknown subcommand or option
    # The saved objects ship inside the package the image installs.
    assert (REPO / "infra" / "kibana" / "pantau.ndjson").exists()
    assert SERVICES["kibana-setup"]["image"] == "pantau:local"


def test_the_image_holds_every_package() -> None:
    # A package added to pyproject but not copied into the image would fail only under Docker.
    import tomllib

    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    dockerfile = (REPO / "Dockerfile").read_text()
    for pattern in packages["include"]:
        name = pattern.rstrip("*")
        assert f"COPY {name} ./{name}" in dockerfile, f"Dockerfile does not copy the {name} package"
