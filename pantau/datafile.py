"""YAML data files read into pydantic models, failing with one line naming the file and field.

The packaged relevance lexicon and region aliases are read this way; each declares its
layout as :class:`FileModel` subclasses and raises its own error type.
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pantau.schema import describe_validation_error

M = TypeVar("M", bound=BaseModel)


class FileModel(BaseModel):
    """A section of a data file: an unknown key is an error (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_yaml(text: str, source: str, error: type[ValueError]) -> Any:
    """The YAML document in ``text``; ``error`` names ``source`` when it is not valid YAML."""
    # The C loader, when PyYAML was built with libyaml, parses ~10x faster (the lexicon
    # is read at every start-up). A safe loader either way.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from exc


def validate(model: type[M], data: Any, source: str, error: type[ValueError]) -> M:
    """``data`` as a ``model``; ``error`` names ``source`` and every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{source}: {describe_validation_error(exc)}") from exc
