"""Region tagging: which Kemendagri regions an article is about, and why.

:func:`tag_regions` is pure: it reads only the title, the body and the outlet's home
region, plus the gazetteer loaded once per process (:mod:`.gazetteer`).

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

Modules, one per part of the work: :mod:`.gazetteer` (regions, names, cue words),
:mod:`.scan` (steps 1-3), :mod:`.resolve` (steps 4-5), :mod:`.summary` (steps 6-7).
"""

from __future__ import annotations

from pantau.enrich.region.gazetteer import load_gazetteer
from pantau.enrich.region.resolve import Resolver
from pantau.enrich.region.scan import Field, Signals, find_mentions
from pantau.enrich.region.summary import summarise
from pantau.enrich.text import ArticleText
from pantau.schema import RegionTags

__all__ = ["tag_regions"]


def tag_regions(title: str, body: str, home_region: str | None = None, text: ArticleText | None = None) -> RegionTags:
    """Tag an article with the Kemendagri regions it is about, with the evidence for each.

    ``home_region`` is the outlet's home (a code such as ``"35.08"`` or ``"35"``); it only
    breaks ties between regions the text itself names. The rules are described in the
    module docstring. ``text`` is the shared analysis of this title and body
    (:class:`~pantau.enrich.text.ArticleText`), if the caller has it.
    """
    gazetteer = load_gazetteer()
    texts: dict[Field, str] = {"title": title, "body": body}
    lowered = (text.title_lower, text.body_lower) if text is not None else (title.lower(), body.lower())
    mentions, national = find_mentions(texts, lowered, gazetteer)
    signals = Signals(lowered, gazetteer.cues, national)
    accepted = Resolver(gazetteer, texts, mentions, signals, home_region).run()
    return summarise(gazetteer, texts, accepted, signals, home_region)
