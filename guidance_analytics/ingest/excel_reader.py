"""Spreadsheet decoding (xlsx, xlsm, xls, xlsb, ods through python-calamine): cell text, sheet
choice and the data rows in bounded batches."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputFileError
from . import formats

__all__ = [
    "MAX_SHEET_CELLS",
    "cell_text",
    "cells_frame",
    "excel_head",
    "iter_sheet_rows",
    "open_sheet",
    "sheet_frames",
]


def cell_text(value: Any) -> str:
    """Text of one spreadsheet/CSV cell: '' for empty, ISO for dates, no '.0' on integers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return np.format_float_positional(value, trim="-")  # never "1e-05"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value)


def cells_frame(rows: list[list[Any]], labels: list[str]) -> pd.DataFrame:
    """Build a frame of str cells from spreadsheet values (column-wise, fast path for str)."""
    data: dict[str, list[str]] = {}
    for j, label in enumerate(labels):
        col = [r[j] for r in rows]
        data[label] = [v if type(v) is str else cell_text(v) for v in col]
    frame = pd.DataFrame(data, dtype="str") if labels else pd.DataFrame(index=range(len(rows)))
    return frame


def sheet_frames(
    sheet: Any, header_row: int, positions: list[int], labels: list[str], batch_rows: int
) -> Iterator[tuple[pd.DataFrame, int]]:
    """Yield ``(frame, first_row)`` for the rows under ``header_row``, ``batch_rows`` at a time.

    ``frame`` holds the cells at ``positions`` as ``str`` (``""`` for empty ones, blank rows
    included) under ``labels``; ``first_row`` is the 0-based index of its first row among the
    data rows.
    """
    rows = iter_sheet_rows(sheet)
    for _ in islice(rows, header_row + 1):  # the header and the rows above it
        pass
    start = 0
    while buf := list(islice(rows, max(batch_rows, 1))):  # a batch at a time, without a Python loop
        yield _rows_frame(buf, positions, labels), start
        start += len(buf)


def _rows_frame(rows: list[list[Any]], positions: list[int], labels: list[str]) -> pd.DataFrame:
    """The cells at ``positions`` of sheet rows as ``str`` columns (transposed in C; a column of
    text only goes to arrow as it is, others cell by cell through :func:`cell_text`)."""
    width = min(map(len, rows))
    if width != max(map(len, rows)):  # ragged (not from calamine): pad
        longest = max(map(len, rows))
        rows = [list(r) + [""] * (longest - len(r)) for r in rows]
        width = longest
    columns = list(zip(*rows, strict=True)) if width else []
    data: dict[str, Any] = {}
    for p, label in zip(positions, labels, strict=True):
        col = columns[p] if p < width else ("",) * len(rows)
        try:
            arr = pa.array(col, type=pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            arr = pa.array([v if type(v) is str else cell_text(v) for v in col], type=pa.string())
        data[label] = pd.array(arr, dtype="str")
    return pd.DataFrame(data) if labels else pd.DataFrame(index=range(len(rows)))


def open_sheet(path: Path, sheet: str | int | None) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        if isinstance(sheet, int):
            return wb.get_sheet_by_index(sheet)
        return wb.get_sheet_by_name(sheet)
    except Exception as exc:  # calamine raises several unrelated error types
        raise InputFileError(f"无法读取文件 {path.name}：{_reason(exc)}") from None


def iter_sheet_rows(sheet: Any) -> Iterator[list[Any]]:
    """Rows of a calamine sheet from sheet row 0 (leading blank rows included)."""
    return iter(sheet.iter_rows())


#: Largest cell range (rows × columns, empty cells included) a sheet may span: calamine builds the
#: whole range in memory (about 32 bytes a cell), so one stray cell at XFD1048576 would ask for
#: hundreds of GB. 20 million cells is about 2 million rows of 10 columns.
MAX_SHEET_CELLS = 20_000_000


def excel_head(
    path: Path,
    sheet: str | int | None,
    score: Callable[[list[Any]], int],
    scan_rows: int,
    min_matches: int,
    max_cells: int = MAX_SHEET_CELLS,
) -> tuple[list[str], str, list[list[Any]], Any]:
    """Sheet names, the chosen sheet, its first rows and the loaded calamine sheet.

    Without ``sheet`` the sheet whose best row among the first ``scan_rows`` scores highest
    (``score``: header labels recognised) is chosen; when none reaches ``min_matches`` the first
    non-empty sheet is returned (without its sheet object) so the caller can report its labels.
    For .xlsx the choice reads only the first rows of each sheet (:func:`formats.xlsx_head`), and
    only the chosen sheet is loaded — after checking that its cells span at most ``max_cells``.

    Raises
    ------
    InputFileError
        Unreadable workbook, missing sheet, or a chosen sheet whose cells span more than
        ``max_cells`` (a far cell such as XFD1048576).
    """
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises several unrelated error types
        raise InputFileError(f"无法读取文件 {path.name}：{_reason(exc)}") from None
    if not names:
        raise InputFileError(f"文件为空：{path.name}（没有工作表）")
    extents = formats.xlsx_extents(path) if zipfile.is_zipfile(path) else {}

    def load(name: str) -> tuple[list[list[Any]], Any]:
        extent = extents.get(name)
        if extent is not None and extent.cells > max_cells:
            where = f"（单元格 {extent.far_cell}）" if extent.far_cell else ""
            raise InputFileError(
                f"文件 {path.name} 的工作表「{name}」的单元格一直延伸到第 {extent.rows} 行、第 {extent.cols} 列{where}，"
                f"读入需要的内存远超实际数据（上限 {max_cells:,} 个单元格）：请在 Excel 中删除多余的行和列后另存，再导入。"
            )
        try:
            ws = wb.get_sheet_by_name(name)
            rows: list[list[Any]] = []
            for i, row in enumerate(iter_sheet_rows(ws)):
                if i >= scan_rows:
                    break
                rows.append(list(row))
            return rows, ws
        except Exception as exc:  # calamine raises several unrelated error types
            raise InputFileError(f"无法读取文件 {path.name} 的工作表 {name}：{_reason(exc)}") from None

    def head(name: str) -> list[list[Any]]:
        if name in extents:
            return formats.xlsx_head(path, name, scan_rows)
        return load(name)[0]

    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise InputFileError(
                    f"文件 {path.name} 中没有第 {sheet + 1} 个工作表，找到的工作表: {'、'.join(names)}"
                )
            name = names[sheet]
        else:
            name = str(sheet)
            if name not in names:
                loose = {n.strip().lower(): n for n in names}
                name = loose.get(name.strip().lower(), name)
            if name not in names:
                raise InputFileError(
                    f"文件 {path.name} 中没有工作表“{name}”，找到的工作表: {'、'.join(names)}"
                )
        rows, ws = load(name)
        return names, name, rows, ws

    best: tuple[int, str, list[list[Any]]] | None = None
    first_nonempty: tuple[str, list[list[Any]]] | None = None
    for name in names:
        rows = head(name)
        if first_nonempty is None and any(any(cell_text(c) for c in r) for r in rows):
            first_nonempty = (name, rows)
        best_row = max((score(r) for r in rows), default=0)
        if best is None or best_row > best[0]:
            best = (best_row, name, rows)
    assert best is not None
    if best[0] < min_matches and first_nonempty is not None:
        # no usable header anywhere: the caller reports the first non-empty sheet's labels
        return names, first_nonempty[0], first_nonempty[1], None
    rows, ws = load(best[1])
    return names, best[1], rows, ws


def _reason(exc: BaseException) -> str:
    """calamine's error in Chinese where it is one users meet; never the raw library text."""
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return "文件有密码保护（已加密），请取消密码后另存为 .xlsx"
    if "zip" in text or "eocd" in text or "rels" in text:
        return "文件不是完整的 Excel 工作簿（压缩结构损坏或缺少工作簿部件），请重新导出"
    return "文件内容无法解析为 Excel 工作簿，请用 Excel 打开后另存为 .xlsx"
