"""Word-shingle MinHash: our shingle hashes, datasketch's ``affine32`` permutations.

Hashing uses fixed constants and a pinned datasketch seed and scheme (no Python
``hash``), so a MinHash computed in one process matches one computed in another.

The permutation parameters are datasketch's, drawn from its pinned seed the way datasketch
2.x draws them (without importing datasketch, which loads scipy: about half a second at
every process start); applying them is done here, on the whole array of shingle hashes
at once. datasketch's
``update_batch`` takes a Python iterable and calls its hash function once per shingle,
which cost ~0.3 ms an article against ~0.05 ms for the same arithmetic on the array
(``benchmarks/enrich_bench.py``). The result is bit-for-bit datasketch's: the MurmurHash3
32-bit finaliser, then ``a * h + b`` modulo 2**32, then the minimum per permutation
(``tests/unit/test_dedup.py`` checks the parameters and the values against datasketch itself).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

_U64 = np.uint64
_U32 = np.uint32
_MASK64: Final = (1 << 64) - 1

#: Version of the normalisation and hashing. Bump it when either changes.
HASH_VERSION: Final = 2
# Seed of datasketch's permutations; part of the scheme, like the version.
_DATASKETCH_SEED: Final = 0x50414E54


def _splitmix64(state: int) -> tuple[int, int]:
    """One step of SplitMix64: a fixed, well-mixed integer sequence (stable forever)."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def constants(seed: int, count: int) -> list[int]:
    """``count`` fixed, well-mixed 64-bit integers derived from ``seed`` (SplitMix64)."""
    out = []
    state = seed
    for _ in range(count):
        state, value = _splitmix64(state)
        out.append(value)
    return out


_SHIFT32: Final = _U64(32)
_SHIFT33: Final = _U64(33)
_FMIX_1: Final = _U64(0xFF51AFD7ED558CCD)
_FMIX_2: Final = _U64(0xC4CEB9FE1A85EC53)


def _fmix64(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """MurmurHash3's 64-bit finaliser, element-wise (uint64 arithmetic wraps on purpose)."""
    h = h ^ (h >> _SHIFT33)
    h *= _FMIX_1
    h ^= h >> _SHIFT33
    h *= _FMIX_2
    h ^= h >> _SHIFT33
    return h


_FMIX32_SHIFT_1: Final = _U32(16)
_FMIX32_SHIFT_2: Final = _U32(13)
_FMIX32_1: Final = _U32(0x85EBCA6B)
_FMIX32_2: Final = _U32(0xC2B2AE35)


def _fmix32(h: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """MurmurHash3's 32-bit finaliser, element-wise: datasketch's pre-mix for ``affine32``."""
    h = h ^ (h >> _FMIX32_SHIFT_1)
    h *= _FMIX32_1
    h ^= h >> _FMIX32_SHIFT_2
    h *= _FMIX32_2
    h ^= h >> _FMIX32_SHIFT_1
    return h


def affine32_permutations(num_perm: int, seed: int) -> tuple[NDArray[np.uint32], NDArray[np.uint32]]:
    """datasketch's ``affine32`` permutation parameters for ``seed``: odd ``a``, any ``b``.

    Drawn exactly as ``datasketch.MinHash(seed=seed, scheme="affine32")`` draws them, so
    signatures stay comparable with those it made.
    """
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=_U32)
    return a, b


class MinHasher:
    """MinHash over shingles of ``shingle_words`` consecutive words, ``num_perm`` values.

    Shingles are hashed here, vectorised over the whole body (a Python call per shingle
    would cost more than everything else), and the ``num_perm`` affine permutations of
    datasketch's scheme ``affine32`` (fixed seed, so identical in every process) are
    applied to all of them in one array operation.
    """

    def __init__(self, num_perm: int, shingle_words: int) -> None:
        if num_perm < 16:
            raise ValueError(f"num_perm must be at least 16, got {num_perm}")
        if shingle_words < 1:
            raise ValueError(f"shingle_words must be at least 1, got {shingle_words}")
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        #: Tag of these settings, recorded in every signature.
        self.scheme = f"pantau-minhash/{HASH_VERSION};datasketch-affine32;k={shingle_words};p={num_perm}"
        # Odd multipliers, one per word position in a shingle.
        self._mix = np.array([c | 1 for c in constants(0x50414E544155, shingle_words)], dtype=_U64)
        self._a, self._b = affine32_permutations(num_perm, _DATASKETCH_SEED)

    def minhash(self, word_hashes: NDArray[np.uint64]) -> NDArray[np.uint32]:
        """The MinHash of a body given its word hashes (at least one word)."""
        k = min(self.shingle_words, len(word_hashes))
        m = len(word_hashes) - k + 1
        # A shingle's hash: its word hashes weighted by position, then finalised.
        acc = word_hashes[:m] * self._mix[0]
        for j in range(1, k):
            acc += word_hashes[j : j + m] * self._mix[j]
        shingles = (_fmix64(acc) >> _SHIFT32).astype(_U32)
        # datasketch's affine32: the 32-bit finaliser, then a * h + b (uint32 arithmetic
        # wraps on purpose), minimum over the shingles for each permutation.
        mixed = _fmix32(shingles)
        permuted = np.multiply.outer(mixed, self._a)
        permuted += self._b
        minimum: NDArray[np.uint32] = permuted.min(axis=0)
        return minimum
