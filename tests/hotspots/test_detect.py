"""Tests of the prospective aberration detector (guidance_analytics.hotspots.detect)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guidance_analytics.hotspots.detect import benjamini_hochberg, detect_aberrations


@pytest.fixture(scope="module")
def ref_dir(shared_file) -> Path:
    """The R ``surveillance`` reference outputs in ``shared/reference/surveillance``."""
    return shared_file("reference/surveillance")


def weekly(counts, series="a", start="2015-01-05", exposure=None) -> pd.DataFrame:
    """A weekly panel of one series."""
    n = len(counts)
    df = pd.DataFrame(
        {
            "series": series,
            "period": pd.date_range(start, periods=n, freq="7D"),
            "count": np.asarray(counts, dtype=float),
        }
    )
    if exposure is not None:
        df["exposure"] = np.asarray(exposure, dtype=float)
    return df


@pytest.fixture(scope="module")
def examples(ref_dir: Path) -> pd.DataFrame:
    return pd.read_csv(ref_dir / "surveillance_examples_long.csv")


def _r_panel(examples: pd.DataFrame, dataset: str, start: str) -> pd.DataFrame:
    d = examples[examples["dataset"] == dataset].copy()
    d["period"] = pd.Timestamp(start) + pd.to_timedelta((d["t"] - 1) * 7, unit="D")
    d["count"] = d["observed"]
    return d[["series", "period", "count", "t"]]


def test_salmonella_agona_matches_r_noufaily(examples, ref_dir):
    panel = _r_panel(examples, "salmonella.agona", "1990-01-01")
    out = detect_aberrations(
        panel.drop(columns="t"),
        "W",
        alpha=0.05,
        years_back=4,
        w=3,
        min_count=5,
        min_count_window=4,
    )
    out["t"] = panel["t"].to_numpy()
    ref = pd.read_csv(ref_dir / "salmonella_agona_reference_outputs.csv")
    ref = ref[ref["method"] == "ff_noufaily_opts"]
    m = out.merge(ref, on="t", suffixes=("", "_r"))
    assert len(m) == 52
    assert (m["method"] == "farrington_noufaily").all()
    np.testing.assert_allclose(m["p_value"], m["pvalue"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m["phi"], m["phi_r"], rtol=1e-4)
    both = m["upperbound"].notna()  # R blanks them under limit54
    assert both.sum() >= 40
    np.testing.assert_allclose(m.loc[both, "expected"], m.loc[both, "expected_r"], rtol=1e-5)
    assert (m.loc[both, "upper"] == m.loc[both, "upperbound"]).all()
    near = (m["count"] - m["upper"]).abs() <= 1
    assert (m["alarm"] == m["alarm_r"].astype(bool))[~near].all()
    assert (m["alarm"] == m["alarm_r"].astype(bool)).mean() >= 0.95


def test_ha_sts_districts_match_r_noufaily(examples, ref_dir):
    panel = _r_panel(examples, "ha.sts", "2001-01-01")
    start = panel.loc[panel["t"] == 209, "period"].iloc[0]
    out = detect_aberrations(
        panel.drop(columns="t"),
        "W",
        alpha=0.01,
        evaluate_from=start,
        years_back=3,
        w=3,
        min_count=0,
    )
    out["t"] = panel["t"].to_numpy()
    ref = pd.read_csv(ref_dir / "ha_sts_farringtonFlexible_noufaily.csv")
    ref = ref.rename(columns={"district": "series"})
    m = out.merge(ref, on=["series", "t"], suffixes=("", "_r"))
    assert len(m) == len(ref) == 12 * 82
    assert (out.loc[out["t"] < 209, "method"] == "none").all()
    assert (m["upper"] == m["upperbound"]).mean() >= 0.99
    np.testing.assert_allclose(m["p_value"], m["pvalue"], rtol=1e-3, atol=1e-6)
    agree = m["alarm"] == m["alarm_r"].astype(bool)
    near = (m["count"] - m["upper"]).abs() <= 1
    assert agree[~near].all()
    assert m["alarm_r"].sum() > 0 and agree.mean() >= 0.99


def test_rki_series_one_year_back_match_r_noufaily(examples, ref_dir):
    ref = pd.read_csv(ref_dir / "rki_labelled_alarms.csv")
    ref = ref[ref["method"] == "farringtonFlexible_noufaily"]
    d = examples[examples["dataset"].isin(ref["dataset"].unique())].copy()
    d["series"] = d["dataset"]
    d["period"] = pd.Timestamp("2001-01-01") + pd.to_timedelta((d["t"] - 1) * 7, unit="D")
    d["count"] = d["observed"]
    out = detect_aberrations(
        d[["series", "period", "count"]],
        "W",
        alpha=0.01,
        years_back=1,
        w=3,
        short_history="factor",
        min_count=0,
        evaluate_from=pd.Timestamp("2001-01-01") + pd.Timedelta(weeks=104),
    )
    out["t"] = d["t"].to_numpy()
    m = out.rename(columns={"series": "dataset"}).merge(ref, on=["dataset", "t"], suffixes=("", "_r"))
    assert len(m) == len(ref) == 14 * 105
    assert (m["upper"] == m["upperbound"]).all()
    assert (m["alarm"] == m["alarm_r"].astype(bool)).all()


def test_constant_series_alarms_exactly_at_spike():
    counts = np.full(6 * 52, 10.0)
    counts[290] = 30
    out = detect_aberrations(weekly(counts), "W")
    assert np.flatnonzero(out["alarm"]).tolist() == [290]
    row = out.iloc[290]
    assert row["method"].startswith("farrington_noufaily")
    assert row["expected"] == pytest.approx(10.0, rel=1e-6)
    assert row["p_value"] < 1e-4


def test_pure_seasonal_series_no_alarm():
    t = np.arange(7 * 52)
    counts = np.round(20 + 10 * np.sin(2 * np.pi * t / 52))
    out = detect_aberrations(weekly(counts), "W", evaluate_from="2016-02-01")
    assert not out["alarm"].any()
    glm = out["method"].str.startswith("farrington") | (out["method"] == "glm_harmonic")
    assert glm[out["period"] >= "2016-02-01"].all()


def test_sparse_all_zero_history_no_alarm_no_crash():
    counts = np.zeros(3 * 52)
    counts[-1] = 1
    out = detect_aberrations(weekly(counts), "W")
    assert not out["alarm"].any()
    last = out.iloc[-1]
    assert last["p_value"] < 0.01  # unusual, but below the minimum count
    assert np.isfinite(out["expected"].iloc[60:]).all()
    zeros = detect_aberrations(weekly(np.zeros(200)), "W", min_count=0)
    assert not zeros["alarm"].any()
    assert (zeros["p_value"].dropna() == 1).all()


def test_exposure_doubling():
    n = 6 * 52
    counts = np.full(n, 10.0)
    expo = np.ones(n)
    counts[-8:], expo[-8:] = 20, 2
    start = "2020-06-01"
    with_expo = detect_aberrations(weekly(counts, exposure=expo), "W", evaluate_from=start)
    assert not with_expo["alarm"].any()
    assert with_expo["expected"].iloc[-1] == pytest.approx(20.0, rel=1e-6)
    without = detect_aberrations(weekly(counts), "W", evaluate_from=start)
    assert without["alarm"].iloc[-8:].all()


def test_missing_periods_are_zero_and_rows_kept():
    rng = np.random.default_rng(1)
    full = weekly(rng.poisson(3, 200))
    full.loc[full.index % 17 == 5, "count"] = 0
    gaps = full[full["count"] > 0]
    a = detect_aberrations(full, "W").loc[gaps.index]
    b = detect_aberrations(gaps, "W")
    assert b.index.equals(gaps.index)
    pd.testing.assert_frame_equal(a, b)


def test_methods_by_history_length():
    rng = np.random.default_rng(2)
    out = detect_aberrations(weekly(rng.poisson(5, 4 * 52)), "W")
    meth = out["method"].to_numpy()
    assert (meth[:5] == "none").all()
    assert (meth[10:55] == "ears_c2").all()
    assert (meth[60:100] == "glm_harmonic").all()
    assert all(m.startswith("farrington_noufaily") for m in meth[-100:])
    assert out.loc[out["method"] == "none", "alarm"].eq(False).all()


def test_duplicates_and_bad_freq_rejected():
    df = weekly([1, 2, 3])
    with pytest.raises(ValueError):
        detect_aberrations(pd.concat([df, df]), "W")
    with pytest.raises(ValueError):
        detect_aberrations(df, "D")


def test_monthly_panel_many_series():
    rng = np.random.default_rng(3)
    periods = pd.date_range("2019-01-01", periods=72, freq="MS")
    panel = pd.DataFrame(
        [(f"s{i}", p, rng.poisson(4 + i % 5)) for i in range(8) for p in periods],
        columns=["series", "period", "count"],
    )
    out = detect_aberrations(panel, "M", evaluate_from="2024-01-01")
    assert len(out) == len(panel)
    ev = out["period"] >= "2024-01-01"
    assert out.loc[~ev, "method"].eq("none").all() and not out.loc[~ev, "alarm"].any()
    assert out.loc[ev, "method"].str.startswith("farrington").all()
    assert out.loc[ev, "alarm"].mean() < 0.05


def test_benjamini_hochberg_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(4)
    p = rng.uniform(size=50) ** 3
    q = benjamini_hochberg(p)
    np.testing.assert_allclose(q, multipletests(p, method="fdr_bh")[1])
    s = pd.Series([0.01, np.nan, 0.04], index=["a", "b", "c"])
    qs = benjamini_hochberg(s)
    assert qs.index.equals(s.index) and np.isnan(qs["b"])
    assert qs["a"] == pytest.approx(0.02) and qs["c"] == pytest.approx(0.04)


def test_window_test_catches_two_moderate_periods():
    rng = np.random.default_rng(5)
    counts = rng.poisson(10, 6 * 52).astype(float)
    counts[-2:] = [19, 19]
    start = "2019-01-07"
    single = detect_aberrations(weekly(counts), "W", evaluate_from=start)
    both = detect_aberrations(weekly(counts), "W", evaluate_from=start, window=2)
    assert not single["alarm"].iloc[-1] and both["alarm"].iloc[-1]
    assert both["p_value"].iloc[-1] <= 0.01 < single["p_value"].iloc[-1]
    ev = single["upper"].notna()
    assert ev.sum() > 50 and both["upper"].notna().equals(ev)
    assert (both["upper"] >= single["upper"])[ev].all()  # per-period test at alpha/2


def test_predictive_bound_is_wider_and_quarterly_works():
    rng = np.random.default_rng(6)
    periods = pd.date_range("2012-01-01", periods=40, freq="QS")
    panel = pd.DataFrame({"series": "q", "period": periods, "count": rng.poisson(30, 40)})
    plug = detect_aberrations(panel, "Q")
    pred = detect_aberrations(panel, "Q", threshold_method="nbPredictive")
    ok = plug["method"].str.startswith("farrington")
    assert ok.sum() > 10
    assert (pred.loc[ok, "upper"] >= plug.loc[ok, "upper"]).all()
    assert (pred.loc[ok, "se_log_expected"] > 0).all()


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 75),
    cut=st.integers(1, 40),
    rate=st.floats(0.2, 30.0),
    window=st.sampled_from([1, 2]),
)
def test_alarms_are_prospective(seed, n, cut, rate, window):
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2018-01-01", periods=n, freq="MS")
    rows = []
    for s in range(3):
        start = rng.integers(0, 10)
        y = rng.negative_binomial(2, 2 / (2 + rate * (1 + s)), size=n - start)
        y[rng.uniform(size=y.size) < 0.05] *= 4
        expo = rng.uniform(50, 100, size=y.size)
        expo[: rng.integers(0, 12)] = np.nan  # exposure known only from some period on
        rows += [(f"s{s}", periods[start + i], y[i], expo[i]) for i in range(y.size)]
    panel = pd.DataFrame(rows, columns=["series", "period", "count", "exposure"])
    cutoff = periods[max(n - cut, 1)]
    opts = dict(min_count=2, window=window, evaluate_from=periods[min(5, n - 1)])
    full = detect_aberrations(panel, "M", **opts)
    part = detect_aberrations(panel[panel["period"] < cutoff], "M", **opts)
    ref = full.loc[part.index]
    pd.testing.assert_frame_equal(
        ref.drop(columns="exposure"), part.drop(columns="exposure"), check_exact=False, rtol=1e-9
    )


def test_closed_form_factor_fit_equals_irls():
    from guidance_analytics.hotspots.detect.glm import (
        design_fitter,
        factor_fitter,
        fit_farrington,
        season_levels,
    )

    rng = np.random.default_rng(7)
    lev = season_levels(3, 3, 52, 10)
    lags = np.arange(27, lev.size)
    levels, x = lev[lags], -lags.astype(float)
    present = np.unique(levels)
    X = np.column_stack([(levels == v).astype(float) for v in present] + [x])
    x0 = np.append((present == 10).astype(float), 0.0)
    Y = rng.negative_binomial(3, 0.4, size=(lags.size, 6)).astype(float)
    Y[levels == 4, 0] = 0  # a level without counts
    off = np.log(rng.uniform(0.5, 2.0, size=Y.shape))
    fast = fit_farrington(factor_fitter(levels, 10, x), Y, off)
    slow = fit_farrington(design_fitter(X, x0, has_trend=True), Y, off)
    np.testing.assert_allclose(fast.eta0, slow.eta0, rtol=1e-6)
    np.testing.assert_allclose(fast.phi, slow.phi, rtol=1e-5)
    np.testing.assert_allclose(fast.trend, slow.trend, rtol=1e-5)
    np.testing.assert_allclose(fast.var0, slow.var0, rtol=1e-4)
    np.testing.assert_allclose(fast.trend_var, slow.trend_var, rtol=1e-4)
    np.testing.assert_allclose(fast.h[:, 1:], slow.h[:, 1:], rtol=1e-4, atol=1e-8)


def monthly(counts, series="a", start="2020-01-01", exposure=None) -> pd.DataFrame:
    """A monthly panel of one series."""
    df = pd.DataFrame(
        {
            "series": series,
            "period": pd.date_range(start, periods=len(counts), freq="MS"),
            "count": np.asarray(counts, dtype=float),
        }
    )
    if exposure is not None:
        df["exposure"] = np.asarray(exposure, dtype=float)
    return df


def test_pseudo_count_floors_empty_reference_windows():
    # 36 zero months then one case: the factor model with b = 2 years looks at lags 11-13 and 23-25
    # (6 reference months, exposure 2 each); the current exposure is 4
    counts, expo = np.zeros(37), np.full(37, 2.0)
    counts[-1], expo[-1] = 1, 4
    raw = detect_aberrations(monthly(counts, exposure=expo), "M").iloc[-1]
    assert raw["expected"] < 1e-100 and raw["p_value"] < 1e-100  # R's behaviour: a lone case is "certain"
    row = detect_aberrations(monthly(counts, exposure=expo), "M", pseudo_count=0.5).iloc[-1]
    assert row["method"] == "farrington_noufaily_notrend"
    mu = 0.5 * 4 / (6 * 2)  # half an event over the reference exposure, times the current exposure
    assert row["expected"] == pytest.approx(mu)
    assert row["p_value"] == pytest.approx(1 - np.exp(-mu))  # Poisson P(Y >= 1), phi = 1
    assert row["upper"] == 2  # P(Y <= 1) = 0.9876 < 0.99 <= P(Y <= 2)
    assert row["se_log_expected"] == pytest.approx(np.sqrt(2.0))
    assert not row["alarm"]


def test_pseudo_count_harmonic_and_no_effect_with_events():
    # 20 zero months then one case: one-harmonic model on lags 7..20 (14 months)
    counts = np.zeros(21)
    counts[-1] = 1
    row = detect_aberrations(monthly(counts), "M", pseudo_count=0.5).iloc[-1]
    assert row["method"] == "glm_harmonic"
    assert row["expected"] == pytest.approx(0.5 / 14)
    assert row["phi"] == pytest.approx(1 + 0.5 / 14 * 2)  # widened by mu * se^2, se^2 = 1 / 0.5
    # one event in the reference windows: the level mean 1/6 is above the floor 1/12 and is kept
    counts = np.zeros(37)
    counts[24], counts[-1] = 1, 1
    row = detect_aberrations(monthly(counts), "M", pseudo_count=0.5).iloc[-1]
    assert row["expected"] == pytest.approx(1 / 6, rel=1e-6)


def test_short_history_trend_in_harmonic_model():
    # noise-free growth: log mu = 2 + 0.8 cos(2 pi t / 12) + 0.03 t; month 20 is a seasonal trough
    # (mu = exp(2.2) = 9.0) below the baseline peak at month 12, so the trend does not extrapolate
    t = np.arange(21)
    counts = np.round(np.exp(2 + 0.8 * np.cos(2 * np.pi * t / 12) + 0.03 * t))
    flat = detect_aberrations(monthly(counts), "M").iloc[-1]
    grow = detect_aberrations(monthly(counts), "M", short_history_trend_p=0.05).iloc[-1]
    assert flat["method"] == grow["method"] == "glm_harmonic"
    assert not flat["trend"] and grow["trend"]
    assert flat["expected"] < 7.0
    assert grow["expected"] == pytest.approx(np.exp(2.2), rel=0.1)


def test_flat_and_empty_baselines_raise_no_runtime_warning():
    import warnings

    counts = np.zeros(4 * 52)
    counts[-1] = 3
    panel = pd.concat([weekly(counts, "zero"), weekly(np.full(4 * 52, 7.0), "flat")])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = detect_aberrations(panel, "W", evaluate_from="2018-08-01", pseudo_count=0.5)
    zero = out[(out["series"] == "zero") & (out["period"] >= "2018-08-01")]
    assert (zero["method"] == "farrington_noufaily_notrend").all() and (zero["years"] == 3).all()
    assert not zero["trend"].any()  # no trend information in an all-zero baseline
    assert not out["alarm"].any()


def test_fallback_none_leaves_the_first_year_unevaluated():
    rng = np.random.default_rng(2)
    panel = weekly(rng.poisson(5, 80))
    ears = detect_aberrations(panel, "W")["method"].to_numpy()
    none = detect_aberrations(panel, "W", fallback="none")
    assert (ears[10:55] == "ears_c2").all()  # less than a year (52 weeks + w) of history
    assert (none["method"].to_numpy()[:55] == "none").all()
    assert not none["alarm"].iloc[:55].any() and none["expected"].iloc[:55].isna().all()
    assert (none["method"].to_numpy()[60:] == "glm_harmonic").all()
    with pytest.raises(ValueError):
        detect_aberrations(panel, "W", fallback="c1")


# -- predictive bounds, harmonic baseline, missing observations, window sums (issue 9) ---------------


def test_predictive_sf_is_the_negative_binomial_when_nothing_is_estimated():
    from scipy import stats

    from guidance_analytics.hotspots.detect import predictive_sf, predictive_upper

    y = np.array([5.0, 12.0, 30.0])
    mu = np.array([4.0, 6.0, 12.0])
    phi = np.array([1.0, 1.5, 2.5])
    got = predictive_sf(y, mu, phi, np.zeros(3), np.full(3, np.nan))
    size = mu[1:] / (phi[1:] - 1)
    want = np.r_[stats.poisson.sf(4, 4.0), stats.nbinom.sf(y[1:] - 1, size, 1 / phi[1:])]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # estimation error of the mean, and of the dispersion, widen the tail
    wider = predictive_sf(y, mu, phi, np.full(3, 0.2), np.full(3, 15.0))
    assert (wider > got).all()
    # the bound is the smallest count whose exceedance probability is at most alpha
    u = predictive_upper(mu, phi, np.full(3, 0.2), np.full(3, 15.0), 0.01)
    assert (predictive_sf(u + 1, mu, phi, np.full(3, 0.2), np.full(3, 15.0)) <= 0.01).all()
    assert (predictive_sf(u, mu, phi, np.full(3, 0.2), np.full(3, 15.0)) > 0.01).all()


def test_a_prediction_whose_variance_overflows_gets_a_tail_probability_and_no_finite_bound():
    """A cell the GLM extrapolated wildly (mu 5e10, standard error of log mu 31: exp(2 se^2)
    overflows) gets its p-value from the mixture, not NaN, and no finite upper bound; the other
    cells are as when computed alone, and nothing warns."""
    import warnings

    from scipy import stats

    from guidance_analytics.hotspots.detect.bounds import predictive_pvalue, predictive_upper

    y = np.array([10.0, 12.0])
    mu = np.array([5e10, 6.0])
    phi = np.array([1.0, 1.5])
    se = np.array([31.3, 0.2])
    df = np.full(2, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = predictive_pvalue(y, mu, phi, se, df)
        u = predictive_upper(mu, phi, se, df, 0.01)
    # P(Y >= 10) is about P(m >= 10) = P(Z >= log(10 / 5e10) / 31.3) = Phi(0.71) = 0.76 (the
    # 7-node quadrature gives the weight of the nodes at z >= 0: 0.73)
    want = stats.norm.cdf(np.log(5e10 / 10) / 31.3)
    assert abs(p[0] - want) < 0.05
    assert u[0] == np.inf
    assert p[1] == predictive_pvalue(y[1:], mu[1:], phi[1:], se[1:], df[1:])[0]
    assert u[1] == predictive_upper(mu[1:], phi[1:], se[1:], df[1:], 0.01)[0] and np.isfinite(u[1])


def test_harmonic_baseline_follows_a_season_and_a_flat_series():
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    season = 20 * np.exp(0.5 * np.cos(2 * np.pi * (months.month - 7) / 12))
    panel = pd.concat(
        [
            pd.DataFrame({"series": "season", "period": months, "count": np.round(season)}),
            pd.DataFrame({"series": "flat", "period": months, "count": 20.0}),
        ],
        ignore_index=True,
    )
    out = detect_aberrations(
        panel, "M", baseline="harmonic", evaluate_from="2022-01-01", threshold_method="predictive"
    )
    evaluated = out["method"] != "none"
    assert (evaluated == (out["period"] >= "2022-01-01")).all()  # the months before are history only
    s = out[(out["series"] == "season") & evaluated]
    assert (s["method"] == "glm_season1").all()
    np.testing.assert_allclose(s["expected"], np.round(season[36:]), rtol=0.08)
    f = out[(out["series"] == "flat") & evaluated]
    assert (f["method"] == "glm_level").all() and np.allclose(f["expected"], 20.0, rtol=1e-6)
    assert not out["alarm"].any()


def test_missing_observations_are_left_out_of_the_fit():
    from guidance_analytics.hotspots.detect.glm import factor_fitter, fit_farrington

    rng = np.random.default_rng(3)
    levels = np.repeat(np.arange(1, 6), 6)
    Y = rng.poisson(8, (30, 2)).astype(float)
    off = np.zeros_like(Y)
    mask = np.ones_like(Y)
    mask[[2, 9, 17], 0] = 0  # three periods of series 0 without an observation
    Y_junk = Y.copy()
    Y_junk[[2, 9, 17], 0] = 0  # what a missing row holds
    fitter = factor_fitter(levels, 5, None)
    masked = fit_farrington(fitter, Y_junk, off, 2.58, mask)
    keep = np.setdiff1d(np.arange(30), [2, 9, 17])
    dropped = fit_farrington(factor_fitter(levels[keep], 5, None), Y[keep, :1], off[keep, :1], 2.58)
    assert masked.df_resid[0] == dropped.df_resid[0] == 27 - 5
    np.testing.assert_allclose(masked.eta0[0], dropped.eta0[0], rtol=1e-10)
    np.testing.assert_allclose(masked.dispersion[0], dropped.dispersion[0], rtol=1e-10)
    # and in the detector: a NaN count is no observation, not a zero
    months = pd.date_range("2020-01-01", periods=40, freq="MS")
    counts = rng.poisson(10, 40).astype(float)
    gap = counts.copy()
    gap[10:16] = np.nan
    zero = counts.copy()
    zero[10:16] = 0
    opts = dict(freq="M", baseline="harmonic", evaluate_from="2023-01-01", weights_threshold=None)
    res = {
        name: detect_aberrations(pd.DataFrame({"series": "a", "period": months, "count": c}), **opts)
        for name, c in (("gap", gap), ("zero", zero), ("full", counts))
    }
    ev = res["gap"]["method"] != "none"
    assert res["gap"]["count"].iloc[10:16].isna().all()
    assert (res["zero"]["expected"][ev] < res["gap"]["expected"][ev]).all()  # zeros pull it down
    assert np.allclose(res["gap"]["expected"][ev], res["full"]["expected"][ev], rtol=0.1)


def test_window_p_values_test_the_sum_against_the_summed_expectations():
    from scipy import stats

    rng = np.random.default_rng(4)
    counts = rng.poisson(10, 6 * 52).astype(float)
    counts[-3:] = [15, 15, 15]  # no week alone is unusual at 0.05; their sums are
    out = detect_aberrations(weekly(counts), "W", evaluate_from="2020-09-01", windows=(2, 3), min_count=0)
    last = out.iloc[-1]
    assert last["observed_w2"] == 30 and last["observed_w3"] == 45
    e3 = out["expected"].iloc[-3:].sum()
    assert last["expected_w3"] == pytest.approx(e3)
    phi = last["phi"]
    if phi <= 1:
        want = stats.poisson.sf(44, e3)
    else:
        want = stats.nbinom.sf(44, e3 / (phi - 1), 1 / phi)
    assert last["p_w3"] == pytest.approx(want, rel=1e-9)
    assert last["p_w3"] < last["p_w2"] < 0.05 < last["p_value"]
