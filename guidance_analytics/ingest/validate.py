"""Row checks for one batch of one record kind: typed canonical rows, or reasons in Chinese.

Every check is vectorised over the batch. A row with one or more failed checks is rejected whole;
its reasons are joined with ``；``. Reasons name the official column label and quote the value,
e.g. ``缺少必填字段「许可决定日期」`` or ``日期无法识别「2024/13/45」（许可决定日期）``.

Warnings (a credit code whose check character is wrong) never reject a row: they are kept in the
``uscc_check_ok`` column and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import identity, normalize
from .codes import uscc_check_ok_series, uscc_valid_format_series
from .readers import CALLER_NAMES, ROW_NUMBER, SOURCE_ROW
from .schema import (
    ENUMS,
    LATEST_VALID_TO,
    LONG_TERM_DATES,
    LONG_TERM_WORDS,
    MULTI_VALUED,
    USCC_PLACEHOLDER,
    WAIVER_PATTERNS,
    Kind,
    header_key,
)

#: Free-text columns: people's names (the caller's, 张建国反映…, 郑女士称…) are removed from them.
FREE_TEXT = ("title", "content", "result", "facts", "problems")
#: Text columns that are codes or keys (digits are their content): never scrubbed of numbers.
#: Every other text column is scrubbed of phone and ID numbers before anything is stored.
CODE_COLUMNS = (
    "order_no",
    "permit_no",
    "decision_doc_no",
    "decision_no",
    "inspection_no",
    "uscc",
    "industry_code",
)
#: Event dates that cannot lie in the future (relative to the import day).
EVENT_DATES = ("decision_date", "received_at", "inspected_on", "decided_on", "closed_at", "classified_on")
#: Columns added after rows were first stored: left out of the content hash when the file has no
#: such column (so a re-import of an old export is still a duplicate, not an update).
LATER_COLUMNS = ("decision_type",)
#: Derived columns that are not content (never hashed).
DERIVED = ("uscc_check_ok", "updated_at", "waiver")
EARLIEST = pd.Timestamp("1980-01-01")
REASON = "reason"


@dataclass
class Checked:
    """The outcome of checking one batch."""

    rows: pd.DataFrame  # accepted candidates: canonical typed columns + key + row_hash + row_number
    rejected: pd.DataFrame  # index-aligned with the raw batch: row_number + reason
    warnings: dict[str, int] = field(default_factory=dict)
    #: the columns of ``rows`` the row hash covers
    content: list[str] = field(default_factory=list)


def normalized_columns(kind: Kind, canon: pd.DataFrame) -> pd.DataFrame:
    """The kind's columns of a canonical batch as normalised text (:func:`normalize.normalize_text`),
    NaN where the file has no such column: the first step of :func:`check_batch`."""
    df = pd.DataFrame(index=canon.index)
    for col in kind.columns:
        df[col.name] = (
            _on_uniques(normalize.normalize_text, canon[col.name]).astype("str")
            if col.name in canon
            else pd.Series(np.nan, index=canon.index, dtype="str")
        )
    return df


class _Reasons:
    """Accumulates reasons per row, vectorised."""

    def __init__(self, index: pd.Index) -> None:
        self.text = pd.Series("", index=index, dtype="str")

    def add(self, mask: pd.Series, message: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        msg = message[mask] if isinstance(message, pd.Series) else message
        current = self.text[mask]
        self.text.loc[mask] = np.where(current == "", msg, current + "；" + msg)

    def add_quoted(self, mask: pd.Series, values: pd.Series, label: str, prefix: str) -> None:
        """Add ``prefix「value」（label）`` where ``mask`` holds (built for those rows only)."""
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            self.add(mask, _quote(values[mask], label, prefix))

    @property
    def bad(self) -> pd.Series:
        return self.text != ""


def _quote(values: pd.Series, label: str, prefix: str) -> pd.Series:
    return prefix + "「" + values.astype("str") + "」（" + label + "）"


def check_batch(
    kind: Kind,
    canon: pd.DataFrame,
    source_label: dict[str, str],
    today: pd.Timestamp | None = None,
    version: pd.Series | None = None,
) -> Checked:
    """Check and type one canonical batch of ``kind``.

    Parameters
    ----------
    kind : the record kind (from :data:`guidance_analytics.schema.KIND_SPECS`).
    canon : a batch renamed to canonical columns (``RawTable.canonical``), values ``str``/NaN;
        with :data:`~guidance_analytics.ingest.readers.CALLER_NAMES` the callers' names are
        removed from the row's free text.
    source_label : canonical column → original header label (for unit rules such as 万元).
    today : the import day (event dates after it are rejected); default today.
    version : the export's own update time of each row (raw text of a 数据更新时间戳 column),
        parsed into ``updated_at`` for work orders.

    Returns
    -------
    Checked
    """
    today = pd.Timestamp.today().normalize() if today is None else today
    df = normalized_columns(kind, canon)
    reasons = _Reasons(canon.index)
    warnings: dict[str, int] = {}
    if kind.name == "penalties":
        _waivers(df, warnings)

    # required fields (permits: licence number, else decision document number)
    for col in kind.required:
        reasons.add(df[col.name].isna(), f"缺少必填字段「{col.label}」")
    if len(kind.key) > 1:
        keys = [kind.column(k) for k in kind.key]
        missing = np.logical_and.reduce([df[k.name].isna() for k in keys])
        reasons.add(
            pd.Series(missing, index=df.index), "缺少必填字段" + "或".join(f"「{k.label}」" for k in keys)
        )

    for col in kind.columns:
        values = df[col.name]
        present = values.notna()
        if col.dtype in ("date", "datetime"):
            parsed = _on_uniques(lambda u: normalize.parse_dates(u)[0], values)
            bad = values.notna() & parsed.isna()
            if col.name == "valid_to":  # 长期 / 永久 mean long-term, not a bad date
                bad &= ~values.isin(LONG_TERM_WORDS)
            reasons.add_quoted(present & bad, values, col.label, "日期无法识别")
            ok = present & ~bad
            reasons.add_quoted(ok & (parsed < EARLIEST), values, col.label, "日期早于1980年")
            if col.name in EVENT_DATES:
                reasons.add_quoted(
                    ok & (parsed.dt.normalize() > today), values, col.label, "日期晚于导入当天"
                )
            if col.dtype == "date":
                parsed = parsed.dt.normalize()
            df[col.name] = parsed
        elif col.dtype == "enum" and col.enum is not None:
            mapping = {header_key(k): v for k, v in ENUMS[col.enum].items()}
            if col.enum in MULTI_VALUED:
                canon_values, bad = normalize.normalize_enum_multi(values, mapping)
            else:
                canon_values, bad = normalize.normalize_enum(values, mapping)
            reasons.add_quoted(present & bad, values, col.label, "取值无法识别")
            df[col.name] = canon_values
        elif col.dtype == "amount":
            label = source_label.get(col.name, col.label)
            scale = col.scale.get(header_key(label), 1.0)
            amounts, bad = normalize.parse_amounts(values, scale)
            infinite = present & ~bad & ~np.isfinite(amounts.fillna(0.0))
            negative = present & ~bad & ~infinite & (amounts < 0)
            reasons.add_quoted(present & (bad | infinite), values, col.label, "金额无法识别")
            reasons.add_quoted(negative, values, col.label, "金额为负数")
            df[col.name] = amounts.where(~infinite)
        elif col.dtype == "int":
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
            reasons.add_quoted(present & bad, values, col.label, "数量无法识别")
            df[col.name] = numbers.where(~bad).astype("Int64")

    if "uscc" in df:
        codes = df["uscc"].str.upper().str.replace(r"[\s\-]", "", regex=True)
        placeholder = codes == USCC_PLACEHOLDER
        codes = codes.where(~placeholder)
        fmt_ok = uscc_valid_format_series(codes)
        present = codes.notna()
        reasons.add_quoted(present & ~fmt_ok, df["uscc"], "统一社会信用代码", "统一社会信用代码格式错误")
        check_ok = uscc_check_ok_series(codes).where(present & fmt_ok)
        df["uscc"] = codes
        df["uscc_check_ok"] = check_ok.astype("boolean")
        warnings["统一社会信用代码校验位不符（仅提示）"] = int((check_ok == False).sum())  # noqa: E712

    _kind_rules(kind.name, df, reasons, canon, warnings)
    if kind.name == "complaints":
        df["updated_at"] = _updated_at(version, canon.index, today, warnings)

    names = canon[CALLER_NAMES] if CALLER_NAMES in canon else None
    bad = reasons.bad
    rows = df.loc[~bad].copy() if bad.any() else df.copy(deep=False)  # nothing rejected: no take
    later = [c for c in LATER_COLUMNS if c not in canon]
    content = [c for c in rows.columns if c not in DERIVED and c not in later]
    rows[ROW_NUMBER] = canon.loc[~bad, ROW_NUMBER].astype("int64")
    rejected = pd.DataFrame(
        {
            ROW_NUMBER: canon.loc[bad, ROW_NUMBER].astype("int64"),
            SOURCE_ROW: canon.loc[bad, SOURCE_ROW],
            REASON: reasons.text[bad],
        }
    )
    _finish_rows(kind, rows, names, content)
    return Checked(rows=rows, rejected=rejected, warnings=warnings, content=content)


def _finish_rows(kind: Kind, rows: pd.DataFrame, names: pd.Series | None, content: list[str]) -> None:
    """The steps on accepted rows only (in place): personal data out of the text, canonical
    township and industry code, then ``key`` and ``row_hash`` of the final values."""
    for col in kind.columns:
        if col.dtype != "text" or col.name in CODE_COLUMNS or col.name not in rows:
            continue
        free = col.name in FREE_TEXT
        if free:
            rows[col.name] = normalize.scrub_people(rows[col.name], names)
        rows[col.name] = normalize.scrub_pii(rows[col.name], free_text=free)
    if "township" in rows:
        rows["township"] = identity.township_canonical(rows["township"])
    if "industry_code" in rows:
        rows["industry_code"] = _on_uniques(
            lambda u: u.str.extract(r"(\d{2,4})", expand=False), rows["industry_code"]
        )
    rows["key"] = _key(kind, rows)
    rows["row_hash"] = _hash(rows[content])


def _updated_at(
    version: pd.Series | None, index: pd.Index, today: pd.Timestamp, warnings: dict[str, int]
) -> pd.Series:
    """The export's update time per row; unreadable or future values are left out (and counted)."""
    if version is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    parsed, bad = normalize.parse_dates(version.reindex(index))
    future = parsed.dt.normalize() > today + pd.Timedelta(days=1)
    warnings["数据更新时间无法识别或晚于导入当天，未用于判断新旧（仅提示）"] = int((bad | future).sum())
    return parsed.where(~future)


def waiver_kind(text: pd.Series) -> pd.Series:
    """The kind of 不予行政处罚 a text names (首违不罚 / 轻微违法不罚 / 不予处罚), else NaN.

    >>> waiver_kind(pd.Series(["首违不罚", "依法不予行政处罚", "违法行为轻微，不予处罚", "罚款"])).tolist()
    ['首违不罚', '不予处罚', '轻微违法不罚', nan]
    """
    out = pd.Series(np.nan, index=text.index, dtype="str")
    for pattern, name in WAIVER_PATTERNS:
        hit = text.str.contains(pattern, regex=True, na=False) & out.isna()
        out = out.mask(hit, name)
    return out


def _waivers(df: pd.DataFrame, warnings: dict[str, int]) -> None:
    """Recognise 不予行政处罚 decisions (行政处罚法 第三十三条) from 处罚类别 / 决定类型 / 处罚内容.

    Sets ``waiver``; a 处罚类别 that only says so is moved to 决定类型 (when that is empty) and
    cleared, so it is not rejected as an unknown penalty kind. 处罚内容 counts only when 处罚类别
    is empty or 其他 (a 警告 whose text mentions 不予处罚 of another matter stays a penalty).
    """
    kinds = df["penalty_types"]
    by_kind = _on_uniques(waiver_kind, kinds)
    by_type = _on_uniques(waiver_kind, df["decision_type"])
    plain = kinds.isna() | (kinds.str.strip() == "其他")
    by_content = _on_uniques(waiver_kind, df["content"]).where(plain)
    found = by_kind.notna() | by_type.notna() | by_content.notna()
    joined = kinds.fillna("") + " " + df["decision_type"].fillna("") + " " + df["content"].fillna("")
    waiver = _on_uniques(waiver_kind, joined.where(found))
    df["waiver"] = waiver
    moved = by_kind.notna()
    df["decision_type"] = df["decision_type"].mask(moved & df["decision_type"].isna(), kinds)
    df["penalty_types"] = kinds.mask(moved)
    warnings["不予行政处罚决定（首违不罚/轻微违法不罚）：已导入，不计为违法（仅提示）"] = int(
        waiver.notna().sum()
    )


def _kind_rules(
    kind: str, df: pd.DataFrame, reasons: _Reasons, canon: pd.DataFrame, warnings: dict[str, int]
) -> None:
    """Cross-field rules and derived columns of one kind."""
    if kind == "permits":
        raw_to = canon["valid_to"] if "valid_to" in canon else pd.Series(np.nan, index=df.index, dtype="str")
        year = df["valid_to"].dt.year
        long_term = df["valid_to"].isin([pd.Timestamp(d) for d in LONG_TERM_DATES]) | year.isin([2099, 9999])
        absurd = df["valid_to"].notna() & ~long_term & (df["valid_to"] > pd.Timestamp(LATEST_VALID_TO))
        reasons.add_quoted(absurd, raw_to, "有效期至", f"有效期至晚于{LATEST_VALID_TO[:4]}年（疑似录入错误）")
        df["valid_to"] = df["valid_to"].where(~long_term & ~absurd)
        df["valid_from"] = df["valid_from"].fillna(df["decision_date"])
        reasons.add(
            df["valid_to"].notna() & (df["valid_to"] < df["valid_from"]), "「有效期至」早于「有效期自」"
        )
        item = df["permit_item"].fillna(df["certificate_name"].str.replace(r"(证书|证)$", "", regex=True))
        df["permit_item"] = item
        df["permit_key"] = df["permit_no"].fillna(df["decision_doc_no"])
    elif kind == "complaints":
        reasons.add(
            df["closed_at"].notna() & (df["closed_at"] < df["received_at"]), "「办结时间」早于「受理时间」"
        )
        df["category_top"] = _on_uniques(
            lambda u: u.str.extract(r"^\s*([^/／>＞\-—|、]+)", expand=False).str.strip(), df["category"]
        )
    elif kind == "credit_classes":
        raw = canon["uscc"] if "uscc" in canon else pd.Series(np.nan, index=df.index, dtype="str")
        reasons.add_quoted(
            raw.notna() & df["uscc"].isna(), raw, "统一社会信用代码", "统一社会信用代码为占位码，无法对应企业"
        )
        df["class_key"] = df["uscc"] + "|" + df["classified_on"].dt.strftime("%Y-%m-%d")
    elif kind == "inspections":
        no_problem = df["result"] == "未发现问题"
        df["problem_count"] = (
            df["problem_count"]
            .where(df["problem_count"].notna(), pd.Series(np.where(no_problem, 0, 1), index=df.index))
            .astype("Int64")
        )


def _on_uniques(fn: Callable[[pd.Series], pd.Series], values: pd.Series) -> pd.Series:
    """Apply a vectorised element-wise ``fn`` to the distinct values only (exports repeat a lot)."""
    return normalize.on_distinct(fn, values)


def _key(kind: Kind, rows: pd.DataFrame) -> pd.Series:
    key = rows[kind.key[0]]
    for fallback in kind.key[1:]:
        key = key.fillna(rows[fallback])
    return key


def _hash(frame: pd.DataFrame) -> pd.Series:
    """A stable 64-bit content hash per row, as 16 hex characters.

    The same value as ``pandas.util.hash_pandas_object(frame.astype("str"), index=False)`` (so
    hashes stored by earlier versions still match), computed from each column's distinct values.
    """
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="str")
    n = len(frame)
    out = np.full(n, 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    num_items = frame.shape[1]
    with np.errstate(over="ignore"):
        for i in range(num_items):
            out ^= _column_hash(_text_for_hash(frame.iloc[:, i]))
            out *= mult
            inverse_i = num_items - i
            mult += np.uint64(82520 + inverse_i + inverse_i)
        out += np.uint64(97531)
    return pd.Series(_hex16(out), index=frame.index)


_NULL_HASH = np.uint64(np.iinfo(np.uint64).max)
_NAT = np.iinfo(np.int64).min
_US_PER_DAY = 86_400_000_000


def _text_for_hash(values: pd.Series) -> pd.Series:
    """``values.astype("str")``; date-times written from their numbers (:func:`_datetime_text`)."""
    if values.dtype == "datetime64[us]":
        text = _datetime_text(values)
        if text is not None:
            return text
    return values.astype("str")


def _datetime_text(values: pd.Series) -> pd.Series | None:
    """``values.astype("str")`` of a ``datetime64[us]`` column in whole seconds of years 1000-9999,
    built from the numbers: ``YYYY-MM-DD`` when every value is a midnight (pandas' dates-only
    format), else ``YYYY-MM-DD HH:MM:SS``; NaN for NaT. None for other columns (fractions of a
    second, other years, nothing but NaT), which pandas formats itself.

    >>> _datetime_text(pd.Series(pd.to_datetime(["2024-03-05 14:23:11", None]).astype("datetime64[us]"))).tolist()
    ['2024-03-05 14:23:11', nan]
    >>> _datetime_text(pd.Series(pd.to_datetime(["2024-03-05"]).astype("datetime64[us]"))).tolist()
    ['2024-03-05']
    """
    us = values.to_numpy(dtype="datetime64[us]").view(np.int64)
    nat = us == _NAT
    present = us[~nat]
    if not len(present) or (present % 1_000_000).any():
        return None
    days, of_day = np.divmod(np.where(nat, 0, us), _US_PER_DAY)
    year, month, day = _civil_from_days(days)
    if (year[~nat] < 1000).any() or (year[~nat] > 9999).any():
        return None
    seconds = of_day // 1_000_000
    # two digits at a time, from uint8 numbers (0-99): the year as its hundreds and the rest
    pairs = [year // 100, year % 100, month, day]
    literals = ["", "-", "-"]
    if of_day[~nat].any():
        pairs += [seconds // 3600, seconds // 60 % 60, seconds % 60]
        literals += [" ", ":", ":"]
    width = 2 * len(pairs) + sum(map(len, literals))
    n = len(us)
    cells = np.empty((n, width), dtype=np.uint8)
    at = 0
    for number, literal in zip(pairs, [*literals, ""], strict=True):
        small = number.astype(np.uint8)
        tens = small // 10
        cells[:, at] = tens + 48
        cells[:, at + 1] = small - tens * 10 + 48
        at += 2
        if literal:
            cells[:, at] = ord(literal)
            at += 1
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int64)
    offsets[1:] -= np.cumsum(nat) * width  # a missing value takes no bytes
    chars = (cells[~nat] if nat.any() else cells).reshape(-1)
    validity = pa.py_buffer(np.packbits(~nat, bitorder="little")) if nat.any() else None
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars), validity)
    return pd.Series(pd.array(arr, dtype="str"), index=values.index)


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of days since 1970-01-01 (H. Hinnant's ``civil_from_days``).

    >>> [a.tolist() for a in _civil_from_days(np.array([0, 19782, -135080]))]
    [[1970, 2024, 1600], [1, 2, 3], [1, 29, 1]]
    """
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def _column_hash(text: pd.Series) -> np.ndarray:
    """pandas' categorised hash of one ``str`` column: hash of each distinct value, u8max for NaN."""
    arr = (
        pa.chunked_array(text.array.__arrow_array__())
        if getattr(text.dtype, "storage", None) == "pyarrow"
        else None
    )
    if arr is not None and normalize.mostly_distinct(arr):
        values = _utf8_objects(arr)
        missing = pc.is_null(arr).to_numpy(zero_copy_only=False)
        result = pd.util.hash_array(values, categorize=False).astype(np.uint64, copy=True)
        result[missing] = _NULL_HASH
        return result
    if arr is not None:
        encoded = normalize.dictionary_encoded(arr)
        uniques = _utf8_objects(encoded.dictionary)
        hashed = pd.util.hash_array(uniques, categorize=False) if len(uniques) else np.zeros(0, np.uint64)
        idx = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
        missing = pc.is_null(encoded.indices).to_numpy(zero_copy_only=False)
        result = hashed[idx] if len(hashed) else np.zeros(len(text), dtype=np.uint64)
        result = result.astype(np.uint64, copy=True)
        result[missing] = _NULL_HASH
        return result
    return pd.util.hash_array(text.to_numpy(dtype=object), categorize=True)


def _utf8_objects(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The texts as an object array of their UTF-8 ``bytes`` (None where missing).

    pandas hashes a ``bytes`` value as it is and a ``str`` as its UTF-8 encoding, so the hashes
    are the same; handing over the bytes arrow holds saves decoding every text into a Python
    ``str`` and encoding it back (two to five times the cost of the hash itself).
    """
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_binary())
    elif pa.types.is_string(arr.type):
        arr = arr.cast(pa.binary())
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def _hex16(values: np.ndarray) -> pd.arrays.ArrowStringArray:
    """uint64 values as 16 lower-case hex characters each (``f"{v:016x}"``), without a Python loop:
    the big-endian bytes of all of them written as hex in one ``bytes.hex``.

    >>> _hex16(np.array([0, 255, 2**64 - 1], dtype=np.uint64)).tolist()
    ['0000000000000000', '00000000000000ff', 'ffffffffffffffff']
    """
    n = len(values)
    chars = values.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int32)
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))
    return pd.array(arr, dtype="str")
