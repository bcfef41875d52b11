"""A body reduced to words: the normalised text (for exact duplicates) and word hashes.

Both come out of one vectorised pass over the body's code points (numpy), because a
Python-level loop per word would cost more than all the rest of deduplication.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from pantau.furniture import drop_related_links, may_hold_related_links

_U64 = np.uint64
_U32 = np.uint32

# Polynomial base for word hashes; odd, so it has an inverse modulo 2**64.
_WORD_BASE: Final = 0x100000001B3
_WORD_BASE_INV: Final = pow(_WORD_BASE, -1, 1 << 64)
_power_cache: list[tuple[NDArray[np.uint64], NDArray[np.uint64]]] = []


def _powers(n: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """``base**i`` and ``base**-i`` mod 2**64 for ``i < n`` (at least); grown by doubling."""
    if _power_cache and len(_power_cache[0][0]) >= n:
        return _power_cache[0]
    size = 1 << max(12, (n - 1).bit_length())
    pw = np.empty(size, dtype=_U64)
    ipw = np.empty(size, dtype=_U64)
    pw[0] = ipw[0] = 1
    pw[1:] = _WORD_BASE
    ipw[1:] = _WORD_BASE_INV
    np.multiply.accumulate(pw, out=pw)
    np.multiply.accumulate(ipw, out=ipw)
    _power_cache[:] = [(pw, ipw)]
    return pw, ipw


@cache
def _word_table() -> NDArray[np.bool_]:
    """For each BMP code point: is it part of a word (letter, mark or digit)?

    Code points above the BMP (mostly emoji in this corpus) count as separators. Built
    once per process (~20 ms).
    """
    return np.array(
        [unicodedata.category(chr(cp))[0] in "LMN" for cp in range(0x10000)],
        dtype=np.bool_,
    )


@dataclass(frozen=True, slots=True)
class Words:
    """A body reduced to words: the normalised text and each word's 64-bit hash."""

    normalised: str
    word_hashes: NDArray[np.uint64]

    @property
    def n_words(self) -> int:
        return len(self.word_hashes)

    @property
    def content_hash(self) -> str:
        """32 hex digits of SHA-256 over the UTF-8 of the normalised text."""
        return hashlib.sha256(self.normalised.encode("utf-8")).hexdigest()[:32]


def analyse(body: str, lowered: str | None = None) -> Words:
    """Normalise ``body`` (see :func:`normalise_text`) and hash each of its words.

    ``lowered`` is ``body.lower()`` when the caller has it (the enrich stage's shared
    :class:`~pantau.enrich.text.ArticleText`); it is used when NFKC leaves the body as it is.
    """
    # NFKC folds compatibility forms (non-breaking spaces, ligatures, full-width digits).
    folded = unicodedata.normalize("NFKC", body)
    # Most bodies are NFKC already (normalize then hands back the same object): lowering
    # them again would repeat the shared analysis's ~19 us.
    text = lowered if lowered is not None and folded is body else folded.lower()
    if may_hold_related_links(text):
        text = drop_related_links(text)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=_U32)
    is_word = _word_table().take(cp, mode="clip")
    # Word boundaries: where the padded mask changes, alternately a start and an end.
    padded = np.zeros(len(is_word) + 2, dtype=np.bool_)
    padded[1:-1] = is_word
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts = changes[0::2]
    ends = changes[1::2]

    # Normalised text: the words joined by one space (the first separator after each
    # word but the last is kept and set to a space).
    keep = is_word.copy()
    keep[ends[:-1]] = True
    chars = np.where(is_word, cp, _U32(0x20))[keep]
    normalised = chars.tobytes().decode("utf-32-le")

    # Word hashes by prefix sums of a polynomial hash, all words at once:
    # hash(word) = (P[end] - P[start]) * base**-start, with P[i] = sum(cp[j] * base**j, j < i).
    # Not mixed further here: shingle hashing multiplies and finalises them.
    pw, ipw = _powers(len(cp) + 1)
    prefix = np.zeros(len(cp) + 1, dtype=_U64)
    np.cumsum(cp * pw[: len(cp)], out=prefix[1:])
    word_hashes = prefix[ends]
    word_hashes -= prefix[starts]
    word_hashes *= ipw[starts]
    return Words(normalised, word_hashes)


def normalise_text(body: str) -> str:
    """The body as compared for exact duplicates.

    NFKC, lower-case, "Baca juga: ..." related-link lines removed, every run of
    characters that are not letters, marks or digits (punctuation, symbols, whitespace)
    collapsed to one space, trimmed. Digits are kept: "Pilkada 2024" and "Pilkada 2020"
    differ.
    """
    return analyse(body).normalised


def content_hash(body: str) -> str:
    """32 hex digits of SHA-256 over the UTF-8 of :func:`normalise_text`."""
    return analyse(body).content_hash
