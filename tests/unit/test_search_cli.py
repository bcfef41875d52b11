"""`pantau search` and `pantau story` as a person uses them: output that reads, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pantau.cli import main
from pantau.store import Store
from tests import search_corpus

CORPUS = search_corpus.generate()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    Store(folder / "pantau.sqlite3").upsert_many(CORPUS)
    return folder


@pytest.fixture
def embedded(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PANTAU_KAFKA_BOOTSTRAP", "PANTAU_ELASTICSEARCH_URL", "PANTAU_DISPLAY_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(data_dir))
    return data_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_table_fits_80_columns_and_says_why(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "kepala desa", "--region", "Jatim", "--relevant", "--limit", "5")
    assert code == 0
    lines = out.splitlines()
    assert lines and all(len(line) <= 80 for line in lines)
    assert "newest first" in lines[0] and "WIB (Asia/Jakarta)" in out
    assert "kepala desa" in out and "✓" in out  # the terms that fired, and relevant
    assert "story " in out


def test_story_carried_by_several_outlets_says_how_many(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = next(a for a in CORPUS if a.enrichment and a.enrichment.dedup.duplicate_of)
    assert original.enrichment is not None
    first = original.enrichment.dedup.duplicate_of
    outlets = {a.site for a in CORPUS if a.enrichment and a.enrichment.dedup.cluster_id == first}
    code, out, _ = run(capsys, "search", "--format", "json", "--limit", "1000")
    assert code == 0
    records = {r["article_id"]: r for r in map(json.loads, out.splitlines())}
    assert records[first]["outlets"] == len(outlets) > 1
    assert original.id not in records  # the copy is hidden by default
    code, out, _ = run(capsys, "story", original.id[:12])
    assert code == 0
    assert f"from {len(outlets)} outlets" in out and "first published by" in out


def test_json_and_csv_carry_the_same_rows_without_bodies(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out_json, _ = run(capsys, "search", "--region", "Jember", "--format", "json", "--limit", "50")
    _, out_csv, _ = run(capsys, "search", "--region", "Jember", "--format", "csv", "--limit", "50")
    records = [json.loads(line) for line in out_json.splitlines()]
    rows = list(csv.DictReader(io.StringIO(out_csv)))
    assert records and [r["article_id"] for r in records] == [r["article_id"] for r in rows]
    assert {r["region"]["code"] for r in records} == {"35.09"} == {r["region_code"] for r in rows}
    assert all("body" not in r for r in records)
    assert all(r["published_local"].endswith("+07:00") for r in records)


def test_time_zone_is_configurable(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "--format", "json", "--limit", "1", "--tz", "Asia/Jayapura")
    assert json.loads(out)["published_local"].endswith("+09:00")


def test_facets_count_over_all_matches(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "--facets", "--format", "json", "--limit", "1")
    *_, last = out.splitlines()
    facets = json.loads(last)
    assert set(facets["facets"]) == {"province", "regency", "site", "actor", "stage"}
    assert sum(b["count"] for b in facets["facets"]["site"]) == facets["total"]
    _, table, _ = run(capsys, "search", "--facets", "--limit", "1")
    assert "By province:" in table and "Jawa Timur (35)" in table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "--region", "nonexistent"], "no region is called 'nonexistent'"),
        (["search", "--region", "Jembr"], "did you mean Kabupaten Jember"),
        (["search", "--site", "nosuch"], "--site nosuch: no such site"),
        (["search", "--since", "2024-10-01", "--until", "2024-09-01"], "is not before --until"),
        (["search", "--label", "actor=kepala_dsa"], "did you mean kepala_desa"),
        (["search", '"kepala desa'], "unclosed quote"),
        (["search", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["search", "x", "--facets", "--format", "csv"], "--facets needs --format table or json"),
        (["story", "zz"], "not an article or story id"),
        (["story", "ffffffffffff"], "no article or story has an id starting ffffffffffff"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    embedded: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    [line] = [x for x in err.splitlines() if x.startswith("pantau ")]
    assert message in line
    assert "Traceback" not in err


@pytest.mark.parametrize("limit", ["-5", "0", "1001", "many"])
def test_a_bad_limit_is_refused(embedded: Path, capsys: pytest.CaptureFixture[str], limit: str) -> None:
    code, _, err = run(capsys, "search", "--limit", limit)
    assert code == 2 and "argument --limit" in err


def test_exclusions_typed_without_quotes(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, with_excl, _ = run(capsys, "search", "lurah", "-kampanye", "--format", "csv", "--limit", "1000")
    _, plain, _ = run(capsys, "search", "lurah", "--format", "csv", "--limit", "1000")
    kept = list(csv.DictReader(io.StringIO(with_excl)))
    assert 0 < len(kept) < len(list(csv.DictReader(io.StringIO(plain))))
    code, _, err = run(capsys, "search", "lurah", "--regon", "Jember")
    assert code == 2 and "unrecognized arguments: --regon" in err


def test_no_store_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PANTAU_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("PANTAU_ELASTICSEARCH_URL", raising=False)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "empty"))
    code, _, err = run(capsys, "search", "netralitas")
    assert code == 2 and "no articles stored yet" in err and "make demo" in err
    assert not (tmp_path / "empty").exists()  # searching creates nothing


def test_elasticsearch_down_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP", "127.0.0.1:9")
    monkeypatch.setenv("PANTAU_ELASTICSEARCH_URL", "http://127.0.0.1:9")
    for argv in (["search", "netralitas"], ["story", "abcdef12"]):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert "Traceback" not in err
        [line] = [x for x in err.splitlines() if x.startswith("pantau ")]
        assert line.startswith(f"pantau {argv[0]}: Elasticsearch at http://127.0.0.1:9 is unreachable")
