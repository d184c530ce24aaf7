"""CSV decoding: encoding detection and the data rows of a CSV file in bounded batches.

The rows are read with pyarrow's streaming CSV reader (C++ parsing; GB18030 and other non-UTF-8
files are transcoded on the fly) and handed out as ``str`` frames of at most ``batch_rows`` rows.
Files that reader does not take as they are — ragged rows, a decoding error — are read from
that point on with pandas' parser, which fills short rows, drops surplus cells and reports
decoding errors; either way the frames are the same.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputFileError
from . import normalize

__all__ = ["csv_frames", "decoding_report", "detect_encoding"]

_CHUNK = 1 << 20
#: Bytes parsed at a time; with ``use_threads=False`` the reader holds no more than that ahead.
_BLOCK_BYTES = 1 << 20
_UTF8 = ("utf-8", "utf8", "utf-8-sig")


def detect_encoding(path: str | Path, sample_bytes: int | None = None) -> str:
    """Detect the text encoding of a CSV file.

    A byte-order mark wins (``"utf-8-sig"``, or ``"utf-16"`` for UTF-16 exports). Otherwise the
    bytes are decoded as strict UTF-8; a multibyte character cut at the end of the sample is not
    an error. If that succeeds the result is ``"utf-8"``, else ``"gb18030"`` (a superset of GBK
    and GB2312).

    Parameters
    ----------
    path : str or Path
        The file to inspect.
    sample_bytes : int, optional
        How many bytes to check. ``None`` (default) checks the whole file in 1 MiB chunks,
        stopping at the first invalid byte, so a GBK character far down the file is not missed.

    Returns
    -------
    str
        A codec name usable by :func:`open` and :func:`pandas.read_csv`.

    Raises
    ------
    InputFileError
        If the file cannot be opened.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16"
            fh.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            remaining = sample_bytes
            while True:
                size = _CHUNK if remaining is None else min(_CHUNK, remaining)
                chunk = fh.read(size) if size > 0 else b""
                at_end = not chunk
                if remaining is not None:
                    remaining -= len(chunk)
                    if remaining <= 0 and chunk:
                        # sample exhausted: a character cut at the sample end is fine
                        decoder.decode(chunk, final=False)
                        return "utf-8"
                try:
                    decoder.decode(chunk, final=at_end)
                except UnicodeDecodeError:
                    return "gb18030"
                if at_end:
                    return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {path.name}：{exc}") from exc


def csv_frames(
    path: Path,
    encoding: str,
    delimiter: str,
    first_data: int,
    width: int,
    positions: list[int],
    batch_rows: int,
) -> Iterator[tuple[pd.DataFrame, int]]:
    """Yield ``(frame, first_record)`` for the records after the header, ``batch_rows`` at a time.

    Parameters
    ----------
    path, encoding, delimiter : the file, its text encoding and its field separator.
    first_data : int
        Records before the first data record (title rows and the header row).
    width : int
        Fields in the header row; data records are read as that many fields.
    positions : list of int
        0-based fields to keep; the frame's columns are these positions, in this order.
    batch_rows : int
        Records per frame (the last may be shorter).

    Yields
    ------
    (pandas.DataFrame, int)
        ``str`` cells (``""`` for empty ones; blank records included) and the 0-based index of
        the frame's first record among the data records.

    Raises
    ------
    InputFileError
        If the file cannot be decoded or parsed.
    """
    done = 0
    try:
        if _quote_before_data(path, encoding, first_data):
            raise pa.ArrowInvalid("arrow skips lines, not quoted records")
        for frame in _arrow_frames(path, encoding, delimiter, first_data, width, positions, batch_rows):
            yield frame, done
            done += len(frame)
        return
    except (pa.ArrowException, UnicodeError, OSError):
        pass  # read the rest with pandas, which takes ragged rows and names decoding errors
    for frame in _pandas_frames(path, encoding, delimiter, first_data + done, width, positions, batch_rows):
        yield frame, done
        done += len(frame)


def _quote_before_data(path: Path, encoding: str, first_data: int) -> bool:
    """True when a quote appears in the lines before the data (a record may span lines there)."""
    with path.open("r", encoding=encoding, newline="") as fh:
        for _ in range(first_data):
            line = fh.readline()
            if '"' in line:
                return True
            if not line:
                break
    return False


def _arrow_frames(
    path: Path, encoding: str, delimiter: str, skip: int, width: int, positions: list[int], batch_rows: int
) -> Iterator[pd.DataFrame]:
    names = [f"f{i}" for i in range(max(width, 1))]
    keep = [names[p] for p in positions] or names[:1]
    # GB18030 is parsed as bytes (the bytes of its multi-byte characters are 0x30-0x39 or 0x40 and
    # above: never a quote, a line break or one of _RAW_DELIMITERS) and decoded column by column:
    # a column of ASCII text needs no decoding, a repetitive one only its distinct values (see
    # _gb18030_text). Every column is read, so a byte that does not decode stops the read wherever
    # it is, as a transcoded read would.
    raw = encoding.lower() == "gb18030" and delimiter in _RAW_DELIMITERS
    read = names if raw else keep
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            skip_rows=skip,
            column_names=names,
            block_size=_BLOCK_BYTES,
            use_threads=False,  # no read-ahead: memory stays bounded whatever the consumer's pace
            encoding="utf8" if raw or encoding.lower() in _UTF8 else encoding,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=read,
            column_types=dict.fromkeys(read, pa.binary() if raw else pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )

    def frame(table: pa.Table) -> pd.DataFrame:
        if raw:
            text = {name: _gb18030_text(table.column(name)) for name in read}
            table = pa.table({name: text[name] for name in keep})
        return _to_frame(table, keep if positions else [])

    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        while count >= batch_rows:
            table = pa.Table.from_batches(pending)
            yield frame(table.slice(0, batch_rows))
            rest = table.slice(batch_rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield frame(pa.Table.from_batches(pending))


#: Field separators no byte of a GB18030 multi-byte character equals ("|" may: 0x7C is a trail byte).
_RAW_DELIMITERS = (",", "\t", ";")
#: Separators tried for decoding a column in one piece (a control character the column lacks).
_SEPARATORS = (0x1E, 0x1F, 0x1D, 0x1C)


def _gb18030_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The GB18030 cells of a ``binary`` column as text, each as ``bytes.decode("gb18030")`` gives it.

    ASCII text is the same in GB18030 and UTF-8 and is taken as it is; a column that repeats a lot
    has its distinct values decoded, others are decoded in one piece (:func:`_decode_joined`).

    Raises
    ------
    UnicodeDecodeError
        A cell that is not GB18030.

    Examples
    --------
    >>> cells = pa.array(["工单".encode("gb18030"), b"A1", b""], pa.binary())
    >>> _gb18030_text(cells).to_pylist()
    ['工单', 'A1', '']
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    data = _cell_bytes(arr)
    if not len(arr) or not (data >= 0x80).any():
        return arr.cast(pa.large_string())
    if normalize.mostly_distinct(arr):
        return _decode_joined(arr, data)
    encoded = pc.dictionary_encode(arr)
    words = encoded.dictionary
    text = _decode_joined(words, _cell_bytes(words))
    out = pc.take(text, encoded.indices)
    # the decoded words are distinct as their bytes are: the column's dictionary encoding is
    # known, and the later steps (mojibake scan, normalising …) find it remembered
    normalize.remember_encoded(out, pa.DictionaryArray.from_arrays(encoded.indices, text))
    return out


def _cell_bytes(arr: pa.Array) -> np.ndarray:
    """The bytes the cells of a ``binary`` / ``large_binary`` array span (no copy)."""
    offsets, values = normalize.variable_width(arr)
    return values[int(offsets[0]) : int(offsets[-1])]


def _decode_joined(arr: pa.Array, data: np.ndarray) -> pa.Array:
    """Decode the cells of ``arr`` (``data``: their bytes) joined by a control character none of
    them holds, then split the text there (the codec has no state between characters, and every
    cell is whole characters, so each part is its cell's own decoding)."""
    if len(arr) == 0:
        return pa.array([], pa.large_string())
    free = [sep for sep in _SEPARATORS if not (data == sep).any()]
    if not free:
        return pa.array([v.decode("gb18030") for v in arr.to_pylist()], pa.large_string())
    sep = chr(free[0])
    one = pa.ListArray.from_arrays(pa.array([0, len(arr)], pa.int32()), arr)
    joined = pc.binary_join(one, sep.encode("ascii"))[0].as_py()
    text = joined.decode("gb18030").encode("utf-8")
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(text)], dtype=np.int64)), pa.py_buffer(text)
    )
    return pc.split_pattern(whole, sep)[0].values


def _to_frame(table: pa.Table, keep: list[str]) -> pd.DataFrame:
    cols = {i: pd.array(table.column(name), dtype="str") for i, name in enumerate(keep)}
    return pd.DataFrame(cols, index=pd.RangeIndex(table.num_rows))


def _pandas_frames(
    path: Path, encoding: str, delimiter: str, skip: int, width: int, positions: list[int], batch_rows: int
) -> Iterator[pd.DataFrame]:
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            header=None,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding=encoding,
            chunksize=batch_rows,
            names=range(max(width, 1)),
            usecols=positions or [0],
            index_col=False,
        )
        for chunk in reader:
            frame = chunk.reindex(columns=positions)
            frame.columns = pd.RangeIndex(len(positions))
            yield frame.reset_index(drop=True)
    except pd.errors.EmptyDataError:
        return
    except UnicodeDecodeError:
        raise InputFileError(decoding_report(path, encoding)) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if found:
            line = int(found.group(1)) + 1  # pandas counts the rows it skipped too (0-based)
            raise InputFileError(
                f'文件 {path.name} 第 {line} 行附近有一个英文引号 " 直到文件末尾都没有闭合，其后各行都被并进了一个单元格：'
                "为免数据错乱，本文件未导入；请修正该单元格中的引号后重新导出。"
            ) from None
        raise InputFileError(
            f"文件 {path.name} 无法按 CSV 解析（编码 {encoding}）：请检查分隔符和引号后重新导出。"
        ) from None
    except OSError as exc:
        raise InputFileError(f"文件 {path.name} 读取失败：{exc.strerror or exc}") from None


def decoding_report(path: Path, encoding: str, limit: int = 5) -> str:
    """A Chinese message naming the lines of ``path`` that do not decode: in a file that mixes
    UTF-8 and GB18030 lines, the lines that are not in the file's main encoding (the one most
    lines decode in)."""
    codecs_ = ("utf-8", "gb18030")
    bad: dict[str, list[int]] = {c: [] for c in codecs_}
    counts = dict.fromkeys(codecs_, 0)
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            for codec in codecs_:
                try:
                    line.decode(codec)
                except UnicodeDecodeError:
                    counts[codec] += 1
                    if len(bad[codec]) < limit:
                        bad[codec].append(number)
    shown = {"utf-8": "UTF-8", "gb18030": "GB18030（GBK）"}
    main = min(codecs_, key=lambda c: counts[c])
    other = next(c for c in codecs_ if c != main)
    lines = bad[main]
    if not lines:
        return f"文件 {path.name} 无法按 {shown.get(encoding.lower(), encoding)} 编码读取：请确认文件编码后重新导出。"
    where = "、".join(map(str, lines)) + (f" 等 {counts[main]} 行" if counts[main] > len(lines) else "")
    if counts[other] > 0:
        return (
            f"文件 {path.name} 混用了两种编码：大部分行是 {shown[main]}，第 {where} 行不是（像是 {shown[other]}）："
            "为免存入乱码，本文件未导入；请把整个文件统一另存为 UTF-8 后重新导入。"
        )
    return f"文件 {path.name} 第 {where} 行无法按 {shown[main]} 编码读取：请确认文件编码后重新导出。"
