"""Realised potential outcomes of a draw's pool and the design expectation of an estimator.

With common random numbers every potential event of a world is fixed by its seed, and a
business's records depend on guidance only through its own rate multipliers. So each pool row
has two *realised* post-window counts: ``y0`` (this round's guidance removed, if it was given)
and ``y1`` (this round's guidance added, if it was not), counted exactly as the package's panel
counts violations (inspections that found a problem + penalties decided in the window). The
observed count of a row is ``y1`` if drawn and adopted, else ``y0``.

Given the pools, being drawn is the only random thing left, so the *design expectation* of an
estimator is the mean of its value over re-draws of every round (randomised systematic PPS with
the recorded probabilities, adoption of a re-drawn row fixed per row), outcomes
``y0 + drawn · adopt · (y1 − y0)``; an estimator is design-unbiased when that mean equals the
realised ITT ``mean(adopt · (y1 − y0))`` (or, for the effect on the drawn, the re-draws' mean
of the drawn rows' ``adopt · (y1 − y0)`` combined by Σπ). This separates the three things an
"estimate − truth" gap can be: the truth's definition (expected vs realised effect), the data
path (observed panel counts vs ``y0``/``y1``), and the estimator (design mean vs realised ITT).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .records import multipliers, realise
from .selection import systematic_pps
from .world import N_MONTHS, Params, World, make_world

#: months before a window whose 移送立案 inspections may still give a penalty inside it (15–75 days)
PENALTY_LEAD_MONTHS = 3


def world_of(truth: dict[str, Any]) -> World:
    """The world of a saved truth (same seed, size, parameters and effect bound)."""
    fields = {f.name for f in dataclasses.fields(Params)}
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in truth["params"].items() if k in fields}
    return make_world(int(truth["seed"]), truth["size"], Params(**kw), effect_bound=float(truth["effect"]))


def _month_index(world: World, days: pd.Series) -> np.ndarray:
    d = pd.to_datetime(days)
    m0 = world.months[0]
    return np.asarray((d.dt.year - m0.year) * 12 + d.dt.month - m0.month, dtype=int)


def window_violations(
    world: World, mult: np.ndarray, rows: np.ndarray, month: int, window: int
) -> np.ndarray:
    """Realised violations of businesses ``rows`` in months ``[month, month + window)`` under the
    rate multipliers ``mult``: inspections with a problem found in the window plus penalties
    decided in it (whatever the month of their inspection)."""
    rec = realise(world, mult, max(month - PENALTY_LEAD_MONTHS, 0), min(month + window, N_MONTHS))
    ins, pen = rec["inspections"], rec["penalties"]
    a = world.months[month]
    b = a + pd.DateOffset(months=window)
    day_i, day_p = pd.to_datetime(ins["inspected_on"]), pd.to_datetime(pen["decided_on"])
    found = ins.loc[(ins["severity"] > 0) & (day_i >= a) & (day_i < b), "row"]
    decided = pen.loc[(day_p >= a) & (day_p < b), "row"]
    count = pd.concat([found, decided]).value_counts()
    return pd.Series(rows).map(count).fillna(0).to_numpy(dtype=float)


def pool_potential_outcomes(
    truth: dict[str, Any], world: World | None = None, window: int | None = None
) -> pd.DataFrame:
    """The truth's pool with ``row``, ``month``, ``y0``, ``y1`` and ``y_obs`` (realised, see the
    module docstring); ``window`` defaults to the truth's ``window_months``."""
    world = world_of(truth) if world is None else world
    w = int(truth["window_months"] if window is None else window)
    effect, n_m = float(truth["effect"]), world.params.effect_months
    position = {b: i for i, b in enumerate(world.biz["business_id"])}
    entries = truth["entries"]
    guided = pd.DataFrame(
        {
            "row": entries["business_id"].map(position).to_numpy(dtype=int),
            "month": _month_index(world, entries["guided_on"]),
        }
    )
    mult = multipliers(world, guided, effect)
    pool = truth["pool"].copy()
    pool["row"] = pool["business_id"].map(position).to_numpy(dtype=int)
    pool["month"] = _month_index(world, pool["guided_on"])
    pool["drawn"] = pool["drawn"].astype(bool)
    pool["adopted"] = pool["adopted"].fillna(False).astype(bool)
    y0, y1 = np.zeros(len(pool)), np.zeros(len(pool))
    for month, idx in pool.groupby("month").indices.items():
        rows = pool["row"].to_numpy()[idx]
        treated = (pool["drawn"] & pool["adopted"]).to_numpy()[idx]
        without, with_ = mult.copy(), mult.copy()
        for r, tr in zip(rows, treated, strict=True):
            if tr:
                without[r, month : month + n_m] /= 1.0 + effect
            else:
                with_[r, month : month + n_m] *= 1.0 + effect
        y0[idx] = window_violations(world, without, rows, int(month), w)
        y1[idx] = window_violations(world, with_, rows, int(month), w)
    pool["y0"], pool["y1"] = y0, y1
    pool["y_obs"] = np.where(pool["drawn"] & pool["adopted"], y1, y0)
    return pool


def redraw(pi: np.ndarray, groups: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One re-draw of a pool: systematic PPS with ``pi`` within each stratum (``groups``: row indices).

    >>> d = redraw(np.full(6, 0.5), [np.arange(3), np.arange(3, 6)], np.random.default_rng(0))
    >>> d.dtype == bool, int(d.sum()) in (2, 3, 4)
    (True, True)
    """
    d = np.zeros(len(pi), dtype=bool)
    for g in groups:
        d[g] = systematic_pps(pi[g], rng)
    return d


def design_expectation(
    estimator: Callable[[np.ndarray, np.ndarray], float],
    y0: np.ndarray,
    tau: np.ndarray,
    pi: np.ndarray,
    stratum: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Mean and s.d. over ``n_draws`` re-draws (systematic PPS per stratum with ``pi``) of
    ``estimator(y, drawn)`` with ``y = y0 + drawn · tau``, and the two truths: ``itt`` (the pool
    mean of ``tau``, strata by size) and ``on_drawn`` (mean over re-draws of the drawn rows' mean
    ``tau`` per stratum, strata combined by Σπ).

    >>> y0, tau = np.array([1.0, 2.0, 3.0, 4.0]), np.full(4, -1.0)
    >>> diff = lambda y, d: y[d].mean() - y[~d].mean()
    >>> r = design_expectation(diff, y0, tau, np.full(4, 0.5), np.zeros(4), 600, np.random.default_rng(0))
    >>> round(r["itt"], 3), bool(abs(r["mean"] + 1.0) < 4 * r["sd"] / np.sqrt(600))
    (-1.0, True)
    """
    groups = [np.flatnonzero(stratum == s) for s in np.unique(stratum)]
    est, on_drawn = np.empty(n_draws), np.empty(n_draws)
    sizes = np.array([len(g) for g in groups], dtype=float)
    mass = np.array([pi[g].sum() for g in groups])
    for i in range(n_draws):
        d = redraw(pi, groups, rng)
        est[i] = estimator(y0 + d * tau, d)
        on_drawn[i] = float(np.dot(mass, [tau[g[d[g]]].mean() for g in groups]) / mass.sum())
    itt = float(np.dot(sizes, [tau[g].mean() for g in groups]) / sizes.sum())
    return {
        "mean": float(est.mean()),
        "sd": float(est.std(ddof=1)),
        "itt": itt,
        "on_drawn": float(on_drawn.mean()),
        "err_sd_on_drawn": float((est - on_drawn).std(ddof=1)),
    }


def event_noise(
    world: World, rows: np.ndarray, months: np.ndarray, window: int, before: bool = False
) -> np.ndarray:
    """Raw potential-event noise of each row: the number of the world's potential events (every
    source, before guidance's thinning) of business ``rows[i]`` in months ``[months[i],
    months[i] + window)`` (``before``: the ``window`` months before ``months[i]``) minus the sum of
    their Poisson rates. Drawn once per seed and independently per business-month, so it has mean
    0 whatever was decided before the window — a draw that cannot see the future is balanced on it.

    >>> w = make_world(1, "small")
    >>> n = event_noise(w, np.arange(w.n), np.full(w.n, 24), 6)
    >>> bool(abs(n.mean()) < 4 * n.std() / np.sqrt(w.n))
    True
    """
    p = world.params
    counts = np.zeros((world.n, N_MONTHS))
    np.add.at(counts, (world.events["biz"].to_numpy(), world.events["month"].to_numpy()), 1.0)
    rate = (
        world.routine_rate
        + p.density * p.kappa * world.lam0 * world.extra["m_max"]
        + np.where(world.open_, p.density * p.unsub_rate, 0.0)
    )
    t = np.arange(N_MONTHS)[None, :]
    m = np.asarray(months, dtype=int)[:, None]
    mask = (t >= m - window) & (t < m) if before else (t >= m) & (t < m + window)
    return ((counts - rate)[rows] * mask).sum(axis=1)
