"""Drill-down: the records behind a hotspot cell, so that an analyst can check a flag.

:func:`hotspot_records` takes one row of :func:`~guidance_analytics.hotspots.hotspots` (a flag) and
returns the inspections, penalties and complaints counted in it — over all the months of the test
that fired (a window test covers 2 or 3 months). The query (``sql/hotspots/records.sql``) keys the
records exactly as the panel does, so the records of a cell add up to its ``observed``
(``observed_window`` for a window). No personal data is read: no complainant, content, phone or
inspector column.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core import WorkspaceLike
from .panels import PAIR_SEP, parse_by, parse_measure

__all__ = ["RECORD_COLUMNS", "RECORD_HEADERS", "cell_name", "hotspot_records", "records_of_flags"]

RECORD_COLUMNS = [
    "kind",
    "record_no",
    "known_on",
    "business_id",
    "name",
    "uscc",
    "industry_code",
    "township",
    "violation_type",
    "category_top",
    "inspection_type",
    "result",
    "problems",
    "penalty_types",
    "fine_yuan",
    "request_type",
    "substantiated",
    "received_at",
    "closed_at",
    "problem",
]
#: Chinese headers of the records sheet
RECORD_HEADERS = {
    "cell": "热点",
    "kind": "记录类型",
    "record_no": "编号（检查编号/决定书文号/工单编号）",
    "known_on": "日期（检查/决定/受理或办结）",
    "business_id": "主体标识",
    "name": "名称（行政相对人/被反映对象）",
    "uscc": "统一社会信用代码",
    "industry_code": "行业代码",
    "township": "所属乡镇（街道）",
    "violation_type": "违法行为类型",
    "category_top": "事项分类",
    "inspection_type": "检查类型",
    "result": "结果（检查结果/办理结果）",
    "problems": "发现问题",
    "penalty_types": "处罚种类",
    "fine_yuan": "罚款金额（元）",
    "request_type": "诉求类型",
    "substantiated": "是否属实",
    "received_at": "受理时间",
    "closed_at": "办结时间",
    "problem": "计入违法",
}
_KIND_LABELS = {"inspection": "检查", "penalty": "行政处罚", "complaint": "12345工单"}
_STEP = {"W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1), "Q": pd.DateOffset(months=3)}


def _freq_of(row: dict[str, Any]) -> str:
    days = (pd.Timestamp(row["period_end"]) - pd.Timestamp(row["period_start"])).days
    return "W" if days < 10 else ("M" if days < 40 else "Q")


def hotspot_records(
    ws: WorkspaceLike,
    flag_row: Any,
    *,
    include_penalties: bool = True,
    request_types: list[str] | None = None,
    all_inspections: bool = False,
) -> pd.DataFrame:
    """The inspections, penalties and complaints counted in one hotspot cell.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace the hotspots were computed on.
    flag_row : pandas.Series, dict or namedtuple
        A row of :func:`~guidance_analytics.hotspots.hotspots` (``by``, ``field``, ``period_start``,
        ``period_end``, ``measure`` and, for window tests, ``window``).
    include_penalties, request_types : as given to ``hotspots`` (they are not in the row).
    all_inspections : also list the inspections that found nothing (the effort behind a violation
        flag; their ``problem`` is False).

    Returns
    -------
    pandas.DataFrame
        ``RECORD_COLUMNS``: ``kind`` (``inspection`` / ``penalty`` / ``complaint``), ``record_no``
        (检查编号 / 行政处罚决定书文号 / 工单编号), ``known_on`` (the day it counts from), ``business_id``,
        ``name``, ``uscc``, ``industry_code``, ``township``, ``violation_type``, ``category_top``,
        ``inspection_type``, ``result``, ``problems``, ``penalty_types``, ``fine_yuan``, ``request_type``,
        ``substantiated``, ``received_at``, ``closed_at``, ``problem`` (counted as a violation); then
        ``period_start`` (the month of the record). Sorted by date.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> row = {"by": "industry", "field": "H62", "period_start": "2024-07-01",
    ...        "period_end": "2024-07-31", "measure": "violations"}
    >>> hotspot_records(ws, row).empty
    True
    """
    row = _as_dict(flag_row)
    freq = _freq_of(row)
    start = pd.Timestamp(row["period_start"])
    window = int(row.get("window") or 1)
    first = start - _STEP[freq] * (max(window, 1) - 1)
    dims = parse_by(row["by"])
    keys = str(row["field"]).split(PAIR_SEP) if len(dims) > 1 else [str(row["field"])]
    measure, subst = parse_measure(str(row.get("measure") or "violations"))
    df = ws.store.query(
        "hotspots/records",
        measure=measure,
        dim1=dims[0],
        dim2=dims[1] if len(dims) > 1 else None,
        field1=keys[0],
        field2=keys[1] if len(keys) > 1 else None,
        first=first.date(),
        last=pd.Timestamp(row["period_end"]).date(),
        substantiated=subst,
        request_types=list(request_types) if request_types else None,
        include_penalties=include_penalties,
        all_inspections=all_inspections,
    )
    out = df.reindex(columns=RECORD_COLUMNS)
    known = pd.to_datetime(out["known_on"])
    out["known_on"] = known
    out["period_start"] = known.dt.to_period({"W": "W-SUN", "M": "M", "Q": "Q"}[freq]).dt.start_time
    return out.reset_index(drop=True)


def _as_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, pd.Series):
        return row.to_dict()
    if isinstance(row, dict):
        return row
    if hasattr(row, "_asdict"):
        return row._asdict()
    raise TypeError("flag_row must be a row of the hotspot table (Series, dict or namedtuple)")


def cell_name(row: dict[str, Any]) -> str:
    """The name of a hotspot cell in the records sheet and page: ``领域 2024年7月（连续3个月）``
    (a week: ``领域 2024年7月1日起（单周）``).

    >>> cell_name({"field": "H62", "field_label": "餐饮业(H62)", "period_start": "2024-07-01", "test": "单月"})
    '餐饮业(H62) 2024年7月（单月）'
    """
    t = pd.Timestamp(row["period_start"])
    end = row.get("period_end")
    weekly = end is not None and pd.notna(end) and (pd.Timestamp(end) - t).days < 10
    when = f"{t.year}年{t.month}月{t.day}日起" if weekly else f"{t.year}年{t.month}月"
    name = f"{row.get('field_label', row['field'])} {when}"
    return name + (f"（{row['test']}）" if row.get("test") else "")


def records_of_flags(ws: WorkspaceLike, hot: pd.DataFrame, limit: int = 50, **kwargs: Any) -> pd.DataFrame:
    """The records of the flagged cells of a hotspot table (the most recent ``limit`` flags), with a
    ``cell`` column naming the cell (``领域 期间（检验）``) and the Chinese record kind.

    ``kwargs`` go to :func:`hotspot_records`.
    """
    flagged = hot[hot["flagged"]].sort_values("period_start", ascending=False).head(limit)
    parts = []
    for r in flagged.to_dict("records"):
        rec = hotspot_records(ws, r, **kwargs)
        if not rec.empty:
            parts.append(rec.assign(cell=cell_name(r)))
    if not parts:
        return pd.DataFrame(columns=["cell", *RECORD_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    out["kind"] = out["kind"].map(_KIND_LABELS).fillna(out["kind"])
    return out[["cell", *RECORD_COLUMNS]]
