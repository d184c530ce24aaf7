"""Batched quasi-Poisson GLM machinery behind :mod:`guidance_analytics.hotspots.detect`.

Everything here works on many series at once that share one design matrix: the
response is an ``(n, S)`` matrix (``n`` baseline periods, ``S`` series), the
design ``X`` is ``(n, p)``.  Fitting is iteratively reweighted least squares
(IRLS) for the Poisson log-link model, written so that the per-series normal
equations are assembled with a single matrix product and solved as a batch.

The numerical conventions follow R's ``glm.fit`` (start ``mu = y + 0.1``,
relative deviance tolerance ``1e-8``, at most 25 iterations) and the
``surveillance::farringtonFlexible`` reweighting (Anscombe residuals,
``weightsThreshold``), so that results can be compared with that package.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:  # scikit-learn's own dependency; without it BLAS keeps its threads (same results, slower)
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover
    ThreadpoolController = None

__all__ = [
    "GlmFit",
    "design_fitter",
    "factor_fitter",
    "farrington_batch",
    "fit_farrington",
    "fit_poisson",
    "fit_poisson_batch",
    "one_blas_thread",
    "season_levels",
]

_ETA_MIN, _ETA_MAX = -700.0, 700.0
Fitter = Callable[..., "GlmFit"]  # (Y, offset, prior_weights, start=None) -> GlmFit
_CONTROLLER: list[Any] = []  # the threadpoolctl controller, made on first use (it scans the loaded libraries)


def one_blas_thread(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run ``func`` with BLAS limited to one thread.

    The fits multiply and solve tiny matrices (a few parameters, tens of periods, hundreds of
    series): a second BLAS thread only adds its start-up and, on a loaded machine, its spinning
    (15-20 % of the detector's CPU time measured at a load average of 5 on 2 CPUs). Each output
    element is computed the same way with one thread or two, so results do not change.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if ThreadpoolController is None:
            limit = contextlib.nullcontext()
        else:
            if not _CONTROLLER:
                _CONTROLLER.append(ThreadpoolController())
            limit = _CONTROLLER[0].limit(limits=1, user_api="blas")
        with limit:
            return func(*args, **kwargs)

    return wrapper


@dataclass
class GlmFit:
    """Result of a batched fit; arrays have a trailing series axis ``S``.

    ``eta0`` is the linear predictor of the current period without its
    offset, ``var0`` its unscaled variance ``x0' (X' W X)^-1 x0``; ``trend``
    and ``trend_var`` (unscaled) are ``None`` for models without trend.
    """

    mu: np.ndarray  # (n, S) fitted means
    h: np.ndarray  # (n, S) hat values
    phi: np.ndarray  # (S,) dispersion, floored at 1
    dispersion: np.ndarray  # (S,) raw Pearson dispersion (used for t tests)
    df_resid: np.ndarray  # (S,) residual degrees of freedom (observed rows minus parameters)
    eta0: np.ndarray
    var0: np.ndarray
    trend: np.ndarray | None = None
    trend_var: np.ndarray | None = None


def season_levels(b: int, w: int, ppy: int, no_periods: int) -> np.ndarray:
    """Seasonal factor of Noufaily et al. (``farringtonFlexible``'s ``blocks``).

    Parameters
    ----------
    b : int
        Number of years back.
    w : int
        Half-width of the reference windows.
    ppy : int
        Periods per year (52, 12 or 4).
    no_periods : int
        Number of factor levels; level ``no_periods`` marks the reference
        windows, levels ``1..no_periods-1`` split the time between windows.

    Returns
    -------
    numpy.ndarray
        Integer level for lags ``d = 0 .. b*ppy + w`` (index ``d`` is the
        period ``k - d``); lag 0 is the current period.
    """
    lev = np.zeros(b * ppy + w + 1, dtype=int)
    lev[: w + 1] = no_periods
    gap = ppy - 2 * w - 1
    nblk = no_periods - 1
    sizes = np.full(max(nblk, 0), gap // nblk if nblk > 0 else 0)
    if nblk > 0:
        sizes[: gap % nblk] += 1
    for i in range(1, b + 1):
        ref = i * ppy
        lev[ref - w : ref + w + 1] = no_periods
        # periods after the window (towards the present), in time order
        start = ref - w - 1
        for j, size in enumerate(sizes, start=1):
            lev[start - size + 1 : start + 1] = j
            start -= size
    return lev


def fit_poisson(
    X: np.ndarray,
    Y: np.ndarray,
    offset: np.ndarray,
    prior: np.ndarray,
    maxit: int = 25,
    tol: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit Poisson log-link GLMs for many series sharing one design.

    Parameters
    ----------
    X : numpy.ndarray
        Design, shape ``(n, p)``.
    Y, offset, prior : numpy.ndarray
        Counts, offsets and prior weights, shape ``(n, S)``.
    maxit, tol : int, float
        IRLS limits (R defaults).

    Returns
    -------
    beta : numpy.ndarray
        Coefficients ``(p, S)``.
    mu : numpy.ndarray
        Fitted means ``(n, S)``.
    cov_unscaled : numpy.ndarray
        ``(X' W X)^-1`` per series, ``(S, p, p)``.
    """
    n, p = X.shape
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    mu = Y + 0.1
    dev_old = np.full(Y.shape[1], np.inf)
    beta = np.zeros((p, Y.shape[1]))
    act = np.arange(Y.shape[1])  # series still iterating
    for _ in range(maxit):
        y, m, off, pw = Y[:, act], mu[:, act], offset[:, act], prior[:, act]
        W = pw * m
        z = np.log(m) - off + (y - m) / m
        A = (outer.T @ W).T.reshape(-1, p, p)
        b = _solve(A, (X.T @ (W * z)).T).T
        m = np.exp(np.clip(X @ b + off, _ETA_MIN, _ETA_MAX))
        beta[:, act], mu[:, act] = b, m
        dev = _deviance(y, m, pw)
        done = np.abs(dev - dev_old[act]) / (np.abs(dev) + 0.1) < tol
        dev_old[act] = dev
        act = act[~done]
        if act.size == 0:
            break
    W = prior * mu
    A = (outer.T @ W).T.reshape(-1, p, p)
    cov = _inv(A)
    return beta, mu, cov


def _deviance(Y: np.ndarray, mu: np.ndarray, prior: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(Y > 0, Y * np.log(Y / mu), 0.0) - (Y - mu)
    return 2.0 * (prior * term).sum(axis=0)


def _solve(A: np.ndarray, rhs: np.ndarray, fallback: bool = True) -> np.ndarray:
    try:
        return np.linalg.solve(A, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        if not fallback:
            raise
        return np.einsum("sij,sj->si", np.linalg.pinv(A), rhs)


def _inv(A: np.ndarray, fallback: bool = True) -> np.ndarray:
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        if not fallback:
            raise
        return np.linalg.pinv(A)


def _pearson_dispersion(Y, mu, prior, df):
    r = Y - mu
    r2 = np.divide(r * r, mu, out=np.zeros_like(mu), where=mu > 0)
    return (prior * r2).sum(axis=0) / np.maximum(df, 1)


def _finish(mu, h, Y, prior, n_par, eta0, var0, trend=None, trend_var=None) -> GlmFit:
    # rows with prior weight 0 (missing observations) are not data: they count for no degree of freedom
    df = (prior > 0).sum(axis=0) - n_par
    disp = _pearson_dispersion(Y, mu, prior, df)
    return GlmFit(mu, h, np.maximum(disp, 1.0), disp, df, eta0, var0, trend, trend_var)


def design_fitter(X: np.ndarray, x0: np.ndarray, has_trend: bool) -> Fitter:
    """Fitter for a general design, by IRLS (:func:`fit_poisson`).

    Parameters
    ----------
    X : numpy.ndarray
        Design ``(n, p)``; with ``has_trend`` the trend is the last column.
    x0 : numpy.ndarray
        Design row of the current period ``(p,)``.
    has_trend : bool
        Whether the last column is a trend (reported in ``GlmFit.trend``).

    Returns
    -------
    callable
        ``fit(Y, offset, prior, start=None) -> GlmFit``.
    """

    def fit(Y: np.ndarray, offset: np.ndarray, prior: np.ndarray, start: np.ndarray | None = None) -> GlmFit:
        beta, mu, cov = fit_poisson(X, Y, offset, prior)
        XC = np.matmul(X[None], cov)  # (S, n, p)
        h = (XC * X[None]).sum(axis=2).T * prior * mu
        var0 = np.einsum("i,sij,j->s", x0, cov, x0)
        trend = beta[-1] if has_trend else None
        tvar = cov[:, -1, -1] if has_trend else None
        return _finish(mu, h, Y, prior, X.shape[1], x0 @ beta, var0, trend, tvar)

    return fit


def factor_fitter(levels: np.ndarray, target: int, x: np.ndarray | None) -> Fitter:
    """Seasonal factor (one mean per level) with an optional linear trend ``x``.

    With indicator columns only, the Poisson maximum-likelihood level means
    have a closed form (weighted count over weighted exposure per level); the
    trend coefficient is found by Newton's method on the profile likelihood.
    The hat values and prediction variance use the block inverse of
    ``X' W X``.  This gives the same fit as IRLS on the full design (up to
    convergence tolerance), at a fraction of the cost, and exact zeros for
    levels without any count (where IRLS drifts towards minus infinity).

    Parameters
    ----------
    levels : numpy.ndarray
        Integer level of each baseline row ``(n,)``.
    target : int
        Level of the current period (the reference-window level).
    x : numpy.ndarray or None
        Trend covariate ``(n,)``, zero at the current period; ``None`` for
        no trend.

    Returns
    -------
    callable
        ``fit(Y, offset, prior, start=None) -> GlmFit``; ``start`` is an
        initial trend coefficient per series.
    """
    present = np.unique(levels)
    ind = (levels[:, None] == present[None, :]).astype(float)  # (n, L)
    it = int(np.flatnonzero(present == target)[0])
    n_par = present.size + (x is not None)

    indt = np.ascontiguousarray(ind.T)
    li = np.argmax(ind, axis=1)  # level (column of ind) of each row
    x2 = None if x is None else x**2

    def fit(Y: np.ndarray, offset: np.ndarray, prior: np.ndarray, start: np.ndarray | None = None) -> GlmFit:
        sy = indt @ (prior * Y)
        bt = np.zeros(Y.shape[1]) if start is None else start.copy()
        if x is not None:
            span = max(float(np.ptp(x)), 1.0)
            xx = x[:, None]
            act = np.arange(Y.shape[1])  # series still iterating
            for _ in range(50):
                y, pw = Y[:, act], prior[:, act]
                mu, s_l, c_l, _ = _factor_means(ind, indt, sy[:, act], offset[:, act] + xx * bt[act], pw, xx)
                wm = pw * mu
                info = x2 @ wm - _ratio(c_l**2, s_l).sum(axis=0)
                score = x @ (pw * (y - mu))
                step = np.clip(_ratio(score, info), -2.0 / span, 2.0 / span)
                bt[act] += step
                act = act[np.abs(step) * span >= 1e-9]
                if act.size == 0:
                    break
        eta = offset if x is None else offset + x[:, None] * bt
        mu, s_l, c_l, rate = _factor_means(ind, indt, sy, eta, prior, None if x is None else x[:, None])
        wm = prior * mu
        h = wm * _ratio(np.ones_like(s_l), s_l)[li]
        rate_t = rate[it]
        eta0 = np.log(np.maximum(rate_t, 1e-300))
        var0 = _ratio(np.ones_like(rate_t), s_l[it])
        trend = tvar = None
        if x is not None:
            schur = x2 @ wm - _ratio(c_l**2, s_l).sum(axis=0)
            tvar = _ratio(np.ones_like(schur), schur, np.inf)
            cbar = _ratio(c_l, s_l)
            h = h + wm * (x[:, None] - cbar[li]) ** 2 * np.where(np.isfinite(tvar), tvar, 0)
            var0 = var0 + cbar[it] ** 2 * np.where(np.isfinite(tvar), tvar, 0)
            trend = bt
        var0 = np.where(rate_t > 0, var0, 0.0)
        return _finish(mu, h, Y, prior, n_par, eta0, var0, trend, tvar)

    return fit


def _ratio(a: np.ndarray, b: np.ndarray, fill: float = 0.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), fill)


def _factor_means(ind, indt, sy, eta, prior, xx):
    """Level means given the trend part of the linear predictor ``eta``."""
    e = np.exp(np.minimum(eta, _ETA_MAX))
    rate = _ratio(sy, indt @ (prior * e))
    mu = e * (ind @ rate)
    wm = prior * mu
    s_l = indt @ wm
    c_l = indt @ (wm * xx) if xx is not None else None
    return mu, s_l, c_l, rate


def fit_farrington(
    fitter: Fitter,
    Y: np.ndarray,
    offset: np.ndarray,
    weights_threshold: float | None = 2.58,
    mask: np.ndarray | None = None,
) -> GlmFit:
    """Quasi-Poisson fit with down-weighting of past outbreaks.

    The model is fitted once, standardised Anscombe residuals ``s`` are
    computed, observations with ``s > weights_threshold`` get weight
    ``s**-2`` (others 1, all rescaled to sum to ``n``) and the model is
    refitted.  The dispersion is floored at 1.

    Parameters
    ----------
    fitter : callable
        ``fitter(Y, offset, prior_weights) -> GlmFit`` from
        :func:`factor_fitter` or :func:`design_fitter`.
    Y, offset : numpy.ndarray
        Counts and log-exposure offsets ``(n, S)``.
    weights_threshold : float or None
        Anscombe-residual threshold; ``None`` disables the reweighting.
    mask : numpy.ndarray, optional
        ``(n, S)``, 1 where the observation exists and 0 where it is missing (such rows get prior
        weight 0: they are no data, neither zeros nor degrees of freedom); ``None`` = all exist.

    Returns
    -------
    GlmFit
    """
    prior = np.ones_like(Y) if mask is None else mask.astype(float)
    fit = fitter(Y, offset, prior)
    if weights_threshold is None:
        return fit
    omega, _ = _anscombe_weights(Y, fit, prior, weights_threshold)
    return fitter(Y, offset, omega, fit.trend)


def _anscombe_weights(
    Y: np.ndarray, fit: GlmFit, prior: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Farrington's down-weights of a first fit: ``s⁻²`` where the standardised Anscombe residual
    ``s`` exceeds ``threshold``, rescaled per series to the prior weights' total; and the mask of
    the down-weighted observations."""
    h = fit.h
    with np.errstate(divide="ignore", invalid="ignore"):
        y23 = np.cbrt(Y * Y)
        root = np.sqrt(fit.mu)
        raw = 1.5 * (np.where(Y > 0, y23 / np.cbrt(root), 0.0) - root)  # y^(2/3) mu^(-1/6)
        s = raw / np.sqrt(fit.phi * (1.0 - h))
    s = np.where(np.isfinite(s) & (h < 1 - 1e-10), s, 0.0)
    big = s > threshold
    omega = np.where(big, 1.0 / np.where(big, s, 1.0) ** 2, 1.0) * prior
    total = omega.sum(axis=0)
    omega *= np.where(total > 0, prior.sum(axis=0) / np.where(total > 0, total, 1.0), 1.0)
    return omega, big


def _grouped(
    op: Callable[..., np.ndarray], group: np.ndarray, singular: set[int], *arrays: np.ndarray
) -> np.ndarray:
    """``op`` (:func:`_solve` or :func:`_inv`) on stacked systems as if each ``group`` were alone.

    A singular matrix sends its own group to the pseudo-inverse, not the whole stack, as fitting
    the groups one by one does; the groups that needed it are added to ``singular``.
    """
    try:
        return op(*arrays, fallback=False)
    except np.linalg.LinAlgError:
        out = None
        for g in np.unique(group):
            j = np.flatnonzero(group == g)
            part = [a[j] for a in arrays]
            try:
                res = op(*part, fallback=False)
            except np.linalg.LinAlgError:
                singular.add(int(g))
                res = op(*part)
            if out is None:
                out = np.empty((arrays[0].shape[0], *res.shape[1:]))
            out[j] = res
        return out


def fit_poisson_batch(
    X: np.ndarray,
    Y: np.ndarray,
    offset: np.ndarray,
    prior: np.ndarray,
    npar: np.ndarray,
    group: np.ndarray,
    maxit: int = 25,
    tol: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, set[int]]:
    """:func:`fit_poisson` for series of several groups and nested designs in one pass.

    Series ``s`` uses the first ``npar[s]`` columns of ``X`` (nested models: intercept, + one
    harmonic, + two); ``group[s]`` names the fit it belongs to (one per baseline and model), so that
    a singular system falls back to the pseudo-inverse for its group only, as separate calls of
    :func:`fit_poisson` per group do. Rows with prior weight 0 are no data (padding of shorter
    baselines). Every series follows the same IRLS steps as in its own call (each step is
    column-wise; the unused coefficients are exactly zero), so the results agree with the per-group
    fits to rounding.

    Returns
    -------
    beta : numpy.ndarray
        ``(p, S)``, zero beyond ``npar``.
    mu : numpy.ndarray
        ``(n, S)``.
    cov_unscaled : numpy.ndarray
        ``(S, p, p)``, zero beyond ``npar``.
    singular : set of int
        The groups whose IRLS fell back to the pseudo-inverse in some step.
    """
    n, p = X.shape
    sizes = [int(q) for q in np.unique(npar)]
    # per design size its own columns and outer products: the same matrix products as fit_poisson's
    # (a product over padded zero coefficients would round differently in the last bit, and
    # ill-conditioned fits, such as series without a maximum-likelihood estimate, amplify that)
    Xq = {q: np.ascontiguousarray(X[:, :q]) for q in sizes}
    outer = {q: (Xq[q][:, :, None] * Xq[q][:, None, :]).reshape(n, q * q) for q in sizes}
    mu = Y + 0.1
    beta = np.zeros((p, Y.shape[1]))
    singular: set[int] = set()  # groups whose IRLS needed the pseudo-inverse
    for q in sizes:  # the series of one design size, kept compact: converged ones are dropped
        cols = np.flatnonzero(npar == q)
        y, off, pw, m = Y[:, cols], offset[:, cols], prior[:, cols], mu[:, cols]
        dev_old = np.full(cols.size, np.inf)
        for _ in range(maxit):
            W = pw * m
            z = np.log(m) - off + (y - m) / m
            A = (outer[q].T @ W).T.reshape(-1, q, q)
            b = _grouped(_solve, group[cols], singular, A, (Xq[q].T @ (W * z)).T).T
            m = np.exp(np.clip(Xq[q] @ b + off, _ETA_MIN, _ETA_MAX))
            beta[:q, cols], mu[:, cols] = b, m
            dev = _deviance(y, m, pw)
            done = np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < tol
            if done.all():
                break
            if done.any():
                keep = ~done
                cols, y, off, pw, m, dev = (
                    cols[keep],
                    y[:, keep],
                    off[:, keep],
                    pw[:, keep],
                    m[:, keep],
                    dev[keep],
                )
            dev_old = dev
    cov = np.zeros((Y.shape[1], p, p))
    for q in sizes:
        j = np.flatnonzero(npar == q)
        A = (outer[q].T @ (prior[:, j] * mu[:, j])).T.reshape(-1, q, q)
        cov[np.ix_(j, np.arange(q), np.arange(q))] = _grouped(_inv, group[j], set(), A)
    return beta, mu, cov, singular


def farrington_batch(
    X: np.ndarray,
    x0: np.ndarray,
    Y: np.ndarray,
    offset: np.ndarray,
    prior: np.ndarray,
    npar: np.ndarray,
    group: np.ndarray,
    weights_threshold: float | None = 2.58,
) -> GlmFit:
    """:func:`fit_farrington` of :func:`design_fitter` (no trend) for stacked series and nested designs.

    The arguments are those of :func:`fit_poisson_batch` (``prior`` the 0/1 observation mask, 0 on
    padding rows) and the design row ``x0`` of the current period. Only the series where some
    observation is down-weighted are refitted: for the others the weights are exactly the prior ones
    (``omega`` rescaled by ``n / n``), so their refit would repeat the first fit step for step.
    """
    fit, singular = _design_fit_batch(X, x0, Y, offset, prior, npar, group)
    if weights_threshold is None:
        return fit
    omega, big = _anscombe_weights(Y, fit, prior, weights_threshold)
    # refit the down-weighted series; a group whose IRLS needed the pseudo-inverse is refitted whole
    # (it changes the steps of all its series, as in fit_farrington's refit of the whole group)
    redo = (big & (prior > 0)).any(axis=0)
    whole: set[int] = set()
    while True:
        whole |= singular
        cols = np.flatnonzero(redo | np.isin(group, list(whole)))
        if cols.size == 0:
            return fit
        re, singular = _design_fit_batch(
            X, x0, Y[:, cols], offset[:, cols], omega[:, cols], npar[cols], group[cols]
        )
        if singular <= whole:
            break
    for name in ("mu", "h"):
        getattr(fit, name)[:, cols] = getattr(re, name)
    for name in ("phi", "dispersion", "df_resid", "eta0", "var0"):
        getattr(fit, name)[cols] = getattr(re, name)
    return fit


def _design_fit_batch(X, x0, Y, offset, prior, npar, group) -> tuple[GlmFit, set[int]]:
    """The fit of :func:`design_fitter` (no trend) for :func:`fit_poisson_batch`'s stacked series."""
    beta, mu, cov, singular = fit_poisson_batch(X, Y, offset, prior, npar, group)
    h = np.empty_like(mu)
    eta0 = np.empty(Y.shape[1])
    var0 = np.empty(Y.shape[1])
    for q in np.unique(npar):
        j = np.flatnonzero(npar == q)
        Xq, cq = np.ascontiguousarray(X[:, :q]), cov[j][:, :q, :q]
        XC = np.matmul(Xq[None], cq)
        h[:, j] = (XC * Xq[None]).sum(axis=2).T * prior[:, j] * mu[:, j]
        var0[j] = np.einsum("i,sij,j->s", x0[:q], cq, x0[:q])
        eta0[j] = x0[:q] @ beta[:q, j]
    return _finish(mu, h, Y, prior, npar, eta0, var0), singular
