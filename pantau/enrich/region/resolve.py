"""Resolving mentions: which region each name denotes, whether a risky one counts, its rule.

Steps 4 and 5 of :mod:`pantau.enrich.region`: risky names (ordinary words, people's
names) count only with support from the article, and ambiguous bare names ("Malang",
"Bengkulu") are settled from apposition, the rest of the article, office words and the
outlet's home region.
"""

from __future__ import annotations

import re
from collections import Counter

from pantau.enrich.region.gazetteer import Gazetteer
from pantau.enrich.region.scan import SPACE, Field, Mention, Signals

_NEXT_CAP_WORD = re.compile(r"[ \t]([A-Z][a-z]+)")
# Between a regency and its province: "Sukamara, Kalimantan Tengah", "Lebong (Bengkulu)".
_APPOSITION = re.compile(r"[ \t]*[,(][ \t]*(?:(?:provinsi|propinsi|prov\.?)[ \t]+)?", re.IGNORECASE)


def _sentence_initial(text: str, pos: int) -> bool:
    """Whether ``pos`` opens the text, a line or a sentence (quotes and brackets aside)."""
    j = pos
    while j > 0 and text[j - 1] in SPACE + "\"'“‘([":
        j -= 1
    return j == 0 or text[j - 1] in ".!?\n:"


def _apposition(texts: dict[Field, str], before: Mention, after: Mention) -> bool:
    if before.field != after.field:
        return False
    return _APPOSITION.fullmatch(texts[before.field], before.end, after.start) is not None


class Resolver:
    """Settles the mentions of one article: which region each denotes, and its rule."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        texts: dict[Field, str],
        mentions: list[Mention],
        signals: Signals,
        home_region: str | None,
    ) -> None:
        self.gazetteer = gazetteer
        self.regions = gazetteer.regions
        self.texts = texts
        self.mentions = mentions
        self.signals = signals
        self.home = home_region

    def run(self) -> list[Mention]:
        """The mentions that denote a region, in text order, each with its code and rule."""
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

    def _previous(self, pos: int) -> Mention | None:
        return self.mentions[pos - 1] if pos > 0 else None

    def _choose(
        self,
        m: Mention,
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
        self, m: Mention, pos: int, strong_codes: set[str], counts: Counter[str], in_play: set[str]
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

    def _looks_like_person(self, m: Mention) -> bool:
        # Titles are often Title Case throughout, so only the body can tell.
        if m.field != "body":
            return False
        nxt = _NEXT_CAP_WORD.match(self.texts["body"], m.end)
        if nxt is None:
            return False
        word = nxt.group(1).lower()
        return word not in self.gazetteer.index and word not in self.gazetteer.cues.single

    def _rule(self, m: Mention, before: Mention | None) -> str:
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
