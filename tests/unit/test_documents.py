"""The index document: the article's own fields exactly as pydantic dumps them, plus the derived ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pantau.documents import document_json, from_document, to_document, without_derived
from pantau.query import indexed_forms, indexed_words, stemmed_text
from pantau.schema import Article, article_id
from tests import search_corpus

WHEN = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def odd_article() -> Article:
    """Text a JSON encoder may escape differently: line and paragraph separators, quotes, emoji."""
    url = "https://contoh.id/read/1/odd"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site="contoh",
        title='Bupati "Pak Ali" \u2028 menjawab \U0001f600',
        body='Baris satu\u2029baris dua\\n\ttab, kutip " dan kontrol \x01 di sini.',
        fetched_at=WHEN,
        published_at=datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        tags=["pilkada", "ünïcode"],
    )


ARTICLES = [*search_corpus.generate(40), odd_article()]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id[:8])
def test_contract_fields_are_the_model_dump(article: Article) -> None:
    assert without_derived(to_document(article, WHEN)) == article.model_dump(mode="json", exclude_none=True)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id[:8])
def test_document_json_is_the_document(article: Article) -> None:
    body = document_json(article, WHEN)
    assert b"\n" not in body  # one line of the bulk request
    assert json.loads(body) == to_document(article, WHEN)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id[:8])
def test_article_comes_back_from_its_document(article: Article) -> None:
    assert from_document(json.loads(document_json(article, WHEN))) == article


def test_derived_fields_are_filled() -> None:
    article = ARTICLES[0]
    doc = to_document(article, WHEN)
    assert doc["indexed_at"] == WHEN.isoformat()
    assert doc["title_words"] == indexed_words(article.title)
    assert doc["body_stem"] == stemmed_text(article.body)
    assert article.enrichment is not None
    terms = sorted(f"{g}:{t}" for g, ts in article.enrichment.relevance.matched.items() for t in ts)
    assert doc["enrichment"]["relevance"]["matched_terms"] == terms


@pytest.mark.parametrize("text", ["Mengimbau warga, pelanggaran kepala-desa 10.000 Jum'at", "", "Ünïcode ÀÉ"])
def test_indexed_forms_split_once(text: str) -> None:
    assert indexed_forms(text) == (indexed_words(text), stemmed_text(text))
