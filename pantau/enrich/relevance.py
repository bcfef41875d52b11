"""Relevance scoring: does an article cover the political neutrality of state apparatus?

The enrich stage only ever calls ``scorer.score(title, body)`` on a :class:`Scorer`, so a
learned model can replace the default :class:`LexiconScorer` without touching the stage.

How ``lexicon-v1`` scores
-------------------------
Terms come from ``relevance_lexicon.yaml`` (groups: actor, neutrality, election,
oversight, appeal, plus non_target, other_sense, government and context, which only
shape the others). All spelling variants are compiled once into a single regex built
from a character trie, so one C-level pass over the lower-cased text finds every term;
the longest term wins at each position, which is how "zona netral" or "netralitas
penyelenggara" hide the "netral" inside them. Generated one-edit typos ("nertralitas",
"prakstis") are added for entries marked ``fuzzy``.

The body is cut into paragraphs (line breaks) and sentences (end punctuation, not after
common abbreviations such as "Pj." or initials). The title is one sentence of its own.
Related-link lines ("Baca juga: <other headline>") are blanked before matching.

Relevance needs co-occurrence: a state-apparatus *actor* and a *neutrality* notion, in
an *election* context. Before pairing:

* a role actor (Sekda, Kapolres, Pj Bupati, camat ...) counts only in a sentence that
  names no other actor, because such officials mostly *address* the apparatus;
* a neutrality hit in a sentence about non-targets (election organisers, press, parties,
  voters, referees) and no actor is dropped: that is someone else's neutrality.

Features, each in [0, 1]:

``p`` pair
    The best actor–neutrality pair: proximity × min(actor weight, neutrality weight).
    Proximity is 1.0 in the same sentence (or both in the title), 0.75 in the same
    paragraph within three sentences, 0.7 between title and body, 0.5 within three
    sentences across a paragraph break, 0.25 anywhere further apart.
``r`` repetition
    ``min(1, (k - 1) / 3)`` for ``k`` neutrality hits that pair at proximity ≥ 0.7.
``s`` support
    ``min(1, 0.2 ×`` distinct oversight and appeal terms ``)``.
``t`` title
    0.6 if a (kept) neutrality term is in the title, plus 0.4 if an actor is.

``score = c × a × (0.6 p + 0.15 r + 0.1 s + 0.15 t)``, where the election factor ``c`` is 1.0
when a pair exists and an election term is in the title, within three sentences of a
kept neutrality hit, or anywhere when neutrality is in the title; 0.85 when an election
term is elsewhere; 0.8 when there is none but the neutrality term is political by itself
("politik praktis"); and 0.35 otherwise. The aside factor ``a`` is 0.75 when neutrality
appears in a single sentence, neither in the title nor in the lede (first three
sentences), of an article longer than six sentences: a one-line aside in a story about
something else; otherwise 1.

Without a pair the score stays below 0.2, so the hard negatives stay low: Pilkada news
without neutrality, ASN news without elections (``c`` = 0.35), neutrality of organisers or
the press, TNI/Polri news about security. :data:`DEFAULT_THRESHOLD` (0.5) is passed by
one clear sentence ("ASN diminta netral dalam Pilkada": 0.6; 0.45 as a late aside in a
long article) but not by far-apart
mentions alone (at most 0.6 × 0.25 + 0.1 = 0.25: far pairs add no repetition and a title
hit would make the pair close), nor by a weak actor such as "pegawai" (weight 0.6, so
0.36) without further evidence.

Labels (empty when no actor–neutrality pair exists):

* ``actors``: the actor types paired with neutrality at proximity ≥ 0.7 (all actors
  named, if only weaker pairs exist);
* ``stages``: appeal, report and sanction terms within three sentences of a kept
  neutrality hit; report and sanction only in sentences without a hedge ("jika", "agar",
  "akan" ...), since appeals routinely threaten sanctions that never happened;
* ``coverage``: "national" when national markers (Menpan-RB, BKN pusat, Bawaslu RI,
  "seluruh Indonesia") appear in the lede (title and first three sentences) without a
  local government marker there and are not outnumbered overall, or when they
  outnumber local markers three to one anywhere; "local" otherwise. Generic phrases
  ("bupati/wali kota se-Indonesia") are not local markers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, Protocol, cast, runtime_checkable

import yaml

from pantau.schema import Relevance

logger = logging.getLogger(__name__)

SCORER_NAME: Final = "lexicon-v1"
#: Score at or above which an article is relevant; see the module docstring for why 0.5.
DEFAULT_THRESHOLD: Final = 0.5

ACTOR: Final = "actor"
NEUTRALITY: Final = "neutrality"
ELECTION: Final = "election"
OVERSIGHT: Final = "oversight"
APPEAL: Final = "appeal"
NON_TARGET: Final = "non_target"
OTHER_SENSE: Final = "other_sense"
GOVERNMENT: Final = "government"
CONTEXT: Final = "context"
GROUPS: Final = frozenset(
    {ACTOR, NEUTRALITY, ELECTION, OVERSIGHT, APPEAL, NON_TARGET, OTHER_SENSE, GOVERNMENT, CONTEXT}
)

Stage = Literal["appeal", "report", "sanction"]
Scope = Literal["national", "local"]
_STAGES: Final[tuple[Stage, ...]] = ("appeal", "report", "sanction")
_SCOPES: Final[tuple[Scope, ...]] = ("national", "local")

# Proximity of two hits (see the module docstring).
_SAME_SENTENCE: Final = 1.0
_SAME_PARAGRAPH: Final = 0.75
_TITLE_BODY: Final = 0.7
_NEAR: Final = 0.5
_FAR: Final = 0.25
_WINDOW: Final = 3  # sentences either side that still count as "near"
_CLOSE: Final = _TITLE_BODY  # a pair at least this close counts for repetition and labels
_LEDE: Final = 3  # the title and this many body sentences say who is speaking
_SHORT_ARTICLE: Final = 6  # sentences; in a short article one mention is the subject
_ASIDE: Final = 0.75  # factor for a neutrality aside in a longer article

# A space inside a lexicon term stands for this separator; it may be empty ("nonASN"), and
# it takes "/" for pairs such as "bupati/wali kota".
_SEP: Final = r"[\s./\-–]*"
_SEP_CHARS: Final = re.compile(r"[\s./\-–]+")
_CLITIC: Final = r"(?:-?(?:nya|lah|kah|pun))?"
# Related-link lines that sites leave in the text ("BACA JUGA: <another headline>").
_FURNITURE: Final = re.compile(r"^[ \t]*baca juga\b.*$", re.MULTILINE)
# Abbreviations that end in a dot without ending the sentence ("Pj. Bupati", "S.Sos.").
_ABBREVIATIONS: Final = (
    *("pj", "plt", "plh", "pjs", "hj", "dr", "drs", "ir", "st", "kh", "prof", "no", "jl", "kab"),
    *("kec", "kel", "sdr", "bpk", "ny", "tn", "yth", "sos", "pd", "si", "se", "sh", "mh", "mm"),
    *("mpd", "msi", "ak", "amd", "ssos", "sstp", "stp", "skm", "dll", "dsb", "tsb", "red", "ket"),
)


def _boundary_regex() -> re.Pattern[str]:
    """Paragraph breaks (matches that start with a newline) and sentence ends, in one pattern.

    A sentence ends at . ! ? or … followed by blanks and a character that is not a
    lower-case letter, unless the dot closes an initial ("M. Ardian") or one of
    :data:`_ABBREVIATIONS`. Look-behinds must have a fixed width, hence one per length.
    """
    by_length: dict[int, list[str]] = {}
    for abbreviation in _ABBREVIATIONS:
        by_length.setdefault(len(abbreviation), []).append(abbreviation)
    guards = "".join(rf"(?<!\b(?i:{'|'.join(sorted(words))})\.)" for _, words in sorted(by_length.items()))
    # One leading character class lets re skip ahead to candidates with its fast scan.
    return re.compile(rf"[\n.!?…](?:(?<=\n)\s*|(?<!\b[^\W\d_]\.){guards}[\"'”’)\]]*[ \t\xa0]+(?=[^\sa-z]))")


_BOUNDARY: Final = _boundary_regex()


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


def _norm_surface(text: str) -> str:
    """Lower-case and collapse separators to single spaces (the form used in the trie)."""
    return _SEP_CHARS.sub(" ", text.lower()).strip()


def _key(text: str) -> str:
    """Lookup key of a surface form: lower-case with every separator removed."""
    return _SEP_CHARS.sub("", text.lower())


def _typos(word: str) -> set[str]:
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
        for typo in sorted(_typos(word)):
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
                raise ValueError(f"unknown lexicon group {term.group!r} for {surface!r}")
            norm = _norm_surface(surface)
            if not norm:
                raise ValueError(f"empty lexicon term for {term.canonical!r}")
            key = _key(norm)
            known = self._by_key.get(key)
            if known is not None and known != term:
                raise ValueError(f"lexicon term {surface!r} maps to both {known} and {term}")
            self._by_key[key] = term
            self._by_surface[norm] = term
        self.terms: frozenset[Term] = frozenset(self._by_key.values())
        # Starting with \W (not a look-behind) lets re skip letters with its fast charset
        # scan; find() prepends a space so a term may open the text.
        self._regex = re.compile(rf"\W({_trie_regex(self._by_surface)}){_CLITIC}(?!\w)")
        report = sorted({_norm_surface(h) for h in report_hedges})
        sanction = sorted({_norm_surface(h) for h in sanction_hedges} | set(report))
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
    def from_mapping(cls, data: Mapping[str, Any], *, fuzzy: bool = True) -> Lexicon:
        """Build from the parsed YAML structure (see ``relevance_lexicon.yaml``).

        ``fuzzy=False`` skips generated typos (handy for small test lexicons).
        """
        groups = data.get("groups")
        if not isinstance(groups, Mapping):
            raise ValueError("lexicon needs a 'groups' mapping")
        explicit: dict[str, Term] = {}
        generated: dict[str, Term] = {}
        for group, entries in groups.items():
            if group not in GROUPS:
                raise ValueError(f"unknown lexicon group {group!r}")
            for entry in entries or []:
                for surface, term, is_fuzzy in _entry_terms(str(group), entry):
                    explicit[surface] = term
                    if fuzzy and is_fuzzy:
                        for typo in _fuzzy_variants(_norm_surface(surface)):
                            generated.setdefault(typo, term)
        explicit_keys = {_key(s) for s in explicit}
        variants = dict(explicit)
        seen = set(explicit_keys)
        for typo, term in generated.items():
            # A typo never overrides a real spelling, and the first entry claiming it wins.
            if _key(typo) not in seen:
                seen.add(_key(typo))
                variants[typo] = term
        hedges = data.get("hedges") or {}
        return cls(variants, hedges.get("report", ()), hedges.get("sanction", ()))

    @classmethod
    def from_yaml(cls, path: Path) -> Lexicon:
        """Load a lexicon file."""
        return cls.from_mapping(_parse_yaml(path.read_text(encoding="utf-8")))


def _parse_yaml(text: str) -> Any:
    # The C loader, when PyYAML was built with libyaml, parses the lexicon ~10x faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader either way


def _word_regex(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{_trie_regex(phrases)})(?!\w)")


def _entry_terms(group: str, entry: Any) -> Iterator[tuple[str, Term, bool]]:
    """Expand one YAML entry into ``(spelling, term, fuzzy)`` triples."""
    if not isinstance(entry, Mapping) or "label" not in entry or "terms" not in entry:
        raise ValueError(f"lexicon entry in {group!r} needs 'label' and 'terms': {entry!r}")
    stage = entry.get("stage")
    scope = entry.get("scope")
    weight = float(entry.get("weight", 1.0))
    if stage is not None and stage not in _STAGES:
        raise ValueError(f"unknown stage {stage!r} in {group!r}")
    if scope is not None and scope not in _SCOPES:
        raise ValueError(f"unknown scope {scope!r} in {group!r}")
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"weight must be in (0, 1], got {weight} in {group!r}")
    is_fuzzy = bool(entry.get("fuzzy", False))
    for canonical, spellings in entry["terms"].items():
        canon = _norm_surface(str(canonical))
        term = Term(
            canonical=canon,
            group=group,
            label=str(entry["label"]),
            weight=weight,
            stage=cast("Stage | None", stage),
            scope=cast("Scope | None", scope),
            role=bool(entry.get("role", False)),
            implies_election=bool(entry.get("implies_election", False)),
        )
        yield canon, term, is_fuzzy
        for spelling in spellings or []:
            yield _norm_surface(str(spelling)), term, is_fuzzy


@cache
def load_lexicon() -> Lexicon:
    """The packaged lexicon, compiled once per process."""
    text = resources.files("pantau.enrich").joinpath("relevance_lexicon.yaml").read_text("utf-8")
    lexicon = Lexicon.from_mapping(_parse_yaml(text))
    logger.info("relevance lexicon loaded spellings=%d terms=%d", len(lexicon), len(lexicon.terms))
    return lexicon


# --- the scorer ------------------------------------------------------------------------


@runtime_checkable
class Scorer(Protocol):
    """Anything that turns an article's title and body into a :class:`Relevance`."""

    name: str

    def score(self, title: str, body: str) -> Relevance: ...


# A hit: (term, start offset in its field, sentence number, paragraph number). The title
# is sentence and paragraph 0; body sentences and paragraphs count from 1.
_Hit = tuple[Term, int, int, int]


def _lower_same_length(text: str) -> str:
    """Lower-case without shifting offsets (a few characters grow when lower-cased)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _blank_furniture(lowered: str) -> str:
    """Blank out related-link lines ("Baca juga: ...") so their headlines do not count.

    Blanking instead of deleting keeps offsets, hence sentence numbers, unchanged.
    """
    if "baca juga" not in lowered:
        return lowered
    return _FURNITURE.sub(lambda m: " " * len(m.group()), lowered)


def _sentence_starts(body: str) -> tuple[list[int], list[int]]:
    """Start offsets of the body's sentences and, for each, its paragraph number (from 1)."""
    starts = [0]
    paras = [1]
    para = 1
    size = len(body)
    for m in _BOUNDARY.finditer(body):
        end = m.end()
        if end >= size:
            break
        if m.group()[0] == "\n":
            para += 1
        if end == starts[-1]:
            paras[-1] = para
        else:
            starts.append(end)
            paras.append(para)
    return starts, paras


def _coverage(national: int, national_lede: int, local: int, local_lede: int) -> Literal["national", "local"]:
    """National when national markers lead the article or dominate it (see module docstring)."""
    if national_lede and not local_lede and local <= national:
        return "national"
    return "national" if national and national >= 3 * local else "local"


class LexiconScorer:
    """The default scorer: weighted co-occurrence of lexicon terms (see module docstring)."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        name: str = SCORER_NAME,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self.threshold = threshold
        self.name = name

    def _hits(self, title: str, body: str) -> tuple[list[_Hit], list[int], list[int]]:
        """All term hits, plus the body's sentence starts and their paragraph numbers."""
        lex = self.lexicon
        starts, paras = _sentence_starts(body)
        hits: list[_Hit] = [(term, start, 0, 0) for term, start in lex.find(_lower_same_length(title))]
        i, last = 0, len(starts) - 1
        for term, start in lex.find(_blank_furniture(_lower_same_length(body))):
            while i < last and starts[i + 1] <= start:  # hits come in text order
                i += 1
            hits.append((term, start, i + 1, paras[i]))
        return hits, starts, paras

    def score(self, title: str, body: str) -> Relevance:
        """Score one article; pure and deterministic."""
        hits, starts, paras = self._hits(title, body)

        matched: dict[str, set[str]] = {}
        core_w: dict[int, float] = {}  # sentence -> best actor weight, ordinary actors
        role_w: dict[int, float] = {}  # ... role actors (Sekda, Kapolres ...)
        core_labels: dict[int, set[str]] = {}
        role_labels: dict[int, set[str]] = {}
        role_starts: dict[int, list[int]] = {}
        neutral_hits: list[_Hit] = []
        election_sents: set[int] = set()
        non_target: dict[int, list[int]] = {}
        staged: list[_Hit] = []
        support: set[str] = set()
        scopes = {"national": [0, 0], "local": [0, 0]}  # [whole article, lede]
        for hit in hits:
            term, start, sent, _ = hit
            group = term.group
            if group in matched:
                matched[group].add(term.canonical)
            else:
                matched[group] = {term.canonical}
            if term.scope is not None:
                counts = scopes[term.scope]
                counts[0] += 1
                if sent <= _LEDE:
                    counts[1] += 1
            if term.stage is not None:
                staged.append(hit)
            if group == ACTOR:
                weights, labels_at = (role_w, role_labels) if term.role else (core_w, core_labels)
                if term.weight > weights.get(sent, 0.0):
                    weights[sent] = term.weight
                labels_at.setdefault(sent, set()).add(term.label)
                if term.role:
                    role_starts.setdefault(sent, []).append(start)
            elif group == NEUTRALITY:
                neutral_hits.append(hit)
            elif group == ELECTION:
                election_sents.add(sent)
            elif group == NON_TARGET:
                non_target.setdefault(sent, []).append(start)
            elif group in (OVERSIGHT, APPEAL):
                support.add(term.canonical)

        # Role actors count only in sentences that name no ordinary actor.
        weight_by_sent = dict(core_w)
        labels_by_sent = dict(core_labels)
        for sent, w in role_w.items():
            if sent not in core_w:
                weight_by_sent[sent] = w
                labels_by_sent[sent] = role_labels[sent]

        # A neutrality hit in a sentence about organisers, press, parties ... and no ordinary
        # actor is someone else's neutrality; with a role actor there, the nearer one decides.
        neutral_w: dict[int, float] = {}  # sentence -> best neutrality weight
        neutral_n: dict[int, int] = {}  # sentence -> number of neutrality hits
        implied_election = False
        for term, start, sent, _ in neutral_hits:
            others = non_target.get(sent)
            if others and sent not in core_w:
                nearest_other = min(abs(o - start) for o in others)
                nearest_role = min((abs(r - start) for r in role_starts.get(sent, ())), default=None)
                if nearest_role is None or nearest_role > nearest_other:
                    continue
            if term.weight > neutral_w.get(sent, 0.0):
                neutral_w[sent] = term.weight
            neutral_n[sent] = neutral_n.get(sent, 0) + 1
            implied_election = implied_election or term.implies_election

        best, close_hits, labels = self._pair(neutral_w, neutral_n, weight_by_sent, labels_by_sent, paras)
        if best and not labels:
            # Only title-to-body or distant pairs: name the actors the article talks about.
            labels = {lab for s in core_labels for lab in core_labels[s]} or {
                lab for s in labels_by_sent for lab in labels_by_sent[s]
            }

        # Election context (factors in the module docstring).
        if not election_sents:
            context = 0.8 if implied_election else 0.35
        elif best and (
            0 in election_sents
            or 0 in neutral_w
            or any(s in election_sents for n_sent in neutral_w for s in range(n_sent - _WINDOW, n_sent + _WINDOW + 1))
        ):
            context = 1.0
        else:
            context = 0.85

        stages = self._stages(staged, set(neutral_w), title, body, starts) if best else set()
        coverage = _coverage(*scopes["national"], *scopes["local"])

        repetition = min(1.0, (close_hits - 1) / 3) if close_hits else 0.0
        title_feature = 0.6 * (0 in neutral_w) + 0.4 * (0 in weight_by_sent)
        # An aside: neutrality named once, late, in a longer article about something else.
        aside = len(neutral_w) == 1 and not any(s <= _LEDE for s in neutral_w) and len(starts) > _SHORT_ARTICLE
        evidence = 0.6 * best + 0.15 * repetition + 0.1 * min(1.0, 0.2 * len(support)) + 0.15 * title_feature
        raw = context * (_ASIDE if aside else 1.0) * evidence
        score = round(min(1.0, max(0.0, raw)), 4)
        return Relevance(
            score=score,
            relevant=score >= self.threshold,
            threshold=self.threshold,
            scorer=self.name,
            matched={group: sorted(matched[group]) for group in sorted(matched)},
            actors=sorted(labels),
            stages=[s for s in _STAGES if s in stages],
            coverage=coverage,
        )

    @staticmethod
    def _pair(
        neutral_w: dict[int, float],
        neutral_n: dict[int, int],
        weight_by_sent: dict[int, float],
        labels_by_sent: dict[int, set[str]],
        paras: list[int],
    ) -> tuple[float, int, set[str]]:
        """Best actor–neutrality pair strength, number of closely paired neutrality hits,
        and the actor labels of the close pairs. Sentence 0 is the title."""
        title_w = weight_by_sent.get(0, 0.0)
        body_w = max((w for s, w in weight_by_sent.items() if s), default=0.0)
        best = 0.0
        close_hits = 0
        labels: set[str] = set()
        for sent, w_n in neutral_w.items():
            strength = 0.0
            close: list[int] = []  # sentences of actors paired at proximity >= _CLOSE
            if sent == 0:
                if title_w:
                    strength = min(title_w, w_n)
                    close.append(0)
                if body_w:
                    strength = max(strength, _TITLE_BODY * min(body_w, w_n))
            else:
                if title_w:
                    strength = _TITLE_BODY * min(title_w, w_n)
                    close.append(0)
                if body_w:
                    strength = max(strength, _FAR * min(body_w, w_n))
                n_para = paras[sent - 1]
                for s in range(max(1, sent - _WINDOW), sent + _WINDOW + 1):
                    w_a = weight_by_sent.get(s)
                    if w_a is None:
                        continue
                    if s == sent:
                        prox = _SAME_SENTENCE
                    elif paras[s - 1] == n_para:
                        prox = _SAME_PARAGRAPH
                    else:
                        prox = _NEAR
                    strength = max(strength, prox * min(w_a, w_n))
                    if prox >= _CLOSE:
                        close.append(s)
            best = max(best, strength)
            if close:
                close_hits += neutral_n[sent]
                for s in close:
                    labels |= labels_by_sent[s]
        return best, close_hits, labels

    def _stages(
        self, staged: list[_Hit], neutral_sents: set[int], title: str, body: str, starts: list[int]
    ) -> set[Stage]:
        """Stages evidenced within three sentences of a neutrality hit (or anywhere, if the
        title speaks of neutrality); report and sanction terms only in unhedged sentences."""
        found: set[Stage] = set()
        if not neutral_sents:
            return found
        hedged: dict[tuple[int, Stage], bool] = {}
        for term, _, sent, _ in staged:
            stage = term.stage
            if stage is None or stage in found:
                continue
            if 0 not in neutral_sents and not any(
                s in neutral_sents for s in range(sent - _WINDOW, sent + _WINDOW + 1)
            ):
                continue
            if stage != "appeal":
                key = (sent, stage)
                if key not in hedged:
                    if sent == 0:
                        text = title
                    else:
                        end = starts[sent] if sent < len(starts) else len(body)
                        text = body[starts[sent - 1] : end]
                    hedged[key] = self.lexicon.hedged(text.lower(), stage)
                if hedged[key]:
                    continue
            found.add(stage)
        return found


@cache
def default_scorer() -> Scorer:
    """The process-wide default scorer (lexicon compiled once)."""
    return LexiconScorer()
