"""Clean: strip site furniture from the body and tidy the text.

"BACA JUGA:" related links, share and tag widgets and bylines sit inside the body
container on most Indonesian news CMSs. They are not the story, and left in they would
pollute search, dedup shingles and relevance.
"""

from __future__ import annotations

import re

from pantau.schema import PageExtract
from pipelines.base import SitePipeline

# Furniture seen across platforms; a site file adds its own in ``drop_paragraphs``.
FURNITURE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^baca\s+juga\s*:",
        r"^(tag|tags|share|bagikan|komentar|\d+\s+komentar|berita\s+(terkini|terpopuler|pilihan|terkait))\s*:?$",
        r"^(editor|penulis|reporter|pewarta|sumber|foto)\s*:",
        r"^sumber\s*:?$",
        r"^(advertisement|iklan|scroll\s+untuk\s+melanjutkan)",
    )
]


def is_furniture(paragraph: str, extra: list[re.Pattern[str]]) -> bool:
    return any(p.search(paragraph) for p in FURNITURE) or any(p.search(paragraph) for p in extra)


def clean_paragraphs(paragraphs: list[str], title: str, extra: list[re.Pattern[str]]) -> list[str]:
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


class CleanPipeline(SitePipeline):
    def process_item(self, item: PageExtract) -> PageExtract:
        extra = self.spider.spec.drop_patterns
        item.title = " ".join(item.title.split())
        item.paragraphs = clean_paragraphs(item.paragraphs, item.title, extra)
        return item
