"""Build the sample files (one function per record kind) from the rendered record tables.

Each function formats the values the way that file's source system writes them, plants the
file's defects through :class:`~guidance_analytics.samples_write.Defects`, writes the file and
returns its path(s).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .write import (
    COMPLAINTS_CSV,
    COMPLAINTS_XLSX,
    INSPECTIONS,
    PENALTIES,
    PERMITS_CURRENT,
    PERMITS_LEGACY,
    Defects,
    dt_cn,
    dt_dash,
    dt_slash,
    excel_serial,
    export_stamp,
    fullwidth,
    stray_spaces,
    wan,
    write_csv,
    write_xlsx,
    ymd_cn,
    ymd_compact,
    ymd_dash,
    ymd_slash,
    ymd_slash0,
)

LONG_TERM = date(2099, 12, 31)
LEGACY_STATUS = {"正常": "0", "撤销": "1", "注销": "3"}


def _frame(df: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame({h: df[c] if c in df.columns else "" for h, c in mapping.items()})
    out["_defect"] = ""
    return out.reset_index(drop=True)


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["_defect"])


def _years(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def _n(base: int, scale: float) -> int:
    return max(1, int(round(base * max(scale, 1.0) ** 0.5)))


# --------------------------------------------------------------------------- permits
def write_permits(
    out: Path,
    rng: np.random.Generator,
    permits: pd.DataFrame,
    split_year: int,
    end: date,
    defects: Defects,
    scale: float,
) -> list[Path]:
    y0, y1 = split_year, end.year
    legacy = permits[permits["decision_date"].map(lambda d: d.year) <= y0].copy()
    current = permits[permits["decision_date"].map(lambda d: d.year) > y0].copy()

    # ---- legacy generation, GB18030 CSV
    name = f"permits_legacy_{y0}.csv"
    lg = legacy.assign(
        decision_date=legacy["decision_date"].map(ymd_slash),
        valid_to=legacy["valid_to"].map(ymd_slash0),
        status=legacy["status"].map(LEGACY_STATUS),
        _region="370323",
        _stamp=[
            f"{d + timedelta(days=int(rng.integers(0, 20))):%Y%m%d}{int(rng.integers(80000, 180000)):06d}"
            for d in legacy["decision_date"]
        ],
        _note=np.where(legacy["first"], "", "延续"),
    )
    lg = _frame(lg, PERMITS_LEGACY)
    kind = "permits"
    key = "行政许可决定书文号"
    defects.set_value(
        name, kind, "bad_date", "许可决定日期", lg, "许可决定日期", _n(2, scale), f"二〇{_cn_year(y0)}年", key
    )
    defects.set_value(
        name, kind, "bad_date", "许可决定日期", lg, "许可决定日期", _n(1, scale), f"{y0}/13/45", key
    )
    defects.set_value(
        name, kind, "missing_required", "许可决定日期", lg, "许可决定日期", _n(2, scale), "", key
    )
    defects.set_value(
        name,
        kind,
        "stray_spaces",
        "行政相对人名称",
        lg,
        "行政相对人名称",
        _n(5, scale),
        stray_spaces(rng),
        key,
    )
    has_code = lg["行政相对人代码_1(统一社会信用代码)"].str.len().eq(18) & ~lg[
        "行政相对人代码_1(统一社会信用代码)"
    ].str.startswith("0000")
    defects.set_value(
        name,
        kind,
        "fullwidth_code",
        "行政相对人代码_1(统一社会信用代码)",
        lg,
        "行政相对人代码_1(统一社会信用代码)",
        _n(3, scale),
        fullwidth,
        key,
        where=has_code,
    )
    lg = defects.duplicates(name, kind, lg, _n(4, scale), key)
    write_csv(out / name, _finish(lg), "gb18030")
    paths = [out / name]

    # ---- current generation, xlsx with title rows and a 说明 sheet
    name = f"permits_current_{_years(y0 + 1, y1)}.xlsx"
    cur = current.assign(
        valid_from=current["valid_from"].map(ymd_cn),
        valid_to=current["valid_to"].map(lambda d: "2099/12/31" if d == LONG_TERM else ymd_dash(d)),
        _id_type=np.where(current["subject_type"] == "个体工商户", "身份证", ""),
        _id_no="",
        _note=np.where(current["first"], "", "延续"),
    )
    cur = _frame(cur, PERMITS_CURRENT)
    key = "许可编号"
    defects.set_value(
        name, kind, "missing_required", "许可决定日期", cur, "许可决定日期", _n(3, scale), "", key
    )
    defects.set_value(name, kind, "bad_date", "有效期至", cur, "有效期至", _n(2, scale), f"{y1}/13/45", key)
    defects.set_value(
        name,
        kind,
        "stray_spaces",
        "行政相对人名称",
        cur,
        "行政相对人名称",
        _n(6, scale),
        stray_spaces(rng),
        key,
    )
    code_col = "行政相对人代码_1（统一社会信用代码）"
    has_code = cur[code_col].str.len().eq(18) & ~cur[code_col].str.startswith("0000")
    defects.set_value(
        name, kind, "fullwidth_code", code_col, cur, code_col, _n(4, scale), fullwidth, key, where=has_code
    )
    has_letters = has_code & cur[code_col].str.contains("[A-Z]", regex=True)
    defects.set_value(
        name, kind, "lowercase_code", code_col, cur, code_col, _n(2, scale), str.lower, key, where=has_letters
    )
    cur = defects.duplicates(name, kind, cur, _n(4, scale), key)
    stamp = export_stamp(end, rng)
    note = [
        ["说明"],
        ["本表为沂源县行政审批服务局行政许可信息公示数据导出。"],
        ["有效期至为2099/12/31的，表示长期有效。"],
        ["“法定代表人证件号码”按规定不予公示。"],
    ]
    write_xlsx(
        out / name,
        [("行政许可", _finish(cur)), ("说明", note)],
        title="沂源县行政审批服务局行政许可信息公示",
        subtitle=f"导出时间：{stamp:%Y-%m-%d %H:%M:%S}",
        stamp=stamp,
        date_columns=("许可决定日期",),
    )
    paths.append(out / name)
    return paths


# --------------------------------------------------------------------------- complaints
LEGACY_REQUEST = {"求助": ("求决", 0.5), "举报": ("揭发控告", 0.3), "投诉": ("申诉", 0.1)}


def write_complaints(
    out: Path,
    rng: np.random.Generator,
    comp: pd.DataFrame,
    start: date,
    end: date,
    defects: Defects,
    scale: float,
) -> tuple[list[Path], pd.DataFrame]:
    """Returns the paths and the per-row file/defect labels (for the truth table)."""
    kind = "complaints"
    y1 = end.year
    comp = comp.copy()
    comp["file"] = ""
    years = comp["received_at"].map(lambda t: t.year)
    # legacy request-type words in the first year
    first = years == start.year
    for new, (old, p) in LEGACY_REQUEST.items():
        m = first & (comp["request_type"] == new) & (rng.random(len(comp)) < p)
        comp.loc[m, "request_type"] = old
    # old township name 南麻镇 in the first year
    m = first & (comp["township"] == "南麻街道") & (rng.random(len(comp)) < 0.3)
    comp.loc[m, "township"] = "南麻镇"

    early = comp[years < y1].copy()
    late = comp[years == y1].copy()
    # orders still open at the first export (received in the last 15 days) → updated in the later file
    cutoff = date(y1 - 1, 12, 17)
    open_mask = early["received_at"].map(lambda t: t.date() >= cutoff) & (rng.random(len(early)) < 0.6)
    reopened = early[open_mask].copy()

    name = f"complaints_12345_{_years(start.year, y1 - 1)}.csv"
    e = early.assign(
        received_at=early["received_at"].map(dt_dash), closed_at=early["closed_at"].map(dt_slash)
    )
    for col in ("closed_at", "result", "substantiated", "satisfaction"):
        e.loc[open_mask, col] = ""
    e = _frame(e, COMPLAINTS_CSV)
    e.loc[np.flatnonzero(open_mask.to_numpy()), "_defect"] = "updated_later"
    defects.count_existing(
        name, kind, "open_then_updated", "办结时间", e, e["_defect"] == "updated_later", "工单编号"
    )
    key = "工单编号"
    defects.count_existing(
        name,
        kind,
        "legacy_request_type",
        "诉求类型",
        e,
        e["诉求类型"].isin(["求决", "揭发控告", "申诉"]),
        key,
    )
    defects.count_existing(name, kind, "township_alias", "所属乡镇", e, e["所属乡镇"] == "南麻镇", key)
    defects.set_value(name, kind, "missing_required", "工单编号", e, "工单编号", _n(4, scale), "", key)
    defects.set_value(name, kind, "unknown_enum", "诉求类型", e, "诉求类型", _n(5, scale), "其它类", key)
    defects.set_value(
        name,
        kind,
        "bad_date",
        "办结时间",
        e,
        "办结时间",
        _n(2, scale),
        f"二〇{_cn_year(y1 - 1)}年",
        key,
        where=e["办结时间"] != "",
    )
    e = defects.duplicates(name, kind, e, _n(6, scale), key)
    write_csv(out / name, _finish(e), "gb18030")
    paths = [out / name]
    labels = [pd.DataFrame({"order_no": early["order_no"], "file": name})]

    name = f"complaints_12345_{y1}.xlsx"
    both = pd.concat([reopened, late], ignore_index=True)
    x = both.assign(
        received_at=both["received_at"].map(dt_cn), closed_at=both["closed_at"].map(lambda t: ymd_compact(t))
    )
    x = _frame(x, COMPLAINTS_XLSX)
    key = "工单号"
    x.loc[: len(reopened) - 1, "_defect"] = "update_of_earlier_row"
    defects.count_existing(
        name, kind, "updated_row", "工单号", x, x["_defect"] == "update_of_earlier_row", key
    )
    defects.set_value(name, kind, "unknown_enum", "工单类型", x, "工单类型", _n(2, scale), "其它类", key)
    defects.set_value(
        name,
        kind,
        "stray_spaces",
        "被投诉对象",
        x,
        "被投诉对象",
        _n(4, scale),
        stray_spaces(rng),
        key,
        where=x["被投诉对象"].str.len() > 3,
    )
    x = defects.duplicates(name, kind, x, _n(3, scale), key)
    stamp = export_stamp(end, rng)
    write_xlsx(
        out / name,
        [("工单明细", _finish(x))],
        title=f"沂源县12345政务服务便民热线工单明细（{y1}年）",
        stamp=stamp,
    )
    paths.append(out / name)
    labels.append(pd.DataFrame({"order_no": late["order_no"], "file": name}))
    lab = pd.concat(labels, ignore_index=True)
    lab.loc[lab["order_no"].isin(reopened["order_no"]), "file"] += f";{name}"
    return paths, lab


def _cn_year(y: int) -> str:
    digits = "〇一二三四五六七八九"
    return "".join(digits[int(c)] for c in str(y)[-2:])


# --------------------------------------------------------------------------- inspections
def write_inspections(
    out: Path,
    rng: np.random.Generator,
    insp: pd.DataFrame,
    start: date,
    end: date,
    defects: Defects,
    scale: float,
) -> list[Path]:
    kind = "inspections"
    name = f"inspections_{start.year}-{end.year}.xlsx"
    df = insp.assign(inspected_on=insp["inspected_on"].map(excel_serial))
    df = _frame(df, INSPECTIONS)
    df["检查日期"] = df["检查日期"].astype(object)
    key = "检查编号"
    defects.set_value(
        name,
        kind,
        "text_date_in_serial_column",
        "检查日期",
        df,
        "检查日期",
        _n(3, scale),
        lambda v: ymd_slash0(date(1899, 12, 30) + timedelta(days=int(v))),
        key,
    )
    defects.set_value(name, kind, "unknown_enum", "检查结果", df, "检查结果", _n(3, scale), "基本合格", key)
    defects.set_value(name, kind, "missing_required", "检查编号", df, "检查编号", _n(2, scale), "", key)
    has_code = df["统一社会信用代码"].str.len().eq(18) & ~df["统一社会信用代码"].str.startswith("0000")
    defects.set_value(
        name,
        kind,
        "stray_spaces",
        "统一社会信用代码",
        df,
        "统一社会信用代码",
        _n(3, scale),
        stray_spaces(rng),
        key,
        where=has_code,
    )
    df = defects.duplicates(name, kind, df, _n(5, scale), key)
    df["问题数量"] = df["问题数量"].astype(int)
    write_xlsx(out / name, [("检查记录", _finish(df))], stamp=export_stamp(end, rng))
    return [out / name]


# --------------------------------------------------------------------------- penalties
def write_penalties(
    out: Path,
    rng: np.random.Generator,
    pen: pd.DataFrame,
    start: date,
    end: date,
    defects: Defects,
    scale: float,
) -> list[Path]:
    kind = "penalties"
    name = f"penalties_{start.year}-{end.year}.csv"

    def join(kinds, d):
        sep = "；" if d.year <= start.year + 1 else ";"
        if rng.random() < 0.05:
            sep = "、"
        return sep.join(kinds)

    df = pen.assign(
        penalty_types=[join(k, d) for k, d in zip(pen["penalty_kinds"], pen["decided_on"], strict=True)],
        fine_wan=pen["fine_yuan"].map(wan),
        conf_wan=pen["confiscation_yuan"].map(wan),
        decided_on=pen["decided_on"].map(ymd_cn),
        _valid=[ymd_slash0(d + timedelta(days=365)) for d in pen["decided_on"]],
        _publish_to=[ymd_slash0(d + timedelta(days=365 * 3)) for d in pen["decided_on"]],
        _id_type=np.where(pen["subject_type"] == "个体工商户", "身份证", ""),
        _id_no="",
        _licence_ref="",
    )
    df = _frame(df, PENALTIES)
    key = "行政处罚决定书文号"
    defects.set_value(
        name, kind, "bad_date", "处罚决定日期", df, "处罚决定日期", _n(2, scale), f"{end.year}/13/45", key
    )
    code_col = "行政相对人代码_1（统一社会信用代码）"
    has_code = df[code_col].str.len().eq(18) & ~df[code_col].str.startswith("0000")
    defects.set_value(
        name, kind, "fullwidth_code", code_col, df, code_col, _n(2, scale), fullwidth, key, where=has_code
    )
    df = defects.duplicates(name, kind, df, _n(3, scale), key)
    write_csv(out / name, _finish(df), "utf-8-sig")
    return [out / name]
