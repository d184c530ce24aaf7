"""The one writer for spreadsheets and CSV files meant for people.

Every file bureau staff open goes through :func:`write_table`: Chinese headers, an optional title
row, and **formula neutralisation** — free text from the data (complaint text, business names) can
never become a formula in Excel, WPS or LibreOffice. A text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe (OWASP's advice for CSV injection), and
xlsx cells are written with an explicit string type so they are never parsed as formulas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralize(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell (text only; numbers pass through).

    >>> neutralize("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize)
    return out


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
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
    title: str | None = None,
    subtitle: str | None = None,
    sheet_name: str = "Sheet1",
    column_widths: Mapping[str, float] | None = None,
    validations: Mapping[str, Sequence[str]] | None = None,
    extra_sheets: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``df`` to ``.xlsx`` or ``.csv`` (UTF-8 with BOM), safe to open.

    Parameters
    ----------
    df : the rows to write.
    path : destination; the suffix chooses the format.
    headers : rename map from column names to the Chinese headers people read.
    title, subtitle : rows above the header (xlsx only; merged across the table's width).
    sheet_name : name of the main sheet (xlsx).
    column_widths : width per (renamed) header (xlsx).
    validations : drop-down lists per (renamed) header (xlsx data validation), e.g. 是否采纳 → 是/否.
    extra_sheets : further sheets (name → DataFrame) written the same way (xlsx).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = df.rename(columns=dict(headers or {}))
    if path.suffix.lower() == ".csv":
        neutralize_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"unsupported export format {path.suffix!r}: use .xlsx or .csv")

    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = sheet_name[:31]
    _fill_sheet(sheet, frame, title, subtitle, column_widths, validations)
    for name, extra in (extra_sheets or {}).items():
        _fill_sheet(wb.create_sheet(name[:31]), extra, None, None, None, None)
    wb.save(path)
    return path


def _fill_sheet(
    sheet: Any,
    frame: pd.DataFrame,
    title: str | None,
    subtitle: str | None,
    column_widths: Mapping[str, float] | None,
    validations: Mapping[str, Sequence[str]] | None,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ncols = max(len(frame.columns), 1)
    row = 1
    for text, size in ((title, 16), (subtitle, 11)):
        if text:
            cell = sheet.cell(row=row, column=1, value=neutralize(text))
            cell.data_type = "s"
            cell.font = Font(bold=size > 11, size=size)
            cell.alignment = Alignment(horizontal="center")
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
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        sheet.add_data_validation(dv)
        dv.add(f"{letter}{header_row + 1}:{letter}{max(last_row, header_row + 200)}")
