"""``pantau index``: the Elasticsearch index behind the alias (status, and migration to a new version)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "the Elasticsearch index behind the alias: status, or migrate to a new version"
    p = sub.add_parser("index", help=help_text, description=help_text)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    status_help = "which index the alias points at, its size, and whether its mapping is current"
    s = actions.add_parser("status", help=status_help, description=status_help)
    s.set_defaults(handler=cmd_status)
    migrate_help = (
        "create the next index version from the current mapping, copy every document into it "
        "through the client, and swap the alias with no gap in search"
    )
    m = actions.add_parser("migrate", help=migrate_help, description=migrate_help)
    m.add_argument("--delete-old", action="store_true", help="delete the previous index once all documents moved")
    m.add_argument("--batch-size", type=int, default=500, metavar="N", help="documents per bulk request (default 500)")
    m.set_defaults(handler=cmd_migrate)


def _client(settings: Settings, command: str) -> Any:
    from infra.search_index import connect

    if not settings.elasticsearch_url:
        from pantau.config import ConfigError

        raise ConfigError(f"pantau index {command} needs elasticsearch_url (PANTAU_ELASTICSEARCH_URL)")
    if settings.log_level != "DEBUG":
        # The client logs every failed attempt with a traceback; the command says it in one line.
        logging.getLogger("elastic_transport.transport").setLevel(logging.ERROR)
    return connect(settings)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from infra.search_index import index_status

    # An engine failure reaches main(), which says it in one line (pantau.cli.wiring.engine_failure).
    status = index_status(_client(settings, "status"), settings.index_alias)
    if status.index is None:
        print(f"No alias {status.alias} yet: `pantau setup` creates it.")
        return EXIT_FAILED
    print(
        f"{status.alias} -> {status.index}: {status.documents} document(s), mapping generation {status.live_generation}"
    )
    if status.needs_migration:
        print(f"This version of Pantau writes mapping generation {status.code_generation}: run `pantau index migrate`.")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from rich.progress import Progress

    from infra.search_index import MigrationError, index_status, migrate

    es = _client(settings, "migrate")
    try:
        before = index_status(es, settings.index_alias)
        with Progress(transient=True) as bar:
            task = bar.add_task("copying", total=before.documents or None)
            report = migrate(
                es,
                settings.index_alias,
                delete_old=args.delete_old,
                batch=max(1, args.batch_size),
                progress=lambda n: bar.update(task, completed=n),
            )
    except MigrationError as exc:
        print(f"pantau index migrate: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"{settings.index_alias}: {report.source} -> {report.target}; {report.copied} document(s) copied, "
        f"{report.caught_up} written during the copy moved after the swap, in {report.seconds:.1f} s."
    )
    for line in report.failed[:20]:
        print(f"  not moved: {line}")
    if report.failed:
        print(f"{len(report.failed)} document(s) stayed in {report.source}, which is kept.")
        return EXIT_FAILED
    if report.deleted_source:
        print(f"{report.source} deleted.")
    else:
        print(f"{report.source} is kept; delete it when satisfied (or migrate with --delete-old).")
    return EXIT_OK
