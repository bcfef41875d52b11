"""Layers point one way: the core imports no adapter, adapters import no sibling they sit beside.

The core (``pantau``, except the command line) holds the contract and the pure stages; the
adapters (``crawlers``, ``pipelines``, ``consumers``, ``infra``) do the I/O; ``pantau.cli``
alone wires them together. Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ADAPTERS = ("crawlers", "pipelines", "consumers", "infra", "channels")
CLI = "pantau.cli"

#: Package -> the project packages it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "pantau": (*ADAPTERS, CLI),
    "crawlers": ("pipelines", "consumers", "infra", "channels", CLI),
    "pipelines": ("crawlers", "consumers", "channels", CLI),
    "consumers": ("crawlers", "pipelines", "channels", CLI),
    "infra": ("crawlers", "pipelines", "consumers", "channels", CLI),
    # Alert channel adapters (webhook, SMTP, Telegram): the core's Channel protocol, no engines.
    "channels": ("crawlers", "pipelines", "consumers", "infra", CLI),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        name = module_name(path)
        if package == "pantau" and (name == CLI or name.startswith(CLI + ".")):
            continue  # the composition root may import everything
        for line, target in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if target == banned or target.startswith(banned + "."):
                    bad.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    assert not violations(package)


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    # The checker itself must be able to fail: an adapter import inside a function counts.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from crawlers.sitespec import load_registry\n")
    assert (2, "crawlers.sitespec") in imported_modules(sample)
