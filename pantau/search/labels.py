"""Relevance labels to filter on: ``--label actor=kepala_desa``, ``--stage sanction``.

A label names something the relevance scorer recorded on an article:

- ``actor=<type>``: an actor type (``asn``, ``pppk``, ``honorer``, ``village``,
  ``camat_lurah``, ``tni``, ``polri``), or ``actor=<term>``: a canonical actor term that
  fired (``kepala_desa``, ``lurah``; underscores stand for spaces);
- ``<group>=<term>`` for the other lexicon groups (``neutrality=netralitas``,
  ``oversight=bawaslu``, ...): that term fired;
- ``stage=appeal|report|sanction`` and ``coverage=national|local``.

Values are checked against the packaged lexicon, so a typo is an error that suggests the
closest values instead of a search that silently finds nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pantau.enrich.relevance.lexicon import ACTOR, STAGES, load_lexicon

LabelKind = Literal["actor", "stage", "coverage", "term"]
COVERAGE = ("national", "local")


class LabelError(ValueError):
    """A label that names nothing the scorer records; the message suggests what does."""


@dataclass(frozen=True, slots=True)
class Label:
    """One label an article must carry; ``value`` is ``group:term`` for a term."""

    kind: LabelKind
    value: str

    @property
    def key(self) -> str:
        """The form the embedded store's ``article_labels`` table holds (``actor:village``)."""
        return f"{self.kind}:{self.value}"

    def describe(self) -> str:
        if self.kind == "term":
            group, term = self.value.split(":", 1)
            return f"{group}={term.replace(' ', '_')}"
        return f"{self.kind}={self.value}"


@cache
def _vocabulary() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(actor types, canonical terms by lexicon group)."""
    terms = load_lexicon().terms
    actor_types = frozenset(t.label for t in terms if t.group == ACTOR)
    by_group: dict[str, set[str]] = {}
    for t in terms:
        by_group.setdefault(t.group, set()).add(t.canonical)
    return actor_types, {g: frozenset(v) for g, v in by_group.items()}


def _unknown(key: str, value: str, known: list[str]) -> LabelError:
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(c.replace(' ', '_') for c in close)}?" if close else ""
    return LabelError(f"--label {key}={value.replace(' ', '_')}: no such {key}{hint}")


def stage_label(value: str) -> Label:
    """``--stage`` and ``--label stage=``: one of appeal, report, sanction."""
    stage = value.strip().lower()
    if stage not in STAGES:
        raise LabelError(f"no stage {value!r}: use one of {', '.join(STAGES)}")
    return Label("stage", stage)


def parse_label(text: str) -> Label:
    """Read ``KEY=VALUE`` into a :class:`Label`, or raise :class:`LabelError` saying what is known."""
    key, sep, raw = text.partition("=")
    key = key.strip().lower()
    value = " ".join(raw.replace("_", " ").split()).lower()
    actor_types, by_group = _vocabulary()
    keys = ["actor", "stage", "coverage", *sorted(g for g in by_group if g != ACTOR)]
    if not sep or not key or not value:
        raise LabelError(f"--label {text!r}: write KEY=VALUE, e.g. actor=kepala_desa or stage=sanction")
    if key == "stage":
        return stage_label(value)
    if key == "coverage":
        if value not in COVERAGE:
            raise LabelError(f"--label coverage={value}: use national or local")
        return Label("coverage", value)
    if key == ACTOR and value.replace(" ", "_") in actor_types:
        return Label("actor", value.replace(" ", "_"))
    if key in by_group:
        if value in by_group[key]:
            return Label("term", f"{key}:{value}")
        known = sorted(by_group[key] | (actor_types if key == ACTOR else frozenset()))
        raise _unknown(key, value, known)
    close = difflib.get_close_matches(key, keys, n=2)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; known keys: {', '.join(keys)}"
    raise LabelError(f"--label {text!r}: no label key {key!r}{hint}")
