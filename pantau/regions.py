"""Regions as people type them: a name, an alias or a Kemendagri code, for search and alerts.

``pantau search --region`` and alert subscriptions take "Jember", "Kab. Lumajang",
"Kota Kediri", "Jatim", "Jawa Timur", "35.08" or "35". :func:`resolve_region` turns that
into codes from the same gazetteer the tagger uses; a province stands for itself and all
of its regencies and cities. A name that fits both a Kabupaten and a Kota ("Kediri")
selects both, unless the text says which. An unknown name is an error that suggests the
closest known names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from pantau.enrich.region.gazetteer import Gazetteer, load_gazetteer, name_key
from pantau.schema import Region

_CODE = re.compile(r"^\d{2}(\.\d{2})?$")
# Type words in front of a name, as people abbreviate them.
_KABUPATEN = re.compile(r"^(?:kabupaten|kab\.?)\s+", re.IGNORECASE)
_KOTA = re.compile(r"^(?:kota|kot\.?)\s+", re.IGNORECASE)
_PROVINSI = re.compile(r"^(?:provinsi|propinsi|prov\.?)\s+", re.IGNORECASE)


class UnknownRegionError(ValueError):
    """No region has this name or code; the message suggests the closest names."""


@dataclass(frozen=True)
class RegionSelection:
    """The regions a person asked for: whole provinces and single regencies/cities."""

    asked: str
    regions: tuple[Region, ...]

    @property
    def province_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions if r.type == "provinsi")

    @property
    def regency_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions if r.type != "provinsi")

    def contains(self, region: Region | None) -> bool:
        """True when ``region`` (an article's primary region) lies in the selection."""
        if region is None:
            return False
        return region.code in self.regency_codes or region.province_code in self.province_codes

    def describe(self) -> str:
        return ", ".join(f"{r.name} ({r.code})" for r in self.regions)


@cache
def _known_names() -> dict[str, tuple[str, ...]]:
    """Every name and alias in its display form, lower-case, to its codes."""
    gazetteer = load_gazetteer()
    return {" ".join(key): entry.codes for key, entry in gazetteer.by_key.items()}


def _suggestions(text: str, limit: int = 3) -> list[str]:
    gazetteer = load_gazetteer()
    names = _known_names()
    close = difflib.get_close_matches(" ".join(name_key(text)), list(names), n=limit, cutoff=0.6)
    return [gazetteer.region(names[name][0]).name for name in close]


def _by_type(gazetteer: Gazetteer, codes: tuple[str, ...], wanted: str | None) -> tuple[str, ...]:
    if wanted is None:
        return codes
    return tuple(c for c in codes if gazetteer.region(c).type == wanted)


def resolve_region(text: str) -> RegionSelection:
    """The regions ``text`` names, or :class:`UnknownRegionError` with suggestions."""
    gazetteer = load_gazetteer()
    asked = " ".join(text.split())
    if _CODE.match(asked):
        if asked not in gazetteer.regions:
            raise UnknownRegionError(f"no region has the Kemendagri code {asked}")
        return RegionSelection(asked, (gazetteer.region(asked),))
    wanted: str | None = None
    name = asked
    for pattern, region_type in ((_KABUPATEN, "kabupaten"), (_KOTA, "kota"), (_PROVINSI, "provinsi")):
        if pattern.match(name):
            name, wanted = pattern.sub("", name), region_type
            break
    codes = _by_type(gazetteer, gazetteer.lookup(name), wanted)
    if not codes and wanted == "kota":
        # "Kota Batu", "Kota Baru": the word may be part of the name itself.
        codes = gazetteer.lookup(asked)
    if not codes:
        hint = _suggestions(name)
        also = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise UnknownRegionError(f"no region is called {asked!r}{also}")
    return RegionSelection(asked, tuple(gazetteer.region(c) for c in codes))
