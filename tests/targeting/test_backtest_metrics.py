"""Backtest figures on hand-built records: precision/recall/lift with honest ties, pooling over
dates, the ratio to the best rule, bootstrap intervals, the precision–recall curve and "days
earlier". Every expected value is computed by hand in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance_analytics.targeting import (
    backtest_metrics,
    days_earlier,
    expected_hits_at_k,
    k_values,
    model_comparison,
    pr_curve,
)


def _records() -> pd.DataFrame:
    """Two dates of 10 inspected businesses; 3 positives each; the first three also 双随机."""
    rows = []
    for day, shift in (("2024-01-01", 0), ("2024-02-01", 1)):
        for i in range(10):
            rows.append(
                {
                    "as_of": pd.Timestamp(day),
                    "business_id": f"B{(i + shift) % 10}",
                    "first_inspected_on": pd.Timestamp(day) + pd.Timedelta(days=3 * i),
                    "inspected": True,
                    "random_inspected": i < 3,
                    # positives: rows 0, 1, 4
                    "positive": i in (0, 1, 4),
                    "random_positive": i == 0,
                    # model: perfect on top (rows 0, 1 first), rule: ties of rows 3–5 at the top
                    "score_logit": 10.0 - i,
                    "score_last_severity": 3.0 if i in (3, 4, 5) else 0.0,
                    "score_past_orders": float(i == 4),
                }
            )
    return pd.DataFrame(rows)


def test_expected_hits_break_ties_at_random():
    # scores 3 > 2 = 2 = 2 > 1; top 2 = the 3 (a hit) + one of three tied (1 hit among them)
    assert expected_hits_at_k([3, 2, 2, 2, 1], [1, 1, 0, 0, 1], 2) == pytest.approx(1 + 1 / 3)
    # every score tied: expected hits = k × base rate
    assert expected_hits_at_k([0] * 10, [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 5) == pytest.approx(1.5)
    assert expected_hits_at_k([5, 4, 3], [0, 1, 1], 10) == 2  # k capped at n
    assert k_values(0, [5], [0.1]) == []


def test_precision_recall_lift_per_date_and_pooled():
    m = backtest_metrics(_records(), [2, 0.3], populations=["inspected"], n_boot=0)
    day = m[~m["pooled"] & (m["as_of"] == "2024-01-01")].set_index(["scorer", "k_type"])
    # model, k=2: rows 0 and 1 are hits → precision 1, recall 2/3, lift 1 / 0.3
    logit = day.loc[("logit", "count")]
    assert (logit["precision"], logit["recall"]) == pytest.approx((1.0, 2 / 3))
    assert logit["lift"] == pytest.approx(1 / 0.3) and logit["base_rate"] == pytest.approx(0.3)
    # rule last_severity, k=2: two places among the tied rows 3, 4, 5 (one hit): 2/3 expected hits
    rule = day.loc[("last_severity", "count")]
    assert rule["hits"] == pytest.approx(2 / 3) and rule["ties_at_cut"] == 3
    # rule past_orders, k=3 (30 %): row 4 (a hit) + 2 places among 9 tied zeros holding 2 hits
    orders = day.loc[("past_orders", "share")]
    assert orders["hits"] == pytest.approx(1 + 2 * 2 / 9) and orders["ties_at_cut"] == 9
    pooled = m[m["pooled"]].set_index(["scorer", "k_type"])
    # the two dates are the same ranking of different businesses: pooled = per date
    assert pooled.loc[("logit", "share"), "precision"] == pytest.approx(2 / 3)
    assert pooled.loc[("logit", "share"), "k"] == 6 and pooled.loc[("logit", "share"), "n_eval"] == 20
    # best rule at 30 %: past_orders (1 + 4/9 expected hits) beats last_severity (rows 3–5: 1 hit)
    assert pooled.loc[("logit", "share"), "best_rule"] == "past_orders"
    assert pooled.loc[("logit", "share"), "vs_best_rule"] == pytest.approx(2 / (1 + 4 / 9))
    assert np.isnan(pooled.loc[("logit", "share"), "lift_lo"])  # no bootstrap asked for


def test_bootstrap_intervals_bracket_the_estimate_and_the_random_population():
    m = backtest_metrics(_records(), [0.3], n_boot=200, seed=1)
    pooled = m[m["pooled"]]
    assert ((pooled["lift_lo"] <= pooled["lift"] + 1e-9) & (pooled["lift"] <= pooled["lift_hi"] + 1e-9)).all()
    rnd = pooled[pooled["population"] == "random"].set_index("scorer")
    # 双随机: rows 0–2 of each date, one positive (row 0): base rate 1/3, the model ranks it first
    assert rnd.loc["logit", "base_rate"] == pytest.approx(1 / 3)
    assert rnd.loc["logit", "n_eval"] == 6 and rnd.loc["logit", "precision"] == pytest.approx(1.0)


def test_model_comparison_counts_dates_won():
    m = backtest_metrics(_records(), [0.3], populations=["inspected"], n_boot=0)
    comp = model_comparison(m, share=0.3).set_index("scorer")
    assert comp.loc["logit", "dates_won"] == 2 and comp.loc["logit", "dates"] == 2
    assert comp.index[0] == "logit"


def test_precision_recall_curve_ends_at_the_base_rate():
    pr = pr_curve(_records(), scorers=["logit"], points=10)
    last = pr.iloc[-1]
    assert (
        last["share"] == 1 and last["recall"] == pytest.approx(1) and last["precision"] == pytest.approx(0.3)
    )
    assert pr.iloc[1]["precision"] == pytest.approx(1.0)  # top 20 %: rows 0 and 1


def test_days_earlier_reorders_the_actual_inspection_dates():
    d = days_earlier(_records(), scorers=["logit", "past_orders"], n_boot=0).set_index("scorer")
    # logit keeps the actual order (row i on day 3i): nothing gained
    assert d.loc["logit", "days_earlier"] == pytest.approx(0.0)
    # past_orders: row 4 (actual day 12) gets day 0: +12; rows 0..3,5..9 share the mean of the
    # remaining days 3..27 (= 15): row 0 (day 0) −15, row 1 (day 3) −12 → (12 − 15 − 12) / 3
    assert d.loc["past_orders", "days_earlier"] == pytest.approx(-5.0)
    assert d.loc["logit", "positives"] == 6
