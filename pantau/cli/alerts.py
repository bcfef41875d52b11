"""``pantau alerts add|list|remove|test|status|deliver`` and the wiring of the alert runtime.

Subscriptions are files under ``alerts_dir``; the site names in them are checked against
the site registry here (the core cannot read it). The same :func:`alert_runtime` serves
the Kafka alert consumer (``pantau consume alerts``), embedded mode and ``deliver``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pantau.cli import wiring
from pantau.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from pantau.config import ConfigError, Settings
from pantau.schema import Article

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    help_text = "alert subscriptions: notices on matching articles by webhook, email or Telegram"
    p = sub.add_parser("alerts", help=help_text, description=help_text)
    actions = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")

    h = "write a subscription file under alerts_dir"
    a = actions.add_parser("add", help=h, description=h)
    a.add_argument("name", help="subscription name (a-z, 0-9, - and _); the file is NAME.yaml")
    a.add_argument("--owner", required=True, help="who the subscription is for (name and contact)")
    a.add_argument("--region", action="append", metavar="REGION", help="name, alias or code (repeatable)")
    a.add_argument("--keywords", action="append", metavar="QUERY", help="search query; any of them (repeatable)")
    a.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    a.add_argument("--min-relevance", type=float, metavar="SCORE", help="minimum relevance score, 0 to 1")
    a.add_argument("--actor", action="append", metavar="TYPE", help="actor type label, e.g. asn (repeatable)")
    a.add_argument("--stage", action="append", choices=["appeal", "report", "sanction"], help="stage label")
    a.add_argument("--webhook", action="append", metavar="URL", help="POST signed JSON here (repeatable)")
    a.add_argument("--webhook-secret", metavar="NAME", help="name of the webhook's secret (default: default)")
    a.add_argument("--email", action="append", metavar="ADDRESS", help="send email here (repeatable)")
    a.add_argument("--telegram", action="append", metavar="CHAT_ID", help="Telegram chat id (repeatable)")
    a.add_argument("--digest", choices=["hourly", "daily"], help="gather notices into digests (default: immediate)")
    a.add_argument("--at", metavar="HH:MM", help="daily digests: local time of day (default 07:00)")
    a.add_argument("--timezone", metavar="ZONE", help="subscriber's time zone (default: alerts_timezone)")
    a.add_argument("--replace", action="store_true", help="overwrite an existing subscription of this name")
    a.set_defaults(handler=cmd_add)

    h = "list the subscriptions"
    a = actions.add_parser("list", help=h, description=h)
    a.add_argument("--json", action="store_true", help="print JSON lines")
    a.set_defaults(handler=cmd_list)

    h = "remove a subscription file (notices already queued are still delivered)"
    a = actions.add_parser("remove", help=h, description=h)
    a.add_argument("name", help="subscription name")
    a.set_defaults(handler=cmd_remove)

    h = "run a subscription over stored articles and print what it would send, without sending"
    a = actions.add_parser("test", help=h, description=h)
    a.add_argument("name", help="subscription name")
    a.add_argument("--since", default="7d", metavar="WHEN", help="7d, 24h, 2w or a date (default 7d)")
    a.add_argument("--limit", type=int, default=1000, metavar="N", help="read at most N stored articles (1-1000)")
    a.set_defaults(handler=cmd_test)

    h = "per subscription and channel: sent, queued, failing, last error"
    a = actions.add_parser("status", help=h, description=h)
    a.add_argument("--json", action="store_true", help="print JSON lines")
    a.set_defaults(handler=cmd_status)

    h = "send queued notices and due digests (embedded mode, or a sender without the consumer)"
    a = actions.add_parser("deliver", help=h, description=h)
    a.add_argument("--until-idle", type=float, metavar="SECONDS", help="stop once nothing was due for this long")
    a.set_defaults(handler=cmd_deliver)


# --- wiring -----------------------------------------------------------------------------------


def known_sites() -> set[str]:
    from crawlers.sitespec import load_registry

    return set(load_registry())


def subscription_folder(settings: Settings) -> Any:
    from pantau.alerts.subscriptions import SubscriptionError, SubscriptionFolder

    folder = SubscriptionFolder(settings.alerts_dir, known_sites())
    try:
        folder.current()
    except SubscriptionError as exc:
        raise ConfigError("\n".join(exc.problems)) from exc
    return folder


def alert_runtime(settings: Settings, folder: Any | None = None) -> Any:
    """Engine and dispatcher over the outbox, with a sender for every channel the subscriptions use."""
    from channels import MODULES, build_channels
    from pantau.alerts.dispatch import Dispatcher
    from pantau.alerts.engine import AlertEngine
    from pantau.alerts.runtime import AlertRuntime
    from pantau.alerts.secrets import load_secrets
    from pantau.alerts.state import AlertState

    folder = folder or subscription_folder(settings)
    secrets = load_secrets(settings)
    used = {c.type for s in folder.current() for c in s.channels}
    channels = build_channels(settings, secrets, used)
    # Channel types no subscription uses yet are built too when configured, so an added
    # subscription works without a restart.
    for kind in set(MODULES) - used:
        with contextlib.suppress(ConfigError):
            channels.update(build_channels(settings, secrets, {kind}))
    state = AlertState(settings.alerts_state_path)
    engine = AlertEngine(state, folder, settings.alerts_timezone)
    dispatcher = Dispatcher(state, channels, settings.alerts_retry_max_seconds, secrets=secrets.values())
    return AlertRuntime(state, engine, dispatcher)


def embedded_alerts(settings: Settings) -> Any | None:
    """The in-process alert runtime for embedded mode, or None without subscriptions."""
    from pantau.alerts.lock import OutboxBusy, OutboxLock

    folder = subscription_folder(settings)
    if not folder.current():
        return None
    runtime = alert_runtime(settings, folder)
    lock = OutboxLock(settings.alerts_state_path)
    try:
        lock.acquire()
    except OutboxBusy as exc:
        # A `pantau alerts deliver` is running: record here, let it send.
        logger.info("alerts recorded only; another process sends them", extra={"reason": str(exc)})
        return runtime
    runtime.lock = lock
    runtime.start()
    return runtime


class EmbeddedAlertHook:
    """Embedded mode's alert matcher, as an ``on_enriched`` hook of the embedded writer.

    Picklable (it carries only the settings), so the writer process can take it; the alert
    runtime (outbox, dispatcher threads) is built in the writer on the first batch.
    """

    def __init__(self, settings: Settings, drain_timeout: float = 30.0) -> None:
        self.settings = settings
        #: How long closing waits for queued notices to go out (the rest stay queued).
        self.drain_timeout = drain_timeout
        self.runtime: Any | None = None
        self._started = False

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings, "drain_timeout": self.drain_timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["settings"], state["drain_timeout"])  # type: ignore[misc]

    def __call__(self, articles: Sequence[Article]) -> None:
        if not self._started:
            self.runtime = embedded_alerts(self.settings)
            self._started = True
        if self.runtime is not None:
            self.runtime.ingest(articles)

    def close(self) -> None:
        if self.runtime is not None:
            self.runtime.close(drain_timeout=self.drain_timeout)
            self.runtime = None


def embedded_alert_hooks(settings: Settings) -> list[EmbeddedAlertHook]:
    """The alert hook when there are subscriptions (read and checked here, so a bad file stops the crawl)."""
    return [EmbeddedAlertHook(settings)] if subscription_folder(settings).current() else []


def run_alert_consumer(settings: Settings, idle_timeout: float | None = None) -> int:
    """``pantau consume alerts``: the Kafka alert stage with its dispatcher."""
    from consumers.alerts import build_alert_worker
    from consumers.app import close_resources
    from pantau.alerts.lock import OutboxBusy, OutboxLock

    folder = subscription_folder(settings)
    if not folder.current():
        logger.warning("no subscriptions yet; new files are picked up", extra={"folder": str(settings.alerts_dir)})
    lock = OutboxLock(settings.alerts_state_path)
    try:
        lock.acquire()
    except OutboxBusy as exc:
        raise ConfigError(str(exc)) from exc
    runtime = alert_runtime(settings, folder)
    worker, extras = build_alert_worker(settings, runtime.engine, runtime.state)
    worker.install_signal_handlers()
    runtime.start()
    logger.info("consumer started", extra={"stage": "alerts", "group": worker.group})
    try:
        return int(worker.run(idle_timeout=idle_timeout))
    finally:
        close_resources(extras)
        runtime.close(drain_timeout=30.0 if idle_timeout is not None else 5.0)
        lock.release()


# --- commands -----------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.alerts.subscriptions import SubscriptionError, parse_subscription, write_subscription

    filters: dict[str, Any] = {
        "regions": args.region or [],
        "keywords": args.keywords or [],
        "sites": args.site or [],
        "actors": args.actor or [],
        "stages": args.stage or [],
    }
    if args.min_relevance is not None:
        filters["min_relevance"] = args.min_relevance
    channels: list[dict[str, Any]] = [
        {"type": "webhook", "url": url} | ({"secret": args.webhook_secret} if args.webhook_secret else {})
        for url in args.webhook or []
    ]
    if args.email:
        channels.append({"type": "email", "to": args.email})
    channels += [{"type": "telegram", "chat_id": chat} for chat in args.telegram or []]
    if not channels:
        raise UsageError("a subscription needs a channel: --webhook, --email or --telegram")
    data: dict[str, Any] = {
        "owner": args.owner,
        "filters": {k: v for k, v in filters.items() if v != []},
        "channels": channels,
        "mode": args.digest or "immediate",
    }
    if args.at:
        data["at"] = args.at
    if args.timezone:
        data["timezone"] = args.timezone
    import yaml

    try:
        subscription = parse_subscription(yaml.safe_dump(data), "arguments", args.name, known_sites())
        path = write_subscription(settings.alerts_dir, subscription, replace=args.replace)
    except SubscriptionError as exc:
        raise UsageError("; ".join(p.removeprefix("arguments: ") for p in exc.problems)) from exc
    print(f"subscription {subscription.name} written to {path}")
    return EXIT_OK


def _describe(subscription: Any, default_timezone: str) -> dict[str, Any]:
    f = subscription.filters
    schedule = subscription.schedule(default_timezone)
    return {
        "name": subscription.name,
        "owner": subscription.owner,
        "regions": f.regions,
        "keywords": f.keywords,
        "sites": f.sites,
        "min_relevance": f.min_relevance,
        "actors": f.actors,
        "stages": f.stages,
        "channels": [c.label for c in subscription.channels],
        "mode": schedule.describe() if schedule else "immediate",
    }


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    subscriptions = subscription_folder(settings).current()
    rows = [_describe(s, settings.alerts_timezone) for s in subscriptions]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print(f"no subscriptions in {settings.alerts_dir}")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "owner", "filters", "channels", "mode")
    for row in rows:
        filters = [f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in row.items()
                   if k in ("regions", "keywords", "sites", "actors", "stages") and v]  # fmt: skip
        if row["min_relevance"]:
            filters.append(f"min_relevance: {row['min_relevance']}")
        table.add_row(row["name"], row["owner"], "\n".join(filters) or "(all)", "\n".join(row["channels"]), row["mode"])
    Console(width=160).print(table)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.alerts.subscriptions import SubscriptionError, remove_subscription

    try:
        path = remove_subscription(settings.alerts_dir, args.name)
    except SubscriptionError as exc:
        raise UsageError(str(exc)) from exc
    print(f"subscription {args.name} removed ({path})")
    return EXIT_OK


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.alerts.dry_run import dry_run
    from pantau.search import SearchQuery, parse_when

    subscriptions = {s.name: s for s in subscription_folder(settings).current()}
    subscription = subscriptions.get(args.name)
    if subscription is None:
        known = ", ".join(sorted(subscriptions)) or "none"
        raise UsageError(f"no subscription called {args.name!r} in {settings.alerts_dir} (known: {known})")
    try:
        since = parse_when(args.since)
        # Copies too: the dry run shows that a story's later copies make no second notice.
        query = SearchQuery(since=since, limit=args.limit, include_duplicates=True)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    try:
        articles = wiring.search_backend(settings).search(query)
    except Exception as exc:  # an engine that is down: one line, not a traceback
        print(f"pantau alerts test: cannot read stored articles: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    report = dry_run(subscription, articles, settings.alerts_timezone)
    print(
        f"{subscription.name}: {len(report.messages)} notice(s) from {len(articles)} stored article(s) "
        f"since {since:%Y-%m-%d %H:%M} UTC. Nothing was sent."
    )
    if len(articles) >= args.limit:
        print(f"(only the newest {args.limit} articles were read; raise --limit to read more)")
    print(f"Would send to {subscription.owner} via: " + "; ".join(c.label for c in subscription.channels))
    if report.schedule:
        print(f"Mode: {report.schedule.describe()}: these stories would be gathered into digests.")
    for message in report.messages:
        print()
        print(message)
    return EXIT_OK


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.alerts.dispatch import redact
    from pantau.alerts.secrets import load_secrets
    from pantau.alerts.state import AlertState

    secrets = load_secrets(settings).values()
    subscriptions = subscription_folder(settings).current()
    state = AlertState(settings.alerts_state_path)
    try:
        rows = state.status()
        waiting = state.waiting_digests()
    finally:
        state.close()
    seen = {(r.subscription, r.channel) for r in rows}
    out: list[dict[str, Any]] = []
    for r in rows:
        out.append(
            {
                "subscription": r.subscription,
                "channel": r.channel,
                "sent": r.sent,
                "queued": r.queued,
                "failing": r.failing,
                "last_error": redact(r.last_error, secrets) if r.last_error else None,
                "last_error_at": _when(r.last_error_at),
                "last_sent_at": _when(r.last_sent_at),
            }
        )
    for s in subscriptions:
        for c in s.channels:
            if (s.name, c.label) not in seen:
                out.append({"subscription": s.name, "channel": c.label, "sent": 0, "queued": 0, "failing": 0,
                            "last_error": None, "last_error_at": None, "last_sent_at": None})  # fmt: skip
    out.sort(key=lambda row: (row["subscription"], row["channel"]))
    # Non-zero while a channel is failing, so a health check can run this command.
    code = EXIT_FAILED if any(row["failing"] for row in out) else EXIT_OK
    if args.json:
        for row in out:
            print(json.dumps(row | {"waiting_for_digest": waiting.get(row["subscription"], 0)}, ensure_ascii=False))
        return code
    if not out:
        print(f"no subscriptions in {settings.alerts_dir} and nothing in {settings.alerts_state_path}")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("subscription", "channel", "sent", "queued", "failing", "last error", "last sent")
    for row in out:
        error = f"{row['last_error']} ({row['last_error_at']})" if row["last_error"] else "-"
        table.add_row(row["subscription"], row["channel"], str(row["sent"]), str(row["queued"]),
                      str(row["failing"]), error, row["last_sent_at"] or "-")  # fmt: skip
    Console(width=200).print(table)
    for name, count in sorted(waiting.items()):
        print(f"{name}: {count} stor(ies) waiting for the next digest")
    return code


def _when(value: float | None) -> str | None:
    return None if value is None else datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.alerts.lock import OutboxBusy, OutboxLock

    lock = OutboxLock(settings.alerts_state_path)
    try:
        lock.acquire()
    except OutboxBusy as exc:
        raise UsageError(str(exc)) from exc
    runtime = alert_runtime(settings)
    runtime.lock = lock
    runtime.start()
    try:
        idle_since = time.monotonic()
        # Idle: nothing due now (what waits for a retry or for its digest is for a later run).
        while args.until_idle is None or time.monotonic() - idle_since < args.until_idle:
            if runtime.state.due(time.time()):
                idle_since = time.monotonic()
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        pending = runtime.state.pending()
        runtime.close(drain_timeout=0.0)
    print(f"deliver: {pending} delivery(ies) still queued")
    return EXIT_OK
