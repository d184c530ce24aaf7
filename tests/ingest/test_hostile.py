"""Issue 11, point by point: each test builds its own small hostile file and checks that nothing is
lost, nothing personal is kept, and a file that cannot be used changes nothing and says why."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.ingest import scrub_people, scrub_pii

HEADER = [
    "工单编号",
    "受理时间",
    "诉求类型",
    "诉求标题",
    "诉求内容",
    "被反映对象",
    "事发地址",
    "所属乡镇",
    "承办单位",
    "办结时间",
    "办理结果",
]
TODAY = "2024-12-31"


def order(i: int, **over: str) -> list[str]:
    cells = {
        "工单编号": f"GD{i:06d}",
        "受理时间": f"2024-03-{1 + i % 27:02d} 14:23:11",
        "诉求类型": "投诉",
        "诉求标题": "反映饭店卫生问题",
        "诉求内容": f"健康路{i}号饭店后厨卫生差，请核查。",
        "被反映对象": f"沂源县历山街道健康路{i}号饭店",
        "事发地址": f"沂源县历山街道健康路{i}号",
        "所属乡镇": "历山街道",
        "承办单位": "沂源县市场监督管理局",
        "办结时间": f"2024/4/{1 + i % 27} 9:10",
        "办理结果": "经现场核查，已责令整改。",
    }
    cells.update(over)
    return [cells[h] for h in HEADER]


def rows_for(header: list[str], rows: list[dict[str, str]]) -> list[list[str]]:
    return [[r.get(h, "") for h in header] for r in rows]


def cells(i: int, **over: str) -> dict[str, str]:
    return dict(zip(HEADER, order(i), strict=True)) | over


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def counts(ws: ga.Workspace, table: str) -> int:
    return len(ws.table(table))


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    return ga.Workspace(tmp_path / "ws")


# -- 1. unclosed quotes ---------------------------------------------------------------------------
def test_1_unclosed_quote_that_swallows_rows_is_refused_with_its_lines(
    ws: ga.Workspace, tmp_path: Path
) -> None:
    ws.import_file(
        write_csv(tmp_path / "v1.csv", HEADER, [order(i) for i in range(1, 11)]), "complaints", today=TODAY
    )
    before = ws.table("complaints")
    lines = [",".join(HEADER) + "\r\n"]
    for i in range(1, 11):
        row = order(i, 办理结果="二次办理")
        if i == 3:
            row[4] = '"顾客反映饭菜里有异物'  # opens a quote that the 8th row closes
        if i == 8:
            row[4] = '商家称已整改"'
        lines.append(",".join(row) + "\r\n")
    bad = tmp_path / "v2.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ga.InputFileError, match=r"第 4 行的「诉求内容」有一个英文引号.*第 5–9 行"):
        ws.import_file(bad, "complaints", today=TODAY)
    pd.testing.assert_frame_equal(ws.table("complaints"), before)  # nothing changed


def test_1_unclosed_quote_to_the_end_of_the_file_is_refused(ws: ga.Workspace, tmp_path: Path) -> None:
    lines = [",".join(HEADER) + "\r\n"] + [",".join(order(i)) + "\r\n" for i in range(1, 6)]
    lines[3] = lines[3].replace("健康路3号饭店后厨", '"健康路3号饭店后厨', 1)
    bad = tmp_path / "eof.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ga.InputFileError, match="直到文件末尾都没有闭合"):
        ws.import_file(bad, "complaints", today=TODAY)
    assert counts(ws, "complaints") == 0


def test_1_a_legitimate_multi_line_cell_is_kept(ws: ga.Workspace, tmp_path: Path) -> None:
    rows = [order(1, 诉求内容="第一行\n第二行"), order(2)]
    r = ws.import_file(write_csv(tmp_path / "ok.csv", HEADER, rows), "complaints", today=TODAY)
    assert (r.read, r.accepted) == (2, 2)


# -- 2. re-opened work orders ---------------------------------------------------------------------
def test_2_newer_state_from_the_records_own_timestamps(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "工单状态", "数据更新时间戳"]

    def one(name: str, **over: str) -> Path:
        return write_csv(tmp_path / name, header, rows_for(header, [cells(7, **over)]))

    v1 = one("v1.csv", 办结时间="2024/4/1 9:10", 工单状态="已办结", 数据更新时间戳="20240401091000")
    reopened = one("v2.csv", 办结时间="", 办理结果="", 工单状态="重办中", 数据更新时间戳="20240415083000")
    closed_again = one(
        "v3.csv", 办结时间="2024/5/6 11:00", 工单状态="已办结", 数据更新时间戳="20240506110000"
    )
    assert ws.import_file(v1, "complaints", today=TODAY).accepted == 1
    r = ws.import_file(reopened, "complaints", today=TODAY)
    assert r.updated == 1  # re-opened after the close: newer by its own update time
    row = ws.table("complaints").iloc[0]
    assert pd.isna(row["closed_at"]) and row["status"] == "重办中"
    assert ws.import_file(closed_again, "complaints", today=TODAY).updated == 1
    assert ws.import_file(reopened, "complaints", today=TODAY).duplicates == 1  # older state: no overwrite
    assert ws.table("complaints").iloc[0]["closed_at"] == pd.Timestamp("2024-05-06 11:00")


def test_2_reopen_marker_without_timestamps_wins_over_a_close(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "工单状态"]
    closed = write_csv(tmp_path / "a.csv", header, rows_for(header, [cells(7, 工单状态="已办结")]))
    reopened = write_csv(
        tmp_path / "b.csv", header, rows_for(header, [cells(7, 办结时间="", 工单状态="退回重办")])
    )
    ws.import_file(closed, "complaints", today=TODAY)
    r = ws.import_file(reopened, "complaints", today=TODAY)
    assert r.updated == 1 and any("重办" in w for w in r.warnings)


def test_2_far_future_close_is_rejected_and_blocks_nothing(ws: ga.Workspace, tmp_path: Path) -> None:
    typo = write_csv(tmp_path / "typo.csv", HEADER, [order(7, 办结时间="2099/4/1 9:10")])
    fixed = write_csv(tmp_path / "fixed.csv", HEADER, [order(7, 办结时间="2024/4/20 15:00")])
    r = ws.import_file(typo, "complaints", today=TODAY)
    assert r.rejected == 1 and "日期晚于导入当天「2099/4/1 9:10」（办结时间）" in r.rejects["reason"].iloc[0]
    assert ws.import_file(fixed, "complaints", today=TODAY).accepted == 1


def test_2_a_stored_future_close_does_not_block_a_later_correct_state(
    ws: ga.Workspace, tmp_path: Path
) -> None:
    ws.import_file(write_csv(tmp_path / "a.csv", HEADER, [order(7)]), "complaints", today=TODAY)
    with ws.store.connect() as con:  # as an earlier version stored it
        con.execute("UPDATE complaints SET closed_at = TIMESTAMP '2099-04-01 09:10'")
    r = ws.import_file(
        write_csv(tmp_path / "b.csv", HEADER, [order(7, 办结时间="2024/4/20 15:00")]),
        "complaints",
        today=TODAY,
    )
    assert r.updated == 1


# -- 3. unmapped columns --------------------------------------------------------------------------
def test_3_unmapped_columns_kept_in_extra_personal_ones_not(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "备注", "地方编码", "数据更新时间戳", "来电人", "联系电话"]
    formula = '=HYPERLINK("http://evil.example/","点击")'
    rows = rows_for(
        header,
        [
            cells(
                1,
                备注="请三日内回复（联系13912345678）",
                地方编码="370399109",
                数据更新时间戳="20240311093015",
                来电人="赵来电",
                联系电话="13812345678",
            ),
            cells(2, 诉求内容=formula, 地方编码="370399109"),
        ],
    )
    r = ws.import_file(write_csv(tmp_path / "extra.csv", header, rows), "complaints", today=TODAY)
    assert r.accepted == 2
    table = ws.table("complaints").set_index("order_no")
    extra = json.loads(table.loc["GD000001", "extra"])
    assert extra["地方编码"] == "370399109" and extra["数据更新时间戳"] == "20240311093015"
    assert extra["备注"] == "请三日内回复（联系［已隐去］）"
    assert "来电人" not in extra and "联系电话" not in extra
    assert "赵来电" not in table.to_string()
    assert table.loc["GD000002", "content"] == formula  # stored verbatim, neutralised only on export


def test_3_formula_text_is_neutralised_in_the_export(tmp_path: Path) -> None:
    path = ga.write_table(pd.DataFrame({"诉求内容": ['=HYPERLINK("x")', "正常"]}), tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text


def test_3_permit_and_penalty_extras(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["行政相对人名称", "许可编号", "许可决定日期", "公示截止期", "备注"]
    path = write_csv(
        tmp_path / "p.csv",
        header,
        [["沂源县老王饭店", "JY1", "2024-03-05", "2027-03-05", "附条件"]],
        "gb18030",
    )
    ws.import_file(path, "permits", today=TODAY)
    extra = json.loads(ws.table("permits")["extra"].iloc[0])
    assert extra == {"公示截止期": "2027-03-05", "备注": "附条件"}


# -- 4. control characters and long names ---------------------------------------------------------
CTRL = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")


def test_4_control_characters_never_crash_and_are_never_stored(ws: ga.Workspace, tmp_path: Path) -> None:
    rows = [
        order(1, 事项分类="x"),
        order(2, 诉求内容="内容\x01含\x0b控制符\x0c"),
        order(3, 诉求类型="其它类", 诉求内容="拒收\x00\x07" + CTRL),
    ]
    r = ws.import_file(write_csv(tmp_path / "ctrl.csv", HEADER, rows), "complaints", today=TODAY)
    assert (r.accepted, r.rejected) == (2, 1)
    assert r.rejects_file is not None and r.rejects_file.exists()
    for name in ("complaints", "rejects"):
        text = ws.table(name).astype(str).to_string()
        assert not re.search(f"[{CTRL}]", text), name
    assert "内容含 控制符" in ws.table("complaints")["content"].tolist()
    # a stored control character (from an earlier version) never breaks an export
    out = ga.write_table(pd.DataFrame({"a": ["市场\x07监管"]}), tmp_path / "x.xlsx")
    assert out.exists()


def test_4_long_input_file_name(ws: ga.Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / ("沂源县行政审批服务局" * 8 + ".csv"), HEADER, [order(1), order(2, 诉求类型="其它类")]
    )
    r = ws.import_file(path, "complaints", today=TODAY)
    assert r.rejected == 1 and r.rejects_file.exists()
    assert len(r.rejects_file.name.encode()) <= 255


def test_4_rejects_file_is_written_before_the_commit(ws: ga.Workspace, tmp_path: Path, monkeypatch) -> None:
    """When the rejects file cannot be written, the import fails and changes nothing."""
    from guidance_analytics.ingest import importer

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importer, "write_table", broken)
    path = write_csv(tmp_path / "o.csv", HEADER, [order(1), order(2, 诉求类型="其它类")])
    with pytest.raises(OSError):
        ws.import_file(path, "complaints", today=TODAY)
    assert counts(ws, "complaints") == 0 and counts(ws, "imports") == 0
    assert not list(ws.rejects_dir.iterdir())  # no half-written file left either


# -- 5. mixed encodings ---------------------------------------------------------------------------
def _utf8_that_decodes_as_gb18030(text: str) -> str:
    for pad in ["", *"的一是在了有和人这中大为上个国我以要他时来用们"]:
        try:
            (text + pad).encode("utf-8").decode("gb18030")
            return text + pad
        except UnicodeDecodeError:
            continue
    raise AssertionError("no padding found")


def test_5_gb18030_file_with_a_utf8_line_is_refused_with_the_line(ws: ga.Workspace, tmp_path: Path) -> None:
    lines = [(",".join(HEADER) + "\r\n").encode("gb18030")]
    for i in range(1, 9):
        row = order(i)
        if i == 5:  # two cells pasted in UTF-8: their bytes decode as GB18030, as mojibake
            row[3], row[4] = "@@", "@@"
            line = (",".join(row) + "\r\n").encode("gb18030")
            for text in ("反映美味饭店卫生问题", "后厨卫生脏乱差请核查处理"):
                line = line.replace(b"@@", _utf8_that_decodes_as_gb18030(text).encode("utf-8"), 1)
            lines.append(line)
        else:
            lines.append((",".join(row) + "\r\n").encode("gb18030"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(lines))
    with pytest.raises(ga.InputFileError, match=r"按 GB18030（GBK）读取，但第 6 行.*乱码"):
        ws.import_file(path, "complaints", today=TODAY)
    assert counts(ws, "complaints") == 0
    whole = tmp_path / "line.csv"  # a whole line in UTF-8 does not even decode: named too
    lines[5] = (",".join(order(5)) + "\r\n").encode("utf-8")
    whole.write_bytes(b"".join(lines))
    with pytest.raises(ga.InputFileError, match="大部分行是 GB18030（GBK），第 6 行不是（像是 UTF-8）"):
        ws.import_file(whole, "complaints", today=TODAY)


def test_5_utf8_file_with_a_gbk_line_is_refused_with_the_line(ws: ga.Workspace, tmp_path: Path) -> None:
    lines = [(",".join(HEADER) + "\r\n").encode("utf-8")]
    for i in range(1, 9):
        lines.append((",".join(order(i)) + "\r\n").encode("gb18030" if i == 4 else "utf-8"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(lines))
    with pytest.raises(ga.InputFileError, match="大部分行是 UTF-8，第 5 行不是"):
        ws.import_file(path, "complaints", today=TODAY)


def test_5_plain_gb18030_text_is_not_taken_for_mojibake(ws: ga.Workspace, tmp_path: Path) -> None:
    rows = [order(i, 诉求内容="沂源县鲁村镇燕崖镇张家坡镇餐饮店卫生状况堪忧，请予核查") for i in range(1, 20)]
    r = ws.import_file(write_csv(tmp_path / "gbk.csv", HEADER, rows, "gb18030"), "complaints", today=TODAY)
    assert r.accepted == 19


# -- 6. all rows rejected -------------------------------------------------------------------------
def test_6_all_rejected_rows_stream_to_a_csv_rejects_file(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    (ws.config_dir).mkdir(exist_ok=True)
    (ws.config_dir / "ingest.toml").write_text(
        "[import]\nbatch_rows = 50\nrejects_in_memory = 30\nrejects_xlsx_max_rows = 40\n", encoding="utf-8"
    )
    rows = [order(i, 诉求类型="其它类") for i in range(1, 201)]
    r = ws.import_file(write_csv(tmp_path / "bad.csv", HEADER, rows), "complaints", today=TODAY)
    assert (r.read, r.rejected, r.accepted) == (200, 200, 0)
    assert len(r.rejects) == 30 and not r.rejects_complete  # bounded in memory
    assert r.rejects_file.suffix == ".csv"
    written = pd.read_csv(r.rejects_file, encoding="utf-8-sig", dtype=str)
    assert len(written) == 200 and written["行号"].astype(int).tolist() == list(range(1, 201))
    assert counts(ws, "rejects") == 200


# -- 7. values ------------------------------------------------------------------------------------
def test_7_negative_and_infinite_fines_get_reasons(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["行政处罚决定书文号", "行政相对人名称", "处罚决定日期", "处罚类别", "罚款金额（万元）"]
    fines = ["-5", "inf", "1e309", "NaN", "0.5"]
    rows = [[f"罚〔2024〕{i}号", "沂源县老王饭店", "2024-05-06", "罚款", f] for i, f in enumerate(fines, 1)]
    r = ws.import_file(write_csv(tmp_path / "f.csv", header, rows), "penalties", today=TODAY)
    reasons = dict(zip(r.rejects["行政处罚决定书文号"], r.rejects["reason"], strict=True))
    assert "金额为负数「-5」" in reasons["罚〔2024〕1号"]
    assert all("金额无法识别" in reasons[f"罚〔2024〕{i}号"] for i in (2, 3))
    stored = ws.table("penalties").set_index("decision_no")["fine_yuan"]
    assert pd.isna(stored["罚〔2024〕4号"])  # NaN is one of the "no value" tokens, like 无 or -
    assert stored["罚〔2024〕5号"] == 5000.0


def test_7_absurd_valid_to_is_rejected_long_term_words_are_not(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["行政相对人名称", "许可编号", "许可决定日期", "有效期至"]
    values = ["3024-12-31", "2999-01-01", "2099/12/31", "9999-12-31", "长期", "2029-03-04"]
    rows = [[f"沂源县{i}号饭店", f"JY{i}", "2024-03-05", v] for i, v in enumerate(values, 1)]
    r = ws.import_file(write_csv(tmp_path / "p.csv", header, rows), "permits", today=TODAY)
    assert r.rejected == 2 and all("有效期至晚于2080年" in x for x in r.rejects["reason"])
    stored = ws.table("permits").set_index("permit_no")["valid_to"]
    assert stored[["JY3", "JY4", "JY5"]].isna().all() and stored["JY6"] == pd.Timestamp("2029-03-04")


def test_7_second_column_with_a_mapped_header_is_a_warning_and_kept(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "受理时间", "来电时间"]
    rows = rows_for(header, [cells(i) for i in range(1, 4)])
    for i, row in enumerate(rows, 1):
        row[-2] = f"2024-02-0{i} 08:00:00"  # the second 受理时间
        row[-1] = "2023-12-01 08:00:00"  # an alias of 受理时间 with other values
    r = ws.import_file(write_csv(tmp_path / "dup.csv", header, rows), "complaints", today=TODAY)
    text = " ".join(f"{k} {v}" for k, v in r.warnings.items())
    assert "「受理时间 (2)」与「受理时间」都对应「受理时间」" in text and "「来电时间」与「受理时间」" in text
    extra = json.loads(ws.table("complaints")["extra"].iloc[0])
    assert extra["受理时间 (2)"].startswith("2024-02-0") and extra["来电时间"] == "2023-12-01 08:00:00"


# -- 8. hostile workbooks -------------------------------------------------------------------------
def _xlsx(path: Path, sheets: dict[str, list[list[str]]], far: dict[str, str] | None = None) -> Path:
    far = far or {}
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheets, 1)
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook {ns} {rns}><sheets>{entries}</sheets></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for n, (name, rows) in enumerate(sheets.items(), 1):
            body = "".join(
                f'<row r="{i}">'
                + "".join(
                    f'<c r="{chr(65 + j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for j, v in enumerate(row)
                    if v
                )
                + "</row>"
                for i, row in enumerate(rows, 1)
            )
            if name in far:
                ref = far[name]
                body += f'<row r="{"".join(c for c in ref if c.isdigit())}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
            zf.writestr(
                f"xl/worksheets/sheet{n}.xml",
                f'<?xml version="1.0"?><worksheet {ns}><sheetData>{body}</sheetData></worksheet>',
            )
    return path


@pytest.mark.slow
def test_8_one_cell_at_xfd1048576_is_refused_in_a_subprocess(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "far.xlsx", {"工单": [HEADER, order(1), order(2)]}, far={"工单": "XFD1048576"})
    assert path.stat().st_size < 4000
    code = textwrap.dedent(
        f"""
        import resource, guidance_analytics as ga
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # an abort cannot take the host
        try:
            ga.Workspace({str(tmp_path / "ws")!r}).import_file({str(path)!r}, "complaints")
        except ga.InputFileError as exc:
            print("REFUSED", exc)
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert "REFUSED" in run.stdout and "XFD1048576" in run.stdout and "删除多余的行和列" in run.stdout


def test_8_far_cell_in_another_sheet_does_not_stop_the_data_sheet(ws: ga.Workspace, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "two.xlsx",
        {"说明": [["导出说明"]], "工单": [HEADER, order(1), order(2)]},
        far={"说明": "XFD1048576"},
    )
    r = ws.import_file(path, "complaints", today=TODAY)
    assert (r.sheet, r.read) == ("工单", 2)


# -- 9. files that are not what their name says ---------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "a.xls",
            "\r\n<!-- 由系统导出 -->\r\n<style>td{}</style><html><table><tr><td>工单编号</td></tr></table></html>".encode(),
            "网页（HTML）",
        ),
        ("b.xls", "<html><table><tr><td>工单编号</td></tr></table></html>".encode("utf-16"), "UTF-16 编码"),
        (
            "c.xls",
            b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n",
            "MHTML",
        ),
        ("d.xlsx", ",".join(HEADER).encode() + b"\r\n", "内容是 CSV 或其他文本"),
    ],
)
def test_9_mislabelled_files_say_what_they_are(
    ws: ga.Workspace, tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ga.InputFileError, match=says):
        ws.import_file(path, "complaints")


def test_9_zip_and_encrypted_workbooks(ws: ga.Workspace, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.xlsx"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("说明.txt", "x")
    with pytest.raises(ga.InputFileError, match="是 ZIP 压缩包（内含 说明.txt）"):
        ws.import_file(bundle, "complaints")
    locked = tmp_path / "locked.xlsx"  # an OLE container naming an EncryptedPackage stream
    locked.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + struct.pack("<I", 0)
        + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(ga.InputFileError, match="有密码保护（已加密）"):
        ws.import_file(locked, "complaints")


def test_9_no_header_message_never_echoes_the_rows(ws: ga.Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nohead.csv"
    path.write_text("张建国,13912345678,370323198001011234\r\n李秀英,13812345678,x\r\n", encoding="utf-8")
    with pytest.raises(ga.InputFileError) as err:
        ws.import_file(path, "complaints")
    assert not re.search(r"张建国|李秀英|1391234|37032319", str(err.value))


# -- 13. people's data ----------------------------------------------------------------------------
def test_13_names_and_numbers_removed_from_text() -> None:
    text = pd.Series(
        [
            "张建国反映：饭店后厨脏乱差",
            "已向王女士解释说明",
            "李先生来电反映噪音",
            "顾客反映有异物",
            "市民刘秀英称",
        ],
        dtype="str",
    )
    assert scrub_people(text).tolist() == [
        "［已隐去］反映：饭店后厨脏乱差",
        "已向［已隐去］解释说明",
        "［已隐去］来电反映噪音",
        "顾客反映有异物",
        "市民［已隐去］称",
    ]
    numbers = pd.Series(
        ["电话13912345678", "（0533-3212345）", "身份证370323198001011234", "编码370399109"], dtype="str"
    )
    assert scrub_pii(numbers, free_text=False).tolist() == [
        "电话［已隐去］",
        "（［已隐去］）",
        "身份证［已隐去］",
        "编码370399109",
    ]


def test_13_no_personal_data_anywhere_after_import(ws: ga.Workspace, tmp_path: Path) -> None:
    """Every table and every file of the workspace is scanned for the inputs' phones, ID numbers
    and caller names (those of the dropped columns and those written in the text)."""
    names = ["张建国", "郑女士", "李先生", "王女士", "刘秀英"]
    header = [*HEADER, "来电人", "主叫号码", "回访号码"]
    personal = {"来电人": "刘秀英", "主叫号码": "15912345678", "回访号码": "18612345678"}
    rows = rows_for(
        header,
        [
            cells(
                1,
                诉求内容="张建国反映：后厨卫生差",
                诉求标题="李先生来电反映",
                办理结果="已向王女士解释",
                **personal,
            ),
            cells(
                2,
                诉求内容="郑女士称刘秀英也看到了",
                事发地址="健康路8号（电话13912345678）",
                承办单位="历山街道（0533-3212345）",
                被反映对象="美味饭店 老板13812345678",
                **personal,
            ),
            cells(3, 诉求类型="其它类", 诉求内容="刘秀英反映，身份证370323198001011234", **personal),
        ],
    )
    r = ws.import_file(write_csv(tmp_path / "c.csv", header, rows), "complaints", today=TODAY)
    assert (r.accepted, r.rejected) == (2, 1)
    insp = ["检查编号", "检查日期", "行政相对人名称", "检查结果", "检查人员", "经营地址"]
    ws.import_file(
        write_csv(
            tmp_path / "i.csv",
            insp,
            [
                [
                    "JC1",
                    "2024-06-07",
                    "沂源县老王饭店",
                    "责令限期整改",
                    "执法人员甲（13712345678）",
                    "健康路1号 电话13912345678",
                ]
            ],
        ),
        "inspections",
        today=TODAY,
    )
    phone = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)|\d{17}[\dXx]")
    for name in ("businesses", "complaints", "inspections", "rejects"):
        text = ws.table(name).astype(str).to_string()
        assert not phone.search(text), name
        assert not [n for n in names if n in text], name
        assert not re.search(r"[\u4e00-\u9fff](?:女士|先生)", text), name
    assert not [c for c in ("主叫号码", "回访号码", "来电人") if c in r.rejects.columns]
    for path in ws.rejects_dir.iterdir():
        with zipfile.ZipFile(path) as zf:
            text = " ".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        assert not phone.search(text) and "刘秀英" not in text
    assert "刘秀英" not in r.summary() and "15912345678" not in r.summary()


# -- 15. matching: only what new licences can change --------------------------------------------
@pytest.mark.slow
def test_15_incremental_rematch_equals_matching_everything_again(tmp_path: Path) -> None:
    """Licences arriving after the work orders: re-matching only the screened work orders gives
    exactly what matching every unmatched work order against all businesses gives."""
    from guidance_analytics.ingest import BusinessIndex, match_targets

    samples = Path(__file__).resolve().parents[2] / "data_samples"
    ws = ga.Workspace(tmp_path / "ws")
    for name in ("complaints_12345_2021-2023.csv", "complaints_12345_2024.xlsx", "permits_legacy_2021.csv"):
        ws.import_file(samples / name, "complaints" if name.startswith("complaints") else "permits")
    before = ws.table("complaints").set_index("order_no")
    pending = before[before["business_id"].isna()]
    ws.import_file(samples / "permits_current_2022-2024.xlsx", "permits")  # the incremental path
    after = ws.table("complaints").set_index("order_no")
    expected = match_targets(
        pending[["target_name", "address", "township"]], BusinessIndex(ws.table("businesses"))
    )
    got = after.loc[pending.index]
    assert got["business_id"].notna().sum() > 100  # the new licences did match many
    pd.testing.assert_series_equal(got["business_id"], expected["business_id"], check_names=False)
    pd.testing.assert_series_equal(got["match_method"], expected["match_method"], check_names=False)
    matched_before = before["business_id"].notna()
    assert (after.loc[matched_before, "business_id"] == before.loc[matched_before, "business_id"]).all()


def test_15_screen_keeps_every_target_a_new_business_can_change() -> None:
    from guidance_analytics.ingest import BusinessIndex, match_targets
    from guidance_analytics.ingest.matching import screen_targets

    old = pd.DataFrame(
        {
            "business_id": ["B1", "B2", "B3"],
            "name": ["沂源县南麻街道华悦饭店", "沂源县历山街道鼎鹏超市", "沂源县鲁村镇金泰五金店"],
            "address": ["南麻街道城北路12号", "历山街道健康路3号", "鲁村镇中心街8号"],
            "township": ["南麻街道", "历山街道", "鲁村镇"],
        }
    )
    new = pd.DataFrame(
        {
            "business_id": ["N1", "N2", "N3"],
            "name": [
                "沂源县历山街道老王家常菜馆",
                "沂源县燕崖镇运菊炸鸡店",
                "沂源县东里镇佳佳乐超市有限公司",
            ],
            "address": ["历山街道新华路1号", "燕崖镇政府街2号", "东里镇东升路15号"],
            "township": ["历山街道", "燕崖镇", "东里镇"],
        }
    )
    targets = pd.DataFrame(
        {
            "target_name": [
                "老王家常菜馆",
                "运菊饭店",
                "佳佳乐超市",
                "华悦饭店",
                "某小区物业",
                None,
                "老王菜馆",
            ],
            "address": [None, None, None, None, None, "东里镇东升路15号", None],
            "township": [None, "燕崖镇", None, "南麻街道", None, None, "历山街道"],
        }
    )
    before = match_targets(targets, BusinessIndex(old))
    after = match_targets(targets, BusinessIndex(pd.concat([old, new])))
    changed = (before["business_id"].fillna("") != after["business_id"].fillna("")).to_numpy()
    keep = screen_targets(targets, BusinessIndex(new))
    assert changed.any() and not (changed & ~keep).any()  # nothing that changes is screened out
    assert not keep[4]  # 某小区物业 shares nothing with the new businesses


@pytest.mark.parametrize("block", [None, 256])
def test_1_unclosed_quote_names_its_own_line(
    ws: ga.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int | None
) -> None:
    """The refusal names the line the stray quote is on, whether the fast reader stops at once or
    after handing over batches (small blocks: it reads the first rows before it meets the quote)."""
    from guidance_analytics.ingest import csv_reader

    if block is not None:
        monkeypatch.setattr(csv_reader, "_BLOCK_BYTES", block)
    lines = ["12345工单导出\r\n", ",".join(HEADER) + "\r\n"] + [
        ",".join(order(i)) + "\r\n" for i in range(1, 41)
    ]
    lines[31] = lines[31].replace("健康路30号饭店后厨", '"健康路30号饭店后厨', 1)  # file line 32
    bad = tmp_path / "eof.csv"
    bad.write_bytes("".join(lines).encode("gb18030"))
    ws.config_dir.mkdir(parents=True, exist_ok=True)
    (ws.config_dir / "ingest.toml").write_text("[import]\nbatch_rows = 8\n", encoding="utf-8")
    with pytest.raises(ga.InputFileError, match="第 32 行附近有一个英文引号"):
        ws.import_file(bad, "complaints", today=TODAY)
    assert counts(ws, "complaints") == 0
