"""A map point for each Kemendagri region, where a maintained package supplies one.

The points come from ``countrystatecity-countries`` (the countries-states-cities
database, ODbL 1.0): each Indonesian province has a latitude/longitude near its centre,
and many regencies and cities appear among the package's cities, either under their
administrative name ("Kabupaten Lumajang") or as their town ("Lumajang", "Kediri").
Regions are matched by name within their province; with the package's data at the
version pinned, all 38 provinces and about two thirds of the 514 regencies/cities get a
point. A region without one gets none (Kibana's map leaves it out) rather than a guess
such as its province's centre, which would pile unrelated stories on one spot.

A bare town name stands for a kabupaten only when no kota of the same name exists
("Jember" is Kabupaten Jember's town; "Malang" is left to Kota Malang).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache

from countrystatecity_countries import get_cities_of_state, get_states_of_country

from pantau.enrich.region.gazetteer import load_gazetteer, name_key

logger = logging.getLogger(__name__)

_TYPE_PREFIX = re.compile(r"^(?:Kabupaten|Kota)(?:\s+Administrasi)?\s+")
# The package abbreviates the two special regions' titles; the gazetteer spells them out.
_TITLE_ABBREVIATIONS = {("daerah", "khusus", "ibukota"): ("dki",), ("daerah", "istimewa"): ("di",)}


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float

    def as_elasticsearch(self) -> dict[str, float]:
        """The ``geo_point`` object form (``{"lat": .., "lon": ..}``)."""
        return {"lat": self.lat, "lon": self.lon}


def _province_key(name: str) -> tuple[str, ...]:
    key = name_key(name)
    for long_form, short in _TITLE_ABBREVIATIONS.items():
        if key[: len(long_form)] == long_form:
            return short + key[len(long_form) :]
    return key


def _point(latitude: str | None, longitude: str | None) -> GeoPoint | None:
    try:
        return GeoPoint(float(latitude or ""), float(longitude or ""))
    except ValueError:
        return None


@cache
def region_points() -> dict[str, GeoPoint]:
    """Every region code that has a point, to its point (built once per process)."""
    gazetteer = load_gazetteer()
    states = {
        _province_key(s.name): s
        for s in get_states_of_country("ID")
        if s.type != "geographical unit"  # the package also lists islands (Jawa, Sumatera)
    }
    points: dict[str, GeoPoint] = {}
    state_codes: dict[str, str] = {}
    for province in gazetteer.provinces():
        state = states.get(_province_key(province.name))
        if state is None:
            continue
        state_codes[province.code] = state.state_code
        point = _point(state.latitude, state.longitude)
        if point:
            points[province.code] = point
    regencies = gazetteer.regencies()
    kota_names = {name_key(_TYPE_PREFIX.sub("", r.name)) for r in regencies if r.type == "kota"}
    cities_by_state: dict[str, dict[tuple[str, ...], GeoPoint]] = {}
    for regency in regencies:
        state_code = state_codes.get(regency.province_code)
        if state_code is None:
            continue
        if state_code not in cities_by_state:
            cities: dict[tuple[str, ...], GeoPoint] = {}
            for city in get_cities_of_state("ID", state_code):
                point = _point(city.latitude, city.longitude)
                if point:
                    cities.setdefault(name_key(city.name), point)
            cities_by_state[state_code] = cities
        cities = cities_by_state[state_code]
        bare = name_key(_TYPE_PREFIX.sub("", regency.name))
        if regency.type == "kabupaten":
            candidates = [("kabupaten", *bare), (*bare, "regency")]
            if bare not in kota_names:
                candidates.append(bare)
        else:
            candidates = [("kota", *bare), (*bare, "city"), bare]
        found = next((cities[c] for c in candidates if c in cities), None)
        if found:
            points[regency.code] = found
    logger.debug("region points loaded", extra={"regions": len(points)})
    return points


def region_point(code: str) -> GeoPoint | None:
    """The map point of a region code ("35", "35.08"), or None when the package has none."""
    return region_points().get(code)
