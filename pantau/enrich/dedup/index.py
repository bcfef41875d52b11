"""The in-memory duplicate index: exact content, near duplicates, clusters, replay.

The rules (what counts as a duplicate, who represents a cluster, how replay works) are
described in :mod:`pantau.enrich.dedup`.
"""

from __future__ import annotations

import hashlib
import logging
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

from pantau.enrich.dedup.bands import Banding, BandTable
from pantau.enrich.dedup.minhash import MinHasher
from pantau.enrich.dedup.rows import FixedRows
from pantau.enrich.dedup.words import analyse
from pantau.schema import Article, Dedup, DedupMethod, DedupSignature

logger = logging.getLogger(__name__)

DEFAULT_NUM_PERM: Final = 128
DEFAULT_THRESHOLD: Final = 0.5
DEFAULT_SHINGLE_WORDS: Final = 4
DEFAULT_BANDS: Final = 20
DEFAULT_ROWS: Final = 3
DEFAULT_MIN_WORDS: Final = 40
DEFAULT_MIN_EXACT_WORDS: Final = 10

METHOD_EXACT_CONTENT: Final = "exact_content"
METHOD_NEAR: Final = "near"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NO_DATE: Final = -(1 << 63)


def _micros(value: datetime | None) -> int:
    if value is None:
        return _NO_DATE
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime | None:
    return None if value == _NO_DATE else _EPOCH + timedelta(microseconds=value)


def _key(text: str) -> int:
    """A 64-bit key for an id or a content hash: its first 16 hex digits, else a BLAKE2b digest.

    Keys only find candidate rows; the full text is always compared, so a collision costs
    one comparison, never a wrong answer.
    """
    if len(text) >= 16:
        try:
            return int(text[:16], 16)
        except ValueError:
            pass
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _pack_hash(chash: str) -> bytes | None:
    """A content hash of 32 hex digits as its 16 bytes (``None`` for any other text)."""
    if len(chash) != 32:
        return None
    try:
        packed = bytes.fromhex(chash)
    except ValueError:
        return None
    return packed if packed.hex() == chash else None  # upper-case hex would not round-trip


@dataclass(frozen=True, slots=True)
class _Match:
    row: int
    method: DedupMethod
    similarity: float


class DedupIndex:
    """In-memory duplicate index over :class:`~pantau.schema.Article` bodies.

    :meth:`check` decides and remembers; :meth:`add` replays a persisted
    :class:`~pantau.schema.DedupSignature`. Replaying the signatures in the order they were produced
    reproduces the index exactly; replaying one already present does nothing.

    Memory is under 1 KB an article with the defaults (``benchmarks/dedup_bench.py``),
    most of it the 512-byte MinHash kept to verify candidates. Per row it holds no Python
    object but the id string: ids and content hashes are found through 64-bit keys in
    compact :class:`~.bands.BandTable` runs (12 bytes a key, where a dict entry and its
    int cost ~80), content hashes and MinHashes live in numpy blocks, and only clusters
    with more than one member (or named after no member) get a dictionary entry.
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
        self._hasher = MinHasher(num_perm, shingle_words)
        self.threshold = threshold
        self.min_words = max(min_words, 1)
        self.min_exact_words = max(min_exact_words, 1)
        self._banding = Banding(bands, rows_per_band)

        # One entry per row (an article), in the order they were added.
        self._ids: list[str] = []
        self._cluster_of: list[str] = []
        self._content_of = FixedRows(4)  # the 128-bit content hash
        self._odd_content: dict[int, str] = {}  # a replayed content hash that is not 32 hex digits
        self._minhash_of = FixedRows(num_perm)
        self._published_of = array("q")
        self._words_of = array("l")
        self._decision_of: list[tuple[str | None, DedupMethod, float | None] | None] = []
        # Article id -> row, by the id's 64-bit key (rows are checked against the id).
        self._rows_by_id = BandTable()
        # First row seen with each content hash (only bodies of min_exact_words or more).
        self._rows_by_content = BandTable()
        # Cluster id -> row of its representative (earliest published), for clusters with
        # more than one member or named after none of them. A cluster of one, named after
        # its member, is represented by that member.
        self._representative: dict[str, int] = {}
        self._lsh = BandTable()

    @property
    def scheme(self) -> str:
        """Tag of the hashing settings; signatures made with another scheme are refused."""
        return self._hasher.scheme

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, str) and self._row(article_id) is not None

    def signature(self, article_id: str) -> DedupSignature | None:
        """The stored signature of an indexed article, or ``None``."""
        row = self._row(article_id)
        return None if row is None else self._signature(row)

    def _row(self, article_id: str) -> int | None:
        for row in self._rows_by_id.lookup_one(_key(article_id)):
            if self._ids[row] == article_id:
                return row
        return None

    def _content(self, row: int) -> str:
        odd = self._odd_content.get(row)
        if odd is not None:
            return odd
        value = self._content_of.get(row)
        assert value is not None
        return value.hex()

    def _first_with_content(self, chash: str) -> int | None:
        for row in self._rows_by_content.lookup_one(_key(chash)):
            if self._content(row) == chash:
                return row
        return None

    def _representative_of(self, cluster_id: str) -> int | None:
        """Row of the representative of ``cluster_id``, or ``None`` for a cluster not in the index."""
        rep = self._representative.get(cluster_id)
        if rep is not None:
            return rep
        row = self._row(cluster_id)
        if row is not None and self._cluster_of[row] == cluster_id:
            return row
        return None

    # -- deciding ---------------------------------------------------------------------

    def check(self, article: Article, body_lower: str | None = None) -> tuple[Dedup, DedupSignature]:
        """Decide whether ``article`` duplicates an indexed one, then index it.

        Returns the decision and the signature to persist. For an article id already in
        the index nothing is added and the decision made the first time is returned with
        the stored signature, so persisting it again is harmless. ``body_lower`` is
        ``article.body.lower()`` if the caller has it.
        """
        text = analyse(article.body, body_lower)
        chash = text.content_hash

        row = self._row(article.id)
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
            band_keys = self._banding.keys(minhash)
        match = self._find(chash, text.n_words, minhash, band_keys)

        published = _micros(article.published_at)
        duplicate_of: str | None = None
        method: DedupMethod | None = None
        similarity: float | None = None
        if match is None:
            cluster_id = article.id
        else:
            cluster_id = self._cluster_of[match.row]
            rep = self._representative_of(cluster_id)
            assert rep is not None, "a matched row's cluster is in the index"
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

        # Built from values computed here (the article itself was validated on the way
        # in), so pydantic's validation would only repeat what is already known.
        signature = DedupSignature.model_construct(
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
        # _find looked the content hash up already (a short body is never in the map).
        first = match.row if match is not None and match.method == METHOD_EXACT_CONTENT else None
        self._insert(signature, band_keys, first)
        return signature.as_dedup(), signature

    def _find(
        self,
        chash: str,
        n_words: int,
        minhash: NDArray[np.uint32] | None,
        band_keys: NDArray[np.uint64] | None,
    ) -> _Match | None:
        if n_words >= self.min_exact_words:
            row = self._first_with_content(chash)
            if row is not None:
                return _Match(row, METHOD_EXACT_CONTENT, 1.0)
        if minhash is None or band_keys is None:
            return None
        found = self._lsh.lookup(band_keys)
        if not found:
            return None
        candidates = np.fromiter(found, dtype=np.int64, count=len(found))
        candidates.sort()
        agree = np.count_nonzero(self._minhash_of.gather(candidates) == minhash, axis=1)
        # argmax takes the first maximum: ties go to the earliest-added row.
        best = int(np.argmax(agree))
        similarity = int(agree[best]) / self._hasher.num_perm
        if similarity < self.threshold:
            return None
        return _Match(int(candidates[best]), METHOD_NEAR, similarity)

    @staticmethod
    def _earlier(published: int, than: int) -> bool:
        """Does a newcomer published at ``published`` displace a representative?

        Only when both dates are known and the newcomer's is strictly earlier; with a
        date missing on either side the first-seen member stays.
        """
        return published != _NO_DATE and than != _NO_DATE and published < than

    # -- remembering ------------------------------------------------------------------

    def add(self, signature: DedupSignature) -> None:
        """Replay a persisted signature into the index; a no-op if the id is present.

        Raises ``ValueError`` for a signature made with other hashing settings.
        """
        if self._row(signature.article_id) is not None:
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
            band_keys = self._banding.keys(np.frombuffer(signature.minhash, dtype="<u4").astype(np.uint32))
        self._insert(signature, band_keys)

    def _insert(
        self, signature: DedupSignature, band_keys: NDArray[np.uint64] | None, first: int | bool | None = True
    ) -> None:
        """Index ``signature``; ``first`` is the first row with its content hash if known (``True``: look it up)."""
        row = len(self._ids)
        article_id = signature.article_id
        self._rows_by_id.insert_one(_key(article_id), row)
        self._ids.append(article_id)

        # Share the string objects already held: a large index holds millions of them.
        cluster_id = signature.cluster_id
        rep = None
        if cluster_id == article_id:
            cluster_id = article_id
        else:
            rep = self._representative_of(cluster_id)
            if rep is not None:
                cluster_id = self._cluster_of[rep]
        self._cluster_of.append(cluster_id)

        chash = signature.content_hash
        if first is True:
            first = self._first_with_content(chash)
        packed = _pack_hash(chash)
        if packed is None:
            self._odd_content[row] = chash
        self._content_of.append(packed)

        self._minhash_of.append(signature.minhash)
        published = _micros(signature.published_at)
        self._published_of.append(published)
        self._words_of.append(signature.words)
        self._decision_of.append(
            None if signature.method is None else (signature.duplicate_of, signature.method, signature.similarity)
        )

        if rep is None:
            # A new cluster. Named after this article, it needs no entry (see __init__).
            if cluster_id != article_id:
                self._representative[cluster_id] = row
        else:
            self._representative[cluster_id] = row if self._earlier(published, self._published_of[rep]) else rep

        # An exact copy adds nothing to the near-duplicate search: its bands are the
        # original's. Very short bodies stay out of the content map (see module doc).
        if first is None:
            if band_keys is not None:
                self._lsh.insert(band_keys, row)
            if signature.words >= self.min_exact_words:
                self._rows_by_content.insert_one(_key(chash), row)

    def _signature(self, row: int) -> DedupSignature:
        decision = self._decision_of[row]
        return DedupSignature.model_construct(
            article_id=self._ids[row],
            cluster_id=self._cluster_of[row],
            content_hash=self._content(row),
            published_at=_from_micros(self._published_of[row]),
            words=self._words_of[row],
            minhash=self._minhash_of.get(row),
            scheme=self.scheme,
            duplicate_of=None if decision is None else decision[0],
            method=None if decision is None else decision[1],
            similarity=None if decision is None else decision[2],
        )
