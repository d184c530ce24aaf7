"""Fairness: the pool against the population, and Aequitas-style precision / false-negative
rates by group from the backtest (the ranking's top share and each action apart). Expected
values are computed by hand in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance_analytics.targeting import audit_groups, fairness_backtest, population_counts


def test_pool_against_population():
    pool = pd.DataFrame(
        {
            "township": ["甲"] * 6 + ["乙"] * 4,
            "subject_type": ["个体工商户"] * 10,
            "industry": ["6210"] * 10,
            "section": ["H"] * 10,
        }
    )
    population = pd.DataFrame(
        {
            "township": ["甲"] * 10 + ["乙"] * 20,
            "subject_type": ["个体工商户"] * 30,
            "industry": ["6210"] * 30,
            "section": ["H"] * 30,
        }
    )
    selected = pd.Series([True] * 3 + [False] * 7)
    counts = population_counts(population)
    a = audit_groups(pool, selected, min_group=1, population=counts).set_index(["dimension", "group"])
    # 甲: 60 % of the pool, a third of the population → 1.8; 乙: 40 % / 2/3 → 0.6
    assert a.loc[("乡镇", "甲"), "share_population"] == pytest.approx(1 / 3)
    assert a.loc[("乡镇", "甲"), "pool_ratio"] == pytest.approx(1.8)
    assert a.loc[("乡镇", "乙"), "pool_ratio"] == pytest.approx(0.6)
    assert a.loc[("乡镇", "甲"), "pool_flagged"] and a.loc[("乡镇", "乙"), "pool_flagged"]
    assert "风险主体占比（相对全部主体）偏高" in a.loc[("乡镇", "甲"), "note"]
    assert a.loc[("行政相对人类别", "个体工商户"), "pool_ratio"] == pytest.approx(1.0)
    without = audit_groups(pool, selected, min_group=1)
    assert without["pool_ratio"].isna().all() and without["n_population"].isna().all()


def _records(scores: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "as_of": pd.Timestamp("2024-01-01"),
            "business_id": [f"B{i}" for i in range(10)],
            "township": ["甲"] * 5 + ["乙"] * 5,
            "subject_type": ["个体工商户"] * 10,
            "industry": ["6210"] * 10,
            "section": ["H"] * 10,
            "inspected": True,
            "random_inspected": False,
            "positive": [i in (0, 5, 6) for i in range(10)],
            "random_positive": False,
            "score_logit": scores,
            "action": ["提示提醒"] * 6 + [np.nan] * 4,
            "status": ["入选", "超出容量", "超出容量", "超出容量", "超出容量", "入选"] + [np.nan] * 4,
        }
    )


def test_precision_and_false_negative_rate_by_group():
    f = fairness_backtest(_records([10.0 - i for i in range(10)]), share=0.2, scorer="logit", n_boot=100)
    top = f[f["action"] == "排序前20%"].set_index(["dimension", "group"])
    # top 20 % = rows 0 and 1; positives 0, 5, 6: overall precision 1/2, FNR 2/3
    assert top.loc[("全部", "全部"), "precision"] == pytest.approx(0.5)
    assert top.loc[("全部", "全部"), "fnr"] == pytest.approx(2 / 3)
    # 甲 (rows 0–4): both selected, 1 hit; its one positive found → FNR 0
    assert top.loc[("乡镇", "甲"), "precision"] == pytest.approx(0.5) and top.loc[("乡镇", "甲"), "fnr"] == 0
    # 乙 (rows 5–9): none selected, both positives missed → FNR 1 = 1.5 × overall
    assert np.isnan(top.loc[("乡镇", "乙"), "precision"]) and top.loc[("乡镇", "乙"), "fnr"] == 1
    assert top.loc[("乡镇", "乙"), "fnr_ratio"] == pytest.approx(1.5)
    assert top.loc[("乡镇", "乙"), "n_eval"] == 5 and top.loc[("乡镇", "乙"), "note"] == "样本过少，不作判断"
    lo, hi = top.loc[("全部", "全部"), ["fnr_lo", "fnr_hi"]]
    assert lo <= 2 / 3 <= hi
    # each action apart, among the businesses it was proposed for: 提示提醒 pool rows 0–5,
    # selected 0 and 5, both positive → precision 1, FNR 0
    act = f[f["action"] == "提示提醒"].set_index(["dimension", "group"])
    assert act.loc[("全部", "全部"), "n_eval"] == 6 and act.loc[("全部", "全部"), "n_selected"] == 2
    assert act.loc[("全部", "全部"), "precision"] == 1 and act.loc[("全部", "全部"), "fnr"] == 0


def test_a_tie_at_the_cut_is_selected_in_part():
    # rows 1 and 2 tie for the second place: each is half selected
    f = fairness_backtest(_records([9, 8, 8, 5, 4, 3, 2, 1, 0, -1]), share=0.2, scorer="logit", n_boot=0)
    top = f[f["action"] == "排序前20%"].set_index(["dimension", "group"])
    assert top.loc[("乡镇", "甲"), "n_selected"] == pytest.approx(2.0)
    assert top.loc[("全部", "全部"), "precision"] == pytest.approx(0.5)  # row 0 (hit) + 2 × 0.5 misses
