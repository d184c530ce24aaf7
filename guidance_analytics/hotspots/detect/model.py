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

from .bounds import nb_upper_and_pvalue, predictive_pvalue, predictive_upper
from .glm import GlmFit, design_fitter, factor_fitter, farrington_batch, fit_farrington, season_levels
from .grid import rolling_sum

__all__ = [
    "THRESHOLD_METHODS",
    "decide",
    "glm_group",
    "harmonic_batch",
    "harmonic_group",
    "upper_bound",
    "window_pvalue",
]

#: How the bound allows for the estimated mean and dispersion (see ``detect_aberrations``).
THRESHOLD_METHODS = ("nbPlugin", "muan", "nbPredictive", "predictive")


def decide(Y, res, done, alpha, threshold_method, window, combine="bonferroni", compute_upper=True):
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
    if threshold_method == "predictive":  # the mixture over the estimated mean and dispersion
        raw, df = res["phi_raw"], res["df"]
        pval[done] = predictive_pvalue(Y[done], mu[done], raw[done], se[done], df[done])
        if compute_upper:
            upper[done] = predictive_upper(mu[done], raw[done], se[done], df[done], a1)
        if window > 1:
            ys = pd.DataFrame(Y).rolling(window).sum().to_numpy()
            ms = pd.DataFrame(mu).rolling(window).sum().to_numpy()
            ok = done & np.isfinite(ms) & np.isfinite(ys)
            pw = window_pvalue(ys, ms, res, done, window, threshold_method)
            p1 = pval[ok].copy()
            pval[done] = np.minimum(1.0, 2 * pval[done])
            pval[ok] = np.minimum(pval[ok], np.minimum(1.0, 2 * pw[ok]))
            if combine == "simes":
                pval[ok] = np.minimum(pval[ok], np.maximum(p1, pw[ok]))
        return upper, pval
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


def glm_group(k, sel, b, kind, Y, logE, o, M=None):
    """Fit the GLM for the series ``sel`` at period ``k`` with ``b`` years.

    ``M`` is the ``(T, S)`` 0/1 mask of observed cells (``None`` = all observed). Returns ``None``
    when the design cannot be fitted, else a dict of ``(len(sel),)`` arrays: ``expected``, ``phi``
    (floored at 1), ``phi_raw`` (the Pearson estimate), ``se`` (of ``log(expected)``), ``df``
    (residual degrees of freedom) and ``keep`` (trend kept). Series whose baseline holds too few
    observed cells (no degree of freedom, or no observed reference period) get NaN.
    """
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
    mask = None if M is None else M[k - lags][:, sel]
    off0 = logE[k, sel]
    fit = fit_farrington(fitter, Yb, off, thr, mask)
    eta0, phi, se0 = _predict(fit, off0)
    raw = fit.dispersion.copy()
    df = np.broadcast_to(np.asarray(fit.df_resid, dtype=float), sel.shape).copy()
    keep = np.zeros(sel.size, dtype=bool)
    if use_trend:  # farringtonFlexible's rule: significant and no extrapolation
        keep = (_trend_pvalue(fit) < p_thr) & (eta0 <= np.log(np.maximum(Yb.max(axis=0), 1e-300)))
        if (~keep).any():
            drop = ~keep
            fit0 = fit_farrington(
                no_trend_fitter, Yb[:, drop], off[:, drop], thr, None if mask is None else mask[:, drop]
            )
            eta0[drop], phi[drop], se0[drop] = _predict(fit0, off0[drop])
            raw[drop] = fit0.dispersion
            df[drop] = fit0.df_resid
    ref = np.ones(lags.size, dtype=bool) if kind == "harm" else levels == p
    if o["pseudo"] is not None:  # no event in the reference data: a pseudo-count there at least
        ref_exp = np.exp(off[ref]) if mask is None else np.exp(off[ref]) * mask[ref]
        floor = np.log(o["pseudo"]) + off0 - np.log(np.maximum(ref_exp.sum(axis=0), 1e-300))
        low = eta0 < floor
        eta0[low], se0[low] = floor[low], np.sqrt(1.0 / o["pseudo"])  # var(log mean) ~ 1/count
    mu = np.exp(eta0)
    if mask is not None:  # too little observed data for this series
        bad = (df < 1) | (mask[ref].sum(axis=0) == 0)
        mu[bad] = np.nan
    return {"expected": mu, "phi": phi, "phi_raw": raw, "se": se0, "df": df, "keep": keep}


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


def window_pvalue(ys, ms, res, ok, wl, threshold_method):
    """One-sided p-values of window sums ``ys`` (the last ``wl`` periods) against ``ms``.

    ``ms`` sums the prospective expectations of the window's periods. The sum of negative binomials
    sharing a dispersion is negative binomial with the summed mean and the same dispersion; the
    dispersion is the window's mean ``phi_raw`` with its smallest degrees of freedom, and the
    estimation error of the summed mean is taken as that of one period (the baselines of adjacent
    periods share most of their data: fully correlated errors, the conservative choice). Legacy
    methods use the current period's ``phi`` (and ``se`` with ``nbPredictive``), as before.
    """
    T, S = ys.shape
    out = np.full((T, S), np.nan)
    good = ok & np.isfinite(ys) & np.isfinite(ms)
    if not good.any():
        return out
    if threshold_method == "predictive":
        masked = {n: np.where(ok, res[n], np.nan) for n in ("phi_raw", "se", "df")}
        raw = rolling_sum(masked["phi_raw"], wl, "mean")
        se = rolling_sum(masked["se"], wl, "mean")
        df = rolling_sum(masked["df"], wl, "min")
        out[good] = predictive_pvalue(ys[good], ms[good], raw[good], se[good], df[good])
        return out
    ph = res["phi"] + ms * res["se"] ** 2 if threshold_method == "nbPredictive" else res["phi"]
    _, out[good] = nb_upper_and_pvalue(ms[good], ph[good], ys[good], 0.5)
    return out


def harmonic_group(k, sel, n_hist, Y, logE, o, M=None):
    """Fit the parsimonious seasonal baseline for the series ``sel`` at period ``k``.

    The baseline holds every period from ``excl + 1`` to ``n_hist`` periods back (all the history
    up to ``years_back`` years). Three nested quasi-Poisson models are fitted (with the exposure
    offset and farringtonFlexible's down-weighting of past outbreaks): an intercept, + one annual
    harmonic, + a second harmonic (a second needs two years of baseline, a first one year). They are
    **averaged** with quasi-AIC weights ``exp(-QAIC/2)`` (``QAIC = deviance / phi + 2 p``, ``phi``
    of the largest model): the log expectation is the weighted mean of theirs and its variance the
    weighted within-model variance plus the spread between the models (Burnham & Anderson's
    model-averaging variance). A season that the data barely support thus widens the predictive
    distribution instead of producing a confident seasonal trough; a clear season carries its model
    alone. ``o["p_season"]`` scales the penalty per extra harmonic (``2 * 2`` parameters at the
    default, matching AIC; a smaller value favours the simpler models more, see the code).

    Returns the dict of :func:`glm_group` (``keep`` = the number of harmonics of the model with the
    largest weight), or ``None`` when the baseline is too short. The detector fits through
    :func:`harmonic_batch`; this one-group form is the reference it is tested against.
    """
    ppy, thr = o["ppy"], o["weights_threshold"]
    lags = np.arange(o["excl"] + 1, n_hist + 1)
    if lags.size < o["min_baseline"]:
        return None
    X = _harmonic_design(lags, ppy)
    Yb, off = Y[k - lags][:, sel], logE[k - lags][:, sel]
    mask = None if M is None else M[k - lags][:, sel]
    fits = []
    for h in range(_max_harmonics(lags.size, ppy) + 1):
        p = 1 + 2 * h
        fitter = design_fitter(X[:, :p], _X0[:p], has_trend=False)
        fits.append(fit_farrington(fitter, Yb, off, thr, mask))
    return _harmonic_average(fits, Yb, off, logE[k, sel], mask, o)


def _harmonic_design(lags: np.ndarray, ppy: int) -> np.ndarray:
    """Design of the nested harmonic models at ``lags`` periods back: intercept, sin/cos of the
    annual harmonic, sin/cos of the second (the first ``1 + 2 h`` columns are the ``h``-harmonic model)."""
    ang = -2 * np.pi * lags / ppy
    return np.column_stack([np.ones_like(ang), np.sin(ang), np.cos(ang), np.sin(2 * ang), np.cos(2 * ang)])


#: design row of the current period (lag 0) for the intercept and two harmonics
_X0 = np.array([1.0, 0.0, 1.0, 0.0, 1.0])


def _max_harmonics(n: int, ppy: int) -> int:
    """Harmonics of the largest model for a baseline of ``n`` periods (a second needs two years)."""
    return 2 if n >= 2 * ppy else (1 if n >= ppy else 0)


def harmonic_batch(items, Y, logE, o, M=None, max_cells: int = 400_000):
    """:func:`harmonic_group` for many ``(k, sel, n_hist)`` at once: a list of its results.

    The nested models of every item (period and group of series) are stacked and fitted together
    (:func:`~guidance_analytics.hotspots.detect.glm.farrington_batch`): one design for the longest
    baseline, shorter baselines padded with rows of prior weight 0, so that a period's few hundred
    tiny fits become one pass of array operations. Each series follows the same IRLS steps as in
    :func:`harmonic_group` (a singular system falls back to the pseudo-inverse for its own fit
    only), so the results agree to rounding. Items are fitted in chunks of at most ``max_cells``
    stacked cells (rows x series) to bound the memory.
    """
    ppy, excl = o["ppy"], o["excl"]
    out: list = [None] * len(items)
    todo = [i for i, (_, _, n_hist) in enumerate(items) if n_hist - excl >= o["min_baseline"]]
    chunk: list[int] = []
    width = rows = 0
    for i in todo:
        n_i = items[i][2] - excl
        w_i = items[i][1].size * (_max_harmonics(n_i, ppy) + 1)
        if chunk and max(rows, n_i) * (width + w_i) > max_cells:
            _harmonic_chunk([items[c] for c in chunk], chunk, out, Y, logE, o, M)
            chunk, width, rows = [], 0, 0
        chunk.append(i)
        width, rows = width + w_i, max(rows, n_i)
    if chunk:
        _harmonic_chunk([items[c] for c in chunk], chunk, out, Y, logE, o, M)
    return out


def _harmonic_chunk(items, where, out, Y, logE, o, M):
    """Fit one chunk of :func:`harmonic_batch` and store each item's result in ``out[where[i]]``."""
    ppy, excl = o["ppy"], o["excl"]
    n_max = max(n_hist for _, _, n_hist in items) - excl
    lags = np.arange(excl + 1, excl + 1 + n_max)
    X = _harmonic_design(lags, ppy)
    blocks, spans, g = [], [], 0
    for k, sel, n_hist in items:
        n_i = n_hist - excl
        rows = k - lags[:n_i]
        Yb, off = Y[rows][:, sel], logE[rows][:, sel]
        pr = np.ones_like(Yb) if M is None else M[rows][:, sel]
        item_spans = []
        for h in range(_max_harmonics(n_i, ppy) + 1):
            item_spans.append((sum(b[0].shape[1] for b in blocks), sel.size))
            blocks.append((Yb, off, pr, 1 + 2 * h, g, n_i))
            g += 1
        spans.append(item_spans)
    C = sum(b[0].shape[1] for b in blocks)
    Ys, offs, prs = np.zeros((n_max, C)), np.zeros((n_max, C)), np.zeros((n_max, C))
    npar = np.empty(C, dtype=int)
    group = np.empty(C, dtype=int)
    at = 0
    for Yb, off, pr, p, gid, n_i in blocks:
        c = slice(at, at + Yb.shape[1])
        Ys[:n_i, c], offs[:n_i, c], prs[:n_i, c] = Yb, off, pr
        npar[c], group[c] = p, gid
        at += Yb.shape[1]
    fit = farrington_batch(X, _X0, Ys, offs, prs, npar, group, o["weights_threshold"])
    for (k, sel, n_hist), item_spans, pos in zip(items, spans, where, strict=True):
        n_i = n_hist - excl
        rows = k - lags[:n_i]
        fits = [_slice_fit(fit, a, width, n_i) for a, width in item_spans]
        mask = None if M is None else M[rows][:, sel]
        out[pos] = _harmonic_average(fits, Y[rows][:, sel], logE[rows][:, sel], logE[k, sel], mask, o)


def _slice_fit(fit: GlmFit, a: int, width: int, n: int) -> GlmFit:
    """The columns ``a : a + width`` (and first ``n`` rows) of a stacked fit."""
    c = slice(a, a + width)
    return GlmFit(
        fit.mu[:n, c], fit.h[:n, c], fit.phi[c], fit.dispersion[c], fit.df_resid[c], fit.eta0[c], fit.var0[c]
    )


def _harmonic_average(fits, Yb, off, off0, mask, o):
    """Quasi-AIC average of the nested harmonic fits of one baseline (see :func:`harmonic_group`)."""
    sel_shape = off0.shape
    # penalty per parameter: 2 (AIC) at p_season = 0.05; the chi-square(2) quantile of 1 - p_season
    # per harmonic otherwise (a harmonic must gain that much quasi-deviance to be preferred)
    pen = stats.chi2.ppf(1 - o["p_season"], 2) / 2 if o["p_season"] != 0.05 else 2.0
    disp = np.maximum(fits[-1].dispersion, 1.0)
    qaic = np.stack([_deviance_of(Yb, f.mu, mask) / disp + pen * (1 + 2 * h) for h, f in enumerate(fits)])
    w = np.exp(-(qaic - qaic.min(axis=0)) / 2)
    w /= w.sum(axis=0)
    preds = [_predict(f, off0) for f in fits]
    etas = np.stack([e for e, _, _ in preds])
    ses = np.stack([s_ for _, _, s_ in preds])
    eta0 = (w * etas).sum(axis=0)
    se0 = np.sqrt((w * (ses**2 + (etas - eta0) ** 2)).sum(axis=0))
    phi = (w * np.stack([ph for _, ph, _ in preds])).sum(axis=0)
    raw = (w * np.stack([f.dispersion for f in fits])).sum(axis=0)
    df = np.min(np.stack([np.broadcast_to(f.df_resid, sel_shape) for f in fits]), axis=0).astype(float)
    chosen = np.argmax(w, axis=0)
    if o["pseudo"] is not None:  # no event in the baseline: a pseudo-count there at least
        ref_exp = np.exp(off) if mask is None else np.exp(off) * mask
        floor = np.log(o["pseudo"]) + off0 - np.log(np.maximum(ref_exp.sum(axis=0), 1e-300))
        low = eta0 < floor
        eta0[low], se0[low] = floor[low], np.sqrt(1.0 / o["pseudo"])
    mu = np.exp(eta0)
    if mask is not None:
        mu[(df < 1) | (mask.sum(axis=0) == 0)] = np.nan
    return {"expected": mu, "phi": phi, "phi_raw": raw, "se": se0, "df": df, "keep": chosen}


def _deviance_of(Y, mu, mask):
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(Y > 0, Y * np.log(Y / mu), 0.0) - (Y - mu)
    if mask is not None:
        term = term * mask
    return 2.0 * np.nan_to_num(term).sum(axis=0)


def upper_bound(expected, phi, phi_raw, se, df, alpha, threshold_method="predictive", exact=None):
    """The ``1 - alpha`` bound of each cell (``alpha`` scalar or per cell) for a threshold method.

    The same bound :func:`decide` computes for a single period: the predictive mixture (exact in the
    cells of the mask ``exact``, default all; the moment-matched negative binomial quantile in the
    others), the moment-matched ``nbPredictive`` (with its t/z inflation) or the plug-in ``nbPlugin``.
    """
    mu = np.asarray(expected, dtype=float)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), mu.shape)
    if threshold_method == "predictive":
        return predictive_upper(mu, phi_raw, se, df, alpha, exact)
    phi = np.asarray(phi, dtype=float)
    se = np.asarray(se, dtype=float)
    if threshold_method == "nbPredictive":
        with np.errstate(invalid="ignore"):
            tq = stats.t.ppf(1 - alpha, np.where(np.asarray(df) >= 1, df, np.inf))
            phi = phi * (tq / stats.norm.ppf(1 - alpha)) ** 2 + mu * se**2
    out = np.full(mu.shape, np.nan)
    for a in np.unique(alpha[np.isfinite(alpha)]):
        pick = alpha == a
        out[pick], _ = nb_upper_and_pvalue(mu[pick], phi[pick], np.zeros(pick.sum()), float(a))
    return out
