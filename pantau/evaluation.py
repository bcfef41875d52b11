"""``pantau eval``: relevance precision/recall/F1 and region accuracy on labelled articles.

A labelled set is JSON lines in the record format of ``tests/eval/README.md``:
``{"id", "title", "body", "relevant", "regency", "province", "category", ...}`` (``regency``,
``province`` and ``category`` may be absent or null; other keys are ignored). The seed
articles are a folder of texts with a README table of their regions. The caller says
where they are (the command line knows the repository's layout; this module reads only
what it is given).

Every figure is reported for the whole set and per ``category``: relevance precision,
recall and F1 (with the confusion counts), regency and province accuracy, and each
article that was got wrong, with why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pantau.enrich.region import tag_regions
from pantau.enrich.relevance import Scorer, default_scorer
from pantau.schema import RegionTags

#: What the project aims for on unseen text; on development sets these are regression floors.
TARGETS = {
    "relevance_precision": 0.95,
    "relevance_f1": 0.95,
    "regency_accuracy": 0.97,
    "province_accuracy": 0.98,
}


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
class Counts:
    """Confusion counts for relevance and right/total for the two region levels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    regency_total: int = 0
    regency_right: int = 0
    province_total: int = 0
    province_right: int = 0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted relevant (precision is undefined)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when nothing is labelled relevant (recall is undefined)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """None when there are neither relevant labels nor relevant predictions."""
        if not self.tp + self.fp + self.fn:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    @property
    def regency_accuracy(self) -> float | None:
        return self.regency_right / self.regency_total if self.regency_total else None

    @property
    def province_accuracy(self) -> float | None:
        return self.province_right / self.province_total if self.province_total else None

    def add(self, other: Counts) -> None:
        for name in ("tp", "fp", "fn", "tn", "regency_total", "regency_right", "province_total", "province_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


@dataclass
class Report:
    name: str
    counts: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)

    # The overall figures, as the targets name them (undefined figures count as perfect:
    # a set without relevant articles cannot miss a recall target).
    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def precision(self) -> float:
        p = self.counts.precision
        return 1.0 if p is None else p

    @property
    def recall(self) -> float:
        r = self.counts.recall
        return 1.0 if r is None else r

    @property
    def f1(self) -> float:
        f = self.counts.f1
        return 1.0 if f is None else f

    @property
    def regency_accuracy(self) -> float:
        a = self.counts.regency_accuracy
        return 1.0 if a is None else a

    @property
    def province_accuracy(self) -> float:
        a = self.counts.province_accuracy
        return 1.0 if a is None else a

    def metrics(self) -> dict[str, float]:
        return {
            "relevance_precision": self.precision,
            "relevance_f1": self.f1,
            "regency_accuracy": self.regency_accuracy,
            "province_accuracy": self.province_accuracy,
        }

    def add(self, other: Report) -> None:
        """Pool another report into this one (cross-validation folds)."""
        self.counts.add(other.counts)
        for category, counts in other.by_category.items():
            self.by_category.setdefault(category, Counts()).add(counts)
        self.mistakes.extend(other.mistakes)

    def render(self, categories: bool = True) -> str:
        c = self.counts
        lines = [
            f"== {self.name}: {c.total} articles",
            f"relevance  precision={_fmt(c.precision)} recall={_fmt(c.recall)} f1={_fmt(c.f1)} "
            f"(tp={c.tp} fp={c.fp} fn={c.fn} tn={c.tn})",
            f"regency    accuracy={_fmt(c.regency_accuracy)} ({c.regency_right}/{c.regency_total})",
            f"province   accuracy={_fmt(c.province_accuracy)} ({c.province_right}/{c.province_total})",
        ]
        if categories and self.by_category:
            width = max(8, *(len(k) for k in self.by_category))
            lines.append(f"  {'category':{width}}    n  precision recall   f1     tp  fp  fn  tn   regency   province")
            for category in sorted(self.by_category):
                k = self.by_category[category]
                lines.append(
                    f"  {category or '(none)':{width}} {k.total:4}  {_fmt(k.precision):9} {_fmt(k.recall):6} "
                    f"{_fmt(k.f1):6} {k.tp:3} {k.fp:3} {k.fn:3} {k.tn:3}  "
                    f"{k.regency_right:3}/{k.regency_total:<4} {k.province_right:3}/{k.province_total:<4}"
                )
        if self.mistakes:
            lines.append(f"mistakes ({len(self.mistakes)}):")
            lines += [f"  {m}" for m in self.mistakes]
        return "\n".join(lines)


def _load_record(d: Any) -> Labelled:
    if not isinstance(d, dict):
        raise ValueError("expected a JSON object")
    for key, kind in (("id", (str, int)), ("title", str), ("body", str), ("relevant", bool)):
        if key not in d:
            raise ValueError(f"missing {key!r}")
        if not isinstance(d[key], kind):
            raise ValueError(f"{key!r} has the wrong type ({type(d[key]).__name__})")
    codes = {}
    for key in ("regency", "province", "home_region"):
        value = d.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key!r} must be a code string or null")
        codes[key] = value or None
    category = d.get("category") or ""
    if not isinstance(category, str):
        raise ValueError("'category' must be a string")
    return Labelled(
        id=str(d["id"]),
        title=d["title"],
        body=d["body"],
        relevant=d["relevant"],
        regency=codes["regency"],
        province=codes["province"] or (codes["regency"] or "")[:2] or None,
        category=category,
        home_region=codes["home_region"],
    )


def load_jsonl(path: Path) -> list[Labelled]:
    """The articles of a labelled set; ValueError names the file and line of a bad record."""
    items = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_load_record(json.loads(line)))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: bad labelled article: {exc}") from exc
    if not items:
        raise ValueError(f"{path}: no labelled articles")
    return items


_SEED_ROW = re.compile(r"^\|\s*(\d{3}_[0-9a-f]+\.txt)\s*\|.*\|\s*(\d{2}\.\d{2})\s*\|[^|]*\|\s*$")


def load_seeds(folder: Path) -> list[Labelled]:
    """The seed articles with the regions from their README table (all are relevant)."""
    readme = folder / "README.md"
    if not readme.exists():
        return []
    row = _SEED_ROW
    items = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = row.match(line)
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


def _place(tags: RegionTags) -> tuple[str | None, str | None, str]:
    """The regency and province codes the tagger chose, and its strongest evidence for them."""
    primary = tags.primary
    if primary is None:
        return None, None, f"scope {tags.scope}"
    spans = [e for e in tags.evidence if e.region_code == primary.code]
    why = f"{primary.name}" + (f", {spans[0].rule} {spans[0].text!r}" if spans else "")
    regency = primary.code if primary.type != "provinsi" else None
    return regency, primary.province_code, why


def evaluate(name: str, items: Iterable[Labelled], scorer: Scorer | None = None) -> Report:
    """Score and tag every article and compare with its labels."""
    scorer = scorer or default_scorer()
    report = Report(name)
    for item in items:
        k = Counts()
        relevance = scorer.score(item.title, item.body)
        got_regency, got_province, why = _place(tag_regions(item.title, item.body, item.home_region))
        wrong = []
        if relevance.relevant and item.relevant:
            k.tp = 1
        elif relevance.relevant:
            k.fp = 1
            wrong.append(f"false positive (score {relevance.score:.2f})")
        elif item.relevant:
            k.fn = 1
            wrong.append(f"false negative (score {relevance.score:.2f})")
        else:
            k.tn = 1
        # Every article counts at both levels: a province- or national-scope story must get
        # no regency, and a national one no province.
        k.regency_total = k.province_total = 1
        k.regency_right = int(got_regency == item.regency)
        k.province_right = int(got_province == item.province)
        if not k.regency_right:
            wrong.append(f"regency {got_regency} != {item.regency} ({why})")
        elif not k.province_right:
            wrong.append(f"province {got_province} != {item.province} ({why})")
        report.counts.add(k)
        report.by_category.setdefault(item.category, Counts()).add(k)
        if wrong:
            report.mistakes.append(f"{item.id} [{item.category}] {'; '.join(wrong)}: {item.title[:70]}")
    return report


def labelled_sets(paths: Iterable[Path], seeds_dir: Path | None = None) -> list[tuple[str, list[Labelled]]]:
    """The sets at ``paths``, then the seed articles if ``seeds_dir`` holds them."""
    sets = [(path.name, load_jsonl(path)) for path in paths]
    seeds = load_seeds(seeds_dir) if seeds_dir else []
    if seeds:
        sets.append(("seeds", seeds))
    return sets


def main(
    out: TextIO,
    sets: Sequence[tuple[str, list[Labelled]]],
    scorer: Scorer | None = None,
    heading: str | None = None,
    categories: bool = True,
) -> int:
    """Report every set, then one summary line per set; returns 1 if any set misses a target."""
    scorer = scorer or default_scorer()
    missed = False
    summary = []
    if heading:
        out.write(heading + "\n\n")
    for name, items in sets:
        report = evaluate(name, items, scorer)
        out.write(report.render(categories=categories) + "\n")
        below = [
            f"{metric} {value:.3f} < {TARGETS[metric]}"
            for metric, value in report.metrics().items()
            if value < TARGETS[metric]
        ]
        for line in below:
            out.write(f"  below target: {line}\n")
        out.write("\n")
        missed = missed or bool(below)
        c = report.counts
        summary.append(
            f"  {name:24} {c.total:5}  P={_fmt(c.precision)} R={_fmt(c.recall)} F1={_fmt(c.f1)}  "
            f"regency={_fmt(c.regency_accuracy)} ({c.regency_right}/{c.regency_total})  "
            f"province={_fmt(c.province_accuracy)} ({c.province_right}/{c.province_total})"
        )
    out.write(f"scorer {scorer.name}; targets: " + ", ".join(f"{k} >= {v}" for k, v in TARGETS.items()) + "\n")
    out.write("\n".join(summary) + "\n")
    return 1 if missed else 0
