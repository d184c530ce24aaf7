"""The stacked harmonic fits (one pass for many periods, groups and nested models) equal the
per-group fits of ``fit_poisson`` / ``fit_farrington`` / ``harmonic_group``, on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from guidance_analytics.hotspots.detect.glm import (
    design_fitter,
    farrington_batch,
    fit_farrington,
    fit_poisson,
    fit_poisson_batch,
)
from guidance_analytics.hotspots.detect.model import harmonic_batch, harmonic_group

PPY = 12
X0 = np.array([1.0, 0.0, 1.0, 0.0, 1.0])


def _design(n: int, p: int = 5) -> np.ndarray:
    lags = np.arange(7, 7 + n)
    ang = -2 * np.pi * lags / PPY
    cols = [np.ones(n), np.sin(ang), np.cos(ang), np.sin(2 * ang), np.cos(2 * ang)]
    return np.column_stack(cols[:p])


def _counts(n: int, s: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    season = 1 + 0.5 * np.sin(2 * np.pi * np.arange(n) / PPY)
    expo = rng.uniform(20, 60, (n, s))
    Y = rng.poisson(0.2 * expo * season[:, None]).astype(float)
    return Y, np.log(expo)


def test_intercept_only_is_the_closed_form_rate() -> None:
    # one parameter: the Poisson MLE of the level is sum(y) / sum(exposure), whatever else is stacked
    Y = np.array([[3.0, 0.0], [5.0, 2.0], [4.0, 1.0], [0.0, 0.0]])
    E = np.array([[10.0, 5.0], [10.0, 5.0], [20.0, 10.0], [10.0, 5.0]])
    X = _design(4)
    Ys, offs = np.hstack([Y, Y]), np.log(np.hstack([E, E]))
    npar, group = np.array([1, 1, 5, 5]), np.array([0, 0, 1, 1])
    beta, mu, _, singular = fit_poisson_batch(X, Ys, offs, np.ones_like(Ys), npar, group)
    # IRLS stops at a relative deviance change of 1e-8: the coefficient is within about 1e-9
    assert beta[0, :2] == pytest.approx(np.log([12 / 50, 3 / 25]), rel=1e-8)
    assert mu[:, 0] == pytest.approx(E[:, 0] * 12 / 50, rel=1e-8)
    assert (beta[1:, :2] == 0).all()  # the unused coefficients stay exactly zero
    assert singular == {1}  # group 1: five parameters for four periods


def test_stacked_nested_padded_fits_equal_the_per_group_fits() -> None:
    # group 0: 30 periods, intercept + two harmonics; group 1: 24 periods (padded with 6 rows of
    # prior weight 0), one harmonic; group 2: 24 periods, intercept only
    Y0, o0 = _counts(30, 4, 1)
    Y1, o1 = _counts(24, 3, 2)
    n = 30
    pad = np.zeros((n - 24, 3))
    Ys = np.hstack([Y0, np.vstack([Y1, pad]), np.vstack([Y1, pad])])
    offs = np.hstack([o0, np.vstack([o1, pad]), np.vstack([o1, pad])])
    prior = np.hstack(
        [np.ones((n, 4)), np.vstack([np.ones((24, 3)), pad]), np.vstack([np.ones((24, 3)), pad])]
    )
    npar = np.repeat([5, 3, 1], [4, 3, 3])
    group = np.repeat([0, 1, 2], [4, 3, 3])
    beta, mu, cov, _ = fit_poisson_batch(_design(n), Ys, offs, prior, npar, group)
    for g, (Yg, og, p, cols) in enumerate(
        [(Y0, o0, 5, slice(0, 4)), (Y1, o1, 3, slice(4, 7)), (Y1, o1, 1, slice(7, 10))]
    ):
        b_ref, mu_ref, cov_ref = fit_poisson(_design(len(Yg), p), Yg, og, np.ones_like(Yg))
        rows = len(Yg)
        assert beta[:p, cols] == pytest.approx(b_ref, rel=1e-12, abs=1e-14), g
        assert mu[:rows, cols] == pytest.approx(mu_ref, rel=1e-12), g
        assert cov[cols, :p, :p] == pytest.approx(cov_ref, rel=1e-10, abs=1e-16), g


def test_a_singular_group_falls_back_alone() -> None:
    # group 1's only series is observed in two periods: three parameters, X'WX singular -> the
    # pseudo-inverse, for that group only; group 0 is solved as on its own
    n = 24
    Y0, o0 = _counts(n, 3, 3)
    y1 = np.zeros((n, 1))
    y1[[2, 9], 0] = [4.0, 6.0]
    m1 = np.zeros((n, 1))
    m1[[2, 9], 0] = 1.0
    Ys, offs = np.hstack([Y0, y1]), np.hstack([o0, np.zeros((n, 1))])
    prior = np.hstack([np.ones((n, 3)), m1])
    npar, group = np.array([3, 3, 3, 3]), np.array([0, 0, 0, 1])
    X = _design(n)
    beta, mu, cov, singular = fit_poisson_batch(X, Ys, offs, prior, npar, group)
    assert singular == {1}
    b0, mu0, cov0 = fit_poisson(_design(n, 3), Y0, o0, np.ones_like(Y0))
    assert beta[:3, :3] == pytest.approx(b0, rel=1e-12)
    assert cov[:3, :3, :3] == pytest.approx(cov0, rel=1e-10)
    b1, mu1, cov1 = fit_poisson(_design(n, 3), y1, np.zeros((n, 1)), m1)
    assert beta[:3, 3:] == pytest.approx(b1, rel=1e-9, abs=1e-12)
    # the observed periods are fitted exactly (two data points, three parameters: a perfect fit)
    assert mu[[2, 9], 3] == pytest.approx([4.0, 6.0], rel=1e-6)


def test_down_weighted_refit_equals_fit_farrington() -> None:
    # series 0 has a planted outbreak (60 cases in a period of about 10): it is down-weighted and
    # refitted; series 1 and 2 have none and keep their first fit
    n = 30
    Y, off = _counts(n, 3, 4)
    Y[12, 0] = 60.0
    X = _design(n, 3)
    prior = np.ones_like(Y)
    got = farrington_batch(_design(n), X0, Y, off, prior, np.full(3, 3), np.zeros(3, int), 2.58)
    ref = fit_farrington(design_fitter(X, X0[:3], has_trend=False), Y, off, 2.58)
    first = design_fitter(X, X0[:3], has_trend=False)(Y, off, prior)
    for name in ("mu", "h", "phi", "dispersion", "eta0", "var0"):
        assert getattr(got, name) == pytest.approx(getattr(ref, name), rel=1e-10), name
    assert got.df_resid.tolist() == ref.df_resid.tolist()
    # the outbreak was down-weighted: its fitted mean in that period falls well below the first fit's
    assert got.mu[12, 0] < 0.9 * first.mu[12, 0]
    assert got.mu[:, 1:] == pytest.approx(first.mu[:, 1:], rel=1e-12)


@pytest.mark.parametrize("masked", [False, True])
def test_harmonic_batch_equals_harmonic_group(masked: bool) -> None:
    # three periods of one panel with different history lengths (one, two and about three years)
    T, S = 48, 5
    rng = np.random.default_rng(5)
    Y = rng.poisson(8.0, (T, S)).astype(float)
    Y[30, 2] = 40.0  # an outbreak in the baseline of the later periods: down-weighted
    logE = np.log(rng.uniform(50, 80, (T, S)))
    M = None
    if masked:
        M = np.ones((T, S))
        M[rng.random((T, S)) < 0.1] = 0.0
        M[:, 4] = 0.0
        M[[20, 30, 40], 4] = 1.0  # too few observed periods for a fit: NaN expectation
    o = dict(ppy=PPY, excl=6, weights_threshold=2.58, pseudo=0.5, p_season=0.05, min_baseline=PPY)
    sel = np.arange(S)
    items = [(19, sel, 19), (31, sel[:3], 31), (47, sel, 43), (10, sel, 10)]  # the last: too short
    got = harmonic_batch(items, Y, logE, o, M, max_cells=200)  # small chunks: several passes
    assert got[3] is None
    for item, g in zip(items[:3], got[:3], strict=True):
        ref = harmonic_group(*item, Y, logE, o, M)
        for name in ("expected", "phi", "phi_raw", "se", "df", "keep"):
            np.testing.assert_allclose(g[name], ref[name], rtol=1e-9, err_msg=f"{item[0]} {name}")
    if masked:
        assert np.isnan(got[2]["expected"][4])
