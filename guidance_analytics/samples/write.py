"""File writers of the sample generator: the bureau's header generations, encodings, date formats
and deliberate defects (each recorded for ``truth/defects.csv``).
"""

from __future__ import annotations

import csv
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font

EXCEL_ORIGIN = date(1899, 12, 30)

PERMITS_LEGACY = {
    "行政许可决定书文号": "decision_doc_no",
    "项目名称": "permit_item",
    "审批类别": "permit_category",
    "许可内容": "content",
    "行政相对人名称": "name",
    "行政相对人代码_1(统一社会信用代码)": "uscc",
    "法定代表人姓名": "legal_rep",
    "许可决定日期": "decision_date",
    "许可截止期": "valid_to",
    "许可机关": "authority",
    "当前状态": "status",
    "地方编码": "_region",
    "数据更新时间戳": "_stamp",
    "备注": "_note",
    "经营地址": "address",
    "所属乡镇": "township",
    "行业代码": "industry_code",
}
PERMITS_CURRENT = {
    "行政相对人名称": "name",
    "行政相对人类别": "subject_type",
    "行政相对人代码_1（统一社会信用代码）": "uscc",
    "行政相对人代码_2（工商注册号）": "reg_no",
    "法定代表人": "legal_rep",
    "法定代表人证件类型": "_id_type",
    "法定代表人证件号码": "_id_no",
    "行政许可决定文书名称": "decision_doc_name",
    "行政许可决定文书号": "decision_doc_no",
    "许可类别": "permit_category",
    "许可证书名称": "certificate_name",
    "许可编号": "permit_no",
    "许可内容": "content",
    "许可决定日期": "decision_date",
    "有效期自": "valid_from",
    "有效期至": "valid_to",
    "许可机关": "authority",
    "当前状态": "status",
    "数据来源单位": "authority",
    "备注": "_note",
    "经营地址": "address",
    "所属乡镇（街道）": "township",
    "行业代码": "industry_code",
}
COMPLAINTS_CSV = {
    "工单编号": "order_no",
    "受理时间": "received_at",
    "受理渠道": "channel",
    "诉求类型": "request_type",
    "事项分类": "category",
    "诉求标题": "title",
    "诉求内容": "content",
    "被反映对象": "target_name",
    "事发地址": "address",
    "所属乡镇": "township",
    "承办单位": "handling_unit",
    "办结时间": "closed_at",
    "办理结果": "result",
    "是否属实": "substantiated",
    "满意度": "satisfaction",
    "来电人": "caller",
    "来电号码": "caller_phone",
}
COMPLAINTS_XLSX = {
    "工单号": "order_no",
    "来电时间": "received_at",
    "来源渠道": "channel",
    "工单类型": "request_type",
    "问题分类": "category",
    "工单标题": "title",
    "来电内容": "content",
    "被投诉对象": "target_name",
    "事发地点": "address",
    "所属镇街": "township",
    "办理单位": "handling_unit",
    "办结日期": "closed_at",
    "处理结果": "result",
    "核实情况": "substantiated",
    "回访满意度": "satisfaction",
    "来电人姓名": "caller",
    "来电人电话": "caller_phone",
}
INSPECTIONS = {
    "检查编号": "inspection_no",
    "检查日期": "inspected_on",
    "被检查单位": "name",
    "统一社会信用代码": "uscc",
    "检查类型": "inspection_type",
    "检查结果": "result",
    "发现问题": "problems",
    "问题数量": "problem_count",
    "违法行为类型": "violation_type",
    "检查人员": "inspectors",
    "经营地址": "address",
    "所属乡镇": "township",
    "行业代码": "industry_code",
}
PENALTIES = {
    "行政相对人名称": "name",
    "行政相对人类别": "subject_type",
    "行政相对人代码_1（统一社会信用代码）": "uscc",
    "行政相对人代码_2（工商注册号）": "reg_no",
    "法定代表人": "legal_rep",
    "法定代表人证件类型": "_id_type",
    "法定代表人证件号码": "_id_no",
    "行政处罚决定书文号": "decision_no",
    "违法行为类型": "violation_type",
    "违法事实": "facts",
    "处罚依据": "basis",
    "处罚类别": "penalty_types",
    "处罚内容": "content",
    "罚款金额（万元）": "fine_wan",
    "没收违法所得、没收非法财物的金额（万元）": "conf_wan",
    "暂扣或吊销证照名称及编号": "_licence_ref",
    "处罚决定日期": "decided_on",
    "处罚有效期": "_valid",
    "公示截止期": "_publish_to",
    "处罚机关": "authority",
    "数据来源单位": "data_source",
    "备注": "_note",
    "经营地址": "address",
    "所属乡镇（街道）": "township",
    "行业代码": "industry_code",
}

#: Headers written by the generator that are neither canonical aliases nor personal columns.
EXTRA_HEADERS = {
    "permits": ("地方编码", "数据更新时间戳", "备注", "行政相对人代码_2（工商注册号）", "数据来源单位"),
    "complaints": (),
    "inspections": (),
    "penalties": (
        "行政相对人代码_2（工商注册号）",
        "暂扣或吊销证照名称及编号",
        "处罚有效期",
        "公示截止期",
        "备注",
    ),
    "credit_classes": (),
}


# --------------------------------------------------------------------------- date formats
def ymd_slash(d) -> str:  # 2021/3/5
    return f"{d.year}/{d.month}/{d.day}"


def ymd_slash0(d) -> str:  # 2021/03/05
    return f"{d:%Y/%m/%d}"


def ymd_dash(d) -> str:
    return f"{d:%Y-%m-%d}"


def ymd_cn(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def ymd_compact(d) -> str:
    return f"{d:%Y%m%d}"


def dt_dash(t) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S}"


def dt_cn(t) -> str:  # 2024年3月5日 14:23:11
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M:%S}"


def dt_slash(t) -> str:
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"


def excel_serial(d) -> int:
    return (d - EXCEL_ORIGIN).days


def wan(yuan: float) -> str:
    return f"{yuan / 10000.0:.6f}" if yuan else ""


# --------------------------------------------------------------------------- defects
class Defects:
    """Applies and records deliberate defects. Rows already touched are not touched again."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.records: list[dict] = []

    def rows(self, df: pd.DataFrame, k: int, where: pd.Series | None = None) -> list[int]:
        ok = ~df["_defect"].astype(bool)
        if where is not None:
            ok &= where.to_numpy()
        pool = np.flatnonzero(ok.to_numpy())
        k = min(k, len(pool))
        return sorted(int(i) for i in self.rng.choice(pool, size=k, replace=False)) if k else []

    def note(
        self, file: str, kind: str, defect: str, column: str, df: pd.DataFrame, idx: list[int], key: str
    ) -> None:
        if not idx:
            return
        keys = [str(df.iloc[i][key]) for i in idx] if key else []
        for i in idx:
            df.iat[i, df.columns.get_loc("_defect")] = defect
        self.records.append(
            {
                "file": file,
                "kind": kind,
                "defect": defect,
                "column": column,
                "count": len(idx),
                "keys": ";".join(keys),
            }
        )

    def set_value(self, file, kind, defect, label, df, column, k, value, key, where=None) -> list[int]:
        idx = self.rows(df, k, where)
        self.note(file, kind, defect, label, df, idx, key)
        for i in idx:
            v = value(df.iat[i, df.columns.get_loc(column)]) if callable(value) else value
            df.iat[i, df.columns.get_loc(column)] = v
        return idx

    def duplicates(self, file, kind, df, k, key) -> pd.DataFrame:
        idx = self.rows(df, k)
        self.note(file, kind, "exact_duplicate_row", "(row)", df, idx, key)
        if not idx:
            return df
        parts, last = [], 0
        for i in idx:
            parts.append(df.iloc[last : i + 1])
            parts.append(df.iloc[[i]])
            last = i + 1
        parts.append(df.iloc[last:])
        return pd.concat(parts, ignore_index=True)

    def count_existing(self, file, kind, defect, column, df, mask, key) -> None:
        idx = [int(i) for i in np.flatnonzero(mask.to_numpy())]
        if idx:
            self.records.append(
                {
                    "file": file,
                    "kind": kind,
                    "defect": defect,
                    "column": column,
                    "count": len(idx),
                    "keys": ";".join(str(df.iloc[i][key]) for i in idx),
                }
            )


def fullwidth(text: str) -> str:
    """ASCII letters/digits → full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in str(text))


def stray_spaces(rng: np.random.Generator):
    def f(text: str) -> str:
        text = str(text)
        if len(text) < 4:
            return f" {text} "
        cut = int(rng.integers(2, len(text) - 1))
        return f" {text[:cut]} {text[cut:]}  "

    return f


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --------------------------------------------------------------------------- writers
def write_csv(path: Path, df: pd.DataFrame, encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(list(df.columns))
        for row in df.itertuples(index=False):
            w.writerow(["" if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in row])


def write_xlsx(
    path: Path,
    sheets: list[tuple[str, pd.DataFrame | list[list]]],
    *,
    title: str | None = None,
    subtitle: str | None = None,
    stamp: datetime | None = None,
    date_columns: tuple[str, ...] = (),
) -> None:
    """Write sheets; the first DataFrame sheet may get a merged title row and a subtitle line.

    Plain tables (no title, no date cells, no text sheets) are streamed (openpyxl write-only mode).
    """
    plain = (
        not title
        and not subtitle
        and not date_columns
        and all(isinstance(d, pd.DataFrame) for _, d in sheets)
    )
    if plain:
        _write_xlsx_stream(path, sheets, stamp)
        return
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data in sheets:
        ws = wb.create_sheet(name)
        if isinstance(data, list):
            for r in data:
                ws.append(r)
            ws.column_dimensions["A"].width = 90
            continue
        ncol = len(data.columns)
        if title:
            ws.append([title])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
            ws.cell(1, 1).font = Font(bold=True, size=14)
            ws.cell(1, 1).alignment = Alignment(horizontal="center")
        if subtitle:
            ws.append([subtitle])
        ws.append(list(data.columns))
        header_row = ws.max_row
        for c in range(1, ncol + 1):
            ws.cell(header_row, c).font = Font(bold=True)
        date_idx = [i for i, c in enumerate(data.columns) if c in date_columns]
        r = header_row
        for row in data.itertuples(index=False):
            vals = [
                None if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else v for v in row
            ]
            ws.append(vals)
            r += 1
            if date_idx:
                for i in date_idx:
                    if isinstance(vals[i], (date, datetime)):
                        ws.cell(r, i + 1).number_format = "yyyy-mm-dd"
        ws.freeze_panes = ws.cell(header_row + 1, 1)
    if stamp is not None:
        wb.properties.created = stamp
    wb.properties.creator = "沂源县行政审批服务局"
    wb.save(path)


def _write_xlsx_stream(path: Path, sheets: list[tuple[str, pd.DataFrame]], stamp: datetime | None) -> None:
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    for name, data in sheets:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        head = []
        for label in data.columns:
            cell = WriteOnlyCell(ws, value=label)
            cell.font = Font(bold=True)
            head.append(cell)
        ws.append(head)
        for row in data.itertuples(index=False):
            ws.append(
                [None if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else v for v in row]
            )
    if stamp is not None:
        wb.properties.created = stamp
    wb.properties.creator = "沂源县行政审批服务局"
    wb.save(path)


def export_stamp(end: date, rng: np.random.Generator) -> datetime:
    d = end + timedelta(days=6)
    return datetime(
        d.year, d.month, d.day, int(rng.integers(8, 12)), int(rng.integers(0, 60)), int(rng.integers(0, 60))
    )
