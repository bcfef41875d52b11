"""The learned layer (``learned-v1``): logistic regression over the lexicon's reading and word n-grams.

The lexicon (:class:`~pantau.enrich.relevance.scorer.LexiconScorer`) is precise but can
only pair a neutrality word with an actor; partisan conduct told without that word
("Kades bagikan sembako berstiker calon") is beyond it. This layer weighs, for one
article, the features named in :mod:`.model_features` (the lexicon's reading, the term
kinds by sentence, word n-grams of the title and the body) and turns their weighted sum
into a probability.

The weights, bias and threshold live in ``relevance_model.json`` (package data), written
by ``python -m pantau.enrich.relevance.train`` from the labelled sets in ``tests/eval``;
the threshold was chosen there on out-of-fold predictions (see that module). Applying
the model needs no machine-learning library: a dictionary lookup per feature and one
exponential (:class:`~.model_features.Vocabulary`). The record stays explainable:
``matched`` keeps the lexicon terms by group and adds a ``features`` group with the
features that moved the score most.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any, Final

from pantau.enrich.relevance.model_features import EXPLAIN, Features, Vocabulary, explain, strongest_first
from pantau.enrich.relevance.scorer import LexiconScorer, Scorer
from pantau.enrich.text import ArticleText
from pantau.schema import Relevance

logger = logging.getLogger(__name__)

MODEL_RESOURCE: Final = "relevance_model.json"
MODEL_FORMAT: Final = 1


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


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
    #: Every feature's place when ranked by the magnitude of its weight (0 the heaviest).
    rank: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.weights))
        ranked = sorted(self.weights, key=lambda f: (-abs(self.weights[f]), f))
        object.__setattr__(self, "rank", {f: i for i, f in enumerate(ranked)})

    def weigh(self, feats: Features, limit: int = EXPLAIN) -> tuple[float, list[str]]:
        """The logit (the bias plus every known feature's weight times its value) and the
        ``limit`` features that moved it most, strongest first, signed: ``+a:bagikan``.

        The reference form, on features spelt out; scoring goes through the equivalent
        :meth:`Vocabulary.weigh <pantau.enrich.relevance.model_features.Vocabulary.weigh>`.
        """
        weights = self.weights
        dense = [(f, weights[f] * v) for f, v in feats.dense.items() if f in weights]
        known = feats.grams & self.known  # in C: n-grams the model has never seen drop out
        # fsum: the exact sum, whatever order the sets hand the terms over in.
        z = math.fsum(chain((self.bias,), (c for _, c in dense), map(weights.__getitem__, known)))
        if not limit:
            return z, []
        # An n-gram counts 1, so its contribution is its weight, and its rank orders it.
        top = heapq.nsmallest(limit, known, key=self.rank.__getitem__)
        pool = [(f, weights[f]) for f in top]
        pool += heapq.nsmallest(limit, dense, key=strongest_first)
        return z, explain(pool, limit)

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
    logger.debug(
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
        self.vocabulary = Vocabulary(self.model, self.lexicon_scorer.lexicon)

    def probability(self, title: str, body: str) -> float:
        """The model's probability that the article is relevant (unrounded)."""
        return self.model.sigmoid(self.vocabulary.weigh(self.lexicon_scorer.read(title, body), limit=0)[0])

    def score(self, title: str, body: str, text: ArticleText | None = None) -> Relevance:
        """Score one article; pure and deterministic. ``text`` is its shared analysis, if at hand."""
        reading = self.lexicon_scorer.read(title, body, text)
        z, strongest = self.vocabulary.weigh(reading)
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
