"""Duplicate detection: the same story seen under another URL, byte-for-byte or edited.

Three checks, cheapest first:

1. **exact_url**: the article id (the hash of the canonical URL) was seen before: a
   redelivery or a re-crawl of a stored record.
2. **exact_content**: the SHA-256 of the normalised body (see :func:`normalise_text`)
   matches an earlier article: the same text under a new URL.
3. **near**: MinHash over word shingles, with LSH banding to find candidates and the
   estimated Jaccard similarity to confirm them: syndicated copies (an ANTARA story
   republished by regional sites with a new intro, a dropped paragraph, another byline)
   and an outlet re-posting its own story.

Matches form clusters. ``cluster_id`` is the id of the cluster's first-seen member and
never changes; ``duplicate_of`` points at the cluster's *representative*, its
earliest-published member. A copy that was published before the current representative
is not called a duplicate: its ``duplicate_of`` is ``None`` and it becomes the new
representative. Members already decided keep their record (and their ``duplicate_of``
still names the old representative); nothing is rewritten after the fact, so a
signature persisted once never changes.

**Parameters, and why.** Shingles are 4 consecutive words: on real regional articles
about the same event (Bawaslu or a regent urging ASN neutrality, written by different
newsrooms) the 4-shingle Jaccard stays below 0.02, while a copy with a rewritten intro and
one paragraph dropped keeps 0.58-0.83, and one with, in addition, a word changed every
~25 words keeps 0.45-0.55. Three-word shingles raise both sides a little and make
boilerplate and set phrases ("netralitas aparatur sipil negara") count for more; five-word
shingles lose ~0.05 of similarity on copy-edited copies.

A copy is a near duplicate when its estimated Jaccard similarity to an indexed article is
at least ``threshold`` (0.5). With 128 permutations the estimate has a standard
deviation of about 0.044 at J = 0.5, so a pair with true J = 0.45 passes about one time
in eight and one with J = 0.55 fails about as often. LSH uses 20 bands of 3 rows (60 of
the 128 values); the probability that a pair becomes a candidate at all is
``1 - (1 - J**3)**20``: 0.42 at J = 0.3, 0.74 at 0.4, 0.93 at 0.5, 0.99 at 0.6. Missing a
true copy is the costlier error (the same story counted twice in a report), so the
bands favour recall; the cost is more candidates at low similarity, and these are cheap
to verify against the stored signatures and are then rejected. More rows per band would
cut candidates but miss ~13% of the pairs at J = 0.5 unless the band count doubled,
which doubles the index memory.

Bodies shorter than ``min_words`` (40) words get no MinHash: a caption or a teaser
shares too large a fraction of itself with site furniture for shingles to mean anything.
They still take part in the URL and content checks (content only from
``min_exact_words``, 10, so that two galleries whose body is just "Foto: Istimewa"
are not merged).

**datasketch for MinHash, our own band table for LSH.** The permutations and minimum
are datasketch's ``MinHash`` (scheme ``affine32``, pinned seed), fed with shingle hashes
computed here in one vectorised pass. LSH is a sorted-array band table rather than
datasketch's ``MinHashLSH``: measured on 20,000 signatures with the same 20 x 3 bands,
``MinHashLSH`` (dict storage) held ~6 KB per article and spent ~185 us on an insert plus
a query; the table below holds ~0.27 KB per article (20 keys of 12 bytes, plus a bounded
buffer) at ~50 us. datasketch's permutation scheme is named explicitly and recorded in
each signature's ``scheme``, so an upgrade that changed its default cannot silently
invalidate persisted signatures.

**Determinism.** Hashing uses fixed constants and a pinned datasketch seed and scheme (no Python
``hash``), so a signature computed in one
process matches one computed in another, and :meth:`DedupIndex.check` decides the same
way after the same sequence of :meth:`DedupIndex.add` calls. Signatures carry a
``scheme`` tag; replaying one made with other shingle or permutation settings is
refused rather than silently mis-compared.

**For adapters.** ``exact_url`` means a redelivery or re-crawl of a stored article: its
``duplicate_of`` is the article's own id and the returned signature is the stored one
(``Signature.as_dedup()`` gives the decision made the first time), so an at-least-once
consumer can re-index it under the same id instead of dropping it. Replay signatures in
the order they were produced (SQLite rowid, topic offset): cluster membership is carried
by the signature, but the choice of representative among copies with missing or equal
dates, and the first-wins content map, follow arrival order. Two processes that check
copies of one story at the same moment may each start a cluster; clusters are never
merged afterwards.

The index is in memory and not thread-safe; one consumer owns one index.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import unicodedata
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Final

import numpy as np
from datasketch import MinHash
from numpy.typing import NDArray

from pantau.schema import Article, Dedup

logger = logging.getLogger(__name__)

__all__ = [
    "DedupIndex",
    "Signature",
    "content_hash",
    "normalise_text",
]

_U64 = np.uint64
_U32 = np.uint32
_MASK64: Final = (1 << 64) - 1

#: Version of the normalisation and hashing below. Bump it when either changes.
_HASH_VERSION: Final = 2
# Seed of datasketch's permutations; part of the scheme, like the version.
_DATASKETCH_SEED: Final = 0x50414E54

DEFAULT_NUM_PERM: Final = 128
DEFAULT_THRESHOLD: Final = 0.5
DEFAULT_SHINGLE_WORDS: Final = 4
DEFAULT_BANDS: Final = 20
DEFAULT_ROWS: Final = 3
DEFAULT_MIN_WORDS: Final = 40
DEFAULT_MIN_EXACT_WORDS: Final = 10

METHOD_EXACT_URL: Final = "exact_url"
METHOD_EXACT_CONTENT: Final = "exact_content"
METHOD_NEAR: Final = "near"
_METHODS: Final = frozenset({METHOD_EXACT_URL, METHOD_EXACT_CONTENT, METHOD_NEAR})

# Related-link lines that sites splice into the body ("Baca juga: <other headline>");
# they differ between copies of one story, so they must not count. Matched on the
# lower-cased text, whole line only.
# (Anchored on a literal newline rather than ``^`` with MULTILINE: five times faster.)
_RELATED_LINK = re.compile(r"\n[ \t]*baca[ \t]+juga\b[^\n]*")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NO_DATE: Final = -(1 << 63)


# --- hashing primitives ---------------------------------------------------------------


def _splitmix64(state: int) -> tuple[int, int]:
    """One step of SplitMix64: a fixed, well-mixed integer sequence (stable forever)."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def _constants(seed: int, count: int) -> list[int]:
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
class _Text:
    """A body reduced to words: the normalised text and each word's 64-bit hash."""

    normalised: str
    word_hashes: NDArray[np.uint64]

    @property
    def n_words(self) -> int:
        return len(self.word_hashes)


def _analyse(body: str) -> _Text:
    # NFKC folds compatibility forms (non-breaking spaces, ligatures, full-width digits).
    text = unicodedata.normalize("NFKC", body).lower()
    if "baca" in text:
        text = _RELATED_LINK.sub("\n", "\n" + text)
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
    return _Text(normalised, word_hashes)


def normalise_text(body: str) -> str:
    """The body as compared for exact duplicates.

    NFKC, lower-case, "Baca juga: ..." related-link lines removed, every run of
    characters that are not letters, marks or digits (punctuation, symbols, whitespace)
    collapsed to one space, trimmed. Digits are kept: "Pilkada 2024" and "Pilkada 2020"
    differ.
    """
    return _analyse(body).normalised


def _hash_normalised(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


def content_hash(body: str) -> str:
    """32 hex digits of SHA-256 over the UTF-8 of :func:`normalise_text`."""
    return _hash_normalised(normalise_text(body))


# --- MinHash ---------------------------------------------------------------------------


class _Hasher:
    """Word-shingle MinHash: our shingle hashes, datasketch's permutations and minimum.

    Shingles are hashed here, vectorised over the whole body (a Python call per shingle
    would cost more than everything else); datasketch's ``MinHash`` (scheme
    ``affine32``, fixed seed, so identical in every process) applies the ``num_perm``
    permutations. Its permutations are drawn once and shared by every article.
    """

    def __init__(self, num_perm: int, shingle_words: int) -> None:
        if num_perm < 16:
            raise ValueError(f"num_perm must be at least 16, got {num_perm}")
        if shingle_words < 1:
            raise ValueError(f"shingle_words must be at least 1, got {shingle_words}")
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.scheme = f"pantau-minhash/{_HASH_VERSION};datasketch-affine32;k={shingle_words};p={num_perm}"
        consts = _constants(0x50414E544155, shingle_words)
        self._mix = np.array([c | 1 for c in consts], dtype=_U64)
        self._permutations = MinHash(
            num_perm=num_perm, seed=_DATASKETCH_SEED, hashfunc=int, scheme="affine32"
        ).permutations

    def minhash(self, word_hashes: NDArray[np.uint64]) -> NDArray[np.uint32]:
        k = min(self.shingle_words, len(word_hashes))
        m = len(word_hashes) - k + 1
        # A shingle's hash: its word hashes weighted by position, then finalised.
        acc = word_hashes[:m] * self._mix[0]
        for j in range(1, k):
            acc += word_hashes[j : j + m] * self._mix[j]
        shingles = (_fmix64(acc) >> _SHIFT32).astype(_U32)
        sketch = MinHash(num_perm=self.num_perm, hashfunc=int, scheme="affine32", permutations=self._permutations)
        sketch.update_batch(shingles.tolist())
        return np.asarray(sketch.hashvalues, dtype=_U32)


# --- signatures ------------------------------------------------------------------------


def _parse_time(value: object, what: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{what}: not an ISO 8601 time: {value!r}") from exc
    else:
        raise ValueError(f"{what}: expected an ISO 8601 string, got {type(value).__name__}")
    if parsed.tzinfo is None:
        raise ValueError(f"{what}: time has no UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def _micros(value: datetime | None) -> int:
    if value is None:
        return _NO_DATE
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime | None:
    return None if value == _NO_DATE else _EPOCH + timedelta(microseconds=value)


def _opt_str(d: Mapping[str, object], key: str) -> str | None:
    value = d.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key}: expected a string or null, got {type(value).__name__}")
    return value


def _req_str(d: Mapping[str, object], key: str) -> str:
    value = _opt_str(d, key)
    if not value:
        raise ValueError(f"{key}: required")
    return value


@dataclass(frozen=True, slots=True)
class Signature:
    """What the index keeps about one article: enough to rebuild it, and the decision made.

    ``minhash`` is the raw little-endian uint32 MinHash (``4 * num_perm`` bytes), ``None``
    for bodies too short to shingle. ``duplicate_of``, ``method`` and ``similarity`` are
    the decision :meth:`DedupIndex.check` returned when it first saw the article.
    """

    article_id: str
    cluster_id: str
    content_hash: str
    published_at: datetime | None
    #: Words in the normalised body (decides the short-text rules on replay).
    words: int
    minhash: bytes | None
    scheme: str
    duplicate_of: str | None = None
    method: str | None = None
    similarity: float | None = None

    def as_dedup(self) -> Dedup:
        """The decision recorded for this article when it was first checked."""
        return Dedup(
            content_hash=self.content_hash,
            cluster_id=self.cluster_id,
            duplicate_of=self.duplicate_of,
            method=self.method,
            similarity=self.similarity,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (about 0.9 KB with 128 permutations; the MinHash is base64)."""
        return {
            "article_id": self.article_id,
            "cluster_id": self.cluster_id,
            "content_hash": self.content_hash,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "words": self.words,
            "minhash": None if self.minhash is None else base64.b64encode(self.minhash).decode("ascii"),
            "scheme": self.scheme,
            "duplicate_of": self.duplicate_of,
            "method": self.method,
            "similarity": self.similarity,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Signature:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` naming the bad field."""
        raw_minhash = _opt_str(d, "minhash")
        minhash = None
        if raw_minhash is not None:
            try:
                minhash = base64.b64decode(raw_minhash.encode("ascii"), validate=True)
            except ValueError as exc:
                raise ValueError("minhash: not base64") from exc
            if not minhash or len(minhash) % 4:
                raise ValueError(f"minhash: {len(minhash)} bytes is not a whole number of uint32 values")
        method = _opt_str(d, "method")
        if method is not None and method not in _METHODS:
            raise ValueError(f"method: unknown {method!r}")
        similarity = d.get("similarity")
        if similarity is not None:
            if isinstance(similarity, bool) or not isinstance(similarity, int | float):
                raise ValueError(f"similarity: expected a number, got {type(similarity).__name__}")
            similarity = float(similarity)
        words = d.get("words")
        if isinstance(words, bool) or not isinstance(words, int) or words < 0:
            raise ValueError(f"words: expected a non-negative integer, got {words!r}")
        return cls(
            article_id=_req_str(d, "article_id"),
            cluster_id=_req_str(d, "cluster_id"),
            content_hash=_req_str(d, "content_hash"),
            published_at=_parse_time(d.get("published_at"), "published_at"),
            words=words,
            minhash=minhash,
            scheme=_req_str(d, "scheme"),
            duplicate_of=_opt_str(d, "duplicate_of"),
            method=method,
            similarity=similarity,
        )


# --- LSH band table --------------------------------------------------------------------


class _BandTable:
    """Multimap from 64-bit LSH band keys to row numbers, compact enough for millions.

    New entries collect in a small dict; every ``flush_rows`` rows they are frozen into a
    sorted numpy run (12 bytes a key), and runs of similar size are merged like a binary
    counter, so each key is re-sorted O(log n) times and a lookup is one binary search per
    run (about log2(n / flush_rows) runs). A dict of Python ints would take ~80 bytes a key.
    """

    def __init__(self, flush_rows: int = 1024) -> None:
        self._flush_rows = flush_rows
        # A bucket is one row (the usual case) or, after a collision, a list of rows.
        self._fresh: dict[int, int | list[int]] = {}
        self._fresh_count = 0
        self._runs: list[tuple[NDArray[np.uint64], NDArray[np.int32]]] = []

    def insert(self, keys: NDArray[np.uint64], row: int) -> None:
        fresh = self._fresh
        for key in keys.tolist():
            bucket = fresh.get(key)
            if bucket is None:
                fresh[key] = row
            elif isinstance(bucket, int):
                fresh[key] = [bucket, row]
            else:
                bucket.append(row)
        self._fresh_count += 1
        if self._fresh_count >= self._flush_rows:
            self._flush()

    def lookup(self, keys: NDArray[np.uint64]) -> set[int]:
        found: set[int] = set()
        for key in keys.tolist():
            bucket = self._fresh.get(key)
            if bucket is None:
                continue
            if isinstance(bucket, int):
                found.add(bucket)
            else:
                found.update(bucket)
        for run_keys, run_rows in self._runs:
            lo = run_keys.searchsorted(keys)
            hit = run_keys.take(lo, mode="clip") == keys
            if np.count_nonzero(hit):  # (ndarray.any() is three times slower on 20 items)
                hi = run_keys.searchsorted(keys[hit], side="right")
                for start, stop in zip(lo[hit].tolist(), hi.tolist(), strict=True):
                    found.update(run_rows[start:stop].tolist())
        return found

    def _flush(self) -> None:
        pairs = [
            (key, row)
            for key, bucket in self._fresh.items()
            for row in ((bucket,) if isinstance(bucket, int) else bucket)
        ]
        keys = np.array([key for key, _ in pairs], dtype=_U64)
        rows = np.array([row for _, row in pairs], dtype=np.int32)
        self._fresh.clear()
        self._fresh_count = 0
        while self._runs and len(self._runs[-1][0]) <= 2 * len(keys):
            old_keys, old_rows = self._runs.pop()
            keys = np.concatenate([old_keys, keys])
            rows = np.concatenate([old_rows, rows])
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], rows[order]))


# --- the index -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Match:
    row: int
    method: str
    similarity: float


class DedupIndex:
    """In-memory duplicate index over :class:`~pantau.schema.Article` bodies.

    :meth:`check` decides and remembers; :meth:`add` replays a persisted
    :class:`Signature`. Replaying the signatures in the order they were produced
    reproduces the index exactly; replaying one already present does nothing.

    Memory is about 1.05 KB an article with the defaults (``benchmarks/dedup_bench.py``),
    most of it the 512-byte MinHash kept to verify candidates.
    """

    def __init__(
        self,
        *,
        num_perm: int = DEFAULT_NUM_PERM,
        threshold: float = DEFAULT_THRESHOLD,
        shingle_words: int = DEFAULT_SHINGLE_WORDS,
        bands: int = DEFAULT_BANDS,
        rows_per_band: int = DEFAULT_ROWS,
        min_words: int = DEFAULT_MIN_WORDS,
        min_exact_words: int = DEFAULT_MIN_EXACT_WORDS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if bands < 1 or rows_per_band < 1 or bands * rows_per_band > num_perm:
            raise ValueError(f"bands * rows_per_band must be between 1 and num_perm ({num_perm})")
        self._hasher = _Hasher(num_perm, shingle_words)
        self.threshold = threshold
        self.min_words = max(min_words, 1)
        self.min_exact_words = max(min_exact_words, 1)
        self._bands = bands
        self._band_rows = rows_per_band
        band_consts = _constants(0x42414E4453, rows_per_band + 1)
        self._band_mix = np.array([c | 1 for c in band_consts[:rows_per_band]], dtype=_U64)
        # Distinct per band, so equal values in different bands never share a bucket.
        self._band_salt = np.arange(bands, dtype=_U64) * _U64(band_consts[-1])

        # One entry per row (an article), in the order they were added.
        self._row_of: dict[str, int] = {}
        self._ids: list[str] = []
        self._cluster_of: list[str] = []
        self._content_of: list[str] = []
        self._minhash_of: list[bytes | None] = []
        self._published_of = array("q")
        self._words_of = array("l")
        self._decision_of: list[tuple[str | None, str, float | None] | None] = []
        # First row seen with each content hash (only bodies of min_exact_words or more).
        self._row_by_content: dict[str, int] = {}
        # Cluster id -> row of its representative (earliest published).
        self._representative: dict[str, int] = {}
        self._lsh = _BandTable()

    @property
    def scheme(self) -> str:
        """Tag of the hashing settings; signatures made with another scheme are refused."""
        return self._hasher.scheme

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._row_of

    def signature(self, article_id: str) -> Signature | None:
        """The stored signature of an indexed article, or ``None``."""
        row = self._row_of.get(article_id)
        return None if row is None else self._signature(row)

    # -- deciding ---------------------------------------------------------------------

    def check(self, article: Article) -> tuple[Dedup, Signature]:
        """Decide whether ``article`` duplicates an indexed one, then index it.

        Returns the decision and the signature to persist. For an article id already in
        the index nothing is added and the decision made the first time is returned with
        the stored signature, so persisting it again is harmless.
        """
        text = _analyse(article.body)
        chash = _hash_normalised(text.normalised)

        row = self._row_of.get(article.id)
        if row is not None:
            # The same canonical page again (a re-crawl, its AMP copy, a redelivery): it is
            # the same document, so it keeps the decision made the first time. Replays
            # then rewrite identical records.
            stored = self._signature(row)
            logger.debug("dedup seen before", extra={"article_id": article.id})
            # The hash follows the body as it is now (a corrected article keeps its cluster).
            return stored.as_dedup().model_copy(update={"content_hash": chash}), stored

        minhash = band_keys = None
        if text.n_words >= self.min_words:
            minhash = self._hasher.minhash(text.word_hashes)
            band_keys = self._band_keys(minhash)
        match = self._find(chash, text.n_words, minhash, band_keys)

        published = _micros(article.published_at)
        duplicate_of: str | None = None
        method: str | None = None
        similarity: float | None = None
        if match is None:
            cluster_id = article.id
        else:
            cluster_id = self._cluster_of[match.row]
            rep = self._representative[cluster_id]
            if not self._earlier(published, self._published_of[rep]):
                duplicate_of = self._ids[rep]
                method = match.method
                similarity = match.similarity
            logger.debug(
                "dedup match",
                extra={
                    "article_id": article.id,
                    "cluster_id": cluster_id,
                    "duplicate_of": duplicate_of,
                    "method": match.method,
                    "similarity": match.similarity,
                },
            )

        signature = Signature(
            article_id=article.id,
            cluster_id=cluster_id,
            content_hash=chash,
            published_at=article.published_at,
            words=text.n_words,
            minhash=None if minhash is None else minhash.astype("<u4").tobytes(),
            scheme=self.scheme,
            duplicate_of=duplicate_of,
            method=method,
            similarity=similarity,
        )
        self._insert(signature, band_keys)
        dedup = Dedup(
            content_hash=chash,
            cluster_id=cluster_id,
            duplicate_of=duplicate_of,
            method=method,
            similarity=similarity,
        )
        return dedup, signature

    def _find(
        self,
        chash: str,
        n_words: int,
        minhash: NDArray[np.uint32] | None,
        band_keys: NDArray[np.uint64] | None,
    ) -> _Match | None:
        if n_words >= self.min_exact_words:
            row = self._row_by_content.get(chash)
            if row is not None:
                return _Match(row, METHOD_EXACT_CONTENT, 1.0)
        if minhash is None or band_keys is None:
            return None
        candidates = sorted(self._lsh.lookup(band_keys))
        if not candidates:
            return None
        stored = np.frombuffer(b"".join(self._minhash_of[r] or b"" for r in candidates), dtype="<u4")
        agree = (stored.reshape(len(candidates), -1) == minhash).sum(axis=1)
        # argmax takes the first maximum: ties go to the earliest-added row.
        best = int(np.argmax(agree))
        similarity = int(agree[best]) / self._hasher.num_perm
        if similarity < self.threshold:
            return None
        return _Match(candidates[best], METHOD_NEAR, similarity)

    @staticmethod
    def _earlier(published: int, than: int) -> bool:
        """Does a newcomer published at ``published`` displace a representative?

        Only when both dates are known and the newcomer's is strictly earlier; with a
        date missing on either side the first-seen member stays.
        """
        return published != _NO_DATE and than != _NO_DATE and published < than

    def _band_keys(self, minhash: NDArray[np.uint32]) -> NDArray[np.uint64]:
        # A linear mix suffices: keys are only compared for equality, never used as hashes
        # of a distribution, and a spurious bucket match merely adds a candidate to verify.
        bands = minhash[: self._bands * self._band_rows].reshape(self._bands, self._band_rows)
        keys: NDArray[np.uint64] = bands.astype(_U64) @ self._band_mix
        keys += self._band_salt
        return keys

    # -- remembering ------------------------------------------------------------------

    def add(self, signature: Signature) -> None:
        """Replay a persisted signature into the index; a no-op if the id is present.

        Raises ``ValueError`` for a signature made with other hashing settings.
        """
        if signature.article_id in self._row_of:
            return
        if signature.scheme != self.scheme:
            raise ValueError(
                f"signature {signature.article_id} has scheme {signature.scheme!r}, this index uses {self.scheme!r}"
            )
        band_keys = None
        if signature.minhash is not None:
            if len(signature.minhash) != 4 * self._hasher.num_perm:
                raise ValueError(
                    f"signature {signature.article_id}: minhash has {len(signature.minhash)} bytes, "
                    f"expected {4 * self._hasher.num_perm}"
                )
            band_keys = self._band_keys(np.frombuffer(signature.minhash, dtype="<u4").astype(_U32))
        self._insert(signature, band_keys)

    def _insert(self, signature: Signature, band_keys: NDArray[np.uint64] | None) -> None:
        row = len(self._ids)
        article_id = signature.article_id
        self._row_of[article_id] = row
        self._ids.append(article_id)

        # Share the string objects already held: a large index holds millions of them.
        cluster_id = signature.cluster_id
        if cluster_id == article_id:
            cluster_id = article_id
        else:
            cluster_row = self._row_of.get(cluster_id)
            if cluster_row is not None:
                cluster_id = self._ids[cluster_row]
        self._cluster_of.append(cluster_id)

        chash = signature.content_hash
        first = self._row_by_content.get(chash)
        if first is not None:
            chash = self._content_of[first]
        self._content_of.append(chash)

        self._minhash_of.append(signature.minhash)
        published = _micros(signature.published_at)
        self._published_of.append(published)
        self._words_of.append(signature.words)
        self._decision_of.append(
            None if signature.method is None else (signature.duplicate_of, signature.method, signature.similarity)
        )

        rep = self._representative.get(cluster_id)
        if rep is None or self._earlier(published, self._published_of[rep]):
            self._representative[cluster_id] = row

        # An exact copy adds nothing to the near-duplicate search: its bands are the
        # original's. Very short bodies stay out of the content map (see module doc).
        if first is None:
            if band_keys is not None:
                self._lsh.insert(band_keys, row)
            if signature.words >= self.min_exact_words:
                self._row_by_content[chash] = row

    def _signature(self, row: int) -> Signature:
        decision = self._decision_of[row]
        return Signature(
            article_id=self._ids[row],
            cluster_id=self._cluster_of[row],
            content_hash=self._content_of[row],
            published_at=_from_micros(self._published_of[row]),
            words=self._words_of[row],
            minhash=self._minhash_of[row],
            scheme=self.scheme,
            duplicate_of=None if decision is None else decision[0],
            method=None if decision is None else decision[1],
            similarity=None if decision is None else decision[2],
        )
