"""Reading the chosen actions for the register: a DataFrame or the reviewed candidates sheet.

Columns are matched by label, never by position, so the review file written by
``ws.write_candidates`` (Chinese headers, title rows above the header), a DataFrame from
``ws.candidates()`` (English names) and a hand-made sheet all work. :func:`read_chosen` returns
one canonical frame:

``business_id``, ``uscc``, ``name``, ``township``, ``industry``, ``action``, ``score``,
``reasons`` (the reviewer's 理由: internal, never printed in a letter), ``evidence``, ``facts``
(存在问题: what the business's letter says), ``catalog_item``, ``legal_basis``, ``as_of``
(datetime), ``adopted`` (bool: 是否采纳 says yes), ``adopted_value`` (the 是否采纳 text as written)
and ``adopted_unclear`` (bool: a value that is neither yes nor no, e.g. 待定), ``officers``,
``planned_on`` (datetime with the time of day when one was written, NaT when not given),
``planned_has_time`` (bool), ``planned_bad`` (bool: a 计划时间 that could not be read),
``remarks``, ``permit_item``, ``place``, ``catalog_given`` (bool: the source has a 事项编码
column, so an empty one means "no catalogue item fits" and is not guessed), ``list_no`` (the sheet's 序号, when it has one),
``row_number`` (1-based data row of the sheet or position in the frame) and ``sheet_row``
(the row number a spreadsheet program shows, title and header rows counted; None for a frame).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputFileError
from ..ingest import header_key, parse_dates, read_batches, scrub_people, scrub_pii

#: canonical column → accepted header labels (compared after :func:`guidance_analytics.ingest.header_key`)
ALIASES: dict[str, tuple[str, ...]] = {
    "business_id": ("主体标识", "business_id", "主体编号"),
    "uscc": ("统一社会信用代码", "社会信用代码", "uscc"),
    "name": ("行政相对人名称", "相对人名称", "指导对象", "name", "target_name"),
    "township": ("所属乡镇", "所属乡镇(街道)", "乡镇", "township"),
    "industry": ("行业", "行业代码", "industry", "industry_code"),
    "action": ("建议方式", "指导方式", "action", "method"),
    "score": ("风险分", "风险评分", "score"),
    "reasons": ("理由", "推荐理由", "reasons"),
    "evidence": ("证据", "evidence"),
    "facts": ("存在问题（写入意见书）", "存在问题", "告知事实", "facts", "problem"),
    "catalog_item": ("事项编码", "catalog_item"),
    "legal_basis": ("指导依据", "legal_basis"),
    "as_of": ("评估基准日", "基准日", "as_of"),
    "adopted": ("是否采纳", "adopted"),
    "officers": ("指导人员", "officers", "officer"),
    "planned_on": ("计划时间", "指导时间", "planned_on", "guided_on"),
    "remarks": ("备注", "remarks"),
    "permit_item": ("许可事项", "关联许可事项", "permit_item"),
    "place": ("指导地点", "place"),
    "list_no": ("序号", "list_no"),
    "draw_id": ("抽取批次", "draw_id"),
    "inclusion_prob": ("入选概率", "inclusion_prob"),
    "channel": ("指导渠道", "渠道", "channel"),
    "decision_no": ("关联决定书文号", "关联决定书", "decision_no"),
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
    "facts",
    "catalog_item",
    "legal_basis",
    "officers",
    "remarks",
    "permit_item",
    "place",
    "list_no",
    "draw_id",
    "channel",
    "decision_no",
)
YES = {"是", "y", "yes", "true", "1", "√", "采纳", "同意"}
NO = {"否", "n", "no", "false", "0", "×", "x", "不采纳", "不同意"}
#: Reviewer free text copied into the register and the 意见书: scrubbed of people's names and
#: phone / ID numbers like imported free text (see :func:`guidance_analytics.ingest.scrub_people`).
FREE_TEXT_COLUMNS = ("reasons", "evidence", "remarks", "place")


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


def _list_no(value: Any) -> Any:
    """The sheet's 序号 as written (``5``, not ``5.0``)."""
    text = _clean_text(value)
    return text[:-2] if text is not None and re.fullmatch(r"\d+\.0", text) else text


def _dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates given as text, dates, timestamps or Excel serials (time kept)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    bad = pd.Series(False, index=values.index)
    as_text: dict[Any, str] = {}
    for idx, value in values.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
            out[idx] = pd.Timestamp(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            as_text[idx] = str(value)
        elif str(value).strip():
            as_text[idx] = str(value).strip()
    if as_text:
        parsed, wrong = parse_dates(pd.Series(as_text, dtype="str"))
        out.loc[parsed.index] = parsed
        bad.loc[wrong.index] = wrong
    return out, bad


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
    frame = frame.rename(columns={"row_number": "_row", "source_row": "_sheet_row"})
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
        clean = {"officers": join_officers, "list_no": _list_no}.get(col, _clean_text)
        out[col] = pd.Series([clean(v) for v in values], index=frame.index, dtype=object)
    for col in FREE_TEXT_COLUMNS:
        text = scrub_pii(scrub_people(out[col].astype("str")))
        out[col] = pd.Series(text.astype(object).where(text.notna(), None), index=frame.index, dtype=object)
    out["uscc"] = pd.Series(
        [v.upper() if isinstance(v, str) else None for v in out["uscc"]], index=frame.index, dtype=object
    )
    out["industry_code"] = pd.Series(
        [_industry_code(v) for v in out["industry"]], index=frame.index, dtype=object
    )
    score = frame["score"] if "score" in frame.columns else pd.Series(dtype=float, index=frame.index)
    out["score"] = pd.to_numeric(score, errors="coerce")
    prob = (
        frame["inclusion_prob"]
        if "inclusion_prob" in frame.columns
        else pd.Series(dtype=float, index=frame.index)
    )
    out["inclusion_prob"] = pd.to_numeric(prob, errors="coerce")
    if "adopted" in frame.columns:
        written = pd.Series([_clean_text(v) for v in frame["adopted"]], index=frame.index, dtype=object)
        key = written.map(lambda v: str(v).lower() if v is not None else None)
        out["adopted"] = key.isin(YES)
        out["adopted_value"] = written
        out["adopted_unclear"] = key.notna() & ~key.isin(YES) & ~key.isin(NO)
    else:
        out["adopted"] = True
        out["adopted_value"] = pd.Series(None, index=frame.index, dtype=object)
        out["adopted_unclear"] = False
    for col in ("planned_on", "as_of"):
        values = frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        parsed, bad = _dates(values)
        if col == "planned_on":
            out["planned_on"] = parsed
            out["planned_has_time"] = parsed.notna() & (parsed != parsed.dt.normalize())
            out["planned_bad"] = bad
        else:
            out[col] = parsed.dt.normalize()
    out["catalog_given"] = "catalog_item" in frame.columns
    out["row_number"] = frame["_row"].astype(int)
    sheet_row = frame["_sheet_row"] if "_sheet_row" in frame.columns else pd.Series(None, index=frame.index)
    out["sheet_row"] = pd.Series(
        [int(v) if v is not None and not pd.isna(v) else None for v in sheet_row],
        index=frame.index,
        dtype=object,
    )
    return out.reset_index(drop=True), source


def row_label(row: dict) -> str:
    """How a refusal names a row: by the sheet's 序号 and the spreadsheet row people see.

    >>> row_label({"list_no": "5", "sheet_row": 8, "row_number": 5})
    '序号5（表格第8行）'
    >>> row_label({"list_no": None, "sheet_row": None, "row_number": 2})
    '第2行'
    """
    parts = []
    if row.get("list_no"):
        parts.append(f"序号{row['list_no']}")
    if row.get("sheet_row"):
        parts.append(f"表格第{row['sheet_row']}行")
    if not parts:
        return f"第{row['row_number']}行"
    return parts[0] if len(parts) == 1 else f"{parts[0]}（{parts[1]}）"
