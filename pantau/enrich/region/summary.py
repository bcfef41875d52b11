"""Summarising the resolved mentions: scores, the primary region, scope and evidence.

Steps 6 and 7 of :mod:`pantau.enrich.region`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import TypeAdapter

from pantau.enrich.region.gazetteer import Gazetteer
from pantau.enrich.region.scan import Field, Mention, Signals
from pantau.schema import Evidence, Region, RegionTags

WEIGHTS: dict[str, float] = {
    "dateline": 5.0,
    "institution": 3.0,
    "explicit_type": 3.0,
    "alias": 1.5,
    "bare_name": 1.0,
    "parent_apposition": 0.0,
}
TITLE_BONUS = 3.0
#: A region needs at least this score to count as the local focus of an article.
FOCUS_MIN = 3.0
#: A province becomes primary over the best kabupaten/kota only with this much more evidence.
PROVINCE_DOMINANCE = 3.0
#: ... or this much, when that kabupaten/kota is the province's seat named only in passing.
CAPITAL_DOMINANCE = 2.0
#: Rules that tie a mention to its region on their own (a seat named with them is the subject).
_STRONG_RULES = frozenset({"institution", "explicit_type"})
#: Below this lead over the next regency of the same province, a named province is primary.
REGENCY_LEAD = 1.5
#: Share of its regencies' scores a province receives (a regency mention implies its province).
IMPLIED_SHARE = 0.5
HOME_BONUS = 0.5
HOME_PROVINCE_BONUS = 0.25
#: DKI Jakarta: national bodies date their releases in the capital.
NATIONAL_CAPITAL = "31"
#: Evidence spans kept per region (all mentions still count towards the score).
EVIDENCE_PER_REGION = 5
# All of an article's spans validated in one call: ~16 an article, and one Evidence(...)
# each cost twice as much (pydantic's per-model __init__ overhead).
_EVIDENCE: TypeAdapter[list[Evidence]] = TypeAdapter(list[Evidence])


def _passing_capitals(gazetteer: Gazetteer, accepted: Sequence[Mention], signals: Signals) -> set[str]:
    """Provincial seats named only in passing in a story that names their province with weight.

    A seat counts as "in passing" when it is named only by the dateline or bare in the
    body (no "Kota Kendari", "Pemkot Kendari", title mention); the province counts when
    it is named anywhere except as a regency's parent ("Kampar, Riau"). A seat whose own
    offices the article speaks of (wali kota, Pemkot for a kota) is never in passing.
    """
    strong: set[str] = set()
    provinces: set[str] = set()
    for m in accepted:
        assert m.code is not None
        if m.rule in _STRONG_RULES or m.field == "title":
            strong.add(m.code)
        if m.rule != "parent_apposition" and gazetteer.regions[m.code].type == "provinsi":
            provinces.add(m.code)
    seats = {
        m.code
        for m in accepted
        if m.code is not None and m.code not in strong and gazetteer.capital_of.get(m.code) in provinces
    }
    if not seats:
        return seats
    # A story about the seat's own election ("calon wali kota") is about the seat. (Looked
    # up only now: counting the office words scans the whole text.)
    own = signals.preferred_type
    return {code for code in seats if gazetteer.regions[code].type != own}


def _weight(m: Mention, signals: Signals, passing: set[str]) -> float:
    weight = WEIGHTS[m.rule]
    if m.rule == "dateline" and (m.code in passing or (m.code == NATIONAL_CAPITAL and signals.national)):
        # The outlet's or the office's town, not the story's subject.
        weight = WEIGHTS["bare_name"]
    if m.field == "title" and m.rule != "parent_apposition":
        weight += TITLE_BONUS
    return weight


def _home_bonus(region: Region, home: str | None) -> float:
    if not home:
        return 0.0
    if region.code == home:
        return HOME_BONUS
    if region.type != "provinsi" and region.province_code == home:
        return HOME_PROVINCE_BONUS
    return 0.0


def summarise(
    gazetteer: Gazetteer,
    texts: dict[Field, str],
    accepted: list[Mention],
    signals: Signals,
    home: str | None,
) -> RegionTags:
    """Score the accepted mentions and choose the primary region, the scope and the evidence."""
    regions = gazetteer.regions
    score: defaultdict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    passing = _passing_capitals(gazetteer, accepted, signals)
    weights = [_weight(m, signals, passing) for m in accepted]
    for order, (m, weight) in enumerate(zip(accepted, weights, strict=True)):
        assert m.code is not None
        score[m.code] += weight
        first.setdefault(m.code, order)
    evidence = _EVIDENCE.validate_python(
        [
            {
                "text": texts[m.field][m.span_start : m.end],
                "field": m.field,
                "start": m.span_start,
                "end": m.end,
                "rule": m.rule,
                "region_code": m.code,
            }
            for m in _strongest_per_region(accepted, weights)
        ]
    )
    if not first:
        return RegionTags(scope="national" if signals.national else "unknown", evidence=evidence)

    implied: defaultdict[str, float] = defaultdict(float)
    for code in first:
        if regions[code].type != "provinsi":
            implied[regions[code].province_code] += IMPLIED_SHARE * score[code]

    def local(code: str) -> float:
        return score[code] + _home_bonus(regions[code], home)

    regencies = [c for c in first if regions[c].type != "provinsi"]
    provinces = [c for c in first if regions[c].type == "provinsi" and score[c] > 0]
    best_regency = max(regencies, key=lambda c: (local(c), -first[c]), default=None)
    best_province = max(provinces, key=lambda c: (local(c), implied[c], -first[c]), default=None)

    primary: str | None = best_regency
    dominance = CAPITAL_DOMINANCE if best_regency in passing else PROVINCE_DOMINANCE
    if best_province is not None and (best_regency is None or score[best_province] >= dominance * score[best_regency]):
        primary = best_province
    elif best_regency is not None:
        # Several regencies of one named province, none leading: a province-wide story.
        province = regions[best_regency].province_code
        rivals = [c for c in regencies if c != best_regency and regions[c].province_code == province]
        runner_up = max((score[c] for c in rivals), default=0.0)
        if score[province] > 0 and score[best_regency] < REGENCY_LEAD * runner_up:
            primary = province
    if primary is None:
        # Only parent-appositive provinces were found: take the first.
        primary = min(first, key=first.__getitem__)

    ranked = sorted(first, key=lambda c: (c != primary, -(score[c] + implied[c]), first[c]))
    mentioned = [regions[c] for c in ranked]

    scope: Literal["regency", "province", "national", "unknown"]
    scope = "province" if regions[primary].type == "provinsi" else "regency"
    if signals.national and (score[primary] < FOCUS_MIN or _diffuse(first, score, regions)):
        return RegionTags(primary=None, mentioned=mentioned, scope="national", evidence=evidence)
    return RegionTags(primary=regions[primary], mentioned=mentioned, scope=scope, evidence=evidence)


def _strongest_per_region(accepted: Sequence[Mention], weights: Sequence[float]) -> list[Mention]:
    """Up to :data:`EVIDENCE_PER_REGION` mentions per region, strongest first, in text order.

    Every mention counts towards the score; only the record is trimmed, so a long
    article does not carry dozens of near-identical spans into every index document.
    """
    by_region: dict[str | None, list[int]] = {}
    for order, m in enumerate(accepted):
        by_region.setdefault(m.code, []).append(order)
    kept: list[int] = []
    for orders in by_region.values():
        kept.extend(sorted(orders, key=lambda o: (-weights[o], o))[:EVIDENCE_PER_REGION])
    return [accepted[o] for o in sorted(kept)]


def _diffuse(codes: Iterable[str], score: Mapping[str, float], regions: dict[str, Region]) -> bool:
    """Mentions spread over three or more provinces with no region twice as strong as the next."""
    codes = list(codes)
    if len({regions[c].province_code for c in codes}) < 3:
        return False
    top = sorted((score[c] for c in codes), reverse=True)
    return top[0] < 2 * top[1]
