"""``pantau eval``: relevance and region accuracy on the labelled sets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pantau.cli.errors import UsageError
from pantau.config import Settings

# The checkout this command runs from: the labelled sets are in its tests/eval, the seed
# articles in the shared folder beside it (when present).
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SETS = (REPO / "tests" / "eval" / "articles.jsonl", REPO / "tests" / "eval" / "holdout.jsonl")
SEEDS_DIR = REPO.parent / "shared" / "seeds"


def register(sub: Any) -> None:
    help_text = "measure relevance and region accuracy on labelled articles"
    p = sub.add_parser("eval", help=help_text, description=help_text)
    p.add_argument(
        "--dataset",
        type=Path,
        action="append",
        metavar="FILE",
        help="a labelled JSON-lines set (repeatable); default: the sets in tests/eval and the seed articles",
    )
    p.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.evaluation import labelled_sets, main

    if args.dataset:
        missing = [str(p) for p in args.dataset if not p.exists()]
        if missing:
            raise UsageError(f"no such labelled set: {', '.join(missing)}")
    try:
        sets = labelled_sets(args.dataset) if args.dataset else labelled_sets(DEFAULT_SETS, SEEDS_DIR)
    except ValueError as exc:  # a bad line: load_jsonl names the file and line
        raise UsageError(str(exc)) from exc
    return main(sys.stdout, sets)
