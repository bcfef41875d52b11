"""What the learned layer reads from an article, spelt out (for training) or looked up (for scoring).

The features, named as in the model file:

``lex:*``
    The lexicon formula's inputs and score (``lex:pair``, ``lex:score`` ...).
``k:<kind>``, ``kt:<kind>``, ``kl:<kind>``
    A term group or group:label (``actor:village``, ``signal:security``) found anywhere,
    in the title, or in the lede (the first three body sentences).
``co:<kind>&<kind>``
    Two kinds in the same sentence (or both in the title): term groups, and the labels
    of the ``signal`` group (``co:actor&signal:conduct``, ``co:election&signal:facility``).
``t:<words>``, ``<words>``, ``a:<word>``
    Word unigrams and bigrams of the title and of the body (related-link lines blanked;
    the first :data:`GRAM_CHARS` characters), and the words of the body sentences there
    that name an actor.

:func:`features` spells every one of them out, as training needs (it chooses the
vocabulary from them). Scoring needs only the features the model weighs, so
:class:`Vocabulary` indexes the model's features by where they are read from and looks an
article's words up as they are read: an n-gram the model never learned is never built
into a set, and the strongest features are simply the smallest ranks. Spelling out
~650 n-grams and ~70 feature names and then looking each up was ~0.35 ms an article, the
largest cost of the learned layer; :class:`Vocabulary` gives the same logit and names
(``tests/unit/test_relevance_learned.py`` compares the two on the labelled sets).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations, islice
from typing import TYPE_CHECKING, Final, TypeVar, cast

from pantau.enrich.relevance.hits import LEDE
from pantau.enrich.relevance.lexicon import Lexicon
from pantau.enrich.relevance.scorer import Reading

if TYPE_CHECKING:
    from pantau.enrich.relevance.learned import LinearModel

#: How many features the record names (the strongest by contribution).
EXPLAIN: Final = 8
#: n-grams are read from this much of the body: 99% of the training bodies are shorter, so
#: text beyond it (long related-story blocks, comments, footers) was never learned from, and
#: the cost per article stays bounded. The lexicon still reads the whole body.
GRAM_CHARS: Final = 2500
#: At most this many sentence kind sets keep their ``co:`` ranks (see :class:`Vocabulary`).
_PAIR_MEMO: Final = 4096

_WORD: Final = re.compile(r"[a-z]+")
# The same words as _WORD.findall, about twice as fast: every character outside a-z becomes
# a space (non-ASCII ones through the "?" that encoding puts in their place, one byte for
# one character, so offsets hold) and bytes.split() cuts the rest.
_LETTERS_ONLY: Final = bytes(c if 0x61 <= c <= 0x7A else 0x20 for c in range(256))

_STOP_WORDS: Final = """
yang di dan itu ini ke dari dengan untuk pada dalam ia kata ujar katanya ujarnya juga akan sudah
telah karena atau saat oleh sebagai para bahwa kami kita mereka dia ada bisa lebih masih hingga
sejak setelah sebelum secara tersebut serta pun lalu namun tetapi bagi hal pihak seorang sebuah satu
dua tiga empat lima nya menurut tambahnya jelasnya tegasnya imbuhnya menambahkan mengatakan menyebut
menjelaskan senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
agustus september oktober november desember pekan kemarin tahun bulan hari wib wita wit pukul editor
penulis pewarta
"""
_STOP: Final = frozenset(_STOP_WORDS.split())
#: Kinds paired when they share a sentence (with every ``signal:`` label).
_SALIENT: Final = frozenset({"actor", "neutrality", "election", "oversight", "appeal", "non_target", "other_sense"})

_T = TypeVar("_T", str, bytes)


def salient(kind: str) -> bool:
    """Whether a kind takes part in ``co:`` pairs."""
    return kind in _SALIENT or kind.startswith("signal:")


def _pairs(words: Sequence[_T]) -> zip[tuple[_T, _T]]:
    return zip(words, islice(words, 1, None), strict=False)


def _bigrams(words: Sequence[_T], space: _T) -> map[_T]:
    return map(space.join, _pairs(words))


def strongest_first(item: tuple[str, float]) -> tuple[float, str]:
    """Sort key of a (feature, contribution) pair: largest magnitude first, ties by name.

    The name breaks ties so the explanation never depends on set or dict order (features
    such as ``k:election`` and ``k:election:election`` carry the same weight).
    """
    return -abs(item[1]), item[0]


def explain(pool: Iterable[tuple[str, float]], limit: int) -> list[str]:
    """The ``limit`` strongest of ``pool``, signed (``+a:bagikan``), zero contributions left out."""
    ranked = sorted(pool, key=strongest_first)[:limit]
    return [("+" if c > 0 else "-") + f for f, c in ranked if c]


def useful(gram: str) -> bool:
    """Whether an n-gram may be a feature: not a function word, date or speech verb, nor a
    bigram made only of them (they say more about an author's habits than the subject).

    Applied when the vocabulary is chosen (:mod:`.train`); scoring simply ignores n-grams
    the model does not know, so it need not filter.
    """
    words = gram.partition(":")[2].split(" ") if ":" in gram else gram.split(" ")
    if len(words) == 1:
        return len(words[0]) > 2 and words[0] not in _STOP
    return any(w not in _STOP for w in words)


@dataclass(frozen=True, slots=True)
class Features:
    """One article's features: the lexicon's, with values, and the n-grams present."""

    dense: dict[str, float]
    grams: set[str]

    def as_dict(self) -> dict[str, float]:
        """Every feature with its value (n-grams count 1), as training reads them."""
        return {**self.dense, **dict.fromkeys(self.grams, 1.0)}


def _actor_sentences(reading: Reading) -> list[int]:
    """Body sentences naming an actor, in text order (the tally files sentences as hits come)."""
    return [sent for sent, kinds in reading.tally.kinds.items() if sent and "actor" in kinds]


def _formula(reading: Reading) -> list[tuple[str, float]]:
    """The ``lex:*`` features: the formula's inputs and score that are not zero."""
    found = [(f"lex:{k}", v) for k, v in reading.formula.items() if v]
    if reading.score:
        found.append(("lex:score", reading.score))
    return found


def features(reading: Reading) -> Features:
    """The features of one article as the model sees them (names as in the module docstring)."""
    dense = dict(_formula(reading))
    found = reading.found
    for sent, kinds in reading.tally.kinds.items():
        where = "kt:" if sent == 0 else ("kl:" if sent <= LEDE else "")
        for kind in kinds:
            dense["k:" + kind] = 1.0
            if where:
                dense[where + kind] = 1.0
        pairs = sorted(k for k in kinds if salient(k))
        for first, second in combinations(pairs, 2):
            dense[f"co:{first}&{second}"] = 1.0
    # Every n-gram is kept here; the model's vocabulary decides which count.
    title = _WORD.findall(found.title)
    grams = {"t:" + g for g in chain(title, _bigrams(title, " "))}
    starts, body = found.starts, found.body
    cut = min(len(body), GRAM_CHARS)
    body_words = _WORD.findall(body, 0, cut)
    grams.update(body_words)
    grams.update(_bigrams(body_words, " "))
    actor_words: set[str] = set()
    for sent in _actor_sentences(reading):
        if starts[sent - 1] >= cut:
            break
        end = starts[sent] if sent < len(starts) else len(body)
        actor_words.update(_WORD.findall(body, starts[sent - 1], min(end, cut)))
    # Words only: the actor sentences' bigrams added nothing in cross-validation.
    grams.update(map("a:".__add__, actor_words))
    return Features(dense, grams)


def _letters(text: str) -> bytes:
    """``text`` as bytes with every character but a-z blanked (see :data:`_LETTERS_ONLY`)."""
    return text.encode("ascii", "replace").translate(_LETTERS_ONLY)


class Vocabulary:
    """A model's features indexed for scoring: :meth:`weigh` is ``model.weigh(features(reading))``.

    Every feature but the lexicon formula's (``lex:*``) counts 1 when present, so its
    contribution is its weight and its place among the strongest is its rank in
    ``model.rank``. Those features are indexed by what they are read from, mapping to their
    rank: n-grams by their words as bytes without the ``t:``/``a:`` prefix (a bigram by its
    pair of words), ``k:``/``kt:``/``kl:`` features by the kind, ``co:`` features by the pair
    of kinds. ``lexicon`` is the one the readings come from: its kinds are the ones paired.
    """

    def __init__(self, model: LinearModel, lexicon: Lexicon) -> None:
        self.model = model
        tables: dict[str, dict[str, int]] = {"t:": {}, "a:": {}, "k:": {}, "kt:": {}, "kl:": {}, "": {}}
        for name, rank in model.rank.items():
            prefix, colon, rest = name.partition(":")
            if not colon:
                tables[""][name] = rank  # a body n-gram
            elif prefix + ":" in tables:
                tables[prefix + ":"][rest] = rank

        def words(table: dict[str, int]) -> dict[bytes, int]:
            # Words are a-z only: an n-gram with anything else could never be read.
            return {gram.encode("ascii"): rank for gram, rank in table.items() if gram.isascii()}

        def unigrams(table: dict[bytes, int]) -> dict[bytes, int]:
            return {gram: rank for gram, rank in table.items() if b" " not in gram}

        def bigrams(table: dict[bytes, int]) -> dict[tuple[bytes, ...], int]:
            # Keyed by the pair of words: zip() pairs an article's words without building a
            # joined string per pair (~400 a body), a third of the n-gram lookups' time.
            return {tuple(gram.split(b" ")): rank for gram, rank in table.items() if b" " in gram}

        title, body = words(tables["t:"]), words(tables[""])
        self._title, self._title_pairs = unigrams(title), bigrams(title)
        self._body, self._body_pairs = unigrams(body), bigrams(body)
        self._actor = words(tables["a:"])
        self._kind, self._title_kind, self._lede_kind = tables["k:"], tables["kt:"], tables["kl:"]
        by_rank = sorted(model.rank, key=model.rank.__getitem__)
        self._name_of_rank = by_rank
        self._weight_of_rank = [model.weights[name] for name in by_rank]
        self._kinds = frozenset(kind for term in lexicon.terms for kind in term.kinds)
        pairs = sorted(kind for kind in self._kinds if salient(kind))
        self._salient = frozenset(pairs)
        self._pair = {
            pair: model.rank[name]
            for pair in combinations(pairs, 2)
            if (name := f"co:{pair[0]}&{pair[1]}") in model.rank
        }
        # The co: ranks by a sentence's set of kinds. Articles repeat the same few hundred
        # sets (~25 sentences an article, ~640 distinct sets in 1,500 articles), and sorting
        # and pairing each sentence's kinds afresh was a third of _kind_ranks' time.
        self._pairs_of: dict[frozenset[str], tuple[int | None, ...]] = {}

    def _kind_ranks(self, reading: Reading, ranks: set[int | None]) -> None:
        """Add the ranks of the ``k:``, ``kt:``, ``kl:`` and ``co:`` features the reading holds."""
        by_sentence = reading.tally.kinds
        if not by_sentence:
            return
        ranks.update(map(self._kind.get, set().union(*by_sentence.values())))
        title = by_sentence.get(0)
        if title:
            ranks.update(map(self._title_kind.get, title))
        for sent in range(1, LEDE + 1):
            lede = by_sentence.get(sent)
            if lede:
                ranks.update(map(self._lede_kind.get, lede))
        pairs_of = self._pairs_of
        for kinds in by_sentence.values():
            key = frozenset(kinds)
            found = pairs_of.get(key)
            if found is None:
                found = pairs_of[key] = self._pair_ranks(kinds)
                if len(pairs_of) > _PAIR_MEMO:
                    pairs_of.clear()
            ranks.update(found)

    def _pair_ranks(self, kinds: set[str]) -> tuple[int | None, ...]:
        """The ranks of the ``co:`` features of one sentence's kinds."""
        if kinds <= self._kinds:
            return tuple(map(self._pair.get, combinations(sorted(self._salient.intersection(kinds)), 2)))
        # A kind this lexicon does not have: spell the pairs out.
        found = sorted(k for k in kinds if salient(k))
        return tuple(self.model.rank.get(f"co:{a}&{b}") for a, b in combinations(found, 2))

    def _gram_ranks(self, reading: Reading, ranks: set[int | None]) -> None:
        """Add the ranks of the n-gram features the article holds."""
        found = reading.found
        title = _letters(found.title).split()
        ranks.update(map(self._title.get, title))
        ranks.update(map(self._title_pairs.get, _pairs(title)))
        body, starts = found.body, found.starts
        cut = min(len(body), GRAM_CHARS)
        # Sentences start after a blank, so no word straddles one: a sentence's words are
        # those of its slice.
        letters = _letters(body[:cut])
        words = letters.split()
        ranks.update(map(self._body.get, words))
        ranks.update(map(self._body_pairs.get, _pairs(words)))
        get = self._actor.get
        for sent in _actor_sentences(reading):
            start = starts[sent - 1]
            if start >= cut:
                break
            end = starts[sent] if sent < len(starts) else cut
            ranks.update(map(get, letters[start:end].split()))

    def weigh(self, reading: Reading, limit: int = EXPLAIN) -> tuple[float, list[str]]:
        """The logit and the ``limit`` strongest features, as :meth:`LinearModel.weigh` gives them."""
        weights = self.model.weights
        formula = [(name, weights[name] * value) for name, value in _formula(reading) if name in weights]
        found: set[int | None] = set()
        self._kind_ranks(reading, found)
        self._gram_ranks(reading, found)
        found.discard(None)
        ranks = sorted(cast("set[int]", found))
        weight_of = self._weight_of_rank
        z = math.fsum([self.model.bias, *(c for _, c in formula), *map(weight_of.__getitem__, ranks)])
        if not limit:
            return z, []
        return z, explain([*((self._name_of_rank[r], weight_of[r]) for r in ranks[:limit]), *formula], limit)
