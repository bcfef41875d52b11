"""The query language of ``pantau search`` and alert subscriptions, the same on every backend.

Syntax (documented in the README):

- ``kepala desa``: every word must match (in the title or the body);
- ``"kepala desa"``: the exact phrase;
- ``camat OR lurah``: either; ``OR`` (upper case) joins the terms on each side of it;
- ``-kampanye`` or ``-"politik uang"``: the article must not match;
- ``netral*``: any word starting with ``netral`` (at least three letters before the star).

Words and phrases also match through their Indonesian stems, both ways: ``mengimbau``
finds ``imbauan`` and ``pelanggaran`` finds ``melanggar``, because both sides are reduced
to the same stem (PySastrawi). A query is parsed once into a small tree (:class:`Query`)
that is then matched in Python (:meth:`Query.matches`, for alerts on the stream),
compiled to Elasticsearch (:func:`to_elasticsearch`) or to SQLite FTS5
(:func:`fts5_expression`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pantau.stemming import stem_word

MIN_PREFIX = 3
#: The searched fields, as the index and the store hold them: the words of title and body
#: (:func:`indexed_words`) and their stems (:func:`stemmed_text`). Both are tokenised here,
#: not by the engine, so Elasticsearch and SQLite see exactly the same words.
TEXT_FIELDS = ("title_words", "body_words")
STEM_FIELDS = ("title_stem", "body_stem")

_TOKEN = re.compile(r'\s*(?:(-?)"([^"]*)("?)|(\S+))')
# Words as Elasticsearch's standard analyzer and FTS5's unicode61 split them: hyphens and
# punctuation separate words, so "kepala-desa" is two words on every backend.
_WORD = re.compile(r"[0-9a-zà-ÿ]+")


class QueryError(ValueError):
    """A query that cannot be read; the message says what and where."""


def words_of(text: str) -> list[str]:
    """Lower-cased words, split the way the stemmer and both backends split them."""
    return _WORD.findall(text.lower())


def indexed_words(text: str) -> str:
    """The words of a text as every backend indexes them: :func:`words_of`, space-separated.

    Elasticsearch's standard analyzer and FTS5's unicode61 tokenizer disagree at the edges
    ("10.000" and "Jum'at" are one word to the first, two to the second), and the node here
    has no configurable tokenizer; so the text is split once, in Python, and both engines
    index the result split on spaces.
    """
    return " ".join(words_of(text))


def stemmed_text(text: str) -> str:
    """The stemmed copy of a text as every backend indexes it: the stems of :func:`words_of`.

    Elasticsearch (``title_stem``/``body_stem``, whitespace analyzer) and the embedded store
    (FTS5 columns of the same names) hold this, so a stem at a word position is the same
    stem on both, and phrases of stems line up with phrases of words.
    """
    # map over the cached function, not a generator expression: measurably faster per word.
    return " ".join(map(stem_word, words_of(text)))


def indexed_forms(text: str) -> tuple[str, str]:
    """``(indexed_words(text), stemmed_text(text))`` from one split of the text.

    The index stage writes both for title and body; splitting once saves ~0.07 ms of its
    ~0.9 ms an article (benchmarks/stream_bench.py corpus).
    """
    words = words_of(text)
    return " ".join(words), " ".join(map(stem_word, words))


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False

    @cached_property
    def stem(self) -> str:
        return stem_word(self.text)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]

    @cached_property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem_word(w) for w in self.words)


Term = Word | Phrase


@dataclass(frozen=True)
class Clause:
    """Terms joined by OR; a negated clause must not match."""

    terms: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class Document:
    """An article's text prepared for matching: words and their stems, in order."""

    words: tuple[str, ...]
    stems: tuple[str, ...]

    @classmethod
    def of(cls, title: str, body: str) -> Document:
        # Title and body are joined with a gap that no phrase can span.
        words = (*words_of(title), "\x00", *words_of(body))
        return cls(words, tuple(stem_word(w) if w != "\x00" else w for w in words))

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    @cached_property
    def stem_set(self) -> frozenset[str]:
        return frozenset(self.stems)


def _has_sequence(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    first = needle[0]
    return any(haystack[i] == first and tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack)))


def _term_matches(term: Term, doc: Document) -> bool:
    if isinstance(term, Word):
        if term.prefix:
            return any(w.startswith(term.text) for w in doc.word_set) or any(
                s.startswith(term.text) for s in doc.stem_set
            )
        return term.text in doc.word_set or term.stem in doc.stem_set
    return _has_sequence(doc.words, term.words) or _has_sequence(doc.stems, term.stems)


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...] = field(default_factory=tuple)
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]

    def matches(self, doc: Document) -> bool:
        """True when every clause holds for the article (an empty query matches everything)."""
        for clause in self.clauses:
            hit = any(_term_matches(t, doc) for t in clause.terms)
            if hit == clause.negated:
                return False
        return True


def _tokens(text: str) -> Iterator[tuple[int, str, bool, str | None]]:
    """(position, kind, negated, value): kind is "phrase", "word" or "or"."""
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        pos = m.end()
        if m.group(2) is not None or m.group(3) is not None:
            if m.group(3) != '"':
                raise QueryError(f"unclosed quote at character {start + 1}: {text[start:]!r}")
            yield start, "phrase", m.group(1) == "-", m.group(2)
        elif m.group(4) == "OR":
            yield start, "or", False, None
        elif m.group(4) is not None:
            raw = m.group(4)
            negated = raw.startswith("-") and len(raw) > 1
            yield start, "word", negated, raw[1:] if negated else raw


def _term(kind: str, value: str, where: int) -> Term:
    if kind == "phrase":
        in_phrase = tuple(words_of(value))
        if not in_phrase:
            raise QueryError(f"empty phrase at character {where + 1}")
        return Phrase(in_phrase) if len(in_phrase) > 1 else Word(in_phrase[0])
    prefix = value.endswith("*")
    words = words_of(value.rstrip("*"))
    if not words:
        raise QueryError(f"{value!r} at character {where + 1} has no letters or digits to search for")
    if prefix:
        if len(words) > 1 or len(words[0]) < MIN_PREFIX:
            raise QueryError(f"{value!r}: a prefix needs at least {MIN_PREFIX} letters before the *")
        return Word(words[0], prefix=True)
    # "pilkada-2024" or "Kab.Lumajang" split into several words: they must stand together.
    return Phrase(tuple(words)) if len(words) > 1 else Word(words[0])


def parse_query(text: str) -> Query:
    """Parse a query, or raise :class:`QueryError` naming the problem and where it is."""
    groups: list[list[tuple[int, str, bool, str]]] = []
    pending_or = False
    for where, kind, negated, value in _tokens(text):
        if kind == "or":
            if not groups or pending_or:
                raise QueryError(f"OR at character {where + 1} needs a term on each side")
            pending_or = True
            continue
        assert value is not None
        if pending_or:
            groups[-1].append((where, kind, negated, value))
            pending_or = False
        else:
            groups.append([(where, kind, negated, value)])
    if pending_or:
        raise QueryError("OR at the end of the query needs a term after it")
    clauses = []
    for group in groups:
        negations = {negated for _, _, negated, _ in group}
        if len(group) > 1 and True in negations:
            raise QueryError("an -exclusion cannot be one side of OR; write it as its own term")
        terms = tuple(_term(kind, value, where) for where, kind, _, value in group)
        clauses.append(Clause(terms, negated=group[0][2]))
    query = Query(tuple(clauses), text)
    if query.clauses and not query.positive:
        raise QueryError("a query needs at least one word or phrase to find, not only -exclusions")
    return query


# --- Elasticsearch ----------------------------------------------------------------------


def _es_term(term: Term) -> dict[str, Any]:
    should: list[dict[str, Any]]
    if isinstance(term, Word):
        if term.prefix:
            should = [{"prefix": {f: term.text}} for f in (*TEXT_FIELDS, *STEM_FIELDS)]
        else:
            should = [
                {"multi_match": {"query": term.text, "fields": list(TEXT_FIELDS)}},
                {"multi_match": {"query": term.stem, "fields": list(STEM_FIELDS)}},
            ]
    else:
        should = [
            {"multi_match": {"query": " ".join(term.words), "fields": list(TEXT_FIELDS), "type": "phrase"}},
            {"multi_match": {"query": " ".join(term.stems), "fields": list(STEM_FIELDS), "type": "phrase"}},
        ]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def to_elasticsearch(query: Query) -> dict[str, Any]:
    """The bool query: each positive clause a ``must``, each exclusion a ``must_not``."""
    must = [{"bool": {"should": [_es_term(t) for t in c.terms], "minimum_should_match": 1}} for c in query.positive]
    must_not = [_es_term(t) for c in query.negative for t in c.terms]
    out: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if must_not:
        out["must_not"] = must_not
    return {"bool": out}


# --- SQLite FTS5 --------------------------------------------------------------------------


def _fts_string(words: Sequence[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def _fts_term(term: Term) -> str:
    text_cols = "{" + " ".join(TEXT_FIELDS) + "}"
    stem_cols = "{" + " ".join(STEM_FIELDS) + "}"
    if isinstance(term, Word):
        if term.prefix:
            return f"({text_cols} : {_fts_string([term.text])}* OR {stem_cols} : {_fts_string([term.text])}*)"
        return f"({text_cols} : {_fts_string([term.text])} OR {stem_cols} : {_fts_string([term.stem])})"
    return f"({text_cols} : {_fts_string(term.words)} OR {stem_cols} : {_fts_string(term.stems)})"


def fts5_expression(clause: Clause) -> str:
    """An FTS5 MATCH expression for one clause (its negation is applied by the caller, in SQL)."""
    return " OR ".join(_fts_term(t) for t in clause.terms)
