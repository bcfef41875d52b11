"""``pantau eval``: relevance and region accuracy on labelled sets.

``pantau eval`` scores the development sets in ``tests/eval`` and the seed articles: all
of them have been tuned on, so they are regression checks, not a measure of unseen text.
``pantau eval --dataset FILE`` scores any set in the record format (a blind set, for
instance) and nothing else.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pantau.cli.errors import UsageError
from pantau.config import Settings

# The checkout this command runs from: the labelled sets are in its tests/eval, the seed
# articles in the shared folder beside it (when present; PANTAU_SEEDS_DIR overrides).
REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO / "tests" / "eval"
#: The development sets, in the order they were written (see tests/eval/README.md).
DEVELOPMENT_SETS = ("articles.jsonl", "holdout.jsonl", "dev2.jsonl", "dev3.jsonl", "blind1.jsonl")
SEEDS_DIR = REPO.parent / "shared" / "seeds"

DEVELOPMENT_NOTE = (
    "Development sets: the lexicon, the tagger and the learned model were tuned or trained on "
    "all of them, so these figures are regression checks, not a measure of unseen text "
    "(tests/eval/README.md keeps the first-run figures of blind sets)."
)


def register(sub: Any) -> None:
    help_text = "measure relevance and region accuracy on labelled articles"
    p = sub.add_parser(
        "eval",
        help=help_text,
        description=f"{help_text}: precision, recall and F1 for relevance and accuracy for regency and "
        "province, per set and per category, with every article got wrong. Exits 1 when a set misses a target.",
    )
    p.add_argument(
        "--dataset",
        type=Path,
        action="append",
        metavar="FILE",
        help="a labelled JSON-lines set (repeatable); only these are scored. "
        "Default: the development sets in tests/eval and the seed articles",
    )
    p.add_argument("--no-categories", action="store_true", help="leave out the per-category tables")
    p.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.evaluation import labelled_sets, main

    if args.dataset:
        missing = [str(p) for p in args.dataset if not p.is_file()]
        if missing:
            raise UsageError(f"no such labelled set: {', '.join(missing)}")
    seeds = Path(os.environ.get("PANTAU_SEEDS_DIR") or SEEDS_DIR)
    try:
        if args.dataset:
            sets = labelled_sets(args.dataset)
        else:
            sets = labelled_sets([EVAL_DIR / name for name in DEVELOPMENT_SETS], seeds)
    except ValueError as exc:  # a bad line: load_jsonl names the file and line
        raise UsageError(str(exc)) from exc
    heading = None if args.dataset else DEVELOPMENT_NOTE
    return main(sys.stdout, sets, heading=heading, categories=not args.no_categories)
