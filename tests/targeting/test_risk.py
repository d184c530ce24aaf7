"""Risk model: no leakage, calibrated scores in [0, 1], planted risky businesses on top, honest
precision@k with ties, and the backtest's figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from risk_helpers import inspection, make_ws, populate_history

from guidance_analytics import targeting as risk
from guidance_analytics.targeting import (
    evaluate,
    expected_hits_at_k,
    k_values,
    summarize_backtest,
    training_panel,
)

#: Every test here trains models or generates sample sets.
pytestmark = pytest.mark.slow

AS_OF = "2024-07-01"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    ws = make_ws(tmp_path_factory.mktemp("risk"))
    with ws.store.transaction() as con:
        risky = populate_history(con, n=80, start_year=2022, end_year=2024)
    return ws, risky


def test_expected_hits_break_ties_at_random():
    # scores 3 > 2 = 2 = 2 > 1; top 2 = the 3 (a hit) + one of three tied (1 hit among them)
    assert expected_hits_at_k([3, 2, 2, 2, 1], [1, 1, 0, 0, 1], 2) == pytest.approx(1 + 1 / 3)
    # every score tied: expected hits = k × base rate
    assert expected_hits_at_k([0] * 10, [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 5) == pytest.approx(1.5)
    assert expected_hits_at_k([5, 4, 3], [0, 1, 1], 10) == 2  # k capped at n


def test_rank_min_orders_by_score_then_model_score():
    score = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
    raw = np.array([0.2, 0.1, 0.3, 0.2, 0.9])
    assert risk.rank_min(score, raw).tolist() == [3, 1, 2, 3, 5]


def test_evaluate_precision_recall_lift_against_random_and_rule():
    scores = pd.Series([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    rule = pd.Series([0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    y = pd.Series([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    t = evaluate(scores, rule, y, counts=[2], shares=[0.3]).set_index("k_type")
    assert t.loc["count", "base_rate"] == pytest.approx(0.3)
    assert t.loc["count", "precision_model"] == pytest.approx(1.0)
    assert t.loc["count", "lift_model"] == pytest.approx(1 / 0.3)
    assert t.loc["count", "recall_model"] == pytest.approx(2 / 3)
    assert t.loc["count", "precision_rule"] == pytest.approx(0.5)  # rows 3 and 4: one hit
    assert t.loc["share", "k"] == 3
    # rule at k=3: rows 3, 4 (1 hit) + one of 8 tied zeros (1 hit among them: row 0 or 1 → 2/8)
    assert t.loc["share", "hits_rule"] == pytest.approx(1 + 2 / 8)
    assert k_values(0, [5], [0.1]) == []


def test_training_uses_only_windows_ended_and_known_before_as_of(history):
    ws, _ = history
    train = training_panel(ws, AS_OF, horizon_months=3, train_months=12)
    last = pd.Timestamp("2024-04-01")
    assert train["as_of"].max() == last and train["as_of"].min() == pd.Timestamp("2023-05-01")
    assert train["inspected"].all()  # train_on = inspected


def test_scores_calibrated_ranked_explained_and_planted_on_top(history):
    ws, risky = history
    scores = risk.risk_scores(ws, AS_OF)
    assert list(scores.columns[:8]) == list(risk.SCORE_COLUMNS)
    assert scores["business_id"].is_unique and len(scores) == 80
    assert scores["score"].between(0, 1).all()
    assert scores.attrs["model"]["kind"] == "logit"
    top = scores.nsmallest(len(risky), "rank")
    assert set(top["business_id"]) == risky
    assert top["explanation"].str.contains("检查发现问题").all()
    assert scores["rank"].min() == 1 and scores["rank"].is_monotonic_increasing


def test_hgb_model_also_ranks_planted_first(history):
    from threadpoolctl import threadpool_limits

    ws, risky = history
    with threadpool_limits(1):  # OpenMP threads only slow a tiny fit down on a busy machine
        scores = risk.risk_scores(ws, AS_OF, kind="hgb")
    assert set(scores.nsmallest(len(risky), "rank")["business_id"]) == risky


def test_adding_events_after_as_of_never_changes_scores(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        populate_history(con, n=40, start_year=2022, end_year=2024)
    before = risk.risk_scores(ws, AS_OF)
    with ws.store.transaction() as con:
        for k in range(40):
            inspection(con, f"B{k:04d}", AS_OF, "移送立案")
            inspection(con, f"B{k:04d}", "2024-12-20", "责令限期整改")
    after = risk.risk_scores(ws, AS_OF)
    pd.testing.assert_frame_equal(before, after)


def test_too_few_examples_fall_back_to_the_rule(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        populate_history(con, n=3, start_year=2024, end_year=2024)
    scores = risk.risk_scores(ws, "2024-10-01")
    assert scores.attrs["model"]["kind"] == "rule"
    assert scores.iloc[0]["business_id"] == "B0000"  # the risky one


def test_backtest_beats_random_on_planted_history(history):
    ws, _ = history
    bt = risk.backtest(ws, "2024-01-01", "2024-03-01", horizon_months=3, step_months=1, k=[8, 0.1])
    assert set(bt["as_of"]) == {pd.Timestamp(f"2024-0{m}-01") for m in (1, 2, 3)}
    assert (bt["precision_model"] * bt["k"]).round(9).equals((bt["hits_model"]).round(9))
    s = summarize_backtest(bt).set_index("k_type")
    assert s.loc["share", "lift_model"] > 1.5
    assert s.loc["count", "dates"] == 3


def test_cli_risk_and_backtest(history, tmp_path):
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    ws, _ = history
    out = tmp_path / "risk.csv"
    res = CliRunner().invoke(app, ["-w", str(ws.path), "risk", "--as-of", AS_OF, "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:3]) == ["主体标识", "统一社会信用代码", "行政相对人名称"] and len(table) == 80
    res = CliRunner().invoke(
        app,
        [
            "-w",
            str(ws.path),
            "backtest",
            "--start",
            "2024-03-01",
            "--end",
            "2024-03-01",
            "--out",
            str(tmp_path / "bt.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "前10%" in res.output and "提升" in res.output
    assert set(pd.read_csv(tmp_path / "bt.csv", encoding="utf-8-sig")["k类型"]) == {"户数", "比例"}
