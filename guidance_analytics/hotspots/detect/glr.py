"""Negative-binomial GLR-CUSUM for a sustained multiplicative rise, with a Monte Carlo p-value.

The detector of ``surveillance::glrnb`` (Höhle & Paul 2008) on the prospective baseline: at period
``t`` of a series, for every change point ``tau`` in the last ``L = 1 .. max_window`` periods, the
log-likelihood ratio of "the mean of periods ``tau .. t`` is ``kappa`` times the baseline"
(``kappa >= 1``) against ``kappa = 1``, maximised over ``kappa`` and ``tau``.

The counts are negative binomial with mean ``mu_s`` (the prospective expectation of period ``s``)
and variance ``phi * mu_s`` (the baseline's dispersion, floored at 1), i.e. size
``r_s = mu_s / (phi - 1)``; the alternative multiplies the mean by ``kappa`` at fixed size, as in
``glrnb``. Because the size is proportional to the mean, the log-likelihood ratio depends on the
window only through its sums ``Y = sum y_s`` and ``M = sum mu_s``:

``llr(kappa) = Y log(kappa) - (Y + M / (phi - 1)) log((1 + kappa (phi - 1)) / phi)``,

maximised at ``kappa = Y / M`` (Poisson at ``phi = 1``: ``Y log(Y/M) - (Y - M)``), 0 when
``Y <= M``. The statistic is ``G = max over L of llr_L(Y_L / M_L)``.

Its null distribution depends on the cell (the window's expectations, their estimation error, the
dispersion), so the alarm threshold is calibrated per cell by simulation under the baseline: the
counts of the window drawn from the predictive distribution of the single-period tests (a common
error ``exp(se z)`` on the expectations, the dispersion ``phi_raw * df / chi2_df`` floored at 1, then
negative binomial), the same statistic computed on each draw, and ``p = (1 + #{G_sim >= G}) /
(n_sim + 1)``. The p-value then enters the decision of the period like any other test (its share of
the false-flag budget, :func:`guidance_analytics.hotspots.flag_hotspots`). Draws are seeded per
cell (series and period), so a cell's p-value never depends on the other cells or on later data.
Cells whose statistic is below ``min_statistic`` are not simulated (their p-value is far above any
level used; reported NaN = not significant), and a cell whose statistic is reached by 4 % of a
first eighth of the draws stops there (p about 0.04 or more).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["glr_llr", "glr_pvalues"]


def glr_llr(y, m, phi):
    """The maximised log-likelihood ratio of a window with ``y`` events against ``m`` expected.

    Parameters
    ----------
    y, m : array-like
        Observed and expected sums over the window.
    phi : array-like
        Dispersion (variance / mean of a period's count), at least 1 (1 = Poisson).

    Examples
    --------
    Poisson: ``12 log(12/6) - (12 - 6)``:

    >>> round(float(glr_llr(12, 6, 1.0)), 4)
    2.3178
    >>> round(float(12 * np.log(2) - 6), 4)
    2.3178
    >>> float(glr_llr(5, 6, 2.0))  # fewer than expected: no evidence of a rise
    0.0
    """
    y, m, phi = (np.asarray(a, dtype=float) for a in (y, m, phi))
    y, m, phi = np.broadcast_arrays(y, m, phi)
    out = np.zeros(y.shape)
    pos = np.isfinite(y) & np.isfinite(m) & (m > 0) & (y > m)
    if not pos.any():
        return out
    yy, mm = y[pos], m[pos]
    d = np.maximum(np.nan_to_num(phi[pos], nan=1.0), 1.0) - 1.0
    kappa = yy / mm
    poisson = d < 1e-8
    safe = np.where(poisson, 1.0, d)
    nb = yy * np.log(kappa) - (yy + mm / safe) * np.log1p((kappa - 1.0) * safe / (1.0 + safe))
    out[pos] = np.where(poisson, yy * np.log(kappa) - (yy - mm), nb)
    return out


def _window_sums(A: np.ndarray, n: int) -> np.ndarray:
    """``(T, S, n)``: the sums of the last ``L = 1..n`` rows of ``A`` ending at each row (NaN where
    any of them is NaN or before the first row)."""
    T, S = A.shape
    out = np.full((T, S, n), np.nan)
    acc = np.zeros((T, S))
    for L in range(1, n + 1):
        shifted = np.full((T, S), np.nan)
        shifted[L - 1 :] = A[: T - L + 1]
        acc = acc + shifted
        out[:, :, L - 1] = acc
    return out


def glr_pvalues(
    Y: np.ndarray,
    MU: np.ndarray,
    phi: np.ndarray,
    phi_raw: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    evaluate: np.ndarray,
    keys: list[str],
    periods: list,
    max_window: int = 6,
    n_sim: int = 2000,
    min_statistic: float = 3.5,
) -> dict[str, np.ndarray]:
    """The GLR-CUSUM statistic and its Monte Carlo p-value of every evaluated cell (module docstring).

    Parameters
    ----------
    Y, MU : numpy.ndarray
        ``(T, S)`` counts and prospective expectations (NaN where a period has none: a window never
        reaches past such a period).
    phi, phi_raw, se, df : numpy.ndarray
        ``(T, S)`` the single-period test's dispersion (floored at 1), its raw estimate, the standard
        error of ``log(expected)`` and the dispersion's degrees of freedom.
    evaluate : numpy.ndarray
        ``(T, S)`` boolean: cells to test.
    keys, periods : list
        Series names and period labels (seed the draws of each cell).
    max_window : int
        Longest window (change point at most this many periods back).
    n_sim : int
        Draws per simulated cell.
    min_statistic : float
        Cells with a smaller statistic are not simulated (p-value NaN).

    Returns
    -------
    dict
        ``stat``, ``p``, ``length`` (the maximising window), ``observed``, ``expected`` (its sums),
        each ``(T, S, max_window)``: index ``n - 1`` holds the test restricted to windows of at most
        ``n`` periods (after a flag the test restarts, so fewer periods may be allowed).

    Examples
    --------
    A rise to twice the baseline over the last three months of a Poisson series:

    >>> Y = np.array([[10.0], [11.0], [9.0], [20.0], [21.0], [19.0]])
    >>> MU = np.full((6, 1), 10.0)
    >>> one = np.ones((6, 1))
    >>> ev = np.zeros((6, 1), bool); ev[-1] = True
    >>> r = glr_pvalues(Y, MU, one, one, 0 * one, np.inf * one, ev, ["甲"], list(range(6)), max_window=4)
    >>> int(r["length"][-1, 0, -1]), float(r["observed"][-1, 0, -1]), float(r["expected"][-1, 0, -1])
    (3, 60.0, 30.0)
    >>> round(float(r["stat"][-1, 0, -1]), 3)  # 60 log 2 - 30
    11.589
    >>> bool(r["p"][-1, 0, -1] < 0.001)
    True
    """
    T, S = Y.shape
    n = int(max_window)
    ok_mu = np.isfinite(MU) & np.isfinite(Y)
    Yw = _window_sums(np.where(ok_mu, Y, np.nan), n)
    Mw = _window_sums(np.where(ok_mu, MU, np.nan), n)
    ph = np.maximum(np.nan_to_num(phi, nan=1.0), 1.0)
    G = glr_llr(Yw, Mw, ph[:, :, None])
    G[~np.isfinite(Mw)] = 0.0
    # the test restricted to windows of at most n periods: running maximum over L
    best = np.zeros((T, S, n), dtype=np.int64)
    stat = np.zeros((T, S, n))
    cur_s = np.full((T, S), -1.0)
    cur_l = np.zeros((T, S), dtype=np.int64)
    for L in range(n):
        better = G[:, :, L] > cur_s
        cur_s = np.where(better, G[:, :, L], cur_s)
        cur_l = np.where(better, L, cur_l)
        stat[:, :, L], best[:, :, L] = cur_s, cur_l
    t_idx, s_idx = np.nonzero(evaluate)
    take = best[t_idx, s_idx]  # (cells, n)
    out = {
        "stat": np.full((T, S, n), np.nan),
        "p": np.full((T, S, n), np.nan),
        "length": np.zeros((T, S, n), dtype=np.int64),
        "observed": np.full((T, S, n), np.nan),
        "expected": np.full((T, S, n), np.nan),
    }
    out["stat"][t_idx, s_idx] = stat[t_idx, s_idx]
    out["length"][t_idx, s_idx] = take + 1
    out["observed"][t_idx, s_idx] = np.take_along_axis(Yw[t_idx, s_idx], take, axis=1)
    out["expected"][t_idx, s_idx] = np.take_along_axis(Mw[t_idx, s_idx], take, axis=1)
    sim = np.flatnonzero(stat[t_idx, s_idx, -1] >= min_statistic)
    for c in sim:
        t, s = int(t_idx[c]), int(s_idx[c])
        avail = int(np.isfinite(Mw[t, s]).sum())  # periods the window can reach back
        if avail == 0:
            continue
        mu = MU[t - avail + 1 : t + 1, s][::-1]  # the current period first
        rng = np.random.default_rng(zlib.crc32(f"{keys[s]}|{periods[t]}".encode()))
        obs = stat[t, s, :avail]
        args = (mu, ph[t, s], phi_raw[t, s], se[t, s], df[t, s])
        # a first batch; a cell already exceeded by 4 % of it is far from any level used
        first = min(n_sim, max(n_sim // 8, 1))
        hits = _exceed(_simulate(*args, first, rng), obs)
        done = first
        if hits[-1] < first // 25:
            hits = hits + _exceed(_simulate(*args, n_sim - first, rng), obs)
            done = n_sim
        p = (1.0 + hits) / (done + 1.0)
        out["p"][t, s, :avail] = p
        out["p"][t, s, avail:] = p[-1]
    return out


def _exceed(g_sim: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Per maximal window ``n``: draws whose statistic over windows ``1..n`` reaches the observed one."""
    run = np.maximum.accumulate(g_sim, axis=1)
    return (run >= obs[None, :] - 1e-9).sum(axis=0)


def _simulate(mu, phi, phi_raw, se, df, n_sim, rng):
    """``(n_sim, len(mu))``: the statistic of windows 1..len(mu) on draws from the predictive
    distribution of the window's counts (``mu`` with the current period first)."""
    se = float(se) if np.isfinite(se) and se > 0 else 0.0
    m = mu[None, :] * np.exp(se * rng.standard_normal((n_sim, 1)))
    raw = float(phi_raw) if np.isfinite(phi_raw) else float(phi)
    if np.isfinite(df) and df >= 1:
        ph_sim = np.maximum(raw * df / rng.chisquare(df, (n_sim, 1)), 1.0)
    else:
        ph_sim = np.full((n_sim, 1), max(raw, 1.0))
    d = ph_sim - 1.0
    lam = np.where(d > 1e-8, rng.gamma(np.maximum(m / np.maximum(d, 1e-8), 1e-12), np.maximum(d, 1e-8)), m)
    y = rng.poisson(lam).astype(float)
    ys = np.cumsum(y, axis=1)
    ms = np.cumsum(np.broadcast_to(mu[None, :], y.shape), axis=1)
    return glr_llr(ys, ms, phi)
