"""Decoding of input files: encoding detection, header-row finding, alias mapping.

This module knows nothing of business rules. It turns a CSV or spreadsheet file into batches of
string cells labelled with the file's own header labels, and tells which labels map to which
canonical column (through an alias dictionary such as :func:`guidance_analytics.schema.alias_map`).

Typical use::

    table = read_batches(path, alias=alias_map(KIND_SPECS["complaints"]))
    for raw in table.batches():        # original labels + ROW_NUMBER + SOURCE_ROW
        canon = table.canonical(raw)   # canonical column names + ROW_NUMBER + SOURCE_ROW
        ...

Every cell is a Python ``str`` or NaN (empty cell). Personal-data columns are dropped before
anything else sees them. The format-specific parts live in :mod:`guidance_analytics.ingest.csv_reader`
(encoding detection, streaming CSV batches) and :mod:`guidance_analytics.ingest.excel_reader` (cells and
sheets of workbooks).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputFileError
from . import excel_reader, formats, normalize
from .csv_reader import csv_frames, decoding_report, detect_encoding
from .excel_reader import cell_text
from .schema import KIND_SPECS, PERSONAL_HEADERS, alias_map, header_key

__all__ = [
    "CALLER_NAMES",
    "CSV_EXTENSIONS",
    "EXCEL_EXTENSIONS",
    "HEADER_SCAN_ROWS",
    "PERSONAL_WORDS",
    "ROW_NUMBER",
    "SOURCE_ROW",
    "RawTable",
    "default_aliases",
    "detect_encoding",
    "read_batches",
]

#: Column added to every batch: 1-based data row number, counted from the first row under the header.
ROW_NUMBER = "row_number"
#: Canonical columns holding free text (where a stray UTF-8 line or cell shows as mojibake).
TEXT_FIELDS = frozenset(
    ("title", "content", "target_name", "address", "result", "facts", "problems", "name", "handling_unit")
)
#: Column added to batches when the file has personal name columns (来电人 …): the names of the
#: row, ``\x1f``-joined, so checks can remove them from the row's free text. Never stored.
CALLER_NAMES = "caller_names"
#: Column added to every batch: 1-based row of the record in the file / sheet (as Excel shows it;
#: for CSV the record number, equal to the line number unless a quoted cell holds line breaks).
SOURCE_ROW = "source_row"

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: The header row must be among the first this many rows.
HEADER_SCAN_ROWS = 30
#: A header row needs at least this many labels that map through the alias dictionary.
MIN_HEADER_MATCHES = 2

#: Unrecognised labels containing any of these words are treated as personal data too
#: (e.g. 来电人手机, 投诉人身份证号); labels that map to a canonical column are never dropped.
PERSONAL_WORDS = (
    "电话",
    "手机",
    "身份证",
    "证件号",
    "证件类型",
    "联系方式",
    "来电人",
    "诉求人",
    "反映人",
    "举报人",
    "投诉人",
    "姓名",
    "家庭住址",
    "户籍",
    "邮箱",
    "email",
    "qq",
    "微信",
    "来电者",
    "主叫",
    "被叫",
    "联系人",
    "住址",
    "出生",
    "性别",
    "民族",
)

_CSV_DELIMITERS = (",", "\t", ";", "|")


# --------------------------------------------------------------------------------------------
# result object
# --------------------------------------------------------------------------------------------


@dataclass
class RawTable:
    """A file opened for reading: what its header says and how to get its rows.

    Attributes
    ----------
    path : Path
        The file.
    headers_found : list of str
        Every non-empty label of the header row, in file order (personal labels included).
    mapping : dict of str to str
        Original label → canonical column, for every label that maps through the alias
        dictionary (a second label mapping to an already-mapped canonical column is listed too,
        see ``shadowed``).
    dropped_personal : list of str
        Labels dropped as personal data (listed in ``personal``, or unrecognised and containing
        one of :data:`PERSONAL_WORDS`); their values never leave this module.
    unknown : list of str
        Labels not recognised; kept in the raw batches (so rejects show the row whole) but not
        in :meth:`canonical` frames.
    header_row : int
        0-based row (file line for CSV, sheet row for spreadsheets) where the header was found.
    sheet : str or None
        Sheet read (``None`` for CSV).
    sheets : list of str
        All sheets of the workbook (empty for CSV).
    encoding : str or None
        Text encoding of a CSV (``None`` for spreadsheets).
    source_label : dict of str to str
        Canonical column → the original label whose values it takes (the first one in file
        order). Use it for label-dependent rules, e.g. ``Column.scale`` keyed by
        ``header_key(label)``.
    shadowed : list of str
        Labels that map to a canonical column already taken by an earlier label; kept in raw
        batches only.
    """

    path: Path
    headers_found: list[str]
    mapping: dict[str, str]
    dropped_personal: list[str]
    unknown: list[str]
    header_row: int
    sheet: str | None
    encoding: str | None
    sheets: list[str] = field(default_factory=list)
    source_label: dict[str, str] = field(default_factory=dict)
    shadowed: list[str] = field(default_factory=list)
    batch_rows: int = 50_000
    #: kept columns: (position in the header row, unique label)
    _columns: list[tuple[int, str]] = field(default_factory=list, repr=False)
    #: positions of dropped personal columns holding names (their values feed CALLER_NAMES only)
    _name_columns: list[int] = field(default_factory=list, repr=False)
    _delimiter: str = field(default=",", repr=False)
    _breaks: int = field(default=0, repr=False)
    #: whether the file holds a ``"`` at all (without one no cell can span lines)
    _quotes: bool = field(default=True, repr=False)
    _width: int = field(default=0, repr=False)
    #: the calamine sheet loaded while finding the header, reused by the first batches() call
    _sheet_cache: Any = field(default=None, repr=False, compare=False)

    @property
    def raw_columns(self) -> list[str]:
        """Labels of the columns in raw batches (personal columns removed), in file order."""
        return [label for _, label in self._columns]

    @property
    def extra_columns(self) -> list[str]:
        """Labels kept in the ``extra`` JSON column: unknown and shadowed ones, in file order."""
        keep = set(self.unknown) | set(self.shadowed)
        return [label for _, label in self._columns if label in keep]

    def batches(self) -> Iterator[pd.DataFrame]:
        """Yield the data rows in batches of at most ``batch_rows`` rows.

        Yields
        ------
        pandas.DataFrame
            Columns: the kept original header labels (``raw_columns``; a repeated label gets a
            ``" (2)"`` suffix) holding ``str`` values or NaN for empty cells, then
            :data:`ROW_NUMBER` (1-based data row, counted from the first row under the header,
            blank rows included in the count) and :data:`SOURCE_ROW` (1-based row in the file /
            sheet). Completely empty rows are skipped.

        Raises
        ------
        InputFileError
            If the file cannot be decoded part-way through.
        """
        if self.sheet is None:
            yield from self._csv_batches()
        else:
            yield from self._excel_batches()

    def canonical(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Rename a raw batch to canonical column names.

        Parameters
        ----------
        raw : pandas.DataFrame
            A frame yielded by :meth:`batches`.

        Returns
        -------
        pandas.DataFrame
            One column per mapped canonical name (from ``source_label``), plus
            :data:`ROW_NUMBER` and :data:`SOURCE_ROW`. Unknown and shadowed labels are left out.
        """
        cols = {canon: raw[label] for canon, label in self.source_label.items()}
        cols[ROW_NUMBER] = raw[ROW_NUMBER]
        cols[SOURCE_ROW] = raw[SOURCE_ROW]
        if CALLER_NAMES in raw:
            cols[CALLER_NAMES] = raw[CALLER_NAMES]
        return pd.DataFrame(cols, index=raw.index)

    def iter_canonical(self) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        """Yield ``(raw, canonical)`` frame pairs, one per batch."""
        for raw in self.batches():
            yield raw, self.canonical(raw)

    # ---------------------------------------------------------------- CSV
    def _csv_batches(self) -> Iterator[pd.DataFrame]:
        labels = pd.Index(self.raw_columns + [f"\x1f{i}" for i in range(len(self._name_columns))])
        positions = [pos for pos, _ in self._columns] + list(self._name_columns)
        frames = csv_frames(
            self.path,
            self.encoding or "utf-8",
            self._delimiter,
            self.header_row + 1,
            self._width,
            positions,
            self.batch_rows,
        )
        self._breaks = 0
        for frame, start in frames:
            frame.columns = labels
            if self._quotes:
                self._check_quotes(frame, start)
            if (self.encoding or "").lower() in ("gb18030", "gbk", "gb2312"):
                self._check_mojibake(frame, start)
            frame = self._finish(frame, start)
            if len(frame):
                yield frame

    def _line_of(self, breaks: np.ndarray, start: int, i: int) -> int:
        """1-based file line where data record ``start + i`` begins (line breaks inside quoted
        cells of earlier records counted)."""
        return self.header_row + 2 + start + i + self._breaks + int(breaks[:i].sum())

    def _check_quotes(self, frame: pd.DataFrame, start: int) -> None:
        """Refuse a file where a stray ``"`` made one cell swallow the lines after it.

        A quoted cell may hold line breaks; one whose later lines look like records of their own
        (half the delimiters of a record or more) or that runs over 20 lines is an unclosed quote.
        """
        width = max(self._width, 1)
        breaks = np.zeros(len(frame), dtype=np.int64)
        suspects: list[tuple[int, str, int]] = []
        for j, label in enumerate(frame.columns):
            values = frame.iloc[:, j]
            arr = pa.chunked_array(values.array.__arrow_array__()) if _arrow_backed(values) else None
            has = (
                pc.fill_null(pc.match_substring(arr, "\n"), False).to_numpy(zero_copy_only=False)
                if arr is not None
                else values.str.contains("\n", regex=False).fillna(False).to_numpy(dtype=bool)
            )
            if not has.any():
                continue
            for i in np.flatnonzero(has):
                text = str(values.iloc[i])
                n = text.count("\n")
                breaks[i] += n
                later = text.split("\n")[1:]
                if n > 20 or any(line.count(self._delimiter) >= max(2, (width - 1) // 2) for line in later):
                    suspects.append((int(i), label.split(" (")[0], n))
        if suspects:
            i, label, n = suspects[0]
            line = self._line_of(breaks, start, i)
            raise InputFileError(
                f'文件 {self.path.name} 第 {line} 行的「{label}」有一个英文引号 " 没有正常结束，'
                f"把第 {line + 1}–{line + n} 行（{n} 行）并进了这一个单元格：多半是单元格里多打了一个引号。"
                "为免数据错乱，本文件未导入；请在原系统或 Excel 中修正该单元格（或把引号改为中文引号）后重新导出。"
            )
        self._breaks += int(breaks.sum())

    def _check_mojibake(self, frame: pd.DataFrame, start: int) -> None:
        """Refuse a GB18030 file with lines or cells that were UTF-8 (they decode, as mojibake).

        UTF-8 Chinese read as GB18030 turns into rare characters (GBK lead bytes E4–E9, private
        use): a row whose text is a quarter or more such characters (at least 4) was not GB18030.
        """
        n = len(frame)
        rare = np.zeros(n, dtype=np.int64)
        total = np.zeros(n, dtype=np.int64)
        for j, label in enumerate(frame.columns):
            if self.mapping.get(label) not in TEXT_FIELDS and label not in self.unknown:
                continue  # codes, dates and enumerations: a UTF-8 line shows in its text cells too
            values = frame.iloc[:, j]
            if not _arrow_backed(values):
                continue
            arr = pa.chunked_array(values.array.__arrow_array__())
            if normalize.mostly_distinct(arr):  # free text: a dictionary would cost more than it saves
                counts = pc.fill_null(pc.count_substring_regex(arr, _mojibake_class()), 0)
                found = counts.to_numpy(zero_copy_only=False)
                if found.any():  # as below: a column without such characters is left out
                    rare += found
                    total += pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False)
                continue
            encoded = normalize.dictionary_encoded(arr)
            words = encoded.dictionary
            if not pc.any(pc.fill_null(pc.match_substring_regex(words, _mojibake_class()), False)).as_py():
                continue
            idx = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
            present = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
            counts = pc.count_substring_regex(words, _mojibake_class()).to_numpy(zero_copy_only=False)
            lengths = pc.utf8_length(words).to_numpy(zero_copy_only=False)
            rare += np.where(present, counts[idx], 0)
            total += np.where(present, lengths[idx], 0)
        bad = np.flatnonzero((rare >= 4) & (rare * 4 >= total))
        if len(bad):
            lines = "、".join(str(self.header_row + 2 + start + int(i) + self._breaks) for i in bad[:10])
            more = f" 等 {len(bad)} 行" if len(bad) > 10 else ""
            raise InputFileError(
                f"文件 {self.path.name} 按 GB18030（GBK）读取，但第 {lines} 行{more}的文字是乱码，像是 UTF-8 编码"
                "（文件混用了两种编码）：为免存入乱码，本文件未导入；请把整个文件统一另存为 UTF-8 或 GB18030 后重新导入。"
            )

    # ---------------------------------------------------------------- spreadsheets
    def _excel_batches(self) -> Iterator[pd.DataFrame]:
        sheet, self._sheet_cache = self._sheet_cache, None
        if sheet is None:
            sheet = excel_reader.open_sheet(self.path, self.sheet)
        positions = [pos for pos, _ in self._columns] + list(self._name_columns)
        labels = self.raw_columns + [f"\x1f{i}" for i in range(len(self._name_columns))]
        for frame, start in excel_reader.sheet_frames(
            sheet, self.header_row, positions, labels, self.batch_rows
        ):
            frame = self._finish(frame, start)
            if len(frame):
                yield frame

    def _finish(self, frame: pd.DataFrame, start: int) -> pd.DataFrame:
        """Turn empty cells to NaN, add row numbers, drop blank rows, gather caller names."""
        n = len(frame)
        width = len(self._columns)
        blank = np.ones(n, dtype=bool)
        cols: dict[str, pd.Series] = {}
        for j, label in enumerate(frame.columns):
            values, empty, space = _blank_cells(frame.iloc[:, j], check_space=j < width and bool(blank.any()))
            cols[label] = values
            if j < width:
                blank &= space
        names = [cols.pop(label) for label in list(cols)[width:]]
        out = pd.DataFrame(cols, index=frame.index)
        row_number = np.arange(start + 1, start + n + 1, dtype="int64")
        out[ROW_NUMBER] = row_number
        out[SOURCE_ROW] = row_number + self.header_row + 1
        if names:
            joined = names[0].fillna("")
            for more in names[1:]:
                joined = joined + "\x1f" + more.fillna("")
            out[CALLER_NAMES] = joined
        if n and width and blank.any():
            out = out.loc[~blank]
        out.index = pd.RangeIndex(len(out))
        return out


def _blank_cells(values: pd.Series, check_space: bool = True) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The column with '' as NaN, and masks of empty and of whitespace-only cells (arrow kernels;
    without ``check_space`` the last mask is all False: no row can be blank any more)."""
    if values.dtype != "str":
        values = values.astype("str")
    arr = pa.chunked_array(values.array.__arrow_array__()) if _arrow_backed(values) else None
    if arr is None:
        empty = (values.isna() | (values == "")).to_numpy(dtype=bool, na_value=True)
        space = empty | (values.str.strip() == "").to_numpy(dtype=bool, na_value=True)
        return values.mask(empty), empty, space
    empty = pc.fill_null(pc.equal(arr, ""), True)
    if check_space:
        space = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True).to_numpy(zero_copy_only=False)
    else:
        space = np.zeros(len(values), dtype=bool)
    if pc.any(empty).as_py():
        arr = pc.if_else(empty, pa.scalar(None, arr.type), arr)
    out = pd.Series(pd.array(arr, dtype="str"), index=values.index)
    return out, empty.to_numpy(zero_copy_only=False), space


def _holds_quote(path: Path, encoding: str) -> bool:
    """True when the file has a ``"`` anywhere (a byte search; not for UTF-16)."""
    if "16" in encoding:
        return True
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            if b'"' in chunk:
                return True
    return False


@lru_cache(maxsize=1)
def _mojibake_class() -> str:
    """RE2 class of the characters UTF-8 Chinese turns into when read as GB18030."""
    chars = set()
    for lead in range(0xE4, 0xEA):
        for trail in (*range(0x40, 0x7F), *range(0x80, 0xFF)):
            try:
                chars.add(bytes([lead, trail]).decode("gb18030"))
            except UnicodeDecodeError:
                continue
    body = "".join(f"\\x{{{ord(c):x}}}" for c in sorted(chars))
    return f"[{body}\\x{{e000}}-\\x{{f8ff}}]"


def _arrow_backed(values: pd.Series) -> bool:
    return values.dtype == "str" and getattr(values.dtype, "storage", None) == "pyarrow"


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def default_aliases() -> dict[str, str]:
    """Union of the alias tables of all record kinds (first kind wins on a clash)."""
    out: dict[str, str] = {}
    for kind in KIND_SPECS.values():
        for key, name in alias_map(kind).items():
            out.setdefault(key, name)
    return out


def read_batches(
    path: str | Path,
    sheet: str | int | None = None,
    batch_rows: int = 50_000,
    alias: Mapping[str, str] | str | None = None,
    personal: Iterable[str] = PERSONAL_HEADERS,
) -> RawTable:
    """Open a CSV or spreadsheet file and locate its header row.

    Nothing but the first rows is read here; the data comes from :meth:`RawTable.batches`.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.txt``/``.tsv`` file (UTF-8, UTF-8 with BOM or GB18030/GBK; comma, tab,
        semicolon or pipe separated) or a spreadsheet (``.xlsx``, ``.xlsm``, ``.xls``,
        ``.xlsb``, ``.ods``).
    sheet : str or int, optional
        Sheet name or 0-based index. ``None`` picks the sheet whose header row matches the
        aliases best (the first one on a tie). Ignored for CSV.
    batch_rows : int, default 50000
        Rows per yielded batch.
    alias : mapping or str, optional
        Header alias dictionary: label → canonical column. Keys are compared after
        :func:`guidance_analytics.schema.header_key`, so raw labels work too. A kind name
        (``"permits"`` …) means that kind's alias table; ``None`` means all kinds together.
    personal : iterable of str
        Labels of personal-data columns to drop (compared after ``header_key``).

    Returns
    -------
    RawTable

    Raises
    ------
    InputFileError
        Unsupported extension, unreadable or empty file, missing sheet, or no header row among
        the first :data:`HEADER_SCAN_ROWS` rows. Messages are in Chinese and name the file.
    """
    path = Path(path)
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    aliases = _resolve_aliases(alias)
    personal_keys = {header_key(p) for p in personal}
    ext = path.suffix.lower()
    if ext not in CSV_EXTENSIONS + EXCEL_EXTENSIONS:
        raise InputFileError(f"不支持的文件类型 {path.name}：请提供 .xlsx、.xls 或 .csv 文件")
    if not path.is_file():
        raise InputFileError(f"文件不存在或无法读取：{path.name}")
    if path.stat().st_size == 0:
        raise InputFileError(f"文件为空：{path.name}")

    fmt = formats.sniff(path, CSV_EXTENSIONS, EXCEL_EXTENSIONS)
    if fmt == "text":
        encoding = detect_encoding(path)
        rows, delimiter = _csv_head(path, encoding, aliases)
        sheet_obj = None
        sheet_name: str | None = None
        sheets: list[str] = []
    else:
        encoding = None
        delimiter = ","
        sheets, sheet_name, rows, sheet_obj = excel_reader.excel_head(
            path, sheet, lambda row: _header_score(row, aliases), HEADER_SCAN_ROWS, MIN_HEADER_MATCHES
        )

    if not any(any(cell_text(c) for c in r) for r in rows):
        raise InputFileError(f"文件为空：{path.name}" + (f"（工作表 {sheet_name}）" if sheet_name else ""))
    header_row = _find_header_row(rows, aliases)
    if header_row is None:
        found = _first_labels(rows)
        raise InputFileError(
            f"未找到表头行：文件 {path.name}"
            + (f"（工作表 {sheet_name}）" if sheet_name else "")
            + f" 前 {HEADER_SCAN_ROWS} 行中没有一行含有至少 {MIN_HEADER_MATCHES} 个可识别的列名"
            + f"（最满的一行有 {len(found)} 个非空单元格；为免泄露个人信息，不显示单元格内容）。"
            + "请确认第一行是表头（如「工单编号」「受理时间」），或文件种类选对了。"
        )
    table = _build_table(rows[header_row], aliases, personal_keys, rows[header_row + 1 :])
    if encoding is not None:
        table["_quotes"] = _holds_quote(path, encoding)
    table.update(
        path=path,
        header_row=header_row,
        sheet=sheet_name,
        sheets=sheets,
        encoding=encoding,
        batch_rows=batch_rows,
        _delimiter=delimiter,
        _width=len(rows[header_row]),
        _sheet_cache=None if encoding is not None else sheet_obj,
    )
    return RawTable(**table)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _resolve_aliases(alias: Mapping[str, str] | str | None) -> dict[str, str]:
    if alias is None:
        return default_aliases()
    if isinstance(alias, str):
        if alias not in KIND_SPECS:
            raise ValueError(f"unknown kind {alias!r}")
        return alias_map(KIND_SPECS[alias])
    return {header_key(k): v for k, v in alias.items()}


def _find_header_row(rows: list[list[Any]], aliases: Mapping[str, str]) -> int | None:
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _header_score(row, aliases) >= MIN_HEADER_MATCHES:
            return i
    return None


def _header_score(row: list[Any], aliases: Mapping[str, str]) -> int:
    keys = {header_key(cell_text(c)) for c in row}
    keys.discard("")
    return sum(1 for k in keys if k in aliases)


def _first_labels(rows: list[list[Any]]) -> list[str]:
    """Labels of the fullest of the first rows, for the 'no header' message."""
    best: list[str] = []
    for row in rows[:HEADER_SCAN_ROWS]:
        labels = [t.strip() for t in (cell_text(c) for c in row) if t.strip()]
        if len(labels) > len(best):
            best = labels
    return best[:40]


#: Unrecognised labels holding a person's name: their values are used to remove that name from the
#: row's free text, then dropped like every personal column.
NAME_WORDS = ("来电人", "诉求人", "反映人", "举报人", "投诉人", "来电者", "联系人", "姓名", "caller")
_PHONE_OR_ID = re.compile(
    r"^\s*(?:\+?86[-\s]?)?(?:1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8}|\d{17}[\dXx]|\d{15})\s*$"
)


def _personal_by_content(values: list[str]) -> bool:
    """True when most non-empty sample values of a column are phone or ID numbers."""
    present = [v for v in values if v.strip()]
    if not present:
        return False
    hits = sum(1 for v in present if _PHONE_OR_ID.match(v))
    return hits >= max(1, (len(present) + 1) // 2)


def _build_table(
    header: list[Any],
    aliases: Mapping[str, str],
    personal_keys: set[str],
    sample: list[list[Any]] | None = None,
) -> dict[str, Any]:
    headers_found: list[str] = []
    mapping: dict[str, str] = {}
    source_label: dict[str, str] = {}
    dropped: list[str] = []
    unknown: list[str] = []
    shadowed: list[str] = []
    columns: list[tuple[int, str]] = []
    names: list[int] = []
    seen: dict[str, int] = {}
    sample = sample or []
    for pos, cell in enumerate(header):
        label = cell_text(cell).strip()
        if not label:
            continue
        headers_found.append(label)
        key = header_key(label)
        canon = aliases.get(key)
        values = [cell_text(r[pos]) if pos < len(r) else "" for r in sample]
        personal = key in personal_keys or (
            canon is None and (any(w in key for w in PERSONAL_WORDS) or _personal_by_content(values))
        )
        if personal:
            dropped.append(label)
            if any(w in key for w in NAME_WORDS) and not _personal_by_content(values):
                names.append(pos)
            continue
        count = seen.get(label, 0) + 1
        seen[label] = count
        unique = label if count == 1 else f"{label} ({count})"
        columns.append((pos, unique))
        if canon is None:
            unknown.append(unique)
        elif canon in source_label:
            mapping[unique] = canon
            shadowed.append(unique)
        else:
            mapping[unique] = canon
            source_label[canon] = unique
    return {
        "headers_found": headers_found,
        "mapping": mapping,
        "dropped_personal": dropped,
        "unknown": unknown,
        "source_label": source_label,
        "shadowed": shadowed,
        "_columns": columns,
        "_name_columns": names,
    }


def _csv_head(path: Path, encoding: str, aliases: Mapping[str, str]) -> tuple[list[list[str]], str]:
    """First rows of a CSV, split with the delimiter that finds the best header."""
    try:
        with path.open("r", encoding=encoding, newline="") as fh:
            lines: list[str] = []
            for _ in range(HEADER_SCAN_ROWS):
                line = fh.readline()
                if not line:
                    break
                lines.append(line)
    except UnicodeDecodeError:
        raise InputFileError(decoding_report(path, encoding)) from None
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {path.name}：{exc.strerror or exc}") from None
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    best: tuple[int, str, list[list[str]]] | None = None
    for delim in _CSV_DELIMITERS:
        rows = [r if r else [] for r in csv.reader(lines, delimiter=delim)]
        score = max((_header_score(r, aliases) for r in rows), default=0)
        if best is None or score > best[0]:
            best = (score, delim, rows)
    assert best is not None
    return best[2], best[1]
