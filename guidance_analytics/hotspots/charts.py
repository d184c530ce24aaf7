"""Plotly figures of hotspots with Chinese labels, and an HTML page that gathers them.

All functions take the DataFrames returned by :mod:`guidance_analytics.hotspots` and return
``plotly.graph_objects.Figure`` objects; :func:`write_chart_page` writes several figures into one
self-contained HTML file (plotly.js embedded once, so it opens without internet access).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .panels import MEASURES

__all__ = [
    "episode_timeline",
    "hotspot_heatmap",
    "hotspot_report_page",
    "hotspot_timeseries",
    "seasonal_heatmap",
    "top_fields",
    "write_chart_page",
]

_FONT = dict(family="Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif")
FLAG_COLOR = "#d62728"
ALARM_COLOR = "#ff7f0e"


def _period_text(s: pd.Series) -> list[str]:
    days = (pd.to_datetime(s).diff().dt.days.median()) if len(s) > 1 else 31
    fmt = "%Y-%m-%d" if days and days < 10 else "%Y-%m"
    return [f"{p:{fmt}}" for p in pd.to_datetime(s)]


def top_fields(hot: pd.DataFrame, n: int = 8) -> list[str]:
    """Fields ordered by number of flagged periods, then by the highest rate ratio (top ``n``)."""
    if hot.empty:
        return []
    g = hot.groupby("field").agg(
        flags=("flagged", "sum"), ratio=("rate_ratio", "max"), observed=("observed", "sum")
    )
    g = g.sort_values(["flags", "ratio", "observed"], ascending=False)
    return g.index[:n].tolist()


def hotspot_heatmap(
    hot: pd.DataFrame, fields: Sequence[str] | None = None, max_fields: int = 40, title: str | None = None
) -> go.Figure:
    """Heatmap field × period of observed/expected, flagged cells marked with ★.

    Colour: ``log2(实际/预期)`` clipped to ±2 (blue = below expectation, red = above); grey = not
    evaluated (too little history). Hover shows the counts and the reason.
    """
    df = hot[hot["method"] != "none"] if "method" in hot.columns else hot
    if fields is None:
        fields = top_fields(df, max_fields)
    df = df[df["field"].isin(fields)]
    labels = df.drop_duplicates("field").set_index("field")["field_label"] if "field_label" in df else None
    periods = sorted(df["period_start"].unique())
    ptext = _period_text(pd.Series(periods))
    order = list(fields)[::-1]  # first field at the top
    # observed / expected with the expectation floored at 0.01 (nothing expected, nothing seen = 1)
    cell = df.assign(
        r=np.where(
            (df["observed"] == 0) & (df["expected"] < 0.01),
            1.0,
            df["observed"] / df["expected"].clip(lower=0.01),
        )
    )
    ratio = cell.pivot_table(index="field", columns="period_start", values="r", aggfunc="first", dropna=False)
    ratio = ratio.reindex(index=order, columns=periods)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.clip(np.log2(ratio.to_numpy(float)), -2, 2)
    z = np.where(np.isfinite(z), z, np.where(ratio.to_numpy(float) == 0, -2, np.nan))
    hover = df.assign(
        txt=lambda d: (
            "实际 "
            + d["observed"].astype(str)
            + "，预期 "
            + d["expected"].round(1).astype(str)
            + "<br>"
            + d["reason"].astype(str)
        )
    )
    hover = hover.pivot_table(index="field", columns="period_start", values="txt", aggfunc="first")
    hover = hover.reindex(index=order, columns=periods).fillna("")
    flag = df.pivot_table(index="field", columns="period_start", values="flagged", aggfunc="first")
    flag = flag.reindex(index=order, columns=periods).fillna(False).astype(bool)
    ylab = [labels.get(f, f) if labels is not None else f for f in order]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=ptext,
            y=ylab,
            zmin=-2,
            zmax=2,
            colorscale="RdBu_r",
            text=hover.to_numpy(),
            hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
            colorbar=dict(
                title="实际/预期", tickvals=[-2, -1, 0, 1, 2], ticktext=["≤1/4", "1/2", "1", "2", "≥4"]
            ),
        )
    )
    ys, xs = np.nonzero(flag.to_numpy())
    if len(ys):
        fig.add_trace(
            go.Scatter(
                x=[ptext[i] for i in xs],
                y=[ylab[j] for j in ys],
                mode="text",
                text=["★"] * len(ys),
                textfont=dict(color="black", size=14),
                name="热点",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=title or "各领域各期间：实际数与预期数之比（★ = 热点）",
        font=_FONT,
        xaxis_title="期间",
        yaxis_title="领域",
        height=max(320, 26 * len(order) + 160),
        plot_bgcolor="#eeeeee",
    )
    return fig


def hotspot_timeseries(hot: pd.DataFrame, field: str, title: str | None = None) -> go.Figure:
    """One field over time: observed counts, expected value, upper bound, alarms and hotspots."""
    df = hot[hot["field"] == field].sort_values("period_start")
    if df.empty:
        raise ValueError(f"no rows for field {field!r}")
    label = df["field_label"].iloc[0] if "field_label" in df.columns else field
    x = df["period_start"]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=df["observed"],
            name="实际数",
            marker_color="#9ecae1",
            customdata=df["reason"],
            hovertemplate="%{x|%Y-%m-%d}<br>实际 %{y}<br>%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=df["expected"], name="预期数", mode="lines", line=dict(color="#333333")))
    fig.add_trace(
        go.Scatter(x=x, y=df["upper"], name="预警上限", mode="lines", line=dict(color="#333333", dash="dash"))
    )
    alarm_only = df[df["alarm"] & ~df["flagged"]] if "alarm" in df.columns else df.iloc[:0]
    if len(alarm_only):
        fig.add_trace(
            go.Scatter(
                x=alarm_only["period_start"],
                y=alarm_only["observed"],
                mode="markers",
                name="超上限（校正后不显著）",
                marker=dict(color=ALARM_COLOR, size=10, symbol="circle-open"),
            )
        )
    flagged = df[df["flagged"]]
    if len(flagged):
        fig.add_trace(
            go.Scatter(
                x=flagged["period_start"],
                y=flagged["observed"],
                mode="markers",
                name="热点",
                marker=dict(color=FLAG_COLOR, size=11, symbol="star"),
            )
        )
    fig.update_layout(
        title=title or f"{label}：实际数、预期数与预警上限",
        font=_FONT,
        xaxis_title="期间",
        yaxis_title="件数",
        legend=dict(orientation="h", y=-0.2),
        height=380,
    )
    return fig


def episode_timeline(episodes: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Horizontal bars from each episode's start to its end, one row per field; colour = ratio."""
    fig = go.Figure()
    if episodes.empty:
        fig.add_annotation(text="没有连续热点", showarrow=False, font=dict(size=16))
    else:
        df = episodes.sort_values("start")
        start = pd.to_datetime(df["start"])
        end = pd.to_datetime(df["end"]) + pd.Timedelta(days=1)
        dur_ms = (end - start).dt.total_seconds() * 1000
        label = df["field_label"] if "field_label" in df.columns else df["field"]
        fig.add_trace(
            go.Bar(
                y=label,
                x=dur_ms,
                base=start.dt.strftime("%Y-%m-%d"),
                orientation="h",
                marker=dict(
                    color=df["rate_ratio"].fillna(4.0).clip(upper=4.0),
                    colorscale="Reds",
                    cmin=1,
                    cmax=max(2.0, float(df["rate_ratio"].fillna(4.0).clip(upper=4.0).max())),
                    colorbar=dict(title="实际/预期"),
                ),
                customdata=df["reason"],
                hovertemplate="%{customdata}<extra></extra>",
                name="连续热点",
            )
        )
        fig.update_xaxes(type="date")
    fig.update_layout(
        title=title or "连续热点时间线（每条为一段连续偏高期）",
        font=_FONT,
        xaxis_title="时间",
        yaxis_title="领域",
        height=max(300, 28 * episodes.get("field", pd.Series(dtype=str)).nunique() + 160),
        showlegend=False,
    )
    return fig


def seasonal_heatmap(seasonal: pd.DataFrame, max_fields: int = 30, title: str | None = None) -> go.Figure:
    """Field × month-of-year (or quarter) of the pooled ratio to the yearly level; ★ = recurrent."""
    df = seasonal.copy()
    keep = df.groupby("field")["mean_ratio"].max().sort_values(ascending=False).index[:max_fields]
    df = df[df["field"].isin(keep)]
    seasons = sorted(df["season"].unique())
    labels = df.drop_duplicates("season").set_index("season")["season_label"]
    order = list(keep)[::-1]
    z = df.pivot_table(index="field", columns="season", values="mean_ratio").reindex(
        index=order, columns=seasons
    )
    rec = df.pivot_table(index="field", columns="season", values="recurrent", aggfunc="first")
    rec = rec.reindex(index=order, columns=seasons).fillna(False).astype(bool)
    names = df.drop_duplicates("field").set_index("field")["field_label"]
    ylab = [names.get(f, f) for f in order]
    xlab = [labels[s] for s in seasons]
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(float),
            x=xlab,
            y=ylab,
            colorscale="RdBu_r",
            zmid=1,
            colorbar=dict(title="与全年平均之比"),
            hovertemplate="%{y}<br>%{x}<br>倍数 %{z:.2f}<extra></extra>",
        )
    )
    ys, xs = np.nonzero(rec.to_numpy())
    if len(ys):
        fig.add_trace(
            go.Scatter(
                x=[xlab[i] for i in xs],
                y=[ylab[j] for j in ys],
                mode="text",
                text=["★"] * len(ys),
                hoverinfo="skip",
                name="季节性热点",
            )
        )
    fig.update_layout(
        title=title or "季节性：各月（季）与全年平均水平之比（★ = 年年偏高）",
        font=_FONT,
        xaxis_title="时段",
        yaxis_title="领域",
        height=max(320, 26 * len(order) + 160),
    )
    return fig


def write_chart_page(
    figures: Iterable[tuple[str, go.Figure]] | dict[str, go.Figure],
    path: str | Path,
    title: str,
    intro: str | None = None,
) -> Path:
    """Write figures into one self-contained HTML page (plotly.js embedded once).

    Parameters
    ----------
    figures : ``(explanation, figure)`` pairs or a dict; each explanation (Chinese text for staff) is
        printed above its figure.
    path : the ``.html`` file to write.
    title : page title (Chinese).
    intro : a paragraph shown under the title.
    """
    items = list(figures.items()) if isinstance(figures, dict) else list(figures)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:'Microsoft YaHei','PingFang SC',sans-serif;margin:24px;max-width:1280px}"
        "p.note{color:#444;line-height:1.6}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if intro:
        parts.append(f"<p class='note'>{html.escape(intro)}</p>")
    for i, (note, fig) in enumerate(items):
        if note:
            parts.append(f"<p class='note'>{html.escape(note)}</p>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"locale": "zh-CN"}))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def hotspot_report_page(
    hot: pd.DataFrame,
    episodes: pd.DataFrame,
    path: str | Path,
    measure: str = "violations",
    top_fields: int = 8,
    seasonal: pd.DataFrame | None = None,
) -> Path:
    """The HTML page of the README's main job: heatmap, episode timeline, seasonal heatmap (when given),
    time series of the top fields."""
    noun = MEASURES.get(measure, ("事件",))[0]
    n_flag = int(hot["flagged"].sum()) if len(hot) else 0
    figures: list[tuple[str, go.Figure]] = []
    if len(hot):
        figures.append(
            (
                "热力图：每一格是一个领域在一个期间的实际数与预期数之比，红色越深越高于预期、蓝色低于预期，灰色表示历史"
                "数据不足未评估；★ 表示该格被列为热点（超出预警上限，且与同期其他领域一并校正后仍然显著）。",
                hotspot_heatmap(hot, title=f"{noun}：各领域各期间实际/预期（★ = 热点）"),
            )
        )
        figures.append(
            (
                "时间线：同一领域相邻的热点期间合并为一段“连续热点”，条越长持续越久，颜色越深超出预期越多。",
                episode_timeline(episodes),
            )
        )
        if seasonal is not None and len(seasonal):
            figures.append(
                (
                    "季节性：每个领域各月（季）件数与当年平均水平之比，多年合并；★ 表示年年偏高的季节性热点，"
                    "适合在这些月份到来之前提前开展提示提醒。",
                    seasonal_heatmap(seasonal),
                )
            )
        for field in _fields_to_plot(hot, top_fields):
            figures.append(("", hotspot_timeseries(hot, field)))
    intro = (
        f"共 {hot['field'].nunique() if len(hot) else 0} 个领域，{n_flag} 个热点格。预期数由该领域自身的"
        "历史数据（同期季节、趋势、在册许可数）推算，仅使用当期及以前的数据；预警上限为预期的 99% 上限。"
        "柱状为实际数，实线为预期数，虚线为预警上限，★ 为热点，空心圆为超上限但经多重比较校正后不显著。"
        "热点只是提示“这里值得关注”，是否开展提示提醒或约谈由人工决定。"
    )
    return write_chart_page(figures, path, title=f"{noun}热点分析", intro=intro)


def _fields_to_plot(hot: pd.DataFrame, n: int) -> list[str]:
    flagged = hot[hot["flagged"]]
    if flagged.empty:
        return top_fields(hot, min(n, 3))
    return top_fields(hot[hot["field"].isin(flagged["field"].unique())], n)
