"""Alert subscriptions: YAML files under the alerts directory, validated on load.

One file per subscription, named after it (``alerts/jember-asn.yaml``)::

    owner: Bawaslu Jember <pengawasan@example.org>
    filters:
      regions: [Jember, "Kab. Lumajang"]     # names, aliases or codes; a province includes its regencies
      keywords: 'netralitas OR "politik praktis"'   # the search query language
      sites: [memorandum]
      min_relevance: 0.5
      actors: [asn, village]                 # relevance labels: actor types ...
      stages: [report, sanction]             # ... and stages
    channels:
      - {type: webhook, url: "https://hooks.example.org/pantau", secret: jember}
      - {type: email, to: [pengawas@example.org]}
      - {type: telegram, chat_id: "-1001234567"}
    mode: immediate                          # or hourly, or daily (with at: "07:00")
    timezone: Asia/Jakarta

Every filter is optional; the filters given must all hold. A mistake is reported as
``<file>: <field>: <what is wrong>``, one line per problem.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from pantau.alerts.schedule import DigestSchedule
from pantau.datafile import FileModel, parse_yaml
from pantau.dates import known_timezone
from pantau.query import QueryError, parse_query
from pantau.regions import UnknownRegionError, resolve_region

logger = logging.getLogger(__name__)

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,})$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SubscriptionError(ValueError):
    """Subscription files that cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def actor_labels() -> frozenset[str]:
    """The actor types the relevance scorer labels articles with (from its lexicon)."""
    from pantau.enrich.relevance.lexicon import load_lexicon

    return frozenset(t.label for t in load_lexicon().terms if t.group == "actor")


def _one_or_many(value: Any) -> Any:
    # A single string where a list belongs ("to: a@example.org") means a list of one.
    return [value] if isinstance(value, str) else value


#: A list of strings that may be written as one string.
Strings = Annotated[list[str], BeforeValidator(_one_or_many)]


class Filters(FileModel):
    """What an article must satisfy; an empty filter lets everything through."""

    regions: list[str] = Field(default_factory=list)
    #: Queries in the search language; the article must match at least one.
    keywords: Strings = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    min_relevance: float = Field(default=0.0, ge=0.0, le=1.0)
    actors: list[str] = Field(default_factory=list)
    stages: list[Literal["appeal", "report", "sanction"]] = Field(default_factory=list)

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        for i, text in enumerate(value):
            try:
                resolve_region(text)
            except UnknownRegionError as exc:
                raise ValueError(f"[{i}] {exc}") from exc
        return value

    @field_validator("keywords")
    @classmethod
    def _valid_queries(cls, value: list[str]) -> list[str]:
        for i, text in enumerate(value):
            try:
                if not parse_query(text):
                    raise QueryError("an empty query")
            except QueryError as exc:
                raise ValueError(f"[{i}] {text!r}: {exc}") from exc
        return value

    @field_validator("actors")
    @classmethod
    def _known_actors(cls, value: list[str]) -> list[str]:
        known = actor_labels()
        for i, label in enumerate(value):
            if label not in known:
                close = difflib.get_close_matches(label, sorted(known), n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise ValueError(f"[{i}] unknown actor type {label!r}; {hint}known: {', '.join(sorted(known))}")
        return value


class WebhookChannel(FileModel):
    """A JSON POST signed with HMAC-SHA256 (the ``secret`` names an entry of the secrets)."""

    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://[^\s/]+", max_length=2048)
    secret: str = Field(default="default", pattern=NAME_PATTERN)

    @property
    def label(self) -> str:
        # The path can hold a token (many webhook URLs do): show only where it goes.
        scheme, _, rest = self.url.partition("://")
        return f"webhook {scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


class EmailChannel(FileModel):
    """One email per notice (or per digest) to every address in ``to``."""

    type: Literal["email"]
    to: Strings = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for i, address in enumerate(value):
            if not _EMAIL.match(address):
                raise ValueError(f"[{i}] {address!r} is not an email address")
        return value

    @property
    def label(self) -> str:
        return "email " + ", ".join(self.to)


class TelegramChannel(FileModel):
    """A message to a Telegram chat through the Bot API's sendMessage."""

    type: Literal["telegram"]
    chat_id: str

    @field_validator("chat_id", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("chat_id")
    @classmethod
    def _chat(cls, value: str) -> str:
        if not _CHAT_ID.match(value):
            raise ValueError(f"{value!r} is not a chat id (a number such as -1001234567, or @channelname)")
        return value

    @property
    def label(self) -> str:
        return f"telegram {self.chat_id}"


ChannelSpec = Annotated[WebhookChannel | EmailChannel | TelegramChannel, Field(discriminator="type")]


def channel_key(channel: ChannelSpec) -> str:
    """A stable key for one channel of a subscription (its queue), from its whole configuration."""
    digest = hashlib.sha256(channel.model_dump_json().encode()).hexdigest()[:12]
    return f"{channel.type}:{digest}"


class Subscription(FileModel):
    """One subscriber's alert: who, what to look for, where to send it, and how often."""

    name: str = Field(pattern=NAME_PATTERN)
    owner: str = Field(min_length=1, max_length=300)
    filters: Filters = Field(default_factory=Filters)
    channels: list[ChannelSpec] = Field(min_length=1)
    mode: Literal["immediate", "hourly", "daily"] = "immediate"
    #: Daily digests: the local time of day they are sent ("07:00").
    at: str | None = None
    #: The subscriber's time zone (IANA); unset means the configured default.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    @field_validator("at", mode="before")
    @classmethod
    def _at_text(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 07:00 as the number 420 (sexagesimal minutes).
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return f"{value // 60:02d}:{value % 60:02d}"
        return value

    @field_validator("at")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a time of day HH:MM (e.g. 07:00)")
        return value

    @model_validator(mode="after")
    def _at_only_daily(self) -> Subscription:
        if self.at is not None and self.mode != "daily":
            raise ValueError(f"at is only for mode daily (this subscription is {self.mode})")
        return self

    def zone_name(self, default: str) -> str:
        return self.timezone or default

    def schedule(self, default_timezone: str) -> DigestSchedule | None:
        """The digest schedule, or None for immediate notices."""
        if self.mode == "immediate":
            return None
        hour, minute = (int(x) for x in (self.at or "07:00").split(":"))
        return DigestSchedule(self.mode, self.zone_name(default_timezone), time(hour, minute))

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_defaults=True, exclude={"name"})
        data["owner"] = self.owner
        data["channels"] = [c.model_dump(mode="json", exclude_defaults=True) | {"type": c.type} for c in self.channels]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


_INDEX = re.compile(r"^\[(\d+)\] ")
_CHANNEL_TAGS = {"webhook", "email", "telegram"}


def _describe(exc: ValidationError) -> list[str]:
    """``field[i].sub: message`` for each error (the union's tag left out of the path)."""
    problems = []
    for err in exc.errors():
        loc = ""
        previous: object = None
        for part in err["loc"]:
            if isinstance(part, int):
                loc += f"[{part}]"
            elif not (isinstance(previous, int) and part in _CHANNEL_TAGS):
                loc += f".{part}" if loc else str(part)
            previous = part
        message = err["msg"].removeprefix("Value error, ")
        index = _INDEX.match(message)
        if index:
            loc, message = f"{loc}[{index.group(1)}]", message[index.end() :]
        problems.append(f"{loc or 'subscription'}: {message}")
    return problems


def parse_subscription(text: str, source: str, name: str, known_sites: Collection[str] | None = None) -> Subscription:
    """One subscription from YAML text; ``name`` (the file's stem) is its name."""
    try:
        data = parse_yaml(text, source, ValueError)
    except ValueError as exc:
        raise SubscriptionError([str(exc)]) from exc
    if not isinstance(data, dict):
        raise SubscriptionError([f"{source}: expected a mapping (owner, filters, channels, mode)"])
    given = data.get("name")
    if given is not None and given != name:
        raise SubscriptionError([f"{source}: name: {given!r} differs from the file name {name!r}"])
    try:
        subscription = Subscription.model_validate({**data, "name": name})
    except ValidationError as exc:
        raise SubscriptionError([f"{source}: {p}" for p in _describe(exc)]) from exc
    if known_sites is not None:
        unknown = [
            f"{source}: filters.sites[{i}]: unknown site {site!r}; known: {', '.join(sorted(known_sites))}"
            for i, site in enumerate(subscription.filters.sites)
            if site not in known_sites
        ]
        if unknown:
            raise SubscriptionError(unknown)
    return subscription


def subscription_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_subscriptions(folder: Path, known_sites: Collection[str] | None = None) -> list[Subscription]:
    """Every subscription under ``folder`` (none when it does not exist), or every problem at once."""
    found: list[Subscription] = []
    problems: list[str] = []
    for path in subscription_files(folder):
        if not re.match(NAME_PATTERN, path.stem):
            problems.append(f"{path}: the file name must be the subscription's name (a-z, 0-9, - and _)")
            continue
        try:
            text = path.read_text(encoding="utf-8")
            found.append(parse_subscription(text, str(path), path.stem, known_sites))
        except SubscriptionError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(f"{path}: cannot be read: {exc.strerror}")
    names = [s.name for s in found]
    problems += [f"{folder}: two files define {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise SubscriptionError(problems)
    return found


def write_subscription(folder: Path, subscription: Subscription, replace: bool = False) -> Path:
    """Write ``subscription`` as ``<folder>/<name>.yaml``; refuses to overwrite unless ``replace``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{subscription.name}.yaml"
    if not replace and any((folder / f"{subscription.name}{ext}").exists() for ext in (".yaml", ".yml")):
        raise SubscriptionError([f"{path}: a subscription with this name exists (remove it first)"])
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(subscription.to_yaml(), encoding="utf-8")
    tmp.replace(path)  # atomic: a running consumer never reads half a file
    return path


def remove_subscription(folder: Path, name: str) -> Path:
    for ext in (".yaml", ".yml"):
        path = folder / f"{name}{ext}"
        if path.exists():
            path.unlink()
            return path
    raise SubscriptionError([f"{folder}: no subscription called {name!r}"])


@dataclass
class SubscriptionFolder:
    """The subscriptions of a folder, re-read when a file changes (a running consumer picks up edits).

    A folder that stops validating keeps the last good set in force, with the problem logged.
    """

    folder: Path
    known_sites: Collection[str] | None = None

    def __post_init__(self) -> None:
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._current: list[Subscription] = []

    def _stat(self) -> tuple[tuple[str, int, int], ...]:
        out = []
        for path in subscription_files(self.folder):
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((path.name, st.st_mtime_ns, st.st_size))
        return tuple(out)

    def current(self) -> list[Subscription]:
        signature = self._stat()
        if signature != self._signature:
            try:
                self._current = load_subscriptions(self.folder, self.known_sites)
                logger.info("subscriptions loaded", extra={"folder": str(self.folder), "count": len(self._current)})
            except SubscriptionError as exc:
                if self._signature is None:
                    raise
                for problem in exc.problems:
                    logger.error("subscription file rejected, keeping the previous set", extra={"problem": problem})
            self._signature = signature
        return self._current


def channels_json(channels: Iterable[ChannelSpec]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in channels])
