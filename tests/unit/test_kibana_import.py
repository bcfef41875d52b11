"""`pantau kibana import` against a local stand-in for Kibana's import API (127.0.0.1 only).

Kibana cannot run here; the stand-in records what arrives and answers as Kibana's API
documents: the checks are on the exact request (path, query, headers, multipart file).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from infra.kibana.saved_objects import Credentials, Kibana, KibanaError, saved_objects, to_ndjson

REPO = Path(__file__).resolve().parents[2]


class StandIn:
    """Records requests; answers with ``reply`` (status, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: tuple[int, dict[str, Any]] = (200, {"success": True, "successCount": 0, "errors": []})
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                stand_in.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, payload = stand_in.reply
                if self.path.endswith("/api/status"):
                    status, payload = 200, {"status": {"overall": {"level": "available"}}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def kibana() -> Iterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    stand_in.server.shutdown()


def uploaded(request: dict[str, Any]) -> tuple[str, str, str]:
    """(filename, content type, text) of the multipart "file" field."""
    head = f"Content-Type: {request['headers']['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request["body"])
    [part] = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True).decode("utf-8")


def test_import_posts_the_file_with_xsrf_overwrite_and_basic_auth(kibana: StandIn) -> None:
    objects = saved_objects("pantau-articles")
    kibana.reply = (200, {"success": True, "successCount": len(objects), "errors": []})
    report = Kibana(kibana.url, Credentials("analyst", "rahasia")).import_objects(to_ndjson(objects))
    assert report.imported == len(objects) and report.errors == []
    [request] = kibana.requests
    assert (request["method"], request["path"]) == ("POST", "/api/saved_objects/_import?overwrite=true")
    assert request["headers"]["kbn-xsrf"]
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"analyst:rahasia").decode()
    name, content_type, text = uploaded(request)
    assert (name, content_type) == ("pantau.ndjson", "application/ndjson")
    assert [json.loads(line) for line in text.splitlines()] == objects


def test_api_key_space_and_no_overwrite(kibana: StandIn) -> None:
    Kibana(kibana.url, Credentials(api_key="a2V5"), space="tim-jatim").import_objects("{}\n", overwrite=False)
    [request] = kibana.requests
    assert request["path"] == "/s/tim-jatim/api/saved_objects/_import"
    assert request["headers"]["Authorization"] == "ApiKey a2V5"


def test_refused_objects_are_listed(kibana: StandIn) -> None:
    kibana.reply = (
        200,
        {
            "success": False,
            "successCount": 1,
            "errors": [
                {
                    "id": "pantau-overview",
                    "type": "dashboard",
                    "meta": {"title": "Pantau: neutrality coverage"},
                    "error": {"type": "missing_references", "references": [{"type": "map", "id": "pantau-map"}]},
                }
            ],
        },
    )
    report = Kibana(kibana.url).import_objects("{}\n")
    assert report.errors == [
        "dashboard pantau-overview (Pantau: neutrality coverage): missing_references: map pantau-map"
    ]


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "refused the credentials"), (403, "refused the credentials"), (500, "answered 500")],
)
def test_http_errors_are_one_clear_error(kibana: StandIn, status: int, message: str) -> None:
    kibana.reply = (status, {"message": "nope"})
    with pytest.raises(KibanaError, match=message):
        Kibana(kibana.url).import_objects("{}\n")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO), **(env or {})},
        timeout=60,
    )


def test_cli_imports_with_the_configured_alias_and_password_from_the_environment(kibana: StandIn) -> None:
    count = len(saved_objects())
    kibana.reply = (200, {"success": True, "successCount": count, "errors": []})
    result = run_cli(
        "kibana",
        "import",
        "--url",
        kibana.url,
        "--username",
        "elastic",
        "--wait",
        "10",
        env={"PANTAU_KIBANA_PASSWORD": "rahasia", "PANTAU_INDEX_ALIAS": "team-b-articles"},
    )
    assert result.returncode == 0, result.stderr
    assert f"Imported {count} of {count} saved object(s)" in result.stdout
    assert "rahasia" not in result.stdout + result.stderr
    status, posted = kibana.requests
    assert status["path"] == "/api/status"
    _, _, text = uploaded(posted)
    [view] = [o for o in map(json.loads, text.splitlines()) if o["type"] == "index-pattern"]
    assert view["attributes"]["title"] == "team-b-articles"


def test_cli_unreachable_kibana_is_one_line() -> None:
    result = run_cli("kibana", "import", "--url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("pantau kibana import: cannot reach Kibana at http://127.0.0.1:9")
