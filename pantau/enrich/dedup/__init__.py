"""Duplicate detection: the same story seen under another URL, byte-for-byte or edited.

Three checks, cheapest first:

1. **seen before**: the article id (the hash of the canonical URL) is already indexed: a
   redelivery or a re-crawl of a stored record, which keeps the decision made the first time.
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
They still take part in the id and content checks (content only from
``min_exact_words``, 10, so that two galleries whose body is just "Foto: Istimewa"
are not merged).

**datasketch's MinHash scheme, our own band table for LSH.** The permutations are
datasketch's ``MinHash`` scheme ``affine32`` with a pinned seed, applied here to the shingle
hashes of a whole body in one vectorised pass (bit-for-bit datasketch's values, about
three times faster; see :mod:`.minhash`). LSH is a sorted-array band table rather than
datasketch's ``MinHashLSH``, which needs ~6 KB per article against ~0.27 KB (the
measurement is in :mod:`.bands`). datasketch's permutation scheme is named explicitly and recorded in
each signature's ``scheme``, so an upgrade that changed its default cannot silently
invalidate persisted signatures.

**Determinism.** Hashing uses fixed constants and a pinned datasketch seed and scheme (no
Python ``hash``), so a signature computed in one process matches one computed in another,
and :meth:`DedupIndex.check` decides the same way after the same sequence of
:meth:`DedupIndex.add` calls. Signatures carry a
``scheme`` tag; replaying one made with other shingle or permutation settings is
refused rather than silently mis-compared.

**For adapters.** An article id seen before (a redelivery or re-crawl of a stored
article) gets the decision made the first time (its content hash follows the body as it
is now) and the stored signature back, so an at-least-once consumer can re-index it
under the same id instead of dropping it, and persisting the signature again is harmless. Replay signatures in
the order they were produced (SQLite rowid, topic offset): cluster membership is carried
by the signature, but the choice of representative among copies with missing or equal
dates, and the first-wins content map, follow arrival order. Two processes that check
copies of one story at the same moment may each start a cluster; clusters are never
merged afterwards.

The index is in memory and not thread-safe; one consumer owns one index.

Modules: :mod:`.words` (normalisation, word hashes, content hash), :mod:`.minhash`
(shingles and MinHash), :mod:`.bands` (LSH band keys and table), :mod:`.index`
(:class:`DedupIndex`). The persisted signature is :class:`pantau.schema.DedupSignature`.
"""

from pantau.enrich.dedup.index import (
    DEFAULT_BANDS,
    DEFAULT_MIN_EXACT_WORDS,
    DEFAULT_MIN_WORDS,
    DEFAULT_NUM_PERM,
    DEFAULT_ROWS,
    DEFAULT_SHINGLE_WORDS,
    DEFAULT_THRESHOLD,
    DedupIndex,
)
from pantau.enrich.dedup.words import content_hash, normalise_text
from pantau.schema import DedupSignature

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_MIN_EXACT_WORDS",
    "DEFAULT_MIN_WORDS",
    "DEFAULT_NUM_PERM",
    "DEFAULT_ROWS",
    "DEFAULT_SHINGLE_WORDS",
    "DEFAULT_THRESHOLD",
    "DedupIndex",
    "DedupSignature",
    "content_hash",
    "normalise_text",
]
