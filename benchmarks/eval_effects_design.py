"""Is the randomised route's estimate unbiased? Its design expectation on each world's own realised
potential outcomes, against the truth of ``eval_effects_power.py``.

For every saved draw world (``make_effects_worlds.py --selections draw``) the pool rows' realised
potential outcomes ``y0``/``y1`` are rebuilt with the world's common random numbers
(:mod:`benchmarks.effects_sim.potential`); then

* **data path**: the package's panel count of every pool row's post window (``load_panel``, as
  ``randomised_from_panel`` reads it) against the realised ``y_obs`` — rows that differ;
* **truth definition**: the realised ITT ``mean(adopt · (y1 − y0))`` against the benchmark's
  expected ITT ``(1 − decline_share) · mean(tau_if_guided)`` (the truth of ``eval_effects_power``);
* **estimator**: the mean of the package's statistic (the adjusted stratified Hajek contrast of
  ``randomised_from_panel``: pooled slopes on ``pre, earlier, score``, ``target`` ``pool`` and
  ``drawn``, and the unadjusted one) over ``--redraws`` re-draws of every round with the recorded
  probabilities, against the realised truth of the same target;
* **the observed draw**: its balance (unadjusted Hajek contrast) on ``y0`` and on the expected
  ``cf_post``; the estimate of the world's actual draw (what ``eval_effects_power``
  scores) as a z-score within its own re-draw distribution (mean 0 and s.d. 1 if the draws were
  as random as the design says), and the s.d. of the re-draws beside the linearised ``se``.

Usage::

    PYTHONPATH=. python benchmarks/eval_effects_design.py DIR [DIR …] --out CSV [--redraws 300]
    PYTHONPATH=. python benchmarks/eval_effects_design.py --table CSV
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.effects_sim.potential import design_expectation, pool_potential_outcomes  # noqa: E402
from benchmarks.eval_effects_power import BASIC, drawn_effect, markdown_table, truth_drawn  # noqa: E402
from benchmarks.eval_effects_worlds import record_pool  # noqa: E402

#: name → (adjusted, target of the weighting)
STATISTICS = {"default": (True, "pool"), "unadjusted": (False, "pool"), "drawn_basic": (True, "drawn")}


def evaluate_world(folder: Path, pkl: Path, redraws: int) -> dict:
    """One row of figures (see the module docstring) for the world ``pkl``."""
    import guidance_analytics as ga
    from guidance_analytics.effects.follow_up import load_panel
    from guidance_analytics.effects.randomised import _row_window, adjustment, draw_covariates, hajek_itt

    truth = pickle.load(open(pkl, "rb"))  # noqa: S301 (our own files)
    ws = ga.Workspace(folder / pkl.stem)
    as_of = pd.Timestamp(truth["data_end"])
    if ws.store.query("effects/draws", as_of=as_of.date()).empty:
        record_pool(ws, truth["pool"])
    panel, start, index = load_panel(ws, as_of)
    w = int(truth["window_months"])
    pool = pool_potential_outcomes(truth)
    pool = pool[(pool["inclusion_prob"] > 0) & (pool["inclusion_prob"] < 1)].reset_index(drop=True)
    unit = pool["business_id"].map(index).to_numpy(dtype=int)
    day = pd.to_datetime(pool["guided_on"])
    g = np.asarray((day.dt.year - start.year) * 12 + day.dt.month - start.month, dtype=int)
    post = _row_window(panel, "violations", unit, g, w)
    x = draw_covariates(panel, unit, g, pool["score"].to_numpy(dtype=float), w, BASIC)
    d, pi, st = (
        pool["drawn"].to_numpy(),
        pool["inclusion_prob"].to_numpy(dtype=float),
        pool["round"].to_numpy(),
    )
    rng = np.random.default_rng([99, int(truth["seed"])])
    decline = float(truth["params"]["decline_share"])
    adopt = np.where(d, pool["adopted"].to_numpy(), rng.random(len(pool)) >= decline)
    tau = adopt * (pool["y1"] - pool["y0"]).to_numpy()
    row: dict = {
        "set": folder.name,
        "world": pkl.stem,
        "seed": int(truth["seed"]),
        "effect": float(truth["effect"]),
        "n_pool": len(pool),
        "panel_mismatch": int((post != pool["y_obs"].to_numpy()).sum()),
        "itt_expected": float(truth["itt"]),
        "itt_expected_same_adopt": float((adopt * pool["tau_if_guided"]).mean()),
        "itt_realised": float(tau.mean()),
        "drawn_expected": truth_drawn(truth),
    }
    # balance of the actual draw (unadjusted Hajek contrast, drawn − not drawn) on what the rows
    # would have had without this round's guidance: realised (y0) and expected (cf_post)
    for col in ("y0", "cf_post"):
        val = pool[col].to_numpy(dtype=float)
        row[f"balance_{col}"] = hajek_itt(val, d, pi, st, None, variance=False)["estimate"]
    for name, (adjusted, target) in STATISTICS.items():

        def stat(y: np.ndarray, drawn: np.ndarray, adjusted: bool = adjusted, target: str = target) -> float:
            adj = adjustment(y, x, drawn, pi) if adjusted else 0.0
            return hajek_itt(y - adj, drawn, pi, st, None, variance=False, target=target)["estimate"]

        res = design_expectation(stat, pool["y0"].to_numpy(), tau, pi, st, redraws, rng)
        adj = adjustment(post, x, d, pi) if adjusted else 0.0
        obs = hajek_itt(post - adj, d, pi, st, pool["business_id"].to_numpy(), target=target)
        if target == "pool":
            realised, design_truth = res["itt"], res["itt"]
        else:  # the actual draw's drawn rows (as truth_drawn), and the re-draws' mean of that
            realised, design_truth = drawn_effect(tau, d, pi, st), res["on_drawn"]
        row.update(
            {
                f"{name}_observed": float(obs["estimate"]),
                f"{name}_se": float(obs["se"]),
                f"{name}_design_mean": res["mean"],
                f"{name}_design_sd": res["sd"] if target == "pool" else res["err_sd_on_drawn"],
                f"{name}_realised_truth": realised,
                f"{name}_design_truth": design_truth,
                # the observed error within the re-draws' errors (estimate − truth of the same draw)
                f"{name}_z": (float(obs["estimate"]) - realised - (res["mean"] - design_truth))
                / (res["sd"] if target == "pool" else res["err_sd_on_drawn"]),
            }
        )
    return row


def _pm(s: pd.Series) -> str:
    return f"{s.mean():+.4f} ± {s.std(ddof=1) / np.sqrt(len(s)):.4f}"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per statistic × effect: the decomposition of "observed − truth" (means ± Monte Carlo s.e.)."""
    out = []
    for (group, effect), g in frame.groupby(["set", "effect"], sort=False):
        for name in STATISTICS:
            n = len(g)
            target = STATISTICS[name][1]
            expected = g["itt_expected"] if target == "pool" else g["drawn_expected"]
            realised = g[f"{name}_realised_truth"]
            design, obs, sd = g[f"{name}_design_mean"], g[f"{name}_observed"], g[f"{name}_design_sd"]
            design_truth = g[f"{name}_design_truth"]
            out.append(
                {
                    "worlds from": group,
                    "effect": "0" if effect == 0 else f"{effect:+.0%}",
                    "statistic": name,
                    "worlds": n,
                    "panel rows ≠ realised": int(g["panel_mismatch"].sum()),
                    "truth: realised − expected": _pm(realised - expected),
                    "estimator: design mean − realised truth": _pm(design - design_truth),
                    "observed − expected truth": _pm(obs - expected),
                    "… its s.e. from the design s.d. of the error": f"{np.sqrt((sd**2).mean() / n):.4f}",
                    "draw's balance on y0 / on cf_post": (
                        f"{_pm(g['balance_y0'])} / {_pm(g['balance_cf_post'])}" if name == "default" else ""
                    ),
                    "z of the observed draw (mean, s.d.)": (
                        f"{g[f'{name}_z'].mean():+.2f}, {g[f'{name}_z'].std(ddof=1):.2f}"
                    ),
                    "s.d. of the error over worlds / design s.d. / linearised se": (
                        f"{(obs - expected).std(ddof=1):.3f} / {sd.mean():.3f} / {g[f'{name}_se'].mean():.3f}"
                    ),
                }
            )
    return pd.DataFrame(out)


def run_worlds(
    folders: list[Path], out: Path, score: Callable[[Path, Path], dict], show: Callable[[dict], tuple]
) -> list[dict]:
    """``score(folder, pkl)`` of every saved world of ``folders`` not yet in the CSV ``out``
    (rewritten after each world, so a stopped run resumes); every row, old and new."""
    done = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=["world"])
    rows, seen = done.to_dict("records"), set(done["world"])
    for folder in folders:
        for pkl in sorted(p for p in folder.glob("*.pkl") if not p.name.endswith(".scores.pkl")):
            if pkl.stem in seen:
                continue
            rows.append(score(folder, pkl))
            seen.add(pkl.stem)
            pd.DataFrame(rows).to_csv(out, index=False)
            print(pkl.stem, *show(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("worlds", type=Path, nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "effects_sample_design.csv")
    ap.add_argument("--redraws", type=int, default=300)
    ap.add_argument("--table", type=Path, help="print the markdown table of a results CSV and stop")
    args = ap.parse_args(argv)
    if args.table:
        frame = pd.read_csv(args.table)
        print(markdown_table(table(frame)))
        return frame
    rows = run_worlds(
        args.worlds,
        args.out,
        lambda folder, pkl: evaluate_world(folder, pkl, args.redraws),
        lambda r: (r["panel_mismatch"], round(r["default_observed"], 4), round(r["default_z"], 2)),
    )
    frame = pd.DataFrame(rows)
    print(markdown_table(table(frame)))
    return frame


if __name__ == "__main__":
    main()
