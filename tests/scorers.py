"""A relevance scorer with a bug, for tests of how enrichment failures are handled."""

from __future__ import annotations

from pantau.enrich.relevance import default_scorer
from pantau.enrich.text import ArticleText
from pantau.schema import Relevance


class BreaksOn:
    """Raises on one title (an enrichment bug) and scores every other article as the default scorer does."""

    name = "breaks-on"

    def __init__(self, title: str) -> None:
        self.title = title
        self.inner = default_scorer()

    def score(self, title: str, body: str, text: ArticleText | None = None) -> Relevance:
        if title == self.title:
            raise RuntimeError(f"scorer broke on {title!r}")
        return self.inner.score(title, body, text)
