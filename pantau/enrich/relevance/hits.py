"""Finding an article's term hits, each placed in its sentence, and tallying them by group.

The first two steps of :class:`~pantau.enrich.relevance.scorer.LexiconScorer`: one regex
pass over the title and one over the (lowered, related-link blanked) body, then one
pass over the hits that files each where the scoring steps look for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pantau.enrich.relevance.lexicon import ACTOR, APPEAL, ELECTION, NEUTRALITY, NON_TARGET, OVERSIGHT, Lexicon, Term
from pantau.enrich.relevance.sentences import body_for_matching, sentence_starts
from pantau.enrich.text import ArticleText

#: The title and this many body sentences say who is speaking (the lede).
LEDE: Final = 3

# A hit: (term, start offset in its field, sentence number, paragraph number). The title
# is sentence and paragraph 0; body sentences and paragraphs count from 1.
Hit = tuple[Term, int, int, int]


@dataclass(frozen=True, slots=True)
class Tally:
    """One article's hits, sorted by what each can do. Keys are sentence numbers."""

    #: Canonical forms that fired, by group.
    matched: dict[str, set[str]]
    #: Best actor weight and labels per sentence, for ordinary actors and for role actors
    #: (Sekda, Kapolres ...); where role actors stand.
    core_w: dict[int, float]
    role_w: dict[int, float]
    core_labels: dict[int, set[str]]
    role_labels: dict[int, set[str]]
    role_starts: dict[int, list[int]]
    neutral_hits: list[Hit]
    election_sents: set[int]
    #: Offsets of non-target hits (organisers, press, parties ...).
    non_target: dict[int, list[int]]
    #: Hits whose term evidences a stage (appeal, report, sanction).
    staged: list[Hit]
    #: Distinct oversight and appeal terms.
    support: set[str]
    #: Coverage markers: [in the whole article, in the lede].
    scopes: dict[str, list[int]]
    #: What each sentence holds: ``group`` and ``group:label`` keys (for the learned layer).
    kinds: dict[int, set[str]]


def tally(hits: list[Hit]) -> Tally:
    """Sort the hits by group into the tables the scoring steps read."""
    matched: dict[str, set[str]] = {}
    core_w: dict[int, float] = {}
    role_w: dict[int, float] = {}
    core_labels: dict[int, set[str]] = {}
    role_labels: dict[int, set[str]] = {}
    role_starts: dict[int, list[int]] = {}
    neutral_hits: list[Hit] = []
    election_sents: set[int] = set()
    non_target: dict[int, list[int]] = {}
    staged: list[Hit] = []
    support: set[str] = set()
    scopes = {"national": [0, 0], "local": [0, 0]}
    kinds: dict[int, set[str]] = {}
    for hit in hits:
        term, start, sent, _ = hit
        group = term.group
        if sent in kinds:
            kinds[sent].update(term.kinds)
        else:
            kinds[sent] = set(term.kinds)
        if group in matched:
            matched[group].add(term.canonical)
        else:
            matched[group] = {term.canonical}
        if term.scope is not None:
            counts = scopes[term.scope]
            counts[0] += 1
            if sent <= LEDE:
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
    return Tally(
        matched=matched,
        core_w=core_w,
        role_w=role_w,
        core_labels=core_labels,
        role_labels=role_labels,
        role_starts=role_starts,
        neutral_hits=neutral_hits,
        election_sents=election_sents,
        non_target=non_target,
        staged=staged,
        support=support,
        scopes=scopes,
        kinds=kinds,
    )


@dataclass(frozen=True, slots=True)
class Found:
    """An article's hits in text order, and the text they were found in."""

    hits: list[Hit]
    #: Start offsets of the body's sentences, and each one's paragraph number (from 1).
    starts: list[int]
    paras: list[int]
    #: The title lowered, and the body lowered with related-link lines blanked (same offsets).
    title: str
    body: str


def find_hits(lexicon: Lexicon, title: str, body: str, text: ArticleText | None = None) -> Found:
    """All term hits in text order, with the body's sentences and the lowered text.

    ``text`` is the article's shared analysis (:class:`~pantau.enrich.text.ArticleText`)
    of this title and body, if the caller has it.
    """
    if text is None:
        text = ArticleText.of(title, body)
    starts, paras = sentence_starts(body)
    lowered_title = text.title_lower_same
    lowered_body = body_for_matching(body, text)
    hits: list[Hit] = [(term, start, 0, 0) for term, start in lexicon.find(lowered_title)]
    i, last = 0, len(starts) - 1
    for term, start in lexicon.find(lowered_body):
        while i < last and starts[i + 1] <= start:  # hits come in text order
            i += 1
        hits.append((term, start, i + 1, paras[i]))
    return Found(hits, starts, paras, lowered_title, lowered_body)
