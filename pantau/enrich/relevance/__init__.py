"""Relevance scoring: does an article cover the political neutrality of state apparatus?

The enrich stage only ever calls ``scorer.score(title, body)`` on a :class:`Scorer`, so a
learned model can replace the default :class:`LexiconScorer` without touching the stage.

- :mod:`.lexicon`: the terms (``relevance_lexicon.yaml``), typo variants, the trie regex;
- :mod:`.sentences`: sentence and paragraph segmentation, offset-keeping lowering and
  related-link blanking;
- :mod:`.scorer`: :class:`LexiconScorer` (``lexicon-v1``), how the score is made.
"""

from pantau.enrich.relevance.lexicon import Lexicon, LexiconError, Term, load_lexicon
from pantau.enrich.relevance.scorer import (
    DEFAULT_THRESHOLD,
    SCORER_NAME,
    LexiconScorer,
    Scorer,
    default_scorer,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "SCORER_NAME",
    "Lexicon",
    "LexiconError",
    "LexiconScorer",
    "Scorer",
    "Term",
    "default_scorer",
    "load_lexicon",
]
