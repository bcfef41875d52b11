"""Scoring ``lexicon-v1``: weighted co-occurrence of lexicon terms, sentence by sentence.

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

from dataclasses import dataclass
from typing import Final, Literal, Protocol, runtime_checkable

from pantau.enrich.relevance.hits import LEDE, Found, Hit, Tally, find_hits, tally
from pantau.enrich.relevance.lexicon import STAGES, Lexicon, Stage, load_lexicon
from pantau.enrich.relevance.sentences import sentence_text
from pantau.enrich.text import ArticleText
from pantau.schema import Relevance

SCORER_NAME: Final = "lexicon-v1"
#: Score at or above which an article is relevant; see the module docstring for why 0.5.
DEFAULT_THRESHOLD: Final = 0.5

# Proximity of two hits (see the module docstring).
_SAME_SENTENCE: Final = 1.0
_SAME_PARAGRAPH: Final = 0.75
_TITLE_BODY: Final = 0.7
_NEAR: Final = 0.5
_FAR: Final = 0.25
_WINDOW: Final = 3  # sentences either side that still count as "near"
_CLOSE: Final = _TITLE_BODY  # a pair at least this close counts for repetition and labels
_SHORT_ARTICLE: Final = 6  # sentences; in a short article one mention is the subject
_ASIDE: Final = 0.75  # factor for a neutrality aside in a longer article


@runtime_checkable
class Scorer(Protocol):
    """Anything that turns an article's title and body into a :class:`Relevance`."""

    name: str

    def score(self, title: str, body: str, text: ArticleText | None = None) -> Relevance:
        """Score one article; ``text`` is its shared analysis (:class:`~pantau.enrich.text.ArticleText`), if at hand."""
        ...


def _actors_by_sentence(t: Tally) -> tuple[dict[int, float], dict[int, set[str]]]:
    """Actor weight and labels per sentence; role actors only where no ordinary actor is."""
    weight_by_sent = dict(t.core_w)
    labels_by_sent = dict(t.core_labels)
    for sent, w in t.role_w.items():
        if sent not in t.core_w:
            weight_by_sent[sent] = w
            labels_by_sent[sent] = t.role_labels[sent]
    return weight_by_sent, labels_by_sent


def _kept_neutrality(t: Tally) -> tuple[dict[int, float], dict[int, int], bool]:
    """Best weight and number of the neutrality hits kept, per sentence, and whether a kept
    one is political by itself.

    A neutrality hit in a sentence about organisers, press, parties ... and no ordinary
    actor is someone else's neutrality; with a role actor there, the nearer one decides.
    """
    neutral_w: dict[int, float] = {}
    neutral_n: dict[int, int] = {}
    implied_election = False
    for term, start, sent, _ in t.neutral_hits:
        others = t.non_target.get(sent)
        if others and sent not in t.core_w:
            nearest_other = min(abs(o - start) for o in others)
            nearest_role = min((abs(r - start) for r in t.role_starts.get(sent, ())), default=None)
            if nearest_role is None or nearest_role > nearest_other:
                continue
        if term.weight > neutral_w.get(sent, 0.0):
            neutral_w[sent] = term.weight
        neutral_n[sent] = neutral_n.get(sent, 0) + 1
        implied_election = implied_election or term.implies_election
    return neutral_w, neutral_n, implied_election


def _actors_named(t: Tally, labels_by_sent: dict[int, set[str]]) -> set[str]:
    """Every ordinary actor type the article names or, without any, every role actor type."""
    return {lab for s in t.core_labels for lab in t.core_labels[s]} or {
        lab for s in labels_by_sent for lab in labels_by_sent[s]
    }


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


def _near_any(sent: int, sentences: dict[int, float] | set[int]) -> bool:
    """Whether one of ``sentences`` lies within :data:`_WINDOW` sentences of ``sent``."""
    return any(s in sentences for s in range(sent - _WINDOW, sent + _WINDOW + 1))


def _election_factor(election_sents: set[int], neutral_w: dict[int, float], paired: bool, implied: bool) -> float:
    """The election factor ``c`` (see the module docstring)."""
    if not election_sents:
        return 0.8 if implied else 0.35
    if paired and (
        0 in election_sents or 0 in neutral_w or any(_near_any(n_sent, election_sents) for n_sent in neutral_w)
    ):
        return 1.0
    return 0.85


def _coverage(national: int, national_lede: int, local: int, local_lede: int) -> Literal["national", "local"]:
    """National when national markers lead the article or dominate it (see module docstring)."""
    if national_lede and not local_lede and local <= national:
        return "national"
    return "national" if national and national >= 3 * local else "local"


def _features(
    *,
    pair: float,
    close_hits: int,
    support: int,
    neutral_w: dict[int, float],
    weight_by_sent: dict[int, float],
    sentences: int,
    election: float,
) -> dict[str, float]:
    """The formula's inputs (see the module docstring), each in [0, 1]."""
    # An aside: neutrality named once, late, in a longer article about something else.
    aside = len(neutral_w) == 1 and not any(s <= LEDE for s in neutral_w) and sentences > _SHORT_ARTICLE
    return {
        "pair": pair,
        "repetition": min(1.0, (close_hits - 1) / 3) if close_hits else 0.0,
        "support": min(1.0, 0.2 * support),
        "title": 0.6 * (0 in neutral_w) + 0.4 * (0 in weight_by_sent),
        "election": election,
        "aside": float(aside),
    }


def _combine(f: dict[str, float]) -> float:
    """The score from the features, rounded to four places (formula in the module docstring)."""
    evidence = 0.6 * f["pair"] + 0.15 * f["repetition"] + 0.1 * f["support"] + 0.15 * f["title"]
    raw = f["election"] * (_ASIDE if f["aside"] else 1.0) * evidence
    return round(min(1.0, max(0.0, raw)), 4)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon finds in one article: the record's fields and the formula's inputs.

    :meth:`LexiconScorer.score` turns it into a :class:`Relevance`; the learned layer
    (:mod:`.learned`) also reads the features and the per-sentence term kinds.
    """

    score: float
    matched: dict[str, list[str]]
    actors: list[str]
    #: Every actor type the article names (the ordinary ones, or else the role ones).
    actors_named: list[str]
    stages: list[Stage]
    coverage: Literal["national", "local"]
    #: The formula's inputs, each in [0, 1] (``pair``, ``repetition`` ...).
    formula: dict[str, float]
    tally: Tally
    #: The hits, the body's sentences and the lowered text they were found in.
    found: Found


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

    def score(self, title: str, body: str, text: ArticleText | None = None) -> Relevance:
        """Score one article; pure and deterministic."""
        r = self.read(title, body, text)
        return Relevance(
            score=r.score,
            relevant=r.score >= self.threshold,
            threshold=self.threshold,
            scorer=self.name,
            matched=r.matched,
            actors=r.actors,
            stages=r.stages,
            coverage=r.coverage,
        )

    def read(self, title: str, body: str, text: ArticleText | None = None) -> Reading:
        """Find the terms and compute the formula's features and score for one article.

        ``text`` is the shared analysis of this title and body, if the caller has it.
        """
        found = find_hits(self.lexicon, title, body, text)
        starts = found.starts
        t = tally(found.hits)
        weight_by_sent, labels_by_sent = _actors_by_sentence(t)
        neutral_w, neutral_n, implied_election = _kept_neutrality(t)
        pair, close_hits, labels = _pair(neutral_w, neutral_n, weight_by_sent, labels_by_sent, found.paras)
        if pair and not labels:
            # Only title-to-body or distant pairs: name the actors the article talks about.
            labels = _actors_named(t, labels_by_sent)
        stages = self._stages(t.staged, set(neutral_w), title, body, starts) if pair else set()
        election = _election_factor(t.election_sents, neutral_w, bool(pair), implied_election)
        formula = _features(
            pair=pair,
            close_hits=close_hits,
            support=len(t.support),
            neutral_w=neutral_w,
            weight_by_sent=weight_by_sent,
            sentences=len(starts),
            election=election,
        )
        return Reading(
            score=_combine(formula),
            matched={group: sorted(t.matched[group]) for group in sorted(t.matched)},
            actors=sorted(labels),
            actors_named=sorted(_actors_named(t, labels_by_sent)),
            stages=[s for s in STAGES if s in stages],
            coverage=_coverage(*t.scopes["national"], *t.scopes["local"]),
            formula=formula,
            tally=t,
            found=found,
        )

    def _stages(
        self, staged: list[Hit], neutral_sents: set[int], title: str, body: str, starts: list[int]
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
            if 0 not in neutral_sents and not _near_any(sent, neutral_sents):
                continue
            if stage != "appeal":
                key = (sent, stage)
                if key not in hedged:
                    text = sentence_text(title, body, starts, sent)
                    hedged[key] = self.lexicon.hedged(text.lower(), stage)
                if hedged[key]:
                    continue
            found.add(stage)
        return found
