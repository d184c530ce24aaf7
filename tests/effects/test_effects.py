"""Follow-up effects: hand-built workspaces with planted changes and known answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import guidance_analytics
from guidance_analytics import Workspace
from guidance_analytics.effects import follow_up_cases, guidance_effects, top_offenders

T0 = dt.date(2024, 7, 1)  # pre window [2024-01-01, 2024-07-01), post [2024-07-01, 2025-01-01)
AS_OF = dt.date(2025, 6, 30)
PRE_DAY, POST_DAY = dt.date(2024, 3, 1), dt.date(2024, 10, 1)


INSERTS = {
    table: f"INSERT INTO {table} BY NAME SELECT * FROM rows_df"  # noqa: S608 (fixed names)
    for table in ("businesses", "inspections", "penalties", "complaints", "register_entries")
}


class Builder:
    """Rows for a tiny workspace, inserted in one transaction."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {
            k: [] for k in ("businesses", "inspections", "penalties", "complaints", "register_entries")
        }

    def business(
        self,
        bid: str,
        industry: str = "6210",
        township: str = "南麻街道",
        subject_type: str = "法人及非法人组织",
    ) -> str:
        self.rows["businesses"].append(
            {
                "business_id": bid,
                "name": f"测试{bid}",
                "industry_code": industry,
                "township": township,
                "subject_type": subject_type,
                "first_seen": dt.date(2020, 1, 1),
            }
        )
        return bid

    def inspect(self, bid: str, day: dt.date, result: str = "责令限期整改", n: int = 1) -> None:
        for _ in range(n):
            no = f"I{len(self.rows['inspections']):06d}"
            self.rows["inspections"].append(
                {"inspection_no": no, "inspected_on": day, "business_id": bid, "result": result}
            )

    def record(self, bid: str, pre: int, post: int) -> None:
        """``pre``/``post`` violations plus one clean inspection in each window."""
        self.inspect(bid, PRE_DAY, n=pre)
        self.inspect(bid, POST_DAY, n=post)
        self.inspect(bid, PRE_DAY, "未发现问题")
        self.inspect(bid, POST_DAY, "未发现问题")

    def penalty(self, bid: str, day: dt.date) -> None:
        no = f"P{len(self.rows['penalties']):06d}"
        self.rows["penalties"].append({"decision_no": no, "business_id": bid, "decided_on": day})

    def complaint(self, bid: str, day: dt.date, substantiated: str = "属实") -> None:
        no = f"C{len(self.rows['complaints']):06d}"
        self.rows["complaints"].append(
            {
                "order_no": no,
                "business_id": bid,
                "substantiated": substantiated,
                "received_at": pd.Timestamp(day) + pd.Timedelta(hours=10),
            }
        )

    def guide(self, bid: str, day: dt.date = T0, method: str = "提示提醒", status: str = "已登记") -> None:
        seq = len(self.rows["register_entries"]) + 1
        self.rows["register_entries"].append(
            {
                "year": day.year,
                "seq": seq,
                "guided_on": day,
                "matter": "测试事项",
                "officers": "甲、乙",
                "method": method,
                "business_id": bid,
                "dedup_key": f"k{seq}",
                "status": status,
                "created_at": pd.Timestamp("2024-01-01"),
            }
        )

    def build(self, path) -> Workspace:
        ws = Workspace(path)
        with ws.store.transaction() as con:
            for table, rows in self.rows.items():
                if rows:
                    con.register("rows_df", pd.DataFrame(rows))
                    con.execute(INSERTS[table])
                    con.unregister("rows_df")
        return ws


def _world(drop_guided: int, drop_controls: int, noise: bool) -> Builder:
    """20 guided businesses and 60 true controls, plus decoys that must never be matched."""
    b = Builder()
    for i in range(20):
        pre = 3 + i % 2
        b.record(b.business(f"G{i:02d}"), pre, pre - drop_guided)
        b.guide(f"G{i:02d}", method="提示提醒" if i < 10 else "约谈")
    for i in range(60):
        pre = 3 + i % 2
        wiggle = ((i // 2) % 3 - 1) if noise else 0  # -1, 0, +1 equally often within each pre level
        b.record(b.business(f"C{i:02d}"), pre, pre - drop_controls + wiggle)
    for i in range(20):  # same record, other industry division / other township: worse afterwards
        b.record(b.business(f"X{i:02d}", industry="5211"), 3 + i % 2, 10)
        b.record(b.business(f"Y{i:02d}", township="张家坡镇"), 3 + i % 2, 10)
        b.record(b.business(f"Z{i:02d}"), 0, 5)  # same cell, far on the pre-window record
    return b


def _row(res: pd.DataFrame, method: str = "全部", outcome: str = "violations") -> pd.Series:
    return res[(res["method"] == method) & (res["outcome"] == outcome)].iloc[0]


def test_planted_drop_is_recovered_and_controls_stay_flat(tmp_path):
    ws = _world(drop_guided=2, drop_controls=0, noise=True).build(tmp_path)
    res = guidance_effects(ws, 6, as_of=AS_OF, n_boot=300)
    row = _row(res)
    assert row["n_cases"] == 20 and row["n_pending"] == 0
    assert row["guided_pre"] == pytest.approx(3.5) and row["guided_post"] == pytest.approx(1.5)
    assert row["control_pre"] == pytest.approx(3.5)  # exact on division+township, nearest on pre
    assert row["did"] == pytest.approx(-2.0, abs=0.4)
    assert row["ci_high"] < 0 and row["significant"]
    assert "不显著" not in row["interpretation"]
    for method in ("提示提醒", "约谈"):
        assert _row(res, method)["n_cases"] == 10
        assert _row(res, method)["did"] == pytest.approx(-2.0, abs=0.6)
    only = guidance_effects(ws, 6, as_of=AS_OF, methods="约谈", n_boot=50)
    assert set(only["method"]) == {"全部", "约谈"} and _row(only)["n_cases"] == 10
    cases = follow_up_cases(ws, 6, as_of=AS_OF)
    used = {c for ids in cases["control_ids"] for c in ids.split(";")}
    assert all(c.startswith("C") for c in used)  # no guided, other-division, other-township or far ones
    assert (cases["n_controls"] == 3).all() and (cases["matched_on"] == "行业+乡镇").all()


def test_common_drop_regression_to_mean_gives_zero_did(tmp_path):
    ws = _world(drop_guided=3, drop_controls=3, noise=False).build(tmp_path)
    res = guidance_effects(ws, 6, as_of=AS_OF, n_boot=200)
    row = _row(res)
    assert row["naive_change"] == pytest.approx(-3.0)
    assert row["naive_ci_high"] < 0  # the naive before/after comparison "shows" an effect
    assert row["did"] == pytest.approx(0.0)
    assert row["ci_low"] <= 0 <= row["ci_high"] and not row["significant"]
    assert "不能据此认定指导有效" in row["interpretation"] and "向均值回归" in row["interpretation"]
    ratio = _row(res, outcome="violations_per_inspection")  # guided: pre 3.5/4.5, post 0.5/1.5
    assert ratio["guided_pre"] == pytest.approx(70 / 90)
    assert ratio["guided_post"] == pytest.approx(10 / 30)
    assert ratio["did"] == pytest.approx(0.0)


def test_unfinished_follow_up_is_pending_not_estimated(tmp_path):
    b = _world(drop_guided=2, drop_controls=0, noise=False)
    b.business("L00")
    b.inspect("L00", dt.date(2025, 3, 1), n=5)
    b.guide("L00", dt.date(2025, 4, 30), method="约谈")  # post window ends 2025-10-29 > as_of
    b.guide("G00", dt.date(2024, 5, 1), status="已作废")  # voided: ignored
    ws = b.build(tmp_path)
    res = guidance_effects(ws, 6, as_of=AS_OF, n_boot=50)
    row = _row(res)
    assert row["n_entries"] == 21 and row["n_pending"] == 1 and row["n_cases"] == 20
    assert _row(res, "约谈")["n_pending"] == 1 and _row(res, "约谈")["n_cases"] == 10
    cases = follow_up_cases(ws, 6, as_of=AS_OF)
    pending = cases[cases["business_id"] == "L00"].iloc[0]
    assert pending["status"] == "随访期未满" and pd.isna(pending["guided_pre_violations"])
    assert pending["follow_up_ends"] == pd.Timestamp("2025-10-29")


def test_no_leakage_of_events_after_as_of(tmp_path):
    b = _world(drop_guided=2, drop_controls=0, noise=True)
    ws = b.build(tmp_path / "before")
    later = Builder()
    later.rows = {k: list(v) for k, v in b.rows.items()}
    for bid in [f"G{i:02d}" for i in range(20)] + [f"C{i:02d}" for i in range(60)]:
        later.inspect(bid, dt.date(2025, 7, 1), n=4)
        later.complaint(bid, dt.date(2025, 8, 1))
        later.penalty(bid, dt.date(2025, 7, 15))
    later.guide("C00", dt.date(2025, 7, 2))
    ws_later = later.build(tmp_path / "after")
    first = guidance_effects(ws, 6, as_of=AS_OF, n_boot=100)
    second = guidance_effects(ws_later, 6, as_of=AS_OF, n_boot=100)
    drop = ["n_entries", "n_pending", "interpretation"]  # the later entry is a pending entry
    pd.testing.assert_frame_equal(first.drop(columns=drop), second.drop(columns=drop))
    assert _row(second)["n_pending"] == 1


def test_window_boundaries_and_outcome_definitions(tmp_path):
    b = Builder()
    b.business("G00")
    for i in range(3):
        b.business(f"C{i}")
    b.guide("G00")
    b.inspect("G00", dt.date(2024, 1, 1), "发现问题已当场整改")  # first day of pre: counted
    b.inspect("G00", dt.date(2023, 12, 31), "移送立案")  # before the pre window: not counted
    b.inspect("G00", dt.date(2024, 6, 30), "未发现问题")  # inspection, no violation
    b.penalty("G00", dt.date(2024, 2, 1))
    b.complaint("G00", dt.date(2024, 2, 2), "部分属实")
    b.complaint("G00", dt.date(2024, 2, 3), "不属实")  # not substantiated
    b.inspect("G00", T0, "责令限期整改")  # guidance day belongs to the post window
    b.inspect("G00", dt.date(2025, 1, 1), "责令限期整改")  # first day after the post window
    ws = b.build(tmp_path)
    exact = follow_up_cases(ws, 6, as_of=AS_OF).iloc[0]  # default caliper 0: no control this bad
    assert exact["status"] == "无可比对照" and exact["n_controls"] == 0
    case = follow_up_cases(ws, 6, as_of=AS_OF, caliper=float("inf")).iloc[0]
    assert case["status"] == "已评估" and case["n_controls"] == 3
    assert case["guided_pre_violations"] == 2 and case["guided_pre_penalties"] == 1
    assert case["guided_pre_inspections"] == 2 and case["guided_pre_substantiated_complaints"] == 1
    assert case["guided_post_violations"] == 1 and case["guided_post_inspections"] == 1
    assert case["control_pre_violations"] == 0
    row = _row(guidance_effects(ws, 6, as_of=AS_OF, n_boot=50, caliper=float("inf")))
    assert row["n_cases"] == 1 and pd.isna(row["ci_low"])
    assert "样本过少" in row["interpretation"]


def test_empty_register_and_hypothetical_cases(tmp_path):
    b = _world(drop_guided=3, drop_controls=3, noise=False)
    b.rows["register_entries"] = []
    ws = b.build(tmp_path)
    empty = guidance_effects(ws, as_of=AS_OF)
    assert (empty["n_entries"] == 0).all() and empty["did"].isna().all()
    assert "尚无" in empty["interpretation"].iloc[0]
    picked = pd.DataFrame({"business_id": [f"G{i:02d}" for i in range(20)], "guided_on": [T0] * 20})
    res = guidance_effects(ws, as_of=AS_OF, cases=picked, n_boot=100)
    row = _row(res)
    assert row["n_cases"] == 20 and row["naive_change"] == pytest.approx(-3.0)
    assert row["did"] == pytest.approx(0.0) and not row["significant"]
    assert set(res["method"]) == {"全部", "假设指导"}


def test_caliper_refuses_controls_with_a_milder_record(tmp_path):
    """Worst-record cases vs milder controls: no caliper lets regression to the mean look like an effect."""
    b = Builder()
    for i in range(12):
        b.record(b.business(f"G{i:02d}"), 6, 2)  # fall back from a bad half-year, no guidance effect
        b.guide(f"G{i:02d}")
    for i in range(12):
        b.record(b.business(f"C{i:02d}"), 6, 2)  # as bad before, the same fall
        b.record(b.business(f"M{i:02d}"), 2, 2)  # milder and steady
    ws = b.build(tmp_path)
    exact = _row(guidance_effects(ws, as_of=AS_OF, n_boot=100))
    assert exact["n_cases"] == 12 and exact["control_pre"] == pytest.approx(6.0)
    assert exact["did"] == pytest.approx(0.0) and not exact["significant"]
    b2 = Builder()
    b2.rows = {
        k: [r for r in v if not str(r.get("business_id", "")).startswith("C")] for k, v in b.rows.items()
    }
    ws2 = b2.build(tmp_path / "no_equal_controls")
    refused = _row(guidance_effects(ws2, as_of=AS_OF, n_boot=100))
    assert refused["n_cases"] == 0 and refused["n_unmatched"] == 12
    assert "找不到" in refused["interpretation"]
    loose = _row(guidance_effects(ws2, as_of=AS_OF, n_boot=100, caliper=float("inf")))
    assert loose["did"] == pytest.approx(-4.0) and loose["significant"]  # the bias a caliper prevents
    assert "仍有差距" in loose["interpretation"]


def test_top_offenders_export_and_cli(tmp_path):
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    b = _world(drop_guided=2, drop_controls=0, noise=False)
    ws = b.build(tmp_path / "ws")
    picks = top_offenders(ws, T0, 6, top=5, min_violations=4)
    assert len(picks) == 5 and (picks["pre_violations"] == 4).all()  # only the 4-violation ones
    assert (picks["guided_on"] == pd.Timestamp(T0)).all() and (picks["method"] == "假设指导").all()
    out = tmp_path / "效果.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "--workspace",
            str(ws.path),
            "effects",
            "--window",
            "6",
            "--as-of",
            "2025-06-30",
            "--boot",
            "50",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "[全部]" in result.output and "[约谈]" in result.output
    sheet = pd.read_excel(out, header=2, engine="openpyxl")
    assert {"指导方式", "双重差分估计", "解读"} <= set(sheet.columns)
    assert sheet.loc[sheet["指标"].str.startswith("违法问题数"), "双重差分估计"].iloc[0] == pytest.approx(
        -2.0
    )


def test_same_subject_type_then_township_preferred_among_equal_records(tmp_path):
    b = Builder()
    b.record(b.business("G00"), 2, 1)
    b.guide("G00")
    for i in range(3):
        b.record(b.business(f"I{i}", subject_type="个体工商户"), 2, 5)  # same township, other type
        b.record(b.business(f"F{i}", township="张家坡镇"), 2, 0)  # same type, other township
        b.record(b.business(f"N{i}"), 2, 3)  # same type and township
    ws = b.build(tmp_path)
    case = follow_up_cases(ws, 6, as_of=AS_OF, controls_per_case=3).iloc[0]
    assert sorted(case["control_ids"].split(";")) == ["N0", "N1", "N2"]  # same type and township
    assert case["matched_on"] == "行业+乡镇" and case["control_post_violations"] == 3
    wider = follow_up_cases(ws, 6, as_of=AS_OF, controls_per_case=6).iloc[0]
    assert sorted(wider["control_ids"].split(";")) == ["F0", "F1", "F2", "N0", "N1", "N2"]
    assert wider["matched_on"] == "行业"


def test_controls_guided_later_are_eligible_unless_the_rule_says_otherwise(tmp_path):
    b = Builder()
    b.record(b.business("G00"), 2, 0)
    b.guide("G00")
    b.record(b.business("A00"), 2, 4)
    b.guide("A00", dt.date(2024, 9, 1))  # guided inside the case's post window
    b.record(b.business("B00"), 2, 4)
    b.guide("B00", dt.date(2024, 3, 1))  # guided inside the case's pre window: never a control
    ws = b.build(tmp_path)
    case = follow_up_cases(ws, 6, as_of=AS_OF).query("business_id == 'G00'").iloc[0]
    assert case["control_ids"] == "A00"
    rules = (Path(guidance_analytics.__file__).parent / "config" / "effects.toml").read_text(encoding="utf-8")
    ws.config_dir.mkdir(exist_ok=True)
    (ws.config_dir / "effects.toml").write_text(
        rules.replace("exclude_guided_after = false", "exclude_guided_after = true"), encoding="utf-8"
    )
    strict = follow_up_cases(ws, 6, as_of=AS_OF).query("business_id == 'G00'").iloc[0]
    assert strict["status"] == "无可比对照" and strict["n_controls"] == 0
