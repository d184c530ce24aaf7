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

An event counts as detected as in ``eval_hotspots_domain`` (``sim_county.score``): a flag in one of
its classes from its start to its ``detect_end`` (a rise: within two months of its start; a spike:
during it).

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
from sim_county import score
from sim_county.scoring import wilson

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


def window_tails(mu0: np.ndarray) -> np.ndarray:
    """Null upper tails of the windows of one class: ``tails[i, t, s] = P(sum >= s)`` for the
    ``WINDOWS[i]`` months ending at month ``t`` (the convolution of their pmfs), ``s`` in
    ``0 … N_MAX`` (0 at ``N_MAX``); 1 where the window would start before the first month.

    They depend on the null means only, so a world's redraws all use the same tails.

    Examples
    --------
    >>> tails = window_tails(np.array([4.0, 4.0]))
    >>> tails.shape, float(tails[1, 0, 50]), bool(np.isclose(tails[0, 0, 14], stats.nbinom.sf(13, SIZE, SIZE / 34)))
    ((3, 2, 1501), 1.0, True)
    """
    pmf = nb_pmf(mu0)
    tails = np.ones((len(WINDOWS), len(mu0), N_MAX + 1))
    for i, w in enumerate(WINDOWS):
        for t in range(w - 1, len(mu0)):
            conv = pmf[t]
            for j in range(1, w):
                conv = np.convolve(conv, pmf[t - j])[:N_MAX]
            tails[i, t, :N_MAX] = np.cumsum(conv[::-1])[::-1]
            tails[i, t, N_MAX] = 0.0
    return tails


def window_pvalues(counts: np.ndarray, tails: np.ndarray) -> np.ndarray:
    """Smallest exact upper-tail p-value over the windows ending at each month of one class.

    ``counts`` are the class's months in order, ``tails`` their :func:`window_tails`; months without
    a full window use the shorter ones.

    Examples
    --------
    A single month: the exact NB tail.

    >>> p = window_pvalues(np.array([14]), window_tails(np.array([4.0])))
    >>> bool(np.isclose(p[0], stats.nbinom.sf(13, SIZE, SIZE / (SIZE + 4.0))))
    True
    """
    t = np.arange(len(counts))
    cum = np.concatenate([[0], np.cumsum(counts)])
    out = np.ones(len(counts))
    for i, w in enumerate(WINDOWS):
        sums = np.minimum(cum[t + 1] - cum[np.maximum(t + 1 - w, 0)], N_MAX)
        out = np.minimum(out, tails[i, t, sums])
    return out


def seed_pvalues(
    series: pd.DataFrame, tails: dict[str, np.ndarray] | None = None, counts_col: str = "violations"
) -> pd.DataFrame:
    """Per class-month oracle p-values of one world (``series.csv`` of ``sim_county``); ``tails``
    caches each class's :func:`window_tails` across calls on the same world."""
    tails = {} if tails is None else tails
    parts = []
    for key, g in series.sort_values(["class_key", "period"]).groupby("class_key"):
        if key not in tails:
            tails[key] = window_tails((g["mu"] / g["event_multiplier"]).to_numpy(float))
        parts.append(g.assign(p=window_pvalues(g[counts_col].to_numpy(int), tails[key])))
    return pd.concat(parts, ignore_index=True)


def null_pvalues(
    series: pd.DataFrame, rng: np.random.Generator, reps: int, tails: dict[str, np.ndarray]
) -> list[pd.DataFrame]:
    """The oracle's p-values (:func:`seed_pvalues` frames) on ``reps`` null redraws of the world's counts."""
    mu0 = (series["mu"] / series["event_multiplier"]).to_numpy(float)
    return [
        seed_pvalues(series.assign(violations=rng.negative_binomial(SIZE, SIZE / (SIZE + mu0))), tails)
        for _ in range(reps)
    ]


def oracle_flags(p: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The class-months at or below ``threshold`` as flags :func:`sim_county.score` reads."""
    hit = p[p["p"] <= threshold]
    return pd.DataFrame({"field": hit["class_key"], "period_start": hit["period"]})


def _eval_months(p: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    return p[(p["period"] >= truth.attrs["eval_start"]) & (p["period"] <= truth.attrs["eval_end"])]


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
        tails: dict[str, np.ndarray] = {}
        p = _eval_months(seed_pvalues(series, tails), truth)
        obs.append(p)
        null += [_eval_months(q, truth)["p"].to_numpy() for q in null_pvalues(series, rng, args.reps, tails)]
        truths.append(truth)
        months += int(p["period"].nunique())
    null_p = np.sort(np.concatenate(null))
    n_months_null = months * args.reps
    print(
        f"oracle on seeds {lo}-{hi}: {sum(map(len, obs))} class-months, null redraws {args.reps} per world "
        f"({len(null_p)} null class-months)"
    )
    for budget in args.budget:
        k = int(round(budget * n_months_null))
        thr = null_p[k - 1] if k > 0 else 0.0
        ev = pd.concat(
            [score(oracle_flags(o, thr), t)["events"] for t, o in zip(truths, obs, strict=True)],
            ignore_index=True,
        )
        ev = ev[ev["role"] == "event"]
        n, x = len(ev), int(ev["detected"].sum())
        lo_ci, hi_ci = wilson(x, n)
        print(f"\nbudget {budget} false flags/month → per-cell threshold p ≤ {thr:.2e}")
        print(f"  POD {x / n:.2f} [{lo_ci:.2f}, {hi_ci:.2f}] ({x}/{n})")
        for (kind, size), g in ev.groupby(["kind", "size"]):
            a, m = int(g["detected"].sum()), len(g)
            gl, gh = wilson(a, m)
            print(f"  {kind:8s} {size:7s} {a / m:.2f} [{gl:.2f}, {gh:.2f}] ({a}/{m})")
        rises = ev[ev["kind"] == "rise"]
        for band, g in rises.groupby(pd.cut(rises["multiplier"], [1.49, 1.7, 1.85, 2.01]), observed=True):
            print(f"  rises ×{band}: {g['detected'].mean():.2f} ({int(g['detected'].sum())}/{len(g)})")


if __name__ == "__main__":
    main()
