"""``pantau eval``: relevance precision/recall/F1 and region accuracy on labelled articles.

The labelled sets are JSON lines, ``{"title", "body", "relevant", "regency", "province",
...}``; the seed articles are a folder of texts with a README table of their regions. The
caller says where they are (the command line knows the repository's layout; this module
reads only what it is given).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pantau.enrich.region import tag_regions
from pantau.enrich.relevance import Scorer, default_scorer

TARGETS = {"relevance_f1": 0.95, "regency_accuracy": 0.95, "province_accuracy": 0.98}


@dataclass(frozen=True)
class Labelled:
    id: str
    title: str
    body: str
    relevant: bool
    regency: str | None
    province: str | None
    category: str = ""
    home_region: str | None = None


@dataclass
class Report:
    name: str
    total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    regency_total: int = 0
    regency_right: int = 0
    province_total: int = 0
    province_right: int = 0
    mistakes: list[str] = field(default_factory=list)
    by_category: Counter[str] = field(default_factory=Counter)
    wrong_by_category: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def regency_accuracy(self) -> float:
        return self.regency_right / self.regency_total if self.regency_total else 1.0

    @property
    def province_accuracy(self) -> float:
        return self.province_right / self.province_total if self.province_total else 1.0

    def metrics(self) -> dict[str, float]:
        return {
            "relevance_f1": self.f1,
            "regency_accuracy": self.regency_accuracy,
            "province_accuracy": self.province_accuracy,
        }

    def render(self) -> str:
        lines = [
            f"== {self.name}: {self.total} articles",
            f"relevance  precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f} "
            f"(tp={self.tp} fp={self.fp} fn={self.fn} tn={self.tn})",
            f"regency    accuracy={self.regency_accuracy:.3f} ({self.regency_right}/{self.regency_total})",
            f"province   accuracy={self.province_accuracy:.3f} ({self.province_right}/{self.province_total})",
        ]
        wrong = {c: n for c, n in self.wrong_by_category.items() if n}
        if wrong:
            lines.append(
                "errors by category: " + ", ".join(f"{c}={n}/{self.by_category[c]}" for c, n in sorted(wrong.items()))
            )
        lines += [f"  {m}" for m in self.mistakes]
        return "\n".join(lines)


def load_jsonl(path: Path) -> list[Labelled]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d: dict[str, Any] = json.loads(line)
            items.append(
                Labelled(
                    id=str(d["id"]),
                    title=d["title"],
                    body=d["body"],
                    relevant=bool(d["relevant"]),
                    regency=d.get("regency"),
                    province=d.get("province"),
                    category=d.get("category", ""),
                    home_region=d.get("home_region"),
                )
            )
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path}:{number}: bad labelled article: {exc}") from exc
    return items


_SEED_ROW = re.compile(r"^\|\s*(\d{3}_[0-9a-f]+\.txt)\s*\|.*\|\s*(\d{2}\.\d{2})\s*\|[^|]*\|\s*$")


def load_seeds(folder: Path) -> list[Labelled]:
    """The seed articles with the regions from their README table (all are relevant)."""
    readme = folder / "README.md"
    if not readme.exists():
        return []
    items = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = _SEED_ROW.match(line)
        if not m:
            continue
        text = (folder / m.group(1)).read_text(encoding="utf-8").strip()
        title, _, body = text.partition("\n")
        code = m.group(2)
        items.append(
            Labelled(
                id=m.group(1)[:3],
                title=title.strip(),
                body=body.strip(),
                relevant=True,
                regency=code,
                province=code[:2],
                category="seed",
            )
        )
    return items


def evaluate(name: str, items: Iterable[Labelled], scorer: Scorer | None = None) -> Report:
    scorer = scorer or default_scorer()
    report = Report(name)
    for item in items:
        report.total += 1
        report.by_category[item.category] += 1
        relevance = scorer.score(item.title, item.body)
        regions = tag_regions(item.title, item.body, item.home_region)
        primary = regions.primary
        got_regency = primary.code if primary and primary.type != "provinsi" else None
        got_province = primary.province_code if primary else None
        wrong = []
        if relevance.relevant and item.relevant:
            report.tp += 1
        elif relevance.relevant:
            report.fp += 1
            wrong.append(f"false positive (score {relevance.score:.2f})")
        elif item.relevant:
            report.fn += 1
            wrong.append(f"false negative (score {relevance.score:.2f})")
        else:
            report.tn += 1
        if item.regency:
            report.regency_total += 1
            if got_regency == item.regency:
                report.regency_right += 1
            else:
                wrong.append(f"regency {got_regency} != {item.regency}")
        if item.province:
            report.province_total += 1
            if got_province == item.province:
                report.province_right += 1
            else:
                wrong.append(f"province {got_province} != {item.province}")
        if wrong:
            report.wrong_by_category[item.category] += 1
            report.mistakes.append(f"{item.id} [{item.category}] {'; '.join(wrong)}: {item.title[:70]}")
    return report


def labelled_sets(paths: Iterable[Path], seeds_dir: Path | None = None) -> list[tuple[str, list[Labelled]]]:
    """The sets at ``paths`` that exist, then the seed articles if ``seeds_dir`` holds them."""
    sets = [(path.name, load_jsonl(path)) for path in paths if path.exists()]
    seeds = load_seeds(seeds_dir) if seeds_dir else []
    if seeds:
        sets.append(("seeds", seeds))
    return sets


def main(out: TextIO, sets: Sequence[tuple[str, list[Labelled]]]) -> int:
    """Report every set; returns 1 if any misses a target."""
    missed = False
    for name, items in sets:
        report = evaluate(name, items)
        out.write(report.render() + "\n")
        for metric, target in TARGETS.items():
            if report.metrics()[metric] < target:
                out.write(f"  below target: {metric} {report.metrics()[metric]:.3f} < {target}\n")
                missed = True
    return 1 if missed else 0
