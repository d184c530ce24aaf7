"""Synthetic data generator with ground truth.

Writes a set of files shaped like the county's real exports — licences (two 双公示 generations),
12345 hotline work orders, inspection records, penalties (with 不予行政处罚 decisions) and
credit-risk classes — for a few thousand synthetic
businesses in 沂源县's 12 townships, with planted structure (hotspots, risky businesses, a licence
boom) and deliberate defects, and a ``truth/`` directory that records what was planted.

>>> import tempfile
>>> paths = generate_samples(tempfile.mkdtemp(), seed=20210510, n_businesses=60)  # a small set
>>> sorted(paths)
['complaints', 'credit_classes', 'inspections', 'penalties', 'permits', 'truth']

Same seed and arguments → byte-identical CSV files and identical xlsx cell values.
Command line: ``python -m guidance_analytics.samples OUT_DIR [--seed N] [--n-businesses N]``.
No real people: legal representatives are ``王某某``, callers ``李女士``/``市民``, and every phone
number is an obviously fake 11-digit number starting with ``100``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import VIOLATION_NAMES
from .duties import credit_classes_table, routine_at_cap, waiver_decisions, write_credit_classes
from .enforce import finish_penalties, make_inspections
from .events import CAMPAIGNS, Hotspot, World, make_complaints, make_permits, simulate_violations
from .files import write_complaints, write_inspections, write_penalties, write_permits
from .guidance import guidance_multipliers, guidance_rng, plan_guidance, prevent_guided, write_guidance
from .records import complaints_table, inspections_table, penalties_table, permits_table
from .truth import write_truth
from .world import make_businesses
from .write import EXTRA_HEADERS, Defects

__all__ = ["EXTRA_HEADERS", "SampleSpec", "default_hotspots", "generate_samples", "main"]

#: Planted hotspot cells: (id, by, township, division, violation_type, year offset, first month,
#: number of months, factor). Year offset counts from the start year.
HOTSPOT_PLAN = (
    ("H1", "township+industry_division", "鲁村镇", "62", "", 2, 4, 2, 4.0),
    ("H2", "township", "东里镇", "", "", 1, 3, 3, 3.0),
    ("H3", "violation_type", "", "", "从业人员无健康证", 1, 9, 2, 3.0),
    ("H4", "industry_division", "", "52", "", 1, 11, 2, 4.0),
    ("H5", "township", "悦庄镇", "", "", 0, 10, 1, 4.0),
    ("H6", "violation_type", "", "", "消防通道堵塞", 2, 12, 2, 3.5),
    ("H7", "industry_division", "", "62", "", 2, 10, 2, 3.0),
    ("H8", "township", "南鲁山镇", "", "", 3, 4, 3, 3.0),
)
#: Recurrent seasonal hotspot: food service (division 62) every July–August.
RECURRENT = ("R1", "industry_division", "", "62", "", (7, 8), 2.0)
#: Licence boom (exposure only): 民宿服务 6130 businesses (``share`` of all) opening between these
#: fractions of the period (2023-04 … 2024-06 for the default 2021–2024 period).
BOOM = {"industry_code": "6130", "division": "61", "start": 27 / 48, "end": 41 / 48, "share": 0.06}


@dataclass(frozen=True)
class SampleSpec:
    """Parameters of a generated set. ``scale`` multiplies the number of businesses (and so every
    event count); it is meant for benchmarks, the committed set uses 1.0."""

    seed: int = 20210510
    n_businesses: int = 2500
    start: str = "2021-01-01"
    end: str = "2024-12-31"
    scale: float = 1.0
    unmatchable_share: float = 0.15

    @property
    def businesses(self) -> int:
        return max(50, int(round(self.n_businesses * self.scale)))


def _month_index(months: pd.DatetimeIndex, year: int, month: int) -> int | None:
    hit = np.flatnonzero((months.year == year) & (months.month == month))
    return int(hit[0]) if len(hit) else None


def default_hotspots(months: pd.DatetimeIndex) -> list[Hotspot]:
    """The planted hotspot cells for a period (cells falling outside it are dropped)."""
    y0 = int(months[0].year)
    out = []
    for hid, by, town, div, vtype, yoff, m0, n, factor in HOTSPOT_PLAN:
        first = _month_index(months, y0 + yoff, m0)
        if first is None or first + n > len(months):
            continue
        out.append(Hotspot(hid, by, factor, list(range(first, first + n)), town, div, vtype))
    hid, by, town, div, vtype, cal, factor = RECURRENT
    idx = [i for i, m in enumerate(months) if m.month in cal]
    out.append(Hotspot(hid, by, factor, idx, town, div, vtype, recurrent=True))
    for h in out:
        if h.violation_type:
            assert h.violation_type in VIOLATION_NAMES
    return out


def generate_samples(
    out_dir: str | Path,
    seed: int = 20210510,
    n_businesses: int = 2500,
    start: str = "2021-01-01",
    end: str = "2024-12-31",
    scale: float = 1.0,
    spec: SampleSpec | None = None,
) -> dict[str, list[Path] | Path]:
    """Generate the sample files and their ground truth into ``out_dir``.

    Returns ``{"permits": [...], "complaints": [...], "inspections": [...], "penalties": [...],
    "credit_classes": [...], "truth": Path(out_dir / "truth")}``; the reviewed lists of the planted
    guidance go to ``out_dir / "guidance"`` (not an export: see :mod:`.guidance`). The period must span at least two calendar years (the
    first year goes to the legacy licence export, the last year to the newer complaint export).
    """
    spec = spec or SampleSpec(seed, n_businesses, start, end, scale)
    t0, t1 = pd.Timestamp(spec.start), pd.Timestamp(spec.end)
    if t1.year <= t0.year:
        raise ValueError("the sample period must span at least two calendar years")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(spec.seed)
    r_world, r_events, r_text, r_files = (np.random.default_rng(s) for s in root.spawn(4))

    months = pd.date_range(t0.replace(day=1), t1, freq="MS")
    n_months = len(months)
    b0 = min(int(round(BOOM["start"] * n_months)), n_months - 1)
    b1 = max(b0, min(int(round(BOOM["end"] * n_months)), n_months - 1))
    boom = {
        "industry_code": BOOM["industry_code"],
        "start": months[b0],
        "end": min(months[b1] + pd.offsets.MonthEnd(0), t1),
        "n": int(round(spec.businesses * BOOM["share"])),
    }
    biz = make_businesses(r_world, spec.businesses, t0, t1, boom)
    w = World(start=t0, end=t1, months=months, biz=biz)
    hotspots = default_hotspots(months)
    make_permits(r_events, w)
    simulate_violations(r_events, w, hotspots)
    make_complaints(r_events, w, spec.unmatchable_share)
    make_inspections(r_events, w)
    finish_penalties(r_events, w)
    # planted guidance (约谈 / 提示提醒) with a known effect, by thinning: a stream of its own
    r_guide = guidance_rng(spec.seed)
    guided = plan_guidance(r_guide, biz, months, hotspots)
    prevent_guided(r_guide, w, guided)

    permits = permits_table(w)
    comp = complaints_table(r_text, w)
    insp = inspections_table(r_text, w)
    pen = penalties_table(r_text, w)
    # the 2024–2025 rules (issue 12): a stream of its own, so the other files' draws are unchanged
    r_duties = np.random.default_rng(root.spawn(1)[0])
    waivers = waiver_decisions(r_duties, w, insp)
    classes = credit_classes_table(r_duties, w)
    pen_all = pd.concat([pen, waivers.drop(columns=["waiver"])], ignore_index=True) if len(waivers) else pen

    defects = Defects(r_files)
    d0, d1 = t0.date(), t1.date()
    paths: dict[str, list[Path] | Path] = {
        "permits": write_permits(out, r_files, permits, t0.year, d1, defects, spec.scale),
    }
    paths["complaints"], labels = write_complaints(out, r_files, comp, d0, d1, defects, spec.scale)
    paths["inspections"] = write_inspections(out, r_files, insp, d0, d1, defects, spec.scale)
    paths["penalties"] = write_penalties(out, r_files, pen_all, d0, d1, defects, spec.scale)
    paths["credit_classes"] = write_credit_classes(out, classes)
    paths["truth"] = write_truth(
        out / "truth", w, hotspots, boom, comp, labels, insp, pen_all, permits, defects, spec, CAMPAIGNS
    )
    truth = out / "truth"
    waivers.reindex(columns=["decision_no", "truth_id", "decided_on", "waiver", "violation_type"]).to_csv(
        truth / "waivers.csv", index=False, lineterminator="\n"
    )
    classes.reindex(columns=["truth_id", "统一社会信用代码", "分类日期", "risk_class"]).rename(
        columns={"统一社会信用代码": "uscc", "分类日期": "classified_on"}
    ).to_csv(truth / "credit_classes.csv", index=False, lineterminator="\n")
    routine_at_cap(insp).to_csv(truth / "routine_at_cap.csv", index=False, lineterminator="\n")
    write_guidance(out, truth, guided, w.biz, w.lam, guidance_multipliers(guided, len(biz), n_months))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guidance_analytics.samples",
        description="生成合成样例数据（含真值）/ generate the synthetic sample set",
    )
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=SampleSpec.seed)
    parser.add_argument("--n-businesses", type=int, default=SampleSpec.n_businesses)
    parser.add_argument("--start", default=SampleSpec.start)
    parser.add_argument("--end", default=SampleSpec.end)
    parser.add_argument("--scale", type=float, default=SampleSpec.scale)
    args = parser.parse_args(argv)
    paths = generate_samples(
        args.out_dir,
        seed=args.seed,
        n_businesses=args.n_businesses,
        start=args.start,
        end=args.end,
        scale=args.scale,
    )
    for kind, p in paths.items():
        for path in p if isinstance(p, list) else [p]:
            print(f"{kind}\t{path}")
    return 0
