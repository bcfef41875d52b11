"""Site furniture: the text news CMSs put inside an article body that is not the story.

"BACA JUGA:" related links, share and tag widgets and bylines sit inside the body
container on most Indonesian news sites. Left in, they would pollute search, dedup
shingles, region tagging and relevance. Two views of the same furniture live here:

* paragraph level, for the crawler's clean step (:func:`clean_paragraphs`), where each
  paragraph is a whole block that is dropped or kept;
* line level, for the enrich core, which sees a body that may still hold related-link
  lines (bodies from ``pantau enrich`` or earlier crawls, or "Baca juga" without a colon):
  :data:`RELATED_LINK_LINE` and the helpers around it.

Both are built from one phrase, so what counts as a related link is written once.
"""

from __future__ import annotations

import re
from typing import Final

# "baca juga" ("read also") opening a related link. Blanks only between the words: a line
# break must never join two lines into one link.
_RELATED_LINK_WORDS: Final = r"baca[ \t]+juga"

#: A related-link line with the line break before it: ``"\nBaca juga: <another headline>"``.
#: Match it against ``"\n" + text`` so the first line counts too. Anchoring on a literal
#: newline instead of ``^`` with MULTILINE lets ``re`` skip to line breaks with its fast
#: scan (about five times faster on article bodies).
RELATED_LINK_LINE: Final = re.compile(rf"\n[ \t]*{_RELATED_LINK_WORDS}\b[^\n]*", re.IGNORECASE)

#: Paragraph-level furniture seen across platforms, matched against a paragraph whose
#: white space is already collapsed; a site file adds its own in ``drop_paragraphs``.
FURNITURE: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"^{_RELATED_LINK_WORDS}\s*:",
        r"^(tag|tags|share|bagikan|komentar|\d+\s+komentar|berita\s+(terkini|terpopuler|pilihan|terkait))\s*:?$",
        r"^(editor|penulis|reporter|pewarta|sumber|foto)\s*:",
        r"^sumber\s*:?$",
        r"^(advertisement|iklan|scroll\s+untuk\s+melanjutkan)",
    )
)


def may_hold_related_links(lowered: str) -> bool:
    """Cheap pre-check on lower-cased text: ``False`` means no related-link line can match."""
    return "baca" in lowered


def related_link_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every related-link line in ``text``, from the line's first
    character (blanks included) to its end, line break excluded."""
    # In "\n" + text, a match starts at the line break, i.e. one before the line in
    # the padded string, which is exactly where the line starts in ``text``.
    return [(m.start(), m.end() - 1) for m in RELATED_LINK_LINE.finditer("\n" + text)]


def blank_related_links(text: str) -> str:
    """``text`` with every related-link line overwritten by spaces.

    Blanking instead of deleting keeps offsets (hence sentence numbers and evidence
    spans) unchanged.
    """
    padded = "\n" + text
    return RELATED_LINK_LINE.sub(lambda m: "\n" + " " * (len(m.group()) - 1), padded)[1:]


def drop_related_links(text: str) -> str:
    """``text`` with every related-link line removed, its line break kept.

    The result starts with a line break, which callers that collapse white space ignore.
    """
    return RELATED_LINK_LINE.sub("\n", "\n" + text)


def is_furniture(paragraph: str, extra: list[re.Pattern[str]]) -> bool:
    """Whether a (white-space collapsed) paragraph is furniture: a common pattern or one
    of the site's own ``extra`` patterns."""
    return any(p.search(paragraph) for p in FURNITURE) or any(p.search(paragraph) for p in extra)


def clean_paragraphs(paragraphs: list[str], title: str, extra: list[re.Pattern[str]]) -> list[str]:
    """The paragraphs with white space collapsed, furniture and empty ones dropped, and
    a first paragraph that only repeats the title dropped."""
    kept: list[str] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if not text or is_furniture(text, extra):
            continue
        # Some templates repeat the headline as the first body line.
        if not kept and text == title:
            continue
        kept.append(text)
    return kept
