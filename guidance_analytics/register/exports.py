"""Spreadsheets out of the register: the 登记簿 in the form's layout and the city filing batch.

Both go through :func:`guidance_analytics.core.write_table`, so business names or reasons that
start like a formula (``=HYPERLINK(...)``, ``+1-2``) stay text in .xlsx and .csv alike. Both are
for outside eyes: they carry the matter, the dates and the numbers — never the reviewer's 理由,
scores or ranks (:mod:`~guidance_analytics.targeting.outward` checks every cell). The register
prints like 附件4 of the plan: the bureau's name, then 行政指导事项登记簿, A4 landscape, title rows on
every page, fitted to the page width, long text wrapped; 序号 is the entry's number written as
everywhere else (``2025年第001号``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core import WorkspaceLike, rules, write_table
from ..errors import RegisterError
from ..targeting import check_outward
from .entries import audit_trail, register

FILING_FILE = "filing_columns.toml"

#: the five columns of the printed 行政指导事项登记簿, then the extensions
REGISTER_LAYOUT = {
    "entry_no": "序号",
    "guided_on": "时间",
    "matter_line": "指导事项",
    "result": "指导结果",
    "officers": "指导人员",
    "uscc": "统一社会信用代码",
    "unit": "实施科室",
    "catalog_item": "事项编码",
    "doc_no": "文书编号",
    "effect": "指导取得的效益、效果",
    "status": "状态",
    "note": "作废/更正说明",
}
#: column widths of the printed register (characters; CJK counts double)
REGISTER_WIDTHS = {
    "序号": 14,
    "时间": 15,
    "指导事项": 32,
    "指导结果": 14,
    "指导人员": 10,
    "统一社会信用代码": 20,
    "实施科室": 8,
    "事项编码": 12,
    "文书编号": 24,
    "指导取得的效益、效果": 14,
    "状态": 6,
    "作废/更正说明": 14,
}


def _check_cells(table: pd.DataFrame, config: dict[str, Any], what: str) -> None:
    """Every text cell of a table for outside eyes is free of internal words."""
    for col in table.columns:
        for i, value in enumerate(table[col]):
            if isinstance(value, str):
                check_outward(value, config, f"{what}第{i + 1}行「{col}」")


def _register_rows(
    ws: WorkspaceLike, year: int | None, start: Any, end: Any, include_void: bool
) -> pd.DataFrame:
    return register(ws, year, start=start, end=end, include_void=include_void)


def _period_label(year: int | None, start: Any, end: Any) -> str:
    if year is not None:
        return f"{year}年度"
    if start is not None or end is not None:
        a = "" if start is None else f"{pd.Timestamp(start):%Y年%m月%d日}"
        b = "" if end is None else f"{pd.Timestamp(end):%Y年%m月%d日}"
        return f"{a}至{b}"
    return "全部年度"


def register_table(
    ws: WorkspaceLike, year: int | None = None, start: Any = None, end: Any = None, include_void: bool = True
) -> pd.DataFrame:
    """The register as people read it (Chinese headers, form's five columns first)."""
    reg = _register_rows(ws, year, start, end, include_void)
    reg["matter_line"] = [
        f"{t}：{m}（{k}）"
        for t, m, k in zip(reg["target_name"].fillna(""), reg["matter"], reg["method"], strict=True)
    ]
    reg["guided_on"] = reg["guided_on"].dt.date
    reg["doc_no"] = reg["doc_no"].str.replace("；", "\n", regex=False)
    trail = audit_trail(ws)
    notes = {}
    for row in trail[trail["action"].isin(["作废", "更正"])].to_dict("records"):
        text = f"{row['changed_at']:%Y-%m-%d} {row['by_whom']}{row['action']}"
        if row["action"] == "更正":
            text += f"{row['field']}"
        text += f"：{row['reason']}"
        notes.setdefault((row["year"], row["seq"]), []).append(text)
    reg["note"] = [
        ("；".join(notes.get((y, s), [])) or None) for y, s in zip(reg["year"], reg["seq"], strict=True)
    ]
    return reg[list(REGISTER_LAYOUT)].rename(columns=REGISTER_LAYOUT)


def export_register(
    ws: WorkspaceLike,
    path: str | Path,
    year: int | None = None,
    *,
    start: Any = None,
    end: Any = None,
    include_void: bool = True,
) -> Path:
    """Write the register (.xlsx in the form's layout, or .csv with BOM) for a year or date range.

    Title rows as on 附件4 (沂源县行政审批服务局, 行政指导事项登记簿, then the period); columns 序号 ·
    时间 · 指导事项 · 指导结果 · 指导人员 first, then 统一社会信用代码, 实施科室, 事项编码, 文书编号,
    指导取得的效益、效果, 状态, 作废/更正说明. 序号 is the entry's number (``2025年第001号``). Voided
    entries stay listed (状态 已作废) unless ``include_void=False``. The .xlsx prints on A4
    landscape, fitted to the page width, with the title rows repeated on every page.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    path : str or Path
        Destination ``.xlsx`` (form layout, title rows) or ``.csv`` (UTF-8 with BOM).
    year : int, optional
        Only this register year.
    start, end : date-like, optional
        Only entries with 指导时间 in ``[start, end]``.
    include_void : bool
        Keep voided entries in the list.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> export_register(ws, Path(ws.exports_dir) / "登记簿.csv").suffix
    '.csv'
    """
    config = rules(ws, "register")
    with ws.store.connect(read_only=True):
        table = register_table(ws, year, start, end, include_void)
    _check_cells(table, config, "登记簿")
    return write_table(
        table,
        path,
        title=[config["unit"]["name"], "行政指导事项登记簿"],
        subtitle=_period_label(year, start, end),
        sheet_name="登记簿",
        column_widths=REGISTER_WIDTHS,
        page={
            "orientation": "landscape",
            "fit_width": True,
            "repeat_titles": True,
            "wrap": True,
            "footer": "行政指导事项登记簿　",
            "date_format": 'yyyy"年"m"月"d"日"',
        },
    )


def filing_table(
    ws: WorkspaceLike, year: int | None = None, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """One row per (non-voided) entry with the configured filing columns."""
    reg = _register_rows(ws, year, start, end, include_void=False)
    reg["content"] = reg["opinion"].fillna(reg["catalog_content"])
    reg["guided_on"] = reg["guided_on"].dt.date  # a date cell in .xlsx, 2024-05-06 in .csv
    columns = [(c["header"], c["field"]) for c in rules(ws, "filing_columns").get("columns", [])]
    unknown = [f for _, f in columns if f not in reg.columns]
    if unknown:
        raise RegisterError(f"备案列配置 {FILING_FILE} 中有未知字段：{'、'.join(unknown)}")
    return pd.DataFrame({header: reg[field].to_numpy() for header, field in columns})


def export_filing_batch(
    ws: WorkspaceLike, path: str | Path, year: int | None = None, *, start: Any = None, end: Any = None
) -> Path:
    """Write the filing batch for 淄博市涉企检查网络备案系统「行政指导专区」(.xlsx, or .csv UTF-8 BOM).

    Columns and their order come from ``config/filing_columns.toml`` (default: 统一社会信用代码,
    行政相对人名称, 指导时间, 指导方式, 指导事项, 指导内容, 指导结果, 指导人员, 文书编号, 实施科室).
    Voided entries are left out.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    path : str or Path
        Destination ``.xlsx`` or ``.csv`` (UTF-8 with BOM).
    year : int, optional
        Only this register year.
    start, end : date-like, optional
        Only entries with 指导时间 in ``[start, end]``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    table = filing_table(ws, year, start, end)
    _check_cells(table, rules(ws, "register"), "备案批次")
    return write_table(table, path, sheet_name="行政指导备案")
