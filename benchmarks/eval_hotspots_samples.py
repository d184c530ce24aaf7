"""Evaluation on the planted sample data: recall of planted hotspots, false flags, licence boom, seasons.

Imports ``data_samples/`` into a temporary workspace (or uses ``--workspace``), runs the hotspot
analysis for every field type the truth plants hotspots in, and prints:

* per measure and field type: planted one-off cells, flagged ones (recall), planted hotspots found,
  false flags (flagged cells outside every planted cell) per period;
* the recurrent summer hotspot (R1) as seen by ``seasonal_hotspots``;
* the licence-boom field (民宿服务 6130 / 住宿业 61) with and without exposure.

Usage::

    python benchmarks/eval_hotspots_samples.py [--workspace DIR] [--min-count 5] [--alpha 0.01] [--fdr 0.05]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--workspace", type=Path, help="an already loaded workspace (default: import the samples)"
    )
    ap.add_argument("--samples", type=Path, default=ROOT / "data_samples")
    ap.add_argument("--min-count", type=int, default=None)
    ap.add_argument("--alpha", type=float, default=None)
    ap.add_argument("--fdr", type=float, default=None)
    args = ap.parse_args()
    pd.set_option("display.width", 200)

    import guidance_analytics as ga
    from guidance_analytics.hotspots import exposure_only_check, industry_recall, recall_table, seasonal_check

    kwargs = {
        k: v
        for k, v in (("min_count", args.min_count), ("alpha", args.alpha), ("fdr", args.fdr))
        if v is not None
    }
    with tempfile.TemporaryDirectory() as tmp:
        if args.workspace is None:
            from guidance_analytics.jobs import import_folder

            ws = ga.Workspace(Path(tmp) / "ws")
            import_folder(ws, args.samples, echo=lambda _t: None)
        else:
            ws = ga.Workspace(args.workspace)
        truth = args.samples / "truth"
        print("== the demo's view: violations by industry (every level), the default ws.hotspots ==")
        for measure in ("violations", "complaints", "substantiated_complaints"):
            per, summ = industry_recall(ws, truth, measure=measure, **kwargs)
            print(
                f"-- {measure}: "
                + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in summ.items())
            )
            print(per.to_string(index=False))
        table = recall_table(
            ws, truth, measures=("violations", "complaints", "substantiated_complaints"), **kwargs
        )
        print("== planted one-off hotspots (evaluated from 2021-07) ==")
        print(table.round(3).to_string(index=False))
        found = sorted({h for ids in table["found_ids"] for h in ids.split(",") if h})
        print(f"one-off hotspots found by at least one measure/field type: {len(found)} {found}")
        print("\n== recurrent planted season (seasonal_hotspots, violations) ==")
        print(
            seasonal_check(ws, truth, **{k: v for k, v in kwargs.items() if k == "fdr"})
            .round(3)
            .to_string(index=False)
        )
        print("\n== licence boom (exposure-only field), violations ==")
        print(exposure_only_check(ws, truth, **kwargs).to_string(index=False))


if __name__ == "__main__":
    main()
