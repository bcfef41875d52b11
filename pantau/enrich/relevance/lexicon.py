"""The relevance lexicon: terms by group, their spelling variants and typos, one regex.

Terms come from ``relevance_lexicon.yaml`` (groups: actor, neutrality, election,
oversight, appeal; non_target, other_sense, government and context, which only shape the
others; and signal, which only the learned layer weighs), validated by
:class:`LexiconFile`. All spelling variants are compiled once into a single regex built
from a character trie, so one C-level pass over the lower-cased text finds every term;
the longest term wins at each position, which is how "zona netral" or "netralitas
penyelenggara" hide the "netral" inside them. Generated one-edit typos ("nertralitas",
"prakstis") are added for entries marked ``fuzzy``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from pantau.datafile import FileModel, parse_yaml, validate

logger = logging.getLogger(__name__)

LEXICON_RESOURCE: Final = "relevance_lexicon.yaml"

ACTOR: Final = "actor"
NEUTRALITY: Final = "neutrality"
ELECTION: Final = "election"
OVERSIGHT: Final = "oversight"
APPEAL: Final = "appeal"
NON_TARGET: Final = "non_target"
OTHER_SENSE: Final = "other_sense"
GOVERNMENT: Final = "government"
CONTEXT: Final = "context"
SIGNAL: Final = "signal"
GROUPS: Final = frozenset(
    {ACTOR, NEUTRALITY, ELECTION, OVERSIGHT, APPEAL, NON_TARGET, OTHER_SENSE, GOVERNMENT, CONTEXT, SIGNAL}
)

Stage = Literal["appeal", "report", "sanction"]
Scope = Literal["national", "local"]
#: The stages in the order a :class:`~pantau.schema.Relevance` lists them.
STAGES: Final[tuple[Stage, ...]] = ("appeal", "report", "sanction")

# A space inside a lexicon term stands for this separator; it may be empty ("nonASN"), and
# it takes "/" for pairs such as "bupati/wali kota".
_SEP: Final = r"[\s./\-–]*"
_SEP_CHARS: Final = re.compile(r"[\s./\-–]+")
_CLITIC: Final = r"(?:-?(?:nya|lah|kah|pun))?"


class LexiconError(ValueError):
    """A lexicon that cannot be used; the message names the file (or source) and the field."""


# --- the file, as validated --------------------------------------------------------------


def _known_group(name: str) -> str:
    if name not in GROUPS:
        raise ValueError(f"unknown lexicon group {name!r}")
    return name


GroupName = Annotated[str, AfterValidator(_known_group)]


class LexiconEntry(FileModel):
    """One entry of a group: a label, how its terms count, and the terms with their spellings."""

    label: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0.0, le=1.0)
    stage: Stage | None = None
    scope: Scope | None = None
    #: An official who usually *addresses* others (Sekda, Kapolres): an actor only in a
    #: sentence that names no other actor.
    role: bool = False
    #: Political by itself ("politik praktis"): stands in for an election term.
    implies_election: bool = False
    #: Also accept generated one-edit typos of every spelling.
    fuzzy: bool = False
    #: Canonical form -> other spellings (``[]`` or nothing when there are none).
    terms: dict[str, list[str] | None]


class Hedges(FileModel):
    """Words that make a sentence conditional or hortatory ("jika", "agar")."""

    report: list[str] = Field(default_factory=list)
    #: Added to the report hedges for sanction terms (threats, future tense).
    sanction: list[str] = Field(default_factory=list)


class LexiconFile(FileModel):
    """The layout of ``relevance_lexicon.yaml`` (described at the top of that file)."""

    version: int = 1
    groups: dict[GroupName, list[LexiconEntry] | None]
    hedges: Hedges | None = None


# --- terms, typos and the trie regex -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry: what a matched spelling stands for."""

    canonical: str
    group: str
    label: str
    weight: float = 1.0
    stage: Stage | None = None
    scope: Scope | None = None
    role: bool = False
    implies_election: bool = False

    #: The keys a hit of this term files under: its group, and its group with its label.
    kinds: tuple[str, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", (self.group, f"{self.group}:{self.label}"))


def norm_surface(text: str) -> str:
    """Lower-case and collapse separators to single spaces (the form used in the trie)."""
    return _SEP_CHARS.sub(" ", text.lower()).strip()


def _key(text: str) -> str:
    """Lookup key of a surface form: lower-case with every separator removed."""
    return _SEP_CHARS.sub("", text.lower())


def typos(word: str) -> set[str]:
    """One-edit misspellings typical of hurried typing, keeping the first letter.

    Words of 6+ letters get adjacent transpositions ("nertal"); words of 7+ also get
    deletions, doubled letters and insertions of a letter the word already holds
    ("nertralitas", "prakstis"). Substitutions are left out: they multiply the variants
    and are the edits most likely to land on another real word.
    """
    out: set[str] = set()
    n = len(word)
    if n < 6 or not word.isalpha():
        return out
    for i in range(1, n - 1):
        out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    if n >= 7:
        letters = set(word)
        for i in range(1, n):
            out.add(word[:i] + word[i + 1 :])
            out.add(word[:i] + word[i] + word[i:])
            for ch in letters:
                out.add(word[:i] + ch + word[i:])
        for ch in letters:
            out.add(word + ch)
    out.discard(word)
    return out


def _fuzzy_variants(term: str) -> Iterator[str]:
    """Variants of a (possibly multi-word) term with one word misspelt."""
    words = term.split(" ")
    for i, word in enumerate(words):
        for typo in sorted(typos(word)):
            yield " ".join([*words[:i], typo, *words[i + 1 :]])


def _trie_regex(surfaces: Iterable[str]) -> str:
    """A regex alternation equivalent to ``surfaces`` but shaped as a prefix trie.

    Python's ``re`` tries alternatives one by one; sharing prefixes makes a miss cost a
    character or two instead of one attempt per term. Optional tails are greedy, so the
    longest term wins.
    """
    trie: dict[str, Any] = {}
    for surface in surfaces:
        node = trie
        for ch in surface:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            head = _SEP if ch == " " else re.escape(ch)
            branches.append(head + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _word_regex(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{_trie_regex(phrases)})(?!\w)")


def _entry_terms(group: str, entry: LexiconEntry) -> Iterator[tuple[str, Term]]:
    """Expand one validated entry into ``(spelling, term)`` pairs, canonical form first."""
    for canonical, spellings in entry.terms.items():
        canon = norm_surface(canonical)
        term = Term(
            canonical=canon,
            group=group,
            label=entry.label,
            weight=entry.weight,
            stage=entry.stage,
            scope=entry.scope,
            role=entry.role,
            implies_election=entry.implies_election,
        )
        yield canon, term
        for spelling in spellings or []:
            yield norm_surface(spelling), term


# --- the compiled lexicon ----------------------------------------------------------------


class Lexicon:
    """Compiled term lexicon: finds every term in a text in one regex pass.

    ``variants`` maps each spelling (separators as spaces) to the :class:`Term` it stands
    for. Two spellings that differ only in separators must agree on the term.
    """

    def __init__(
        self,
        variants: Mapping[str, Term],
        report_hedges: Iterable[str] = (),
        sanction_hedges: Iterable[str] = (),
    ) -> None:
        self._by_key: dict[str, Term] = {}
        self._by_surface: dict[str, Term] = {}
        for surface, term in variants.items():
            if term.group not in GROUPS:
                raise LexiconError(f"unknown lexicon group {term.group!r} for {surface!r}")
            norm = norm_surface(surface)
            if not norm:
                raise LexiconError(f"empty lexicon term for {term.canonical!r}")
            key = _key(norm)
            known = self._by_key.get(key)
            if known is not None and known != term:
                raise LexiconError(f"lexicon term {surface!r} maps to both {known} and {term}")
            self._by_key[key] = term
            self._by_surface[norm] = term
        self.terms: frozenset[Term] = frozenset(self._by_key.values())
        # Starting with \W (not a look-behind) lets re skip letters with its fast charset
        # scan; find() prepends a space so a term may open the text.
        self._regex = re.compile(rf"\W({_trie_regex(self._by_surface)}){_CLITIC}(?!\w)")
        report = sorted({norm_surface(h) for h in report_hedges})
        sanction = sorted({norm_surface(h) for h in sanction_hedges} | set(report))
        self._report_hedge = _word_regex(report)
        self._sanction_hedge = _word_regex(sanction)

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, spelling: str) -> Term | None:
        """The term a spelling stands for, or None (separators and case are ignored)."""
        return self._by_key.get(_key(spelling))

    def find(self, lowered: str) -> list[tuple[Term, int]]:
        """``(term, start)`` for each term in already lower-cased text, in text order."""
        get, by_key = self._by_surface.get, self._by_key
        # Each match starts one character before its term, which the leading space offsets.
        # A match missing from the surface table has unusual separators ("non-ASN").
        return [(get(m[1]) or by_key[_key(m[1])], m.start()) for m in self._regex.finditer(" " + lowered)]

    def hedged(self, lowered_sentence: str, stage: Stage) -> bool:
        """Whether a sentence is conditional/hortatory for a report or sanction term."""
        regex = self._sanction_hedge if stage == "sanction" else self._report_hedge
        return regex is not None and regex.search(lowered_sentence) is not None

    @classmethod
    def from_mapping(cls, data: Any, *, fuzzy: bool = True, source: str = "lexicon") -> Lexicon:
        """Build from the parsed YAML structure (see ``relevance_lexicon.yaml``).

        ``fuzzy=False`` skips generated typos (handy for small test lexicons). Raises
        :class:`LexiconError` naming ``source`` and the bad field.
        """
        spec = validate(LexiconFile, data, source, LexiconError)
        explicit: dict[str, Term] = {}
        generated: dict[str, Term] = {}
        for group, entries in spec.groups.items():
            for entry in entries or []:
                for surface, term in _entry_terms(group, entry):
                    known = explicit.get(surface)
                    if known is not None and known != term:
                        raise LexiconError(
                            f"{source}: lexicon term {surface!r} is listed twice: "
                            f"{known.group}/{known.canonical} and {group}/{term.canonical}"
                        )
                    explicit[surface] = term
                    if fuzzy and entry.fuzzy:
                        for typo in _fuzzy_variants(norm_surface(surface)):
                            generated.setdefault(typo, term)
        variants = dict(explicit)
        seen = {_key(s) for s in explicit}
        for typo, term in generated.items():
            # A typo never overrides a real spelling, and the first entry claiming it wins.
            if _key(typo) not in seen:
                seen.add(_key(typo))
                variants[typo] = term
        hedges = spec.hedges or Hedges()
        try:
            return cls(variants, hedges.report, hedges.sanction)
        except LexiconError as exc:
            raise LexiconError(f"{source}: {exc}") from exc

    @classmethod
    def from_yaml(cls, path: Path) -> Lexicon:
        """Load a lexicon file."""
        source = str(path)
        return cls.from_mapping(parse_yaml(path.read_text(encoding="utf-8"), source, LexiconError), source=source)


@cache
def load_lexicon() -> Lexicon:
    """The packaged lexicon, compiled once per process."""
    text = resources.files("pantau.enrich.relevance").joinpath(LEXICON_RESOURCE).read_text("utf-8")
    lexicon = Lexicon.from_mapping(parse_yaml(text, LEXICON_RESOURCE, LexiconError), source=LEXICON_RESOURCE)
    logger.debug("relevance lexicon loaded spellings=%d terms=%d", len(lexicon), len(lexicon.terms))
    return lexicon
