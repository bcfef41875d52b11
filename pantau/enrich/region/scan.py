"""Finding region names in an article: each mention with its cue words, and the dateline.

Steps 1 to 3 of :mod:`pantau.enrich.region`: every Capitalised or ALL-CAPS word is looked
up in the gazetteer's first-word index and the longest name starting there wins; the one
or two words before a name are its cue; the first line that looks like a dateline marks
its place. Mentions inside national phrases and related-link lines are dropped, and the
article-wide signals (national phrases, kabupaten versus kota office words) are kept for
the resolver.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pantau.enrich.region.gazetteer import CONNECTORS, Cue, CueKind, CueLexicon, Gazetteer, NameEntry, RegionType
from pantau.furniture import may_hold_related_links, related_link_spans

Field = Literal["title", "body"]

#: How far into the body (characters) a dateline may stand.
DATELINE_WINDOW = 1500
#: How far into a line a dateline's place name may start (after quotes, an outlet domain, "Kab.").
_DATELINE_REACH = 60

# Capitalised or ALL-CAPS words; every word of a name must be one.
_CAP_WORD = re.compile(r"([A-Z][A-Za-z0-9]*)")
# A dateline is a place name opening a line, between these two: "LUMAJANG, OUTLET.CO.ID - ",
# "Sukamara (ANTARA) - ", "SURYA.co.id, MALANG - ", "Kab. Bandung (Outlet) -- ".
_DATELINE_HEAD = re.compile(r"[ \t\"'“‘]*(?:[A-Za-z0-9-]+(?:\.[A-Za-z]{2,})+[ \t]*,[ \t]*)?")
_DATELINE_TAIL = re.compile(r"[ \t]*(?:,[^\n]{0,60}?|\([^)\n]{0,60}\))?[ \t]*[-–—]{1,3}[ \t]")
#: Blanks that may separate the words of a name or a cue.
SPACE = " \t\xa0"
_MAX_ABBREVIATION = 5
#: How far back cue words are looked for; enough for two words.
_LOOKBACK = 40


@dataclass(slots=True)
class Mention:
    """One region name found in the text, with what the words before it say.

    The resolver fills in ``pending``, ``code`` and ``rule``.
    """

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
        """A dateline or a type/institution cue: enough to establish the region on its own."""
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


class Signals:
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
    if not tail or tail[-1] not in SPACE:
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
        if word[:3].lower() == "se-":
            word = word[3:]  # "se-Kabupaten Pekalongan": all of the kabupaten
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
            joined = len(gap) <= 2 * len(connector) and gap.strip(SPACE).lower() == connector
            connector = ""
        else:
            joined = len(gap) <= 3 and not gap.strip(SPACE + "-")
        if not joined or pieces[p + 2].lower() != token:
            return None
        p += 2
    return p


def _scan(text: str, field: Field, gazetteer: Gazetteer) -> list[Mention]:
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
    found: list[Mention] = []
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
            Mention(
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


def _mark_dateline(body: str, mentions: Sequence[Mention]) -> None:
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


def _outside(mentions: list[Mention], spans: list[tuple[int, int]]) -> list[Mention]:
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


def find_mentions(texts: dict[Field, str], lowered: tuple[str, str], gazetteer: Gazetteer) -> tuple[list[Mention], int]:
    """Every mention in the title and then the body, and how many national phrases they hold.

    ``lowered`` is ``(title.lower(), body.lower())``. Mentions inside a national phrase
    ("dari Sabang sampai Merauke") or a related-link line (another story's places) are
    dropped; the body's dateline mention is marked.
    """
    mentions: list[Mention] = []
    national = 0
    fields: tuple[Field, Field] = ("title", "body")
    for field, low in zip(fields, lowered, strict=True):
        text = texts[field]
        found = _scan(text, field, gazetteer)
        national_spans = _phrase_spans(low, gazetteer.cues.national_phrases)
        national += len(national_spans)
        ignored = national_spans
        if may_hold_related_links(low):
            ignored = ignored + related_link_spans(text)
        if ignored and found:
            found = _outside(found, ignored)
        if field == "body":
            _mark_dateline(text, found)
        mentions.extend(found)
    return mentions, national
