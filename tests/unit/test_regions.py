"""Region names as analysts and subscribers type them."""

from __future__ import annotations

import pytest

from pantau.regions import UnknownRegionError, resolve_region
from pantau.schema import Region


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("Jember", ("35.09",)),
        ("Kab. Lumajang", ("35.08",)),
        ("kabupaten lumajang", ("35.08",)),
        ("Kediri", ("35.06", "35.71")),  # both, unless the text says which
        ("Kota Kediri", ("35.71",)),
        ("Kab Kediri", ("35.06",)),
        ("Jatim", ("35",)),
        ("Provinsi Jawa Timur", ("35",)),
        ("35.08", ("35.08",)),
        ("35", ("35",)),
        ("Lotim", ("52.03",)),
    ],
)
def test_names_aliases_and_codes(typed: str, codes: tuple[str, ...]) -> None:
    assert tuple(r.code for r in resolve_region(typed).regions) == codes


def test_a_province_contains_its_regencies() -> None:
    jatim = resolve_region("Jatim")
    lumajang = Region(code="35.08", name="Kabupaten Lumajang", type="kabupaten", province_code="35", province_name="")
    sleman = Region(code="34.04", name="Kabupaten Sleman", type="kabupaten", province_code="34", province_name="")
    assert jatim.contains(lumajang) and not jatim.contains(sleman) and not jatim.contains(None)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Jembr", r"no region is called 'Jembr'; did you mean Kabupaten Jember"),
        ("Qwxyz", r"no region is called 'Qwxyz'$"),
        ("99.99", "no region has the Kemendagri code 99.99"),
    ],
)
def test_unknown_regions_suggest_the_closest(typed: str, message: str) -> None:
    with pytest.raises(UnknownRegionError, match=message):
        resolve_region(typed)
