"""Cutting an article into sentences and paragraphs, and preparing its text for matching.

The body is cut into paragraphs (line breaks) and sentences (end punctuation, not after
common abbreviations such as "Pj." or initials). The title is one sentence of its own.
Related-link lines ("Baca juga: <other headline>") are blanked before matching. Lowering
and blanking keep every offset, so a term's position says which sentence holds it.
"""

from __future__ import annotations

import re
from typing import Final

from pantau.enrich.text import ArticleText, lower_same_length
from pantau.furniture import blank_related_links

__all__ = ["body_for_matching", "lower_same_length", "sentence_starts", "sentence_text"]

# Abbreviations that end in a dot without ending the sentence ("Pj. Bupati", "S.Sos.").
_ABBREVIATIONS: Final = (
    *("pj", "plt", "plh", "pjs", "hj", "dr", "drs", "ir", "st", "kh", "prof", "no", "jl", "kab"),
    *("kec", "kel", "sdr", "bpk", "ny", "tn", "yth", "sos", "pd", "si", "se", "sh", "mh", "mm"),
    *("mpd", "msi", "ak", "amd", "ssos", "sstp", "stp", "skm", "dll", "dsb", "tsb", "red", "ket"),
)


def _boundary_regex() -> re.Pattern[str]:
    """Paragraph breaks (matches that start with a newline) and sentence ends, in one pattern.

    A sentence ends at . ! ? or … followed by blanks and a character that is not a
    lower-case letter, unless the dot closes an initial ("M. Ardian") or one of
    :data:`_ABBREVIATIONS`. Look-behinds must have a fixed width, hence one per length.
    """
    by_length: dict[int, list[str]] = {}
    for abbreviation in _ABBREVIATIONS:
        by_length.setdefault(len(abbreviation), []).append(abbreviation)
    guards = "".join(rf"(?<!\b(?i:{'|'.join(sorted(words))})\.)" for _, words in sorted(by_length.items()))
    # One leading character class lets re skip ahead to candidates with its fast scan.
    return re.compile(rf"[\n.!?…](?:(?<=\n)\s*|(?<!\b[^\W\d_]\.){guards}[\"'”’)\]]*[ \t\xa0]+(?=[^\sa-z]))")


_BOUNDARY: Final = _boundary_regex()


def body_for_matching(body: str, text: ArticleText | None = None) -> str:
    """The body lower-cased, with related-link lines blanked so their headlines do not count.

    Offsets are those of ``body``. ``text`` is the article's shared analysis, if the
    caller has it (it saves lowering the body again).
    """
    if text is None:
        text = ArticleText.of("", body)
    if not text.may_hold_related_links:
        return text.body_lower_same
    return blank_related_links(text.body_lower_same)


def sentence_starts(body: str) -> tuple[list[int], list[int]]:
    """Start offsets of the body's sentences and, for each, its paragraph number (from 1)."""
    starts = [0]
    paras = [1]
    para = 1
    size = len(body)
    for m in _BOUNDARY.finditer(body):
        end = m.end()
        if end >= size:
            break
        if m.group()[0] == "\n":
            para += 1
        if end == starts[-1]:
            paras[-1] = para
        else:
            starts.append(end)
            paras.append(para)
    return starts, paras


def sentence_text(title: str, body: str, starts: list[int], sentence: int) -> str:
    """The text of one sentence: 0 is the title, body sentences count from 1."""
    if sentence == 0:
        return title
    end = starts[sentence] if sentence < len(starts) else len(body)
    return body[starts[sentence - 1] : end]
