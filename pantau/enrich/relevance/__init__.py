"""Relevance scoring: does an article cover the political neutrality of state apparatus?

The enrich stage only ever calls ``scorer.score(title, body)`` on a :class:`Scorer`; the
default is the learned layer (:class:`LearnedScorer`) over the lexicon's reading.

- :mod:`.lexicon`: the terms (``relevance_lexicon.yaml``), typo variants, the trie regex;
- :mod:`.sentences`: sentence and paragraph segmentation, offset-keeping lowering and
  related-link blanking;
- :mod:`.hits`: finding the terms, sentence by sentence, and tallying them;
- :mod:`.scorer`: :class:`LexiconScorer` (``lexicon-v1``), the weighted co-occurrence
  formula, and :class:`Reading`, everything it found;
- :mod:`.model_features`: what the learned layer reads from an article: :func:`features`
  spelt out for training, :class:`Vocabulary` looking up only what a model weighs;
- :mod:`.learned`: :class:`LearnedScorer` (``learned-v1``), logistic regression over the
  reading and word n-grams, with the model in ``relevance_model.json``;
- :mod:`.train`: how that model is trained and cross-validated (needs scikit-learn).
"""

from pantau.enrich.relevance.learned import LearnedScorer, LinearModel, ModelError, default_scorer, load_model
from pantau.enrich.relevance.lexicon import Lexicon, LexiconError, Term, load_lexicon
from pantau.enrich.relevance.model_features import Features, Vocabulary, features
from pantau.enrich.relevance.scorer import (
    DEFAULT_THRESHOLD,
    SCORER_NAME,
    LexiconScorer,
    Reading,
    Scorer,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "SCORER_NAME",
    "Features",
    "LearnedScorer",
    "Lexicon",
    "LexiconError",
    "LexiconScorer",
    "LinearModel",
    "ModelError",
    "Reading",
    "Scorer",
    "Term",
    "Vocabulary",
    "default_scorer",
    "features",
    "load_lexicon",
    "load_model",
]
