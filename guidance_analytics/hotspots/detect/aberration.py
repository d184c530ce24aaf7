"""Prospective aberration detection on count panels.

The detector is the improved Farrington method of Noufaily et al. (2013), as in
R ``surveillance::farringtonFlexible`` with its Noufaily options, applied to
every series of a panel at every evaluated period, using only data up to that
period (prospective: adding later data never changes an earlier decision).

Per series and period ``k`` (``ppy`` periods per year: 52, 12 or 4):

* **Baseline** -- up to ``years_back`` years, periods ``k - years_back*ppy - w``
  to ``k - exclude_recent - 1`` (the most recent 26 weeks / 6 months /
  2 quarters and the current period are left out, so that an emerging outbreak
  does not inflate its own baseline).
* **Model** -- quasi-Poisson log-linear GLM with a 10-level seasonal factor
  (level 10 = windows of ``+-w`` periods around the same period ``1..b``
  years back, levels 1-9 split the time in between), a linear trend and the
  log exposure as offset when ``exposure`` is given.  Past outbreaks are
  down-weighted: observations whose standardised Anscombe residual exceeds
  ``weights_threshold`` (2.58) get weight ``s**-2`` and the model is refitted;
  the dispersion ``phi`` is floored at 1.
* **Trend rule** (farringtonFlexible's) -- the trend is kept only when at
  least ``min_years_trend`` (3) years are available, its p-value is below
  ``p_threshold_trend`` and the prediction does not exceed the largest
  baseline count.  The default ``p_threshold_trend=1`` is Noufaily's choice
  (significance is not required); use 0.05 for the original Farrington rule.
* **Bound** -- ``upper`` is the ``1 - alpha`` quantile of a negative binomial
  with mean ``mu0`` and size ``mu0 / (phi - 1)`` (Poisson when ``phi == 1``);
  ``p_value = P(Y >= count)``.  An alarm needs ``count > upper`` and at least
  ``min_count`` cases in the last ``min_count_window`` periods (the current
  one included; R's ``limit54`` idea, default 5 cases in 4 weeks / 1 month /
  1 quarter).
* **Options beyond R** -- ``threshold_method="nbPredictive"`` widens the
  negative binomial for the estimation error: dispersion
  ``phi * (t_df / z)**2 + mu0 * se(log mu0)**2`` (``t_df`` and ``z`` the
  ``1 - alpha`` quantiles of Student's t with the residual degrees of freedom
  and of the normal; the second term is the quasi-likelihood analogue of
  Farrington's ``tau``); ``window=2`` (or 3) adds a test of the sum of the
  last 2 (3) periods against the sum of their prospective expectations, each
  test at ``alpha / 2`` (Bonferroni), so slowly building clusters are caught
  earlier.  ``p_value`` is then ``min(1, 2 * min(p_period, p_window))`` (or
  Simes' combination), the alarm is ``p_value <= alpha`` and ``upper`` the
  ``1 - alpha/2`` bound of the single period.  See
  ``benchmarks/eval_noufaily.py`` for their false-positive rate and
  probability of detection on the Noufaily et al. simulation design.

Short histories: with one to two years the seasonal factor is replaced by an
intercept and one annual harmonic fitted on all the history before the
excluded stretch (``method="glm_harmonic"``, no trend, its ``phi`` widened by
``mu0 * se(log mu0)**2`` for the few data; ``short_history="factor"`` keeps
the factor with ``b = 1``).  ``short_history_trend_p`` optionally tries a
trend there too (and in the factor model below ``min_years_trend``), kept under
farringtonFlexible's original rule (p-value below it, no prediction above the
largest baseline count).  It is off by default and not used for hotspots: on
the monthly simulation it raised the false-positive rate (24 months of
history: 0.53% to 0.69% with ``nbPredictive``) without better detection, and
on the planted sample data, whose fields grow (observed/expected 1.11-1.39 in
years 1-3 without a trend), the no-extrapolation rule lets mostly *downward*
trends through (54 of the 62 trends kept in one-harmonic fits lowered the
expectation, to 6.8 for 67 observed events), so it does not correct the low
expectations of growing fields.  Neither the down-weighting (``weights_threshold``)
nor the excluded recent stretch explains them (without them the
observed/expected of the one-harmonic and two-year cells moves by 0.05 at most).

Near-empty baselines: a field without any event in its reference windows gets
an expected count of about zero in R (so a single case has ``p_value`` about
0 and only ``min_count`` stops an alarm).  ``pseudo_count=0.5`` floors the
expectation at half an event spread over the reference exposure (the
EARS fallback below does the same with ``0.5 / n``).

With less than one year an EARS-C2-like baseline is used
(``method="ears_c2"``): mean and standard deviation of the counts in the
``c2_window`` periods before a gap of ``c2_gap`` periods, the SD floored at
``c2_min_sd``, the variance inflated by ``1 + 1/n`` for the estimated mean, and
the same negative-binomial bound and p-value; it knows nothing of the season,
so on seasonal monthly series it alarms in 3-11% of null months (7-16% with
``nbPlugin``; 0.15% without season)
(``fallback="none"`` leaves such periods unevaluated instead).  Too little
history gives ``method="none"`` (no alarm).

Years are ``ppy`` periods long (52 weeks), as in R with ``epochAsDate=FALSE``;
the drift against the calendar (about 1.25 days a year) is absorbed by the
reference windows.

Defaults and monthly data: the defaults are R's Noufaily settings (weekly
FPR 0.99%, POD 51% on the literature design).  On MONTHLY data with 2-4 years
of history (``benchmarks/eval_noufaily.py --freq M --history 24|36|48``, the
weekly parameter groups scaled to months, 12 evaluated months, alpha 0.01,
at least 5 cases) the plug-in bound is too narrow: FPR 1.37% / 1.53% / 1.02%
(up to 2.2% in one parameter group), POD 53% / 58% / 59%;
``threshold_method="nbPredictive"`` gives FPR 0.53% / 0.57% / 0.50% (at most
about 1% per group), POD 42% / 48% / 51%, and a 2-period window lowers the
monthly POD (36-46%).  The hotspot analysis therefore uses
``threshold_method="nbPredictive"``, ``window=1``, ``min_count=5``,
``pseudo_count=0.5`` and ``fallback="none"`` (``config/hotspots.toml``,
where the figures on the planted sample data are given too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .bounds import c2_baseline
from .glm import one_blas_thread
from .grid import (
    DEFAULT_EXCLUDE,
    DEFAULT_MIN_COUNT_WINDOW,
    DEFAULT_W,
    PERIODS_PER_YEAR,
    first_index_from,
    rolling_sum,
    to_matrices,
)
from .model import THRESHOLD_METHODS, decide, glm_group, harmonic_batch, window_pvalue

__all__ = ["benjamini_hochberg", "detect_aberrations"]

METHODS = (
    "none",
    "farrington_noufaily",
    "farrington_noufaily_notrend",
    "glm_harmonic",
    "ears_c2",
    "glm_level",
    "glm_season1",
    "glm_season2",
)


def benjamini_hochberg(p: Any) -> Any:
    """Benjamini-Hochberg q-values (step-up false discovery rate).

    Parameters
    ----------
    p : array-like or pandas.Series
        p-values; NaN entries are ignored and stay NaN.

    Returns
    -------
    numpy.ndarray or pandas.Series
        q-values in the input order (a Series keeps its index).
    """
    arr = np.asarray(p, dtype=float)
    q = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    m = int(ok.sum())
    if m:
        vals = arr[ok]
        order = np.argsort(vals)
        ranked = vals[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(ranked, 1.0)
        q[ok] = out
    if isinstance(p, pd.Series):
        return pd.Series(q, index=p.index, name=p.name)
    return q


def weighted_simes(ratios: Any) -> np.ndarray:
    """Weighted Simes combination of the tests of one cell, from their ``p_j / s_j``.

    Each row holds one cell's tests as ``r_j = p_j / s_j`` (``s_j`` the test's share of the cell's
    level, the shares adding up to at most 1; NaN = the test is not valid). Sorted ascending,
    ``r_(1) <= r_(2) <= ...``, the combined p-value is ``min_i r_(i) / i`` (Benjamini & Hochberg's
    weighted Simes test, the global-null case of weighted BH, Genovese, Roeder & Wasserman 2006):
    at ``i = 1`` it is the weighted Bonferroni ``min_j p_j / s_j``, so it is never larger; when
    several tests of the cell are small together (a rise: the month, the last 2 and the last 3
    months) it is up to their number times smaller. It keeps the level ``alpha`` of the cell's
    global null when the tests are positively dependent (Simes' inequality holds under MTP2,
    Sarkar 1998), as a month's count and the window sums containing it are: increasing functions
    of the same independent counts. A row without a valid test gives NaN.

    >>> weighted_simes(np.array([[0.004, 0.004, 0.004], [0.002, np.nan, 0.5], [np.nan, np.nan, np.nan]]))
    array([0.00133333, 0.002     ,        nan])
    """
    r = np.asarray(ratios, dtype=float)
    if r.ndim == 1:
        r = r[:, None]
    srt = np.sort(np.where(np.isfinite(r), r, np.inf), axis=1)
    with np.errstate(invalid="ignore"):
        out = np.min(srt / np.arange(1, r.shape[1] + 1), axis=1)
    return np.where(np.isfinite(out), out, np.nan)


@one_blas_thread
def detect_aberrations(
    panel: pd.DataFrame,
    freq: str = "W",
    alpha: float = 0.01,
    evaluate_from: Any = None,
    *,
    years_back: int = 5,
    w: int | None = None,
    no_periods: int = 10,
    weights_threshold: float | None = 2.58,
    exclude_recent: int | None = None,
    trend: bool = True,
    p_threshold_trend: float = 1.0,
    min_years_trend: int = 3,
    short_history_trend_p: float | None = None,
    pseudo_count: float | None = None,
    threshold_method: str = "nbPlugin",
    window: int = 1,
    window_combine: str = "bonferroni",
    min_count: int = 5,
    min_count_window: int | None = None,
    short_history: str = "harmonic",
    c2_window: int = 7,
    c2_gap: int = 2,
    c2_min_sd: float = 1.0,
    c2_min_obs: int = 3,
    fallback: str = "ears_c2",
    windows: tuple[int, ...] = (),
    baseline: str = "farrington",
    p_season: float = 0.05,
    dispersion_prior_df: float | None = None,
    compute_upper: bool = True,
    evaluate_periods: Any = None,
) -> pd.DataFrame:
    """Flag unusually high counts in every series of a panel, prospectively.

    Parameters
    ----------
    panel : pandas.DataFrame
        Columns ``series``, ``period`` (period start date), ``count`` and
        optionally ``exposure`` (positive; its log is the model offset).
        Periods absent inside a series count as zero; a row whose ``count`` is NaN is a
        missing observation (e.g. a failure rate in a period without inspections): it is not
        evaluated and does not enter any baseline.
    freq : {"W", "M", "Q"}
        Period length.
    alpha : float
        One-sided level of the bound (``upper`` is the ``1 - alpha`` quantile).
    evaluate_from : date-like, optional
        Periods before it only serve as history (``alarm`` False, statistics
        NaN, ``method`` "none").  ``None`` evaluates every period.
    years_back : int
        Years of history ``b`` used in the GLM.
    w : int, optional
        Half-width of the reference windows; default 3 weeks, 1 month,
        0 quarters.
    no_periods : int
        Levels of the seasonal factor (1 = windows only, original Farrington).
    weights_threshold : float or None
        Anscombe-residual threshold for down-weighting; ``None`` disables it.
    exclude_recent : int, optional
        Periods before the current one left out of the GLM baseline; default
        26 weeks, 6 months, 2 quarters.
    trend : bool
        Allow a linear trend.
    p_threshold_trend : float
        The trend is kept only if its p-value is below this (1 = always).
    min_years_trend : int
        Minimum years of history for a trend in the seasonal-factor model.
    short_history_trend_p : float or None
        With fewer years (the one-harmonic model of the second year, the
        factor model below ``min_years_trend``) a trend is tried too and kept
        when its p-value is below this and the prediction does not exceed the
        largest baseline count (farringtonFlexible's original rule); ``None``
        (default, Noufaily) never fits a trend there.
    pseudo_count : float or None
        Floor for near-empty baselines: the expected count is at least
        ``pseudo_count`` events spread over the reference data (the reference
        windows of the factor model, all the history of the harmonic model),
        ``pseudo_count * exposure_k / sum(reference exposure)``, and its
        ``se(log expected)`` at least ``pseudo_count ** -0.5``.  ``None``
        (default, as R) lets the expectation of a field without any event in
        its reference windows fall to about zero, so that a single case has
        ``p_value`` about 0.  0.5 is the Jeffreys-type choice (half an event;
        the EARS fallback always floors its mean at ``0.5 / n``).
    threshold_method : {"nbPlugin", "muan", "nbPredictive", "predictive"}
        ``"nbPlugin"`` (Noufaily): NB quantile at the fitted mean; ``"muan"``
        plugs in the ``1 - alpha`` quantile of the fitted mean;
        ``"nbPredictive"`` widens the dispersion for the estimated mean and
        the estimated dispersion by moments; ``"predictive"`` uses the
        predictive distribution itself, a quadrature mixture over the error of
        ``log(expected)`` and the posterior of the dispersion
        (:func:`~guidance_analytics.hotspots.detect.predictive_sf`): calibrated
        where the plug-in bound of R alarms in 2-3 times the nominal share of
        null months (monthly data, 2-4 years), without inflating a dispersion
        that sits at its floor.
    window : int
        1 = test each period alone (R); 2 or 3 = also test the sum of the last
        ``window`` periods, both at ``alpha / 2``.
    window_combine : {"bonferroni", "simes"}
        How the two p-values are combined when ``window > 1``; Simes adds
        alarms where both are below ``alpha``.
    min_count : int
        No alarm unless the last ``min_count_window`` periods hold at least
        this many cases (0 disables the rule).
    min_count_window : int, optional
        Default 4 weeks, 1 month, 1 quarter.
    short_history : {"harmonic", "factor"}
        Seasonal model when only one year (but less than two) is available.
    c2_window, c2_gap, c2_min_sd, c2_min_obs : int, int, float, int
        EARS-C2-like fallback for less than a year of history.
    fallback : {"ears_c2", "none"}
        Baseline for periods the GLM cannot serve (less than a year of
        history, failed fit): the EARS-C2-like one, or ``"none"`` (not
        evaluated).  On monthly seasonal data the EARS baseline cannot tell a
        seasonal peak from an aberration (see the module docstring).
    windows : tuple of int
        Also test the sum of the last ``w`` periods against the sum of their
        expectations, for each ``w`` given (columns ``observed_w{w}``,
        ``expected_w{w}``, ``p_w{w}``); the p-value uses the same bound method
        (:func:`~guidance_analytics.hotspots.detect.model.window_pvalue`).  The
        decision between the tests is the caller's
        (:func:`guidance_analytics.hotspots.flag_hotspots`).
    baseline : {"farrington", "harmonic"}
        ``"farrington"``: the 10-level seasonal factor above (R);
        ``"harmonic"``: intercept, + one, + two annual harmonics fitted on all
        the history up to ``years_back`` years (except the excluded recent
        stretch) and averaged by quasi-AIC weights, the spread between them
        added to the variance of ``log(expected)`` (methods ``glm_level``,
        ``glm_season1``, ``glm_season2``: the model of largest weight).  On
        2-4 years of monthly data its expectations are about twice as precise,
        because the level uses every month rather than the 3 months around the
        same month of past years.  No trend (``trend`` is ignored).
    p_season : float
        With ``baseline="harmonic"``: 0.05 = AIC's penalty per parameter; another
        value uses the chi-square(2) quantile of ``1 - p_season`` per harmonic.
    dispersion_prior_df : float or None
        Pool the dispersions of each period's series: a negative-binomial
        prior (common shape, each series carried to its current mean) on this
        many degrees of freedom (``_pool_dispersion``); ``None`` or 0 = off.
    compute_upper : bool
        Compute the ``upper`` column (callers that compute their own bound at
        other levels skip it).
    evaluate_periods : sequence of date-like, optional
        Evaluate only these periods (every series, so that pooled dispersions
        are those of a full run); the others are history only, as before
        ``evaluate_from``.  A caller that needs a few periods (the effort check
        of flagged cells) skips fitting the rest; the evaluated cells are the
        same as in a full run.

    Returns
    -------
    pandas.DataFrame
        One row per input row (same index): ``series``, ``period``, ``count``,
        ``exposure`` (1 without exposure), ``expected``, ``upper``,
        ``p_value``, ``alarm``, ``method``, ``phi``, ``trend`` (trend kept),
        ``years`` (years of history used by the GLM) and ``se_log_expected``
        (standard error of ``log(expected)``; 0 for "ears_c2" and, unless
        ``threshold_method="predictive"``, "glm_harmonic", whose ``phi`` then
        includes it), ``phi_df`` (degrees of freedom behind ``phi``),
        ``phi_raw`` (the dispersion estimate before the floor at 1) and, per
        window ``w``, ``observed_w{w}``, ``expected_w{w}``, ``p_w{w}``.  A row
        whose ``count`` is NaN stays NaN (missing, not evaluated).
    """
    freq = freq.upper()
    if freq not in PERIODS_PER_YEAR:
        raise ValueError("freq must be 'W', 'M' or 'Q'")
    if threshold_method not in THRESHOLD_METHODS:
        raise ValueError(f"threshold_method must be one of {', '.join(map(repr, THRESHOLD_METHODS))}")
    windows = tuple(int(x) for x in windows)
    if any(x < 2 for x in windows):
        raise ValueError("windows are lengths of 2 periods or more")
    if window < 1 or window_combine not in ("bonferroni", "simes"):
        raise ValueError("window must be >= 1 and window_combine 'bonferroni' or 'simes'")
    if fallback not in ("ears_c2", "none"):
        raise ValueError("fallback must be 'ears_c2' or 'none'")
    if short_history not in ("harmonic", "factor"):
        raise ValueError("short_history must be 'harmonic' or 'factor'")
    missing = {"series", "period", "count"} - set(panel.columns)
    if missing:
        raise ValueError(f"panel lacks columns {sorted(missing)}")
    cols = [
        "series",
        "period",
        "count",
        "exposure",
        "expected",
        "upper",
        "p_value",
        "alarm",
        "method",
        "phi",
        "trend",
        "years",
        "se_log_expected",
        "phi_df",
        "phi_raw",
    ]
    cols += [f"{c}_w{wl}" for wl in windows for c in ("observed", "expected", "p")]
    if panel.empty:
        dtypes = [panel["series"].dtype, panel["period"].dtype] + [float] * 5
        dtypes += [bool, "str", float, bool, int, float, float, float] + [float] * (3 * len(windows))
        return pd.DataFrame(
            {c: pd.Series(dtype=d) for c, d in zip(cols, dtypes, strict=True)},
            index=panel.index,
        )
    ppy = PERIODS_PER_YEAR[freq]
    w = DEFAULT_W[freq] if w is None else w
    excl = DEFAULT_EXCLUDE[freq] if exclude_recent is None else exclude_recent
    mcw = DEFAULT_MIN_COUNT_WINDOW[freq] if min_count_window is None else min_count_window
    Y, E, span, first, tt, codes, t0, anchor, missing = to_matrices(panel, freq)
    T, S = Y.shape
    observed = ~missing
    evaluate = span & observed  # cells reported as evaluated
    if evaluate_from is not None:
        k0 = first_index_from(evaluate_from, freq, anchor) - t0
        evaluate[: max(k0, 0)] = False
    if evaluate_periods is not None:
        want = np.zeros(T, dtype=bool)
        for when in pd.to_datetime(pd.Series(list(evaluate_periods))).drop_duplicates():
            k = first_index_from(when, freq, anchor) - t0
            if 0 <= k < T:
                want[k] = True
        evaluate &= want[:, None]
    fitted = evaluate.copy()  # cells fitted: the window tests also need k-1, ...
    for j in range(1, max(window, *windows, 1)):
        fitted[:-j] |= evaluate[j:] & span[:-j] & observed[:-j]

    res = {n: np.full((T, S), np.nan) for n in ("expected", "phi", "phi_raw", "se", "df")}
    method = np.zeros((T, S), dtype=np.int8)
    trend_kept = np.zeros((T, S), dtype=bool)
    years = np.zeros((T, S), dtype=np.int16)
    opts = dict(
        ppy=ppy,
        w=w,
        no_periods=no_periods,
        excl=excl,
        weights_threshold=weights_threshold,
        trend=trend,
        p_thr=p_threshold_trend,
        min_years_trend=min_years_trend,
        p_short=short_history_trend_p,
        pseudo=pseudo_count if pseudo_count else None,  # 0 = no floor
        p_season=p_season,
        min_baseline=ppy,
    )
    logE = np.log(E)
    M = observed.astype(float) if missing.any() else None
    if baseline not in ("farrington", "harmonic"):
        raise ValueError("baseline must be 'farrington' or 'harmonic'")
    legacy = threshold_method != "predictive"

    def groups(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Series fitted at period ``k``, their history, years available and baseline key."""
        active = np.flatnonzero(fitted[k])
        hist = k - first[active]
        b_av = np.minimum((hist - w) // ppy, years_back)
        harm = (b_av == 1) & (short_history == "harmonic")
        key = np.where(harm, -hist, b_av)  # harmonic fits use all history
        if baseline == "harmonic":  # all the history up to years_back years
            key = -np.minimum(hist, years_back * ppy + w)
        return active, hist, b_av, key

    periods = np.flatnonzero(fitted.any(axis=1))
    batched = {}
    if baseline == "harmonic":  # every period's fits in one stacked pass (same results as one by one)
        items = []
        for k in periods:
            active, _, b_av, key = groups(k)
            items += [(int(k), int(g), active[key == g]) for g in np.unique(key[b_av >= 1])]
        fits = harmonic_batch([(k, sel, -g) for k, g, sel in items], Y, logE, opts, M)
        batched = {(k, g): f for (k, g, _), f in zip(items, fits, strict=True)}
    for k in periods:
        active, hist, b_av, key = groups(k)
        failed = np.zeros(active.size, dtype=bool)
        for g in np.unique(key[b_av >= 1]):
            kind, depth = ("harm", -g) if g < 0 else ("fact", g)
            sel = active[key == g]
            if baseline == "harmonic":
                kind = "sel"
                out = batched[(int(k), int(g))]
            else:
                out = glm_group(k, sel, int(depth), kind, Y, logE, opts, M)
            if out is None:
                failed |= key == g
                continue
            if kind == "harm" and legacy:  # short history: the estimated mean widens phi itself
                out["phi"] = out["phi"] + out["expected"] * out["se"] ** 2
                out["se"] = np.zeros_like(out["se"])
            for name in ("expected", "phi", "phi_raw", "se", "df"):
                res[name][k, sel] = out[name]
            keep = out["keep"]
            trend_kept[k, sel] = keep if kind != "sel" else False
            years[k, sel] = 1 if kind == "harm" else (depth if kind == "fact" else (depth - w) // ppy)
            fit_ok = np.isfinite(out["expected"])
            code = {"fact": np.where(keep, 1, 2), "harm": 3, "sel": 5 + np.asarray(keep)}[kind]
            method[k, sel] = np.where(fit_ok, code, 0)
            failed[np.flatnonzero(key == g)[~fit_ok]] = True
        if dispersion_prior_df:  # borrow strength across the series of this period for phi
            _pool_dispersion(res, k, active, Y, M, excl, dispersion_prior_df)
        c2 = active[((b_av < 1) | failed) & (hist >= c2_gap + c2_min_obs) & (fallback == "ears_c2")]
        if c2.size:
            lo, hi = max(k - c2_gap - c2_window, 0), k - c2_gap
            rates = np.where(missing[lo:hi, c2], np.nan, Y[lo:hi, c2]) / E[lo:hi, c2] * E[k, c2]
            mu, phi = c2_baseline(rates, c2_min_sd, c2_min_obs)
            n = np.sum(np.isfinite(rates), axis=0)
            good = np.isfinite(mu)
            c2 = c2[good]
            res["expected"][k, c2] = mu[good]
            res["phi"][k, c2] = phi[good] * (1 + 1 / n[good])  # estimated mean
            res["phi_raw"][k, c2] = res["phi"][k, c2]
            res["se"][k, c2] = 0.0
            res["df"][k, c2] = n[good] - 1
            method[k, c2] = 4

    ok = method > 0
    upper, pval = decide(Y, res, ok, alpha, threshold_method, window, window_combine, compute_upper)
    done = evaluate & ok
    cum = np.vstack([np.zeros((1, S)), np.cumsum(np.nan_to_num(Y), axis=0)])
    recent = (
        cum[1:] - cum[np.maximum(np.arange(1, T + 1) - mcw, 0)]
    )  # the last mcw periods (fewer at the start)
    enough = (Y > 0) & (recent >= min_count)
    if window == 1:
        alarm = done & (Y > upper) & enough
    else:
        alarm = done & (pval <= alpha) & enough
    win = {}
    for wl in windows:  # sums of the last `wl` periods against the sums of their expectations
        ys = rolling_sum(np.where(ok, Y, np.nan), wl)
        ms = rolling_sum(np.where(ok, res["expected"], np.nan), wl)
        good = done & np.isfinite(ys) & np.isfinite(ms)
        pw = np.full((T, S), np.nan)
        pw[good] = window_pvalue(ys, ms, res, ok, wl, threshold_method)[good]
        win[wl] = (np.where(good, ys, np.nan), np.where(good, ms, np.nan), pw)
    res.update(upper=upper, p_value=pval)
    for name in ("expected", "upper", "p_value", "phi", "phi_raw", "se", "df"):
        res[name][~done] = np.nan
    method[~done] = 0
    trend_kept[~done] = False
    years[~done] = 0

    cells = {
        "series": panel["series"].to_numpy(),
        "period": panel["period"].to_numpy(),
        "count": np.where(missing[tt, codes], np.nan, Y[tt, codes]),
        "exposure": E[tt, codes],
        "expected": res["expected"],
        "upper": res["upper"],
        "p_value": res["p_value"],
        "alarm": alarm,
        "method": np.asarray(METHODS, dtype=object)[method],
        "phi": res["phi"],
        "trend": trend_kept,
        "years": years.astype(int),
        "se_log_expected": res["se"],
        "phi_df": res["df"],
        "phi_raw": res["phi_raw"],
    }
    for wl, (ys, ms, pw) in win.items():
        cells[f"observed_w{wl}"], cells[f"expected_w{wl}"], cells[f"p_w{wl}"] = ys, ms, pw
    # one frame from all the columns (adding them one by one rebuilt the column index each time)
    out = pd.DataFrame(
        {name: mat if mat.ndim == 1 else mat[tt, codes] for name, mat in cells.items()}, index=panel.index
    )
    return out[cols]


def _pool_dispersion(res, k, active, Y, M, excl, nu0):
    """Shrink the dispersions of period ``k`` towards a negative-binomial prior pooled over series.

    Under a negative binomial with a common shape, the quasi-Poisson dispersion of a series with
    mean count ``m`` is ``1 + kappa * m``: it grows with the mean. Each series' Pearson estimate
    ``phi_raw`` describes its baseline (mean observed count ``m``); it is first carried to the
    current expectation ``mu``: ``1 + (phi_raw - 1) * mu / m`` (a field that has grown by a third
    has a third more over-dispersion). ``kappa`` is the weighted median over the fitted series of
    ``(phi_raw - 1) / m`` (weights = degrees of freedom); the dispersion is then the posterior mean
    of a scaled inverse chi-square with prior ``1 + kappa * mu`` on ``nu0`` degrees of freedom:
    ``(nu0 * prior + df * phi_now) / (nu0 + df)`` on ``nu0 + df`` degrees of freedom. A past
    outbreak left in one series' baseline then inflates its dispersion less, and short baselines
    gain precision.
    """
    raw, df = res["phi_raw"][k, active], res["df"][k, active]
    mu = res["expected"][k, active]
    ok = np.isfinite(raw) & np.isfinite(df) & (df >= 1) & np.isfinite(mu)
    if ok.sum() < 3:
        return
    lo = max(k - 5 * 52, 0)
    hist = Y[lo : max(k - excl, lo + 1), active]
    if M is not None:
        hist = np.where(M[lo : max(k - excl, lo + 1), active] > 0, hist, np.nan)
    with np.errstate(all="ignore"):
        m = np.nanmean(hist, axis=0)
    ok &= np.isfinite(m) & (m > 0)
    if ok.sum() < 3:
        return
    excess = np.maximum(raw[ok] - 1.0, 0.0)
    kappa = excess / m[ok]
    order = np.argsort(kappa)
    cw = np.cumsum(df[ok][order])
    pooled = kappa[order][np.searchsorted(cw, cw[-1] / 2)]
    now = 1.0 + excess * mu[ok] / m[ok]
    prior = 1.0 + pooled * mu[ok]
    idx = active[ok]
    post_df = nu0 + df[ok]
    res["phi_raw"][k, idx] = (nu0 * prior + df[ok] * now) / post_df
    res["phi"][k, idx] = np.maximum(res["phi_raw"][k, idx], 1.0)
    res["df"][k, idx] = post_df
