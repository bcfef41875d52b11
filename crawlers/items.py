"""What a spider yields: the raw extraction of one page, before normalisation.

The item pipelines turn it into a :class:`pantau.schema.Article` (the contract); until
then the fields are as the page gave them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pantau.dates import DateCandidate
from pantau.schema import Article


@dataclass
class ArticleItem:
    url: str
    site: str
    fetched_at: datetime
    title: str
    paragraphs: list[str]
    date_candidates: list[DateCandidate] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: ``<link rel="canonical">`` as the page declares it, if it does.
    canonical_hint: str | None = None
    language: str = "id"
    home_region: str | None = None
    timezone: str = "Asia/Jakarta"
    founded: date | None = None
    #: Set by the normalise pipeline: the contract's fields, not yet validated.
    fields: dict[str, Any] = field(default_factory=dict)
    #: Set by the validate pipeline once the item fits the contract.
    article: Article | None = None
