"""``pantau kibana import``: load the saved searches, visualisations, map and dashboard into Kibana."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK
from pantau.config import ConfigError, Settings


def register(sub: Any) -> None:
    help_text = "Kibana: import Pantau's data view, saved searches and dashboard"
    p = sub.add_parser("kibana", help=help_text, description=help_text)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    import_help = (
        "import infra/kibana/pantau.ndjson into Kibana (overwriting earlier copies); the data view "
        "names the configured index alias. Secrets come from PANTAU_KIBANA_PASSWORD or PANTAU_KIBANA_API_KEY."
    )
    i = actions.add_parser("import", help=import_help, description=import_help)
    i.add_argument("--url", metavar="URL", help="Kibana's base URL, e.g. http://localhost:5601 (PANTAU_KIBANA_URL)")
    i.add_argument("--username", metavar="NAME", help="basic-auth user (PANTAU_KIBANA_USERNAME)")
    i.add_argument("--space", metavar="ID", help="a Kibana space id (default: the default space)")
    i.add_argument("--ca-certs", metavar="FILE", help="CA bundle for an HTTPS Kibana with its own CA")
    i.add_argument("--no-overwrite", action="store_true", help="keep objects that already exist (Kibana reports them)")
    i.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="wait up to this long for Kibana to be up"
    )
    i.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from infra.kibana.saved_objects import Credentials, Kibana, KibanaError, saved_objects, to_ndjson

    url = args.url or settings.kibana_url
    if not url:
        raise ConfigError("pantau kibana import needs --url (or PANTAU_KIBANA_URL)")
    password = settings.kibana_password.get_secret_value() if settings.kibana_password else None
    api_key = settings.kibana_api_key.get_secret_value() if settings.kibana_api_key else None
    credentials = Credentials(args.username or settings.kibana_username, password, api_key)
    kibana = Kibana(url, credentials, space=args.space, ca_certs=args.ca_certs)
    objects = saved_objects(settings.index_alias)
    try:
        if args.wait > 0:
            kibana.wait_until_available(args.wait)
        report = kibana.import_objects(to_ndjson(objects), overwrite=not args.no_overwrite)
    except KibanaError as exc:
        print(f"pantau kibana import: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Imported {report.imported} of {len(objects)} saved object(s) into {kibana.url} "
        f"(data view on {settings.index_alias})."
    )
    for line in report.errors:
        print(f"  refused: {line}", file=sys.stderr)
    return EXIT_OK if not report.errors else EXIT_FAILED
