"""Does ``ws.guidance_effects`` invent effects, or miss real ones? A simulation benchmark (issue 14).

Independent of ``guidance_analytics.samples``: the county is simulated by
``benchmarks/effects_sim`` and reaches the package only through bureau-format export files
(``ws.import_file``) and reviewed candidate lists (``ws.add_to_register``), so the estimator reads
what a real workspace holds.

Design
------
* **Businesses** (``county``: 2,200 operating at 2021-01 plus openings, ~2,800 seen; ``small``:
  500) in 12 townships and 12 GB/T 4754 classes, opening and closing. Monthly latent violation
  rate = field + township + season + field-period shock + **persistent** risk (per business) +
  **transient** risk (AR(1) and episodic bad spells, so bad records improve on their own).
* **Records**: routine and campaign inspections, 12345 complaints (substantiated at a rate
  proportional to the latent rate) checked by inspections, penalties after 移送立案. Calibrated
  to about the volume of ``data_samples`` (≈5,200 inspections, 31 % finding a problem, ≈230
  penalties over 2021–2024 at county size).
* **Guidance**: 9 quarterly rounds (2022-07 … 2024-07), ``k`` businesses per round (10 county, 4
  small), 10 % declined at review (是否采纳 = 否), the rest registered through a reviewed .xlsx list.
  Selection: ``record`` — top-k on the 12-month violation record; ``score`` — top-k on
  ``ws.risk_scores`` as of the round; ``draw`` — a systematic PPS draw of k from the top 8k by
  risk score with probabilities ∝ 0.02 + score (written into the list and into the truth; pool
  rows are held out as comparisons for the follow-up window). Not selected again within 12 months.
* **True effect**: 0 or −40 % on the latent rate of a guided business for 12 months from the
  guidance month. The truth of a run is the expected change of the registered businesses'
  violations in the 6-month follow-up window that guidance caused (``att``, in the estimator's
  unit: violations per business and window), and for the draw the intention-to-treat effect of
  being drawn averaged over the pool (``itt``).
* **Estimators** (``benchmarks/effects_sim/estimators.py``), all reading only the workspace:

  - *under test* — by default today's ``ws.guidance_effects()`` (row 全部 / violations: matched
    DiD, bootstrap CI, ``significant``); replace it with ``--estimator module:function`` (the
    contract is in that module's docstring: ``fn(ws, *, window_months, as_of, n_boot, seed)``
    returning ``estimate``, ``ci_low``, ``ci_high`` and optionally ``significant``, ``verdict``,
    ``estimand`` = ``att`` or ``itt``);
  - *baselines* — ``naive_before_after`` (guided post − pre) and ``did_all_unguided`` (minus the
    same windows' change of every unguided business), normal CIs clustered by business;
  - *reference* (draw only) — ``ipw_drawn_vs_not``: Hajek-IPW difference drawn vs not drawn on
    the post-window violations (intention to treat), CI from a business-clustered sandwich
    variance; it reads the draw's design (pool, inclusion probabilities) that the bureau keeps.

Usage::

    PYTHONPATH=. python benchmarks/eval_effects_sim.py --runs 20            # county, 3 selections × 2 effects
    PYTHONPATH=. python benchmarks/eval_effects_sim.py --runs 5 --seed 101 --effect -0.4 --selection draw
    PYTHONPATH=. python benchmarks/eval_effects_sim.py --estimator mypkg.mod:my_estimate --tag _mine
    PYTHONPATH=. python benchmarks/eval_effects_sim.py --small --runs 10
    PYTHONPATH=. python benchmarks/eval_effects_sim.py --quick                # small, 2 runs: a smoke test
    PYTHONPATH=. python benchmarks/eval_effects_sim.py --summarise benchmarks/results/effects_sim_county.partial.csv

Run ``j`` of every cell uses seed ``seed + j``: the same world for every selection and effect.
Writes ``benchmarks/results/effects_sim_<size><tag>.csv`` (one row per run and estimator) and
``….md`` (the table); while running, ``….partial.csv`` holds the rows so far (``--summarise``
turns a stopped run's partial file into the table). Results and their reading:
``benchmarks/effects_sim/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.effects_sim import SELECTIONS, estimators, evaluate, simulate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def load_estimator(spec: str | None) -> Callable[..., Any]:
    """``module:function`` → the function (None → ``estimators.UNDER_TEST``)."""
    if not spec:
        return estimators.UNDER_TEST
    module, _, name = spec.partition(":")
    if not name:
        raise SystemExit(f"--estimator {spec!r}: expected module:function")
    return getattr(importlib.import_module(module), name)


def one_run(
    seed: int,
    selection: str,
    effect: float,
    size: str,
    n_boot: int,
    keep: str | None,
    overrides: dict,
    estimator_spec: str | None,
) -> list[dict]:
    """Simulate and evaluate one (seed, selection, effect); return one row per estimator."""
    import guidance_analytics as ga

    started = time.perf_counter()
    workdir = (
        Path(keep) / f"{size}_{selection}_{effect:+.2f}_{seed}"
        if keep
        else Path(tempfile.mkdtemp(prefix="effects_sim_"))
    )
    if workdir.exists() and keep:
        shutil.rmtree(workdir)
    try:
        _, truth = simulate(seed, selection, effect, size, workdir=workdir, **overrides)
        rows = evaluate(
            ga.Workspace(workdir), truth, n_boot=n_boot, seed=seed, estimator=load_estimator(estimator_spec)
        )
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    return [{**r, "seconds": seconds} for r in rows]


def _share(x: pd.Series) -> float:
    return float(x.astype(float).mean()) if len(x) else float("nan")


def _mc(x: pd.Series) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def _wilson(k: float, n: int) -> tuple[float, float]:
    """95 % Wilson interval of a share k / n."""
    if n == 0:
        return float("nan"), float("nan")
    p, z = k / n, 1.959963984540054
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(c - h), float(c + h)


LEGEND = (
    "Unit: violations (problem-finding inspections + penalties) per business in the 6-month "
    "window after guidance. `true`: the ATT of the registered entries (estimand att) or the "
    "draw pool's intention-to-treat effect (estimand itt). `significant`: the estimator claims "
    "an effect in either direction (the false-positive rate when the effect is 0); "
    "`significant reduction`: claims a reduction (the power when the effect is negative); "
    "intervals of shares are 95 % Wilson intervals over runs; `bias ± MC SE`: mean estimate − "
    "truth with its Monte Carlo standard error; `coverage`: the estimator's 95 % CI contains "
    "`true`; `bias % of cf`: bias as a share of the counterfactual post-window level.\n\n"
)

ROLE_ORDER = {"under test": 0, "baseline": 1, "reference": 2}


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (estimator, selection, effect): truth and mean estimate, bias with its Monte
    Carlo SE, share significant (any direction / as a reduction / as an increase) with a Wilson
    interval, CI coverage."""
    rows = []
    for (role, name, sel, eff), g in runs.groupby(["role", "estimator", "selection", "effect"], sort=False):
        e, t, s = g["estimate"].astype(float), g["true"].astype(float), g["significant"].astype(bool)
        n = len(g)
        sig_lo, sig_hi = _wilson(s.sum(), n)
        red = s & (e < 0)
        red_lo, red_hi = _wilson(red.sum(), n)
        rows.append(
            {
                "role": role,
                "estimator": name,
                "estimand": g["estimand"].iloc[0],
                "selection": sel,
                "effect": eff,
                "runs": n,
                "true": t.mean(),
                "mean_estimate": e.mean(),
                "mc_se": _mc(e),
                "bias": (e - t).mean(),
                "bias_mc_se": _mc(e - t),
                "bias_pct_of_cf": 100 * (e - t).mean() / g["cf_post"].mean(),
                "significant": _share(s),
                "significant_lo": sig_lo,
                "significant_hi": sig_hi,
                "sig_reduction": _share(red),
                "sig_reduction_lo": red_lo,
                "sig_reduction_hi": red_hi,
                "sig_increase": _share(s & (e > 0)),
                "coverage": _share(g["covered"]),
                "mean_ci_width": (g["ci_high"] - g["ci_low"]).mean(),
                "n_cases": g["n_cases"].mean() if "n_cases" in g else np.nan,
                "seconds": g["seconds"].mean(),
            }
        )
    out = pd.DataFrame(rows)
    out["_r"] = out["role"].map(ROLE_ORDER)
    return out.sort_values(
        ["effect", "selection", "_r", "estimator"], ascending=[False, True, True, True], ignore_index=True
    ).drop(columns="_r")


def _pct(v: float, lo: float, hi: float) -> str:
    return f"{v:.0%} ({lo:.0%}–{hi:.0%})"


def to_markdown(table: pd.DataFrame) -> str:
    head = (
        "| effect | selection | estimator | role | estimand | runs | true | mean estimate | "
        "bias ± MC SE | bias % of cf | significant (95 % CI) | significant reduction (95 % CI) | "
        "coverage | mean CI width | cases |\n|" + "---|" * 15 + "\n"
    )
    lines = []
    for r in table.itertuples(index=False):
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{r.effect:+.0%}",
                    r.selection,
                    r.estimator,
                    r.role,
                    r.estimand,
                    str(r.runs),
                    f"{r.true:+.3f}",
                    f"{r.mean_estimate:+.3f}",
                    f"{r.bias:+.3f} ± {r.bias_mc_se:.3f}",
                    f"{r.bias_pct_of_cf:+.0f}%",
                    _pct(r.significant, r.significant_lo, r.significant_hi),
                    _pct(r.sig_reduction, r.sig_reduction_lo, r.sig_reduction_hi),
                    f"{r.coverage:.0%}",
                    f"{r.mean_ci_width:.3f}",
                    f"{r.n_cases:.0f}" if np.isfinite(r.n_cases) else "",
                ]
            )
            + " |"
        )
    return head + "\n".join(lines) + "\n"


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="runs (seeds) per selection × effect (default 20)")
    ap.add_argument("--seed", "--seed0", dest="seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument(
        "--effect",
        "--effects",
        dest="effect",
        default="0,-0.4",
        help="true effect(s) on the violation rate, comma-separated (default 0,-0.4)",
    )
    ap.add_argument(
        "--selection",
        "--selections",
        dest="selection",
        default=",".join(SELECTIONS),
        help=f"selection(s), comma-separated (default {','.join(SELECTIONS)})",
    )
    ap.add_argument(
        "--estimator",
        default=None,
        help="estimator under test as module:function (default "
        "benchmarks.effects_sim.estimators:current_guidance_effects; see that module's docstring)",
    )
    ap.add_argument("--small", action="store_true", help="the small county (500 businesses, 4 per round)")
    ap.add_argument("--quick", action="store_true", help="smoke test: small county, 2 runs, 200 resamples")
    ap.add_argument("--n-boot", type=int, default=500, help="bootstrap resamples passed to the estimators")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--density", type=float, default=None, help="scale every observation rate (default 1)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder of the .csv/.md results")
    ap.add_argument("--tag", default="", help="suffix of the result file names")
    ap.add_argument("--keep", default=None, help="keep the workspaces under this folder")
    ap.add_argument(
        "--summarise",
        type=Path,
        default=None,
        metavar="CSV",
        help="only rebuild the table (.csv/.md next to CSV) from a per-run CSV, e.g. a stopped run's "
        ".partial.csv (seeds not run in every cell are left out)",
    )
    args = ap.parse_args(argv)
    if args.summarise is not None:
        frame = pd.read_csv(args.summarise)
        cells = frame.groupby("seed")[["selection", "effect"]].apply(lambda g: len(g.drop_duplicates()))
        frame = frame[frame["seed"].isin(cells[cells == cells.max()].index)]  # seeds run in every cell
        table = summarise(frame)
        n = frame.groupby(["selection", "effect"])["seed"].nunique()
        note = (
            f"# effects_sim — {frame['size'].iloc[0]}, {n.min()}–{n.max()} runs per cell "
            f"(seeds {frame['seed'].min()}–{frame['seed'].max()}), from {args.summarise.name}\n\n"
            f"Mean {frame.groupby(['seed', 'selection', 'effect'])['seconds'].first().mean():.0f} s per run.\n\n"
            + LEGEND
        )
        stem = args.summarise.name.removesuffix(".partial.csv").removesuffix(".csv")
        frame.to_csv(args.summarise.with_name(stem + ".csv"), index=False)
        args.summarise.with_name(stem + ".md").write_text(note + to_markdown(table), encoding="utf-8")
        print(note + to_markdown(table))
        return table
    size = "small" if (args.small or args.quick) else "county"
    runs, n_boot = (2, 200) if args.quick else (args.runs, args.n_boot)
    selections = [s.strip() for s in args.selection.split(",") if s.strip()]
    effects = _floats(args.effect)
    overrides = {} if args.density is None else {"density": args.density}
    load_estimator(args.estimator)  # fail before simulating
    tasks = [(args.seed + j, s, e) for j in range(runs) for s in reversed(selections) for e in effects]
    stem = f"effects_sim_{size}{'_quick' if args.quick else ''}{args.tag}"
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / f"{stem}.partial.csv"  # rows so far, should the run be stopped
    started = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(one_run, seed, s, e, size, n_boot, args.keep, overrides, args.estimator)
            for seed, s, e in tasks
        ]
        for n, fut in enumerate(as_completed(futures), start=1):
            got = fut.result()
            rows.extend(got)
            pd.DataFrame(rows).to_csv(partial, index=False)
            r0 = got[0]
            print(
                f"[{n}/{len(tasks)}] seed {r0['seed']} {r0['selection']:>6} effect {r0['effect']:+.2f}: "
                + " | ".join(
                    f"{r['estimator']} {r['estimate']:+.3f} (true {r['true']:+.3f}){' *' if r['significant'] else ''}"
                    for r in got
                )
                + f"  {r0['seconds']:.0f}s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    frame = pd.DataFrame(rows).sort_values(["selection", "effect", "seed", "role"], ignore_index=True)
    table = summarise(frame)
    frame.to_csv(args.out / f"{stem}.csv", index=False)
    partial.unlink(missing_ok=True)
    note = (
        f"# effects_sim — {size}, {runs} runs per cell, seeds {args.seed}–{args.seed + runs - 1}, "
        f"n_boot {n_boot}{', density ' + str(args.density) if args.density else ''}\n\n"
        f"Estimator under test: `{args.estimator or 'benchmarks.effects_sim.estimators:current_guidance_effects'}`. "
        f"Wall time {elapsed / 60:.1f} min with {args.jobs} jobs "
        f"(mean {frame.groupby(['seed', 'selection', 'effect'])['seconds'].first().mean():.0f} s per run).\n\n"
        + LEGEND
    )
    (args.out / f"{stem}.md").write_text(note + to_markdown(table), encoding="utf-8")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        cols = ["estimator", "selection", "effect", "runs", "true", "mean_estimate", "bias", "bias_mc_se"]
        cols += ["significant", "sig_reduction", "coverage", "mean_ci_width"]
        print(table[cols].round(3).to_string(index=False))
    print(f"\nwall time {elapsed / 60:.1f} min; results in {args.out / stem}.csv / .md")
    return table


if __name__ == "__main__":
    main()
