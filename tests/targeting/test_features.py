"""Features as of a planning date: windows, severity, recency, licences, field rates, no leakage."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from risk_helpers import business, complaint, inspection, make_ws, penalty, permit

from guidance_analytics import targeting as F

AS_OF = "2024-07-01"


@pytest.fixture()
def ws(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        business(con, "A", township="南麻街道", industry="6210")
        business(con, "B", township="鲁村镇", industry="6210")
        business(con, "C", township="鲁村镇", industry="5211")
        inspection(con, "A", "2023-03-01", "未发现问题")
        inspection(con, "A", "2024-01-10", "责令限期整改")
        inspection(con, "A", "2024-06-15", "发现问题已当场整改")
        inspection(con, "B", "2024-03-01", "未发现问题")
        inspection(con, "B", "2024-05-01", "未发现问题")
        complaint(con, "A", "2024-05-01 10:00", "属实", closed="2024-05-10")
        complaint(con, "A", "2024-06-20 10:00", "属实", closed="2024-07-05")  # known after as_of
        complaint(con, "A", "2023-10-01 10:00", "不属实")
        complaint(con, "A", "2024-06-01 10:00", None, request_type="咨询")  # not a complaint
        penalty(con, "A", "2024-02-01", "罚款;暂扣许可证件", fine=5000)
        penalty(con, "A", "2022-01-01", "警告")
        permit(con, "A", "2020-07-01", valid_to="2024-07-20")
        permit(con, "A", "2023-07-01", valid_to=None)
        permit(con, "B", "2021-01-01", valid_to="2026-01-01")
        permit(con, "C", "2024-08-01")  # C is unknown before as_of
    return ws


def _later_events(ws):
    with ws.store.transaction() as con:
        inspection(con, "A", AS_OF, "移送立案")  # on the planning date: not yet known
        inspection(con, "A", "2024-08-01", "移送立案")
        inspection(con, "B", "2024-07-15", "责令限期整改")
        complaint(con, "B", "2024-07-02 09:00", "属实")
        penalty(con, "A", "2024-09-01", "罚款")
        permit(con, "B", "2024-07-10", valid_to="2024-08-01")


def test_counts_windows_severity_and_recency(ws):
    f = F.features(ws, AS_OF, use_hotspots=False).set_index("business_id")
    assert sorted(f.index) == ["A", "B"]  # C has nothing before as_of
    a = f.loc["A"]
    expected = {
        "insp_3m": 1,
        "insp_12m": 2,
        "insp_24m": 3,
        "prob_3m": 1,
        "prob_6m": 2,
        "prob_12m": 2,
        "order_12m": 1,
        "referral_24m": 0,
        "max_severity_12m": 2,
        "last_severity": 1,
        "clean_after_problem": 0,
        "prob_trend": 2,
        "cmp_3m": 2,
        "cmp_12m": 3,
        "sub_3m": 1,
        "sub_12m": 1,
        "unsub_12m": 1,
        "sub_same_matter_12m": 1,
        "pen_12m": 1,
        "pen_24m": 1,
        "pen_serious_24m": 1,
        "fine_24m": 5000,
        "permits_total": 2,
        "permits_active": 2,
        "expiring_30d": 1,
        "expiring_90d": 1,
    }
    for col, value in expected.items():
        assert a[col] == value, col
    as_of = dt.date(2024, 7, 1)
    assert a["days_since_insp"] == (as_of - dt.date(2024, 6, 15)).days
    assert a["days_since_order"] == (as_of - dt.date(2024, 1, 10)).days
    assert a["days_since_penalty"] == (as_of - dt.date(2024, 2, 1)).days
    assert a["licence_age_days"] == (as_of - dt.date(2020, 7, 1)).days
    assert pd.isna(f.loc["B", "days_since_problem"])
    assert f.loc["B", "clean_after_problem"] == 0


def test_field_and_township_rates_unsmoothed(ws):
    p = F.feature_panel(ws, [AS_OF], smoothing=0.0).set_index("business_id")
    # class 6210 in the last 12 months: A 2 inspections both with problems, B 2 clean ones
    assert p.loc["A", "field_problem_rate"] == pytest.approx(2 / 4)
    assert p.loc["B", "field_problem_rate"] == pytest.approx(2 / 4)
    assert p.loc["A", "township_problem_rate"] == pytest.approx(1.0)  # 南麻街道: only A
    assert p.loc["B", "township_problem_rate"] == pytest.approx(0.0)
    # one substantiated complaint known before as_of per active licence of class 6210 (A 2, B 1)
    assert p.loc["A", "field_sub_per_business"] == pytest.approx(1 / 3)


def test_smoothing_pulls_towards_the_county_rate(ws):
    p = F.feature_panel(ws, [AS_OF], smoothing=20.0).set_index("business_id")
    county = (2 + 1) / (4 + 2)
    assert p.loc["B", "township_problem_rate"] == pytest.approx((0 + 20 * county) / (2 + 20))


def test_no_leakage_from_events_on_or_after_as_of(ws):
    before = F.features(ws, AS_OF)
    _later_events(ws)
    after = F.features(ws, AS_OF)
    pd.testing.assert_frame_equal(before, after)


def test_panel_has_one_row_per_business_and_date(ws):
    p = F.feature_panel(ws, ["2024-07-01", "2024-04-01", "2024-07-01"])
    assert p.groupby("as_of").size().to_dict() == {
        pd.Timestamp("2024-04-01"): 2,
        pd.Timestamp("2024-07-01"): 2,
    }
    april = p[p["as_of"] == "2024-04-01"].set_index("business_id")
    # from 2024-04-01: the 2024-01-10 order is within 3 months, the 2023-03-01 visit within 24 only
    assert (april.loc["A", "insp_3m"], april.loc["A", "insp_12m"], april.loc["A", "insp_24m"]) == (1, 1, 2)
    assert april.loc["A", "prob_3m"] == 1 and april.loc["A", "pen_12m"] == 1


def test_outcomes_window_and_known_before(ws):
    _later_events(ws)
    out = F.outcomes(ws, [AS_OF], horizon_months=1).set_index("business_id")
    assert out.loc["A", "inspections"] == 1 and out.loc["A", "problems_found"] == 1  # 07-01 only
    assert bool(out.loc["B", "positive"]) and out.loc["B", "substantiated"] == 1
    assert out.loc["B", "inspected"]
    cut = F.outcomes(ws, [AS_OF], horizon_months=3, known_before="2024-07-10").set_index("business_id")
    assert cut.loc["A", "inspections"] == 1  # the 08-01 inspection is not known yet
    assert "B" in cut.index and cut.loc["B", "problems_found"] == 0  # 07-15 not known yet


def test_industry_names_and_sections(ws):
    info = F.business_info(ws).set_index("business_id")
    assert info.loc["A", "section"] == "H" and info.loc["A", "industry_name"] == "正餐服务"
    assert info.loc["C", "section"] == "F" and info.loc["C", "industry_name"] == "百货零售"


@pytest.mark.parametrize("field", ["62", "H62", "6210"])
def test_hotspot_feature_uses_only_data_before_as_of(ws, monkeypatch, field):
    import guidance_analytics.targeting.feature_table as H  # where features() looks up hotspots

    seen = {}

    def fake(ws_, measure, by, end=None, **kw):
        seen["end"] = end
        return pd.DataFrame(
            {
                "by": ["industry"] * 3,
                "field": [field, "52", field],
                "period_start": pd.to_datetime(["2024-06-01", "2024-06-01", "2024-01-01"]),
                "period_end": pd.to_datetime(["2024-06-30", "2024-06-30", "2024-01-31"]),
                "flagged": [True, False, True],
            }
        )

    monkeypatch.setattr(H, "hotspots", fake)
    f = F.features(ws, AS_OF).set_index("business_id")
    assert seen["end"] < dt.date(2024, 7, 1)
    assert f.loc["A", "in_hotspot"] == 1 and f.loc["B", "in_hotspot"] == 1
    assert f.loc["A", "hotspot_note"] == f"所在领域（{field}）2024年6月为高发"  # the January flag is stale


def test_hotspot_feature_falls_back_gracefully(ws, monkeypatch):
    import guidance_analytics.targeting.feature_table as H  # where features() looks up hotspots

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(H, "hotspots", broken)
    assert F.features(ws, AS_OF)["in_hotspot"].eq(0).all()
    f = F.features(ws, AS_OF, use_hotspots=False)
    assert f["in_hotspot"].eq(0).all() and f["hotspot_note"].isna().all()
