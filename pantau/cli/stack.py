"""``pantau stack``: the local real Kafka and Elasticsearch."""

from __future__ import annotations

import argparse
from typing import Any

from pantau.cli.errors import EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "start, stop or inspect the local Kafka and Elasticsearch (fetched once into the cache)"
    p = sub.add_parser("stack", help=help_text, description=help_text)
    p.add_argument("action", choices=["up", "down", "status"], help="what to do")
    p.add_argument("--wipe", action="store_true", help="with down: delete the stack's data too")
    p.set_defaults(handler=cmd_stack)


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from infra.stack import Stack

    stack = Stack(settings)
    if args.action == "up":
        status = stack.up()
        print(status)
        print(f"export PANTAU_KAFKA_BOOTSTRAP={stack.kafka_bootstrap}")
        print(f"export PANTAU_ELASTICSEARCH_URL={stack.elasticsearch_url}")
    elif args.action == "down":
        stack.down(wipe=args.wipe)
        print("stack stopped")
    else:
        print(stack.status())
    return EXIT_OK
