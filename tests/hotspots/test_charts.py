"""Hotspot charts: Chinese labels, flagged cells marked exactly, episode bars, the HTML page."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from guidance_analytics import hotspots as charts


def hot_frame() -> pd.DataFrame:
    """Two fields × 4 months; H62 flagged in March and April, F52 an alarm that failed the FDR step."""
    starts = pd.date_range("2024-01-01", periods=4, freq="MS")
    rows = []
    for field, label, obs in [("H62", "餐饮业(H62)", [5, 6, 20, 18]), ("F52", "零售业(F52)", [4, 4, 9, 3])]:
        for s, o in zip(starts, obs, strict=True):
            rows.append(
                dict(
                    by="industry_division",
                    field=field,
                    field_label=label,
                    period_start=s,
                    period_end=s + pd.offsets.MonthEnd(0),
                    observed=o,
                    expected=5.0,
                    upper=10.0,
                    rate_ratio=o / 5.0,
                    q_value=0.01,
                    method="farrington_noufaily",
                    alarm=o > 8,
                    flagged=(field == "H62") and o > 10,
                    reason=f"{label} {o} 件",
                )
            )
    df = pd.DataFrame(rows)
    df.loc[(df.field == "H62") & (df.period_start == starts[0]), "method"] = "none"
    return df


def test_heatmap_marks_exactly_the_flagged_cells():
    fig = charts.hotspot_heatmap(hot_frame())
    heat, stars = fig.data
    assert heat.type == "heatmap" and "热点" in fig.layout.title.text
    assert list(heat.y) == ["零售业(F52)", "餐饮业(H62)"]  # most flagged field on top
    assert list(heat.x) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert sorted(zip(stars.x, stars.y, strict=True)) == [
        ("2024-03", "餐饮业(H62)"),
        ("2024-04", "餐饮业(H62)"),
    ]
    z = np.asarray(heat.z, dtype=float)
    assert np.isnan(z[1, 0])  # not evaluated → empty cell
    assert z[1, 2] == pytest.approx(2.0)  # log2(20/5) = 2
    assert fig.layout.xaxis.title.text == "期间" and fig.layout.yaxis.title.text == "领域"


def test_timeseries_has_expected_upper_and_alarms():
    fig = charts.hotspot_timeseries(hot_frame(), "H62")
    names = [t.name for t in fig.data]
    assert names == ["实际数", "预期数", "预警上限", "热点"]
    stars = fig.data[3]
    assert list(pd.to_datetime(stars.x)) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    assert list(stars.y) == [20, 18]
    f52 = charts.hotspot_timeseries(hot_frame(), "F52")
    assert [t.name for t in f52.data] == ["实际数", "预期数", "预警上限", "超上限（校正后不显著）"]
    assert list(f52.data[3].y) == [9]
    assert "零售业(F52)" in f52.layout.title.text
    with pytest.raises(ValueError):
        charts.hotspot_timeseries(hot_frame(), "nope")


def test_episode_timeline_one_bar_per_episode():
    ep = pd.DataFrame(
        {
            "field": ["H62", "F52"],
            "field_label": ["餐饮业(H62)", "零售业(F52)"],
            "start": pd.to_datetime(["2024-03-01", "2024-01-01"]),
            "end": pd.to_datetime(["2024-04-30", "2024-01-31"]),
            "rate_ratio": [3.8, 1.9],
            "reason": ["a", "b"],
        }
    )
    fig = charts.episode_timeline(ep)
    bar = fig.data[0]
    assert list(bar.y) == ["零售业(F52)", "餐饮业(H62)"]  # sorted by start
    assert list(bar.base) == ["2024-01-01", "2024-03-01"]
    assert list(bar.x) == [31 * 86_400_000, 61 * 86_400_000]  # through the end day inclusive
    empty = charts.episode_timeline(ep.iloc[:0])
    assert empty.layout.annotations[0].text == "没有连续热点"


def test_seasonal_heatmap_marks_recurrent_seasons():
    s = pd.DataFrame(
        {
            "field": ["H62"] * 2 + ["F52"] * 2,
            "field_label": ["餐饮业"] * 2 + ["零售业"] * 2,
            "season": [7, 8, 7, 8],
            "season_label": ["7月", "8月", "7月", "8月"],
            "mean_ratio": [1.8, 0.9, 1.1, 1.0],
            "recurrent": [True, False, False, False],
        }
    )
    fig = charts.seasonal_heatmap(s)
    assert list(fig.data[0].x) == ["7月", "8月"]
    assert list(zip(fig.data[1].x, fig.data[1].y, strict=True)) == [("7月", "餐饮业")]


def test_chart_page_embeds_plotly_once_with_chinese_text(tmp_path):
    hot = hot_frame()
    ep = pd.DataFrame(columns=["field", "field_label", "start", "end", "rate_ratio", "reason"])
    path = charts.hotspot_report_page(hot, ep, tmp_path / "p.html", measure="violations", top_fields=2)
    text = path.read_text(encoding="utf-8")
    assert "<title>违法热点分析</title>" in text
    assert (
        text.count("* plotly.js v") == 1 and text.count("Plotly.newPlot") == 3
    )  # heatmap, timeline, 1 series
    # figure JSON carries labels raw or \u-escaped, depending on the JSON engine plotly finds installed
    assert ("餐饮业(H62)" in text or json.dumps("餐饮业(H62)")[1:-1] in text) and "2 个热点格" in text
    page = charts.write_chart_page([("说明<b>", charts.hotspot_heatmap(hot))], tmp_path / "q.html", "标题")
    assert "说明&lt;b&gt;" in page.read_text(encoding="utf-8")  # notes are escaped
