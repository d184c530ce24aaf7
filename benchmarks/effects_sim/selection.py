"""Who gets guidance at a round: on the 12-month record, on the risk score, or by a risk-weighted draw.

The draw is implemented here (not the package's) so that its design is known exactly: inclusion
probabilities proportional to ``floor + score`` (capped at 1, the excess redistributed), then a
systematic PPS sample in a random order, which selects each business with exactly its probability.
It deliberately repeats ``guidance_analytics.targeting.inclusion_probabilities`` rather than
importing it: the benchmark's design must not depend on the code it checks. The review-file
headers in ``files.py`` repeat the package's because they are the bureau's file format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SELECTIONS = ("record", "score", "draw")
VIOLATION_RESULTS = ("发现问题已当场整改", "责令限期整改", "移送立案")


def inclusion_probabilities(weights: np.ndarray, n: int) -> np.ndarray:
    """Probabilities proportional to ``weights`` summing to ``n``, each at most 1.

    >>> inclusion_probabilities(np.array([10.0, 1.0, 1.0, 1.0]), 2).round(3).tolist()
    [1.0, 0.333, 0.333, 0.333]
    """
    w = np.asarray(weights, dtype=float)
    if n >= len(w):
        return np.ones(len(w))
    pi = np.zeros(len(w))
    fixed = np.zeros(len(w), dtype=bool)
    while True:
        rest = n - fixed.sum()
        pi[~fixed] = rest * w[~fixed] / w[~fixed].sum()
        pi[fixed] = 1.0
        over = (pi > 1.0) & ~fixed
        if not over.any():
            return pi
        fixed |= over


def systematic_pps(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of a systematic PPS sample (random order): P(unit selected) = ``pi``."""
    order = rng.permutation(len(pi))
    cum = np.cumsum(pi[order])
    n = int(round(cum[-1]))
    points = rng.uniform(0, 1) + np.arange(n)
    hit = np.searchsorted(cum, points, side="right")
    chosen = np.zeros(len(pi), dtype=bool)
    chosen[order[np.unique(hit[hit < len(pi)])]] = True
    return chosen


def violation_record(ws, t0: pd.Timestamp, months: int) -> pd.Series:
    """Violations (inspections that found a problem + penalties) per business in
    ``[t0 - months, t0)``, read from the workspace as the bureau would."""
    start = t0 - pd.DateOffset(months=months)
    ins = ws.table("inspections")[["business_id", "inspected_on", "result"]]
    pen = ws.table("penalties")[["business_id", "decided_on"]]
    day_i = pd.to_datetime(ins["inspected_on"])
    day_p = pd.to_datetime(pen["decided_on"])
    a = ins.loc[(day_i >= start) & (day_i < t0) & ins["result"].isin(VIOLATION_RESULTS), "business_id"]
    b = pen.loc[(day_p >= start) & (day_p < t0), "business_id"]
    return pd.concat([a, b]).value_counts()


def choose(
    selection: str, eligible: pd.DataFrame, k: int, rng: np.random.Generator, pool_factor: int, floor: float
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Pick ``k`` of ``eligible`` (columns business_id, record, score, rank).

    ``rank`` is the package's (1 = riskiest; within a calibrated step of ``score`` by the
    uncalibrated model score), as its candidate list orders businesses; exact ties at random.

    Returns (the selected rows with ``inclusion_prob``, the draw's pool with ``inclusion_prob``
    and ``drawn`` — None for the deterministic selections).
    """
    e = eligible.assign(tie=rng.random(len(eligible)))
    if selection == "record":
        top = e[e["record"] > 0].sort_values(["record", "tie"], ascending=[False, True]).head(k)
        return top.assign(inclusion_prob=1.0), None
    if selection == "score":
        top = e.sort_values(["rank", "tie"]).head(k)
        return top.assign(inclusion_prob=1.0), None
    if selection == "draw":
        pool = e.sort_values(["rank", "tie"]).head(pool_factor * k).copy()
        pool["inclusion_prob"] = inclusion_probabilities(pool["score"].fillna(0).to_numpy() + floor, k)
        pool["drawn"] = systematic_pps(pool["inclusion_prob"].to_numpy(), rng)
        return pool[pool["drawn"]].copy(), pool
    raise ValueError(f"unknown selection {selection!r}: one of {SELECTIONS}")
