"""Accuracy on the labelled sets, and `pantau eval` itself.

The sets in tests/eval are all DEVELOPMENT sets: the lexicon, the region tagger and the
learned model were tuned or trained on them. The checks below are regression floors that
catch a change breaking what already worked; they are not a measure of accuracy on unseen
text. That is measured once per blind set, outside the suite, and recorded with its
first-run figures in tests/eval/README.md.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pantau.cli import main as pantau_main
from pantau.cli.evaluate import DEVELOPMENT_SETS
from pantau.evaluation import TARGETS, Labelled, evaluate, load_jsonl, load_seeds, main
from tests.conftest import REPO, SEEDS

EVAL_DIR = REPO / "tests" / "eval"
SETS = [EVAL_DIR / name for name in DEVELOPMENT_SETS]


@pytest.mark.parametrize("path", SETS, ids=[p.name for p in SETS])
def test_development_sets_stay_above_the_targets(path: Path) -> None:
    """A regression check on a set that was tuned on (see the module docstring)."""
    report = evaluate(path.name, load_jsonl(path))
    assert report.total >= 100
    for metric, target in TARGETS.items():
        assert report.metrics()[metric] >= target, report.render()


def test_seed_articles_are_relevant_and_placed_right() -> None:
    seeds = load_seeds(SEEDS)
    if not seeds:
        pytest.skip(f"the seed articles are not at {SEEDS} (set PANTAU_SEEDS_DIR)")
    report = evaluate("seeds", seeds)
    assert report.total == 5
    c = report.counts
    assert (c.tp, c.regency_right, c.province_right) == (5, 5, 5), report.render()


def _labelled(**fields: object) -> Labelled:
    base: dict[str, object] = {
        "id": "x1",
        "title": "Harga cabai naik",
        "body": "Pedagang di pasar mengeluh.",
        "relevant": True,
        "regency": "35.08",
        "province": "35",
        "category": "made-up",
    }
    base.update(fields)
    return Labelled(**base)  # type: ignore[arg-type]


def test_the_metrics_can_fail() -> None:
    wrong = [_labelled()]
    report = evaluate("wrong", wrong)
    assert (report.counts.fn, report.f1, report.regency_accuracy) == (1, 0.0, 0.0)
    out = io.StringIO()
    assert main(out, sets=[("wrong", wrong)]) == 1
    assert "below target: relevance_f1" in out.getvalue()


def test_figures_are_given_per_category_with_the_mistakes() -> None:
    items = [
        _labelled(
            id="a1",
            title="ASN Diminta Netral di Pilkada",
            body="Bupati meminta ASN netral di Pilkada.",
            category="appeal",
        ),
        _labelled(id="a2", category="appeal"),
        _labelled(id="n1", relevant=False, category="other"),
    ]
    text = evaluate("mixed", items).render()
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and len(line.split()) > 8}
    assert "appeal" in lines and "other" in lines
    assert " 2 " in lines["appeal"]  # two articles in the category
    assert "a2 [appeal] false negative" in text
    assert "mistakes (" in text


def test_a_province_or_national_story_given_a_regency_is_a_mistake() -> None:
    national = _labelled(
        id="nat", title="BKN Catat Pelanggaran", body="Pemkab Lumajang melapor ke BKN.", regency=None, province=None
    )
    report = evaluate("scope", [national])
    assert report.counts.regency_total == 1 and report.counts.regency_right == 0
    assert "regency 35.08 != None" in report.render()


def test_load_jsonl_names_the_file_and_line_of_a_bad_record(tmp_path: Path) -> None:
    good = {"id": "g1", "title": "t", "body": "b", "relevant": False}
    path = tmp_path / "set.jsonl"
    path.write_text("\ufeff" + json.dumps(good) + "\n\n" + json.dumps({**good, "relevant": "yes"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"set\.jsonl:3: .*'relevant' has the wrong type"):
        load_jsonl(path)
    path.write_text(json.dumps({k: v for k, v in good.items() if k != "body"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"set\.jsonl:1: .*missing 'body'"):
        load_jsonl(path)
    path.write_text("", "utf-8")
    with pytest.raises(ValueError, match="no labelled articles"):
        load_jsonl(path)


def test_only_the_required_keys_are_needed(tmp_path: Path) -> None:
    path = tmp_path / "minimal.jsonl"
    record = {"id": 7, "title": "t", "body": "b", "relevant": False, "regency": "35.08", "extra": [1]}
    path.write_text(json.dumps(record) + "\n", "utf-8")
    (item,) = load_jsonl(path)
    assert (item.id, item.regency, item.province, item.category) == ("7", "35.08", "35", "")


def test_pantau_eval_scores_a_given_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "blind.jsonl"
    records = [
        {
            "id": "b1",
            "title": "Pemkab Lumajang Minta ASN Netral di Pilkada",
            "body": "LUMAJANG - Bupati Lumajang meminta seluruh ASN menjaga netralitas selama Pilkada. "
            "Pegawai yang terbukti berpihak akan dilaporkan ke Bawaslu.",
            "relevant": True,
            "regency": "35.08",
            "province": "35",
            "category": "relevant-appeal",
        },
        {
            "id": "b2",
            "title": "Harga Cabai di Pasar Lumajang Naik",
            "body": "LUMAJANG - Harga cabai rawit di pasar tradisional Lumajang naik menjadi Rp60 ribu per kilogram.",
            "relevant": False,
            "regency": "35.08",
            "province": "35",
            "category": "general-regional-news",
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    assert pantau_main(["eval", "--dataset", str(path)]) == 0
    out = capsys.readouterr().out
    assert "== blind.jsonl: 2 articles" in out
    assert "relevant-appeal" in out and "general-regional-news" in out
    assert "Development sets" not in out


def test_pantau_eval_refuses_a_missing_or_broken_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pantau_main(["eval", "--dataset", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such labelled set" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", "utf-8")
    assert pantau_main(["eval", "--dataset", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.jsonl:1" in err and "Traceback" not in err
