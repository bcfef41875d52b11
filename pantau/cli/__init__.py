"""The ``pantau`` command: the composition root.

This package is the one place that wires the core (``pantau.*``) to the adapters
(``crawlers``, ``pipelines``, ``consumers``, ``infra``). Each command group lives in a
module of its own and registers its subcommands with :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crawlers.sitespec import SiteError
from pantau.cli import (
    alerts,
    consume,
    crawl,
    enrich,
    evaluate,
    index,
    kibana,
    records,
    search,
    sites,
    stack,
    story,
    wiring,
)
from pantau.cli.errors import EXIT_FAILED, EXIT_USAGE, UsageError
from pantau.config import ConfigError, load_settings
from pantau.logs import setup_logging

DESCRIPTION = (
    "Pantau watches Indonesian regional news for coverage of the political neutrality of "
    "state apparatus in elections. Settings come from flags, PANTAU_* environment variables "
    "and a YAML file (--config or PANTAU_CONFIG), in that order of precedence."
)

#: Command groups, in the order `pantau --help` lists them.
GROUPS = (crawl, search, story, sites, consume, index, kibana, records, enrich, evaluate, stack, alerts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pantau", description=DESCRIPTION)
    parser.add_argument("--config", metavar="FILE", help="YAML settings file (also PANTAU_CONFIG)")
    parser.add_argument("--data-dir", metavar="DIR", help="embedded store and spool directory (PANTAU_DATA_DIR)")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="log verbosity (PANTAU_LOG_LEVEL)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # `pantau search lurah -kampanye`: a command that takes query text gets the "-word"
    # exclusions argparse cannot place; anything else unknown is still an error.
    if extra and (not getattr(args, "takes_exclusions", False) or any(e.startswith("--") for e in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.text = [*args.text, *extra]
    try:
        settings = load_settings(args.config, data_dir=args.data_dir, log_level=args.log_level)
    except ConfigError as exc:
        print(f"pantau: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings.log_level)
    from pantau import metrics

    metrics.serve(settings.metrics_port)
    try:
        result: int = args.handler(args, settings)
        return result
    except (ConfigError, UsageError, SiteError) as exc:
        print(f"pantau {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        # An engine that is down or refuses us is an operating condition, not a bug: one
        # line, and the traceback only at DEBUG. Anything else is a bug and shows in full.
        message = wiring.engine_failure(exc, settings)
        if message is None:
            raise
        logging.getLogger(__name__).debug("engine failure", exc_info=True)
        print(f"pantau {args.command}: {message}", file=sys.stderr)
        return EXIT_FAILED
