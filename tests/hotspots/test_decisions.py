"""The decision on hand-built panels: effort, failure-rate gaps, rises, multiplicity, levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance_analytics.core import rules
from guidance_analytics.hotspots import FLAG_OPTIONS, flag_hotspots
from guidance_analytics.hotspots.detect import detect_aberrations

MONTHS = pd.date_range("2020-01-01", periods=48, freq="MS")
OPTS = {**rules(None, "hotspots")["detect"], **rules(None, "hotspots")["flags"]}
# a strict budget (expected false flags a month) where the planted cell must be the only flag: with
# the default 0.3 spread over a handful of fields, a few noise flags in four years are expected
STRICT = {**OPTS, "false_flags": 0.03}
DETECT = {
    k: v
    for k, v in OPTS.items()
    if k not in ("min_count", *FLAG_OPTIONS)  # the decision's options are not the detector's
}


def noisy(level: float, n: int = 48, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).poisson(level, n)


def panel(fields: dict[str, dict[str, np.ndarray]], by: str = "township") -> pd.DataFrame:
    """A panel from ``{field: {"observed": …, "inspections": …, "problems": …}}`` (48 months)."""
    rows = []
    for f, cols in fields.items():
        n = len(cols["observed"])
        rows.append(
            pd.DataFrame(
                {
                    "by": by,
                    "field": f,
                    "period_start": MONTHS[:n],
                    "period_end": MONTHS[:n] + pd.offsets.MonthEnd(0),
                    "observed": cols["observed"],
                    "exposure": cols.get("exposure", np.full(n, 100.0)),
                    "inspections": cols.get("inspections", np.full(n, np.nan)),
                    "inspection_problems": cols.get("problems", np.full(n, np.nan)),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def campaign_and_spike() -> pd.DataFrame:
    """Five townships, ~10 violations out of ~40 inspections a month. In month 40 甲 has a campaign
    (inspections and violations both about 2.2 times) and 乙 a spike (violations 3 times, the clean
    inspections unchanged)."""
    fields = {}
    for i, f in enumerate(["甲", "乙", "丙", "丁", "戊"]):
        v = noisy(10, seed=i)
        clean = noisy(30, seed=10 + i)
        fields[f] = {"observed": v, "inspections": v + clean, "problems": v}
    a = fields["甲"]
    a["observed"][40], a["inspections"][40] = 23, 88
    a["problems"][40] = 23
    b = fields["乙"]
    b["observed"][40] = b["problems"][40] = 31
    b["inspections"][40] = 31 + 30
    return panel(fields)


def test_campaign_is_explained_by_effort_and_a_spike_is_not():
    hot = flag_hotspots(campaign_and_spike(), measure="violations", **STRICT).set_index(
        ["field", "period_start"]
    )
    month = MONTHS[40]
    camp, spike = hot.loc[("甲", month)], hot.loc[("乙", month)]
    assert camp["window"] == 1 and camp["effort_explained"] and not camp["flagged"]
    assert "可由检查力度（如专项检查）解释，不列为违法热点" in camp["reason"]
    assert camp["inspections"] == 88 and camp["failure_rate"] == pytest.approx(23 / 88)
    assert spike["flagged"] and not spike["effort_explained"]
    assert not hot["flagged"].drop(index=[("乙", month)]).any()
    # without the effort check both are violation hotspots
    plain = flag_hotspots(campaign_and_spike(), measure="violations", effort=False, **STRICT)
    assert plain.loc[plain.period_start == month].set_index("field")["flagged"][["甲", "乙"]].all()


def test_effort_is_fetched_only_when_something_is_flagged():
    calls = []
    src = campaign_and_spike()

    def source():
        calls.append(1)
        return src.assign(observed=src["inspection_problems"], exposure=src["inspections"])[
            ["field", "period_start", "observed", "exposure"]
        ]

    quiet = src[src.period_start < MONTHS[40]].drop(columns=["inspections", "inspection_problems"])
    assert not flag_hotspots(quiet, measure="violations", effort_source=source, **STRICT)["flagged"].any()
    assert calls == []  # nothing flagged: no second scan of the inspections
    got = flag_hotspots(
        src.drop(columns=["inspections", "inspection_problems"]),
        measure="violations",
        effort_source=source,
        **STRICT,
    )
    assert calls == [1]
    assert got.loc[(got.field == "甲") & (got.period_start == MONTHS[40]), "effort_explained"].item()


def test_failure_rate_months_without_inspections_are_missing_not_zero():
    inspections = noisy(20, seed=3).astype(float)
    problems = np.minimum(noisy(5, seed=4), inspections).astype(float)
    inspections[20:26] = 0  # half a year without any inspection in this field
    problems[20:26] = 0
    p = panel({"甲": {"observed": problems.astype(int), "exposure": inspections}})
    hot = flag_hotspots(p, measure="inspection_failure_rate", **OPTS)
    gap = hot[hot.period_start.isin(MONTHS[20:26])]
    assert (gap["method"] == "none").all() and gap["expected"].isna().all()
    assert (gap["reason"] == "本期没有检查，发现问题率无从计算，未评估").all()
    after = hot[hot.period_start >= MONTHS[27]]
    rate = problems[inspections > 0].sum() / inspections[inspections > 0].sum()
    # the expected problems follow the usual rate of the inspected months ...
    assert (after["expected"] / after["exposure"]).mean() == pytest.approx(rate, rel=0.05)
    # ... where counting the empty months as inspections without problems (exposure carried forward,
    # count 0: the old behaviour) evaluates them and pulls the expected rate down by a quarter
    carried = pd.DataFrame(
        {
            "series": "甲",
            "period": MONTHS,
            "count": problems,
            "exposure": pd.Series(inspections).replace(0, np.nan).ffill(),
        }
    )
    old = detect_aberrations(carried, "M", **DETECT)
    assert (old.loc[old.period.isin(MONTHS[20:26]), "method"] != "none").all()
    old_rate = (old["expected"] / old["exposure"])[old["period"] >= MONTHS[27]].mean()
    assert old_rate < 0.85 * rate


def rise_panel(start: int = 38, level: int = 19) -> pd.DataFrame:
    """Six townships at ~12 a month; 甲 runs at ``level`` a month from month ``start`` on: 19 against 12
    is not beyond a single month's bound, two such months together are."""
    fields = {f: {"observed": noisy(12, seed=20 + i)} for i, f in enumerate("甲乙丙丁戊己")}
    fields["甲"]["observed"][start:] = level
    return panel(fields)


def test_a_rise_is_flagged_within_two_months_by_a_window_test():
    p = rise_panel()
    hot = flag_hotspots(p, **STRICT)
    a = hot[hot.field == "甲"].set_index("period_start")
    first = a[a.flagged].iloc[0]
    at = MONTHS.get_loc(first.name)
    assert 38 <= at <= 40, first  # within two months of its start (month 38)
    w = int(first.window)
    assert first.test == f"连续{w}个月" and w == at - 38 + 1  # the window holds the whole rise so far
    assert first.observed_window == 19 * w and first.expected_window == pytest.approx(12 * w, rel=0.1)
    assert f"；连续{w}个月高于预期，合计 {19 * w} 件，为预期的" in first.reason
    # with single-month tests only it is never flagged
    assert not flag_hotspots(p, **{**STRICT, "windows": ()}).query("field == '甲'")["flagged"].any()
    # the window tests restart after a flag; the month after says the rise goes on
    assert a.loc[MONTHS[at + 1], "reason"].endswith("与上月起的连续偏高相接（上月已列为热点）")
    # at the default budget the ongoing rise is flagged again and again, never two months running
    ongoing = flag_hotspots(p, **OPTS).query("field == '甲' and flagged")["period_start"]
    gaps = ongoing.map(MONTHS.get_loc).diff().dropna()
    assert len(ongoing) >= 4 and (gaps >= 2).all()
    assert not hot[hot.field != "甲"]["flagged"].any()


def test_window_tests_restart_after_a_flag():
    fields = {f: {"observed": noisy(10, seed=30 + i)} for i, f in enumerate("甲乙丙丁")}
    fields["甲"]["observed"][40] = 45  # a one-month spike, then back to normal
    hot = flag_hotspots(panel(fields), **STRICT)
    a = hot[hot.field == "甲"].set_index("period_start")
    assert a.loc[MONTHS[40], "flagged"] and a.loc[MONTHS[40], "test"] == "单月"
    # the spike stays inside the 2- and 3-month sums of the next months, but they do not re-flag it
    assert not a.loc[MONTHS[41] : MONTHS[42], "flagged"].any()


def test_flags_are_the_cells_within_the_false_flag_budget():
    for budget in (0.03, 0.3, 1.0):
        hot = flag_hotspots(rise_panel(), **{**OPTS, "false_flags": budget})
        ev = hot[hot["method"] != "none"]
        # p_adjusted = the cell's combined p-value times the number of fields tested that month
        assert (hot["flagged"] == (hot["p_adjusted"] <= budget)).all()
        ratio = (ev["p_adjusted"] / ev.groupby("period_start")["field"].transform("size")).dropna()
        assert len(ratio) > 100 and (ratio <= 1 + 1e-12).all()
    # more budget, more flags
    counts = [
        int(flag_hotspots(rise_panel(), **{**OPTS, "false_flags": b})["flagged"].sum()) for b in (0.03, 1.0)
    ]
    assert counts[0] < counts[1]


def test_multi_level_flag_is_carried_by_the_finest_level():
    rng = np.random.default_rng(1)
    classes = {"F5211": 12, "F5212": 15, "F5221": 8, "H6210": 10, "H6220": 9}
    rows = []
    for code, lev in classes.items():
        y = rng.poisson(lev, 48)
        if code == "F5212":
            y[44] = 60
        rows.append(pd.DataFrame({"code": code, "period_start": MONTHS, "observed": y}))
    cls = pd.concat(rows)
    parts = []
    for n, level in ((5, "class"), (4, "group"), (3, "division"), (1, "section")):
        g = (
            cls.assign(field=cls["code"].str[:n])
            .groupby(["field", "period_start"], as_index=False)["observed"]
            .sum()
        )
        parts.append(g.assign(level=level))
    p = pd.concat(parts, ignore_index=True)
    p["parent"] = p["field"].map(lambda k: {5: k[:4], 4: k[:3], 3: k[:1]}.get(len(k)))
    p = p.assign(by="industry", period_end=p.period_start + pd.offsets.MonthEnd(0), exposure=np.nan)
    hot = flag_hotspots(p, **STRICT)
    flagged = hot[hot.flagged]
    assert list(flagged.field) == ["F5212"]
    assert flagged.iloc[0]["parents"] == "F › F52 › F521"  # the panel's labels (here the keys)
    spike = hot[hot.period_start == MONTHS[44]].set_index("field")
    # its group and division are high too, but say that the class carries the flag
    assert "已由下级领域 F5212 列为热点" in spike.loc["F521", "reason"] or not spike.loc["F521", "window"]
    # H62 has two classes and a group each: H621 repeats H6210, tested once
    assert spike.loc["H621", "reason"].startswith("与其唯一的下级领域")
