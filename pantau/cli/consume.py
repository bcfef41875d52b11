"""Distributed mode: the Kafka consumer stages and ``setup`` of topics and index."""

from __future__ import annotations

import argparse
from typing import Any

from pantau.cli import wiring
from pantau.cli.errors import EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "run a Kafka consumer stage (scale out: more processes, up to the partition count)"
    p = sub.add_parser("consume", help=help_text, description=help_text)
    p.add_argument(
        "stage",
        choices=["enrich", "index", "alerts"],
        help="enrich: raw -> enriched; index: -> Elasticsearch; alerts: enriched -> notices (one process)",
    )
    p.add_argument("--until-idle", type=float, metavar="SECONDS", help="stop after this long without records")
    p.set_defaults(handler=cmd_consume)
    help_text = "create the Kafka topics and the Elasticsearch index (idempotent)"
    p = sub.add_parser("setup", help=help_text, description=help_text)
    p.set_defaults(handler=cmd_setup)


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    from consumers.app import run_consumer

    wiring.require_distributed(settings, "consume")
    from infra.topics import ensure_topics

    if args.stage == "alerts":
        from pantau.cli.alerts import run_alert_consumer

        ensure_topics(settings)
        processed = run_alert_consumer(settings, idle_timeout=args.until_idle)
    else:
        # Waits (and says so) while Kafka, or for the index stage Elasticsearch, is not there yet;
        # the index stage prepares its index itself (consumers.app).
        processed = run_consumer(
            args.stage, settings, idle_timeout=args.until_idle, prepare=lambda: ensure_topics(settings)
        )
    print(f"{args.stage}: {processed} record(s) processed")
    return EXIT_OK


def cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    wiring.require_distributed(settings, "setup")
    wiring.ensure_engines(settings)
    print("topics and index are in place")
    return EXIT_OK
