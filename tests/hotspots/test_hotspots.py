"""Hotspot panels (SQL), flags, episodes and seasonal hotspots on hand-built tiny workspaces."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from guidance_analytics import Workspace
from guidance_analytics import hotspots as H
from guidance_analytics.hotspots import hotspot_panel, parse_by, seasonal_profile


def insert(ws: Workspace, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts of column → value) into a workspace table."""
    df = pd.DataFrame(rows)
    with ws.store.transaction() as con:
        con.register("new_rows", df)
        cols = ", ".join(df.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM new_rows")  # noqa: S608
        con.unregister("new_rows")


def inspections(rows: list[tuple], prefix: str = "I") -> list[dict]:
    """``(date, industry_code, township, result[, business_id, violation_type, problem_count])`` rows."""
    out = []
    for i, r in enumerate(rows):
        r = tuple(r) + (None,) * (7 - len(r))
        out.append(
            dict(
                inspection_no=f"{prefix}{i}",
                inspected_on=pd.Timestamp(r[0]).date(),
                industry_code=r[1],
                township=r[2],
                result=r[3],
                business_id=r[4],
                violation_type=r[5],
                problem_count=r[6],
            )
        )
    return out


def monthly_events(ws: Workspace, counts: dict[str, list[int]], start: str = "2021-01-01") -> None:
    """Insert inspections with problems: ``counts[industry_code][m]`` events in month ``m``."""
    rows = []
    months = pd.date_range(start, periods=max(len(v) for v in counts.values()), freq="MS")
    for code, series in counts.items():
        for month, n in zip(months, series, strict=False):
            rows += [(month + pd.Timedelta(days=k % 28), code, "南麻街道", "责令限期整改") for k in range(n)]
    insert(ws, "inspections", inspections(rows))


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path / "ws")


# -- panels -----------------------------------------------------------------------------------------


def test_violation_counts_month_boundaries_and_zero_filled_grid(ws):
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-01-31", "6210", "南麻街道", "责令限期整改"),
                ("2024-02-01", "6210", "南麻街道", "发现问题已当场整改"),
                ("2024-02-29", "6210", "南麻街道", "移送立案"),
                ("2024-02-15", "6210", "南麻街道", "未发现问题"),  # no problem: not counted
                ("2024-03-01", "6220", "鲁村镇", None, None, None, 2),  # no result, 2 problems
                ("2024-03-02", "6220", "鲁村镇", None, None, None, 0),  # no result, no problem
                ("2024-04-30", "5211", "鲁村镇", "责令限期整改"),
            ]
        ),
    )
    insert(
        ws,
        "penalties",
        [dict(decision_no="P1", decided_on=date(2024, 4, 1), industry_code="6210", township="南麻街道")],
    )
    p = hotspot_panel(ws, "violations", "industry_division", freq="M")
    got = {(r.field, f"{r.period_start:%Y-%m}"): r.observed for r in p.itertuples()}
    assert got == {
        ("H62", "2024-01"): 1,
        ("H62", "2024-02"): 2,
        ("H62", "2024-03"): 1,
        ("H62", "2024-04"): 1,
        ("F52", "2024-01"): 0,
        ("F52", "2024-02"): 0,
        ("F52", "2024-03"): 0,
        ("F52", "2024-04"): 1,
    }
    feb = p[(p.field == "H62") & (p.period_start == "2024-02-01")].iloc[0]
    assert feb.period_end == pd.Timestamp("2024-02-29")
    assert set(p["field_label"]) == {"餐饮业(H62)", "零售业(F52)"}
    no_pen = hotspot_panel(ws, "violations", "industry_division", include_penalties=False)
    assert no_pen.loc[(no_pen.field == "H62") & (no_pen.period_start == "2024-04-01"), "observed"].item() == 0


def test_industry_levels_and_fill_from_business(ws):
    insert(ws, "businesses", [dict(business_id="B1", industry_code="8051", township="鲁村镇")])
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-05-10", "6291", "南麻街道", "责令限期整改"),
                ("2024-05-11", None, None, "责令限期整改", "B1"),  # industry and township from the business
                ("2024-05-12", None, "东里镇", "责令限期整改", "B9"),  # unknown business: industry unknown
            ]
        ),
    )
    for by, keys in [
        ("industry_section", {"H", "O", "（未知）"}),
        ("industry_division", {"H62", "O80", "（未知）"}),
        ("industry_class", {"H6291", "O8051", "（未知）"}),
        ("township", {"南麻街道", "鲁村镇", "东里镇"}),
    ]:
        assert set(hotspot_panel(ws, "violations", by)["field"]) == keys, by
    labels = hotspot_panel(ws, "violations", "industry_class").set_index("field")["field_label"]
    assert labels["H6291"] == "小吃服务(H6291)" and labels["O8051"] == "洗浴服务(O8051)"
    # "industry": every level at once, each row with its level and parent; unknown codes once
    multi = hotspot_panel(ws, "violations", "industry").drop_duplicates("field").set_index("field")
    assert multi["level"].to_dict() == {
        "H": "section",
        "H62": "division",
        "H629": "group",
        "H6291": "class",
        "O": "section",
        "O80": "division",
        "O805": "group",
        "O8051": "class",
        "（未知）": "section",
    }
    assert multi.loc["H6291", "parent"] == "H629" and multi.loc["H62", "parent"] == "H"
    assert multi["parent"].isna().sum() == 3  # H, O, （未知）
    assert (multi["observed"] == 1).all() and multi.loc["H6291", "field_label"] == "小吃服务(H6291)"


def test_pair_and_permit_item_fields(ws):
    insert(
        ws,
        "permits",
        [
            dict(permit_key="L1", business_id="B1", permit_item="食品经营许可", valid_from=date(2020, 1, 1)),
            dict(
                permit_key="L2", business_id="B1", permit_item="公共场所卫生许可", valid_from=date(2020, 1, 1)
            ),
            dict(permit_key="L3", business_id="B2", permit_item="食品经营许可", valid_from=date(2020, 1, 1)),
        ],
    )
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-05-10", "6210", "南麻街道", "责令限期整改", "B1"),
                ("2024-05-11", "6210", "鲁村镇", "责令限期整改", "B2"),
                ("2024-05-12", "6210", "鲁村镇", "责令限期整改", "B2"),
            ]
        ),
    )
    items = hotspot_panel(ws, "violations", "permit_item").set_index("field")["observed"]
    assert items.to_dict() == {"公共场所卫生许可": 1, "食品经营许可": 3}  # B1's event counts in both items
    pair = hotspot_panel(ws, "violations", "industry×township")
    assert pair["by"].iloc[0] == "industry_division×township"
    assert pair.set_index("field")["observed"].to_dict() == {"H62×南麻街道": 1, "H62×鲁村镇": 2}
    assert pair.set_index("field")["field_label"]["H62×鲁村镇"] == "餐饮业(H62)×鲁村镇"
    assert parse_by(("industry", "township")) == parse_by("industry*township")


def test_exposure_running_sum_matches_hand_count(ws):
    licences = [  # (valid_from, valid_to); NULL and 2099-12-31 = 长期
        ("2023-11-20", None),
        ("2024-01-31", "2024-02-01"),
        ("2024-02-29", "2024-02-29"),
        ("2024-03-01", "2099-12-31"),
        ("2022-05-01", "2023-12-31"),
        ("2022-05-01", "2024-01-01"),
        ("2024-04-15", "2024-03-01"),  # ends before it starts: ignored
        ("2024-06-01", None),  # after the last period
    ]
    insert(
        ws,
        "permits",
        [
            dict(
                permit_key=f"L{i}",
                industry_code="6210",
                township="南麻街道",
                valid_from=pd.Timestamp(a).date(),
                valid_to=None if b is None else pd.Timestamp(b).date(),
            )
            for i, (a, b) in enumerate(licences)
        ],
    )
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-01-05", "6210", "南麻街道", "责令限期整改"),
                ("2024-05-05", "6210", "南麻街道", "责令限期整改"),
            ]
        ),
    )
    p = hotspot_panel(ws, "violations", "industry_division")
    got = dict(zip(p["period_start"].dt.strftime("%Y-%m"), p["exposure"], strict=True))
    # hand count of licences overlapping each month
    assert got == {"2024-01": 3.0, "2024-02": 3.0, "2024-03": 2.0, "2024-04": 2.0, "2024-05": 2.0}
    # and the same by brute force over days
    for month, value in got.items():
        first = pd.Timestamp(month + "-01")
        last = first + pd.offsets.MonthEnd(0)
        n = sum(
            1
            for a, b in licences
            if pd.Timestamp(a) <= last
            and (b is None or pd.Timestamp(b) >= first)
            and (b is None or pd.Timestamp(b) >= pd.Timestamp(a))
        )
        assert value == n, month
    # violation_type is no licence attribute: no exposure
    assert p.shape[0] == 5
    vt = hotspot_panel(ws, "violations", "violation_type")
    assert vt["exposure"].isna().all()


def test_violation_types_split_and_counted_under_each(ws):
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-05-10", "6210", "南麻街道", "责令限期整改", None, "无证经营、超范围经营"),
                ("2024-05-11", "6210", "南麻街道", "责令限期整改", None, "超范围经营"),
                ("2024-05-12", "6210", "南麻街道", "责令限期整改", None, None),
            ]
        ),
    )
    vt = hotspot_panel(ws, "violations", "violation_type").set_index("field")["observed"]
    assert vt.to_dict() == {"无证经营": 1, "超范围经营": 2, "（未知）": 1}
    # other dimensions are not affected by the split
    assert hotspot_panel(ws, "violations", "industry_division")["observed"].tolist() == [3]


def test_exposure_running_sum_matches_brute_force_on_random_licences(ws):
    rng = np.random.default_rng(7)
    lic = []
    for i in range(60):
        start = pd.Timestamp("2021-06-01") + pd.Timedelta(days=int(rng.integers(0, 1200)))
        end = None if rng.random() < 0.3 else start + pd.Timedelta(days=int(rng.integers(0, 500)))
        lic.append(
            dict(
                permit_key=f"L{i}",
                industry_code=["6210", "5211"][i % 2],
                township="南麻街道",
                valid_from=start.date(),
                valid_to=None if end is None else end.date(),
            )
        )
    insert(ws, "permits", lic)
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2022-01-10", "6210", "南麻街道", "责令限期整改"),
                ("2024-06-20", "5211", "南麻街道", "责令限期整改"),
            ]
        ),
    )
    p = hotspot_panel(ws, "violations", "industry_class")
    for r in p.itertuples():
        code = r.field[1:]
        n = sum(
            1
            for x in lic
            if x["industry_code"] == code
            and pd.Timestamp(x["valid_from"]) <= r.period_end
            and (x["valid_to"] is None or pd.Timestamp(x["valid_to"]) >= r.period_start)
        )
        assert r.exposure == n, (r.field, r.period_start)
    assert p["period_start"].min() == pd.Timestamp("2022-01-01") and p["period_start"].max() == pd.Timestamp(
        "2024-06-01"
    )


def test_quarters_weeks_and_end(ws):
    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-03-31", "6210", "南麻街道", "责令限期整改"),
                ("2024-04-01", "6210", "南麻街道", "责令限期整改"),
                ("2024-04-07", "6210", "南麻街道", "责令限期整改"),
                ("2024-04-08", "6210", "南麻街道", "责令限期整改"),
            ]
        ),
    )
    insert(
        ws,
        "permits",
        [
            dict(
                permit_key="L1",
                industry_code="6210",
                valid_from=date(2024, 3, 15),
                valid_to=date(2024, 4, 10),
            ),
            dict(permit_key="L2", industry_code="6210", valid_from=date(2024, 4, 2), valid_to=None),
            dict(
                permit_key="L3", industry_code="6210", valid_from=date(2023, 1, 1), valid_to=date(2024, 4, 1)
            ),
        ],
    )
    q = hotspot_panel(ws, "violations", "industry_division", freq="Q")
    assert q["observed"].tolist() == [1, 3]
    assert q["exposure"].tolist() == [2.0, 3.0]  # Q1: L1, L3; Q2: L1, L2, L3 (its last day)
    assert q["period_end"].dt.strftime("%m-%d").tolist() == ["03-31", "06-30"]
    w = hotspot_panel(ws, "violations", "industry_division", freq="W")  # ISO weeks start on Monday
    assert w["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-25", "2024-04-01", "2024-04-08"]
    assert w["observed"].tolist() == [1, 2, 1]
    assert w["exposure"].tolist() == [2.0, 3.0, 2.0]  # week of 04-01 holds L3's last day and L2's first
    e = hotspot_panel(ws, "violations", "industry_division", freq="M", end="2024-04-01")
    assert e["observed"].tolist() == [1, 1]
    assert e["partial"].tolist() == [False, True]  # the data end on 04-01: April is incomplete
    assert not hotspot_panel(ws, "violations", "industry_division", end="2024-04-30")["partial"].any()


def test_complaints_substantiated_categories_and_failure_rate(ws):
    base = dict(township="南麻街道", category_top="食品安全")
    insert(
        ws,
        "complaints",
        [
            dict(
                order_no="C1",
                received_at=pd.Timestamp("2024-01-31 23:59"),
                closed_at=pd.Timestamp("2024-03-05 10:00"),
                substantiated="属实",
                request_type="投诉",
                **base,
            ),
            dict(
                order_no="C2",
                received_at=pd.Timestamp("2024-02-01 00:01"),
                substantiated="不属实",
                request_type="举报",
                **base,
            ),
            dict(
                order_no="C3",
                received_at=pd.Timestamp("2024-02-02"),
                closed_at=pd.Timestamp("2024-02-20"),
                substantiated="部分属实",
                request_type="咨询",
                township="鲁村镇",
                category_top="环境卫生",
            ),
        ],
    )
    c = hotspot_panel(ws, "complaints", "township")
    assert c.set_index(["field", c.period_start.dt.month])["observed"].to_dict() == {
        ("南麻街道", 1): 1,
        ("南麻街道", 2): 1,
        ("鲁村镇", 1): 0,
        ("鲁村镇", 2): 1,
    }
    s = hotspot_panel(ws, "substantiated_complaints", "complaint_category")
    assert s.groupby("field")["observed"].sum().to_dict() == {"食品安全": 1, "环境卫生": 1}
    # a substantiated complaint counts when its verdict was known (closed_at), not when received
    known = s[s.observed > 0].set_index("field")["period_start"].dt.strftime("%Y-%m").to_dict()
    assert known == {"食品安全": "2024-03", "环境卫生": "2024-02"}
    assert (
        hotspot_panel(ws, "substantiated_complaints", "complaint_category", end="2024-02-29")[
            "observed"
        ].sum()
        == 1
    )  # C1 was still open at the end of February
    t = hotspot_panel(ws, "complaints", "township", request_types=["投诉", "举报"])
    assert t["observed"].sum() == 2
    with pytest.raises(ValueError):
        hotspot_panel(ws, "complaints", "violation_type")
    with pytest.raises(ValueError):
        hotspot_panel(ws, "violations", "nonsense")

    insert(
        ws,
        "inspections",
        inspections(
            [
                ("2024-01-03", "6210", "南麻街道", "未发现问题"),
                ("2024-01-04", "6210", "南麻街道", "责令限期整改"),
                ("2024-01-05", "6210", "南麻街道", "未发现问题"),
                ("2024-02-05", "6210", "南麻街道", "移送立案"),
            ]
        ),
    )
    r = hotspot_panel(ws, "inspection_failure_rate", "industry_division")
    assert r["observed"].tolist() == [1, 1] and r["exposure"].tolist() == [3.0, 1.0]


# -- flags --------------------------------------------------------------------------------------------


def _noise(n: int, level: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return list(level + rng.integers(-2, 3, size=n))


def test_spike_is_flagged_with_reason_and_quiet_fields_are_not(ws):
    counts = {code: _noise(36, 10, i) for i, code in enumerate(["6210", "5211", "8051", "6110"])}
    counts["6210"][33] = 40  # 2023-10: a spike in food service
    monthly_events(ws, counts)
    hot = ws.hotspots("violations", "industry", start="2022-07-15")  # the month holding it is the first
    flagged = hot[hot.flagged]
    # every level is tested; the class carries the flag and names its parents
    assert list(zip(flagged.field, flagged.period_start.dt.strftime("%Y-%m"), strict=True)) == [
        ("H6210", "2023-10")
    ]
    row = flagged.iloc[0]
    assert row.observed == 40 and row.alarm and row.q_value <= 0.05 and row.test == "单月"
    assert row.level == "class" and row.parents == "住宿和餐饮业(H) › 餐饮业(H62) › 正餐服务(H621)"
    assert row.reason.startswith("2023年10月 正餐服务(H6210) 违法 40 件，预期 ")
    assert f"为预期的 {40 / row.expected:.1f} 倍" in row.reason and "所属：住宿和餐饮业(H)" in row.reason
    # a division that is its only class repeats the class and is not flagged again
    h62 = hot[(hot.field == "H62") & (hot.period_start == "2023-10-01")].iloc[0]
    assert not h62.flagged and h62.reason == "与其唯一的下级领域 正餐服务(H6210) 相同，见该领域"
    assert h62.expected == row.expected
    assert list(hot.columns[:13]) == [
        "by",
        "field",
        "period_start",
        "period_end",
        "observed",
        "expected",
        "upper",
        "exposure",
        "rate_ratio",
        "p_value",
        "q_value",
        "flagged",
        "reason",
    ]
    assert hot["period_start"].min() == pd.Timestamp("2022-07-01")


def test_q_values_are_benjamini_hochberg_per_period(monkeypatch):
    """With a stub detector the q-values and flags can be checked by hand."""
    import guidance_analytics.hotspots.flags as flags

    p = {"A": 0.001, "B": 0.02, "C": 0.03, "D": 0.5}

    def stub(panel, **kwargs):
        out = panel.copy()
        out["expected"], out["upper"] = 4.0, 9.0
        out["p_value"] = out["series"].map(p)
        out["alarm"] = out["series"].isin(["A", "B", "C"])
        out["method"] = "farrington_noufaily"
        return out

    monkeypatch.setattr(flags, "detect_aberrations", stub)
    panel = pd.DataFrame(
        {
            "by": "township",
            "field": list(p),
            "period_start": pd.Timestamp("2024-07-01"),
            "period_end": pd.Timestamp("2024-07-31"),
            "observed": [20, 12, 11, 5],
            "exposure": np.nan,
        }
    )
    hot = H.flag_hotspots(panel, freq="M", fdr=0.05, windows=()).set_index("field")
    # BH: sorted p 0.001, 0.02, 0.03, 0.5 → q = min over k>=i of p_k*4/k = 0.004, 0.04, 0.04, 0.5
    assert hot["q_value"].round(6).to_dict() == {"A": 0.004, "B": 0.04, "C": 0.04, "D": 0.5}
    assert hot["flagged"].to_dict() == {"A": True, "B": True, "C": True, "D": False}
    assert hot.loc["A", "reason"] == "2024年7月 A 违法 20 件，预期 4.0 件（上限 9），为预期的 5.0 倍"
    strict = H.flag_hotspots(panel, freq="M", fdr=0.01, windows=()).set_index("field")
    assert strict["flagged"].to_dict() == {"A": True, "B": False, "C": False, "D": False}
    assert "校正后不显著（q=0.04" in strict.loc["B", "reason"]
    assert strict.loc["D", "reason"] == "在预期范围内"


def test_field_growing_only_by_new_licences_is_not_flagged_with_exposure(ws):
    months = pd.date_range("2021-01-01", periods=36, freq="MS")
    pattern = [9, 10, 11, 10]
    # field H62: 20 licences throughout, ~10 violations a month; F52: licences 20 → 60 from 2023-07
    # (40 new licences) and violations triple with them: the rate per licence does not change
    lic = [dict(permit_key=f"H{i}", industry_code="6210", valid_from=date(2020, 1, 1)) for i in range(20)]
    lic += [dict(permit_key=f"F{i}", industry_code="5211", valid_from=date(2020, 1, 1)) for i in range(20)]
    lic += [dict(permit_key=f"N{i}", industry_code="5211", valid_from=date(2023, 7, 1)) for i in range(40)]
    insert(ws, "permits", lic)
    counts = {
        "6210": [pattern[i % 4] for i in range(36)],
        "5211": [
            pattern[i % 4] * (3 if m >= pd.Timestamp("2023-07-01") else 1) for i, m in enumerate(months)
        ],
    }
    monthly_events(ws, counts)
    with_exp = ws.hotspots("violations", "industry", start="2023-01-01")
    without = ws.hotspots("violations", "industry", start="2023-01-01", exposure=None)
    assert not with_exp["flagged"].any()
    assert without.loc[without.field == "F5211", "flagged"].any()
    assert (
        with_exp.loc[(with_exp.field == "F52") & (with_exp.period_start == "2023-08-01"), "exposure"].item()
        == 60.0
    )


def test_flags_are_prospective_when_data_is_truncated(ws):
    counts = {code: _noise(36, 8, i) for i, code in enumerate(["6210", "5211", "8051"])}
    counts["5211"][30] = 30
    monthly_events(ws, counts)
    insert(
        ws, "inspections", inspections([("2023-08-15", "9011", "南麻街道", "责令限期整改")], "X")
    )  # new field
    full = ws.hotspots("violations", "industry", start="2022-01-01", fdr=0.5)
    cut = ws.hotspots("violations", "industry", start="2022-01-01", fdr=0.5, end="2023-07-31")
    merged = cut.merge(full, on=["field", "period_start"], suffixes=("_cut", "_full"))
    assert len(merged) == len(cut) > 0
    assert (merged["flagged_cut"] == merged["flagged_full"]).all()
    assert np.allclose(merged["q_value_cut"], merged["q_value_full"], equal_nan=True)
    assert full["flagged"].any()


# -- episodes and seasons -----------------------------------------------------------------------------


def _hot_frame(flags: list[bool], observed: list[int] | None = None) -> pd.DataFrame:
    n = len(flags)
    starts = pd.date_range("2024-01-01", periods=n, freq="MS")
    observed = observed or [10] * n
    return pd.DataFrame(
        {
            "by": "township",
            "field": "南麻街道",
            "field_label": "南麻街道",
            "period_start": starts,
            "period_end": starts + pd.offsets.MonthEnd(0),
            "observed": observed,
            "expected": 5.0,
            "rate_ratio": np.array(observed) / 5.0,
            "q_value": 0.01,
            "flagged": flags,
            "measure": "violations",
        }
    )


def test_episodes_merge_contiguous_flagged_periods():
    flags = [False, True, True, False, True, False, False, True]
    obs = [5, 12, 20, 6, 11, 5, 5, 9]
    ep = H.find_episodes(_hot_frame(flags, obs))
    assert ep[["n_periods", "n_span"]].values.tolist() == [[2, 2], [1, 1], [1, 1]]
    assert ep["start"].dt.strftime("%Y-%m").tolist() == ["2024-02", "2024-05", "2024-08"]
    assert ep["end"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-31", "2024-05-31", "2024-08-31"]
    first = ep.iloc[0]
    assert (first.observed, first.expected, first.peak_observed) == (32, 10.0, 20)
    assert first.peak_period == pd.Timestamp("2024-03-01")
    assert ep["ongoing"].tolist() == [False, False, True]
    assert first.reason.startswith("南麻街道 自2024年2月至2024年3月连续 2 期偏高")
    gap = H.find_episodes(_hot_frame(flags, obs), max_gap=1)
    assert gap[["n_periods", "n_span", "observed"]].values.tolist() == [[3, 4, 49], [1, 1, 9]]
    assert H.find_episodes(_hot_frame([False] * 4)).empty


def _seasonal_panel(high_years: dict[str, list[int]], exposure: bool = False) -> pd.DataFrame:
    rows = []
    for field, years in high_years.items():
        for y in range(2021, 2025):
            for m in range(1, 13):
                obs = 20 if (m == 7 and y in years) else 10
                rows.append(
                    dict(
                        by="industry_division",
                        field=field,
                        period_start=pd.Timestamp(y, m, 1),
                        observed=obs,
                        exposure=(100.0 if m < 7 else 200.0) if exposure else np.nan,
                    )
                )
    return pd.DataFrame(rows)


def test_seasonal_july_high_every_year_is_recurrent():
    panel = _seasonal_panel({"H62": [2021, 2022, 2023, 2024], "F52": [2023], "O80": []})
    s = seasonal_profile(panel, freq="M")
    rec = s[s.recurrent]
    assert list(zip(rec.field, rec.season, strict=True)) == [("H62", 7)]
    row = rec.iloc[0]
    # each year: total 130, baseline 130/12; July 20 → ratio 20/(130/12) = 1.846 ≥ 1.25
    assert (row.years_total, row.years_high) == (4, 4)
    assert row.observed == 80 and row.expected == pytest.approx(4 * 130 / 12)
    assert row.season_label == "7月" and "4 个完整年份中有 4 年" in row.reason
    f52 = s[(s.field == "F52") & (s.season == 7)].iloc[0]
    assert f52.years_high == 1 and not f52.recurrent


def test_seasonal_uses_exposure_and_needs_complete_years():
    # licences double in the second half of every year and the counts double with them
    panel = _seasonal_panel({"H62": []}, exposure=True)
    panel["observed"] = np.where(panel.period_start.dt.month >= 7, 20, 10)
    with_exp = seasonal_profile(panel, freq="M")
    assert not with_exp["recurrent"].any()
    assert np.allclose(with_exp["mean_ratio"], 1.0)
    # without exposure, July–December look high (20 against a yearly mean of 15: ratio 1.33 ≥ 1.25)
    no_exp = seasonal_profile(panel.assign(exposure=np.nan), freq="M")
    assert sorted(no_exp.loc[no_exp.recurrent, "season"]) == [7, 8, 9, 10, 11, 12]
    short = panel.assign(exposure=np.nan)[panel.period_start < "2023-03-01"]  # only 2 complete years
    assert not seasonal_profile(short, freq="M")["recurrent"].any()
    with pytest.raises(ValueError):
        seasonal_profile(panel, freq="W")


# -- files --------------------------------------------------------------------------------------------


def test_cli_and_report_write_files_with_chinese_headers(ws, tmp_path):
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    counts = {"6210": _noise(30, 10, 1), "5211": _noise(30, 10, 2)}
    counts["6210"][28] = 45
    monthly_events(ws, counts)
    out = tmp_path / "hot.csv"
    res = CliRunner().invoke(
        app,
        [
            "--workspace",
            str(ws.path),
            "hotspots",
            "--measure",
            "violations",
            "--by",
            "industry",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert {
        "领域",
        "期间起",
        "实际数",
        "预期数",
        "预警上限",
        "q值（错误发现率校正）",
        "是否热点",
        "说明",
    } <= set(table.columns)
    assert (table["是否热点"] == "是").sum() == 1
    files = H.write_hotspot_report(ws, ws.exports_dir)
    assert set(files) == {"xlsx", "html"} and all(p.exists() for p in files.values())
    import openpyxl

    wb = openpyxl.load_workbook(files["xlsx"])
    assert wb.sheetnames == ["热点", "全部", "连续热点", "季节性", "记录明细"]
    assert "说明" in [c.value for c in wb["热点"][3]]
    # the records sheet lists the 45 inspections of the flagged cell, named in its 热点 column
    rec = pd.read_excel(files["xlsx"], sheet_name="记录明细", engine="calamine")
    assert (rec["热点"] == "正餐服务(H6210) 2023年5月（单月）").sum() == 45
    assert set(rec["记录类型"]) == {"检查"} and "检查人员" not in rec.columns
    page = files["html"].read_text(encoding="utf-8")
    # plotly embeds the figure JSON with or without \u-escapes depending on the JSON engine installed
    assert "餐饮业(H62)" in page or json.dumps("餐饮业(H62)")[1:-1] in page
    # the flagged cell links to the table of its records
    assert "<a href='#rec-0'>45 条记录</a>" in page and "<h3 id='rec-0'>" in page


def test_empty_workspace_gives_empty_typed_results_and_files(ws):
    hot = ws.hotspots("violations", "industry×township")
    assert hot.empty and hot["flagged"].dtype == bool and list(hot.columns[:13]) == H.OUTPUT_COLUMNS
    assert ws.hotspot_episodes().empty and ws.seasonal_hotspots().empty
    files = H.write_hotspot_report(ws, ws.exports_dir, by="industry×township")
    assert files["xlsx"].name == "hotspots_violations_industry_division_x_township.xlsx"
    assert files["html"].exists()


def test_period_labels():
    assert H.period_label(pd.Timestamp("2024-07-01"), "M") == "2024年7月"
    assert H.period_label(pd.Timestamp("2024-07-01"), "Q") == "2024年第3季度"
    assert H.period_label(pd.Timestamp("2024-07-01"), "W") == "2024年第27周（7月1日起）"


# -- the planted sample data (ground truth in data_samples/truth) ------------------------------------


def test_samples_licence_boom_is_not_flagged_once_exposure_is_used(sample_workspace, sample_truth):
    """民宿服务 (6130 / division 61): licences grow ~10× in 15 months, the rate per licence does not."""
    from guidance_analytics.hotspots import exposure_only_check

    res = pd.concat(
        [
            exposure_only_check(sample_workspace, sample_truth, measure=m).assign(measure=m)
            for m in ("violations", "complaints")
        ],
        ignore_index=True,
    )
    with_licences, without = res[res.exposure == "licences"], res[res.exposure == "none"]
    assert len(with_licences) == 4 and (with_licences["boom_periods"] == 15).all()
    assert (with_licences["licences_last"] > 2 * with_licences["licences_first"]).all()  # the boom is there
    # with the licence count as exposure: at most one isolated month of the 15 (sparse-field noise), never
    # a sustained flag, and clearly fewer flags than the same counts compared without exposure
    assert (with_licences["flagged"] <= 1).all(), res
    assert with_licences["flagged"].sum() < without["flagged"].sum(), res
    # division level (enough events per month): no flag at all
    assert with_licences.loc[with_licences.by == "industry_division", "flagged"].sum() == 0


def test_samples_planted_hotspots_recall_and_false_flags(sample_workspace, sample_truth):
    from guidance_analytics.hotspots import recall_table, seasonal_check

    table = recall_table(sample_workspace, sample_truth, measures=("violations", "complaints"))
    assert set(table["by"]) == {
        "industry_division",
        "township",
        "violation_type",
        "industry_division×township",
    }
    # few false flags: well under one flagged field per month whatever the number of fields (12–150)
    assert (table["false_per_period"] <= 0.5).all(), table
    # several distinct one-off planted hotspots are found by at least one measure and field type
    found = {h for ids in table["found_ids"] for h in ids.split(",") if h}
    assert len(found) >= 3, table
    # the recurrent summer hotspot of food service (R1, every July–August) is a seasonal hotspot of
    # complaints (not driven by inspections); in the violations found it coincides with the yearly
    # summer food-safety campaign (data_samples/truth/campaigns.csv) and the share of inspections
    # finding problems is not higher then: the violation view attributes it to inspection effort
    seasonal = seasonal_check(sample_workspace, sample_truth, measure="complaints")
    assert seasonal["recurrent"].fillna(False).any(), seasonal
    by_violations = sample_workspace.seasonal_hotspots("violations", "industry_division")
    r1 = by_violations[(by_violations.field == "H62") & by_violations.season.isin([7, 8])]
    assert r1["effort_explained"].any() and not r1["recurrent"].any(), r1


def test_industry_recall_counts_finer_flags_inside_a_planted_division(monkeypatch, tmp_path):
    """A flag of the division or of one of its groups or classes in a planted month finds it; a flag
    elsewhere is false, and counted as spillover when it shares a month with another planted hotspot."""
    from guidance_analytics.hotspots import evaluate

    header = "hotspot_id,by,field,field_label,township,industry_division,violation_type,period_start,period_end,factor,recurrent"
    (tmp_path / "planted_hotspots.csv").write_text(
        header
        + "\nA,industry_division,52,F52,,52,,2022-11,2022-12,2.5,False"
        + "\nB,industry_division,80,O80,,80,,2022-06,2022-07,3.0,False"
        + "\nT,township,东里镇,东里镇,东里镇,,,2023-03,2023-03,3.0,False\n",
        encoding="utf-8",
    )
    months = pd.date_range("2022-01-01", "2023-12-01", freq="MS")
    flags = {  # field, month → flagged
        ("F5212", "2022-12-01"),  # a class inside A in its second month: A found
        ("F52", "2022-10-01"),  # A's division the month before: false
        ("O80", "2022-09-01"),  # B's division after its months: false (B not found)
        ("C13", "2023-03-01"),  # another industry in the township hotspot's month: false, spillover
    }
    hot = pd.DataFrame(
        [
            {"field": f, "period_start": m, "flagged": (f, str(m.date())) in flags}
            for f in ("F52", "F5212", "O80", "C13")
            for m in months
        ]
    )
    monkeypatch.setattr(evaluate, "hotspots", lambda *a, **k: hot)
    per, summary = evaluate.industry_recall(None, tmp_path, start="2022-01-01")
    assert per.set_index("hotspot_id")["found"].to_dict() == {"A": True, "B": False}
    assert per.set_index("hotspot_id")["flags"].to_dict() == {"A": 1, "B": 0}
    assert summary["hotspots"] == 2 and summary["found"] == 1 and summary["recall"] == 0.5
    assert summary["flags"] == 4 and summary["false_flags"] == 3 and summary["spillover"] == 1
    assert summary["months"] == 24 and summary["false_per_month"] == pytest.approx(3 / 24)


# -- scan statistic -----------------------------------------------------------------------------------


def _scan_frame(observed: dict[str, list[int]], expected: float = 10.0) -> pd.DataFrame:
    starts = pd.date_range("2024-01-01", periods=len(next(iter(observed.values()))), freq="MS")
    rows = [
        dict(
            by="township",
            field=f,
            field_label=f,
            period_start=s,
            period_end=s + pd.offsets.MonthEnd(0),
            observed=o,
            expected=expected,
            phi=1.0,
            measure="violations",
        )
        for f, obs in observed.items()
        for s, o in zip(starts, obs, strict=True)
    ]
    return pd.DataFrame(rows)


def test_scan_finds_a_sustained_moderate_rise_that_no_single_month_shows():
    from scipy import stats

    from guidance_analytics.hotspots import scan_hotspots

    # every field expects 10 a month; 甲 has 16, 17, 16 in the last three months. A single month of 17
    # is not beyond the 99 % Poisson bound (18), but 49 in three months against 30 is.
    assert stats.poisson.ppf(0.99, 10) == 18
    fields = {f"镇{i}": [10, 10, 10, 10, 10, 10] for i in range(8)}
    fields["甲"] = [10, 10, 10, 16, 17, 16]
    res = scan_hotspots(
        _scan_frame(fields), n_sim=999, seed=1, periods=["2024-06-01"], condition_on_total=False
    )
    assert len(res) == 1
    top = res.iloc[0]
    assert (top.zone, top.n_periods, top.observed, top.expected) == ("甲", 3, 49.0, 30.0)
    assert top.llr == pytest.approx(49 * np.log(49 / 30) - 19)  # expectation-based Poisson LLR
    assert top.p_value <= 0.05
    assert top.reason.startswith("自2024年4月起连续 3 期 甲 违法 49 件，预期 30.0 件，为预期的 1.6 倍")
    # the same counts everywhere: nothing to report
    flat = scan_hotspots(_scan_frame({f"镇{i}": [10] * 6 for i in range(8)}), n_sim=199, seed=1)
    assert flat.empty


def test_scan_zones_group_related_fields():
    from guidance_analytics.hotspots import scan_zones

    pairs = pd.DataFrame(
        {
            "by": "industry_division×township",
            "field": ["H62×甲", "H62×乙", "F52×甲"],
            "field_label": ["餐饮业(H62)×甲", "餐饮业(H62)×乙", "零售业(F52)×甲"],
        }
    )
    zones = {label: sorted(members) for _, label, members in scan_zones(pairs)}
    assert zones["餐饮业(H62)×（全部）"] == ["H62×乙", "H62×甲"]
    assert zones["（全部）×甲"] == ["F52×甲", "H62×甲"]
    assert "（全部）×乙" not in zones  # a group of one field is the field itself
    classes = pd.DataFrame(
        {
            "by": "industry_class",
            "field": ["H6210", "H6220", "F5211"],
            "field_label": ["正餐服务(H6210)", "快餐服务(H6220)", "百货零售(F5211)"],
        }
    )
    zones = {label: sorted(members) for _, label, members in scan_zones(classes)}
    assert zones["餐饮业(H62)（各小类）"] == ["H6210", "H6220"]
