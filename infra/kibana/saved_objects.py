"""Kibana's saved objects for Pantau (``pantau.ndjson``) and their import into a running Kibana.

``pantau.ndjson`` holds the data view on the index alias, the saved searches, the
visualisations, the map and the dashboard, as Kibana exports them (one object a line, with
``coreMigrationVersion`` and ``typeMigrationVersion`` so Kibana migrates them on import).
:func:`import_objects` posts the file to Kibana's saved-objects import API with the
``kbn-xsrf`` header Kibana requires, overwriting earlier copies by default.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import urllib3

logger = logging.getLogger(__name__)

NDJSON = "pantau.ndjson"
#: The alias the file's data view names; :func:`saved_objects` points it at another.
DEFAULT_ALIAS = "pantau-articles"


class KibanaError(RuntimeError):
    """Kibana could not be reached or refused the import; the message says what to do."""


@cache
def _text() -> str:
    return resources.files("infra.kibana").joinpath(NDJSON).read_text(encoding="utf-8")


def saved_objects(alias: str = DEFAULT_ALIAS) -> list[dict[str, Any]]:
    """The objects in ``pantau.ndjson``, the data view pointed at ``alias``."""
    objects = [json.loads(line) for line in _text().splitlines() if line.strip()]
    for obj in objects:
        if obj["type"] == "index-pattern":
            obj["attributes"]["title"] = alias
    return objects


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n" for o in objects)


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    def header(self) -> dict[str, str]:
        if self.api_key:
            return {"Authorization": f"ApiKey {self.api_key}"}
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        return {}


@dataclass(frozen=True)
class ImportReport:
    imported: int
    #: One line per object Kibana refused: "type id (title): reason".
    errors: list[str]


class Kibana:
    """A Kibana reached over HTTP(S): ``url`` is its base URL, ``space`` a space id or None."""

    def __init__(
        self,
        url: str,
        credentials: Credentials | None = None,
        space: str | None = None,
        ca_certs: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.base = self.url + (f"/s/{quote(space, safe='')}" if space else "")
        self.credentials = credentials or Credentials()
        kwargs: dict[str, Any] = {"timeout": urllib3.Timeout(total=timeout), "retries": False}
        if ca_certs:
            kwargs["ca_certs"] = ca_certs
        self.http = urllib3.PoolManager(**kwargs)

    def _request(self, method: str, path: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
        headers = {"kbn-xsrf": "pantau", **self.credentials.header(), **kwargs.pop("headers", {})}
        try:
            return self.http.request(method, self.base + path, headers=headers, **kwargs)
        except urllib3.exceptions.HTTPError as exc:
            raise KibanaError(f"cannot reach Kibana at {self.url}: {exc}") from exc

    def wait_until_available(self, seconds: float) -> None:
        """Poll ``/api/status`` until Kibana says it is available, for at most ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                response = self._request("GET", "/api/status")
                if response.status == 200 and _overall_level(response.data) == "available":
                    return
                last = f"status {response.status}"
            except KibanaError as exc:
                last = str(exc)
            if time.monotonic() >= deadline:
                raise KibanaError(f"Kibana at {self.url} was not available after {seconds:.0f} s ({last})")
            time.sleep(2.0)

    def import_objects(self, ndjson: str, overwrite: bool = True) -> ImportReport:
        """Post the objects to the saved-objects import API; refused objects are listed, not raised."""
        response = self._request(
            "POST",
            "/api/saved_objects/_import" + ("?overwrite=true" if overwrite else ""),
            fields={"file": (NDJSON, ndjson.encode("utf-8"), "application/ndjson")},
        )
        if response.status in (401, 403):
            raise KibanaError(
                f"Kibana refused the credentials ({response.status}): set --username with PANTAU_KIBANA_PASSWORD, "
                "or PANTAU_KIBANA_API_KEY"
            )
        if response.status != 200:
            raise KibanaError(f"Kibana answered {response.status} to the import: {_message(response.data)}")
        try:
            body = json.loads(response.data)
        except ValueError as exc:
            raise KibanaError(f"{self.url} did not answer like Kibana (not JSON): is it the right URL?") from exc
        errors = [_describe_error(e) for e in body.get("errors", [])]
        report = ImportReport(int(body.get("successCount", 0)), errors)
        logger.info("kibana import", extra={"url": self.url, "imported": report.imported, "errors": len(errors)})
        return report


def _overall_level(data: bytes) -> str | None:
    try:
        status = json.loads(data).get("status", {})
    except ValueError:
        return None
    level = status.get("overall", {}).get("level")
    return str(level) if level else None


def _message(data: bytes) -> str:
    try:
        body = json.loads(data)
        return str(body.get("message") or body.get("error") or body)
    except ValueError:
        return data[:200].decode("utf-8", "replace")


def _describe_error(error: dict[str, Any]) -> str:
    what = f"{error.get('type')} {error.get('id')}"
    title = error.get("meta", {}).get("title") or error.get("title")
    if title:
        what += f" ({title})"
    detail = error.get("error", {})
    reason = detail.get("type", "error")
    if detail.get("references"):
        missing = ", ".join(f"{r.get('type')} {r.get('id')}" for r in detail["references"])
        reason += f": {missing}"
    elif detail.get("message"):
        reason += f": {detail['message']}"
    return f"{what}: {reason}"
