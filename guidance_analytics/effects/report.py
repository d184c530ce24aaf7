"""The work report sent upward (工作总结): actions, hotspots followed up, effects, typical cases.

``work_report(ws, start, end)`` gathers the tables; ``write_work_report(report, path)`` writes
them as .xlsx (one sheet each), .html (tables and charts, offline) or .docx (the bureau's style:
方正小标宋 title, 仿宋 body). Part of :mod:`guidance_analytics.effects`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from ..core import WorkspaceLike, to_date, write_table
from ..hotspots import hotspots
from ..register import register
from .due import follow_up_due
from .follow_up import effect_study

#: Words of a 指导结果 that make an entry a candidate 典型案例 (a documented good result).
GOOD_RESULT_WORDS = ("已整改", "整改到位", "整改完毕", "已规范", "已落实", "已完善", "未再发生")
BODY_FONT, TITLE_FONT = "仿宋_GB2312", "方正小标宋简体"


@dataclass
class WorkReport:
    """The tables of the report (each a DataFrame with Chinese column names, ready to print)."""

    start: Any
    end: Any
    overview: pd.DataFrame
    by_unit: pd.DataFrame
    by_method: pd.DataFrame
    by_result: pd.DataFrame
    hotspots: pd.DataFrame
    effects: pd.DataFrame
    randomised: pd.DataFrame
    typical_cases: pd.DataFrame
    follow_up: pd.DataFrame

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        """(heading, table) in the report's order."""
        return [
            ("一、总体情况", self.overview),
            ("二、按实施科室", self.by_unit),
            ("三、按指导方式", self.by_method),
            ("四、指导结果", self.by_result),
            ("五、高发领域及跟进", self.hotspots),
            ("六、指导效果评估", self.effects),
            ("七、随机抽取对照评估", self.randomised),
            ("八、典型案例（候选）", self.typical_cases),
            ("九、待回访事项", self.follow_up),
        ]


def _count(frame: pd.DataFrame, column: str, label: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[label, "指导次数", "涉及主体数"])
    values = frame[column].fillna("（未填写）").astype(str)
    out = (
        frame.assign(_k=values)
        .groupby("_k")
        .agg(指导次数=("seq", "size"), 涉及主体数=("business_id", "nunique"))
    )
    return out.sort_values("指导次数", ascending=False).rename_axis(label).reset_index()


def _hotspot_follow(ws: WorkspaceLike, entries: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    cols = ["高发领域", "期间", "实际数", "预期数", "随后90天内的行政指导次数"]
    try:
        flags = hotspots(ws, "violations", "industry", "M", start=start, end=end)
    except ValueError:
        return pd.DataFrame(columns=cols)
    flags = flags[flags["flagged"]]
    if flags.empty:
        return pd.DataFrame(columns=cols)
    div = entries["industry_code"].fillna("").astype(str).str[:2]
    days = pd.to_datetime(entries["guided_on"])
    rows = []
    for r in flags.itertuples(index=False):
        after = pd.Timestamp(r.period_end)
        n = int(
            (
                (div == str(r.field)[:2])
                & (days > after - pd.Timedelta(days=31))
                & (days <= after + pd.Timedelta(days=90))
            ).sum()
        )
        rows.append(
            [
                getattr(r, "field_label", r.field),
                f"{pd.Timestamp(r.period_start):%Y-%m}",
                int(r.observed),
                round(float(r.expected), 1),
                n,
            ]
        )
    return pd.DataFrame(rows, columns=cols)


def work_report(
    ws: WorkspaceLike, start: Any, end: Any, *, window_months: int = 6, n_boot: int = 300
) -> WorkReport:
    """The section's work report for ``[start, end]`` (tables with Chinese headers).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    start, end : date-like
        The period reported (guidance dates and hotspot periods within it).
    window_months : int
        Post window of the effect figures (evaluated as of ``end``).
    n_boot : int
        Bootstrap resamples of the effect figures.

    Returns
    -------
    WorkReport
        ``overview``, ``by_unit`` (实施科室), ``by_method`` (指导方式), ``by_result`` (指导结果),
        ``hotspots`` (flagged fields of the period and the guidance that followed within 90 days),
        ``effects`` (violations row of every method: estimate, interval, verdict and reason),
        ``randomised`` (the draws' estimate), ``typical_cases`` (entries with a documented good
        result: candidate 典型案例), ``follow_up`` (entries due a follow-up at ``end``).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> rep = work_report(ws, "2024-01-01", "2024-12-31")
    >>> rep.overview.set_index("项目").loc["行政指导次数", "内容"]
    '0'
    """
    s, e = to_date(start), to_date(end)
    entries = register(ws, start=s, end=e)
    study = effect_study(ws, window_months, as_of=e, n_boot=n_boot)
    eff = study.summary[study.summary["outcome"] == "violations"]
    effects = pd.DataFrame(
        {
            "指导方式": eff["method"],
            "已评估户次": eff["n_cases"],
            "效果估计（件/户）": eff["estimate"].round(2),
            "置信区间": [
                "—" if pd.isna(a) else f"{a:+.2f} 至 {b:+.2f}"
                for a, b in zip(eff["ci_low"], eff["ci_high"], strict=True)
            ],
            "结论": eff["verdict"],
            "理由": eff["reason"],
        }
    )
    rnd = study.randomised
    randomised = (
        pd.DataFrame(
            {
                "指导方式": rnd["method"],
                "候选户数": rnd["n_pool"],
                "抽中户数": rnd["n_drawn"],
                "效果估计（件/户）": rnd["estimate"].round(2),
                "置信区间": [
                    f"{a:+.2f} 至 {b:+.2f}" for a, b in zip(rnd["ci_low"], rnd["ci_high"], strict=True)
                ],
                "结论": rnd["verdict"],
            }
        )
        if len(rnd)
        else pd.DataFrame({"说明": ["本期没有已到随访期的随机抽取名单。"]})
    )
    good = (
        entries[entries["result"].fillna("").str.contains("|".join(GOOD_RESULT_WORDS))]
        if len(entries)
        else entries
    )
    typical = pd.DataFrame(
        {
            "登记编号": good.get("entry_no", pd.Series(dtype=str)),
            "指导日期": pd.to_datetime(good.get("guided_on", pd.Series(dtype="datetime64[us]"))).dt.strftime(
                "%Y-%m-%d"
            ),
            "指导方式": good.get("method", pd.Series(dtype=str)),
            "指导对象": good.get("target_name", pd.Series(dtype=str)),
            "指导事项": good.get("matter", pd.Series(dtype=str)),
            "指导结果": good.get("result", pd.Series(dtype=str)),
        }
    )
    due = follow_up_due(ws, e)
    follow = due.rename(
        columns={
            "entry_no": "登记编号",
            "method": "指导方式",
            "target_name": "指导对象",
            "reason": "待办事项",
            "days_overdue": "逾期天数",
        }
    )[["登记编号", "指导方式", "指导对象", "待办事项", "逾期天数"]]
    n_results = int(entries["result_recorded"].sum()) if len(entries) and "result_recorded" in entries else 0
    top = eff[eff["method"] == "全部"]
    overview = pd.DataFrame(
        [
            ("报告期间", f"{s:%Y年%m月%d日}至{e:%Y年%m月%d日}"),
            ("行政指导次数", str(len(entries))),
            ("涉及主体数", str(entries["business_id"].nunique() if len(entries) else 0)),
            ("已填写指导结果", str(n_results)),
            ("典型案例候选", str(len(typical))),
            ("待回访事项", str(len(due))),
            ("总体效果结论", f"{top['verdict'].iloc[0]}：{top['reason'].iloc[0]}" if len(top) else "—"),
        ],
        columns=["项目", "内容"],
    )
    return WorkReport(
        start=s,
        end=e,
        overview=overview,
        by_unit=_count(entries, "unit", "实施科室"),
        by_method=_count(entries, "method", "指导方式"),
        by_result=_count(entries, "result", "指导结果"),
        hotspots=_hotspot_follow(ws, entries, s, e),
        effects=effects,
        randomised=randomised,
        typical_cases=typical,
        follow_up=follow,
    )


def _title(report: WorkReport) -> str:
    return f"行政指导工作情况报告（{report.start:%Y年%m月%d日}至{report.end:%Y年%m月%d日}）"


def _html(report: WorkReport) -> str:
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{html.escape(_title(report))}</title>",
        "<style>body{font-family:'FangSong','仿宋',serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}</style></head><body>",
        f"<h1>{html.escape(_title(report))}</h1>",
    ]
    first = True
    for heading, table in report.sections():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(table.to_html(index=False, escape=True, na_rep="—"))
        if heading.endswith("按指导方式") and len(table):
            fig = go.Figure(go.Bar(x=table["指导方式"], y=table["指导次数"]))
            fig.update_layout(
                title="各指导方式的指导次数", xaxis_title="指导方式", yaxis_title="次数", height=320
            )
            parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if first else False))
            first = False
    parts.append("</body></html>")
    return "\n".join(parts)


def _docx(report: WorkReport, path: Path) -> None:
    def font(run: Any, name: str, size: float, bold: bool = False) -> None:
        run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    p = doc.add_paragraph()
    p.alignment = 1
    font(p.add_run(_title(report)), TITLE_FONT, 22)
    for heading, table in report.sections():
        font(doc.add_paragraph().add_run(heading), "黑体", 16)
        if table.empty:
            font(doc.add_paragraph().add_run("本期无。"), BODY_FONT, 16)
            continue
        t = doc.add_table(rows=1, cols=len(table.columns))
        t.style = "Table Grid"
        for cell, name in zip(t.rows[0].cells, table.columns, strict=True):
            font(cell.paragraphs[0].add_run(str(name)), BODY_FONT, 12, bold=True)
        for values in table.itertuples(index=False):
            cells = t.add_row().cells
            for cell, v in zip(cells, values, strict=True):
                font(cell.paragraphs[0].add_run("—" if pd.isna(v) else str(v)), BODY_FONT, 12)
    doc.save(path)


def write_work_report(report: WorkReport, path: str | Path) -> Path:
    """Write the report as .xlsx, .html or .docx (by the suffix); return the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        path.write_text(_html(report), encoding="utf-8")
    elif suffix == ".docx":
        _docx(report, path)
    elif suffix == ".xlsx":
        sections = report.sections()
        extra = {h.split("、", 1)[1][:31]: t for h, t in sections[1:]}
        write_table(sections[0][1], path, title=_title(report), sheet_name="总体情况", extra_sheets=extra)
    else:
        raise ValueError(f"报告格式不支持：{path.suffix or '（无扩展名）'}，请用 .xlsx、.docx 或 .html")
    return path
