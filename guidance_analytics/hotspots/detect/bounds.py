"""Decisions from an expected count: negative-binomial upper bounds and p-values, and the EARS-C2
baseline used where there is too little history for a GLM (behind
:mod:`guidance_analytics.hotspots.detect`)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["c2_baseline", "nb_upper_and_pvalue"]


def nb_upper_and_pvalue(
    mu0: np.ndarray, phi: np.ndarray, y: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Negative-binomial plug-in bound and one-sided p-value.

    Parameters
    ----------
    mu0 : numpy.ndarray
        Predicted means.
    phi : numpy.ndarray
        Dispersion (variance ``phi * mu0``); ``phi == 1`` means Poisson.
    y : numpy.ndarray
        Observed counts.
    alpha : float
        The bound is the ``1 - alpha`` quantile.

    Returns
    -------
    upper, p_value : numpy.ndarray
        ``upper`` is the quantile, ``p_value = P(Y >= y)``.
    """
    mu0 = np.asarray(mu0, dtype=float)
    phi = np.asarray(phi, dtype=float)
    y = np.asarray(y, dtype=float)
    upper = np.full(mu0.shape, np.nan)
    pval = np.full(mu0.shape, np.nan)
    ok = np.isfinite(mu0) & np.isfinite(phi) & (mu0 >= 0)
    nb = ok & (phi > 1)
    po = ok & ~nb
    with np.errstate(all="ignore"):
        if nb.any():
            size = mu0[nb] / (phi[nb] - 1.0)
            prob = 1.0 / phi[nb]
            upper[nb] = stats.nbinom.ppf(1.0 - alpha, size, prob)
            pval[nb] = stats.nbinom.sf(y[nb] - 1.0, size, prob)
        if po.any():
            upper[po] = stats.poisson.ppf(1.0 - alpha, mu0[po])
            pval[po] = stats.poisson.sf(y[po] - 1.0, mu0[po])
    zero = ok & (mu0 <= 0)
    upper[zero] = 0.0
    pval[zero] = np.where(y[zero] > 0, 0.0, 1.0)
    pval = np.where(ok & (y <= 0), 1.0, pval)
    return upper, pval


def c2_baseline(rates: np.ndarray, min_sd: float, min_obs: int) -> tuple[np.ndarray, np.ndarray]:
    """EARS-C2-like mean and dispersion from a window of recent rates.

    Parameters
    ----------
    rates : numpy.ndarray
        ``(window, S)`` counts per unit exposure scaled to the current
        exposure; NaN where a period is unavailable.
    min_sd : float
        Lower bound on the standard deviation.
    min_obs : int
        Minimum number of available periods; fewer gives NaN.

    Returns
    -------
    mu, phi : numpy.ndarray
        Mean (floored at ``0.5 / n``, a half-count continuity correction) and
        dispersion ``max(sd**2, min_sd**2, mu) / mu``.
    """
    n = np.sum(np.isfinite(rates), axis=0)
    with np.errstate(all="ignore"):
        mean = np.nanmean(rates, axis=0)
        sd = np.nanstd(rates, axis=0, ddof=1)
    sd = np.where(np.isfinite(sd), sd, 0.0)
    mu = np.maximum(mean, 0.5 / np.maximum(n, 1))
    var = np.maximum(np.maximum(sd, min_sd) ** 2, mu)
    phi = var / mu
    bad = n < min_obs
    return np.where(bad, np.nan, mu), np.where(bad, np.nan, phi)
