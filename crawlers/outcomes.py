"""What happened to every page of a crawl: outcomes, named failures, and the run's report.

Every article page the crawler fetches ends as exactly one of:

* ``delivered``: published (a new article, or a new version of a changed one);
* ``unchanged``: fetched again (``--refetch``, or its feed said it changed) but the same;
* ``dead_letter``: it could not become an article (no title, no body): parked with the reason;
* ``failed``: a named failure (``http_404``, ``timeout``, ``too_large``, ``binary_content``,
  ``parse_error``, ``robots_disallowed``, ``offsite_redirect``, ``redirect_loop``, ...).

Start points and listings that fail are counted by kind too. The tally goes into the run
report (what ``pantau run`` prints), the Prometheus counters and the crawl state (for
``pantau sites health``). Pages where the site's own selectors matched nothing are counted
separately (``selector_misses``): their articles were still delivered, by a fallback, but
the site file needs attention, and the run's exit code says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pantau import metrics

OUTCOMES = ("delivered", "unchanged", "dead_letter", "failed")

# Twisted/Scrapy exception names -> the kind operators read.
_KINDS = {
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadTimeoutError": "timeout",
    "UserTimeout": "timeout",
    "DNSLookupError": "dns",
    "CannotResolveHostError": "dns",
    "ConnectionRefusedError": "connection_refused",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectError": "connection_refused",
    "NoRouteError": "connection_refused",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ResponseNeverReceived": "connection_lost",
    "ResponseFailed": "connection_lost",
    "ResponseDataLossError": "truncated",
    "_DataLoss": "truncated",
    "PotentialDataLoss": "truncated",
    "TunnelError": "proxy",
}
#: Kinds that mean the site could not be talked to at all.
UNREACHABLE = {"dns", "connection_refused", "timeout", "connection_lost", "proxy"}


def failure_kind(failure: Any) -> str:
    """The named kind of a Twisted failure from a Scrapy request."""
    value = getattr(failure, "value", failure)
    name = type(value).__name__
    message = str(value)
    response = getattr(value, "response", None)
    if response is not None and hasattr(response, "status"):
        return f"http_{response.status}"
    if name == "IgnoreRequest" or name.endswith("IgnoreRequest"):
        if "robots.txt" in message:
            return "robots_disallowed"
        if "offsite" in message.lower():
            return "offsite_redirect"
        if "redirection" in message:
            return "redirect_loop"
        return "ignored"
    if "maxsize" in message.lower() or "max size" in message.lower() or "larger than" in message.lower():
        return "too_large"
    if name in ("DownloadCancelledError", "CancelledError"):
        return "too_large" if "size" in message.lower() else "cancelled"
    if "DataLoss" in message or "dataloss" in message.lower():
        return "truncated"
    if name in _KINDS:
        return _KINDS[name]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().removesuffix("_error") or "error"


def dead_letter_kind(reason: str) -> str:
    """``missing_field:body`` for "schema: body: String should have at least 1 character"."""
    text = reason.removeprefix("schema:").strip()
    field_name, _, problem = text.partition(":")
    field_name = field_name.strip() or "record"
    if any(w in problem for w in ("at least 1 character", "blank", "required", "Field required")):
        return f"missing_field:{field_name}"
    return f"invalid_field:{field_name}"


@dataclass
class SiteTally:
    """Counts for one site in one run; every article page adds to exactly one outcome."""

    site: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Failed article pages, by kind.
    article_failures: Counter[str] = field(default_factory=Counter)
    #: Failed start points, listings, sitemaps, continuation pages, by ``resource:kind``.
    other_failures: Counter[str] = field(default_factory=Counter)
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    selector_misses: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    start_points_answered: int = 0
    not_modified: int = 0
    listing_pages: int = 0
    responses: int = 0

    def outcome(self, outcome: str, kind: str | None = None, example: str | None = None) -> None:
        """One article page's end; ``kind`` names a failure or a dead letter's reason."""
        self.outcomes[outcome] += 1
        metrics.CRAWL_PAGES.labels(site=self.site, outcome=outcome).inc()
        if outcome == "failed" and kind:
            self.article_failures[kind] += 1
            metrics.CRAWL_FAILURES.labels(site=self.site, kind=kind, resource="article").inc()
        elif outcome == "dead_letter" and kind:
            self.dead_letter_reasons[kind] += 1
        if kind and example:
            self.examples.setdefault(kind, example)

    def other_failure(self, resource: str, kind: str, example: str) -> None:
        self.other_failures[f"{resource}:{kind}"] += 1
        self.examples.setdefault(kind, example)
        metrics.CRAWL_FAILURES.labels(site=self.site, kind=kind, resource=resource).inc()

    def selector_miss(self, field_name: str) -> None:
        self.selector_misses[field_name] += 1
        metrics.CRAWL_SELECTOR_MISSES.labels(site=self.site, field=field_name).inc()

    # --- reading ----------------------------------------------------------------------

    @property
    def pages(self) -> int:
        return sum(self.outcomes.values())

    @property
    def unreachable(self) -> bool:
        """Nothing at all answered, and the failures say why (no DNS, refused, timed out)."""
        kinds = {k.split(":", 1)[1] for k in self.other_failures} | set(self.article_failures)
        return self.responses == 0 and bool(kinds & UNREACHABLE)

    @property
    def reached(self) -> bool:
        return self.start_points_answered > 0

    @property
    def failed(self) -> bool:
        """Whether anything in this run needs an operator: the run's exit code follows it."""
        return bool(
            self.outcomes["failed"]
            or self.outcomes["dead_letter"]
            or self.other_failures
            or self.selector_misses
            or not self.reached
        )

    def errors(self) -> dict[str, int]:
        """Error kinds with counts, for the crawl state and ``sites health``."""
        total: Counter[str] = Counter(self.article_failures)
        for key, count in self.other_failures.items():
            total[key.split(":", 1)[1]] += count
        for reason, count in self.dead_letter_reasons.items():
            total[reason] += count
        return dict(total)

    def summary(self) -> str:
        o = self.outcomes
        if self.unreachable:
            kind = next(iter(sorted(self.errors())), "unreachable")
            return f"{self.site}: UNREACHABLE ({kind}: {self.examples.get(kind, '')})"
        text = (
            f"{self.site}: {self.pages} article page(s): {o['delivered']} delivered, {o['unchanged']} unchanged, "
            f"{o['dead_letter']} dead-lettered, {o['failed']} failed"
        )
        details = []
        if self.article_failures:
            details.append("failed: " + ", ".join(f"{k}={v}" for k, v in sorted(self.article_failures.items())))
        if self.dead_letter_reasons:
            details.append(
                "dead letters: " + ", ".join(f"{k}={v}" for k, v in sorted(self.dead_letter_reasons.items()))
            )
        if self.other_failures:
            details.append(
                "other requests failed: " + ", ".join(f"{k}={v}" for k, v in sorted(self.other_failures.items()))
            )
        if self.selector_misses:
            details.append(
                "site selectors matched nothing: "
                + ", ".join(f"{k}={v}" for k, v in sorted(self.selector_misses.items()))
            )
        if self.not_modified:
            details.append(f"{self.not_modified} start point(s) not modified")
        if not self.reached and not self.unreachable:
            details.append("no start point answered")
        return text + "".join(f"\n    {d}" for d in details)
