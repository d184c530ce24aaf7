"""Plotly figures of hotspots with Chinese labels, and an HTML page that gathers them.

All functions take the DataFrames returned by :mod:`guidance_analytics.hotspots` and return
``plotly.graph_objects.Figure`` objects; :func:`write_chart_page` writes several figures into one
self-contained HTML file (plotly.js embedded once, so it opens without internet access).

As staff read them: dates as ``2024年7月`` on axes and in hovers, the fields that matter first
(most hotspots, then the largest ratio), colour scales clamped so one outlier does not wash out
the rest, a heatmap's hover box in the colour of its cell, and an empty chart that says so in
words instead of showing empty numeric axes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from .panels import MEASURES
from .records import cell_name

__all__ = [
    "empty_figure",
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
EFFORT_COLOR = "#7f7f7f"


#: plotly (d3) formats of dates on axes and in hovers
MONTH_FORMAT = "%Y年%-m月"
DAY_FORMAT = "%Y年%-m月%-d日"
#: date-axis tick labels by zoom level: days, months, years — never one month written five times
DATE_TICKS = [
    dict(dtickrange=[None, "M1"], value=DAY_FORMAT),
    dict(dtickrange=["M1", "M12"], value=MONTH_FORMAT),
    dict(dtickrange=["M12", None], value="%Y年"),
]


def _period_text(s: pd.Series) -> list[str]:
    """Period labels as people write them: ``2024年7月``, ``2024年第3季度`` or ``2024年7月1日`` (weeks)."""
    days = (pd.to_datetime(s).diff().dt.days.median()) if len(s) > 1 else 31
    stamps = pd.to_datetime(s)
    if days and days < 10:
        return [f"{p.year}年{p.month}月{p.day}日" for p in stamps]
    if days and days > 80:
        return [f"{p.year}年第{(p.month - 1) // 3 + 1}季度" for p in stamps]
    return [f"{p.year}年{p.month}月" for p in stamps]


def empty_figure(message: str, title: str | None = None, height: int = 260) -> go.Figure:
    """A chart with nothing to show: the message in words, no numeric axes."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, font=dict(size=16), x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, font=_FONT, height=height, plot_bgcolor="white")
    return fig


def _cell_colours(z: np.ndarray, colorscale: str, zmin: float, zmax: float, missing: str) -> list[list[str]]:
    """The colour plotly paints each heatmap cell, so its hover box can wear the same colour."""
    flat = np.asarray(z, dtype=float).ravel()
    share = np.clip((flat - zmin) / (zmax - zmin), 0.0, 1.0)
    finite = np.isfinite(share)
    colours = np.full(flat.shape, missing, dtype=object)
    if finite.any():
        colours[finite] = sample_colorscale(colorscale, share[finite].tolist())
    return colours.reshape(np.shape(z)).tolist()


def _text_colour(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour`` (``rgb(r, g, b)`` or ``#rrggbb``)."""
    if colour.startswith("#"):
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"


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

    Colour: ``log2(实际/预期)`` clipped to ±2 (blue = below expectation, red = above), so one
    outlier does not wash out the rest; grey = not evaluated (too little history). The hover box
    has the cell's colour and shows the period (``2024年7月``), the counts, the ratio and the reason.
    """
    df = hot[hot["method"] != "none"] if "method" in hot.columns else hot
    if df.empty:
        return empty_figure("没有可评估的领域和期间（历史数据不足或没有数据）", title=title)
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
            + "（"
            + (d["observed"] / d["expected"].clip(lower=0.01)).round(1).astype(str)
            + " 倍）<br>"
            + d["reason"].astype(str)
        )
    )
    hover = hover.pivot_table(index="field", columns="period_start", values="txt", aggfunc="first")
    hover = hover.reindex(index=order, columns=periods).fillna("")
    flag = df.pivot_table(index="field", columns="period_start", values="flagged", aggfunc="first")
    flag = flag.reindex(index=order, columns=periods).fillna(False).astype(bool)
    ylab = [labels.get(f, f) if labels is not None else f for f in order]
    fill = _cell_colours(z, "RdBu_r", -2, 2, missing="#eeeeee")
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
            hoverlabel=dict(
                bgcolor=fill,
                bordercolor="#555555",
                font=dict(color=[[_text_colour(c) for c in row] for row in fill]),
            ),
            colorbar=dict(
                title="实际/预期", tickvals=[-2, -1, 0, 1, 2], ticktext=["≤1/4", "1/2", "1", "2", "≥4"]
            ),
        )
    )
    _mark_cells(fig, flag.to_numpy(), ptext, ylab, "★", "black", 14, "热点")
    if "effort_explained" in df.columns and df["effort_explained"].any():
        eff = df.pivot_table(
            index="field", columns="period_start", values="effort_explained", aggfunc="first"
        )
        eff = eff.reindex(index=order, columns=periods).fillna(False).astype(bool)
        _mark_cells(fig, eff.to_numpy(), ptext, ylab, "◇", "#555555", 13, "检查力度所致（非热点）")
    fig.update_layout(
        title=title or "各领域各期间：实际数与预期数之比（★ = 热点，◇ = 检查力度所致）",
        font=_FONT,
        xaxis_title="期间",
        yaxis_title="领域",
        height=max(320, 26 * len(order) + 160),
        plot_bgcolor="#eeeeee",
    )
    return fig


def _mark_cells(fig, mask, xlab, ylab, symbol, color, size, name) -> None:
    """Write ``symbol`` on the heatmap cells where ``mask`` (rows = ``ylab``, columns = ``xlab``) holds."""
    ys, xs = np.nonzero(mask)
    if len(ys):
        fig.add_trace(
            go.Scatter(
                x=[xlab[i] for i in xs],
                y=[ylab[j] for j in ys],
                mode="text",
                text=[symbol] * len(ys),
                textfont=dict(color=color, size=size),
                name=name,
                hoverinfo="skip",
            )
        )


def hotspot_timeseries(hot: pd.DataFrame, field: str, title: str | None = None) -> go.Figure:
    """One field over time: observed counts, expected value, upper bound, alarms and hotspots."""
    df = hot[hot["field"] == field].sort_values("period_start")
    if df.empty:
        raise ValueError(f"没有领域「{field}」的数据")
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
            hovertemplate=f"%{{x|{MONTH_FORMAT}}}<br>实际 %{{y}}<br>%{{customdata}}<extra></extra>",
        )
    )
    for column, name, dash in (("expected", "预期数", None), ("upper", "预警上限", "dash")):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df[column],
                name=name,
                mode="lines",
                line=dict(color="#333333", dash=dash),
                hovertemplate=f"%{{x|{MONTH_FORMAT}}}<br>{name} %{{y:.1f}}<extra></extra>",
            )
        )
    effort = df["effort_explained"].astype(bool) if "effort_explained" in df.columns else False
    alarm = df["alarm"].astype(bool) if "alarm" in df.columns else False
    marks = (
        (alarm & ~df["flagged"] & ~effort, "超上限但未列为热点", ALARM_COLOR, 10, "circle-open"),
        (df["flagged"], "热点", FLAG_COLOR, 11, "star"),
        (effort, "检查力度所致（非热点）", EFFORT_COLOR, 11, "diamond-open"),
    )
    for mask, name, color, size, symbol in marks:
        rows = df[mask] if isinstance(mask, pd.Series) else df.iloc[:0]
        if len(rows):
            fig.add_trace(
                go.Scatter(
                    x=rows["period_start"],
                    y=rows["observed"],
                    mode="markers",
                    name=name,
                    marker=dict(color=color, size=size, symbol=symbol),
                    customdata=rows["reason"],
                    hovertemplate=f"%{{x|{MONTH_FORMAT}}}<br>实际 %{{y}}（{name}）<br>%{{customdata}}<extra></extra>",
                )
            )
    fig.update_xaxes(tickformatstops=DATE_TICKS, hoverformat=MONTH_FORMAT)
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
    """Horizontal bars from each episode's start to its end, one row per field; colour = ratio.

    Fields that matter first (ongoing, then the largest ratio) at the top; colour clamped to
    1–4 times the expectation; dates as ``2024年7月``; an empty list says so in words.
    """
    if episodes.empty:
        return empty_figure("没有连续热点", title=title or "连续热点时间线")
    df = episodes.copy()
    df["_ongoing"] = df["ongoing"].astype(bool) if "ongoing" in df.columns else False
    df["_ratio"] = df["rate_ratio"].fillna(4.0).clip(upper=4.0)
    df = df.sort_values(["_ongoing", "_ratio", "start"], ascending=[True, True, False])  # top = last drawn
    start = pd.to_datetime(df["start"])
    end = pd.to_datetime(df["end"]) + pd.Timedelta(days=1)
    dur_ms = (end - start).dt.total_seconds() * 1000
    label = df["field_label"] if "field_label" in df.columns else df["field"]
    span = [
        f"{a.year}年{a.month}月至{b.year}年{b.month}月"
        for a, b in zip(start, pd.to_datetime(df["end"]), strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=label,
            x=dur_ms,
            base=start.dt.strftime("%Y-%m-%d"),
            orientation="h",
            marker=dict(
                color=df["_ratio"], colorscale="Reds", cmin=1, cmax=4, colorbar=dict(title="实际/预期")
            ),
            customdata=np.column_stack([span, df["reason"].astype(str)]),
            hovertemplate="%{y}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            name="连续热点",
        )
    )
    fig.update_xaxes(type="date", tickformatstops=DATE_TICKS, hoverformat=DAY_FORMAT)
    fig.update_layout(
        title=title or "连续热点时间线（每条为一段连续偏高期）",
        font=_FONT,
        xaxis_title="时间",
        yaxis_title="领域",
        height=max(300, 28 * df["field"].nunique() + 160) if "field" in df.columns else 300,
        showlegend=False,
    )
    return fig


def seasonal_heatmap(seasonal: pd.DataFrame, max_fields: int = 30, title: str | None = None) -> go.Figure:
    """Field × month-of-year (or quarter) of the pooled ratio to the yearly level; ★ = recurrent.

    Fields with recurrent seasons first, then the largest ratio; colour ``log2`` of the ratio
    clamped to ½–2 times the yearly level; the hover box in the cell's colour.
    """
    if seasonal.empty or "mean_ratio" not in seasonal.columns:
        return empty_figure("没有可评估的季节性（完整年份不足）", title=title)
    df = seasonal.copy()
    rank = df.groupby("field").agg(rec=("recurrent", "sum"), top=("mean_ratio", "max"))
    keep = rank.sort_values(["rec", "top"], ascending=False).index[:max_fields]
    df = df[df["field"].isin(keep)]
    seasons = sorted(df["season"].unique())
    labels = df.drop_duplicates("season").set_index("season")["season_label"]
    order = list(keep)[::-1]
    ratio = df.pivot_table(index="field", columns="season", values="mean_ratio").reindex(
        index=order, columns=seasons
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.clip(np.log2(ratio.to_numpy(float)), -1, 1)
    rec = df.pivot_table(index="field", columns="season", values="recurrent", aggfunc="first")
    rec = rec.reindex(index=order, columns=seasons).fillna(False).astype(bool)
    names = df.drop_duplicates("field").set_index("field")["field_label"]
    ylab = [names.get(f, f) for f in order]
    xlab = [labels[s] for s in seasons]
    fill = _cell_colours(z, "RdBu_r", -1, 1, missing="#eeeeee")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=xlab,
            y=ylab,
            zmin=-1,
            zmax=1,
            colorscale="RdBu_r",
            customdata=ratio.to_numpy(float),
            colorbar=dict(title="与全年平均之比", tickvals=[-1, 0, 1], ticktext=["≤½", "1", "≥2"]),
            hovertemplate="%{y}<br>%{x}<br>为全年平均的 %{customdata:.2f} 倍<extra></extra>",
            hoverlabel=dict(
                bgcolor=fill,
                bordercolor="#555555",
                font=dict(color=[[_text_colour(c) for c in row] for row in fill]),
            ),
        )
    )
    _mark_cells(fig, rec.to_numpy(), xlab, ylab, "★", "black", 14, "季节性热点")
    fig.update_layout(
        title=title or "季节性：各月（季）与全年平均水平之比（★ = 年年偏高）",
        font=_FONT,
        xaxis_title="时段",
        yaxis_title="领域",
        height=max(320, 26 * len(order) + 160),
        plot_bgcolor="#eeeeee",
    )
    return fig


def write_chart_page(
    figures: Iterable[tuple[str, go.Figure]] | dict[str, go.Figure],
    path: str | Path,
    title: str,
    intro: str | None = None,
    appendix: str = "",
) -> Path:
    """Write figures into one self-contained HTML page (plotly.js embedded once).

    Parameters
    ----------
    figures : ``(explanation, figure)`` pairs or a dict; each explanation (Chinese text for staff) is
        printed above its figure.
    path : the ``.html`` file to write.
    title : page title (Chinese).
    intro : a paragraph shown under the title.
    appendix : HTML (already escaped) appended after the figures (e.g. tables of records).
    """
    items = list(figures.items()) if isinstance(figures, dict) else list(figures)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:'Microsoft YaHei','PingFang SC',sans-serif;margin:24px;max-width:1280px}"
        "p.note{color:#444;line-height:1.6}"
        "table.rec{border-collapse:collapse;font-size:13px;margin:8px 0}"
        "table.rec td,table.rec th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if intro:
        parts.append(f"<p class='note'>{html.escape(intro)}</p>")
    for i, (note, fig) in enumerate(items):
        if note:
            parts.append(f"<p class='note'>{html.escape(note)}</p>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"locale": "zh-CN"}))
    if appendix:
        parts.append(appendix)
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
    records: pd.DataFrame | None = None,
) -> Path:
    """The HTML page of the README's main job: heatmap, episode timeline, seasonal heatmap (when given),
    time series of the top fields, and the list of flagged cells, each linking to the records counted
    in it (``records``: :func:`~guidance_analytics.hotspots.records_of_flags`, one ``cell`` per flag)."""
    noun = MEASURES.get(measure, ("事件",))[0]
    n_flag = int(hot["flagged"].sum()) if len(hot) else 0
    figures: list[tuple[str, go.Figure]] = []
    if len(hot):
        figures.append(
            (
                "热力图：每一格是一个领域在一个期间的实际数与预期数之比，红色越深越高于预期、蓝色低于预期，灰色表示历史"
                "数据不足未评估；★ 表示该格被列为热点（单月或连续数月明显高于预期，且与同期其他领域一并校正后"
                "仍然显著），◇ 表示件数偏高但可由检查力度（如专项检查）解释，不列为热点。",
                hotspot_heatmap(hot, title=f"{noun}：各领域各期间实际/预期（★ = 热点，◇ = 检查力度所致）"),
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
    else:
        figures.append(("", empty_figure("没有数据：所选期间内没有可评估的记录")))
    intro = (
        f"共 {hot['field'].nunique() if len(hot) else 0} 个领域，{n_flag} 个热点格。预期数由该领域自身的"
        "历史数据（全年水平、季节起伏、在册许可数）推算，仅使用当期及以前的数据；预警上限为单月检验的上限，"
        "连续数月偏高的热点由合计检验发现，可能每月都不超过上限。"
        "柱状为实际数，实线为预期数，虚线为预警上限，★ 为热点，◇ 为可由检查力度解释（非热点），"
        "空心圆为超上限但未列为热点（如件数过少或校正后不显著）。页面末尾列出每个热点格及计入它的记录。"
        "热点只是提示“这里值得关注”，是否开展提示提醒或约谈由人工决定。"
    )
    return write_chart_page(
        figures, path, title=f"{noun}热点分析", intro=intro, appendix=_flag_tables(hot, records)
    )


def _flag_tables(hot: pd.DataFrame, records: pd.DataFrame | None) -> str:
    """HTML: the flagged cells, each linking to a table of its records further down the page."""
    if hot.empty or "flagged" not in hot.columns or not hot["flagged"].any():
        return ""
    flags = hot[hot["flagged"]].sort_values("period_start", ascending=False).to_dict("records")
    groups = {} if records is None or records.empty else dict(list(records.groupby("cell", sort=False)))
    rows, sections = [], []
    for k, r in enumerate(flags):
        name = cell_name(r)
        anchor = f"rec-{k}"
        rec = groups.get(name)
        link = f"<a href='#{anchor}'>{len(rec)} 条记录</a>" if rec is not None else "（记录未列出）"
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{int(r['observed'])}</td>"
            f"<td>{r['expected']:.1f}</td><td>{html.escape(str(r['reason']))}</td><td>{link}</td></tr>"
        )
        if rec is not None:
            cols = [c for c in _RECORD_SHOWN if c in rec.columns and rec[c].notna().any()]
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_cell_text(v))}</td>" for v in row) + "</tr>"
                for row in rec[cols].itertuples(index=False)
            )
            head = "".join(f"<th>{html.escape(_RECORD_SHOWN[c])}</th>" for c in cols)
            sections.append(
                f"<h3 id='{anchor}'>{html.escape(name)}：计入的记录</h3>"
                f"<table class='rec'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                "<p><a href='#flags'>返回热点列表</a></p>"
            )
    return (
        "<h2 id='flags'>热点与记录明细</h2><p class='note'>每一行是一个热点格；点击“条记录”查看计入该格的检查、"
        "处罚或12345工单（不含个人信息），可据此核实后交相关科室。</p>"
        "<table class='rec'><thead><tr><th>热点</th><th>实际数</th><th>预期数</th><th>说明</th>"
        f"<th>记录</th></tr></thead><tbody>{''.join(rows)}</tbody></table>" + "".join(sections)
    )


#: record columns shown on the page → Chinese header
_RECORD_SHOWN = {
    "kind": "记录类型",
    "record_no": "编号",
    "known_on": "日期",
    "name": "名称",
    "uscc": "统一社会信用代码",
    "township": "乡镇（街道）",
    "industry_code": "行业代码",
    "violation_type": "违法行为类型",
    "category_top": "事项分类",
    "inspection_type": "检查类型",
    "result": "结果",
    "penalty_types": "处罚种类",
    "substantiated": "是否属实",
}


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return f"{v.year}年{v.month}月{v.day}日"
    return str(v)


def _fields_to_plot(hot: pd.DataFrame, n: int) -> list[str]:
    flagged = hot[hot["flagged"]]
    if flagged.empty:
        return top_fields(hot, min(n, 3))
    return top_fields(hot[hot["field"].isin(flagged["field"].unique())], n)
