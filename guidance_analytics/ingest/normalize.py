"""Value normalisation: the one place for text, dates, amounts, enumerations and PII scrubbing.

Every function takes a pandas Series (anything list-like is converted) and works column-wise
with pandas string methods and regular expressions, so a 50 000-row batch costs milliseconds,
not a Python loop per row. Missing input (NaN/None/empty) stays missing and is never "bad".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import header_key

__all__ = [
    "PII_MASK",
    "mostly_distinct",
    "variable_width",
    "on_distinct",
    "EXCEL_SERIAL_MIN",
    "EXCEL_SERIAL_MAX",
    "MULTI_SEPARATORS",
    "MISSING_TOKENS",
    "normalize_text",
    "parse_dates",
    "parse_amounts",
    "normalize_enum",
    "normalize_enum_multi",
    "scrub_pii",
    "scrub_people",
    "strip_control",
    "CONTROL_CHARS",
    "NOT_NAMES",
    "SURNAMES",
]

#: Replacement for personal data found in free text.
PII_MASK = "［已隐去］"
#: Plausible Excel serial day numbers (1954-10-03 … 2119-01-09).
EXCEL_SERIAL_MIN = 20000
EXCEL_SERIAL_MAX = 80000
#: Cell texts that mean "no value" in exports; dates and amounts treat them as missing, not bad.
MISSING_TOKENS = frozenset(
    ("-", "--", "—", "——", "/", "\\", "无", "暂无", "空", "null", "none", "nan", "nat", "n/a", "#n/a")
)
#: Separators of multi-valued enumeration cells.
MULTI_SEPARATORS = r"[；;、,，/／|\s]+"

_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
_DT_UNIT = "datetime64[us]"


def _series(s: Any) -> pd.Series:
    if isinstance(s, pd.Series):
        return s
    return pd.Series(s, dtype="object")


_TOKEN_LENGTH = max(len(t) for t in MISSING_TOKENS)


def _is_missing_token(text: pd.Series) -> pd.Series:
    """True where a (stripped) text is one of :data:`MISSING_TOKENS` (a column without texts as
    short as the longest token has none: lower-casing never shortens a text)."""
    arr = _arrow(text)
    if arr is not None and not pc.any(pc.less_equal(pc.utf8_length(arr), _TOKEN_LENGTH)).as_py():
        return pd.Series(False, index=text.index)
    return text.str.lower().isin(MISSING_TOKENS).fillna(False).astype(bool)


def _arrow(s: pd.Series) -> pa.ChunkedArray | None:
    """The arrow array behind a pyarrow-backed ``str`` Series (None for other storage)."""
    if s.dtype == "str" and getattr(s.dtype, "storage", None) == "pyarrow":
        return pa.chunked_array(s.array.__arrow_array__())
    return None


def _from_arrow(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def variable_width(arr: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The cell offsets (``len(arr) + 1`` of them, into the second array) and the data bytes of a
    ``string`` / ``large_string`` / ``binary`` / ``large_binary`` array, both without a copy; None
    for other types.

    >>> offsets, data = variable_width(pa.array(["ab", "", "c"]).slice(1))
    >>> offsets.tolist(), bytes(data[offsets[0] : offsets[-1]])
    ([2, 2, 3], b'c')
    """
    if pa.types.is_string(arr.type) or pa.types.is_binary(arr.type):
        offset_type = np.int32
    elif pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type):
        offset_type = np.int64
    else:
        return None
    _validity, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def mostly_distinct(arr: pa.ChunkedArray | pa.Array, sample: int = 2000) -> bool:
    """True when the first ``sample`` values are nearly all different (a key, a time, free text):
    encoding such a column as a dictionary costs more than it saves."""
    n = len(arr)
    if n < 4 * sample:
        return False
    # text columns are asked again by later steps (remembered); a file's raw bytes only once
    remember = pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
    key = (_identity(arr), sample)
    if remember:
        with _ENCODED_LOCK:
            known = _DISTINCT.get(key)
        if known is not None:
            return known[1]
    head = arr.slice(0, sample)
    answer = bool(pc.count_distinct(head).as_py() > 0.7 * sample)
    if remember:
        _remember(_DISTINCT, key, (arr, answer))
    return answer


#: The dictionary encodings of the last few arrays (:func:`dictionary_encoded`), by array identity.
_ENCODED: OrderedDict[tuple[Any, ...], tuple[pa.ChunkedArray | pa.Array, pa.DictionaryArray]] = OrderedDict()
_ENCODED_LOCK = threading.Lock()
#: :func:`mostly_distinct`'s answers for the last few arrays, by array identity.
_DISTINCT: OrderedDict[tuple[Any, ...], tuple[pa.ChunkedArray | pa.Array, bool]] = OrderedDict()
#: About two batches' repetitive columns: a column passed on unchanged is met again by the next steps.
_ENCODED_MAX = 40


def _identity(arr: pa.ChunkedArray | pa.Array) -> tuple[Any, ...]:
    """Type, and per chunk the buffer addresses, offset and length: arrow buffers never change,
    so while the array is held (the cache holds it) an equal identity means equal values."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return (
        str(arr.type),
        tuple((tuple(0 if b is None else b.address for b in c.buffers()), c.offset, len(c)) for c in chunks),
    )


def dictionary_encoded(arr: pa.ChunkedArray | pa.Array) -> pa.DictionaryArray:
    """``pyarrow.compute.dictionary_encode(arr)`` as one array, remembered for the last
    :data:`_ENCODED_MAX` arrays: an import's steps (mojibake scan, normalising, scrubbing, the
    row hash) meet the same repetitive column again when an earlier step left it unchanged.

    >>> arr = pa.chunked_array([pa.array(["微信", "电话", "微信"])])
    >>> encoded = dictionary_encoded(arr)
    >>> encoded.dictionary.to_pylist(), encoded.indices.to_pylist(), dictionary_encoded(arr) is encoded
    (['微信', '电话'], [0, 1, 0], True)
    """
    key = _identity(arr)
    with _ENCODED_LOCK:
        hit = _ENCODED.get(key)
        if hit is not None:
            _ENCODED.move_to_end(key)
            return hit[1]
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    remember_encoded(arr, encoded)
    return encoded


def remember_encoded(arr: pa.ChunkedArray | pa.Array, encoded: pa.DictionaryArray) -> None:
    """Remember ``encoded`` (distinct values, no nulls among them) as the dictionary encoding of
    ``arr`` (and so of the one-chunk column pandas makes of an array: same identity)."""
    _remember(_ENCODED, _identity(arr), (arr, encoded))


def _remember(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], entry: Any) -> None:
    """Put ``entry`` into ``cache`` under ``key``, the oldest entries dropped past :data:`_ENCODED_MAX`."""
    with _ENCODED_LOCK:
        cache[key] = entry
        while len(cache) > _ENCODED_MAX:
            cache.popitem(last=False)


def forget_encoded() -> None:
    """Drop the remembered encodings and :func:`mostly_distinct` answers (and the arrays they
    hold): at the end of an import."""
    with _ENCODED_LOCK:
        _ENCODED.clear()
        _DISTINCT.clear()


def on_distinct(fn: Any, values: pd.Series, max_share: float = 0.5) -> pd.Series:
    """Apply a vectorised element-wise ``fn`` to the distinct values only, when they are at most
    ``max_share`` of the rows (exports repeat a lot); else to all values. Missing stays missing."""
    values = _series(values)
    arr = _arrow(values)
    if arr is None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if len(uniques) in (0, len(values)) or len(uniques) > max_share * len(values):
            return fn(values)
        mapped = fn(pd.Series(uniques, dtype=values.dtype))
        return mapped.take(codes.clip(min=0)).set_axis(values.index).where(codes >= 0)
    if mostly_distinct(arr):
        return fn(values)
    encoded = dictionary_encoded(arr)
    dictionary = encoded.dictionary
    if len(dictionary) == 0 or len(dictionary) > max_share * len(values):
        return fn(values)
    mapped = fn(pd.Series(pd.array(dictionary, dtype="str")))
    if _unchanged(mapped, dictionary):  # every distinct value comes back as it was: no take
        return values
    indices = encoded.indices
    missing = pc.is_null(indices).to_numpy(zero_copy_only=False)
    idx = pc.fill_null(indices, 0).to_numpy(zero_copy_only=False)
    out = mapped.take(idx).set_axis(values.index)
    return out.mask(missing) if missing.any() else out


def _unchanged(mapped: pd.Series, dictionary: pa.Array) -> bool:
    """True when ``mapped`` (the distinct values after ``fn``) is ``dictionary`` itself: a ``str``
    Series, nothing missing, every value equal.

    >>> words = pa.array(["微信", "电话"])
    >>> _unchanged(pd.Series(["微信", "电话"], dtype="str"), words)
    True
    >>> _unchanged(pd.Series(["微信", None], dtype="str"), words), _unchanged(pd.Series(["微信", "话"], dtype="str"), words)
    (False, False)
    """
    arr = _arrow(mapped)
    if arr is None or len(arr) != len(dictionary) or arr.null_count:
        return False
    return bool(pc.all(pc.equal(arr, dictionary)).as_py())


_ALL_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def strip_control(s: pd.Series) -> pd.Series:
    """Text without control characters (``\\x00``–``\\x1f`` except tab and line breaks, DEL): for
    values kept verbatim (rejects, ``extra``), which are not otherwise normalised."""
    s = _as_text(_series(s))
    arr = _arrow(s)
    if arr is not None and not pc.any(pc.match_substring_regex(arr, _ALL_CONTROL_RE2)).as_py():
        return s
    return s.str.replace(_ALL_CONTROL, "", regex=True)


_ALL_CONTROL_RE2 = r"[\x{0}-\x{8}\x{b}\x{c}\x{e}-\x{1f}\x{7f}]"

#: Control characters that are not white space (``\\x00``–``\\x08``, ``\\x0e``–``\\x1b``, DEL): removed.
CONTROL_CHARS = r"[\x00-\x08\x0e-\x1b\x7f]"
_CONTROL_RE2 = r"[\x{0}-\x{8}\x{e}-\x{1b}\x{7f}]"

#: Python's ``\s`` (``str.isspace``) as an RE2 class: RE2's own ``\s`` is ASCII only.
_SPACE_RUN_RE2 = (
    r"[\t\n\v\f\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]+"
)


#: White space that :data:`_SPACE_RUN_RE2` would change: any but the plain space, or two in a row.
_ODD_SPACE_RE2 = (
    r"[\t\n\v\f\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]|  "
)


_CONTROL_OR_ODD_RE2 = f"{_CONTROL_RE2}|{_ODD_SPACE_RE2}"


def _as_text(s: pd.Series) -> pd.Series:
    """Series as ``str`` dtype (NaN kept), whatever the input dtype."""
    if s.dtype == "str":
        return s
    out = s.astype("object")
    out = out.where(out.isna(), out.astype(str))
    return out.astype("str")


# --------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------


def normalize_text(s: pd.Series) -> pd.Series:
    """Normalise free text.

    Control characters (``\\x00``–``\\x08``, ``\\x0e``–``\\x1b``, DEL) are removed, NFKC (full-width
    Latin letters, digits, punctuation and the ideographic space become their ASCII forms; CJK
    characters are kept), every run of whitespace (tabs, line breaks, ``\\x0b``, ``\\x0c``,
    ``\\x1c``–``\\x1f`` included) becomes one space, ends are stripped, and empty strings become NaN.

    Parameters
    ----------
    s : pandas.Series
        Text values (any dtype; non-strings are converted with ``str``).

    Returns
    -------
    pandas.Series
        ``str`` dtype, same index.
    """
    s = _as_text(_series(s))
    arr = _arrow(s)
    if arr is not None:  # column-wise in arrow; pandas would loop in Python for NFKC and \s
        ascii_only = pc.all(pc.fill_null(pc.string_is_ascii(arr), True)).as_py()
        if ascii_only:  # keys, codes, times: NFKC changes nothing; only odd spacing needs the regex
            # (else nothing changes: no text to trim either, and the column is passed on as it is)
            if (
                _odd_ascii_bytes(arr)
                and pc.any(pc.match_substring_regex(arr, r"[\x{0}-\x{1f}\x{7f}]|  |^ | $")).as_py()
            ):
                arr = pc.replace_substring_regex(arr, _CONTROL_RE2, "")
                arr = pc.replace_substring_regex(arr, _SPACE_RUN_RE2, " ")
                arr = pc.utf8_trim(arr, " ")
        else:
            arr = _normalize_non_ascii(arr)
        empty = pc.equal(arr, "")
        if pc.any(empty).as_py():  # the if_else copies every text: only when some text is empty
            arr = pc.if_else(empty, pa.scalar(None, arr.type), arr)
        return _from_arrow(arr, s.index)
    out = s.str.replace(CONTROL_CHARS, "", regex=True)
    out = out.str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()
    return out.mask(out == "")


#: Characters NFKC keeps as they are and that compose with no neighbour (no decomposition, no
#: compatibility mapping, combining class 0, never the second part of a canonical composition):
#: ASCII, CJK ideographs (U+3400–4DBF, U+4E00–9FFF), ·, —, ‘’“”, 、。 and 〈〉《》「」『』【】.
_NFKC_KEPT = (
    r"\x{0}-\x{7f}\x{b7}\x{2014}\x{2018}-\x{201d}\x{3001}\x{3002}\x{3008}-\x{3011}"
    r"\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}"
)
#: A character outside those and the full-width forms U+FF01–FF5E (NFKC: U+0021–007E).
_NFKC_OTHER_RE2 = rf"[^{_NFKC_KEPT}\x{{ff01}}-\x{{ff5e}}]"


def nfkc_text(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    """``pyarrow.compute.utf8_normalize(arr, "NFKC")``, with the usual work-order text done in bytes.

    A text whose characters are all in :data:`_NFKC_KEPT` or full-width forms U+FF01–FF5E (，：（）！ …)
    normalises to itself with each full-width form replaced by its ASCII character (their
    compatibility mappings; what they become composes with nothing either): in UTF-8 the three
    bytes ``EF BC 81``–``EF BC BF`` / ``EF BD 80``–``EF BD 9E`` become one byte, 0x21–0x7E. The
    other texts (some character outside that set) go through arrow's NFKC.

    >>> nfkc_text(pa.array(["请核查，谢谢！", "ＡＢ１２", "共…３㎡", None, ""])).to_pylist()
    ['请核查,谢谢!', 'AB12', '共...3m2', None, '']
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    other = pc.fill_null(pc.match_substring_regex(arr, _NFKC_OTHER_RE2), False)
    n_other = pc.sum(other).as_py() or 0
    if n_other * 2 > len(arr):  # mostly other text: arrow's NFKC for all
        return pc.utf8_normalize(arr, "NFKC")
    if not n_other:
        return _narrow_wide_forms(arr)
    plain = pc.if_else(other, pa.scalar("", arr.type), arr)
    return pc.replace_with_mask(
        _narrow_wide_forms(plain), other, pc.utf8_normalize(arr.filter(other), "NFKC")
    )


#: Up to this many kinds of full-width forms in a column are replaced one by one.
_FEW_WIDE = 6


def _narrow_wide_forms(arr: pa.Array) -> pa.Array:
    """Texts of :data:`_NFKC_KEPT` and U+FF01–FF5E characters with the latter as ASCII (bytes:
    every 0xEF byte of such a text leads one of them)."""
    ((relative, body),) = _chunk_bytes(arr)
    lead = np.flatnonzero(body == 0xEF)
    if not len(lead):
        return arr
    wide = np.unique(body[lead + 1].astype(np.uint16) << 8 | body[lead + 2])
    if len(wide) <= _FEW_WIDE:  # a few kinds (work orders: mostly ，): arrow's substring search
        for code in wide.tolist():
            char = chr(0xFF00 + (code & 0xFF) - (0x80 if code >> 8 == 0xBC else 0x40))
            arr = pc.replace_substring(arr, char, chr(ord(char) - 0xFEE0))
        return arr
    third = body[lead + 2]
    narrow = body.copy()
    narrow[lead] = np.where(body[lead + 1] == 0xBC, third - 0x60, third - 0x20)
    keep = np.ones(len(body), dtype=bool)
    keep[lead + 1] = False
    keep[lead + 2] = False
    new_offsets = (relative - 2 * np.searchsorted(lead, relative, side="left")).astype(relative.dtype)
    validity = None
    if arr.null_count:
        validity = pa.py_buffer(
            np.packbits(pc.is_valid(arr).to_numpy(zero_copy_only=False), bitorder="little")
        )
    kind = pa.LargeStringArray if relative.dtype == np.int64 else pa.StringArray
    return kind.from_buffers(
        len(arr), pa.py_buffer(new_offsets), pa.py_buffer(narrow[keep]), validity, arr.null_count
    )


def _chunk_bytes(arr: pa.ChunkedArray | pa.Array) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per chunk, the cell offsets relative to the first cell and the cells' bytes (no copy)."""
    out = []
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        found = variable_width(chunk)
        assert found is not None, chunk.type
        offsets, data = found
        start = int(offsets[0])
        out.append((offsets - start, data[start : int(offsets[-1])]))
    return out


def _edge_spaces(arr: pa.ChunkedArray | pa.Array) -> bool:
    """True when some text starts or ends with a space (bytes: first and last of each text).

    >>> _edge_spaces(pa.array(["a b", "", None, "c"])), _edge_spaces(pa.array(["a", "b "]))
    (False, True)
    """
    for offsets, body in _chunk_bytes(arr):
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if (body[starts[filled]] == 0x20).any() or (body[ends[filled] - 1] == 0x20).any():
            return True
    return False


def _odd_ascii_bytes(arr: pa.ChunkedArray | pa.Array) -> bool:
    """False when no ASCII text holds a control character or two spaces in a row and none starts
    or ends with a space (bytes; two spaces across two texts count: True asks for a closer look).

    >>> _odd_ascii_bytes(pa.array(["GD01", "2024-03-05 14:23", None])), _odd_ascii_bytes(pa.array(["a\tb"]))
    (False, True)
    """
    for _offsets, body in _chunk_bytes(arr):
        if (body < 0x20).any() or (body == 0x7F).any():
            return True
        space = body == 0x20
        if (space[1:] & space[:-1]).any():
            return True
    return _edge_spaces(arr)


#: A text :func:`_normalize_non_ascii` cannot take the short way: a character outside
#: :data:`_NFKC_KEPT` and the full-width forms, a control character or odd white space.
_SPECIAL_RE2 = f"{_NFKC_OTHER_RE2}|{_CONTROL_RE2}|{_ODD_SPACE_RE2}"


def _normalize_non_ascii(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    """:func:`normalize_text`'s steps before the empty texts become missing, for arrow text.

    A text of :data:`_NFKC_KEPT` characters and full-width forms without control characters or
    odd white space only needs its full-width forms narrowed (its NFKC) and its ends trimmed: NFKC
    makes no white space or control character of it. The other texts (:data:`_SPECIAL_RE2`) take
    :func:`_normalize_special`; each text's result depends on that text alone.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    special = pc.fill_null(pc.match_substring_regex(arr, _SPECIAL_RE2), False)
    n_special = pc.sum(special).as_py() or 0
    if n_special * 2 > len(arr):
        return _normalize_special(arr)
    if not n_special:
        plain = _narrow_wide_forms(arr)
        return pc.utf8_trim(plain, " ") if _edge_spaces(plain) else plain
    plain = pc.utf8_trim(_narrow_wide_forms(pc.if_else(special, pa.scalar("", arr.type), arr)), " ")
    return pc.replace_with_mask(plain, special, _normalize_special(arr.filter(special)))


def _normalize_special(arr: pa.Array) -> pa.Array:
    """NFKC, control characters removed, white space runs as one space, ends trimmed."""
    # NFKC first, then one scan for control characters or odd white space: control characters
    # have no decomposition and compose with nothing, so NFKC keeps every one of them, and text
    # without them is normalised as if they had been removed first
    nfkc = nfkc_text(arr)
    if pc.any(pc.match_substring_regex(nfkc, _CONTROL_OR_ODD_RE2)).as_py():
        if pc.any(pc.match_substring_regex(nfkc, _CONTROL_RE2)).as_py():
            # removed before NFKC: a removed character may let its neighbours compose
            nfkc = pc.utf8_normalize(pc.replace_substring_regex(arr, _CONTROL_RE2, ""), "NFKC")
        # a lone space stays a lone space: the replacement only runs when some text holds other
        # white space or a run of spaces (a match is half the cost of a replace)
        if pc.any(pc.match_substring_regex(nfkc, _ODD_SPACE_RE2)).as_py():
            nfkc = pc.replace_substring_regex(nfkc, _SPACE_RUN_RE2, " ")
    return pc.utf8_trim(nfkc, " ")


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------

_TIME = (
    r"(?:(?:\s*T\s*|\s+|(?<=日))"
    r"(?P<ampm1>上午|下午|晚上|中午|凌晨)?\s*"
    r"(?P<hour>\d{1,2})\s*[:时点]\s*(?P<minute>\d{1,2})"
    r"(?:\s*[:分]\s*(?P<second>\d{1,2})(?:\.(?P<frac>\d{1,9}))?\s*秒?)?\s*分?"
    r"\s*(?P<ampm2>[AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
)
_YMD = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?"
    + _TIME
    + r"\s*$"
)
_COMPACT = re.compile(
    r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"
    r"(?:\s*T?\s*(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?$"
)
_SERIAL = re.compile(r"^(?P<serial>\d{5}(?:\.\d+)?)$")


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates and date-times written in any of the usual ways.

    Accepted: ``2024/03/05``, ``2024-3-5``, ``2024.03.05``, ``2024年3月5日``, ``20240305``,
    ``20240305142311``, date-times with a time of day (``2024-03-05 14:23:11``,
    ``2024/3/5 9:05``, ``2024-03-05T14:23:11Z``, ``2024年3月5日14时23分``, ``2024/3/5 下午2:05``,
    ``2024/3/5 2:05 PM``, fractional seconds) and Excel serial day numbers between
    :data:`EXCEL_SERIAL_MIN` and :data:`EXCEL_SERIAL_MAX` (1900 date system, origin 1899-12-30;
    a fraction is the time of day, rounded to the second). Full-width digits are accepted.
    Time-zone suffixes are ignored (times are taken as local). Placeholders such as ``-``,
    ``/``, ``无`` (:data:`MISSING_TOKENS`) are missing, not bad; ``长期`` is bad (the caller
    decides what a long-term validity means). Anything else — month-less
    (``2024年3月``), impossible (``2024/13/45``, ``2023-02-29``), two-digit years, free text —
    is bad.

    Parameters
    ----------
    s : pandas.Series
        Text values.

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[us]``; NaT where missing or bad. The time part is kept when present.
    bad : pandas.Series
        Boolean, True where a non-empty value could not be parsed.
    """
    s = _series(s)
    text = _as_text(s)
    arr = _arrow(text)
    if arr is not None and mostly_distinct(arr):  # date-times: a factorisation would find few repeats
        parsed, bad = _parse_dates_unique(text.set_axis(pd.RangeIndex(len(text))))
        return parsed.set_axis(s.index), bad.fillna(False).astype(bool).set_axis(s.index)
    # parse each distinct value once: date columns repeat heavily
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed_u, bad_u = _parse_dates_unique(pd.Series(uniques, dtype="str"))
    missing = codes < 0
    safe = np.where(missing, 0, codes)
    if len(uniques):
        values = parsed_u.to_numpy()[safe]
        values[missing] = np.datetime64("NaT")
        bad_values = bad_u.to_numpy()[safe] & ~missing
    else:
        values = np.full(len(s), np.datetime64("NaT"), dtype=_DT_UNIT)
        bad_values = np.zeros(len(s), dtype=bool)
    parsed = pd.Series(values, index=s.index, dtype=_DT_UNIT)
    bad = pd.Series(bad_values, index=s.index, dtype=bool)
    return parsed, bad


#: Exact formats tried first with pandas' C parser (cheap); the regex path handles the rest.
_FAST_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)


#: RE2 patterns of the zero-padded fields of :data:`_FAST_FORMATS` that cannot roll over.
_EXACT_FIELDS = {
    "%Y": r"[12]\d{3}",
    "%m": r"(?:0[1-9]|1[0-2])",
    "%d": r"(?:0[1-9]|1\d|2[0-8])",
    "%H": r"(?:[01]\d|2[0-3])",
    "%M": r"[0-5]\d",
    "%S": r"[0-5]\d",
}


def _exact_pattern(fmt: str) -> str:
    """RE2 pattern of the text ``fmt`` formats a date of days 1-28 into (see :func:`_strptime_exact`).

    >>> print(_exact_pattern("%Y-%m-%d"))
    ^[12]\\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])$
    """
    parts = re.split(r"(%[YmdHMS])", fmt)  # the literals (- / : space T) are not special
    return "^" + "".join(_EXACT_FIELDS.get(p, p) for p in parts) + "$"


#: Micro-seconds per unit of the fields of :data:`_FAST_FORMATS` below the day.
_FIELD_US = {"%H": 3_600_000_000, "%M": 60_000_000, "%S": 1_000_000}
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's ``days_from_civil``).

    >>> _days_from_civil(np.array([1970, 2024, 1600]), np.array([1, 2, 3]), np.array([1, 29, 1])).tolist()
    [0, 19782, -135080]
    """
    year = year - (month <= 2)
    era = year // 400
    yoe = year - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@lru_cache(maxsize=16)
def _layout(fmt: str) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
    """Byte layout of ``fmt`` zero-padded: per byte the value to subtract and the bound below which
    the difference must stay (``"0"`` and 10 for a digit, the literal and 1 for a literal), and
    (field, first byte, width) per field.

    >>> base, limit, spans = _layout("%Y-%m")
    >>> bytes(base), limit.tolist(), spans
    (b'0000-00', [10, 10, 10, 10, 1, 10, 10], [('%Y', 0, 4), ('%m', 5, 2)])
    """
    base, limit, spans = bytearray(), [], []
    for part in (p for p in re.split(r"(%[YmdHMS])", fmt) if p):
        if part.startswith("%"):
            size = 4 if part == "%Y" else 2
            spans.append((part, len(base), size))
            base += b"0" * size
            limit += [10] * size
        else:
            base += part.encode("ascii")
            limit += [1] * len(part)
    return np.frombuffer(bytes(base), dtype=np.uint8), np.array(limit, dtype=np.uint8), spans


def _fixed_width(arr: pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The values of ``arr`` written exactly as ``fmt`` zero-padded, read from the UTF-8 bytes.

    A value counts when it has the format's width, its literals in place, digits in every field,
    a year of 1000-2999 (as :func:`_exact_pattern`), a real month and day (29 February of leap
    years only) and hour, minute and second in range: such text is what formatting its date
    gives, so it is what :func:`_strptime_exact`'s arrow path accepts, with the same value. Returns
    (micro-seconds since 1970 as int64, counted mask), or None for arrays it does not read
    (not ``string`` or ``large_string``).

    >>> us, ok = _fixed_width(pa.array(["2024-02-29", "2023-02-29", "2024-2-05", None]), "%Y-%m-%d")
    >>> ok.tolist(), str(np.datetime64(int(us[0]), "us"))
    ([True, False, False, False], '2024-02-29T00:00:00.000000')
    """
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    n = len(arr)
    width = len(_layout(fmt)[0])
    offsets, data = variable_width(arr)
    ok = (np.diff(offsets) == width) & arr.is_valid().to_numpy(zero_copy_only=False)
    values = np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return values, ok
    start = int(offsets[rows[0]])
    if len(rows) == n and int(offsets[-1]) - start == n * width:  # all of one width, back to back
        cells = data[start : start + n * width].reshape(n, width)
    else:
        cells = data[offsets[rows][:, None] + np.arange(width)]
    # a digit byte minus "0" is below 10, a literal minus itself below 1 (uint8 arithmetic
    # wraps, so anything else is 10 or more); byte by byte: a reduction along rows is slower
    base, limit, spans = _layout(fmt)
    good = np.ones(len(rows), dtype=bool)
    for at in range(width):
        good &= (cells[:, at] - base[at]) < limit[at]
    fields: dict[str, np.ndarray] = {}
    for name, at, size in spans:
        value = np.zeros(len(rows), dtype=np.int64)
        for k in range(at, at + size):
            value = value * 10 + (cells[:, k] - base[k])
        fields[name] = value
    year, month, day = fields["%Y"], fields["%m"], fields["%d"]
    good &= (year >= 1000) & (year <= 2999) & (month >= 1) & (month <= 12) & (day >= 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month0 = np.clip(month - 1, 0, 11)
    good &= day <= _DAYS_IN_MONTH[month0] + (leap & (month0 == 1))
    good &= (fields.get("%H", 0) < 24) & (fields.get("%M", 0) < 60) & (fields.get("%S", 0) < 60)
    us = _days_from_civil(year, month0 + 1, day) * 86_400_000_000
    for name, unit in _FIELD_US.items():
        if name in fields:
            us = us + fields[name] * unit
    values[rows[good]] = us[good]
    ok[rows[~good]] = False
    return values, ok


def _strptime_exact(sub: pd.Series, fmt: str) -> pd.Series:
    """``pd.to_datetime(sub, format=fmt, errors="coerce")``, in arrow where the text allows: a value
    counts only when formatting it back gives the same text (arrow would roll 2024-02-30 over).
    Values written exactly in the format are read from their bytes (:func:`_fixed_width`); the
    others, if any, as below."""
    arr = _arrow(sub)
    if arr is None:
        return pd.to_datetime(sub, format=fmt, errors="coerce")
    arr = arr.combine_chunks()
    fixed = _fixed_width(arr, fmt)
    if fixed is not None:
        values, ok = fixed
        out = pd.Series(values.view(_DT_UNIT), index=sub.index)
        rest = ~ok & sub.notna().to_numpy(dtype=bool)
        if rest.all():
            return _strptime_arrow(sub, arr, fmt)
        if rest.any():
            out[rest] = _strptime_arrow(sub[rest], arr.filter(pa.array(rest)), fmt).to_numpy()
        nat = ~ok & ~rest
        if nat.any():
            out[nat] = pd.NaT
        return out
    return _strptime_arrow(sub, arr, fmt)


def _strptime_arrow(sub: pd.Series, arr: pa.Array, fmt: str) -> pd.Series:
    """:func:`_strptime_exact` with arrow's parser (``arr``: the text of ``sub``)."""
    parsed = pc.strptime(arr, format=fmt, unit="us", error_is_null=True)
    # zero-padded text of exactly the format, whose fields are the parsed ones: formatting the
    # parsed value back gives the same text (the formats have whole seconds at most). Text that
    # fits the format's zero-padded pattern with every field in range and a day of at most 28
    # cannot roll over, so it round-trips by construction; only the rest is formatted back
    # (strftime costs ten times strptime).
    same = pc.and_(
        pc.fill_null(pc.match_substring_regex(arr, _exact_pattern(fmt)), False), pc.is_valid(parsed)
    )
    doubt = pc.and_not(pc.is_valid(parsed), same)
    if pc.any(doubt).as_py():
        where = pc.indices_nonzero(doubt)
        back = pc.strftime(pc.cast(pc.take(parsed, where), pa.timestamp("s")), format=fmt)
        ok = pc.fill_null(pc.equal(back, pc.take(arr, where)), False).to_numpy(zero_copy_only=False)
        flags = same.to_numpy(zero_copy_only=False).copy()
        flags[where.to_numpy()[ok]] = True
        same = pa.array(flags)
    exact = pc.if_else(same, parsed, pa.scalar(None, parsed.type))
    out = pd.Series(exact.to_numpy(zero_copy_only=False), index=sub.index).astype(_DT_UNIT)
    redo = ~same.to_numpy(zero_copy_only=False) & sub.notna().to_numpy(dtype=bool)
    if redo.any():  # 2024-3-5 and the like: pandas' parser decides
        out[redo] = pd.to_datetime(sub[redo], format=fmt, errors="coerce").astype(_DT_UNIT)
    return out


def _parse_dates_unique(u: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse distinct non-missing date strings (see :func:`parse_dates`)."""
    stripped = u.str.strip()
    present = stripped.notna() & (stripped != "") & ~_is_missing_token(stripped)
    parsed = pd.Series(pd.NaT, index=u.index, dtype=_DT_UNIT)
    remaining = present.copy()

    for fmt in _FAST_FORMATS:
        if not remaining.any():
            break
        sub = stripped[remaining]
        probe = pd.to_datetime(sub.iloc[:50], format=fmt, errors="coerce")
        if probe.isna().all():
            continue
        res = _strptime_exact(sub, fmt)
        ok = res.notna()
        if len(res) == len(parsed) and ok.all():  # every value in this format: no alignment
            parsed = res.astype(_DT_UNIT)
            remaining = pd.Series(False, index=u.index)
        elif ok.any():
            hit = res[ok]
            parsed.loc[hit.index] = hit.astype(_DT_UNIT)
            remaining.loc[hit.index] = False

    if not remaining.any():  # every value in one of the exact formats (the usual export)
        return parsed, pd.Series(False, index=u.index, dtype=bool)
    text = normalize_text(stripped.where(remaining))
    for pattern in (_YMD, _COMPACT):
        if not remaining.any():
            break
        sub = text[remaining]
        parts = sub.str.extract(pattern)
        hit = parts["year"].notna()
        if not hit.any():
            continue
        values = _from_parts(parts[hit])
        parsed.loc[values.index] = values
        remaining.loc[values.index] = False

    if remaining.any():
        sub = text[remaining]
        serial = pd.to_numeric(sub.where(sub.str.fullmatch(_SERIAL.pattern)), errors="coerce")
        ok = serial.between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
        if ok.any():
            seconds = (serial[ok] * 86400.0).round().astype("int64")
            values = _EXCEL_ORIGIN + pd.to_timedelta(seconds, unit="s")
            parsed.loc[values.index] = values.astype(_DT_UNIT)

    bad = present & parsed.isna() & text.notna()
    return parsed, bad


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    """Assemble datetimes from extracted string components (NaT when impossible)."""

    def num(name: str, default: int = 0) -> pd.Series:
        if name not in parts:
            return pd.Series(default, index=parts.index, dtype="float64")
        return pd.to_numeric(parts[name], errors="coerce").fillna(default)

    year, month, day = num("year"), num("month"), num("day")
    hour, minute, second = num("hour"), num("minute"), num("second")
    if "frac" in parts:
        frac = parts["frac"].fillna("0").str.slice(0, 6).str.pad(6, side="right", fillchar="0")
        micro = pd.to_numeric(frac, errors="coerce").fillna(0)
    else:
        micro = pd.Series(0.0, index=parts.index)
    ampm = pd.Series("", index=parts.index, dtype="object")
    for col in ("ampm1", "ampm2"):
        if col in parts:
            ampm = ampm.where(parts[col].isna(), parts[col].astype("object"))
    ampm = ampm.astype(str).str.upper().str.replace(".", "", regex=False)
    pm = ampm.isin(["PM", "下午", "晚上"]) | ((ampm == "中午") & (hour < 11))
    am = ampm.isin(["AM", "上午", "凌晨"])
    has_half = pm | am
    bad_time = has_half & ((hour > 12) | (hour == 0))
    hour = hour.where(~(pm & (hour < 12)), hour + 12)
    hour = hour.where(~(am & (hour == 12)), 0)
    valid = (
        month.between(1, 12)
        & day.between(1, 31)
        & hour.between(0, 23)
        & minute.between(0, 59)
        & second.between(0, 59)
        & ~bad_time
    )
    frame = pd.DataFrame(
        {
            "year": year.where(valid),
            "month": month.where(valid),
            "day": day.where(valid),
            "hour": hour.where(valid),
            "minute": minute.where(valid),
            "second": second.where(valid),
            "us": micro.where(valid),
        }
    )
    out = pd.to_datetime(frame, errors="coerce")
    return out.astype(_DT_UNIT)


# --------------------------------------------------------------------------------------------
# amounts
# --------------------------------------------------------------------------------------------

_AMOUNT = re.compile(
    r"^(?P<sign>[-+])?\s*(?:人民币|RMB|CNY|[¥￥])?\s*(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?)\s*"
    r"(?P<unit>万元|万|元)?(?:整|\(元\)|\(万元\))?$"
)


def parse_amounts(s: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """Parse money amounts to floats.

    Thousands separators, currency signs (¥, 人民币, RMB) and spaces are removed. The result is
    the number times ``scale`` (10000 for a column headed in 万元). A unit written in the cell
    itself wins over the column's: ``0.5万元`` is 5000 and ``300元`` is 300 whatever ``scale``.
    Placeholders such as ``-``, ``/``, ``无`` (:data:`MISSING_TOKENS`) are missing, not bad.

    Parameters
    ----------
    s : pandas.Series
        Text values.
    scale : float, default 1.0
        Multiplier for values without their own unit.

    Returns
    -------
    amounts : pandas.Series
        ``float64``; NaN where missing or bad.
    bad : pandas.Series
        Boolean, True where a non-empty value is not an amount.
    """
    s = _series(s)
    text = normalize_text(s)
    text = text.mask(_is_missing_token(text))
    present = text.notna()
    clean = text.str.replace(r"[,\s]", "", regex=True)
    parts = clean.str.extract(_AMOUNT)
    number = pd.to_numeric(parts["num"], errors="coerce")
    unit = parts["unit"]
    factor = pd.Series(float(scale), index=s.index)
    factor = factor.mask(unit.isin(["万元", "万"]), 10000.0).mask(unit == "元", 1.0)
    sign = np.where(parts["sign"] == "-", -1.0, 1.0)
    amounts = (number * factor * sign).astype("float64")
    bad = present & amounts.isna()
    return amounts, bad


# --------------------------------------------------------------------------------------------
# enumerations
# --------------------------------------------------------------------------------------------


def _enum_lookup(mapping: Mapping[str, str]) -> dict[str, str]:
    out = {header_key(k): v for k, v in mapping.items()}
    for v in mapping.values():
        out.setdefault(header_key(v), v)
    return out


def _enum_keys(s: pd.Series) -> pd.Series:
    """Keys comparable with :func:`header_key` (NFKC, no whitespace/``*``/colons, lower case)."""
    text = normalize_text(s)
    return text.str.replace(r"[\s*:]", "", regex=True).str.lower()


def normalize_enum(s: pd.Series, mapping: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map spellings of an enumeration to canonical values.

    Parameters
    ----------
    s : pandas.Series
        Raw values.
    mapping : mapping of str to str
        Accepted spelling → canonical value (e.g. ``schema.ENUMS["request_type"]``). Keys and
        values are compared after :func:`guidance_analytics.schema.header_key`; canonical values
        are accepted as themselves.

    Returns
    -------
    canonical : pandas.Series
        ``str`` dtype; NaN where missing or unknown.
    bad : pandas.Series
        Boolean, True where a non-empty value is unknown.
    """
    s = _series(s)
    lookup = _enum_lookup(mapping)
    # each distinct spelling once: enumerations repeat heavily
    text = _as_text(s)
    arr = _arrow(text)
    if arr is not None:
        return _normalize_enum_arrow(text, arr, lookup)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    keys = _enum_keys(pd.Series(uniques, dtype="str"))
    canon_u = keys.map(lookup).astype("str")
    bad_u = (keys.notna() & canon_u.isna()).to_numpy(dtype=bool)
    missing = codes < 0
    safe = np.where(missing, 0, codes)
    if len(uniques):
        canonical = pd.Series(canon_u.to_numpy()[safe], index=s.index, dtype="str").mask(missing)
        bad = pd.Series(bad_u[safe] & ~missing, index=s.index)
    else:
        canonical = pd.Series(np.nan, index=s.index, dtype="str")
        bad = pd.Series(False, index=s.index)
    return canonical, bad


def _normalize_enum_arrow(
    text: pd.Series, arr: pa.ChunkedArray, lookup: Mapping[str, str]
) -> tuple[pd.Series, pd.Series]:
    """:func:`normalize_enum` of arrow text, from its dictionary encoding; the column itself when
    every spelling is canonical already."""
    encoded = dictionary_encoded(arr)
    words = encoded.dictionary
    if not len(words):
        return pd.Series(np.nan, index=text.index, dtype="str"), pd.Series(False, index=text.index)
    keys = _enum_keys(pd.Series(pd.array(words, dtype="str")))
    canon_u = keys.map(lookup).astype("str")
    bad_u = (keys.notna() & canon_u.isna()).to_numpy(dtype=bool)
    present = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
    idx = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
    bad = pd.Series(bad_u[idx] & present, index=text.index)
    if _unchanged(canon_u, words):
        return text, bad
    canon_arr = pa.chunked_array(canon_u.array.__arrow_array__()).combine_chunks()
    return _from_arrow(pa.chunked_array([pc.take(canon_arr, encoded.indices)]), text.index), bad


def normalize_enum_multi(
    s: pd.Series, mapping: Mapping[str, str], sep: str = ";"
) -> tuple[pd.Series, pd.Series]:
    """Map a multi-valued enumeration cell (parts separated by ；;、,，/ or spaces).

    The whole cell is tried first (a canonical value may itself contain a separator), then
    each part. Canonical parts are de-duplicated, kept in their first order and joined with
    ``sep``.

    Parameters
    ----------
    s : pandas.Series
        Raw values, e.g. ``"警告、罚款"``.
    mapping : mapping of str to str
        Accepted spelling → canonical value (e.g. ``schema.ENUMS["penalty_type"]``).
    sep : str, default ";"
        Separator of the joined canonical values.

    Returns
    -------
    canonical : pandas.Series
        ``str`` dtype; the known parts joined (NaN when none is known or the cell is empty).
    bad : pandas.Series
        Boolean, True where any part of a non-empty value is unknown.
    """
    s = _series(s)
    lookup = _enum_lookup(mapping)
    text = normalize_text(s)
    whole_keys = _enum_keys(s)
    whole = whole_keys.map(lookup)
    canonical = pd.Series(np.nan, index=s.index, dtype="object")
    bad = pd.Series(False, index=s.index)
    canonical[whole.notna()] = whole[whole.notna()]
    rest = text.notna() & whole.isna()
    if rest.any():
        parts = text[rest].str.split(MULTI_SEPARATORS, regex=True).explode()
        parts = parts[parts.notna() & (parts != "")]
        keys = parts.str.replace(r"[*:]", "", regex=True).str.lower()
        mapped = keys.map(lookup)
        unknown = mapped.isna().groupby(level=0).any()
        bad.loc[unknown.index] = unknown.to_numpy()
        known = mapped.dropna()
        if len(known):
            frame = pd.DataFrame({"i": known.index, "v": known.to_numpy()}).drop_duplicates()
            joined = frame.groupby("i", sort=False)["v"].agg(sep.join)
            canonical.loc[joined.index] = joined.to_numpy()
        bad.loc[rest[rest].index.difference(parts.index)] = True
    return canonical.astype("str"), bad


# --------------------------------------------------------------------------------------------
# personal data
# --------------------------------------------------------------------------------------------

_D = r"[0-9０-９]"
_PHONE_OR_ID = [
    # identity cards: 18 chars (last may be X) and the old 15-digit form
    rf"(?<![0-9０-９A-Za-z]){_D}{{17}}[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])",
    # mobiles, optionally +86 and spaced/dashed 3-4-4
    rf"(?:\+?86[-\s]?)?(?<![0-9０-９])1[3-9３-９]{_D}[-\s－]?{_D}{{4}}[-\s－]?{_D}{{4}}(?![0-9０-９])",
    # landlines with area code: 0533-1234567, (0533)1234567, 0533 1234567, 05331234567
    rf"(?:[(（]0{_D}{{2,3}}[)）]|(?<![0-9０-９])0{_D}{{2,3}}[-\s－]?)\s*{_D}{{7,8}}(?:-{_D}{{1,5}})?(?![0-9０-９])",
]
#: phone and ID numbers in any text column (codes such as 370399109 or 20240311093015 stay)
_PII_NUMBERS = re.compile("|".join(_PHONE_OR_ID))
#: in free text also any other run of 7+ digits (a local number without area code), except a
#: compact date like 20240305
_PII = re.compile(
    "|".join(
        [
            *_PHONE_OR_ID,
            rf"(?<![0-9０-９])(?!(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![0-9０-９])){_D}{{7,}}(?![0-9０-９])",
        ]
    )
)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _id_number_ok(text: str) -> bool:
    """ISO 7064 check of an 18-character identity-card number (GB 11643)."""
    digits = unicodedata.normalize("NFKC", text).upper()
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17]


def _uscc_ok(text: str) -> bool:
    code = unicodedata.normalize("NFKC", text).upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _mask_number(m: re.Match[str]) -> str:
    """Mask a phone or ID number; an 18-digit credit code (valid check character, not a valid ID
    number) is an organisation's public code and stays."""
    text = m.group(0)
    if len(text) == 18 and _uscc_ok(text) and not _id_number_ok(text):
        return text
    return PII_MASK


def scrub_pii(s: pd.Series, free_text: bool = True) -> pd.Series:
    """Remove phone numbers and identity-card numbers from text.

    Replaced by :data:`PII_MASK`: mobile numbers (11 digits starting 13–19, optionally +86 or
    written 3-4-4), landlines with an area code (``0533-1234567``, ``(0533)1234567``,
    ``05331234567``), 18- and 15-character identity-card numbers (an 18-digit credit code whose
    check character is right stays) and, in free text (``free_text=True``), any other run of 7 or
    more digits (an 8-digit compact date such as ``20240305`` is kept). Full-width digits count.

    Parameters
    ----------
    s : pandas.Series
        Text (any dtype).
    free_text : bool, default True
        Also mask other runs of 7+ digits. Use False for columns where digit runs are codes or
        times (地方编码 370399109, 数据更新时间戳 20240311093015) but phones may still appear
        (addresses, units, remarks).

    Returns
    -------
    pandas.Series
        ``str`` dtype; missing stays missing.

    Notes
    -----
    Apply it to every text column except codes and keys (工单编号, 许可编号 … are digits).

    Examples
    --------
    >>> scrub_pii(pd.Series(["电话13912345678", "编码370399109"]), free_text=False).tolist()
    ['电话［已隐去］', '编码370399109']
    """
    s = _as_text(_series(s))
    if s.isna().all():  # a column the file does not have
        return s
    return on_distinct(lambda u: _scrub_numbers(u, _PII if free_text else _PII_NUMBERS), s)


def _scrub_numbers(s: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    arr = _arrow(s)
    if arr is None:
        return s.str.replace(pattern, _mask_number, regex=True)
    # every pattern needs at least 7 digits in a row (or a spaced phone): only such texts go
    # through the (Python) regex
    suspect = pc.fill_null(pc.match_substring_regex(arr, _DIGIT_RUN_RE2), False).to_numpy(
        zero_copy_only=False
    )
    if not suspect.any():
        return s
    out = s.copy()
    out[suspect] = s[suspect].str.replace(pattern, _mask_number, regex=True)
    return out


#: at least 7 digits, allowing the separators phone numbers are written with
_DIGIT_RUN_RE2 = r"[0-9０-９](?:[-\s－()（）]?[0-9０-９]){6}"

# -- people's names in free text -------------------------------------------------------------------
#: Common Chinese surnames (single and compound); a name in free text starts with one of them.
SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 "
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 "
    "田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 "
    "方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 "
    "汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 "
    "左 柳 甘 祝 包 宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 "
    "靳 管 柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪 简 车 项 连 芦 麦 褚 "
    "娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟 应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 "
    "商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖 巩 明 佘 池 查 麻 苑 迟 邝 "
).split()
#: Words that follow a surname-like character but name a role, not a person (顾客 starts with 顾).
NOT_NAMES = frozenset(
    "顾客 居民 商户 业主 游客 家长 学生 老人 市民 群众 村民 患者 网友 车主 司机 店主 店员 老板 "
    "员工 工人 农民 住户 租户 房东 买家 卖家 食客 消费者 经营者 管理者 工作人员 周边 周围 附近 "
    "单位 公司 商家 该店 该户 本人 他人 有人 多人 众人 路人 师生 邻居 同事 上述".split()
)
_SPEECH = r"(?:来电|致电|通过热线)?(?:反映|反应|称|诉称|投诉|举报|咨询|表示|来电|要求|求助|说|提出|建议)"
_SURNAME_ALT = "|".join(sorted(SURNAMES, key=len, reverse=True))
_BOUNDARY = r"(?:^|(?<=[\s，。；：、,.;:!?！？（(“\"'「】\]）)])|(?<=市民)|(?<=来电人)|(?<=群众)|(?<=居民)|(?<=诉求人)|(?<=反映人))"
_NAME_BEFORE_VERB = re.compile(
    rf"{_BOUNDARY}(?P<name>(?:{_SURNAME_ALT})[\u4e00-\u9fff]{{1,2}}?)(?={_SPEECH})"
)
_HONORIFIC = re.compile(r"(?:欧阳|司马|上官|诸葛|东方|皇甫|慕容|令狐|夏侯|[\u4e00-\u9fff])(?:女士|先生|小姐)")
#: arrow (RE2) pre-filter: the texts the two patterns above can match (RE2 has no look-behind, so
#: the boundary is consumed here; the Python patterns decide)
_PEOPLE_RE2 = (
    r"(?:欧阳|司马|上官|诸葛|东方|皇甫|慕容|令狐|夏侯|[\x{4e00}-\x{9fff}])(?:女士|先生|小姐)"
    r"|(?:^|[\s，。；：、,.;:!?！？（(“\"'「】\]）)]|市民|来电人|群众|居民|诉求人|反映人)"
    rf"(?:{_SURNAME_ALT})[\x{{4e00}}-\x{{9fff}}]{{1,2}}?{_SPEECH}"
)


def _mask_name(m: re.Match[str]) -> str:
    name = m.group("name")
    if name in NOT_NAMES or name[:2] in NOT_NAMES:
        return name
    return PII_MASK


def _scrub_patterns(text: str) -> str:
    return _NAME_BEFORE_VERB.sub(_mask_name, _HONORIFIC.sub(PII_MASK, text))


def _scrub_patterns_series(s: pd.Series) -> pd.Series:
    arr = _arrow(s)
    if arr is not None:
        suspect = pc.fill_null(pc.match_substring_regex(arr, _PEOPLE_RE2), False).to_numpy(
            zero_copy_only=False
        )
    else:
        suspect = s.str.contains(
            _PEOPLE_RE2.replace("\\x{4e00}", "\u4e00").replace("\\x{9fff}", "\u9fff"), regex=True
        )
        suspect = suspect.fillna(False).to_numpy(dtype=bool)
    if not suspect.any():
        return s
    out = s.copy()
    out[suspect] = [_scrub_patterns(t) for t in s[suspect]]
    return out


def _nowhere(arr: pa.ChunkedArray | pa.Array, word: str) -> bool:
    """True when no text of ``arr`` holds ``word``: a byte search of the texts' UTF-8 run together
    (a find may straddle two texts — then False, and the caller looks text by text).

    >>> texts = pa.array(["老王饭店", "市", "民"])
    >>> _nowhere(texts, "王饭"), _nowhere(texts, "市民"), _nowhere(texts, "张三")
    (False, False, True)
    """
    needle = word.encode("utf-8")
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        found = variable_width(chunk)
        if found is None:
            return False
        offsets, data = found
        if data[int(offsets[0]) : int(offsets[-1])].tobytes().find(needle) >= 0:
            return False
    return True


def _remove_own_names(s: pd.Series, names: pd.Series) -> pd.Series:
    """Each row's caller names (``\x1f``-joined) replaced by the mask in that row's text."""
    arr, who = _arrow(s), _arrow(names)
    if arr is not None and who is not None:
        encoded = dictionary_encoded(who)
        if len(encoded.dictionary) <= 50:  # a few distinct names (市民, 匿名 …): column-wise
            indices = encoded.indices
            for k, joined in enumerate(encoded.dictionary.to_pylist()):
                parts = [n for n in (joined or "").split("\x1f") if len(n) >= 2]
                if not parts:
                    continue
                rows = pc.fill_null(pc.equal(indices, k), False)
                for name in parts:
                    # most names occur in no text: then neither the replacement nor the if_else
                    if (
                        not _nowhere(arr, name)
                        and pc.any(pc.and_(rows, pc.fill_null(pc.match_substring(arr, name), False))).as_py()
                    ):
                        arr = pc.if_else(rows, pc.replace_substring(arr, name, PII_MASK), arr)
            return _from_arrow(pa.chunked_array([arr]) if isinstance(arr, pa.Array) else arr, s.index)
    given = names.to_numpy(dtype=object)
    texts = s.to_numpy(dtype=object)
    out = texts.copy()
    for i, (g, text) in enumerate(zip(given, texts, strict=True)):
        if isinstance(g, str) and g and isinstance(text, str):
            for name in g.split("\x1f"):
                if len(name) >= 2 and name in text:
                    text = text.replace(name, PII_MASK)
            out[i] = text
    return pd.Series(out, index=s.index, dtype="str")


def scrub_people(s: pd.Series, names: pd.Series | None = None) -> pd.Series:
    """Remove people's names from free text (诉求内容, 诉求标题, 办理结果 …).

    Replaced by :data:`PII_MASK`: the row's own caller names when given (``names``: the values
    of the dropped 来电人 / 诉求人 columns, ``\x1f``-joined per row), a name with a title
    (郑女士, 李先生, 王小姐) and a name of 2–3 characters starting with a common surname right
    before a verb of speech at the start of a sentence or after 市民/来电人 (张建国反映…,
    市民刘秀英称…). Role words (顾客, 居民, 商户 …) are not names.

    Parameters
    ----------
    s : pandas.Series
        Free text.
    names : pandas.Series, optional
        Per row, the caller names (``\x1f``-joined) to remove wherever they occur in that row.

    Returns
    -------
    pandas.Series
        ``str`` dtype; missing stays missing.

    Examples
    --------
    >>> scrub_people(pd.Series(["张建国反映：饭店卫生差", "已向王女士解释说明", "顾客反映有异物"])).tolist()
    ['［已隐去］反映：饭店卫生差', '已向［已隐去］解释说明', '顾客反映有异物']
    """
    s = _as_text(_series(s))
    if names is not None:
        s = _remove_own_names(s, _as_text(names.reindex(s.index)))
    return on_distinct(_scrub_patterns_series, s)
