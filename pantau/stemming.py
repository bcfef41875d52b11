"""Indonesian stemming at index time (PySastrawi), into fields of their own.

The Elasticsearch build used here has no ``indonesian`` analyzer, so ``title_stem`` and
``body_stem`` hold pre-stemmed text that a whitespace analyzer indexes; the query side
stems the user's words the same way. A full distribution could use its analyzer
instead; these fields keep working there unchanged.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

_WORD = re.compile(r"[0-9a-zà-ÿ]+(?:-[0-9a-zà-ÿ]+)*")


@cache
def _stemmer() -> object:
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    # Sastrawi costs ~0.1 ms a word; news vocabulary repeats, so the cache takes most.
    return str(_stemmer().stem(word))  # type: ignore[attr-defined]


def stem_text(text: str) -> str:
    """Lower-case, tokenise and stem; returns space-separated stems."""
    # map over the cached function, not a generator expression: 1.5x faster on a 3 KB body.
    return " ".join(map(stem_word, _WORD.findall(text.lower())))
