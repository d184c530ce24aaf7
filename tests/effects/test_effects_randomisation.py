"""The randomised route's test and interval come from re-drawing the recorded design (Fisher
randomisation inference), not from a normal approximation that is too narrow for a small draw
with skewed counts. Planted worlds, pure numpy."""

from __future__ import annotations

import numpy as np
import pytest

from guidance_analytics.effects import hajek_itt
from guidance_analytics.effects.design import Panel
from guidance_analytics.effects.randomised import (
    adjustment,
    draw_covariates,
    interacted_adjustment,
    randomisation_inference,
)
from guidance_analytics.targeting import inclusion_probabilities, systematic_draw


def _small_draw(rng: np.random.Generator, effect: float) -> tuple[np.ndarray, ...]:
    """A pool of 120 with 12 drawn ∝ a skewed score; overdispersed counts (gamma-Poisson with
    shape 0.3), so a few businesses carry most violations — the county's reality."""
    n = 120
    score = rng.gamma(0.5, 1.0, n)
    pi = inclusion_probabilities(score + 0.05, 12)
    lam = 0.5 + 3.0 * score * rng.gamma(0.3, 1 / 0.3, n)
    pre = rng.poisson(lam)
    drawn = systematic_draw(pi, rng)
    post = rng.poisson(lam * np.where(drawn, 1.0 + effect, 1.0)).astype(float)
    m = (pi > 0) & (pi < 1)
    return post[m], np.column_stack([pre[m], score[m]]).astype(float), drawn[m], pi[m]


def test_no_effect_small_draw_rejects_at_the_nominal_rate() -> None:
    """No effect, 120 small draws: the randomisation test rejects in at most 5 % + 3 Monte Carlo
    standard errors of the runs; the normal approximation on the same draws rejects more often
    than that bound allows (the defect this test guards against: 4 of 12 benchmark nulls)."""
    rng = np.random.default_rng(20261203)
    runs, design_rejects, normal_rejects = 120, 0, 0
    for r in range(runs):
        y, x, d, pi = _small_draw(rng, 0.0)
        strata = np.zeros(len(y))
        res = randomisation_inference(y, x, d, pi, strata, n_draws=199, seed=r)
        design_rejects += res["p_value"] < 0.05
        h = hajek_itt(y - adjustment(y, x, d, pi), d, pi, strata, np.arange(len(y)))
        normal_rejects += abs(h["estimate"]) > 1.96 * h["se"]
    bound = 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)
    assert design_rejects / runs <= bound
    assert normal_rejects / runs > bound


def test_interval_inverts_the_test_and_covers_a_planted_shift() -> None:
    """A constant planted shift of −2 violations for every drawn business (pool of 400, 100
    drawn): the interval holds −2 in at least 17 of 20 runs, and the test rejects τ = 0 in most."""
    rng = np.random.default_rng(7)
    covered = rejected = 0
    for r in range(20):
        n = 400
        score = rng.gamma(2.0, 0.5, n)
        pi = inclusion_probabilities(score, 100)
        lam = 1.0 + 2.0 * score
        pre = rng.poisson(lam)
        d = systematic_draw(pi, rng)
        y = rng.poisson(lam).astype(float) - 2.0 * d
        x = np.column_stack([pre, score]).astype(float)
        res = randomisation_inference(y, x, d, pi, np.zeros(n), n_draws=199, seed=r)
        covered += res["ci_low"] <= -2.0 <= res["ci_high"]
        rejected += res["p_value"] < 0.05
        assert res["ci_low"] < res["estimate"] < res["ci_high"]
    assert covered >= 17
    assert rejected >= 15


def test_nothing_to_re_draw_gives_no_interval() -> None:
    """Every pool row has the same count: the re-drawn estimates do not vary, so no p-value and
    no interval (the verdict then says 数据不足以判断), never a zero-width interval."""
    pi = np.full(40, 0.25)
    d = systematic_draw(pi, np.random.default_rng(0))
    res = randomisation_inference(np.ones(40), np.zeros((40, 0)), d, pi, np.zeros(40), n_draws=99)
    assert np.isnan(res["p_value"]) and np.isnan(res["ci_low"]) and np.isnan(res["ci_high"])


def test_effect_on_the_drawn_weights_by_hand() -> None:
    """``target="drawn"``: drawn rows count once, not-drawn rows by the odds π/(1−π), draws by Σπ.
    Draw a (Σπ = 1.0): drawn y 4, 2 → 3; not drawn y 1 (odds 1), 5 (odds 1/4) → (1 + 1.25) / 1.25
    = 1.8; difference 1.2. Draw b (Σπ = 0.5): drawn 0, not drawn 1 and 3 (odds 1/3 each) → 2;
    difference −2. Combined: (1.0 · 1.2 + 0.5 · (−2)) / 1.5 = 0.2 / 1.5."""
    y = np.array([4.0, 2.0, 1.0, 5.0, 0.0, 1.0, 3.0])
    d = np.array([True, True, False, False, True, False, False])
    pi = np.array([0.25, 0.05, 0.5, 0.2, 0.25, 0.125, 0.125])  # a: 1.0, b: 0.5
    strata = np.array(["a"] * 4 + ["b"] * 3)
    r = hajek_itt(y, d, pi, strata, np.arange(7), target="drawn")
    assert r["estimate"] == pytest.approx(0.2 / 1.5)
    assert r["mean_drawn"] == pytest.approx((1.0 * 3 + 0.5 * 0) / 1.5)
    pool = hajek_itt(y, d, pi, strata, np.arange(7))  # the ITT weighting differs on the same rows
    assert pool["estimate"] != pytest.approx(r["estimate"])
    with pytest.raises(ValueError):
        hajek_itt(y, d, pi, strata, None, target="entries")


def test_lin_adjustment_recovers_a_heterogeneous_effect_exactly() -> None:
    """Noiseless counts with an effect that grows with the covariate (y₀ = 2x, y₁ = 3x: the effect
    of being drawn is x): Lin's interacted adjustment returns the pool's mean effect x̄ exactly,
    the pooled slope (fitted on the not drawn, applied to both arms) the weighted mean of x over
    the drawn instead — off by the draw's chance imbalance."""
    rng = np.random.default_rng(3)
    n = 200
    x = rng.gamma(2.0, 1.0, n)
    pi = inclusion_probabilities(x + 0.5, 40)
    d = systematic_draw(pi, rng)
    m = (pi > 0) & (pi < 1)
    x, pi, d = x[m], pi[m], d[m]
    y = np.where(d, 3.0 * x, 2.0 * x)
    strata = np.zeros(len(y))
    cov = x[:, None]
    lin = hajek_itt(y - interacted_adjustment(y, cov, d, pi, strata), d, pi, strata, None, variance=False)
    pooled = hajek_itt(y - adjustment(y, cov, d, pi), d, pi, strata, None, variance=False)
    assert lin["estimate"] == pytest.approx(x.mean(), abs=1e-9)
    w = 1 / pi[d]
    assert pooled["estimate"] == pytest.approx((w * x[d]).sum() / w.sum(), abs=1e-9)
    assert abs(pooled["estimate"] - x.mean()) > 1e-3


def test_draw_covariates_by_hand() -> None:
    """Each named covariate is the stated window of the row's business before its draw month."""
    v = np.arange(48, dtype=float)[None, :].repeat(2, axis=0)  # month m: m violations
    v[1] = 1.0
    counts = {"violations": v, "inspections": 2 * v, "substantiated_complaints": v + 1}
    panel = Panel(
        np.array(["a", "b"]),
        counts,
        [np.zeros(0, int)] * 2,
        np.array(["", ""]),
        np.zeros(2),
        np.full(2, 99),
        48,
    )
    x = draw_covariates(
        panel,
        np.array([0, 1]),
        np.array([40, 20]),
        np.array([0.3, 0.7]),
        6,
        ["pre", "earlier", "history", "inspections", "complaints", "score"],
    )
    # row 0 (business a, month 40): pre = 34+…+39, earlier = 28+…+33, history = months 4…27,
    # inspections = 2 · (28+…+39), complaints = (28+…+39) + 12; row 1 (b, month 20): counts of 1
    assert x[0].tolist() == [219.0, 183.0, sum(range(4, 28)), 2 * 402.0, 414.0, 0.3]
    assert x[1].tolist() == [6.0, 6.0, 8.0, 24.0, 24.0, 0.7]  # history: months 0…7 only (clipped)
    with pytest.raises(ValueError):
        draw_covariates(panel, np.array([0]), np.array([40]), np.array([0.3]), 6, ["v99"])


def test_no_effect_small_draw_effect_on_the_drawn_keeps_the_level() -> None:
    """The randomisation test of the effect on the drawn (``target="drawn"``, Lin's adjustment):
    no effect, 120 small skewed draws — rejects in at most 5 % + 3 Monte Carlo s.e. of the runs."""
    rng = np.random.default_rng(20261204)
    runs, rejects = 120, 0
    for r in range(runs):
        y, x, d, pi = _small_draw(rng, 0.0)
        res = randomisation_inference(
            y, x, d, pi, np.zeros(len(y)), n_draws=199, seed=r, interacted=True, target="drawn"
        )
        rejects += res["p_value"] < 0.05
    assert rejects / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)
