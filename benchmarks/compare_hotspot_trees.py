"""Compare the hotspot tables of two source trees (e.g. main and a speed branch) on one workspace.

For every option set of ``OPTION_SETS`` (measures, dimensions, frequencies, window tests, effort,
the decision rules) ``ws.hotspots`` is computed twice, in two child processes: one importing the
package from ``--base`` (default ``/work/main``), one from this script's tree. The tables must have
the same rows, columns and order; every non-float column (fields, periods, flags, tests, methods,
reasons) must be identical and every float column must have the same NaN cells and agree within
``--rtol`` (relative, default 1e-9; an absolute ``--atol`` of 1e-300 only spares denormals).
Cells beyond the tolerance are listed with their row, so each can be explained.

Usage::

    python benchmarks/compare_hotspot_trees.py                       # imports data_samples/
    python benchmarks/compare_hotspot_trees.py --workspace DIR       # an already loaded workspace
    python benchmarks/compare_hotspot_trees.py --base /work/main --only 0,3,5

Exit status 0 when every option set agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: (name, positional arguments of ws.hotspots, keyword arguments)
OPTION_SETS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("viol-industry-M", ("violations", "industry"), {}),
    ("viol-industry-M-nowin", ("violations", "industry"), {"windows": ()}),
    ("viol-industry-M-noeffort", ("violations", "industry"), {"effort": False}),
    ("viol-industry-M-nowin-noeffort", ("violations", "industry"), {"windows": (), "effort": False}),
    ("viol-industry-W", ("violations", "industry", "W"), {}),
    ("viol-industry-W-nowin-noeffort", ("violations", "industry", "W"), {"windows": (), "effort": False}),
    ("viol-industry-Q", ("violations", "industry", "Q"), {}),
    ("viol-industry-M-start2023", ("violations", "industry"), {"start": "2023-01-01"}),
    ("viol-industry-M-fdr", ("violations", "industry"), {"fdr": 0.05}),
    ("viol-industry-M-alpha", ("violations", "industry"), {"alpha": 0.01}),
    ("viol-industry-M-simes-glr", ("violations", "industry"), {"combine": "simes", "glr_share": 0.1}),
    ("viol-industry-M-farrington", ("violations", "industry"), {"baseline": "farrington"}),
    ("viol-industry-M-nbPredictive", ("violations", "industry"), {"threshold_method": "nbPredictive"}),
    ("viol-industry-M-noexposure", ("violations", "industry"), {"exposure": None}),
    ("viol-class-M", ("violations", "industry_class"), {}),
    ("viol-township-M", ("violations", "township"), {}),
    ("viol-township-M-nowin", ("violations", "township"), {"windows": ()}),
    ("viol-township-M-noeffort", ("violations", "township"), {"effort": False}),
    ("viol-township-W", ("violations", "township", "W"), {}),
    ("viol-item-M", ("violations", "permit_item"), {}),
    ("viol-item-M-nowin-noeffort", ("violations", "permit_item"), {"windows": (), "effort": False}),
    ("viol-item-W", ("violations", "permit_item", "W"), {}),
    ("viol-type-M", ("violations", "violation_type"), {}),
    ("viol-type-M-nowin", ("violations", "violation_type"), {"windows": ()}),
    ("viol-type-W", ("violations", "violation_type", "W"), {}),
    ("viol-industry×township-M", ("violations", "industry×township"), {}),
    ("compl-industry-M", ("complaints", "industry"), {}),
    ("compl-industry-M-nowin", ("complaints", "industry"), {"windows": ()}),
    ("compl-industry-W", ("complaints", "industry", "W"), {}),
    ("compl-township-M", ("complaints", "township"), {}),
    ("compl-township-W-nowin", ("complaints", "township", "W"), {"windows": ()}),
    ("compl-item-M", ("complaints", "permit_item"), {}),
    ("compl-category-M", ("complaints", "complaint_category"), {}),
    ("subst-industry-M", ("substantiated_complaints", "industry"), {}),
    ("rate-industry-M", ("inspection_failure_rate", "industry"), {}),
    ("rate-township-M", ("inspection_failure_rate", "township"), {}),
]


def _child(ws_dir: str, out: str, only: list[int]) -> None:
    """Compute the tables of the chosen option sets with the imported tree; pickle them."""
    import warnings

    import guidance_analytics as ga

    warnings.simplefilter("ignore")
    ws = ga.Workspace(ws_dir)
    tables, cpu = {}, {}
    for i in only:
        name, args, kwargs = OPTION_SETS[i]
        t0 = time.process_time()
        tables[name] = ws.hotspots(*args, **kwargs)
        cpu[name] = time.process_time() - t0
    with open(out, "wb") as fh:
        pickle.dump({"file": ga.__file__, "tables": tables, "cpu": cpu}, fh)


def _explain(ws_dir: str, only: list[int], rtol: float) -> None:
    """Why cells differ: each stacked fit (this tree) against the per-group fit (main's code path,
    ``harmonic_group``) of the same series, and main's path on the series alone and tripled.

    The alone / tripled fits are mathematically the same as the group's; where the per-group value
    itself moves by more than ``rtol`` between them, the cell is ill-conditioned (BLAS rounds a
    column differently with the number of columns in a product, and a fit without a finite
    maximum-likelihood estimate amplifies that), and the stacked value is one more such rounding.
    """
    import warnings

    import numpy as np

    import guidance_analytics as ga
    import guidance_analytics.hotspots.detect.aberration as ab
    from guidance_analytics.hotspots.detect.model import harmonic_group

    warnings.simplefilter("ignore")
    batch = ab.harmonic_batch
    seen = {"cells": 0, "within": 0}

    def checked(items, Y, logE, o, M=None, **kw):
        outs = batch(items, Y, logE, o, M, **kw)
        for (k, sel, n_hist), got in zip(items, outs, strict=True):
            ref = harmonic_group(k, sel, n_hist, Y, logE, o, M)
            if ref is None:
                continue
            for name in ("expected", "se", "phi_raw"):
                x, y = ref[name], got[name]
                with np.errstate(all="ignore"):
                    rel = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
                for j in np.flatnonzero(rel > rtol):
                    alone = harmonic_group(k, sel[[j]], n_hist, Y, logE, o, M)[name][0]
                    tripled = harmonic_group(k, sel[[j, j, j]], n_hist, Y, logE, o, M)[name][0]
                    own = max(abs(x[j] - alone), abs(x[j] - tripled), abs(alone - tripled)) / abs(x[j])
                    seen["cells"] += 1
                    seen["within"] += bool(rel[j] <= 3 * own)
                    events = np.nansum(Y[k - np.arange(o["excl"] + 1, n_hist + 1), sel[j]])
                    print(
                        f"   period {k} series {sel[j]} {name}: stacked vs per-group {rel[j]:.2g}, per-group "
                        f"path alone/tripled vs in its group {own:.2g} ({events:.0f} events in "
                        f"{n_hist - o['excl']} baseline periods)"
                    )
        return outs

    ab.harmonic_batch = checked
    ws = ga.Workspace(ws_dir)
    for i in only:
        name, args, kwargs = OPTION_SETS[i]
        print(f"{i:>2} {name}")
        ws.hotspots(*args, **kwargs)
    print(
        f"{seen['cells']} fitted cells differ by more than {rtol:g}; in {seen['within']} the per-group path "
        "itself moves at least a third as much when the same series is fitted alone or tripled"
    )


def _run(tree: Path, ws_dir: Path, out: Path, only: list[int]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--child", str(ws_dir), str(out), "--only", ",".join(map(str, only))]
    subprocess.run(cmd, env=env, check=True, cwd=tree)
    with open(out, "rb") as fh:
        return pickle.load(fh)


def compare(a, b, rtol: float, atol: float) -> list[str]:
    """Differences between two hotspot tables (empty list = identical within the tolerance)."""
    import numpy as np
    import pandas as pd

    if list(a.columns) != list(b.columns):
        return [f"columns differ: {list(a.columns)} vs {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{len(a)} rows vs {len(b)}"]
    issues = []
    keys = [c for c in ("field", "period_start") if c in a.columns]
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            xv, yv = x.to_numpy(float), y.to_numpy(float)
            nan_x, nan_y = np.isnan(xv), np.isnan(yv)
            bad = nan_x != nan_y
            both = ~nan_x & ~nan_y
            with np.errstate(invalid="ignore"):
                diff = np.abs(xv - yv)
                scale = np.maximum(np.abs(xv), np.abs(yv))
                over = both & ~(diff <= np.maximum(rtol * scale, atol)) & ~(xv == yv)
            bad |= over
            if bad.any():
                rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0)
                worst = np.flatnonzero(bad)[:5]
                rows = "; ".join(f"{tuple(a.loc[i, k] for k in keys)}: {xv[i]!r} vs {yv[i]!r}" for i in worst)
                issues.append(
                    f"{col}: {int(bad.sum())} cells differ (max rel {np.nanmax(rel[both]) if both.any() else 0:.3g}); {rows}"
                )
        elif not x.reset_index(drop=True).equals(y.reset_index(drop=True)):
            same = (x.astype(str) == y.astype(str)).to_numpy()
            if str(x.dtype) != str(y.dtype) and same.all():
                issues.append(f"{col}: dtype {x.dtype} vs {y.dtype}")
                continue
            worst = np.flatnonzero(~same)[:3]
            rows = "; ".join(
                f"{tuple(a.loc[i, k] for k in keys)}: {x.iloc[i]!r} vs {y.iloc[i]!r}" for i in worst
            )
            issues.append(f"{col}: {int((~same).sum())} cells differ; {rows}")
    return issues


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, help="a loaded workspace (default: import data_samples/)")
    ap.add_argument("--base", type=Path, default=Path("/work/main"), help="the reference tree")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the tree compared with it")
    ap.add_argument("--only", help="comma-separated indices of OPTION_SETS (default: all)")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--atol", type=float, default=1e-300)
    ap.add_argument(
        "--explain",
        action="store_true",
        help="(needs --workspace) per differing fitted cell: stacked vs per-group fit, and how much the "
        "per-group fit itself moves when the series is fitted alone or tripled",
    )
    ap.add_argument("--child", nargs=2, metavar=("WS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    only = [int(x) for x in args.only.split(",")] if args.only else list(range(len(OPTION_SETS)))
    if args.child:
        _child(args.child[0], args.child[1], only)
        return
    if args.explain:
        _explain(str(args.workspace), only, args.rtol)
        return
    with tempfile.TemporaryDirectory() as tmp:
        ws_dir = args.workspace
        if ws_dir is None:
            import guidance_analytics as ga
            from guidance_analytics.jobs import import_folder

            ws_dir = Path(tmp) / "ws"
            import_folder(ga.Workspace(ws_dir), ROOT / "data_samples", echo=lambda _t: None)
        base = _run(args.base, ws_dir, Path(tmp) / "base.pkl", only)
        new = _run(args.tree, ws_dir, Path(tmp) / "new.pkl", only)
    print(f"base: {base['file']}\nnew:  {new['file']}")
    failed = 0
    for i in only:
        name = OPTION_SETS[i][0]
        a, b = base["tables"][name], new["tables"][name]
        issues = compare(a, b, args.rtol, args.atol)
        failed += bool(issues)
        status = "same" if not issues else "DIFFERENT"
        print(
            f"{i:>2} {name:<32} {len(a):>6} rows {int(a['flagged'].sum()):>3} flags  "
            f"cpu {base['cpu'][name]:.2f} s -> {new['cpu'][name]:.2f} s  {status}"
        )
        for issue in issues:
            print(f"     {issue}")
    print(
        f"{len(only) - failed} of {len(only)} option sets identical (floats within rtol {args.rtol:g}); "
        f"cpu total {sum(base['cpu'].values()):.1f} s -> {sum(new['cpu'].values()):.1f} s"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
