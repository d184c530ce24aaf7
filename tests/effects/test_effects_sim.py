"""The effect-estimate simulation benchmark (benchmarks/effects_sim): its design arithmetic against
known answers, the estimator plug-in contract, and one small run end to end."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]  # the checkout: benchmarks/ is not an installed package
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.effects_sim import (  # noqa: E402
    design_expectation,
    estimators,
    evaluate,
    hajek_difference,
    inclusion_probabilities,
    make_world,
    pool_potential_outcomes,
    simulate,
    systematic_pps,
)


def test_inclusion_probabilities_sum_to_n_and_cap_at_one() -> None:
    pi = inclusion_probabilities(np.array([10.0, 1.0, 1.0, 1.0]), 2)
    # 10 alone would get 2 * 10 / 13 > 1: capped, the remaining 1 shared equally by three
    assert pi.tolist() == pytest.approx([1.0, 1 / 3, 1 / 3, 1 / 3])
    pi = inclusion_probabilities(np.array([3.0, 1.0, 1.0, 1.0, 2.0]), 2)
    assert pi.sum() == pytest.approx(2.0)
    assert pi.tolist() == pytest.approx([0.75, 0.25, 0.25, 0.25, 0.5])


def test_systematic_pps_selects_each_unit_with_its_probability() -> None:
    pi = np.array([0.9, 0.5, 0.3, 0.2, 0.1])  # sums to 2
    rng = np.random.default_rng(5)
    draws = np.array([systematic_pps(pi, rng) for _ in range(20000)])
    assert (draws.sum(axis=1) == 2).all()  # a fixed sample size
    # 20,000 draws: each frequency within 4 binomial standard errors of its probability
    se = np.sqrt(pi * (1 - pi) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - pi) < 4 * se)


def test_hajek_difference_hand_computed() -> None:
    y = np.array([2.0, 0.0, 1.0, 3.0])
    drawn = np.array([True, True, False, False])
    pi = np.array([0.5, 0.25, 0.5, 0.75])
    r = hajek_difference(y, drawn, pi, np.array(["a", "b", "c", "d"]))
    # drawn: weights 2, 4 → (2*2 + 4*0) / 6 = 2/3; not drawn: weights 2, 4 → (2*1 + 4*3) / 6 = 7/3
    assert r["mean_drawn"] == pytest.approx(2 / 3)
    assert r["mean_not_drawn"] == pytest.approx(7 / 3)
    assert r["est"] == pytest.approx(-5 / 3)


def test_as_rows_defaults_and_insufficient_data_is_no_claim() -> None:
    def mine(ws, **kw):
        return {"estimate": -0.2, "ci_low": -0.3, "ci_high": -0.1}

    (row,) = estimators.as_rows(mine, mine(None))
    assert row["name"] == "mine" and row["estimand"] == "att" and row["significant"] is True
    (row,) = estimators.as_rows(
        mine, {"estimate": -0.2, "ci_low": -0.3, "ci_high": -0.1, "verdict": "数据不足以判断"}
    )
    assert row["significant"] is False
    with pytest.raises(ValueError, match="name"):
        estimators.as_rows(mine, [{"estimate": 0.0}, {"estimate": 1.0}])


def test_window_counts_half_open_windows() -> None:
    days = {"b1": np.array(["2023-03-31", "2023-04-01", "2023-09-30", "2023-10-01"], dtype="datetime64[ns]")}
    pre, post = estimators.window_counts(
        days, pd.Series(["b1", "b2"]), pd.Series(pd.to_datetime(["2023-04-01", "2023-04-01"])), 6
    )
    # pre = [2022-10-01, 2023-04-01): one; post = [2023-04-01, 2023-10-01): two
    assert pre.tolist() == [1, 0] and post.tolist() == [2, 0]


@pytest.mark.slow
def test_small_draw_run_end_to_end_with_a_plugged_in_estimator(tmp_path) -> None:
    """A small county with a draw and a real −40 %: every estimator reports a row scored against
    the truth, and a plugged-in estimator reading only the workspace is called with the run's
    window and cut-off."""
    seen = {}

    def plugged(ws, *, window_months, as_of, n_boot, seed):
        seen.update(window_months=window_months, as_of=as_of)
        n = len(ws.table("register_entries"))
        return [
            {"name": "plugged_att", "estimate": -0.1, "ci_low": -0.2, "ci_high": 0.0, "n_cases": n},
            {"name": "plugged_itt", "estimand": "itt", "estimate": 0.0, "ci_low": np.nan, "ci_high": np.nan},
        ]

    rounds = ("2023-07-01", "2024-01-01", "2024-07-01")  # three rounds of the nine: quicker
    _, truth = simulate(2, "draw", -0.4, "small", workdir=tmp_path / "ws", rounds=rounds)
    import guidance_analytics as ga

    rows = pd.DataFrame(evaluate(ga.Workspace(truth["workspace"]), truth, n_boot=50, estimator=plugged))
    assert seen == {"window_months": 6, "as_of": truth["data_end"]}
    assert rows["estimator"].tolist() == [
        "plugged_att",
        "plugged_itt",
        "naive_before_after",
        "did_all_unguided",
        "ipw_drawn_vs_not",
    ]
    assert truth["att"] < 0 and truth["itt"] < 0  # guidance cut the guided businesses' violations
    att = rows[rows["estimand"] == "att"]
    assert (att["true"] == truth["att"]).all()
    assert (rows.loc[rows["estimand"] == "itt", "true"] == truth["itt"]).all()
    assert rows.loc[0, "n_cases"] == truth["n_registered"]
    assert not rows.loc[1, "covered"]  # no interval covers nothing
    # the data path: every pool row's post-window count in the package's panel is its realised
    # potential outcome of the arm it was in (y1 if drawn and adopted, else y0)
    from guidance_analytics.effects.follow_up import load_panel
    from guidance_analytics.effects.randomised import _row_window

    pool = pool_potential_outcomes(truth)
    panel, start, index = load_panel(ga.Workspace(truth["workspace"]), pd.Timestamp(truth["data_end"]))
    day = pd.to_datetime(pool["guided_on"])
    g = np.asarray((day.dt.year - start.year) * 12 + day.dt.month - start.month, dtype=int)
    post = _row_window(panel, "violations", pool["business_id"].map(index).to_numpy(dtype=int), g, 6)
    assert post.sum() > 0 and post.tolist() == pool["y_obs"].tolist()
    treated = pool["drawn"] & pool["adopted"]
    assert (pool.loc[treated, "y1"] <= pool.loc[treated, "y0"]).all()  # CRN: −40 % never adds events


def test_design_expectation_known_answers() -> None:
    """Re-draws of hand-built pools. Equal probabilities within each draw (simple random samples
    of 10 of 40 and 6 of 30): the package's stratified Hajek contrast is the difference of means,
    exactly unbiased, so its design mean is the planted ITT (pool-size weights: (40 · −0.5 +
    30 · −0.4) / 70 = −32/70) whatever the heterogeneity; its drawn-target version is the same
    here (equal π). Unequal probabilities and no effect: the naive unweighted difference is off by
    its exact bias Σπy/k − Σ(1−π)y/(N−k) (fixed sample size), which the check finds."""
    from guidance_analytics.effects.randomised import hajek_itt

    stratum = np.repeat([0, 1], [40, 30])
    pi = np.where(stratum == 0, 10 / 40, 6 / 30)
    y0 = np.concatenate([np.arange(40) % 7, 2.0 + np.arange(30) % 5]).astype(float)
    tau = np.concatenate([np.where(np.arange(40) < 10, -2.0, 0.0), np.where(np.arange(30) < 12, -1.0, 0.0)])
    n = 4000
    for target in ("pool", "drawn"):

        def stat(y, d, target=target):
            return hajek_itt(y, d, pi, stratum, None, variance=False, target=target)["estimate"]

        r = design_expectation(stat, y0, tau, pi, stratum, n, np.random.default_rng(3))
        assert r["itt"] == pytest.approx(-32 / 70)
        truth = r["itt"] if target == "pool" else r["on_drawn"]
        assert abs(r["mean"] - truth) < 4 * r["sd"] / np.sqrt(n)
        assert abs(r["on_drawn"] - (40 * 0.25 * -0.5 + 30 * 0.2 * -0.4) / 16) < 0.01
    p = np.array([0.9, 0.7, 0.5, 0.4, 0.3, 0.2])  # sums to 3
    y = np.array([9.0, 7.0, 5.0, 4.0, 3.0, 2.0])
    bias = (p * y).sum() / 3 - ((1 - p) * y).sum() / 3
    r = design_expectation(
        lambda yy, d: yy[d].mean() - yy[~d].mean(),
        y,
        np.zeros(6),
        p,
        np.zeros(6),
        n,
        np.random.default_rng(5),
    )
    assert r["itt"] == 0.0 and bias > 1.5
    assert abs(r["mean"] - bias) < 4 * r["sd"] / np.sqrt(n)


def test_pool_potential_outcomes_known_cases() -> None:
    """A hand-made pool in a small world: with no effect y1 = y0; with effect −100 % the guided
    arm keeps only the penalties decided in the window for problems found before it; y0 of an
    unguided row is the count of one realisation of the whole period."""
    from benchmarks.effects_sim.records import realise
    from benchmarks.effects_sim.world import N_MONTHS

    world = make_world(4, "small", effect_bound=0.0)
    month = 30
    rows = np.flatnonzero(world.open_[:, month - 6 : month + 6].all(axis=1))
    day = world.months[month]
    pool = pd.DataFrame(
        {
            "round": 0,
            "guided_on": day,
            "business_id": world.biz["business_id"].to_numpy()[rows],
            "score": 0.1,
            "inclusion_prob": 0.5,
            "drawn": False,
            "adopted": False,
        }
    )
    entries = pd.DataFrame(
        {"business_id": pd.Series(dtype=str), "guided_on": pd.Series(dtype="datetime64[ns]")}
    )
    truth = {"seed": 4, "size": "small", "params": {}, "window_months": 6, "entries": entries, "pool": pool}
    none = pool_potential_outcomes({**truth, "effect": 0.0}, world)
    assert none["y0"].sum() > 10 and none["y1"].tolist() == none["y0"].tolist()
    full = realise(world, np.ones((world.n, N_MONTHS)), 0, N_MONTHS)
    ins, pen = full["inspections"], full["penalties"]
    end = day + pd.DateOffset(months=6)
    in_window = ins[(ins["severity"] > 0) & (ins["inspected_on"] >= day) & (ins["inspected_on"] < end)]
    decided = pen[(pen["decided_on"] >= day) & (pen["decided_on"] < end)]
    whole = pd.concat([in_window["row"], decided["row"]]).value_counts()
    assert none["y0"].tolist() == pd.Series(rows).map(whole).fillna(0).tolist()
    gone = pool_potential_outcomes({**truth, "effect": -1.0}, world)
    # problems found before the window (their inspections' rows) whose penalty falls in it
    early = pen.merge(ins[["event_id", "inspected_on"]], on="event_id", suffixes=("", "_i"))
    early = early[(early["inspected_on"] < day) & (early["decided_on"] >= day) & (early["decided_on"] < end)]
    carried = pd.Series(rows).map(early["row"].value_counts()).fillna(0)
    assert carried.sum() > 0 and gone["y1"].tolist() == carried.tolist()
    assert gone["y0"].tolist() == none["y0"].tolist()


@pytest.mark.slow
def test_a_draw_cannot_see_the_future(tmp_path, monkeypatch) -> None:
    """Look-ahead check of the simulation (issue 14's sample-size excess): the same county run
    twice, the second time with its future changed from the second round's month on (every
    potential event of the even rows dropped, every latent rate tripled). Everything decided at
    both rounds — the pools, their records, scores and probabilities, the draws and the declines —
    must be identical (nothing at a round may read the months from it on, the post window
    included), while the records of those months differ (the change reached the data)."""
    import benchmarks.effects_sim.sim as sim
    import guidance_analytics as ga

    rounds = ("2023-07-01", "2024-01-01")
    cut = 36  # 2024-01, the second round's month
    _, same = simulate(3, "draw", -0.4, "small", workdir=tmp_path / "a", rounds=rounds)
    original = sim.make_world

    def changed_future(*args, **kwargs):
        world = original(*args, **kwargs)
        ev = world.events
        world.events = ev[(ev["month"] < cut) | (ev["biz"] % 2 == 1)].reset_index(drop=True)
        world.lam0[:, cut:] *= 3.0
        return world

    monkeypatch.setattr(sim, "make_world", changed_future)
    _, other = simulate(3, "draw", -0.4, "small", workdir=tmp_path / "b", rounds=rounds)
    cols = ["round", "business_id", "score", "record", "inclusion_prob", "drawn", "adopted"]
    assert same["pool"]["round"].tolist().count(1) > 0
    pd.testing.assert_frame_equal(same["pool"][cols], other["pool"][cols])

    def later(truth):
        ins = ga.Workspace(truth["workspace"]).table("inspections")
        return ins[pd.to_datetime(ins["inspected_on"]) >= "2024-01-01"]

    assert len(later(other)) < len(later(same))


def test_event_noise_hand_computed() -> None:
    """Three potential events of row 0 in month 10 (one of each source) and one in month 11:
    the noise of the window [10, 12) is 4 minus the row's rates of the two months (routine +
    substantiated complaints at the thinning bound + unsubstantiated), of [9, 10) minus that
    month's rates."""
    from benchmarks.effects_sim.potential import event_noise

    world = make_world(1, "small", effect_bound=0.5)
    p = world.params
    row = int(np.flatnonzero(world.open_[:, 8:12].all(axis=1))[0])
    world.events = pd.DataFrame({"biz": [row] * 4, "month": [10, 10, 10, 11], "src": [0, 2, 3, 0]})
    rate = world.routine_rate[row] + p.kappa * 1.5 * world.lam0[row] + p.unsub_rate
    got = event_noise(world, np.array([row, row]), np.array([10, 10]), 2)
    assert got == pytest.approx([4 - rate[10:12].sum()] * 2)
    before = event_noise(world, np.array([row]), np.array([10]), 1, before=True)
    assert before == pytest.approx([-rate[9]])
