"""Risk model: severity-aware labels, a continuous ranking with an order-preserving calibration
fitted on a later window (to the random draw when it can be), planted risky businesses on top, a
field prior for new businesses, no leakage, the backtest's grid and its panel cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from risk_helpers import business, complaint, inspection, make_ws, penalty, permit, populate_history

from guidance_analytics import targeting as risk
from guidance_analytics.targeting import (
    FEATURE_COLUMNS,
    PanelCache,
    Platt,
    backtest,
    backtest_records,
    explain_scores,
    fit_model,
    outcomes,
    summarize_backtest,
    training_panel,
)

#: Every test here trains models.
pytestmark = pytest.mark.slow

AS_OF = "2024-07-01"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    ws = make_ws(tmp_path_factory.mktemp("risk"))
    with ws.store.transaction() as con:
        risky = populate_history(con, n=80, start_year=2022, end_year=2024)
    return ws, risky


def test_rank_min_orders_by_score_then_tiebreak():
    score = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
    raw = np.array([0.2, 0.1, 0.3, 0.2, 0.9])
    assert risk.rank_min(score, raw).tolist() == [3, 1, 2, 3, 5]


def test_platt_keeps_the_order_and_recovers_a_known_curve():
    rng = np.random.default_rng(3)
    raw = rng.uniform(0.02, 0.98, 50_000)
    logit = np.log(raw / (1 - raw))
    y = rng.random(raw.size) < 1 / (1 + np.exp(-(-1.0 + 0.5 * logit)))
    c = Platt.fit(raw, y)
    assert c.a == pytest.approx(-1.0, abs=0.05) and c.b == pytest.approx(0.5, abs=0.05)
    p = c(np.sort(raw))
    assert (np.diff(p) > 0).all()  # strictly increasing: no calibration step, no new tie


def _synthetic_train(n_dates: int = 24, per_date: int = 400, seed: int = 0) -> pd.DataFrame:
    """Training rows whose risk is a known function of ``serious_rate``; 双随机 rows find less."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-01", periods=n_dates, freq="MS")
    rows = []
    for d in dates:
        frame = pd.DataFrame(0.0, index=range(per_date), columns=list(FEATURE_COLUMNS))
        frame["serious_rate"] = rng.uniform(0.02, 0.6, per_date)
        frame["as_of"] = d
        p = frame["serious_rate"]
        frame["y"] = (rng.random(per_date) < p).astype(int)
        is_random = rng.random(per_date) < 0.4
        # a random draw finds half as often (targeted checks go where problems are expected)
        frame["y_random"] = np.where(is_random, (rng.random(per_date) < p / 2).astype(float), np.nan)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_calibration_on_a_later_window_with_a_gap_and_to_the_random_draw():
    train = _synthetic_train()
    model = fit_model(train, "logit", calibration_dates=4, horizon_months=3)
    info = model.info
    # 24 dates: the last 4 calibrate; the model is fitted on dates ≤ first calibration date − 3
    # months: dates 1..18 (no fitted window overlaps a calibration window)
    assert info["calibration"] == "platt" and info["fit_dates"] == 18 and info["calibration_dates"] == 4
    assert info["calibrated_to"] == "random"
    fresh = _synthetic_train(n_dates=1, per_date=20_000, seed=9)
    prob = model.predict(fresh)
    # calibrated to the random draw: mean probability ≈ what a random inspection finds (p / 2)
    assert prob.mean() == pytest.approx((fresh["serious_rate"] / 2).mean(), abs=0.01)
    raw = model.ranking(fresh)
    assert (np.argsort(prob, kind="stable") == np.argsort(raw, kind="stable")).all()
    no_random = fit_model(train.drop(columns=["y_random"]), "logit", horizon_months=3)
    assert no_random.info["calibrated_to"] == "inspected"
    assert no_random.predict(fresh).mean() == pytest.approx(fresh["serious_rate"].mean(), abs=0.015)


def test_refit_ranks_with_every_date_and_keeps_the_held_out_calibration():
    train = _synthetic_train()
    held_out = fit_model(train, "logit", calibration_dates=4, horizon_months=3, refit=False)
    model = fit_model(train, "logit", calibration_dates=4, horizon_months=3)
    # the curve is the one fitted on the held-out model's scores of the last 4 dates (identical
    # with and without the refit); the ranking model is then fitted on all 24 dates
    assert model.info["fit_dates"] == 18 and model.info["refit_dates"] == 24
    assert model.info["n_refit"] == len(train) and "refit" not in held_out.info
    assert (model.calibrator.a, model.calibrator.b) == (held_out.calibrator.a, held_out.calibrator.b)
    fresh = _synthetic_train(n_dates=1, per_date=2000, seed=5)
    assert not np.allclose(model.ranking(fresh), held_out.ranking(fresh))  # a different fit


def _bump_train(n_dates: int = 16, per_date: int = 1500, seed: int = 1) -> pd.DataFrame:
    """Training rows whose risk peaks at a middle number of inspections (no monotone or linear
    function of the features finds it; a tree does)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range("2022-01-01", periods=n_dates, freq="MS"):
        frame = pd.DataFrame(0.0, index=range(per_date), columns=list(FEATURE_COLUMNS))
        frame["insp_12m"] = rng.integers(0, 9, per_date).astype(float)
        frame["as_of"] = d
        p = np.where(frame["insp_12m"].between(3, 4), 0.5, 0.05)
        frame["y"] = (rng.random(per_date) < p).astype(int)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_auto_kind_keeps_the_model_that_wins_on_the_latest_dates():
    model = fit_model(_bump_train(), "auto", calibration_dates=4, horizon_months=3)
    sel = model.info["selection"]
    assert set(sel) == {"logit", "hgb", "blend"}
    # hand-computed: the top 10 % of a date are 150 rows; the tree puts the 2/9 bump rows (50 %
    # positive) first, so its hit rate is about 0.5; the logistic model cannot single them out
    assert sel["hgb"] == pytest.approx(0.5, abs=0.08) and sel["logit"] < 0.3
    assert model.info["chosen"] == model.kind and model.kind in ("hgb", "blend")
    assert model.kind == max(sel, key=sel.get)
    only_logit = fit_model(_bump_train(), "auto", calibration_dates=4, horizon_months=3, candidates=["logit"])
    assert only_logit.kind == "logit" and "selection" not in only_logit.info


def test_too_few_dates_for_a_gap_leave_the_model_uncalibrated():
    model = fit_model(_synthetic_train(n_dates=6), "logit", calibration_dates=4, horizon_months=3)
    assert model.info["calibration"] == "none" and model.calibrator is None


def test_label_is_severity_aware_and_configurable(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        for bid in ("MINOR", "ORDER", "PEN", "SUB"):
            business(con, bid)
            permit(con, bid, "2023-01-01")
        inspection(con, "MINOR", "2024-07-10", "发现问题已当场整改")
        inspection(con, "ORDER", "2024-07-10", "责令限期整改", kind="双随机抽查")
        inspection(con, "PEN", "2024-07-10", "未发现问题")
        penalty(con, "PEN", "2024-08-01", "罚款")
        inspection(con, "SUB", "2024-07-10", "未发现问题", kind="许可勘验")  # not a compliance check
        complaint(con, "SUB", "2024-07-20 10:00", "属实", closed="2024-07-25")
    out = outcomes(ws, [AS_OF], 3).set_index("business_id")
    assert out["positive"].to_dict() == {"MINOR": False, "ORDER": True, "PEN": True, "SUB": False}
    assert not out.loc["SUB", "inspected"]  # 许可勘验 does not count
    assert out.loc["ORDER", "random_positive"] and not out.loc["MINOR", "random_inspected"]
    loose = outcomes(ws, [AS_OF], 3, min_severity=1, penalties=False, substantiated=True)
    assert loose.set_index("business_id")["positive"].to_dict() == {
        "MINOR": True,
        "ORDER": True,
        "PEN": False,
        "SUB": True,
    }


def test_training_uses_only_windows_ended_and_known_before_as_of(history):
    ws, _ = history
    train = training_panel(ws, AS_OF, horizon_months=3, train_months=12)
    assert train["as_of"].max() == pd.Timestamp("2024-04-01")
    assert train["as_of"].min() == pd.Timestamp("2023-05-01")
    assert train["inspected"].all()  # train_on = inspected


def test_scores_rank_planted_first_without_ties_and_explain_the_listed_rows(history):
    ws, risky = history
    scores = risk.risk_scores(ws, AS_OF, explain=10, with_features=True)
    assert list(scores.columns[:8]) == list(risk.SCORE_COLUMNS)
    assert scores["business_id"].is_unique and len(scores) == 80
    assert scores["score"].between(0, 1).all()
    # the configured default kind ([model] kind), refitted on every training date
    assert scores.attrs["model"]["kind"] == risk.model_config(ws)["kind"] and scores.attrs["model"]["refit"]
    assert scores.attrs["model"]["calibration"] == "platt"
    top = scores.nsmallest(len(risky), "rank")
    # a random ranking puts 3 of the 16 planted ones in the top 16; a few risky businesses have a
    # clean recent record by chance, so not every one must be there
    assert len(set(top["business_id"]) & risky) >= 14
    # continuous ranking: the rank follows rank_score, and the probability keeps that order
    assert scores["rank"].is_monotonic_increasing and scores["rank_score"].is_monotonic_decreasing
    assert scores["score"].is_monotonic_decreasing
    # only businesses with identical histories share a rank (here: same day of visits, all clean)
    for _, tied in scores[scores["rank"].duplicated(keep=False)].groupby("rank"):
        assert len(tied[list(FEATURE_COLUMNS)].drop_duplicates()) == 1
    assert scores["explanation"].iloc[:10].notna().all() and scores["explanation"].iloc[10:].isna().all()
    assert top["explanation"].iloc[:10].str.contains("检查发现问题|责令限期整改").all()
    more = explain_scores(risk.risk_scores(ws, AS_OF, explain=0, with_features=True), rows=[40, 41])
    assert more["explanation"].notna().sum() == 2


@pytest.mark.parametrize("kind", ["hgb", "blend"])
def test_tree_and_blended_models_also_rank_planted_first(history, kind):
    ws, risky = history
    scores = risk.risk_scores(ws, AS_OF, kind=kind)
    assert scores.attrs["model"]["kind"] == kind and not scores["rank"].iloc[: len(risky)].duplicated().any()
    assert len(set(scores.nsmallest(len(risky), "rank")["business_id"]) & risky) >= 14


def test_new_businesses_get_their_fields_prior(history):
    ws, _ = history
    with ws.store.transaction() as con:
        # two businesses licensed a month ago, no inspection yet, in classes with different records
        business(con, "NEW_RISKY_FIELD", industry="5211")
        business(con, "NEW_CLEAN_FIELD", industry="6210")
        permit(con, "NEW_RISKY_FIELD", "2024-06-01")
        permit(con, "NEW_CLEAN_FIELD", "2024-06-01")
    try:
        s = risk.risk_scores(ws, AS_OF, kind="logit").set_index("business_id")
        feats = risk.features(ws, AS_OF, use_hotspots=False).set_index("business_id")
        # with no inspection a business's own rate is its field's rate
        for bid in ("NEW_RISKY_FIELD", "NEW_CLEAN_FIELD"):
            assert feats.loc[bid, "serious_rate"] == pytest.approx(feats.loc[bid, "field_serious_rate"])
        # class 5211 holds every third business of the history (risky ones among them)
        r5211, r6210 = (feats.loc[b, "field_serious_rate"] for b in ("NEW_RISKY_FIELD", "NEW_CLEAN_FIELD"))
        assert r5211 != r6210
        assert (s.loc["NEW_RISKY_FIELD", "score"] > s.loc["NEW_CLEAN_FIELD", "score"]) == (r5211 > r6210)
    finally:
        with ws.store.transaction() as con:
            for table in ("permits", "businesses"):
                con.execute(f"DELETE FROM {table} WHERE business_id LIKE 'NEW_%'")  # noqa: S608


def test_scores_identical_whatever_is_recorded_later(tmp_path):
    """The leak test: later inspections, later verdicts of earlier complaints, later licences
    (one moving a business to another industry class, which also changes the businesses table)
    and whatever they do to later hotspot flags never change the scores as of a date."""
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        populate_history(con, n=40, start_year=2022, end_year=2024)
        complaint(con, "B0001", "2024-06-20 10:00", "属实", closed="2024-07-15")  # verdict known later
    before = risk.risk_scores(ws, AS_OF, with_features=True, explain=-1)
    listed_before = risk.risk_scores(ws, AS_OF, explain=-1)  # the chunked path
    with ws.store.transaction() as con:
        for k in range(40):
            inspection(con, f"B{k:04d}", AS_OF, "移送立案")
            inspection(con, f"B{k:04d}", "2024-12-20", "责令限期整改")
        penalty(con, "B0002", "2024-08-01", "罚款;暂扣许可证件", fine=5000)
        permit(con, "B0003", "2024-09-01", item="食品经营许可", industry="5212")
        con.execute("UPDATE businesses SET industry_code = '5212' WHERE business_id = 'B0003'")
        business(con, "LATER", industry="5212")
        permit(con, "LATER", "2024-08-01")
    after = risk.risk_scores(ws, AS_OF, with_features=True, explain=-1)
    # the display columns come from the businesses table as it is now; everything the model and
    # the explanation use is as of the date
    cols = [c for c in before.columns if c not in ("industry", "industry_name", "section")]
    pd.testing.assert_frame_equal(before[cols], after[cols])
    listed = [c for c in listed_before.columns if c in cols]
    pd.testing.assert_frame_equal(listed_before[listed], risk.risk_scores(ws, AS_OF, explain=-1)[listed])


def test_too_few_examples_fall_back_to_the_field_prior(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        populate_history(con, n=3, start_year=2024, end_year=2024)
    scores = risk.risk_scores(ws, "2024-10-01")
    assert scores.attrs["model"]["kind"] == "prior"
    assert scores.iloc[0]["business_id"] == "B0000"  # the risky one


def test_backtest_grid_beats_the_rules_and_reuses_panels(history):
    ws, _ = history
    cache = PanelCache(max_entries=30)
    rec = backtest_records(ws, "2024-01-01", "2024-03-01", cache=cache, train_months=12)
    # 12 training dates per planning date, shifted by one month: 14 distinct dates, the rest hits
    assert rec.attrs["cache_misses"] == 14 and rec.attrs["cache_hits"] == 3 * 12 - 14
    assert {"score_logit", "score_hgb", "score_last_severity", "score_past_orders"} <= set(rec.columns)
    small = PanelCache(max_entries=5)
    small.panel(ws, [pd.Timestamp(f"2023-{m:02d}-01").date() for m in range(1, 9)], sample_share=1.0)
    assert len(small) == 5  # bounded
    bt = backtest(ws, "2024-01-01", "2024-03-01", k=[8, 0.1], n_boot=50, train_months=12)
    s = summarize_backtest(bt)
    top = s[(s["population"] == "inspected") & (s["k_type"] == "share")].set_index("scorer")
    assert top.loc["logit", "lift"] > 1.5 and top.loc["logit", "dates"] == 3
    assert top.loc["logit", "lift_lo"] <= top.loc["logit", "lift"] <= top.loc["logit", "lift_hi"]


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


def test_chunked_scoring_gives_the_whole_frame_result(history):
    """risk_scores streams the panel in chunks and keeps only id + score per row (the 1 M-business
    memory bound); the result — scores, ranks, the explained rows — is the one the whole-frame
    path (score_frame) gives, however the panel is cut (up to the last bits of the floating-point
    sums, which depend on the batch size of the matrix product)."""
    ws, _ = history
    model = risk.train(ws, AS_OF)
    panel = risk.feature_panel(ws, [AS_OF])
    info = risk.business_info(ws)
    streamed = pd.concat(list(risk.feature_chunks(ws, AS_OF)), ignore_index=True)
    pd.testing.assert_frame_equal(panel, streamed)

    def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
        a, b = (x.sort_values("business_id", ignore_index=True) for x in (a, b))
        cols = [c for c in a.columns if c not in ("rank", "explanation")]
        pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, rtol=1e-9)
        assert (a["rank"] - b["rank"]).abs().max() <= 1  # neighbours within 1e-9 may swap
        assert set(a.loc[a["explanation"].notna(), "business_id"]) == set(
            b.loc[b["explanation"].notna(), "business_id"]
        )

    whole = risk.score_frame(panel, model, explain=12, info=info)
    # one chunk per 7 rows (chunk boundaries fall inside the explained head)
    cut = risk.score_chunks(
        (panel.iloc[i : i + 7] for i in range(0, len(panel), 7)), model, explain=12, info=info
    )
    same(whole, cut)
    assert cut["explanation"].iloc[:12].notna().all() and cut["explanation"].iloc[12:].isna().all()
    listed = risk.risk_scores(ws, AS_OF, explain=12)
    same(listed, risk.risk_scores(ws, AS_OF, explain=12, with_features=True)[list(listed.columns)])
