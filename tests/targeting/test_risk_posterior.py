"""The information bound of the risk benchmark (``benchmarks/risk_data/posterior.py``): the grid
filter against brute-force Monte Carlo, against the prior when nothing is observed, and on a small
simulated world against the truth the generator keeps."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate
from scipy.special import expit

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from risk_data.generate import Params, generate  # noqa: E402
from risk_data.posterior import (  # noqa: E402
    Businesses,
    Window,
    businesses_from_truth,
    make_grid,
    posterior,
    posterior_from_dir,
    shift_down,
)


def _one(mu: float, size: int, food: bool, open_month: int, close_month: int = 10**6) -> Businesses:
    return Businesses(
        mu=np.array([mu]),
        size=np.array([size]),
        food=np.array([food]),
        open_month=np.array([open_month]),
        close_month=np.array([close_month]),
    )


def test_shift_down_moves_mass_and_splits_it_between_neighbours():
    prob = np.array([[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    # 0.2 on a 0.1 grid: exactly two points down
    assert np.allclose(shift_down(prob, 0.2, 0.1), [[0, 1.0, 0, 0, 0, 0]])
    # 0.25: half two points down, half three (the mean moves by exactly 0.25)
    assert np.allclose(shift_down(prob, 0.25, 0.1), [[0.5, 0.5, 0, 0, 0, 0]])
    # below the grid the mass stays at its lowest point
    assert np.allclose(shift_down(prob, 0.5, 0.1), [[1.0, 0, 0, 0, 0, 0]])


# month, kind, severity: a serious finding at a routine inspection, a minor one at a 双随机 draw,
# then in one month a complaint inspection that found nothing and a serious 双随机 finding
EVENTS = [(1, "日常检查", 2), (2, "双随机抽查", 1), (3, "投诉核查", 0), (3, "双随机抽查", 2)]
TYPES_ORDER = ("复查", "日常检查", "双随机抽查", "投诉核查", "专项检查")


def _monte_carlo(p: Params, mu: float, size: int, food: bool, month: int, n: int, seed: int) -> dict:
    """Importance sampling from the prior, written from the generator's description (no redraw):
    the posterior means at ``month`` (after its AR step, before its observations) and their
    standard errors."""
    rng = np.random.default_rng(seed)
    innov = p.state_sd * np.sqrt(1 - p.state_rho**2)
    latent = rng.normal(mu, p.latent_sd, n)
    state = rng.normal(0.0, p.state_sd, n)
    logw = np.zeros(n)
    base = p.complaint_rate[size] / 12
    for m in range(month + 1):
        state = p.state_rho * state + rng.normal(0.0, innov, n)
        if m == month:
            break
        lam = base * np.exp(p.complaint_gain * (latent + state))
        complained = any(e[0] == m and e[1] == "投诉核查" for e in EVENTS)
        logw += np.log(-np.expm1(-lam)) if complained else -lam
        for kind in TYPES_ORDER:
            for _, _, sev in (e for e in EVENTS if e[0] == m and e[1] == kind):
                ps = expit(p.serious_a + latent + state + p.serious_type[kind] + p.serious_size[size])
                pm = expit(
                    p.minor_a + p.minor_latent * latent + p.minor_type[kind] + p.minor_size[size] + 0.3 * food
                )
                if sev >= 2:
                    logw += np.log(ps)
                    state = state - p.deter_order
                elif sev == 1:
                    logw += np.log((1 - ps) * pm)
                    state = state - p.deter_minor
                else:
                    logw += np.log((1 - ps) * (1 - pm))
    w = np.exp(logw - logw.max())
    out = {}
    for key, x in {
        "score": expit(p.serious_a + latent + state + p.serious_size[size]),
        "latent": latent,
        "state": state,
    }.items():
        mean = np.sum(w * x) / w.sum()
        out[key] = mean
        out[key + "_se"] = np.sqrt(np.sum(w**2 * (x - mean) ** 2)) / w.sum()
    return out


def test_grid_posterior_matches_monte_carlo_for_one_business():
    p = Params(latent_redraw_year=0.0)
    mu, size, food = 0.35, 0, True
    events = pd.DataFrame(
        [(0, m, k, s) for m, k, s in EVENTS], columns=["index", "month", "kind", "severity"]
    )
    grid = make_grid(latent_points=41, latent_span=4.0, state_step=0.05)
    post = posterior(
        p, _one(mu, size, food, open_month=-60), events, 5, grid=grid, redraw=False, dtype=np.float64
    )
    mc = _monte_carlo(p, mu, size, food, month=4, n=400_000, seed=11)
    # the two serious findings moved the posterior well away from the prior (score 0.116 at month
    # 0, latent mean 0.35) ...
    assert mc["score"] > 0.2 and mc["latent"] > 1.0
    assert abs(post["state"][4, 0] - mc["state"]) < 4 * mc["state_se"] + 0.01
    # ... and the grid follows: Monte Carlo error (4 se) plus a grid allowance. The grid's errors
    # are second order in its steps (0.05 on the state, 0.2 sd on the latent): a few 1e-4 on a
    # probability of ~0.1, ~0.01 on the means
    assert abs(post["score"][4, 0] - mc["score"]) < 4 * mc["score_se"] + 1e-3
    assert abs(post["latent"][4, 0] - mc["latent"]) < 4 * mc["latent_se"] + 0.01
    # the coarse default grid (state step 0.1: the 0.25 minor deterrence split between neighbours)
    # gives the same score to within that allowance
    coarse = posterior(p, _one(mu, size, food, open_month=-60), events, 5, redraw=False)
    assert abs(coarse["score"][4, 0] - post["score"][4, 0]) < 1e-3


def test_without_observations_the_posterior_is_the_prior():
    p = Params()  # with the latent redraw: the prior is invariant under it
    mu, size = 0.45 + p.individual_shift, 1
    # not open before month 30: nothing is observed, the first-year shift applies (age < 12)
    post = posterior(
        p,
        _one(mu, size, False, open_month=30),
        pd.DataFrame(columns=["index", "month", "kind", "severity"]),
        30,
        dtype=np.float64,
    )
    sd = np.hypot(p.latent_sd, p.state_sd)  # latent + state ~ N(mu, sd)
    eta = p.serious_a + p.new_business_shift + p.serious_size[size] + mu

    def integrand(x: float) -> float:
        return expit(eta + x) * np.exp(-0.5 * (x / sd) ** 2) / (sd * np.sqrt(2 * np.pi))

    expected, _ = integrate.quad(integrand, -12 * sd, 12 * sd)
    assert np.allclose(post["score"][:, 0], expected, rtol=2e-3)
    assert np.allclose(post["latent"][:, 0], mu, atol=1e-3)
    assert np.allclose(post["state"][:, 0], 0.0, atol=1e-3)


def test_posterior_predicts_a_small_world_better_than_the_prior(tmp_path):
    # no latent redraw, so truth.csv's latent is the latent of every month and the true transient
    # state is the recorded log-odds minus latent, size and first-year shifts
    p = replace(Params(businesses=4000, seed=5, end="2022-12-31"), latent_redraw_year=0.0)
    generate(tmp_path, p)
    post = posterior_from_dir(tmp_path, window_months=range(12, 24))
    truth = pd.read_csv(tmp_path / "truth.csv", encoding="utf-8-sig")
    z = np.load(tmp_path / "risk_state.npz")
    assert list(z["uscc"]) == list(post["uscc"])
    months = np.arange(12, 36)
    size_shift = np.asarray(p.serious_size)[truth["size"].to_numpy()]
    first_year = p.new_business_shift * ((months[:, None] - truth["open_month"].to_numpy()[None, :]) < 12)
    true_logodds = z["shift"][months].astype(float)
    true_state = true_logodds - truth["latent"].to_numpy()[None, :] - size_shift[None, :] - first_year
    alive = (truth["open_month"].to_numpy()[None, :] <= months[:, None]) & (
        months[:, None] < truth["close_month"].to_numpy()[None, :]
    )
    events = pd.read_csv(tmp_path / "events.csv")
    inspected = np.zeros_like(alive)
    seen = events[(events["month"] < 12) & (events["kind"] != "许可勘验")]["index"].unique()
    inspected[:, seen] = True
    keep = alive & inspected  # businesses with records
    # the prior: what is known without the records (industry, subject type, size, age)
    mu = businesses_from_truth(truth.astype({"industry": str}), p).mu
    prior_logodds = mu[None, :] + size_shift[None, :] + first_year
    corr = lambda a, b: np.corrcoef(a[keep], b[keep])[0, 1]  # noqa: E731
    assert corr(post["logodds"][months], true_logodds) > corr(prior_logodds, true_logodds) + 0.05
    assert corr(post["latent"][months], truth["latent"].to_numpy()[None, :].repeat(len(months), 0)) > 0.3
    assert corr(post["state"][months], true_state) > 0.05
    # the posterior is a calibrated probability: on the inspections of kind weight 0 of months
    # 12..35 (复查, the first kind of a month, exactly; 双随机抽查 after any 复查 / 日常检查 of the
    # same month) it predicts as many serious findings as were found (3 binomial se), and scores
    # them better (Bernoulli log-likelihood) than the prior does
    draws = events[events["kind"].isin(["复查", "双随机抽查"]) & (events["month"] >= 12)]
    y = (draws["severity"] >= 2).to_numpy()
    prob = post["score"][draws["month"], draws["index"]]
    assert abs(prob.sum() - y.sum()) < 3 * np.sqrt(np.sum(prob * (1 - prob)))
    # the prior's probability E[sigmoid(a + prior log-odds + N(0, sd))] by Gauss–Hermite
    x, w = np.polynomial.hermite_e.hermegauss(40)
    sd = np.hypot(p.latent_sd, p.state_sd)
    eta = p.serious_a + prior_logodds[draws["month"].to_numpy() - 12, draws["index"].to_numpy()]
    prior_prob = expit(eta[:, None] + sd * x[None, :]) @ (w / w.sum())
    loglik = lambda q: np.sum(np.where(y, np.log(q), np.log(1 - q)))  # noqa: E731
    assert loglik(prob) > loglik(prior_prob)
    # the window score is calibrated on the evaluated quantity: among the businesses inspected in
    # months m .. m + 2, it predicts as many with a serious finding as there were
    insp = events[events["kind"] != "许可勘验"]
    predicted, found, var = 0.0, 0, 0.0
    for m in range(12, 24):
        y = insp[(insp["month"] >= m) & (insp["month"] < m + 3)].groupby("index")["severity"].max() >= 2
        q = post["window"][m, y.index.to_numpy()]
        predicted, found, var = predicted + q.sum(), found + int(y.sum()), var + np.sum(q * (1 - q))
    assert abs(predicted - found) < 3 * np.sqrt(var)


def test_window_score_with_one_scheduled_reinspection_is_its_serious_probability():
    # nothing but a 复查 scheduled for month 4: inspected for sure, once, with kind weight 0, so
    # P(serious in the window | inspected) is the month's per-inspection risk (the filter's score)
    p = replace(
        Params(latent_redraw_year=0.0),
        routine_rate=(0.0, 0.0, 0.0),
        new_business_routine=0.0,
        random_rate=0.0,
        complaint_rate=(0.0, 0.0, 0.0),
        campaign_share=0.0,
    )
    # no complaint can happen in this world: the records without EVENTS' complaint inspection
    rows = [(0, m, k, s) for m, k, s in EVENTS if k != "投诉核查"]
    events = pd.DataFrame(rows, columns=["index", "month", "kind", "severity"])
    follow = np.full((5, 2), -1)
    follow[4, 0] = 4  # business 0: 复查 in month 4; business 1: nothing scheduled, never inspected
    two = Businesses(
        mu=np.array([0.35, 0.35]),
        size=np.array([0, 0]),
        food=np.array([True, True]),
        open_month=np.array([-60, -60]),
        close_month=np.array([10**6, 10**6]),
    )
    window = Window(months=frozenset({4}), follow_at=follow, horizon=1, samples=20_000, seed=3)
    post = posterior(p, two, events, 5, redraw=False, dtype=np.float64, window=window)
    # Monte Carlo over the posterior's (latent, state) draws only: se ≈ sd(risk) / sqrt(20 000) < 1e-3
    assert abs(post["window"][4, 0] - post["score"][4, 0]) < 3e-3
    assert post["window"][4, 1] == 0.0  # never inspected in the window: no probability
