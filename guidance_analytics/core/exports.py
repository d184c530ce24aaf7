"""The one writer for spreadsheets and CSV files meant for people.

Every file bureau staff open goes through :func:`write_table`: Chinese headers, an optional title
row, written under a temporary name and renamed when complete (:func:`~.files.atomic_write`), and
**formula neutralisation** — free text from the data (complaint text, business names) can
never become a formula in Excel, WPS or LibreOffice. A text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe (OWASP's advice for CSV injection), and
xlsx cells are written with an explicit string type so they are never parsed as formulas.
Yes/no values are written 是 / 否, missing values as empty cells; a drop-down refuses any other
entry; ``page=`` sets up printing (A4 landscape, title rows repeated, fit to width, wrapped text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .files import atomic_write

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
#: Characters no spreadsheet cell may hold (XML 1.0 forbids them; openpyxl refuses them).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutralize(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell (text only; numbers pass through).

    Control characters (``\\x00``–``\\x1f`` except tab and line breaks) are removed; text that
    starts like a formula gets a leading apostrophe.

    >>> neutralize("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize("市场\\x07监管")
    '市场监管'
    >>> neutralize(-3)
    -3
    """
    if isinstance(value, str):
        value = CONTROL_CHARS.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell neutralised (column-wise)."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_string_dtype(values) and values.dtype != object:
            text = values
            if text.str.contains(CONTROL_CHARS.pattern, regex=True).fillna(False).any():
                text = text.str.replace(CONTROL_CHARS.pattern, "", regex=True)
            formula = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
            out[col] = text.where(~formula, "'" + text) if formula.any() else text
        elif values.dtype == object:
            out[col] = values.map(neutralize)
    return out


def _yes_no(frame: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns as 是 / 否 (people read Chinese, not True/False)."""
    out = frame
    for col in frame.columns:
        if pd.api.types.is_bool_dtype(frame[col]):
            out = out.copy() if out is frame else out
            out[col] = frame[col].map({True: "是", False: "否"}).astype(object)
    return out


def for_people(
    df: pd.DataFrame,
    headers: Mapping[str, str] | None = None,
    *,
    digits: int | None = 3,
    months: Sequence[str] = (),
) -> pd.DataFrame:
    """A table as bureau staff read it on screen (notebooks): Chinese headers, 是 / 否 for yes/no,
    empty cells for missing values (never ``NaN`` / ``None`` / ``NaT``), dates as ``2024-07-01``.

    Parameters
    ----------
    df : the table.
    headers : rename map from column names to Chinese headers; columns not in it are dropped
        (so internal columns never show). ``None`` keeps every column as it is named.
    digits : decimals kept for floating-point columns (``None``: as they are).
    months : date columns (original names) written as months, ``2024年7月``.

    Examples
    --------
    >>> t = pd.DataFrame({"flagged": [True, False], "q_value": [0.01234, None], "x": ["a", None]})
    >>> for_people(t, {"flagged": "是否热点", "q_value": "q值"}).to_dict("list")
    {'是否热点': ['是', '否'], 'q值': [0.012, '']}
    """
    frame = df if headers is None else df[[c for c in headers if c in df.columns]]
    month_cols = {(headers or {}).get(c, c) for c in months}
    frame = frame.rename(columns=dict(headers or {}))
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if col in month_cols:
            stamps = pd.to_datetime(values)
            text = [f"{t.year}年{t.month}月" if pd.notna(t) else "" for t in stamps]
            out[col] = pd.Series(text, index=frame.index, dtype=object)
            continue
        if pd.api.types.is_bool_dtype(values):
            out[col] = values.map({True: "是", False: "否"}).astype(object)
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            timed = values != values.dt.normalize()  # a time of day only where one was given
            text = values.dt.strftime("%Y-%m-%d").where(~timed, values.dt.strftime("%Y-%m-%d %H:%M"))
            out[col] = text.astype(object).where(values.notna(), "")
            continue
        if pd.api.types.is_float_dtype(values) and digits is not None:
            values = values.round(digits)
        cells = values.astype(object)
        missing = values.isna()
        if missing.any():
            cells = cells.where(~missing, "")
        out[col] = cells.map(lambda v: ("是" if v else "否") if isinstance(v, bool | np.bool_) else v)
    return out


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def write_table(
    df: pd.DataFrame,
    path: str | Path,
    *,
    headers: Mapping[str, str] | None = None,
    title: str | Sequence[str] | None = None,
    subtitle: str | None = None,
    sheet_name: str = "Sheet1",
    column_widths: Mapping[str, float] | None = None,
    validations: Mapping[str, Sequence[str]] | None = None,
    extra_sheets: Mapping[str, pd.DataFrame] | None = None,
    page: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``df`` to ``.xlsx`` or ``.csv`` (UTF-8 with BOM), safe to open.

    Parameters
    ----------
    df : the rows to write.
    path : destination; the suffix chooses the format.
    headers : rename map from column names to the Chinese headers people read.
    title, subtitle : rows above the header (xlsx only; merged across the table's width). ``title``
        may be several lines (e.g. the bureau's name, then the form's name), each a bold title row.
    sheet_name : name of the main sheet (xlsx).
    column_widths : width per (renamed) header (xlsx).
    validations : drop-down lists per (renamed) header (xlsx data validation), e.g. 是否采纳 → 是/否;
        any other entry is refused with an error message naming the allowed values.
    extra_sheets : further sheets (name → DataFrame) written the same way (xlsx).
    page : print set-up of the main sheet (xlsx): ``orientation`` (``"landscape"``), ``fit_width``
        (all columns on the page width), ``repeat_titles`` (title and header rows on every page),
        ``wrap`` (wrap long text in the cells, rows as tall as their text), ``footer`` (text left
        of the page number), ``date_format`` (number format of the dates, e.g. ``yyyy"年"m"月"d"日"``).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    frame = _yes_no(df.rename(columns=dict(headers or {})))
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ValueError(f"unsupported export format {path.suffix!r}: use .xlsx or .csv")
    if path.suffix.lower() == ".csv":
        with atomic_write(path) as tmp:
            neutralize_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
        return path

    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = sheet_name[:31]
    header_row = _fill_sheet(sheet, frame, title, subtitle, column_widths, validations)
    if page:
        _page_setup(sheet, header_row, len(frame.columns), page)
    for name, extra in (extra_sheets or {}).items():
        _fill_sheet(wb.create_sheet(name[:31]), _yes_no(extra), None, None, None, None)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


def _fill_sheet(
    sheet: Any,
    frame: pd.DataFrame,
    title: str | Sequence[str] | None,
    subtitle: str | None,
    column_widths: Mapping[str, float] | None,
    validations: Mapping[str, Sequence[str]] | None,
) -> int:
    """Write title rows, the header and the rows; return the header's row number."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ncols = max(len(frame.columns), 1)
    row = 1
    titles = [title] if isinstance(title, str) or title is None else list(title)
    lines = [(text, 16 if i == len(titles) - 1 else 14) for i, text in enumerate(titles)]
    for text, size in (*lines, (subtitle, 11)):
        if text:
            cell = sheet.cell(row=row, column=1, value=neutralize(text))
            cell.data_type = "s"
            cell.font = Font(bold=size > 11, size=size)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            sheet.row_dimensions[row].height = size * 1.6
            if ncols > 1:
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
            row += 1
    header_row = row
    for j, name in enumerate(frame.columns, start=1):
        cell = sheet.cell(row=header_row, column=j, value=str(neutralize(str(name))))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        for j, value in enumerate(values, start=1):
            value = _cell_value(value)
            cell = sheet.cell(row=i, column=j)
            if isinstance(value, str):
                cell.value = neutralize(value)
                cell.data_type = "s"  # never a formula, whatever the text
            else:
                cell.value = value
                if hasattr(value, "year"):
                    cell.number_format = "yyyy-mm-dd" if not getattr(value, "hour", 0) else "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for j, name in enumerate(frame.columns, start=1):
        width = (column_widths or {}).get(str(name))
        if width is None:
            lengths = frame.iloc[:200, j - 1].astype("str").str.len().fillna(0)
            width = min(max([len(str(name)) * 2, *lengths.astype(int).tolist()]) + 2, 60)
        sheet.column_dimensions[get_column_letter(j)].width = width
    last_row = header_row + max(len(frame), 1)
    for name, options in (validations or {}).items():
        if name not in frame.columns:
            continue
        letter = get_column_letter(list(frame.columns).index(name) + 1)
        allowed = "、".join(options)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle=f"{name}填写有误",
            error=f"「{name}」只能填写：{allowed}（请从下拉列表中选择）",
            showInputMessage=True,
            promptTitle=str(name),
            prompt=f"请从下拉列表中选择：{allowed}",
        )
        sheet.add_data_validation(dv)
        dv.add(f"{letter}{header_row + 1}:{letter}{max(last_row, header_row + 200)}")
    return header_row


def _page_setup(sheet: Any, header_row: int, ncols: int, page: Mapping[str, Any]) -> None:
    """Print set-up: A4, orientation, fit to the page width, title rows on every page, wrapping."""
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = page.get("orientation", "portrait")
    if page.get("fit_width", True):
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    if page.get("repeat_titles", True):
        sheet.print_title_rows = f"1:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top, sheet.page_margins.bottom = 0.6, 0.7
    sheet.oddFooter.center.text = f"{page.get('footer', '')}第 &P 页，共 &N 页"
    if page.get("wrap", True):
        from openpyxl.utils import get_column_letter

        widths = [sheet.column_dimensions[get_column_letter(j)].width or 10 for j in range(1, ncols + 1)]
        for row in sheet.iter_rows(min_row=header_row + 1, max_col=ncols):
            lines = 1
            for cell, width in zip(row, widths, strict=False):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = max(lines, _lines(cell.value, width))
            # spreadsheet programs do not all grow a row to its wrapped text on opening: say how tall
            sheet.row_dimensions[row[0].row].height = 16 * lines + 2
        heading = max(_lines(sheet.cell(row=header_row, column=j).value, w) for j, w in enumerate(widths, 1))
        sheet.row_dimensions[header_row].height = 16 * heading + 2
    if page.get("date_format"):
        for row in sheet.iter_rows(min_row=header_row + 1, max_col=ncols):
            for cell in row:
                if cell.is_date:
                    cell.number_format = page["date_format"]


def _lines(value: Any, width: float) -> int:
    """Lines a wrapped cell needs at ``width`` characters (a CJK character counts two)."""
    if value is None:
        return 1
    text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
    usable = max(width - 1, 1)
    total = 0
    for part in text.split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        total += max(1, -(-units // int(usable)))
    return total
