"""Region tagging: which Kemendagri regions an article is about, and why.

:func:`tag_regions` is pure: it reads only the title, the body and the outlet's home
region, plus the gazetteer loaded once per process (:mod:`pantau.enrich.gazetteer`).

How it works
------------
1. **Finding names.** Every Capitalised or ALL-CAPS word is looked up in the
   gazetteer's first-word index, and the longest name starting there wins
   ("Rejang Lebong" before "Lebong", "Lampung Selatan" before "Lampung"). The words of
   a name must all be capitalised and separated only by spaces or hyphens, and a word
   can belong to one name only. Lower-case text never matches ("batu", "lebak").
2. **Cues.** The one or two words right before a name decide how it is read (the cue
   vocabulary lives in ``region_aliases.yaml``):

   - ``explicit_type``: "Kabupaten X", "Kab. X", "Kota X", "Provinsi X";
   - ``institution``: "Pemkab X", "Bupati X", "Wali Kota X", "Pemprov X", "Bawaslu X",
     "KPU X", "Polres X", "Sekda X", ... ("Pj Bupati X" is "Bupati X");
   - not a region: "Desa X", "Kecamatan X", "Danau X", "Jalan X", "Pak X", ...

   Type cues narrow a name shared by a kabupaten and a kota (or a province).
3. **Dateline.** The first body line in the opening 1,500 characters that looks like
   ``PLACE, OUTLET -``, ``Place (OUTLET) -``, ``OUTLET.com, PLACE -`` or ``PLACE -``
   and whose place is a region name marks that mention as the dateline.
   "Baca juga" lines (links to other stories) are dropped before anything else.
4. **Risky names** (ordinary words, people's names, islands; listed in the YAML) count
   only with a cue, a dateline, their parent province right after them ("Kaur,
   Bengkulu"), a place preposition when their province is already established ("di
   Pati"), or when the same region was established by a cue elsewhere in the article.
   In the last two cases a risky name that opens a sentence ("Batu itu ...") or is
   followed by another capitalised word that is not a place ("Agam Rinjani", taken for
   a person) is dropped.
5. **Ambiguous bare names** ("Malang", "Bengkulu", "Banjar") are settled in this order:
   the province, when the name follows one of its regencies ("Lebong, Bengkulu"); the region the same name
   was resolved to elsewhere in the article (with a cue); a province over its namesake
   city; a region in a province already in play; the kabupaten when the article speaks
   of bupati/Pilbup/Pemkab more than of wali kota/Pilwalkot/Pemkot (and the kota in the
   opposite case); the outlet's home region; and otherwise the kota, because a bare
   namesake usually means the town itself.
6. **Scoring.** Each mention weighs by its rule (dateline 5, institution 3,
   explicit_type 3, alias 1.5, bare_name 1) plus 3 in the title; repeated mentions add
   up. A province written right after one of its regencies ("Sukamara, Kalimantan
   Tengah") is recorded as ``parent_apposition`` with no weight, so it cannot displace
   the regency. The primary region is the best kabupaten/kota, unless a province's own
   evidence is at least three times stronger, or the province is named and the best
   kabupaten/kota leads the next one in that province by less than half again (a
   province-wide story). With no kabupaten/kota it is the best province.
   ``home_region`` adds a small bonus only to regions that already have evidence, so it
   breaks ties and never creates a tag. The evidence keeps the five strongest spans of
   each region, in text order; every mention still counts towards the score.
7. **Scope.** ``regency`` or ``province`` after the primary region. ``national`` when the
   text carries national markers (Kemendagri, BKN, "seluruh Indonesia", ...) and no
   region has local focus (a score of at least 3) or the mentions are spread over three
   or more provinces without a clear leader; a Jakarta dateline then counts as a bare
   mention, since national bodies date their releases there. ``unknown`` otherwise.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pantau.enrich.gazetteer import (
    CONNECTORS,
    Cue,
    CueKind,
    CueLexicon,
    Gazetteer,
    NameEntry,
    RegionType,
    load_gazetteer,
)
from pantau.schema import Evidence, Region, RegionTags

Field = Literal["title", "body"]

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
#: Below this lead over the next regency of the same province, a named province is primary.
REGENCY_LEAD = 1.5
#: Share of its regencies' scores a province receives (a regency mention implies its province).
IMPLIED_SHARE = 0.5
HOME_BONUS = 0.5
HOME_PROVINCE_BONUS = 0.25
#: DKI Jakarta: national bodies date their releases in the capital.
NATIONAL_CAPITAL = "31"
DATELINE_WINDOW = 1500
#: How far into a line a dateline's place name may start (after quotes, an outlet domain, "Kab.").
_DATELINE_REACH = 60
#: Evidence spans kept per region (all mentions still count towards the score).
EVIDENCE_PER_REGION = 5

# Capitalised or ALL-CAPS words; every word of a name must be one.
_CAP_WORD = re.compile(r"([A-Z][A-Za-z0-9]*)")
_NEXT_CAP_WORD = re.compile(r"[ \t]([A-Z][a-z]+)")
# A dateline is a place name opening a line, between these two: "LUMAJANG, OUTLET.CO.ID - ",
# "Sukamara (ANTARA) - ", "SURYA.co.id, MALANG - ", "Kab. Bandung (Outlet) -- ".
_DATELINE_HEAD = re.compile(r"[ \t\"'“‘]*(?:[A-Za-z0-9-]+(?:\.[A-Za-z]{2,})+[ \t]*,[ \t]*)?")
_DATELINE_TAIL = re.compile(r"[ \t]*(?:,[^\n]{0,60}?|\([^)\n]{0,60}\))?[ \t]*[-–—]{1,3}[ \t]")
# Links to other stories: their places are not this article's.
_RELATED_LINE = re.compile(r"^[ \t]*baca juga\b.*$", re.IGNORECASE | re.MULTILINE)
# Between a regency and its province: "Sukamara, Kalimantan Tengah", "Lebong (Bengkulu)".
_APPOSITION = re.compile(r"[ \t]*[,(][ \t]*(?:(?:provinsi|propinsi|prov\.?)[ \t]+)?", re.IGNORECASE)
_SPACE = " \t\xa0"
_MAX_ABBREVIATION = 5
#: How far back cue words are looked for; enough for two words.
_LOOKBACK = 40


@dataclass(slots=True)
class _Mention:
    field: Field
    #: Where the evidence span starts: the cue word when there is one, else the name.
    span_start: int
    start: int
    end: int
    entry: NameEntry
    candidates: tuple[str, ...]
    cue: CueKind | None
    prev_word: str
    dateline: bool = False
    #: A risky name without a cue of its own, waiting for the rest of the article.
    pending: bool = False
    code: str | None = None
    rule: str = ""

    @property
    def strong(self) -> bool:
        return self.dateline or self.cue in ("explicit_type", "institution")


def _phrase_spans(lowered: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Where the (lower-case) phrases occur as whole words in lower-cased text.

    ``str.find`` per phrase beats one big case-insensitive regex by a wide margin here.
    """
    spans: list[tuple[int, int]] = []
    size = len(lowered)
    for phrase in phrases:
        at = lowered.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if (at == 0 or not lowered[at - 1].isalnum()) and (end >= size or not lowered[end].isalnum()):
                spans.append((at, end))
            at = lowered.find(phrase, end)
    return spans


class _Signals:
    """Article-wide words that belong to no single mention."""

    def __init__(self, lowered: Sequence[str], cues: CueLexicon, national: int) -> None:
        self._lowered = lowered
        self._cues = cues
        #: How many national phrases the title and body hold.
        self.national = national

    @functools.cached_property
    def preferred_type(self) -> RegionType | None:
        """The type the article's office words favour: bupati/Pilbup/Pemkab or wali kota/Pilwalkot/Pemkot."""
        kabupaten = sum(len(_phrase_spans(t, self._cues.kabupaten_words)) for t in self._lowered)
        kota = sum(len(_phrase_spans(t, self._cues.kota_words)) for t in self._lowered)
        if kabupaten == kota:
            return None
        return "kabupaten" if kabupaten > kota else "kota"


def _words_before(text: str, pos: int) -> list[tuple[str, int]]:
    """Up to two words right before ``pos``, nearest first, lower-case, with where each starts.

    Only spaces may separate them from each other and from ``pos``, apart from an
    abbreviation's dot ("Kab. Bandung"); a comma or a line break ends the search, so
    "Lumajang, Bupati" never makes "Bupati" a cue for what follows it.
    """
    lo = pos - _LOOKBACK if pos > _LOOKBACK else 0
    tail = text[lo:pos]
    if not tail or tail[-1] not in _SPACE:
        return []
    cut = tail.rfind("\n") + 1
    if cut:
        lo += cut
        tail = tail[cut:]
    found: list[tuple[str, int]] = []
    end = len(tail)
    for raw in tail.rsplit(None, 2)[:-3:-1]:
        at = tail.rfind(raw, 0, end)
        end = at
        word = raw
        if word[-1] == ".":
            # A dot is crossed only after an abbreviation ("Kab.", "Pj."), not a sentence end.
            word = word[:-1]
            if len(word) > _MAX_ABBREVIATION:
                break
        # The window may have cut the farther word in two.
        if not word.isalpha() or (at == 0 and lo > 0 and text[lo - 1].isalnum()):
            break
        found.append((word.lower(), lo + at))
    return found


def _cue_before(text: str, pos: int, cues: CueLexicon) -> tuple[Cue | None, int, str]:
    """The cue right before a name, where its span starts, and the nearest word."""
    words = _words_before(text, pos)
    if not words:
        return None, pos, ""
    w1, s1 = words[0]
    if len(words) == 2:
        w2, s2 = words[1]
        double = cues.double.get((w2, w1))
        if double is not None:
            return (None if double.kind == "neutral" else double), s2, w1
    single = cues.single.get(w1)
    if single is None and w1 in cues.person_titles:
        single = Cue("not_region")
    return single, s1, w1


def _name_end(pieces: Sequence[str], p: int, key: tuple[str, ...]) -> int | None:
    """Index of the piece holding the last word of ``key`` when the name starts at word piece ``p``.

    Name words must follow each other with only spaces or a hyphen between them; a
    connector ("dan" in "Pangkajene dan Kepulauan") is lower-case, so it sits in the gap.
    """
    connector = ""
    for token in key[1:]:
        if token in CONNECTORS:
            connector = token
            continue
        if p + 2 >= len(pieces):
            return None
        gap = pieces[p + 1]
        if connector:
            joined = len(gap) <= 2 * len(connector) and gap.strip(_SPACE).lower() == connector
            connector = ""
        else:
            joined = len(gap) <= 3 and not gap.strip(_SPACE + "-")
        if not joined or pieces[p + 2].lower() != token:
            return None
        p += 2
    return p


def _scan(text: str, field: Field, gazetteer: Gazetteer) -> list[_Mention]:
    """Every gazetteer name in ``text``, longest first, each word used once."""
    # split() with a capture group alternates gaps and capitalised words (words at odd
    # indices). Far cheaper than a match object per word.
    pieces = _CAP_WORD.split(text)
    # Most capitalised words are no place name: find the few that can start one in C.
    starts = gazetteer.first_words.intersection(pieces[1::2])
    if not starts:
        return []
    index = gazetteer.index
    regions = gazetteer.regions
    found: list[_Mention] = []
    resume = 0
    # Offsets are summed lazily from the last known one: only matches need them.
    known_piece, known_offset = 0, 0
    for p in range(1, len(pieces), 2):
        if p < resume or pieces[p] not in starts:
            continue
        last: int | None = None
        for entry in index[pieces[p].lower()]:
            last = _name_end(pieces, p, entry.key) if len(entry.key) > 1 else p
            if last is not None:
                break
        if last is None:
            continue
        start = known_offset + sum(map(len, pieces[known_piece:p]))
        end = start + sum(map(len, pieces[p : last + 1]))
        known_piece, known_offset = last + 1, end
        resume = last + 2
        cue, span_start, prev_word = _cue_before(text, start, gazetteer.cues)
        if cue is not None and cue.kind == "not_region":
            continue
        candidates = entry.codes
        if cue is not None and cue.region_type is not None:
            typed = tuple(c for c in candidates if regions[c].type == cue.region_type)
            # A cue that fits none ("Kota Lumajang", the town) still marks a place.
            candidates = typed or candidates
        found.append(
            _Mention(
                field=field,
                span_start=span_start if cue is not None else start,
                start=start,
                end=end,
                entry=entry,
                candidates=candidates,
                cue=cue.kind if cue is not None else None,
                prev_word=prev_word,
            )
        )
    return found


def _mark_dateline(body: str, mentions: Sequence[_Mention]) -> None:
    """Mark the first mention that is a dateline: the place opening a line, then outlet and dash."""
    for m in mentions:
        if m.start >= DATELINE_WINDOW:
            return
        # A type word may stand before the place ("Kab. Bandung"), an institution may not.
        if m.cue is not None and m.cue != "explicit_type":
            continue
        line = body.rfind("\n", 0, m.start) + 1
        if m.span_start - line > _DATELINE_REACH:
            continue
        if _DATELINE_HEAD.fullmatch(body, line, m.span_start) and _DATELINE_TAIL.match(body, m.end):
            m.dateline = True
            return


def _outside(mentions: list[_Mention], spans: list[tuple[int, int]]) -> list[_Mention]:
    """The mentions that lie in none of the spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    starts = [start for start, _ in merged]
    kept = []
    for m in mentions:
        at = bisect_right(starts, m.start) - 1
        if at < 0 or m.end > merged[at][1]:
            kept.append(m)
    return kept


def _sentence_initial(text: str, pos: int) -> bool:
    """Whether ``pos`` opens the text, a line or a sentence (quotes and brackets aside)."""
    j = pos
    while j > 0 and text[j - 1] in _SPACE + "\"'“‘([":
        j -= 1
    return j == 0 or text[j - 1] in ".!?\n:"


def _apposition(texts: dict[Field, str], before: _Mention, after: _Mention) -> bool:
    if before.field != after.field:
        return False
    return _APPOSITION.fullmatch(texts[before.field], before.end, after.start) is not None


class _Resolver:
    """Settles the mentions of one article: which region each denotes, and its rule."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        texts: dict[Field, str],
        mentions: list[_Mention],
        signals: _Signals,
        home_region: str | None,
    ) -> None:
        self.gazetteer = gazetteer
        self.regions = gazetteer.regions
        self.texts = texts
        self.mentions = mentions
        self.signals = signals
        self.home = home_region

    def run(self) -> list[_Mention]:
        regions = self.regions
        for m in self.mentions:
            m.pending = m.entry.risky and not m.strong
            if not m.pending and len(m.candidates) == 1:
                m.code = m.candidates[0]
        # Context for the ambiguous ones: what the cued mentions already established.
        counts = Counter(m.code for m in self.mentions if m.code is not None and m.strong)
        in_play = {regions[m.code].province_code for m in self.mentions if m.code is not None}
        for pos, m in enumerate(self.mentions):
            if not m.pending and m.code is None:
                m.code = self._choose(m, pos, m.candidates, counts, in_play)
        strong_codes = {m.code for m in self.mentions if m.strong and m.code is not None}
        in_play |= {regions[m.code].province_code for m in self.mentions if m.code is not None}
        for pos, m in enumerate(self.mentions):
            if m.pending:
                self._settle_risky(m, pos, strong_codes, counts, in_play)
        accepted = [m for m in self.mentions if m.code is not None]
        for pos, m in enumerate(accepted):
            m.rule = self._rule(m, accepted[pos - 1] if pos > 0 else None)
        return accepted

    def _previous(self, pos: int) -> _Mention | None:
        return self.mentions[pos - 1] if pos > 0 else None

    def _choose(
        self,
        m: _Mention,
        pos: int,
        candidates: tuple[str, ...],
        counts: Counter[str],
        in_play: set[str],
    ) -> str:
        regions = self.regions
        before = self._previous(pos)
        if before is not None and before.code is not None and _apposition(self.texts, before, m):
            parent = regions[before.code].province_code
            if parent in candidates and regions[before.code].type != "provinsi":
                return parent
        best = max(counts[c] for c in candidates)
        if best > 0:
            top = [c for c in candidates if counts[c] == best]
            if len(top) == 1:
                return top[0]
            candidates = tuple(top)
        provinces = [c for c in candidates if regions[c].type == "provinsi"]
        if provinces:
            return provinces[0]
        supported = tuple(c for c in candidates if regions[c].province_code in in_play)
        candidates = supported or candidates
        wanted = self.signals.preferred_type
        typed = tuple(c for c in candidates if regions[c].type == wanted)
        candidates = typed or candidates
        if self.home:
            home = tuple(c for c in candidates if c == self.home or regions[c].province_code == self.home)
            candidates = home or candidates
        return min(candidates, key=lambda c: (regions[c].type != "kota", c))

    def _settle_risky(
        self, m: _Mention, pos: int, strong_codes: set[str], counts: Counter[str], in_play: set[str]
    ) -> None:
        regions = self.regions
        after = self.mentions[pos + 1] if pos + 1 < len(self.mentions) else None
        if after is not None and _apposition(self.texts, m, after):
            parents = {c for c in after.candidates if regions[c].type == "provinsi"}
            fitting = tuple(c for c in m.candidates if regions[c].province_code in parents)
            if fitting:
                m.code = self._choose(m, pos, fitting, counts, in_play)
                return
        # Sentence-initial capitals say nothing: "Batu itu ..." is a stone.
        if self._looks_like_person(m) or _sentence_initial(self.texts[m.field], m.start):
            return
        known = tuple(c for c in m.candidates if c in strong_codes)
        if known:
            m.code = self._choose(m, pos, known, counts, in_play)
            return
        if m.prev_word in self.gazetteer.cues.locative:
            local = tuple(c for c in m.candidates if regions[c].province_code in in_play)
            if local:
                m.code = self._choose(m, pos, local, counts, in_play)

    def _looks_like_person(self, m: _Mention) -> bool:
        # Titles are often Title Case throughout, so only the body can tell.
        if m.field != "body":
            return False
        nxt = _NEXT_CAP_WORD.match(self.texts["body"], m.end)
        if nxt is None:
            return False
        word = nxt.group(1).lower()
        return word not in self.gazetteer.index and word not in self.gazetteer.cues.single

    def _rule(self, m: _Mention, before: _Mention | None) -> str:
        assert m.code is not None
        region = self.regions[m.code]
        if (
            region.type == "provinsi"
            and before is not None
            and before.code is not None
            and self.regions[before.code].type != "provinsi"
            and self.regions[before.code].province_code == m.code
            and _apposition(self.texts, before, m)
        ):
            return "parent_apposition"
        if m.dateline:
            return "dateline"
        if m.cue == "institution":
            return "institution"
        if m.cue == "explicit_type":
            return "explicit_type"
        if m.code in m.entry.alias_codes:
            return "alias"
        return "bare_name"


def _weight(m: _Mention, signals: _Signals) -> float:
    weight = WEIGHTS[m.rule]
    if m.rule == "dateline" and m.code == NATIONAL_CAPITAL and signals.national:
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


def tag_regions(title: str, body: str, home_region: str | None = None) -> RegionTags:
    """Tag an article with the Kemendagri regions it is about, with the evidence for each.

    ``home_region`` is the outlet's home (a code such as ``"35.08"`` or ``"35"``); it only
    breaks ties between regions the text itself names. The rules are described in the
    module docstring.
    """
    gazetteer = load_gazetteer()
    texts: dict[Field, str] = {"title": title, "body": body}
    lowered = (title.lower(), body.lower())
    mentions: list[_Mention] = []
    national = 0
    fields: tuple[Field, Field] = ("title", "body")
    for field, low in zip(fields, lowered, strict=True):
        text = texts[field]
        found = _scan(text, field, gazetteer)
        national_spans = _phrase_spans(low, gazetteer.cues.national_phrases)
        national += len(national_spans)
        ignored = national_spans
        if "baca juga" in low:
            ignored = ignored + [m.span() for m in _RELATED_LINE.finditer(text)]
        if ignored and found:
            found = _outside(found, ignored)
        if field == "body":
            _mark_dateline(text, found)
        mentions.extend(found)
    signals = _Signals(lowered, gazetteer.cues, national)
    accepted = _Resolver(gazetteer, texts, mentions, signals, home_region).run()
    return _summarise(gazetteer, texts, accepted, signals, home_region)


def _summarise(
    gazetteer: Gazetteer,
    texts: dict[Field, str],
    accepted: list[_Mention],
    signals: _Signals,
    home: str | None,
) -> RegionTags:
    regions = gazetteer.regions
    score: defaultdict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    weights = [_weight(m, signals) for m in accepted]
    for order, (m, weight) in enumerate(zip(accepted, weights, strict=True)):
        assert m.code is not None
        score[m.code] += weight
        first.setdefault(m.code, order)
    evidence = [
        Evidence(
            text=texts[m.field][m.span_start : m.end],
            field=m.field,
            start=m.span_start,
            end=m.end,
            rule=m.rule,
            region_code=m.code,
        )
        for m in _strongest_per_region(accepted, weights)
    ]
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
    if best_province is not None and (
        best_regency is None or score[best_province] >= PROVINCE_DOMINANCE * score[best_regency]
    ):
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


def _strongest_per_region(accepted: Sequence[_Mention], weights: Sequence[float]) -> list[_Mention]:
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
