"""The negative-binomial GLR-CUSUM: the statistic by hand, its null p-values, a planted rise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats
from test_decisions import MONTHS, OPTS, noisy, panel

from guidance_analytics.hotspots import flag_hotspots
from guidance_analytics.hotspots.detect import glr_llr, glr_pvalues


def test_glr_statistic_by_hand():
    # Poisson: kappa = 30 / 20, llr = 30 log 1.5 - (30 - 20)
    assert glr_llr(30, 20, 1.0) == pytest.approx(30 * np.log(1.5) - 10)
    # negative binomial, phi = 2: llr = 30 log 1.5 - (30 + 20) log((1 + 1.5) / 2)
    assert glr_llr(30, 20, 2.0) == pytest.approx(30 * np.log(1.5) - 50 * np.log(1.25))
    assert glr_llr(30, 20, 2.0) == pytest.approx(1.00677, abs=1e-5)
    # ... which is the NB log-likelihood ratio of two periods (14, 16) with means 10, 10 and size
    # mu / (phi - 1) = 10, maximised over kappa numerically
    y, mu, size = np.array([14, 16]), np.array([10.0, 10.0]), 10.0

    def loglik(kappa):
        return stats.nbinom.logpmf(y, size, size / (size + kappa * mu)).sum()

    best = optimize.minimize_scalar(lambda k: -loglik(k), bounds=(1, 10), method="bounded")
    assert best.x == pytest.approx(1.5, abs=1e-4)
    assert loglik(best.x) - loglik(1.0) == pytest.approx(glr_llr(30, 20, 2.0), abs=1e-6)
    # no rise: 0
    assert glr_llr(18, 20, 1.0) == 0.0


def test_glr_null_false_alarm_rate_is_near_nominal():
    # 400 Poisson series of 12 periods with a known mean of 8: the p-value of the last period
    rng = np.random.default_rng(5)
    S = 400
    Y = rng.poisson(8.0, (12, S)).astype(float)
    MU = np.full((12, S), 8.0)
    one = np.ones((12, S))
    ev = np.zeros((12, S), dtype=bool)
    ev[-1] = True
    r = glr_pvalues(Y, MU, one, one, 0 * one, np.inf * one, ev, [str(i) for i in range(S)], list(range(12)))
    p = np.nan_to_num(r["p"][-1, :, -1], nan=1.0)
    for level in (0.01, 0.02):  # NaN = below the simulated range: far above these levels
        rate = (p <= level).mean()
        assert rate <= 2.5 * level + 0.01, rate
    # the statistic reaches the simulated range (>= 3.5) in a few percent of null cells, and a p-value
    # at the level 0.01 needs more: about that share of cells gets there
    sim_p = stats.binomtest(int((p <= 0.01).sum()), S, 0.01).pvalue
    assert sim_p > 0.001


def test_glr_is_the_same_for_a_cell_whatever_the_others():
    rng = np.random.default_rng(1)
    Y = rng.poisson(5.0, (10, 3)).astype(float)
    Y[-3:, 0] *= 3
    MU = np.full((10, 3), 5.0)
    one = np.ones((10, 3))
    ev = np.zeros((10, 3), dtype=bool)
    ev[-1] = True
    keys = ["甲", "乙", "丙"]
    a = glr_pvalues(Y, MU, one, one, 0 * one, np.inf * one, ev, keys, list(range(10)))
    b = glr_pvalues(
        Y[:, :1],
        MU[:, :1],
        one[:, :1],
        one[:, :1],
        0 * one[:, :1],
        np.inf * one[:, :1],
        ev[:, :1],
        keys[:1],
        list(range(10)),
    )
    assert a["p"][-1, 0] == pytest.approx(b["p"][-1, 0])
    assert a["p"][-1, 0, -1] < 0.01


@pytest.mark.parametrize(
    "options",
    [{}, {"glr_share": 1.0, "single_share": 0.0, "windows": []}],
    ids=["default tests", "GLR-CUSUM alone"],
)
def test_a_rise_of_1_8_is_flagged_within_two_months(options):
    # four fields of ~20 a month; from month 40 one of them rises to 1.8 times for six months
    fields = {f: {"observed": noisy(20, seed=20 + i)} for i, f in enumerate(["甲", "乙", "丙", "丁"])}
    rise = noisy(20, seed=99).astype(float)
    rise[40:46] = np.random.default_rng(7).poisson(36, 6)
    fields["甲"] = {"observed": rise.astype(int)}
    hot = flag_hotspots(panel(fields), measure="violations", **{**OPTS, **options})
    flags = hot[hot["flagged"]]
    first = flags.loc[flags["field"] == "甲", "period_start"].min()
    assert MONTHS[40] <= first <= MONTHS[42], flags[["field", "period_start", "test"]]
    if options:  # the GLR-CUSUM fired and says so
        row = flags[(flags["field"] == "甲") & (flags["period_start"] == first)].iloc[0]
        assert row["test"].startswith("累积和")
        assert "持续偏高（累积和检验）" in row["reason"] and "为预期的" in row["reason"]
    # nothing flagged in 甲 before the rise
    assert not flags.loc[(flags["field"] == "甲") & (flags["period_start"] < MONTHS[40])].shape[0]


def test_glr_is_off_by_default_and_checked():
    p = panel({"甲": {"observed": noisy(10)}})
    base = flag_hotspots(p, measure="violations", **OPTS)
    assert not base["test"].str.startswith("累积和").any()
    with pytest.raises(ValueError, match="at most 1"):
        flag_hotspots(p, measure="violations", **{**OPTS, "glr_share": 0.8})
