"""The learned layer (``learned-v1``): logistic regression over the lexicon's reading and word n-grams.

The lexicon (:class:`~pantau.enrich.relevance.scorer.LexiconScorer`) is precise but can
only pair a neutrality word with an actor; partisan conduct told without that word
("Kades bagikan sembako berstiker calon") is beyond it. This layer weighs, for one
article, the features below and turns their weighted sum into a probability:

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

The weights, bias and threshold live in ``relevance_model.json`` (package data), written
by ``python -m pantau.enrich.relevance.train`` from the labelled sets in ``tests/eval``;
the threshold was chosen there on out-of-fold predictions (see that module). Applying
the model needs no machine-learning library: a dictionary lookup per feature and one
exponential. The record stays explainable: ``matched`` keeps the lexicon terms by group
and adds a ``features`` group with the features that moved the score most.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain, islice
from typing import Any, Final

from pantau.enrich.relevance.hits import LEDE
from pantau.enrich.relevance.scorer import LexiconScorer, Reading, Scorer
from pantau.schema import Relevance

logger = logging.getLogger(__name__)

MODEL_RESOURCE: Final = "relevance_model.json"
MODEL_FORMAT: Final = 1
#: How many features the record names (the strongest by contribution).
EXPLAIN: Final = 8
_HEAVY: Final = 2000
#: n-grams are read from this much of the body: 99% of the training bodies are shorter, so
#: text beyond it (long related-story blocks, comments, footers) was never learned from, and
#: the cost per article stays bounded. The lexicon still reads the whole body.
GRAM_CHARS: Final = 2500

_WORD: Final = re.compile(r"[a-z]+")
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


def _strongest_first(item: tuple[str, float]) -> tuple[float, str]:
    """Sort key of a (feature, contribution) pair: largest magnitude first, ties by name.

    The name breaks ties so the explanation never depends on set or dict order (features
    such as ``k:election`` and ``k:election:election`` carry the same weight).
    """
    return -abs(item[1]), item[0]


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _bigrams(words: list[str]) -> map[str]:
    return map(" ".join, zip(words, islice(words, 1, None), strict=False))


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


def features(reading: Reading) -> Features:
    """The features of one article as the model sees them (names as in the module docstring)."""
    dense: dict[str, float] = {f"lex:{k}": v for k, v in reading.formula.items() if v}
    if reading.score:
        dense["lex:score"] = reading.score
    found = reading.found
    actor_sentences: list[int] = []
    for sent, kinds in reading.tally.kinds.items():
        where = "kt:" if sent == 0 else ("kl:" if sent <= LEDE else "")
        for kind in kinds:
            dense["k:" + kind] = 1.0
            if where:
                dense[where + kind] = 1.0
        salient = [k for k in kinds if k in _SALIENT or k.startswith("signal:")]
        if len(salient) > 1:
            salient.sort()
            for i, first in enumerate(salient):
                for second in salient[i + 1 :]:
                    dense[f"co:{first}&{second}"] = 1.0
        if sent and "actor" in kinds:
            actor_sentences.append(sent)
    # Every n-gram is kept here; the model's vocabulary decides which count.
    title = _words(found.title)
    grams = {"t:" + g for g in chain(title, _bigrams(title))}
    starts, body = found.starts, found.body
    cut = min(len(body), GRAM_CHARS)
    body_words = _WORD.findall(body, 0, cut)
    grams.update(body_words)
    grams.update(_bigrams(body_words))
    actor_words: set[str] = set()
    for sent in actor_sentences:
        if starts[sent - 1] >= cut:
            break
        end = starts[sent] if sent < len(starts) else len(body)
        actor_words.update(_WORD.findall(body, starts[sent - 1], min(end, cut)))
    # Words only: the actor sentences' bigrams added nothing in cross-validation.
    grams.update(map("a:".__add__, actor_words))
    return Features(dense, grams)


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression as shipped: weights by feature name, bias, decision threshold."""

    name: str
    threshold: float
    bias: float
    weights: dict[str, float]
    #: How the model was trained (sets, sizes, settings, cross-validated figures).
    about: dict[str, Any]
    #: The weighted feature names, as a set: intersecting an article's n-grams with it runs in C.
    known: frozenset[str] = field(init=False, repr=False, compare=False)
    #: The heaviest features (see :data:`_HEAVY`), where explanations are looked for first.
    heavy: frozenset[str] = field(init=False, repr=False, compare=False)
    #: Every feature's place when ranked by the magnitude of its weight (0 the heaviest).
    rank: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.weights))
        ranked = sorted(self.weights, key=lambda f: (-abs(self.weights[f]), f))
        object.__setattr__(self, "heavy", frozenset(ranked[:_HEAVY]))
        object.__setattr__(self, "rank", {f: i for i, f in enumerate(ranked)})

    def weigh(self, feats: Features, limit: int = EXPLAIN) -> tuple[float, list[str]]:
        """The logit (the bias plus every known feature's weight times its value) and the
        ``limit`` features that moved it most, strongest first, signed: ``+a:bagikan``."""
        weights = self.weights
        dense = [(f, weights[f] * v) for f, v in feats.dense.items() if f in weights]
        known = feats.grams & self.known  # in C: n-grams the model has never seen drop out
        z = self.bias + sum([c for _, c in dense]) + sum(map(weights.__getitem__, known))
        if not limit:
            return z, []
        # An n-gram counts 1, so its contribution is its weight: the heaviest present are
        # found by their precomputed rank (a C-level key), widening only when too few are.
        rank = self.rank
        grams = known & self.heavy
        if len(grams) < limit:
            grams = known
        top = heapq.nsmallest(limit, grams, key=rank.__getitem__)
        pool = [(f, weights[f]) for f in top]
        pool += heapq.nsmallest(limit, dense, key=_strongest_first)
        ranked = sorted(pool, key=_strongest_first)[:limit]
        return z, [("+" if c > 0 else "-") + f for f, c in ranked if c]

    @staticmethod
    def sigmoid(z: float) -> float:
        """The logistic function, written so a large ``|z|`` never overflows ``math.exp``."""
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    @classmethod
    def from_mapping(cls, data: Any, source: str = MODEL_RESOURCE) -> LinearModel:
        """Build from the parsed JSON; :class:`ModelError` names ``source`` and the problem."""
        if not isinstance(data, dict):
            raise ModelError(f"{source}: expected a JSON object")
        if data.get("format") != MODEL_FORMAT:
            raise ModelError(f"{source}: format {data.get('format')!r}, this version reads {MODEL_FORMAT}")
        try:
            name = str(data["name"])
            threshold = float(data["threshold"])
            bias = float(data["bias"])
            weights = {str(k): float(v) for k, v in dict(data["weights"]).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{source}: bad or missing field: {exc}") from exc
        if not 0.0 < threshold < 1.0:
            raise ModelError(f"{source}: threshold must be in (0, 1), got {threshold}")
        return cls(name=name, threshold=threshold, bias=bias, weights=weights, about=dict(data.get("about", {})))

    def to_mapping(self) -> dict[str, Any]:
        """The JSON form (weights sorted by name, so a retrain diffs cleanly)."""
        return {
            "format": MODEL_FORMAT,
            "name": self.name,
            "threshold": self.threshold,
            "bias": self.bias,
            "about": self.about,
            "weights": dict(sorted(self.weights.items())),
        }


@cache
def load_model() -> LinearModel:
    """The packaged model, read once per process."""
    text = resources.files("pantau.enrich.relevance").joinpath(MODEL_RESOURCE).read_text("utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ModelError(f"{MODEL_RESOURCE}: not JSON: {exc}") from exc
    model = LinearModel.from_mapping(data)
    logger.info(
        "relevance model loaded",
        extra={"model": model.name, "features": len(model.weights), "threshold": model.threshold},
    )
    return model


class LearnedScorer:
    """The lexicon's reading weighed by a :class:`LinearModel` (see module docstring)."""

    def __init__(self, model: LinearModel | None = None, lexicon_scorer: LexiconScorer | None = None) -> None:
        self.model = model if model is not None else load_model()
        self.lexicon_scorer = lexicon_scorer if lexicon_scorer is not None else LexiconScorer()
        self.name = self.model.name
        self.threshold = self.model.threshold

    def probability(self, title: str, body: str) -> float:
        """The model's probability that the article is relevant (unrounded)."""
        return self.model.sigmoid(self.model.weigh(features(self.lexicon_scorer.read(title, body)), limit=0)[0])

    def score(self, title: str, body: str) -> Relevance:
        """Score one article; pure and deterministic."""
        reading = self.lexicon_scorer.read(title, body)
        z, strongest = self.model.weigh(features(reading))
        probability = round(self.model.sigmoid(z), 4)
        relevant = probability >= self.threshold
        matched = dict(reading.matched)
        matched["features"] = strongest
        actors = reading.actors
        if relevant and not actors:
            # Conduct told without a neutrality word leaves the lexicon no pair to label.
            actors = reading.actors_named
        return Relevance(
            score=probability,
            relevant=relevant,
            threshold=self.threshold,
            scorer=self.name,
            matched=matched,
            actors=actors,
            stages=reading.stages,
            coverage=reading.coverage,
        )


@cache
def default_scorer() -> Scorer:
    """The process-wide default scorer: the learned layer over the lexicon, each loaded once."""
    return LearnedScorer()
