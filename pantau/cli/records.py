"""Records that did not flow: the producer's spool and the dead letters."""

from __future__ import annotations

import argparse
from typing import Any

from pantau.cli import wiring
from pantau.cli.errors import EXIT_FAILED, EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "replay records spooled while Kafka was unreachable"
    p = sub.add_parser("spool", help=help_text, description=help_text)
    p.add_argument("action", choices=["replay"], help="replay: send the spool to Kafka")
    p.set_defaults(handler=cmd_spool)
    help_text = "show the most recent dead letters (records that could not be processed) and why"
    p = sub.add_parser("deadletters", help=help_text, description=help_text)
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N dead letters (default 20)")
    p.set_defaults(handler=cmd_deadletters)


def cmd_spool(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.spool import Spool

    wiring.require_distributed(settings, "spool replay")
    waiting = Spool(settings.spool_dir).pending()
    print(f"{waiting} record(s) in the spool {settings.spool_dir}")
    if not waiting:
        return EXIT_OK
    delivery = wiring.kafka_delivery(settings)
    delivery.close()  # replays what the start did not, and waits for the acknowledgements
    print(delivery.summary())
    return EXIT_OK if delivery.spool.pending() == 0 else EXIT_FAILED


def cmd_deadletters(args: argparse.Namespace, settings: Settings) -> int:
    if settings.mode == "kafka":
        from consumers.app import read_dead_letters

        letters = read_dead_letters(settings, limit=args.limit)
    else:
        from pantau.store import Store

        letters = Store(settings.store_path).dead_letters(limit=args.limit)
    print(f"{len(letters)} dead letter(s)")
    for letter in letters:
        print(
            f"- [{letter.failed_at:%Y-%m-%d %H:%M}] stage={letter.stage} source={letter.source}\n"
            f"    reason: {letter.reason}"
        )
    return EXIT_OK
