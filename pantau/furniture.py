"""TEMP: replaced by helper B."""

from __future__ import annotations

import re

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
