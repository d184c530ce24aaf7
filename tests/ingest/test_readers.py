"""Tests for guidance_analytics.ingest readers: encodings, header rows, sheets, cells, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from guidance_analytics.errors import InputFileError
from guidance_analytics.ingest import (
    CALLER_NAMES,
    KIND_SPECS,
    ROW_NUMBER,
    SOURCE_ROW,
    alias_map,
    read_batches,
)
from guidance_analytics.ingest import csv_reader as readers_csv
from guidance_analytics.ingest.readers import default_aliases, detect_encoding

COMPLAINT_ROWS = [
    ["12345热线工单导出", "", "", "", ""],
    ["导出时间：2024年4月1日", "", "", "", ""],
    ["工单编号", "受理时间", "来电人", "诉求内容", "备用列"],
    ["GD001", "2024/3/5 9:05", "张三", "饭店卫生差，电话13912345678", "x"],
    ["GD002", "2024年3月6日", "李四", "噪音扰民", ""],
]


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    text = "\n".join(",".join(r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _read_all(path: Path, **kwargs: object) -> tuple[object, pd.DataFrame]:
    table = read_batches(path, **kwargs)  # type: ignore[arg-type]
    frames = list(table.batches())
    return table, (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_detect_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = _write_csv(tmp_path / "a.csv", COMPLAINT_ROWS, encoding)
    assert detect_encoding(path) == expected


def test_detect_encoding_sample_cut_inside_multibyte_char(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes("工单编号,受理时间\n".encode())
    # "工" is 3 bytes; a 1-byte / 2-byte sample ends inside it
    assert detect_encoding(path, sample_bytes=1) == "utf-8"
    assert detect_encoding(path, sample_bytes=2) == "utf-8"
    assert detect_encoding(path, sample_bytes=4) == "utf-8"


def test_detect_encoding_gbk_far_down_the_file(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 400_000 + "饭店,3\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_title_rows_personal_unknown(tmp_path: Path, encoding: str) -> None:
    path = _write_csv(tmp_path / "c.csv", COMPLAINT_ROWS, encoding)
    table, df = _read_all(path, alias=alias_map(KIND_SPECS["complaints"]))
    assert table.header_row == 2
    assert table.sheet is None
    assert table.headers_found == ["工单编号", "受理时间", "来电人", "诉求内容", "备用列"]
    assert table.mapping == {"工单编号": "order_no", "受理时间": "received_at", "诉求内容": "content"}
    assert table.dropped_personal == ["来电人"]
    assert table.unknown == ["备用列"]
    assert "来电人" not in df.columns
    # the caller's name is never a column of its own: it only travels to the checks (to remove it
    # from the row's free text), joined in CALLER_NAMES
    assert list(df.columns) == [
        "工单编号",
        "受理时间",
        "诉求内容",
        "备用列",
        ROW_NUMBER,
        SOURCE_ROW,
        CALLER_NAMES,
    ]
    assert df["工单编号"].tolist() == ["GD001", "GD002"]
    assert df["受理时间"].tolist() == ["2024/3/5 9:05", "2024年3月6日"]
    assert np.isnan(df.loc[1, "备用列"])
    assert df[ROW_NUMBER].tolist() == [1, 2]
    assert df[SOURCE_ROW].tolist() == [4, 5]
    assert df["工单编号"].dtype == "str"
    canon = table.canonical(df)
    assert list(canon.columns) == ["order_no", "received_at", "content", ROW_NUMBER, SOURCE_ROW, CALLER_NAMES]


def test_csv_bom_is_not_part_of_first_label(tmp_path: Path) -> None:
    rows = [["工单编号", "受理时间", "诉求类型"], ["A1", "2024-03-05", "投诉"]]
    path = _write_csv(tmp_path / "bom.csv", rows, "utf-8-sig")
    table, df = _read_all(path, alias="complaints")
    assert table.encoding == "utf-8-sig"
    assert table.header_row == 0
    assert table.headers_found[0] == "工单编号"
    assert table.mapping["工单编号"] == "order_no"


def test_csv_quoted_commas_blank_rows_ragged_rows(tmp_path: Path) -> None:
    text = (
        "工单编号,受理时间,诉求内容\n"
        'A1,2024-03-05,"有人说,很吵"\n'
        "\n"
        "A2,2024-03-06\n"
        "A3,2024-03-07,x,extra\n"
        " , , \n"
    )
    path = tmp_path / "q.csv"
    path.write_text(text, encoding="utf-8")
    _, df = _read_all(path, alias="complaints")
    assert df["工单编号"].tolist() == ["A1", "A2", "A3"]  # the whitespace-only row is blank
    assert df["诉求内容"].iloc[0] == "有人说,很吵"
    assert pd.isna(df["诉求内容"].iloc[1])
    # the blank line counts in the numbering but yields no row
    assert df[ROW_NUMBER].tolist() == [1, 3, 4]
    assert df[SOURCE_ROW].tolist() == [2, 4, 5]


def test_csv_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("工单编号\t受理时间\t诉求类型\nA1\t2024-03-05\t投诉\n", encoding="gb18030")
    table, df = _read_all(path, alias="complaints")
    assert table.mapping == {"工单编号": "order_no", "受理时间": "received_at", "诉求类型": "request_type"}
    assert df["诉求类型"].tolist() == ["投诉"]


def test_csv_batches_are_bounded(tmp_path: Path) -> None:
    rows = [["工单编号", "受理时间"]] + [[f"A{i}", "2024-03-05"] for i in range(25)]
    path = _write_csv(tmp_path / "b.csv", rows, "utf-8")
    table = read_batches(path, alias="complaints", batch_rows=10)
    sizes = [len(b) for b in table.batches()]
    assert sizes == [10, 10, 5]
    numbers = pd.concat(list(table.batches()))[ROW_NUMBER].tolist()
    assert numbers == list(range(1, 26))


def test_legacy_permit_headers_and_shadowed(tmp_path: Path) -> None:
    rows = [
        ["行政相对人名称", "项目名称", "审批类别", "许可截止期", "许可决定日期", "许可事项"],
        ["老王饭店", "食品经营许可", "普通", "2099/12/31", "2024/03/05", "食品经营许可证"],
    ]
    path = _write_csv(tmp_path / "legacy.csv", rows, "gb18030")
    table, df = _read_all(path, alias="permits")
    assert table.mapping["项目名称"] == "permit_item"
    assert table.mapping["审批类别"] == "permit_category"
    assert table.mapping["许可截止期"] == "valid_to"
    assert table.shadowed == ["许可事项"]
    assert table.source_label["permit_item"] == "项目名称"
    canon = table.canonical(df)
    assert canon.loc[0, "permit_item"] == "食品经营许可"
    assert canon.loc[0, "valid_to"] == "2099/12/31"


def test_unlisted_personal_labels_are_dropped(tmp_path: Path) -> None:
    rows = [
        ["工单编号", "受理时间", "来电人手机", "投诉人身份证号", "法定代表人姓名", "备注"],
        ["A1", "2024-03-05", "13912345678", "370323199001011234", "王五", "x"],
    ]
    path = _write_csv(tmp_path / "p.csv", rows, "utf-8")
    table, df = _read_all(path, alias=alias_map(KIND_SPECS["complaints"]) | {"法定代表人姓名": "legal_rep"})
    assert table.dropped_personal == ["来电人手机", "投诉人身份证号"]
    assert table.mapping["法定代表人姓名"] == "legal_rep"  # a mapped label is never dropped
    assert table.unknown == ["备注"]
    assert "13912345678" not in df.to_csv()


def test_duplicate_labels_get_suffix(tmp_path: Path) -> None:
    rows = [["工单编号", "受理时间", "备注", "备注"], ["A1", "2024-03-05", "a", "b"]]
    path = _write_csv(tmp_path / "dup.csv", rows, "utf-8")
    table, df = _read_all(path, alias="complaints")
    assert table.unknown == ["备注", "备注 (2)"]
    assert df["备注 (2)"].tolist() == ["b"]


# ------------------------------------------------------------------ xlsx


def _complaints_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本文件由系统导出"
    ws = wb.create_sheet("工单")
    ws["A1"] = "沂源县12345热线工单明细"
    ws.merge_cells("A1:F1")
    ws["A2"] = "统计区间：2024年3月"
    ws.append(["工单编号", "受理时间", "来电号码", "诉求类型", "罚款", "办结时间"])
    ws.append(["GD001", dt.datetime(2024, 3, 5, 9, 5, 0), "13912345678", "投诉", 45357, dt.date(2024, 3, 8)])
    ws.append(["GD002", dt.datetime(2024, 3, 6), "13912345679", "求决", 12.5, 45360])
    ws.append([None, None, None, None, None, None])
    ws.append([1234, "2024年3月7日", None, "举报", 0.00001, None])
    wb.save(path)
    return path


def test_xlsx_title_rows_merged_cell_best_sheet(tmp_path: Path) -> None:
    path = _complaints_workbook(tmp_path / "w.xlsx")
    table, df = _read_all(path, alias="complaints")
    assert table.sheet == "工单"
    assert table.sheets == ["说明", "工单"]
    assert table.header_row == 2
    assert table.encoding is None
    assert table.dropped_personal == ["来电号码"]
    assert table.unknown == ["罚款"]
    assert df["工单编号"].tolist() == ["GD001", "GD002", "1234"]
    assert df["受理时间"].tolist() == ["2024-03-05 09:05:00", "2024-03-06", "2024年3月7日"]
    assert df["罚款"].iloc[0] == "45357"
    assert df["罚款"].iloc[1] == "12.5"
    assert df["办结时间"].iloc[1] == "45360"
    assert df["办结时间"].iloc[0] == "2024-03-08"
    assert df["罚款"].iloc[2] == "0.00001"  # never scientific notation
    assert df[ROW_NUMBER].tolist() == [1, 2, 4]
    assert df[SOURCE_ROW].tolist() == [4, 5, 7]  # Excel row numbers
    assert all(isinstance(v, str) for v in df["工单编号"])


def test_xlsx_named_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = _complaints_workbook(tmp_path / "w.xlsx")
    table = read_batches(path, sheet="工单", alias="complaints")
    assert table.sheet == "工单"
    assert read_batches(path, sheet=1, alias="complaints").sheet == "工单"
    with pytest.raises(InputFileError, match="没有工作表“数据”.*说明、工单"):
        read_batches(path, sheet="数据", alias="complaints")
    with pytest.raises(InputFileError, match="未找到表头行"):
        read_batches(path, sheet="说明", alias="complaints")


def test_xlsx_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["检查编号", "检查日期", "检查结果"])
    for i in range(23):
        ws.append([f"J{i}", dt.date(2024, 1, 1) + dt.timedelta(days=i), "合格"])
    wb.save(path)
    table = read_batches(path, alias="inspections", batch_rows=10)
    frames = list(table.batches())
    assert [len(f) for f in frames] == [10, 10, 3]
    assert frames[2]["检查日期"].tolist()[-1] == "2024-01-23"


# ------------------------------------------------------------------ errors


def test_errors(tmp_path: Path) -> None:
    bad_ext = tmp_path / "a.pdf"
    bad_ext.write_bytes(b"%PDF")
    with pytest.raises(InputFileError, match="不支持的文件类型 a.pdf"):
        read_batches(bad_ext)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="文件为空：e.csv"):
        read_batches(empty)
    blank = tmp_path / "b.csv"
    blank.write_text("\n,,\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="文件为空"):
        read_batches(blank)
    with pytest.raises(InputFileError, match="文件不存在"):
        read_batches(tmp_path / "missing.csv")
    noheader = tmp_path / "n.csv"
    noheader.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="未找到表头行.*n.csv.*最满的一行有 3 个非空单元格") as err:
        read_batches(noheader, alias="complaints")
    assert "甲" not in str(err.value)  # cell contents are never echoed (they may be personal data)
    broken = tmp_path / "x.xlsx"
    broken.write_bytes(b"not a zip file at all")
    with pytest.raises(InputFileError, match="x.xlsx 的扩展名是 .xlsx，但内容是 CSV 或其他文本"):
        read_batches(broken)
    junk = tmp_path / "j.xlsx"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputFileError, match="j.xlsx 不是有效的 Excel 工作簿"):
        read_batches(junk)


def test_mislabelled_files(tmp_path: Path) -> None:
    tsv_as_xls = tmp_path / "export.xls"
    tsv_as_xls.write_bytes("工单编号\t受理时间\nA1\t2024-03-05\n".encode("gb18030"))
    table, df = _read_all(tsv_as_xls, alias="complaints")
    assert table.encoding == "gb18030" and table.sheet is None
    assert df["工单编号"].tolist() == ["A1"]

    html_as_xls = tmp_path / "web.xls"
    html_as_xls.write_text("<html><table><tr><td>工单编号</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(InputFileError, match="web.xls 实际是网页"):
        read_batches(html_as_xls)

    book_as_csv = tmp_path / "renamed.csv"
    book_as_csv.write_bytes(_complaints_workbook(tmp_path / "w.xlsx").read_bytes())
    table, df = _read_all(book_as_csv, alias="complaints")
    assert table.sheet == "工单"
    assert df["工单编号"].tolist() == ["GD001", "GD002", "1234"]


def test_utf16_tab_export(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_text("工单编号\t受理时间\r\nA1\t2024-03-05\r\n", encoding="utf-16")
    table, df = _read_all(path, alias="complaints")
    assert table.encoding == "utf-16"
    assert df["受理时间"].tolist() == ["2024-03-05"]


def test_default_aliases_cover_all_kinds() -> None:
    aliases = default_aliases()
    assert aliases["工单编号"] == "order_no"
    assert aliases["许可编号"] == "permit_no"
    assert aliases["检查编号"] == "inspection_no"
    assert aliases["行政处罚决定书文号"] == "decision_no"


def test_csv_ragged_row_far_down_is_read_like_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a short and a long row after the first batches: the rest of the file is read by the fallback
    monkeypatch.setattr(readers_csv, "_BLOCK_BYTES", 256)  # several arrow blocks in a small file
    rows = [["工单编号", "受理时间", "诉求内容"]] + [[f"A{i}", "2024-03-05", f"内容{i}"] for i in range(30)]
    rows[26] = ["A25", "2024-03-05"]
    rows[28] = ["A27", "2024-03-05", "内容27", "多余"]
    path = _write_csv(tmp_path / "r.csv", rows, "gb18030")
    table = read_batches(path, alias="complaints", batch_rows=10)
    batches = list(table.batches())
    assert [len(b) for b in batches] == [10, 10, 10]
    df = pd.concat(batches, ignore_index=True)
    assert df["工单编号"].tolist() == [f"A{i}" for i in range(30)]
    assert df[ROW_NUMBER].tolist() == list(range(1, 31))
    assert pd.isna(df["诉求内容"].iloc[25])
    assert df["诉求内容"].iloc[27] == "内容27"


def test_csv_quoted_line_break_in_title_rows(tmp_path: Path) -> None:
    text = '"工单导出\n第二行标题"\n工单编号,受理时间\nA1,2024-03-05\nA2,2024-03-06\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    _, df = _read_all(path, alias="complaints")
    assert df["工单编号"].tolist() == ["A1", "A2"]


def test_gb18030_columns_decoded_from_bytes() -> None:
    """GB18030 cells parsed as bytes are decoded column by column: ASCII as it is, repetitive
    columns per distinct value, distinct ones in one piece — also when the cells hold the control
    characters used to join them, characters of four bytes and empty cells — and a cell that is
    not GB18030 raises."""
    cells = ["工单，A", "", "𠀀字", "\x1e\x1f\x1d\x1c", "·×€", "Ａ１"]
    encoded = pa.array([c.encode("gb18030") for c in cells], pa.binary())
    assert readers_csv._gb18030_text(encoded).to_pylist() == cells
    repeated = pa.array([c.encode("gb18030") for c in cells * 2000], pa.binary())  # repetitive
    assert readers_csv._gb18030_text(repeated).to_pylist() == cells * 2000
    distinct = [f"沂源县{k}号饭店" for k in range(9000)]  # mostly distinct: one piece
    assert (
        readers_csv._gb18030_text(pa.array([c.encode("gb18030") for c in distinct])).to_pylist() == distinct
    )
    # a repetitive column's dictionary encoding comes with it: the decoded distinct values
    import pyarrow.compute as pc

    from guidance_analytics.ingest import normalize as nz

    text = readers_csv._gb18030_text(repeated)
    remembered = nz.dictionary_encoded(pa.chunked_array([text]))
    assert sorted(remembered.dictionary.to_pylist()) == sorted(cells)
    assert remembered.dictionary.to_pylist() == pc.dictionary_encode(text).dictionary.to_pylist()
    assert remembered.dictionary.take(remembered.indices).to_pylist() == cells * 2000
    nz.forget_encoded()
    ascii_ = pa.array([b"GD001", b"2024-03-05", b""], pa.binary())
    text = readers_csv._gb18030_text(ascii_)
    assert text.type == pa.large_string() and text.to_pylist() == ["GD001", "2024-03-05", ""]
    assert readers_csv._gb18030_text(encoded.slice(2, 3)).to_pylist() == cells[2:5]
    with pytest.raises(UnicodeDecodeError):
        readers_csv._gb18030_text(pa.array([b"ok", "工".encode("gb18030")[:1]]))


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_gb18030_csv_read_as_bytes_like_transcoded(tmp_path: Path, delimiter: str) -> None:
    """A GB18030 file reads the same by bytes as transcoded: characters whose second byte is 0x7C
    (the byte of "|": 皘, 眧 …) in a "|"-separated file, quoted cells with the delimiter and line
    breaks, a dropped personal column; an undecodable byte in the dropped column still refuses the
    file."""
    header = ["工单编号", "受理时间", "来电号码", "诉求内容"]
    rows = [
        [f"GD{i:03d}", "2024-03-05", "13912345678", f"皘眧{i}号" if i % 2 else f'"含{delimiter}与\n换行"']
        for i in range(40)
    ]
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    path = tmp_path / "orders.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    table, df = _read_all(path, alias="complaints", batch_rows=16)
    assert table.encoding == "gb18030"
    assert "来电号码" not in df.columns and df["工单编号"].tolist() == [r[0] for r in rows]
    assert df["诉求内容"].tolist() == [f"皘眧{i}号" if i % 2 else f"含{delimiter}与\n换行" for i in range(40)]
    bad = tmp_path / "bad.csv"
    body = ("\n".join(lines) + "\n").encode("gb18030").replace(b"13912345678", b"139\xff2345678", 1)
    bad.write_bytes(body)
    with pytest.raises(InputFileError):
        _read_all(bad, alias="complaints", batch_rows=16)
