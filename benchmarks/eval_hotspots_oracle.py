"""How often could *any* detector find the planted events of ``eval_hotspots_domain``? An oracle bound.

Issue 9 asks for POD ≥ 0.9 with ≤ 0.2 false flags a month on the independent county simulation
(``benchmarks/sim_county``). This benchmark asks what that target demands. The **oracle** knows
every class-month's true null mean ``mu0 = mu / event_multiplier`` (exposure, season and campaign
included — so it has no decoy problem and no baseline to estimate) and the simulation's exact
count distribution, ``NegBin(mean mu0, size 30)``. Per class and month it computes the exact
upper-tail p-value of the month's count and of the sums of the last 2 and 3 months (the pmfs
convolved), takes the smallest, and flags the cell when it is below one threshold chosen so that,
on counts redrawn from the null distribution of the same cells, the oracle makes exactly
``--budget`` false flags a month over the 25 classes. It tests classes only, so the whole false-flag
budget goes to the level where every event lives (the package also tests groups, divisions and
sections within the same budget): the figure is an upper bound for window-sum detectors, not a
competitor.

An event counts as detected as in ``eval_hotspots_domain``: a flag in one of its classes from its
start to its ``detect_end`` (a rise: within two months of its start; a spike: during it).

Usage (worlds made by ``eval_hotspots_domain.py --keep DIR``)::

    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --first-seed 11 --seeds 10 --keep /tmp/hsworlds
    PYTHONPATH=. python benchmarks/eval_hotspots_oracle.py /tmp/hsworlds --seeds 11-20

Measured 2026-12-07 (160 events per 10 seeds; POD with 95 % Wilson interval; full reports
``results/eval_hotspots_oracle.txt``; the package and R on the same worlds in
``results/eval_hotspots_domain_r_fresh11-20.txt`` and ``_1-10.txt``):

===========================  ==================  ==================  ==================
                             seeds 1–10          seeds 11–20         pooled 1–20
===========================  ==================  ==================  ==================
oracle at 0.1 false / month  0.89 [0.84, 0.93]   0.84 [0.77, 0.89]   0.87 (277/320)
oracle at 0.2 (the goal's)   0.94 [0.90, 0.97]   0.88 [0.81, 0.92]   0.91 (291/320)
package default              0.87 at 0.07        0.82 at 0.11        0.84 (270/320)
R a=0.01 / a=0.05            –                   0.81 at 0.34 /
                                                 0.88 at 1.17
Simes, false_flags 0.6       0.89 / 0.91 at      0.86 at 0.17        ≈ 0.88
                             0.18 / 0.17 (1–5 / 6–10, earlier session)
===========================  ==================  ==================  ==================

The goal (POD ≥ 0.9 at ≤ 0.2 false flags a month) is the oracle's own level (0.91 pooled): a
detector that estimates its baselines from the data would have to lose nothing to that. What
limits even the oracle is the ×1.5–1.7 rises of medium classes (baseline ≈ 11 a month), found
within two months in 26 of 40 at 0.2. The package stays 0.03 below the oracle at its own
false-flag rate while it estimates the baselines and explains decoys away; spending the goal's
rate (weighted Simes, ``false_flags = 0.6``, held out on 6–20) it is 0.86 at 0.17 on 11–20 against
the oracle's 0.88 at 0.2, with 3 decoy flags (noise) in 10 seeds. The goal's third part,
no flag on any decoy, is a coin toss at any useful rate: the decoy cells are ordinary cells once
exposure and effort are accounted for (their flag rate equals the clean cells'), so ~1 550 decoy
cells in 10 seeds at the goal's per-cell rate carry several noise flags in expectation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

SIZE = 30  # the simulation's negative-binomial size (benchmarks/sim_county/simulate.py)
WINDOWS = (1, 2, 3)
N_MAX = 1500  # pmf support; the largest class means are ~250 a month in a spike


def nb_pmf(mu: np.ndarray, size: float = SIZE, n_max: int = N_MAX) -> np.ndarray:
    """Negative-binomial pmfs (rows) on ``0 … n_max - 1`` for the means ``mu``.

    Examples
    --------
    >>> p = nb_pmf(np.array([4.0]))
    >>> round(float(p.sum()), 6), round(float((p * np.arange(N_MAX)).sum()), 4)
    (1.0, 4.0)
    """
    k = np.arange(n_max)
    return stats.nbinom.pmf(k[None, :], size, size / (size + mu[:, None]))


def window_pvalues(counts: np.ndarray, mu0: np.ndarray) -> np.ndarray:
    """Smallest exact upper-tail p-value over the windows ending at each month of one class.

    ``counts`` and ``mu0`` are the class's months in order; the window of ``w`` months ending at
    ``t`` is tested against the convolution of its months' null pmfs (``P(sum >= observed)``).
    Months without a full window use the shorter ones.

    Examples
    --------
    A single month: the exact NB tail.

    >>> p = window_pvalues(np.array([14]), np.array([4.0]))
    >>> bool(np.isclose(p[0], stats.nbinom.sf(13, SIZE, SIZE / (SIZE + 4.0))))
    True
    """
    pmf = nb_pmf(mu0)
    out = np.ones(len(counts))
    for w in WINDOWS:
        for t in range(w - 1, len(counts)):
            conv = pmf[t]
            for j in range(1, w):
                conv = np.convolve(conv, pmf[t - j])[:N_MAX]
            s = int(counts[t - w + 1 : t + 1].sum())
            out[t] = min(out[t], float(conv[s:].sum()) if s < N_MAX else 0.0)
    return out


def seed_pvalues(series: pd.DataFrame, counts_col: str = "violations") -> pd.DataFrame:
    """Per class-month oracle p-values of one world (``series.csv`` of ``sim_county``)."""
    parts = []
    for _, g in series.sort_values(["class_key", "period"]).groupby("class_key"):
        mu0 = (g["mu"] / g["event_multiplier"]).to_numpy(float)
        parts.append(g.assign(p=window_pvalues(g[counts_col].to_numpy(int), mu0)))
    return pd.concat(parts, ignore_index=True)


def null_pvalues(series: pd.DataFrame, rng: np.random.Generator, reps: int) -> np.ndarray:
    """The oracle's p-values on ``reps`` null redraws of the world's counts (eval months only)."""
    mu0 = series["mu"] / series["event_multiplier"]
    out = []
    for _ in range(reps):
        redrawn = series.assign(violations=rng.negative_binomial(SIZE, SIZE / (SIZE + mu0.to_numpy(float))))
        out.append(seed_pvalues(redrawn)["p"].to_numpy())
    return np.concatenate(out)


def detected(flags: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Events of ``truth`` with a flag in one of their classes from ``start`` to ``detect_end``."""
    ev = truth[truth["role"] == "event"].copy()
    hit = []
    for _, e in ev.iterrows():
        classes = str(e["classes"]).split(";")
        f = flags[
            flags["class_key"].isin(classes)
            & (flags["period"] >= e["start"])
            & (flags["period"] <= e["detect_end"])
        ]
        hit.append(not f.empty)
    return ev.assign(detected=hit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("worlds", type=Path)
    ap.add_argument("--seeds", default="11-20", help="first-last")
    ap.add_argument("--budget", type=float, nargs="+", default=[0.2])
    ap.add_argument("--reps", type=int, default=20, help="null redraws per world for the threshold")
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.seeds.split("-"))
    rng = np.random.default_rng(20261207)
    obs, null, truths, months = [], [], [], 0
    for seed in range(lo, hi + 1):
        d = args.worlds / f"seed{seed}"
        truth = pd.read_pickle(d / "truth.pkl")
        series = pd.read_csv(d / "files" / "series.csv", parse_dates=["period"])
        ev_months = (series["period"] >= truth.attrs["eval_start"]) & (
            series["period"] <= truth.attrs["eval_end"]
        )
        p = seed_pvalues(series)
        p = p[(p["period"] >= truth.attrs["eval_start"]) & (p["period"] <= truth.attrs["eval_end"])]
        obs.append(p.assign(seed=seed))
        np_ = null_pvalues(series, rng, args.reps)
        # null_pvalues orders rows like seed_pvalues (class, period): the eval-month mask in that order
        order = series.sort_values(["class_key", "period"]).index
        keep = np.tile(ev_months.loc[order].to_numpy(), args.reps)
        null.append(np_[keep])
        truths.append(truth)
        months += int(p["period"].nunique())
    obs_df = pd.concat(obs, ignore_index=True)
    null_p = np.sort(np.concatenate(null))
    n_months_null = months * args.reps
    print(
        f"oracle on seeds {lo}-{hi}: {len(obs_df)} class-months, null redraws {args.reps} per world "
        f"({len(null_p)} null class-months)"
    )
    for budget in args.budget:
        k = int(round(budget * n_months_null))
        thr = null_p[k - 1] if k > 0 else 0.0
        rows = [
            detected(o[o["p"] <= thr], t).assign(seed=seed)
            for seed, t, o in zip(range(lo, hi + 1), truths, obs, strict=True)
        ]
        ev = pd.concat(rows, ignore_index=True)
        n, x = len(ev), int(ev["detected"].sum())
        lo_ci, hi_ci = _wilson(x, n)
        print(f"\nbudget {budget} false flags/month → per-cell threshold p ≤ {thr:.2e}")
        print(f"  POD {x / n:.2f} [{lo_ci:.2f}, {hi_ci:.2f}] ({x}/{n})")
        for (kind, size), g in ev.groupby(["kind", "size"]):
            a, m = int(g["detected"].sum()), len(g)
            gl, gh = _wilson(a, m)
            print(f"  {kind:8s} {size:7s} {a / m:.2f} [{gl:.2f}, {gh:.2f}] ({a}/{m})")
        rises = ev[ev["kind"] == "rise"]
        for band, g in rises.groupby(pd.cut(rises["multiplier"], [1.49, 1.7, 1.85, 2.01]), observed=True):
            print(f"  rises ×{band}: {g['detected'].mean():.2f} ({int(g['detected'].sum())}/{len(g)})")


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = x / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


if __name__ == "__main__":
    main()
