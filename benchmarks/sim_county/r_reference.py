"""R's improved Farrington (``surveillance::farringtonFlexible``) on the simulated class series.

The counts and exposures are the simulation's own class × month series (``series.csv``), which the
benchmark checks to be identical to the package's class-level panel after import. Options: see
``farrington.R``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd

SCRIPT = Path(__file__).with_name("farrington.R")


def r_available() -> bool:
    """Whether ``Rscript`` and the ``surveillance`` package are installed."""
    if shutil.which("Rscript") is None:
        return False
    run = subprocess.run(["Rscript", "-e", "library(surveillance)"], capture_output=True, text=True)
    return run.returncode == 0


def run_farrington(
    series: pd.DataFrame, eval_start: pd.Timestamp, alpha: float, work_dir: Path
) -> pd.DataFrame:
    """Alarms per class and evaluated month: ``field, period_start, observed, upper, flagged, b, reweight, alpha``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    inp, out = work_dir / "r_counts.csv", work_dir / f"r_alarms_{alpha}.csv"
    counts = series[["class_key", "period", "violations", "exposure"]].copy()
    counts["period"] = pd.to_datetime(counts["period"]).dt.strftime("%Y-%m-%d")
    counts.to_csv(inp, index=False)
    run = subprocess.run(
        [
            "Rscript",
            str(SCRIPT),
            str(inp),
            str(out),
            str(alpha),
            pd.Timestamp(eval_start).strftime("%Y-%m-%d"),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{run.stderr[-2000:]}")
    res = pd.read_csv(out)
    return pd.DataFrame(
        {
            "field": res["class_key"].astype(str),
            "period_start": pd.to_datetime(res["period"]),
            "observed": res["observed"],
            "upper": res["upperbound"],
            "flagged": res["alarm"].fillna(0).astype(int).astype(bool),
            "b": res["b"],
            "reweight": res["reweight"],
            "alpha": res["alpha"],
        }
    )
