"""Hotspot charts: Chinese labels, flagged cells marked exactly, episode bars, the HTML page."""

from __future__ import annotations

import json

import hot_frames as frames
import numpy as np
import pandas as pd
import pytest

from guidance_analytics import hotspots as charts


def hot_frame() -> pd.DataFrame:
    """Two fields × 4 months; H62 flagged in March and April, F52 an alarm that failed the FDR step."""
    df = frames.hot_frame({"H62": ("餐饮业(H62)", [5, 6, 20, 18]), "F52": ("零售业(F52)", [4, 4, 9, 3])})
    df.loc[(df.field == "H62") & (df.period_start == "2024-01-01"), "method"] = "none"
    return df


def test_heatmap_marks_exactly_the_flagged_cells():
    fig = charts.hotspot_heatmap(hot_frame())
    heat, stars = fig.data
    assert heat.type == "heatmap" and "热点" in fig.layout.title.text
    assert list(heat.y) == ["零售业(F52)", "餐饮业(H62)"]  # most flagged field on top
    assert list(heat.x) == ["2024年1月", "2024年2月", "2024年3月", "2024年4月"]
    assert sorted(zip(stars.x, stars.y, strict=True)) == [
        ("2024年3月", "餐饮业(H62)"),
        ("2024年4月", "餐饮业(H62)"),
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
    assert [t.name for t in f52.data] == ["实际数", "预期数", "预警上限", "超上限但未列为热点"]
    assert list(f52.data[3].y) == [9]
    assert "零售业(F52)" in f52.layout.title.text
    with pytest.raises(ValueError):
        charts.hotspot_timeseries(hot_frame(), "nope")
    # dates as people write them, on the axis and in every hover
    stops = {tuple(s.dtickrange): s.value for s in fig.layout.xaxis.tickformatstops}
    assert stops[("M1", "M12")] == "%Y年%-m月" and stops[(None, "M1")] == "%Y年%-m月%-d日"
    assert all("%{x|%Y年%-m月}" in t.hovertemplate for t in fig.data)


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
    assert empty.layout.xaxis.visible is False and empty.layout.yaxis.visible is False and not empty.data


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


#: ColorBrewer RdBu, the ends and the middle of plotly's "RdBu_r" (independent of plotly's code)
DEEP_RED, MIDDLE, DEEP_BLUE = "rgb(103, 0, 31)", "rgb(247, 247, 247)", "rgb(5, 48, 97)"


def test_heatmap_hover_boxes_wear_their_cells_colour():
    df = hot_frame()
    df.loc[(df.field == "F52") & (df.period_start == "2024-02-01"), "observed"] = 5  # ratio 1 → middle
    fig = charts.hotspot_heatmap(df)
    heat = fig.data[0]
    z = np.asarray(heat.z, dtype=float)
    fill = heat.hoverlabel.bgcolor
    assert z[1, 2] == pytest.approx(2.0) and fill[1][2].replace(" ", "") == DEEP_RED.replace(" ", "")
    assert z[0, 1] == pytest.approx(0.0) and fill[0][1].replace(" ", "") == MIDDLE.replace(" ", "")
    assert fill[1][0] == "#eeeeee"  # not evaluated: the grey of the plot background
    fonts = heat.hoverlabel.font.color
    assert fonts[1][2] == "white" and fonts[0][1] == "black"  # readable on either


def test_one_outlier_does_not_wash_out_the_colour_scale():
    base = charts.hotspot_heatmap(hot_frame())
    df = hot_frame()
    df.loc[(df.field == "F52") & (df.period_start == "2024-03-01"), "observed"] = 500  # 100 ×
    outlier = charts.hotspot_heatmap(df)
    z_base, z_out = (np.asarray(f.data[0].z, dtype=float) for f in (base, outlier))
    assert np.nanmax(z_out) == 2 and outlier.data[0].zmax == 2  # clamped at 4 ×
    assert z_out[1, 2] == z_base[1, 2]  # the other cells keep their colour
    assert base.data[0].hoverlabel.bgcolor[1][2] == outlier.data[0].hoverlabel.bgcolor[1][2]
    s = pd.DataFrame(
        {
            "field": ["A", "A", "B", "B"],
            "field_label": ["甲", "甲", "乙", "乙"],
            "season": [7, 8, 7, 8],
            "season_label": ["7月", "8月", "7月", "8月"],
            "mean_ratio": [40.0, 1.0, 1.5, 0.8],
            "recurrent": [False, False, True, False],
        }
    )
    seasonal = charts.seasonal_heatmap(s)
    heat = seasonal.data[0]
    assert heat.zmin == -1 and heat.zmax == 1 and np.nanmax(np.asarray(heat.z, dtype=float)) == 1
    assert list(heat.y) == ["甲", "乙"]  # the field with a recurrent season on top, whatever the outlier
    assert "倍" in heat.hovertemplate and heat.hoverlabel.bgcolor


def test_empty_charts_say_so_without_numeric_axes():
    empty_hot = hot_frame().iloc[:0]
    for fig in (
        charts.hotspot_heatmap(empty_hot),
        charts.seasonal_heatmap(pd.DataFrame()),
        charts.episode_timeline(pd.DataFrame(columns=["field", "start", "end", "rate_ratio", "reason"])),
    ):
        assert not fig.data and fig.layout.annotations and "没有" in fig.layout.annotations[0].text
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_period_labels_read_as_dates():
    for starts, expected in (
        (pd.date_range("2024-07-01", periods=3, freq="7D"), "2024年7月1日"),
        (pd.date_range("2024-01-01", periods=3, freq="QS"), "2024年第1季度"),
    ):
        df = hot_frame().iloc[:3].assign(period_start=starts, method="farrington_noufaily")
        assert charts.hotspot_heatmap(df).data[0].x[0] == expected
