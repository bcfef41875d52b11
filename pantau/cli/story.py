"""``pantau story``: every outlet that carried a story, first publisher first."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from pantau.cli.search import backend, output_flags, zone_of
from pantau.config import Settings


def register(sub: Any) -> None:
    from pantau.search.output import FORMATS

    help_text = "every outlet that carried a story, first publisher first, with times"
    p = sub.add_parser("story", help=help_text, description=help_text)
    p.add_argument("id", help="an article or story id, or its first digits (as `pantau search` shows them)")
    output_flags(p, FORMATS)
    p.set_defaults(handler=cmd_story)


def cmd_story(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.search import BackendUnavailable, StoryNotFound
    from pantau.search.output import write_story

    zone = zone_of(args, settings)
    try:
        story = backend(settings).story(args.id)
    except StoryNotFound as exc:
        raise UsageError(str(exc)) from exc
    except BackendUnavailable as exc:
        print(f"pantau story: {exc}", file=sys.stderr)
        return EXIT_FAILED
    write_story(story, args.format, sys.stdout, zone)
    return EXIT_OK
