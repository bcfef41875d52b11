"""``pantau stack``: the local real Kafka and Elasticsearch."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "start, stop or inspect the local Kafka and Elasticsearch (fetched once into the cache)"
    p = sub.add_parser("stack", help=help_text, description=help_text)
    p.add_argument("action", choices=["up", "down", "status"], help="what to do; status exits 0 only when both run")
    p.add_argument("--wipe", action="store_true", help="with down: delete the stack's data too")
    p.add_argument(
        "--secure", action="store_true", help="with up: Elasticsearch with TLS and a password (PANTAU_STACK_SECURE)"
    )
    p.set_defaults(handler=cmd_stack)


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from infra.stack import Stack, StackError, render_status

    if args.secure:
        settings = settings.model_copy(update={"stack_secure": True})
    stack = Stack(settings)
    try:
        if args.action == "up":
            Console().print(render_status(stack.up()))
            print(f"export PANTAU_KAFKA_BOOTSTRAP={stack.kafka_bootstrap}")
            print(f"export PANTAU_ELASTICSEARCH_URL={stack.elasticsearch_url}")
            credentials = stack.elasticsearch_credentials()
            if credentials is not None:
                print(f"export PANTAU_ELASTICSEARCH_USERNAME={credentials.username}")
                print(f"export PANTAU_ELASTICSEARCH_CA_CERTS={credentials.ca_certs}")
                file = stack.elasticsearch.credentials_file
                print(f"# the password is in {file} (mode 0600); to load all four: set -a; . {file}; set +a")
        elif args.action == "down":
            stopped = stack.down(wipe=args.wipe)
            print(f"stopped: {', '.join(stopped)}" if stopped else f"the stack in {stack.stack_dir} was not running")
        else:
            status = stack.status()
            Console().print(render_status(status))
            return status.exit_code
    except StackError as exc:
        print(f"pantau stack {args.action}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
