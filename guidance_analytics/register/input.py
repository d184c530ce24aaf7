"""Reading the chosen actions for the register: a DataFrame or the reviewed candidates sheet.

Columns are matched by label, never by position, so the review file written by
``ws.write_candidates`` (Chinese headers, title rows above the header), a DataFrame from
``ws.candidates()`` (English names) and a hand-made sheet all work. :func:`read_chosen` returns
one canonical frame:

``business_id``, ``uscc``, ``name``, ``township``, ``industry``, ``action``, ``score``,
``reasons``, ``evidence``, ``catalog_item``, ``legal_basis``, ``as_of`` (datetime), ``adopted``
(bool), ``officers``, ``planned_on`` (datetime, NaT when not given), ``planned_bad`` (bool: a
计划时间 that could not be read), ``remarks``, ``permit_item``, ``place``, ``row_number`` (1-based
data row of the sheet or position in the frame).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputFileError
from ..ingest import header_key, parse_dates, read_batches

#: canonical column → accepted header labels (compared after :func:`guidance_analytics.ingest.header_key`)
ALIASES: dict[str, tuple[str, ...]] = {
    "business_id": ("主体标识", "business_id", "主体编号"),
    "uscc": ("统一社会信用代码", "社会信用代码", "uscc"),
    "name": ("行政相对人名称", "相对人名称", "指导对象", "name", "target_name"),
    "township": ("所属乡镇", "所属乡镇(街道)", "乡镇", "township"),
    "industry": ("行业", "行业代码", "industry", "industry_code"),
    "action": ("建议方式", "指导方式", "action", "method"),
    "score": ("风险分", "风险评分", "score"),
    "reasons": ("理由", "推荐理由", "存在问题", "reasons"),
    "evidence": ("证据", "evidence"),
    "catalog_item": ("事项编码", "catalog_item"),
    "legal_basis": ("指导依据", "legal_basis"),
    "as_of": ("评估基准日", "基准日", "as_of"),
    "adopted": ("是否采纳", "adopted"),
    "officers": ("指导人员", "officers", "officer"),
    "planned_on": ("计划时间", "指导时间", "planned_on", "guided_on"),
    "remarks": ("备注", "remarks"),
    "permit_item": ("许可事项", "关联许可事项", "permit_item"),
    "place": ("指导地点", "place"),
}
TEXT_COLUMNS = (
    "business_id",
    "uscc",
    "name",
    "township",
    "industry",
    "action",
    "reasons",
    "evidence",
    "catalog_item",
    "legal_basis",
    "officers",
    "remarks",
    "permit_item",
    "place",
)
YES = {"是", "y", "yes", "true", "1", "√", "采纳", "同意"}


def alias_map() -> dict[str, str]:
    """Header key → canonical column, for :func:`guidance_analytics.ingest.read_batches`."""
    return {header_key(label): canon for canon, labels in ALIASES.items() for label in labels}


def _clean_text(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def join_officers(value: Any) -> Any:
    """指导人员 as one text joined by ``、`` (any of ``、,，;；/`` or spaces separate names); None if empty.

    >>> join_officers("张三, 李四；王五")
    '张三、李四、王五'
    """
    text = _clean_text(value)
    if text is None:
        return None
    parts = [p for p in re.split(r"[、,，;；/\s]+", text) if p]
    return "、".join(parts) or None


def _dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates given as text, dates, timestamps or Excel serials."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    bad = pd.Series(False, index=values.index)
    as_text: dict[Any, str] = {}
    for idx, value in values.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
            out[idx] = pd.Timestamp(value)
        elif str(value).strip():
            as_text[idx] = str(value).strip()
    if as_text:
        parsed, wrong = parse_dates(pd.Series(as_text, dtype="str"))
        out.loc[parsed.index] = parsed
        bad.loc[wrong.index] = wrong
    return out.dt.normalize(), bad


def _industry_code(value: Any) -> Any:
    text = _clean_text(value)
    if text is None:
        return None
    match = re.match(r"^\s*([A-T]?\d{2,4})", text)
    return match.group(1) if match else None


def _frame_from_path(path: Path) -> tuple[pd.DataFrame, bool]:
    table = read_batches(path, alias=alias_map(), personal=())
    parts = [table.canonical(raw) for raw in table.batches()]
    if not parts:
        return pd.DataFrame(columns=list(ALIASES)), True
    frame = pd.concat(parts, ignore_index=True)
    if "adopted" not in frame.columns:
        raise InputFileError(f"复核清单 {path.name} 中没有「是否采纳」列：只登记标为“是”的行")
    frame = frame.rename(columns={"row_number": "_row"}).drop(columns=["source_row"], errors="ignore")
    return frame, True


def _frame_from_df(df: pd.DataFrame) -> pd.DataFrame:
    lookup = alias_map()
    renamed: dict[str, str] = {}
    for col in df.columns:
        canon = lookup.get(header_key(col))
        if canon is not None and canon not in renamed.values():
            renamed[col] = canon
    frame = df[list(renamed)].rename(columns=renamed).reset_index(drop=True)
    frame["_row"] = range(1, len(frame) + 1)
    return frame


def read_chosen(chosen: Any) -> tuple[pd.DataFrame, str]:
    """Read the chosen actions; return the canonical frame (see module doc) and a source label.

    Parameters
    ----------
    chosen : a DataFrame (rows of ``ws.candidates()``, optionally with 指导人员 / 计划时间 /
        是否采纳 columns) or the path of a reviewed candidates sheet (.xlsx/.csv).

    Raises
    ------
    InputFileError
        The file cannot be read, or a sheet has no 是否采纳 column.
    """
    if isinstance(chosen, str | Path):
        path = Path(chosen)
        frame, _ = _frame_from_path(path)
        source = path.name
    elif isinstance(chosen, pd.DataFrame):
        frame = _frame_from_df(chosen)
        source = "DataFrame"
    else:
        raise TypeError("chosen must be a DataFrame or the path of a reviewed candidates sheet")
    out = pd.DataFrame(index=frame.index)
    for col in TEXT_COLUMNS:
        values = frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        clean = join_officers if col == "officers" else _clean_text
        out[col] = pd.Series([clean(v) for v in values], index=frame.index, dtype=object)
    out["uscc"] = pd.Series(
        [v.upper() if isinstance(v, str) else None for v in out["uscc"]], index=frame.index, dtype=object
    )
    out["industry_code"] = pd.Series(
        [_industry_code(v) for v in out["industry"]], index=frame.index, dtype=object
    )
    score = frame["score"] if "score" in frame.columns else pd.Series(dtype=float, index=frame.index)
    out["score"] = pd.to_numeric(score, errors="coerce")
    if "adopted" in frame.columns:
        out["adopted"] = frame["adopted"].map(
            lambda v: str(v).strip().lower() in YES if _clean_text(v) else False
        )
    else:
        out["adopted"] = True
    for col in ("planned_on", "as_of"):
        values = frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        out[col], bad = _dates(values)
        if col == "planned_on":
            out["planned_bad"] = bad
    out["row_number"] = frame["_row"].astype(int)
    return out.reset_index(drop=True), source
