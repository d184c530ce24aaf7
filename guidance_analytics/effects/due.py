"""The follow-up list (案件回访): register entries waiting for a result or a return visit.

Part of :mod:`guidance_analytics.effects`. Results recorded with ``record_result`` leave the
list and feed the work report's 典型案例; a 案件回访 registered for the business closes its
revisit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core import WorkspaceLike, rules
from ..register import entry_no
from .follow_up import resolve_as_of

DUE_COLUMNS = [
    "entry_no",
    "year",
    "seq",
    "guided_on",
    "method",
    "target_name",
    "unit",
    "matter",
    "business_id",
    "due_on",
    "days_overdue",
    "reason",
]
#: Chinese headers for people.
DUE_HEADERS = {
    "entry_no": "登记编号",
    "guided_on": "指导日期",
    "method": "指导方式",
    "target_name": "指导对象",
    "unit": "实施科室",
    "matter": "指导事项",
    "due_on": "应办日期",
    "days_overdue": "逾期天数",
    "reason": "待办事项",
}


def follow_up_due(
    ws: WorkspaceLike,
    as_of: Any = None,
    *,
    result_days: int | None = None,
    revisit_days: int | None = None,
) -> pd.DataFrame:
    """Entries due a follow-up: 指导结果 missing past ``result_days``, or a 约谈 / 劝导警示 without a
    案件回访 after ``revisit_days`` (defaults: ``[follow_up]`` in ``config/effects.toml``).

    Returns
    -------
    pandas.DataFrame
        One row per entry and reason, oldest due first: ``entry_no``, ``year``, ``seq``,
        ``guided_on``, ``method``, ``target_name``, ``unit``, ``matter``, ``business_id``,
        ``due_on``, ``days_overdue``, ``reason`` (Chinese).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> follow_up_due(ws, "2025-01-01").empty
    True
    """
    cfg = rules(ws, "effects").get("follow_up", {})
    day = resolve_as_of(ws, as_of)
    rd = int(cfg.get("result_due_days", 30) if result_days is None else result_days)
    vd = int(cfg.get("revisit_days", 90) if revisit_days is None else revisit_days)
    due = ws.store.query(
        "effects/follow_up_due",
        as_of=day.date(),
        result_days=rd,
        revisit_days=vd,
        revisit_methods=list(cfg.get("revisit_methods", ["约谈", "劝导警示"])),
    )
    if due.empty:
        return pd.DataFrame(columns=DUE_COLUMNS)
    due["entry_no"] = [entry_no(y, s) for y, s in zip(due["year"], due["seq"], strict=True)]
    due["days_overdue"] = pd.to_numeric(due["days_overdue"]).astype(int)
    due["reason"] = [
        f"指导后{rd}天仍未填写指导结果，请补录（record_result）"
        if k == "result"
        else f"{m}后{vd}天尚未开展案件回访，请安排回访并登记"
        for k, m in zip(due["kind"], due["method"], strict=True)
    ]
    return due[DUE_COLUMNS].reset_index(drop=True)
