"""The article contract: the one place where Pantau's record shapes are declared.

Every stage (crawler pipelines, Kafka consumers, the embedded store, ``pantau enrich``)
imports these models; none re-declares a field. The wire form is JSON with
``schema_version``; a breaking change bumps :data:`SCHEMA_VERSION` and the topic names
that carry the ``.v<N>`` suffix (see :mod:`infra.topics`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pantau.dates import DateCandidate, DateSource

SCHEMA_VERSION = 1


def article_id(canonical_url: str) -> str:
    """Stable article id: the first 32 hex digits of SHA-256 over the canonical URL.

    128 bits keeps collisions out of reach for any news corpus while staying short
    enough to read in logs and to use as the Kafka key and Elasticsearch ``_id``.
    """
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def _to_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- enrichment (filled by the enrich stage; absent on raw articles) -----------------


class Region(_Model):
    """One Kemendagri region: a province (``"35"``) or a regency/city (``"35.08"``)."""

    code: str
    name: str
    type: Literal["provinsi", "kabupaten", "kota"]
    province_code: str
    province_name: str


class Evidence(_Model):
    """A span of the article that decided a tag, so analysts can see why."""

    text: str
    field: Literal["title", "body", "site"]
    start: int
    end: int
    rule: str
    region_code: str | None = None


class RegionTags(_Model):
    primary: Region | None = None
    mentioned: list[Region] = Field(default_factory=list)
    scope: Literal["regency", "province", "national", "unknown"] = "unknown"
    evidence: list[Evidence] = Field(default_factory=list)


class Relevance(_Model):
    score: float
    relevant: bool
    threshold: float
    scorer: str
    #: Which lexicon terms fired, by group (actor, neutrality, election, oversight, ...).
    matched: dict[str, list[str]] = Field(default_factory=dict)
    actors: list[str] = Field(default_factory=list)
    stages: list[Literal["appeal", "report", "sanction"]] = Field(default_factory=list)
    coverage: Literal["national", "local"] = "local"


class Dedup(_Model):
    content_hash: str
    cluster_id: str
    duplicate_of: str | None = None
    #: "exact_content" or "near" when this copy duplicates an earlier, different page.
    method: str | None = None
    similarity: float | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


class DateCheck(_Model):
    #: Why ``published_at`` is doubtful ("missing", "in_future", "before_outlet_existed", ...).
    flags: list[str] = Field(default_factory=list)
    #: When ``published_at`` was missing and the text gave a date, the date taken from it.
    from_text: AwareDatetime | None = None


class Enrichment(_Model):
    enriched_at: AwareDatetime
    dedup: Dedup
    region: RegionTags
    relevance: Relevance
    date: DateCheck = Field(default_factory=DateCheck)


# --- the article ----------------------------------------------------------------------


class Article(_Model):
    """One news article as it travels between stages."""

    schema_version: Literal[1] = 1  # SCHEMA_VERSION
    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    url: str = Field(pattern=r"^https?://", max_length=4096)
    canonical_url: str = Field(pattern=r"^https?://", max_length=4096)
    site: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=1000)
    body: str = Field(min_length=1)
    published_at: AwareDatetime | None = None
    date_source: DateSource | None = None
    fetched_at: AwareDatetime
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    language: str = Field(default="id", pattern=r"^[a-z]{2}$")
    #: The outlet's home region code (a prior for region tagging, never the answer).
    home_region: str | None = None
    #: The outlet's time zone (IANA name), for dates its text states without one.
    timezone: str | None = None
    #: The outlet's first publication day: an earlier ``published_at`` is flagged.
    site_founded: date | None = None
    enrichment: Enrichment | None = None

    @field_validator("published_at", "fetched_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _to_utc(value)

    @field_validator("title", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @model_validator(mode="after")
    def _id_matches_url(self) -> Article:
        expected = article_id(self.canonical_url)
        if self.id != expected:
            raise ValueError(f"id {self.id} is not the hash of canonical_url (expected {expected})")
        return self

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    def with_enrichment(self, enrichment: Enrichment) -> Article:
        return self.model_copy(update={"enrichment": enrichment})


@dataclass
class PageExtract:
    """What a spider pulls from one article page, before it is normalised into an :class:`Article`.

    Scrapy item pipelines clean it in place (``paragraphs``) and then build the article
    from it with :func:`pantau.articles.build_article`. The outlet's facts ride along so
    that no later stage has to read the site files.
    """

    url: str
    site: str
    fetched_at: datetime
    title: str
    paragraphs: list[str]
    #: Date strings with where on the page they were found (meta, jsonld, visible).
    date_candidates: list[DateCandidate] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: ``<link rel="canonical">`` as the page declares it, if it does.
    canonical_hint: str | None = None
    language: str = "id"
    home_region: str | None = None
    timezone: str = "Asia/Jakarta"
    site_founded: date | None = None
    #: The outlet's own domains: a canonical hint pointing elsewhere is not trusted.
    domains: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The extraction as JSON, the ``original`` of a dead letter when it cannot become an article."""
        return json.dumps(dataclasses.asdict(self), default=str, ensure_ascii=False)


class DeadLetter(_Model):
    """A record that can never be processed, parked with the reason and the original bytes.

    ``original`` is the record exactly as received (decoded as UTF-8 with replacement), so
    an operator can fix and replay it.
    """

    dead_letter_version: Literal[1] = 1
    stage: str
    reason: str
    failed_at: AwareDatetime
    original: str
    source: str | None = None  # "topic/partition/offset" or the page URL
    article_id: str | None = None


class SchemaError(ValueError):
    """A record that does not fit the contract. ``reason`` says which field and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_validation_error(exc: ValidationError) -> str:
    """Render pydantic errors as ``field: message; field: message`` for dead letters and logs."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_article(data: bytes | str | dict[str, Any]) -> Article:
    """Decode and validate one wire record, raising :class:`SchemaError` with a readable reason."""
    try:
        if isinstance(data, dict):
            return Article.model_validate(data)
        return Article.model_validate_json(data)
    except ValidationError as exc:
        raise SchemaError(describe_validation_error(exc)) from exc
