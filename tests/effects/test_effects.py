"""Follow-up effects: hand-built workspaces with planted changes and known answers (no output of the
estimator is used as an expected value)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from guidance_analytics import Workspace
from guidance_analytics.effects import (
    effect_study,
    follow_up_cases,
    follow_up_due,
    guidance_effects,
    hajek_itt,
    randomised_effects,
    top_offenders,
    verdict,
    work_report,
    write_work_report,
)
from guidance_analytics.targeting import record_draw

#: Workspaces are built and risk models trained per guidance month: every test here is slow.
pytestmark = pytest.mark.slow

T0 = dt.date(2024, 7, 1)  # pre-period 2023-07 … 2024-06 (bins of 3 months), post 2024-07 … 2024-12
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
        # the records start in 2022 (a clean inspection elsewhere): the pre-period is data, not a gap
        self.rows["businesses"].append(
            {
                "business_id": "DATA0",
                "name": "测试DATA0",
                "industry_code": "9999",
                "first_seen": dt.date(2020, 1, 1),
            }
        )
        self.inspect("DATA0", dt.date(2022, 1, 3), "未发现问题")
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
    for i in range(20):  # same record, other industry division: worse afterwards
        b.record(b.business(f"X{i:02d}", industry="5211"), 3 + i % 2, 10)
        b.record(b.business(f"Z{i:02d}"), 0, 5)  # same division, far on the pre-period record
    return b


def _row(res: pd.DataFrame, method: str = "全部", outcome: str = "violations") -> pd.Series:
    return res[(res["method"] == method) & (res["outcome"] == outcome)].iloc[0]


def test_planted_drop_is_recovered_against_clean_matched_controls(tmp_path):
    ws = _world(drop_guided=2, drop_controls=0, noise=True).build(tmp_path)
    res = guidance_effects(ws, 6, as_of=AS_OF, n_boot=300)
    row = _row(res)
    assert row["n_cases"] == 20 and row["n_pending"] == 0 and row["n_unmatched"] == 0
    # pre-period scaled to the 6-month window: (3.5 + 2 clean) … only violations count: 3.5 / 2
    assert row["guided_pre"] == pytest.approx(3.5 * 6 / 12) and row["guided_post"] == pytest.approx(1.5)
    assert row["estimate"] == pytest.approx(-2.0, abs=0.4)  # controls' wiggle averages out
    assert row["ci_high"] < 0 and row["verdict"] == "有效" and row["significant"]
    assert "有效" in row["interpretation"] and "置信区间" in row["interpretation"]
    for method in ("提示提醒", "约谈"):
        assert _row(res, method)["n_cases"] == 10
        assert _row(res, method)["estimate"] == pytest.approx(-2.0, abs=0.6)
    only = guidance_effects(ws, 6, as_of=AS_OF, methods="约谈", n_boot=50)
    assert set(only["method"]) == {"全部", "约谈"} and _row(only)["n_cases"] == 10
    cases = follow_up_cases(ws, 6, as_of=AS_OF)
    used = {c for ids in cases["control_ids"] for c in ids.split(";")}
    assert used and all(c.startswith("C") for c in used)  # no guided, other-division or far ones
    assert (cases["n_controls"] == 20).all()  # controls_per_case of config/effects.toml (was 5)


def test_common_drop_regression_to_the_mean_is_no_effect(tmp_path):
    # everybody's record falls by 3 (bad spells end by themselves); guidance does nothing
    ws = _world(drop_guided=3, drop_controls=3, noise=True).build(tmp_path)
    row = _row(guidance_effects(ws, 6, as_of=AS_OF, n_boot=300))
    assert row["naive_change"] < -0.5  # the before/after comparison "finds" an improvement
    assert row["estimate"] == pytest.approx(0.0, abs=0.4)
    assert row["ci_low"] <= 0 <= row["ci_high"]
    assert row["verdict"] == "无显著变化" and not row["significant"]
    assert "不能认定指导有效" in row["interpretation"] and "向均值回归" in row["interpretation"]


def test_a_pre_trend_violation_is_reported_and_no_effect_is_claimed(tmp_path):
    """Same 12-month record, but the guided businesses' problems came late, the controls' early."""
    b = Builder()
    for i in range(20):
        g = b.business(f"G{i:02d}")
        b.inspect(g, dt.date(2024, 2, 1), n=3 + i % 2)  # bin −2
        b.inspect(g, POST_DAY, n=i % 2)
        b.guide(g)
    for i in range(60):
        c = b.business(f"C{i:02d}")
        b.inspect(c, dt.date(2023, 8, 1), n=3 + i % 2)  # bin −4
        b.inspect(c, POST_DAY, n=2 + i % 2)
    ws = b.build(tmp_path)
    study = effect_study(ws, 6, as_of=AS_OF, n_boot=300)
    row = _row(study.summary)
    assert row["pretrend_p"] < 0.01
    assert row["verdict"] == "数据不足以判断" and "走势不一致" in row["reason"] and not row["significant"]
    ev = study.event_study[study.event_study["outcome"] == "violations"].set_index("bin")
    assert ev.loc[-4, "diff"] == pytest.approx(-3.5) and ev.loc[-2, "diff"] == pytest.approx(3.5)
    assert list(ev.index) == [-4, -3, -2, -1, 0, 1] and ev.loc[0, "months"] == "指导后0至3个月"


def test_a_tiny_sample_gives_no_verdict(tmp_path):
    b = Builder()
    for i in range(3):
        b.record(b.business(f"G{i}"), 6, 0)
        b.guide(f"G{i}")
    for i in range(10):
        b.record(b.business(f"C{i}"), 6, 6)
    row = _row(guidance_effects(ws := b.build(tmp_path), 6, as_of=AS_OF, n_boot=100))
    assert row["n_cases"] == 3 and row["estimate"] == pytest.approx(-6.0)
    assert row["verdict"] == "数据不足以判断" and "样本过少" in row["reason"] and not row["significant"]
    assert "数据不足以判断" in row["interpretation"]
    assert ws.guidance_effects(6, as_of=AS_OF, n_boot=0)["verdict"].iloc[0] == "数据不足以判断"


def test_verdict_rules():
    base = {"n_cases": 40, "ci_low": -1.0, "ci_high": -0.2, "pretrend_p": 0.5}
    assert verdict(base, min_cases=10)[0] == "有效"
    assert verdict({**base, "ci_low": 0.1, "ci_high": 0.5}, min_cases=10)[0] == "未见减少"
    assert verdict({**base, "pretrend_p": 0.01}, min_cases=10)[0] == "数据不足以判断"
    # a placebo that "finds" the same effect without guidance vetoes the claim
    assert (
        verdict({**base, "placebo_ci_low": -0.9, "placebo_ci_high": -0.1}, min_cases=10)[0]
        == "数据不足以判断"
    )
    assert verdict({**base, "ci_low": float("nan")}, min_cases=10)[0] == "数据不足以判断"
    # cases outside the controls' range: a few are counted, many (> 25 % of 40 + 15) undecide
    assert verdict({**base, "n_off_support": 5}, min_cases=10)[0] == "有效"
    v, why = verdict({**base, "n_off_support": 15}, min_cases=10)
    assert v == "数据不足以判断" and why.startswith("15户次") and "27%" in why


def _rules_without_support(ws: Workspace) -> None:
    """The workspace's copy of config/effects.toml with the common-support check off."""
    from guidance_analytics.core.config import packaged_file

    text = packaged_file("effects.toml").read_text(encoding="utf-8")
    assert 'support = ["score", "v12"]' in text
    path = Path(ws.config_dir) / "effects.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace('support = ["score", "v12"]', "support = []"), encoding="utf-8")


def test_cases_riskier_than_every_control_get_no_number(tmp_path):
    """Interviews went to the 12 worst businesses (8 violations a year, no effect: 8 again after);
    the 60 unguided of their division have 0–3. No control shows what the worst would have done,
    so the follow-up refuses a figure instead of extrapolating from milder businesses."""
    b = Builder()
    for i in range(12):
        b.record(b.business(f"G{i:02d}"), 8, 8)
        b.guide(f"G{i:02d}", method="约谈")
    for i in range(60):
        b.record(b.business(f"C{i:02d}"), i % 4, i % 4)
    ws = b.build(tmp_path)
    study = effect_study(ws, 6, as_of=AS_OF, n_boot=100)
    row = _row(study.summary, "约谈")
    assert row["n_entries"] == 12 and row["n_off_support"] == 12 and row["n_cases"] == 0
    assert pd.isna(row["estimate"]) and pd.isna(row["ci_low"]) and not row["significant"]
    assert row["verdict"] == "数据不足以判断"
    assert row["reason"].startswith("12户次指导对象指导前的风险高于同行业几乎所有可比的未受指导主体")
    assert "无法比较" in row["reason"] and "超出可比对照的范围" in row["interpretation"]
    assert set(study.cases["status"]) == {"超出可比范围"}
    assert study.cases["support"].str.endswith("+").all()  # riskier, not milder
    # with the check off the same world gives a number: the extrapolation the check refuses
    _rules_without_support(ws)
    off = _row(guidance_effects(ws, 6, as_of=AS_OF, n_boot=100), "约谈")
    assert off["n_off_support"] == 0 and off["n_cases"] == 12 and pd.notna(off["estimate"])


def test_a_few_cases_off_support_are_counted_and_the_rest_estimated(tmp_path):
    """2 of 22 guided are riskier than every control: counted (9 %, under the 25 % share), not
    estimated; the 20 inside the controls' range keep the planted drop of 2."""
    b = _world(drop_guided=2, drop_controls=0, noise=True)
    for i in range(2):
        b.record(b.business(f"W{i}"), 9, 7)
        b.guide(f"W{i}")
    row = _row(guidance_effects(b.build(tmp_path), 6, as_of=AS_OF, n_boot=300))
    assert row["n_off_support"] == 2 and row["n_cases"] == 20
    assert row["estimate"] == pytest.approx(-2.0, abs=0.4) and row["verdict"] == "有效"
    assert "另有2户次" in row["interpretation"]


def test_common_support_leaves_an_overlapping_world_unchanged(tmp_path):
    """Guided and controls with the same range of records: nobody is outside the support, and
    the figures are exactly those with the check turned off."""
    ws = _world(drop_guided=2, drop_controls=0, noise=True).build(tmp_path)
    on = guidance_effects(ws, 6, as_of=AS_OF, n_boot=200)
    _rules_without_support(ws)
    off = guidance_effects(ws, 6, as_of=AS_OF, n_boot=200)
    assert (on["n_off_support"] == 0).all()
    cols = ["n_cases", "estimate", "ci_low", "ci_high", "verdict"]
    pd.testing.assert_frame_equal(on[cols], off[cols])


def test_unfinished_follow_up_is_pending_not_estimated(tmp_path):
    b = _world(drop_guided=2, drop_controls=0, noise=False)
    b.record(b.business("LATE"), 3, 3)
    b.guide("LATE", day=dt.date(2025, 3, 1))  # post window ends 2025-08-31 > AS_OF
    ws = b.build(tmp_path)
    cases = follow_up_cases(ws, 6, as_of=AS_OF)
    late = cases[cases["business_id"] == "LATE"].iloc[0]
    assert late["status"] == "随访期未满" and late["follow_up_ends"] == pd.Timestamp("2025-08-31")
    row = _row(guidance_effects(ws, 6, as_of=AS_OF, n_boot=50))
    assert row["n_entries"] == 21 and row["n_pending"] == 1 and row["n_cases"] == 20


def test_no_leakage_of_events_after_as_of(tmp_path):
    b = _world(drop_guided=2, drop_controls=0, noise=True)
    for i in range(60):
        b.inspect(f"C{i:02d}", dt.date(2025, 7, 15), n=5)  # after the cut-off
    b.guide("G00", day=dt.date(2025, 8, 1))  # a guidance after the cut-off is not known either
    ws = b.build(tmp_path)
    before = guidance_effects(_world(2, 0, True).build(tmp_path / "clean"), 6, as_of=AS_OF, n_boot=100)
    after = guidance_effects(ws, 6, as_of=AS_OF, n_boot=100)
    cols = ["estimate", "ci_low", "ci_high", "guided_post", "control_post"]
    pd.testing.assert_frame_equal(_row(before)[cols].to_frame(), _row(after)[cols].to_frame())


def test_controls_guided_during_the_post_window_leave_the_comparison(tmp_path):
    """Controls guided in October stop counting then; kept, their guided months would pass for
    unguided ones."""
    b = Builder()
    late = dt.date(2024, 11, 1)  # post bin 1 (Oct–Dec)
    for i in range(20):
        g = b.business(f"G{i:02d}")
        b.inspect(g, PRE_DAY, n=2 + i % 2)
        b.inspect(g, dt.date(2024, 8, 1))
        b.inspect(g, late)
        b.guide(g)
    for i in range(40):
        c = b.business(f"C{i:02d}")
        b.inspect(c, PRE_DAY, n=2 + i % 2)
        b.inspect(c, dt.date(2024, 8, 1))
        if i % 2:
            b.guide(c, day=dt.date(2024, 10, 1), method="约谈")  # their guidance "works"
        else:
            b.inspect(c, late)
    ws = b.build(tmp_path)
    kept = _row(effect_study(ws, 6, as_of=AS_OF, methods="提示提醒", n_boot=100, censoring="keep").summary)
    censored = _row(effect_study(ws, 6, as_of=AS_OF, methods="提示提醒", n_boot=100).summary)
    assert kept["estimate"] > 0.3  # half the controls' post window was under guidance
    assert censored["estimate"] == pytest.approx(0.0, abs=0.1)
    assert censored["verdict"] != "有效"


def test_randomised_route_recovers_a_planted_effect_of_being_drawn(tmp_path):
    b = Builder()
    pool = []
    for i in range(48):
        bid = b.business(f"P{i:02d}")
        drawn = i % 3 == 0 if i < 24 else i % 2 == 0  # π 1/3 in the first half, 1/2 in the second
        pre = 1 + i % 4
        b.inspect(bid, dt.date(2024, 4, 1), n=pre)
        b.inspect(bid, dt.date(2024, 9, 1), n=pre - 1 if drawn else pre)  # drawn: one problem fewer
        pool.append(
            {
                "business_id": bid,
                "action": "提示提醒",
                "inclusion_prob": 1 / 3 if i < 24 else 0.5,
                "drawn": drawn,
                "adopted": drawn and i != 0,
            }
        )
        if drawn and i != 0:
            b.guide(bid)
    ws = b.build(tmp_path)
    record_draw(ws, pd.DataFrame(pool), T0, seed=7)
    res = randomised_effects(ws, 6, as_of=AS_OF)
    top = res[res["method"] == "全部"].iloc[0]
    assert top["n_pool"] == 48 and top["n_drawn"] == 20 and top["n_declined"] == 1 and top["n_adopted"] == 19
    assert top["estimate"] == pytest.approx(-1.0)
    assert top["verdict"] == "有效" and "随机" in top["interpretation"]
    assert len(effect_study(ws, 6, as_of=AS_OF, n_boot=0).randomised) == 2  # 全部 and 提示提醒


def test_randomised_route_options_from_the_rules(tmp_path):
    """The planted world above (every drawn business one problem fewer, counts otherwise equal to
    the pre window): with the workspace's rules asking for the effect on the drawn, Lin's
    adjustment and the longer history, the figure is still exactly −1 (a constant effect is the
    same for every weighting, and the pre window predicts the unguided count exactly); the
    sentence names the effect on the drawn. An unknown covariate name is refused."""
    from guidance_analytics.core.config import packaged_file

    b = Builder()
    pool = []
    for i in range(48):
        bid = b.business(f"P{i:02d}")
        drawn = i % 3 == 0 if i < 24 else i % 2 == 0
        pre = 1 + i % 4
        b.inspect(bid, dt.date(2024, 4, 1), n=pre)
        b.inspect(bid, dt.date(2024, 9, 1), n=pre - 1 if drawn else pre)
        pool.append(
            {
                "business_id": bid,
                "action": "提示提醒",
                "inclusion_prob": 1 / 3 if i < 24 else 0.5,
                "drawn": drawn,
                "adopted": drawn,
            }
        )
        if drawn:
            b.guide(bid)
    ws = b.build(tmp_path)
    record_draw(ws, pd.DataFrame(pool), T0, seed=7)
    text = packaged_file("effects.toml").read_text(encoding="utf-8")
    default = 'adjustment_covariates = ["pre", "earlier", "score"]'
    assert default in text and 'adjustment = "pooled"' in text and 'randomised_target = "pool"' in text
    path = Path(ws.config_dir) / "effects.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        text.replace(default, 'adjustment_covariates = ["pre", "history", "inspections"]')
        .replace('adjustment = "pooled"', 'adjustment = "interacted"')
        .replace('randomised_target = "pool"', 'randomised_target = "drawn"'),
        encoding="utf-8",
    )
    top = randomised_effects(ws, 6, as_of=AS_OF).iloc[0]
    assert top["estimate"] == pytest.approx(-1.0)
    assert top["ci_low"] <= -1.0 <= top["ci_high"]
    assert "对抽中者的效果估计" in top["interpretation"]
    path.write_text(text.replace(default, 'adjustment_covariates = ["v99"]'), encoding="utf-8")
    with pytest.raises(ValueError, match="v99"):
        randomised_effects(ws, 6, as_of=AS_OF)


def test_hajek_difference_by_hand():
    # stratum a: drawn y=2 (π=.5), 4 (π=.25) → (4 + 16) / (2 + 4) = 10/3; not drawn y=1 (1−π=.5) → 1
    y = pd.Series([2.0, 4.0, 1.0]).to_numpy()
    r = hajek_itt(
        y,
        pd.Series([True, True, False]).to_numpy(),
        pd.Series([0.5, 0.25, 0.5]).to_numpy(),
        pd.Series(["a", "a", "a"]).to_numpy(),
        pd.Series(["x", "y", "z"]).to_numpy(),
    )
    assert r["estimate"] == pytest.approx(10 / 3 - 1) and r["mean_drawn"] == pytest.approx(10 / 3)


def test_empty_register_and_hypothetical_cases(tmp_path):
    ws = _world(drop_guided=0, drop_controls=0, noise=False).build(tmp_path / "a")
    empty = Workspace(tmp_path / "b")
    res = guidance_effects(empty, 6, as_of=AS_OF, n_boot=10)
    assert (res["n_entries"] == 0).all() and (res["verdict"].isin(["数据不足以判断", "—"])).all()
    picks = top_offenders(ws, T0, 6, top=10, min_violations=3)
    assert len(picks) == 10 and (picks["pre_violations"] >= 3).all()
    hyp = guidance_effects(ws, 6, as_of=AS_OF, cases=picks[["business_id", "guided_on"]], n_boot=50)
    assert _row(hyp)["n_cases"] == 10 and "假设" in _row(hyp)["interpretation"]


def test_follow_up_list(tmp_path):
    b = Builder()
    for bid in ("A", "B", "C"):
        b.business(bid)
    b.guide("A", day=dt.date(2025, 1, 6), method="约谈")  # no result, no 回访
    b.guide("B", day=dt.date(2025, 1, 6), method="提示提醒")
    b.guide("C", day=dt.date(2025, 1, 6), method="约谈")
    b.guide("C", day=dt.date(2025, 3, 3), method="案件回访")  # revisit done
    ws = b.build(tmp_path)
    with ws.store.connect() as con:
        con.execute(
            "UPDATE register_entries SET result = '已整改到位' WHERE business_id IN ('B', 'C') AND method <> '案件回访'"
        )
    due = follow_up_due(ws, "2025-05-01")
    got = {(r.business_id, r.method, "回访" in r.reason) for r in due.itertuples()}
    assert got == {("A", "约谈", False), ("A", "约谈", True), ("C", "案件回访", False)}
    a_result = due[(due["business_id"] == "A") & ~due["reason"].str.contains("回访")].iloc[0]
    assert a_result["due_on"] == pd.Timestamp("2025-02-05") and a_result["days_overdue"] == 85
    assert follow_up_due(ws, "2025-01-20").empty  # nothing due yet
    assert len(ws.follow_up_due("2025-05-01", revisit_days=200)) == 2


@pytest.mark.slow
def test_work_report_in_three_formats_and_the_docx_renders(tmp_path):
    import shutil
    import subprocess

    import docx
    import openpyxl

    ws = _world(drop_guided=2, drop_controls=0, noise=True).build(tmp_path / "ws")
    with ws.store.connect() as con:
        con.execute("UPDATE register_entries SET result = '已整改到位', unit = '政策法规科' WHERE seq <= 5")
    rep = work_report(ws, "2024-01-01", "2025-06-30", n_boot=100)
    assert rep.by_method.set_index("指导方式")["指导次数"].to_dict() == {"提示提醒": 10, "约谈": 10}
    assert rep.by_unit.set_index("实施科室")["指导次数"].to_dict() == {"政策法规科": 5, "（未填写）": 15}
    assert len(rep.typical_cases) == 5 and (rep.typical_cases["指导结果"] == "已整改到位").all()
    assert rep.effects.set_index("指导方式").loc["全部", "结论"] == "有效"
    xlsx = write_work_report(rep, tmp_path / "报告.xlsx")
    assert "指导效果评估" in openpyxl.load_workbook(xlsx).sheetnames
    page = write_work_report(rep, tmp_path / "报告.html").read_text(encoding="utf-8")
    assert "行政指导工作情况报告" in page and "有效" in page and "<script src=" not in page  # offline
    path = write_work_report(rep, tmp_path / "报告.docx")
    d = docx.Document(path)
    title = d.paragraphs[0].runs[0]
    assert title.font.name == "方正小标宋简体" and d.styles["Normal"].font.name == "仿宋_GB2312"
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed to render the report"
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "报告.pdf"
    assert pdf.exists() and pdf.stat().st_size > 5000
    with pytest.raises(ValueError, match="报告格式不支持"):
        write_work_report(rep, tmp_path / "报告.txt")


@pytest.mark.slow
def test_cli_effects_follow_up_and_report(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    ws = _world(drop_guided=2, drop_controls=0, noise=True).build(tmp_path / "ws")
    runner = CliRunner()
    base = ["--workspace", str(ws.path)]
    out = runner.invoke(app, [*base, "effects", "--as-of", str(AS_OF), "--boot", "50"])
    assert out.exit_code == 0 and "[全部]" in out.output and "结论" in out.output
    out = runner.invoke(
        app, [*base, "follow-up", "--as-of", "2025-06-30", "--out", str(tmp_path / "due.xlsx")]
    )
    assert out.exit_code == 0 and "约谈" in out.output and (tmp_path / "due.xlsx").exists()
    out = runner.invoke(
        app,
        [
            *base,
            "report",
            "--from",
            "2024-01-01",
            "--to",
            "2025-06-30",
            "--out",
            str(tmp_path / "r.html"),
            "--boot",
            "50",
        ],
    )
    assert out.exit_code == 0 and (tmp_path / "r.html").exists(), out.output
    bad = runner.invoke(
        app, [*base, "report", "--from", "2024-01-01", "--to", "2025-06-30", "--out", "r.pdf"]
    )
    assert bad.exit_code != 0 and "不支持" in bad.output
