"""Region hints from a site's own sections: ANTARA's ``/kabar-daerah/<regency>`` and the like.

The slug is resolved with the same gazetteer people's region names go through
(:func:`pantau.regions.resolve_region`), kept to the outlet's home province when that
decides between namesakes (Kabupaten and Kota Kediri). An unknown slug still travels as a
name, without a code.
"""

from __future__ import annotations

from functools import lru_cache

from pantau.regions import UnknownRegionError, resolve_region
from pantau.schema import RegionHint


@lru_cache(maxsize=1024)
def _code(name: str, province: str | None) -> str | None:
    try:
        selection = resolve_region(name)
    except UnknownRegionError:
        return None
    regions = [r for r in selection.regions if r.type != "provinsi"]
    if province:
        regions = [r for r in regions if r.province_code == province] or regions
    return regions[0].code if len(regions) == 1 else None


def region_hint_for(slug: str, source: str, home_region: str | None) -> RegionHint:
    """The hint for a section slug such as ``pulang-pisau`` found at listing path ``source``."""
    name = " ".join(part.capitalize() for part in slug.replace("_", "-").split("-") if part)
    province = home_region.split(".")[0] if home_region else None
    return RegionHint(code=_code(name, province), name=name or slug, source=source)
