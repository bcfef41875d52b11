"""Accuracy targets on the labelled sets (see tests/eval/README.md and `pantau eval`)."""

from __future__ import annotations

import io

import pytest

from pantau.evaluation import TARGETS, Labelled, evaluate, load_jsonl, load_seeds, main
from tests.conftest import REPO, SEEDS

EVAL_DIR = REPO / "tests" / "eval"
SETS = [p for p in (EVAL_DIR / "articles.jsonl", EVAL_DIR / "holdout.jsonl") if p.exists()]


@pytest.mark.parametrize("path", SETS, ids=[p.name for p in SETS])
def test_targets_are_met(path: object) -> None:
    report = evaluate(str(path), load_jsonl(path))  # type: ignore[arg-type]
    assert report.total >= 100
    for metric, target in TARGETS.items():
        assert report.metrics()[metric] >= target, report.render()


def test_seed_articles_are_relevant_and_placed_right() -> None:
    seeds = load_seeds(SEEDS)
    if not seeds:
        pytest.skip("../shared/seeds is not beside the repository")
    report = evaluate("seeds", seeds)
    assert report.total == 5
    assert (report.tp, report.regency_right, report.province_right) == (5, 5, 5), report.render()


def test_the_metrics_can_fail() -> None:
    wrong = [Labelled("x1", "Harga cabai naik", "Pedagang di pasar mengeluh.", True, "35.08", "35", "made-up")]
    report = evaluate("wrong", wrong)
    assert (report.fn, report.f1, report.regency_accuracy) == (1, 0.0, 0.0)
    out = io.StringIO()
    assert main(out, sets=[("wrong", wrong)]) == 1
    assert "below target: relevance_f1" in out.getvalue()
