"""Per-period model fits and decisions behind :mod:`guidance_analytics.hotspots.detect`.

:func:`glm_group` fits the seasonal GLM of one period for a group of series
sharing a design (seasonal factor or, for short histories, one harmonic), with
farringtonFlexible's trend rule and the optional pseudo-count floor;
:func:`decide` turns expectations and dispersions into bounds and p-values
(plug-in, "muan" or predictive negative binomial; optional window test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .bounds import nb_upper_and_pvalue
from .glm import design_fitter, factor_fitter, fit_farrington, season_levels

__all__ = ["decide", "glm_group"]


def decide(Y, res, done, alpha, threshold_method, window, combine="bonferroni"):
    """Upper bounds and p-values of the evaluated cells (``(T, S)`` arrays).

    With ``window > 1`` the period p-value ``p1`` and the window p-value
    ``pw`` are combined by Bonferroni, ``min(1, 2 min(p1, pw))``, or by Simes,
    ``min(1, 2 min(p1, pw), max(p1, pw))`` (valid under the positive
    dependence of a count and the sum that contains it).
    """
    upper = np.full(Y.shape, np.nan)
    pval = np.full(Y.shape, np.nan)
    mu, phi, se = res["expected"], res["phi"], res["se"]
    a1 = alpha if window == 1 else alpha / 2
    if threshold_method == "nbPredictive":
        # estimated phi: t instead of normal quantile; estimated mean: + mu^2 se^2
        with np.errstate(invalid="ignore"):
            tq = stats.t.ppf(1 - a1, np.where(res["df"] >= 1, res["df"], np.inf))
        phi = phi * (tq / stats.norm.ppf(1 - a1)) ** 2
        res = {**res, "phi": phi}
        phi = phi + mu * se**2
    upper[done], pval[done] = nb_upper_and_pvalue(mu[done], phi[done], Y[done], a1)
    if threshold_method == "muan":
        mu_q = np.exp(np.minimum(np.log(mu) + stats.norm.ppf(1 - alpha) * se, 700.0))
        upper[done], _ = nb_upper_and_pvalue(mu_q[done], phi[done], Y[done], alpha)
    if window > 1:  # Bonferroni: this period at alpha/2 or the last `window` at alpha/2
        ys = pd.DataFrame(Y).rolling(window).sum().to_numpy()
        ms = pd.DataFrame(mu).rolling(window).sum().to_numpy()
        ph = res["phi"] + ms * se**2 if threshold_method == "nbPredictive" else res["phi"]
        ok = done & np.isfinite(ms)
        _, pw = nb_upper_and_pvalue(ms[ok], ph[ok], ys[ok], alpha)
        p1 = pval[ok].copy()
        pval[done] = np.minimum(1.0, 2 * pval[done])
        pval[ok] = np.minimum(pval[ok], np.minimum(1.0, 2 * pw))
        if combine == "simes":
            pval[ok] = np.minimum(pval[ok], np.maximum(p1, pw))
    return upper, pval


def glm_group(k, sel, b, kind, Y, logE, o):
    """Fit the GLM for the series ``sel`` at period ``k`` with ``b`` years."""
    ppy, w, p, thr = o["ppy"], o["w"], o["no_periods"], o["weights_threshold"]
    if kind == "harm":  # intercept + one annual harmonic on all `b` past periods
        lags = np.arange(o["excl"] + 1, b + 1)
        if lags.size < 6:
            return None
        ang = -2 * np.pi * lags / ppy
        X = np.column_stack([np.ones_like(ang), np.sin(ang), np.cos(ang)])
        no_trend_fitter = design_fitter(X, np.array([1.0, 0.0, 1.0]), has_trend=False)
        p_thr = o["p_short"]
        use_trend = o["trend"] and p_thr is not None and lags.size >= 8
        fitter = no_trend_fitter
        if use_trend:
            fitter = design_fitter(
                np.column_stack([X, -lags.astype(float)]), np.array([1.0, 0.0, 1.0, 0.0]), has_trend=True
            )
    else:
        full = season_levels(b, w, ppy, p)
        lags = np.arange(o["excl"] + 1, len(full))
        levels = full[lags]
        if not (levels == p).any():
            return None
        long = b >= o["min_years_trend"]
        p_thr = o["p_thr"] if long else o["p_short"]
        use_trend = o["trend"] and p_thr is not None
        no_trend_fitter = factor_fitter(levels, p, None)
        fitter = factor_fitter(levels, p, -lags.astype(float)) if use_trend else no_trend_fitter
        n_par = np.unique(levels).size + use_trend
        if lags.size <= n_par:
            return None
    Yb, off = Y[k - lags][:, sel], logE[k - lags][:, sel]
    off0 = logE[k, sel]
    fit = fit_farrington(fitter, Yb, off, thr)
    eta0, phi, se0 = _predict(fit, off0)
    df = np.full(sel.size, float(fit.df_resid))
    keep = np.zeros(sel.size, dtype=bool)
    if use_trend:  # farringtonFlexible's rule: significant and no extrapolation
        keep = (_trend_pvalue(fit) < p_thr) & (eta0 <= np.log(np.maximum(Yb.max(axis=0), 1e-300)))
        if (~keep).any():
            drop = ~keep
            fit0 = fit_farrington(no_trend_fitter, Yb[:, drop], off[:, drop], thr)
            eta0[drop], phi[drop], se0[drop] = _predict(fit0, off0[drop])
            df[drop] = fit0.df_resid
    if o["pseudo"] is not None:  # no event in the reference data: a pseudo-count there at least
        ref = np.ones(lags.size, dtype=bool) if kind == "harm" else levels == p
        floor = np.log(o["pseudo"]) + off0 - np.log(np.exp(off[ref]).sum(axis=0))
        low = eta0 < floor
        eta0[low], se0[low] = floor[low], np.sqrt(1.0 / o["pseudo"])  # var(log mean) ~ 1/count
    if kind == "harm":  # short history: always widen for the estimated mean
        return np.exp(eta0), phi + np.exp(eta0) * se0**2, keep, np.zeros_like(se0), df
    return np.exp(eta0), phi, keep, se0, df


def _trend_pvalue(fit) -> np.ndarray:
    """Two-sided t-test p-value of the trend (1 where it is not identifiable)."""
    tv = fit.trend_var
    ok = np.isfinite(tv) & (fit.dispersion > 0)  # flat or all-zero baselines carry no trend information
    t = np.zeros_like(fit.trend)
    t[ok] = fit.trend[ok] / np.sqrt(fit.dispersion[ok] * tv[ok])
    return np.where(ok, 2 * stats.t.sf(np.abs(t), fit.df_resid), 1.0)


def _predict(fit, off0: np.ndarray):
    """Linear predictor, dispersion and standard error of the prediction."""
    eta0 = np.clip(fit.eta0 + off0, -700.0, 700.0)
    return eta0, fit.phi.copy(), np.sqrt(np.maximum(fit.var0 * fit.dispersion, 0.0))
