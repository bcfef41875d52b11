"""``pantau enrich``: the enrich core on JSON lines, stdin to stdout."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "enrich article JSON lines from stdin to stdout (needs url, title, body per line)"
    p = sub.add_parser("enrich", help=help_text, description=help_text)
    p.set_defaults(handler=cmd_enrich)


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.enrich.lines import enrich_lines

    failures = enrich_lines(sys.stdin, sys.stdout, sys.stderr)
    return EXIT_FAILED if failures else EXIT_OK
