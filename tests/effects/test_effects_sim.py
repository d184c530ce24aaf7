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
    estimators,
    evaluate,
    hajek_difference,
    inclusion_probabilities,
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
