"""End-to-end ingest: readers → checks → tables, with the account of every row."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.core import Store
from guidance_analytics.core.sql import migrations

PERMIT_HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1（统一社会信用代码）",
    "法定代表人",
    "证件号码",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "经营地址",
    "所属乡镇（街道）",
    "行业代码",
]
GOOD_CODE = "91370323MA3C4XYK0J"  # well-formed; its check character is not computed (a warning only)


def permit_rows() -> list[list[str]]:
    return [
        [
            "沂源县老王饭店",
            "个体工商户",
            "00000000000000000X",
            "王某某",
            "370323199001011234",
            "源审食〔2023〕1号",
            "普通",
            "食品经营许可证",
            "JY1001",
            "2023年3月5日",
            "2023-03-05",
            "2028/03/04",
            "南麻街道新华路1号",
            "南麻",
            "6210",
        ],
        [
            "沂源县南麻街道好运超市有限公司",
            "法人",
            GOOD_CODE,
            "李某某",
            "",
            "源审食〔2023〕2号",
            "普通",
            "食品经营许可证",
            "JY1002",
            "20230306",
            "",
            "2099/12/31",
            "历山街道鲁山路8号",
            "历山街道",
            "5212",
        ],
        [
            "坏日期公司",
            "法人",
            "",
            "赵某某",
            "",
            "源审食〔2023〕3号",
            "普通",
            "食品经营许可证",
            "JY1003",
            "2024/13/45",
            "",
            "",
            "",
            "鲁村镇",
            "6210",
        ],
    ]


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str, title: str | None = None
) -> Path:
    frame = pd.DataFrame(rows, columns=header)
    with path.open("w", encoding=encoding, newline="") as fh:
        if title:
            fh.write(title + "\n")
        frame.to_csv(fh, index=False)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], sheet: str = "数据") -> Path:
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "说明"
    info["A1"] = "本文件由系统导出"
    ws = wb.create_sheet(sheet)
    ws.cell(row=1, column=1, value="沂源县行政审批服务局行政许可信息公示")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(row=2, column=1, value="导出时间：2024年12月31日")
    for j, label in enumerate(header, start=1):
        ws.cell(row=3, column=j, value=label)
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    wb.save(path)
    return path


def snapshot(ws: ga.Workspace) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("businesses", "permits", "complaints", "inspections", "penalties", "rejects"):
        frame = ws.table(name)
        out[name] = frame.drop(columns=[c for c in ("imported_at",) if c in frame]).sort_index(axis=1)
    return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        key = a[name].columns[0]
        pd.testing.assert_frame_equal(
            a[name].sort_values(list(a[name].columns[:2])).reset_index(drop=True),
            b[name].sort_values(list(b[name].columns[:2])).reset_index(drop=True),
            obj=f"{name} ({key})",
        )


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    return ga.Workspace(tmp_path / "ws")


# -- reader paths -------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings_with_title_row(ws: ga.Workspace, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows(), encoding, title="行政许可信息公示")
    r = ws.import_file(path, "permits")
    assert (r.read, r.accepted, r.updated, r.duplicates, r.rejected) == (3, 2, 0, 0, 1)
    permits = ws.table("permits").set_index("permit_key")
    assert permits.loc["JY1001", "name"] == "沂源县老王饭店"
    assert permits.loc["JY1001", "decision_date"] == pd.Timestamp("2023-03-05")
    assert permits.loc["JY1001", "township"] == "南麻街道"
    assert permits.loc["JY1001", "permit_item"] == "食品经营许可"
    assert pd.isna(permits.loc["JY1002", "valid_to"])  # 2099/12/31 = 长期
    assert permits.loc["JY1002", "valid_from"] == pd.Timestamp("2023-03-06")  # from decision date
    assert permits.loc["JY1002", "subject_type"] == "法人及非法人组织"


def test_xlsx_with_title_rows_merged_cells_and_serial_dates(ws: ga.Workspace, tmp_path: Path) -> None:
    rows = permit_rows()[:2]
    rows[0][9] = 45000  # Excel serial number for 2023-03-15
    rows[1][9] = pd.Timestamp("2023-03-06 10:30").to_pydatetime()
    path = write_xlsx(tmp_path / "p.xlsx", PERMIT_HEADER, rows, sheet="行政许可")
    r = ws.import_file(path, "permits", sheet="行政许可")
    assert (r.read, r.accepted, r.rejected) == (2, 2, 0)
    permits = ws.table("permits").set_index("permit_key")
    assert permits.loc["JY1001", "decision_date"] == pd.Timestamp("2023-03-15")
    assert permits.loc["JY1002", "decision_date"] == pd.Timestamp("2023-03-06")


def test_legacy_permit_headers(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [
        "行政许可决定书文号",
        "项目名称",
        "审批类别",
        "许可内容",
        "行政相对人名称",
        "行政相对人代码_1(统一社会信用代码)",
        "法定代表人姓名",
        "许可决定日期",
        "许可截止期",
        "许可机关",
        "当前状态",
        "地方编码",
        "数据更新时间戳",
        "备注",
    ]
    rows = [
        [
            "源审〔2016〕9号",
            "公共场所卫生许可",
            "普通",
            "住宿",
            "沂源县悦来宾馆",
            "",
            "孙某某",
            "2016/05/04",
            "2020/05/03",
            "沂源县行政审批服务局",
            "有效",
            "370323",
            "2016-05-04 12:00:00",
            "",
        ]
    ]
    path = write_csv(tmp_path / "legacy.csv", header, rows, "gb18030")
    r = ws.import_file(path, "permits")
    assert (r.read, r.accepted) == (1, 1)
    row = ws.table("permits").iloc[0]
    assert row["permit_key"] == "源审〔2016〕9号"  # no 许可编号 in the legacy generation
    assert row["permit_item"] == "公共场所卫生许可"
    assert row["valid_to"] == pd.Timestamp("2020-05-03")
    assert row["legal_rep"] == "孙某某"


# -- every reject reason ------------------------------------------------------------------------
def test_reject_reasons_are_specific_and_rows_kept_whole(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [
        "工单编号",
        "受理时间",
        "诉求类型",
        "诉求内容",
        "被反映对象",
        "是否属实",
        "办结时间",
        "来电人",
        "来电号码",
    ]
    rows = [
        [
            "W1",
            "2024-03-05 09:00:00",
            "投诉",
            "饭店油烟大",
            "老王饭店",
            "属实",
            "2024-03-08 10:00",
            "李先生",
            "10012345678",
        ],
        ["", "2024-03-05", "投诉", "缺编号", "x", "", "", "", ""],
        ["W3", "2024/13/45", "投诉", "日期坏", "x", "", "", "", ""],
        ["W4", "2024-03-05", "其它类", "类型未知", "x", "", "", "", ""],
        ["W5", "2024-03-05", "求决", "联系电话10012345678，请核实", "x", "大概吧", "", "", ""],
        ["W6", "2024-03-05", "投诉", "办结早于受理", "x", "", "2024-03-01", "", ""],
        ["W7", "2099-01-01", "投诉", "未来日期", "x", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "c.csv", header, rows, "gb18030")
    r = ws.import_file(path, "complaints")
    assert r.reconciles and (r.read, r.accepted, r.rejected) == (7, 1, 6)
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert reasons[2] == "缺少必填字段「工单编号」"
    assert reasons[3] == "日期无法识别「2024/13/45」（受理时间）"
    assert reasons[4] == "取值无法识别「其它类」（诉求类型）"
    assert reasons[5] == "取值无法识别「大概吧」（是否属实）"
    assert reasons[6] == "「办结时间」早于「受理时间」"
    assert reasons[7] == "日期晚于导入当天「2099-01-01」（受理时间）"
    # kept whole (original headers), personal columns gone, inline phone scrubbed
    assert "诉求内容" in r.rejects.columns and "来电号码" not in r.rejects.columns
    assert "10012345678" not in r.rejects.to_csv()
    stored = ws.table("rejects")
    assert len(stored) == 6 and set(stored["kind"]) == {"complaints"}
    assert "10012345678" not in stored.to_csv() and "李先生" not in stored.to_csv()
    assert json.loads(stored.set_index("row_number").loc[4, "raw"])["诉求类型"] == "其它类"
    # the rejects spreadsheet has a 原因 column and the same rows
    book = pd.read_excel(r.rejects_file, header=1, engine="calamine")
    assert list(book.columns[:2]) == ["行号", "原因"] and len(book) == 6
    assert "10012345678" not in book.to_csv()


def test_permit_rejects_missing_key_bad_code_amounts_and_validity(ws: ga.Workspace, tmp_path: Path) -> None:
    rows = permit_rows()[:1] * 4
    rows = [list(r) for r in rows]
    rows[0][8] = ""  # no 许可编号 …
    rows[0][5] = ""  # … and no 决定文书号
    rows[1][8], rows[1][2] = "JY2", "91370323MA3C4XYK0"  # 17 characters
    rows[2][8], rows[2][10], rows[2][11] = "JY3", "2023-03-05", "2022-01-01"
    rows[3][8], rows[3][1] = "JY4", "外星人"
    path = write_csv(tmp_path / "p.csv", PERMIT_HEADER, rows, "utf-8")
    r = ws.import_file(path, "permits")
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert reasons[1] == "缺少必填字段「许可编号」或「行政许可决定文书号」"
    assert reasons[2] == "统一社会信用代码格式错误「91370323MA3C4XYK0」（统一社会信用代码）"
    assert reasons[3] == "「有效期至」早于「有效期自」"
    assert reasons[4] == "取值无法识别「外星人」（行政相对人类别）"


def test_penalty_amounts_in_wanyuan_and_multi_valued_kinds(ws: ga.Workspace, tmp_path: Path) -> None:
    header = [
        "行政相对人名称",
        "行政相对人代码_1（统一社会信用代码）",
        "行政处罚决定书文号",
        "违法行为类型",
        "处罚类别",
        "罚款金额（万元）",
        "处罚决定日期",
        "处罚机关",
    ]
    rows = [
        [
            "沂源县好运超市",
            GOOD_CODE,
            "源市监罚〔2023〕1号",
            "销售过期食品",
            "警告;罚款",
            "0.500000",
            "2023-06-01",
            "沂源县市场监督管理局",
        ],
        ["沂源县好运超市", GOOD_CODE, "源市监罚〔2023〕2号", "x", "罚款", "五千", "2023-06-01", "x"],
        ["沂源县好运超市", GOOD_CODE, "源市监罚〔2023〕3号", "x", "打板子", "1", "2023-06-01", "x"],
    ]
    r = ws.import_file(write_csv(tmp_path / "pen.csv", header, rows, "utf-8-sig"), "penalties")
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert reasons == {2: "金额无法识别「五千」（罚款金额（万元））", 3: "取值无法识别「打板子」（处罚类别）"}
    row = ws.table("penalties").iloc[0]
    assert row["fine_yuan"] == pytest.approx(5000.0)
    assert row["penalty_types"] == "警告;罚款"
    assert row["business_id"] == GOOD_CODE


# -- reconciliation, idempotence, updates -------------------------------------------------------
def test_reimport_changes_nothing_and_reconciles(ws: ga.Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows() + [permit_rows()[0]], "gb18030")
    first = ws.import_file(path, "permits")
    assert first.reconciles and (first.accepted, first.duplicates, first.rejected) == (2, 1, 1)
    before = snapshot(ws)
    again = ws.import_file(path, "permits")
    assert again.reconciles
    assert (again.read, again.accepted, again.updated, again.duplicates, again.rejected) == (4, 0, 0, 3, 1)
    assert_same(before, snapshot(ws))


def test_updated_work_order_and_older_version_never_overwrites(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "办结时间", "办理结果"]
    open_rows = [
        ["W1", "2024-03-05 09:00", "投诉", "油烟", "", ""],
        ["W2", "2024-03-06", "咨询", "问", "", ""],
    ]
    closed_rows = [["W1", "2024-03-05 09:00", "投诉", "油烟", "2024-03-09 17:00", "已整改"]]
    old = write_csv(tmp_path / "old.csv", header, open_rows, "gb18030")
    new = write_csv(tmp_path / "new.csv", header, closed_rows, "gb18030")
    assert ws.import_file(old, "complaints").accepted == 2
    r = ws.import_file(new, "complaints")
    assert (r.read, r.updated) == (1, 1)
    again = ws.import_file(old, "complaints")  # the older state must not win
    assert (again.duplicates, again.updated) == (2, 0)
    row = ws.table("complaints").set_index("order_no").loc["W1"]
    assert row["result"] == "已整改" and row["closed_at"] == pd.Timestamp("2024-03-09 17:00")


# -- whole-file errors --------------------------------------------------------------------------
def test_missing_required_columns_names_them_and_changes_nothing(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.import_file(write_csv(tmp_path / "ok.csv", PERMIT_HEADER, permit_rows(), "gb18030"), "permits")
    before = snapshot(ws)
    bad = write_csv(
        tmp_path / "bad.csv", ["行政相对人名称", "许可编号", "备注"], [["a", "b", "c"]], "gb18030"
    )
    with pytest.raises(ga.InputFileError) as info:
        ws.import_file(bad, "permits")
    message = str(info.value)
    assert "bad.csv" in message and "「许可决定日期」" in message
    assert "找到的列：行政相对人名称、许可编号、备注" in message
    assert_same(before, snapshot(ws))


def test_wrong_kind_is_recognised(ws: ga.Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows(), "gb18030")
    with pytest.raises(ga.InputFileError, match="这看起来是「行政许可」文件"):
        ws.import_file(path, "complaints")
    assert ws.table("complaints").empty and ws.table("rejects").empty


@pytest.mark.parametrize(
    "content", [b"", "工单编号,受理时间,诉求类型\n".encode("gb18030"), b"\x00\x01garbage\xff"]
)
def test_unusable_files(ws: ga.Workspace, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ga.InputFileError, match="x.csv"):
        ws.import_file(path, "complaints")
    assert ws.table("complaints").empty


def test_unknown_kind_and_extension(ws: ga.Workspace, tmp_path: Path) -> None:
    with pytest.raises(ga.InputFileError, match="未知的数据种类"):
        ws.import_file(tmp_path / "x.csv", "licences")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(ga.InputFileError, match="x.pdf"):
        ws.import_file(tmp_path / "x.pdf", "permits")


# -- identity and matching ----------------------------------------------------------------------
def test_complaints_are_matched_once_licences_arrive(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["工单编号", "受理时间", "诉求类型", "被反映对象", "事发地址", "所属乡镇"]
    rows = [
        ["W1", "2024-03-05", "投诉", "老王饭店", "新华路", "南麻街道"],
        ["W2", "2024-03-05", "投诉", "好运超市", "", "历山"],
        ["W3", "2024-03-05", "投诉", "", "路灯不亮", ""],
        ["W4", "2024-03-05", "投诉", "宇宙大饭店", "", ""],
    ]
    r = ws.import_file(write_csv(tmp_path / "c.csv", header, rows, "gb18030"), "complaints")
    assert r.match_rate == 0.0 and r.named == 3
    ws.import_file(write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows(), "gb18030"), "permits")
    c = ws.table("complaints").set_index("order_no")
    biz = ws.table("businesses").set_index("name")
    assert c.loc["W1", "business_id"] == biz.loc["沂源县老王饭店", "business_id"]
    assert c.loc["W2", "business_id"] == GOOD_CODE
    assert c.loc["W1", "match_method"] in {"exact", "core"} and c.loc["W1", "match_confidence"] >= 0.9
    assert pd.isna(c.loc["W3", "business_id"]) and c.loc["W3", "match_note"] == "被反映对象为空"
    assert pd.isna(c.loc["W4", "business_id"]) and isinstance(c.loc["W4", "match_note"], str)
    status = ws.status().set_index("table")
    assert status.loc["complaints", "match_rate"] == pytest.approx(2 / 3)


def test_work_orders_keep_their_screening_keys_for_later_licence_imports(
    ws: ga.Workspace, tmp_path: Path
) -> None:
    """The first licence import after the work orders stores each unmatched one's screening keys
    (hand-computed below); a later licence import matches through the stored keys; a work order
    replaced by a newer state starts again without keys."""
    header = ["工单编号", "受理时间", "诉求类型", "被反映对象", "事发地址", "所属乡镇", "办结时间"]
    rows = [
        ["W1", "2024-03-05", "投诉", "沂源县南麻街道老王家常菜馆", "", "", "2024-03-08"],
        ["W2", "2024-03-05", "投诉", "", "鲁村镇府前路18号", "", "2024-03-08"],
        ["W3", "2024-03-05", "投诉", "运菊饭店", "", "燕崖镇", "2024-03-08"],
    ]
    ws.import_file(write_csv(tmp_path / "c.csv", header, rows, "gb18030"), "complaints")
    keys = ["match_norm", "match_core", "match_address", "match_town"]
    assert ws.table("complaints")[keys].isna().all().all()  # not computed by the complaint import
    first = permit_rows()[1:2]  # 沂源县南麻街道好运超市有限公司: none of the three names it
    ws.import_file(write_csv(tmp_path / "p1.csv", PERMIT_HEADER, first, "gb18030"), "permits")
    c = ws.table("complaints").set_index("order_no")
    assert c.loc["W1", keys].tolist() == ["沂源县南麻街道老王家常菜馆", "老王家常菜馆", "", ""]
    assert c.loc["W2", keys].tolist() == ["", "", "府前路18号", "鲁村镇"]
    assert c.loc["W3", keys].tolist() == ["运菊饭店", "运菊饭店", "", "燕崖镇"]
    assert c["business_id"].isna().all()
    # a licence whose trade name 运菊 is the only one in 燕崖镇: W3 is matched (brand stage)
    later = permit_rows()[:1]
    later[0][0], later[0][8], later[0][5], later[0][12], later[0][13] = (
        "沂源县燕崖镇运菊炸鸡店",
        "JY2001",
        "源审食〔2024〕9号",
        "燕崖镇政府街2号",
        "燕崖镇",
    )
    ws.import_file(write_csv(tmp_path / "p2.csv", PERMIT_HEADER, later, "gb18030"), "permits")
    c = ws.table("complaints").set_index("order_no")
    biz = ws.table("businesses").set_index("name")
    assert c.loc["W3", "business_id"] == biz.loc["沂源县燕崖镇运菊炸鸡店", "business_id"]
    assert c.loc["W3", "match_method"] == "brand"
    assert c.loc[["W1", "W2"], "business_id"].isna().all()
    # W1 closed again later: the stored row is replaced, its keys are computed anew when needed
    rows[0][6] = "2024-04-01"
    ws.import_file(write_csv(tmp_path / "c2.csv", header, rows[:1], "gb18030"), "complaints")
    c = ws.table("complaints").set_index("order_no")
    assert c.loc["W1", keys].isna().all() and c.loc["W2", "match_address"] == "府前路18号"


def test_business_table_surrogates_and_check_warning(ws: ga.Workspace, tmp_path: Path) -> None:
    r = ws.import_file(write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows(), "gb18030"), "permits")
    biz = ws.table("businesses").set_index("name")
    wang = biz.loc["沂源县老王饭店"]
    assert pd.isna(wang["uscc"]) and wang["business_id"].startswith("S") and len(wang["business_id"]) == 18
    assert biz.loc["沂源县南麻街道好运超市有限公司", "business_id"] == GOOD_CODE
    assert not biz.loc["沂源县南麻街道好运超市有限公司", "uscc_check_ok"]
    assert r.warnings["统一社会信用代码校验位不符（仅提示）"] == 1
    # the same placeholder business seen again gets the same surrogate
    again = Path(tmp_path / "p2.csv")
    row = permit_rows()[0]
    row[8] = "JY9"
    ws.import_file(write_csv(again, PERMIT_HEADER, [row], "utf-8"), "permits")
    permits = ws.table("permits").set_index("permit_key")
    assert permits.loc["JY9", "business_id"] == wang["business_id"]


# -- personal data ------------------------------------------------------------------------------
def test_no_personal_data_in_any_table(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.import_file(write_csv(tmp_path / "p.csv", PERMIT_HEADER, permit_rows(), "gb18030"), "permits")
    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "来电人", "来电号码", "身份证号"]
    rows = [
        [
            "W1",
            "2024-03-05",
            "投诉",
            "我的电话0533-3241234，身份证370323199001011234",
            "张先生",
            "10098765432",
            "370323199001011234",
        ]
    ]
    ws.import_file(write_csv(tmp_path / "c.csv", header, rows, "gb18030"), "complaints")
    dump = "".join(ws.table(t).to_csv() for t in ("businesses", "permits", "complaints", "rejects"))
    for secret in ("370323199001011234", "10098765432", "3241234", "张先生"):
        assert secret not in dump
    assert "王某某" in dump  # 法定代表人 may be stored


# -- workspace mechanics ------------------------------------------------------------------------
@pytest.mark.slow
def test_busy_workspace_gives_a_clear_message(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    holder = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(ws.store.path)!r})
        print("ready", flush=True)
        time.sleep(20)
    """)
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        with pytest.raises(ga.WorkspaceBusyError, match="正被另一个程序使用"):
            ga.Workspace(tmp_path / "ws", lock_wait=0.5).table("permits")
    finally:
        proc.kill()
        proc.wait()


def test_older_schema_is_upgraded_without_data_loss(tmp_path: Path) -> None:
    db = tmp_path / "ws" / "workspace.duckdb"
    old = Store(db, schema_target=1)
    with old.transaction() as con:
        con.execute("INSERT INTO businesses (business_id, name) VALUES ('S1', '老店')")
    assert old.schema_version() == 1
    ws = ga.Workspace(tmp_path / "ws")
    latest = max(version for version, _name, _text in migrations())
    assert ws.store.schema_version() == latest
    assert ws.table("businesses").set_index("business_id").loc["S1", "name"] == "老店"


def test_work_orders_lose_their_key_index_and_keep_rows_and_columns(tmp_path: Path) -> None:
    """Migration 009 rebuilds complaints without the PRIMARY KEY index: the stored work orders,
    the columns and their order stay; a newer state of a stored order still replaces it (deleted,
    then appended) and a re-import adds no second row."""
    db = tmp_path / "ws" / "workspace.duckdb"
    old = Store(db, schema_target=8)
    with old.transaction() as con:
        before = list(con.table("complaints").columns)
        con.execute(
            "INSERT INTO complaints (order_no, received_at, content, row_hash) "
            "VALUES ('W1', TIMESTAMP '2024-03-05 08:00:00', '油烟', 'x'), "
            "('W2', TIMESTAMP '2024-03-06 09:00:00', '噪音', 'y')"
        )
        assert con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'complaints' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchone() == (1,)
    ws = ga.Workspace(tmp_path / "ws")
    assert ws.store.schema_version() >= 9
    with ws.store.connect(read_only=True) as con:
        assert list(con.table("complaints").columns) == before
        assert con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'complaints' "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchone() == (0,)
    table = ws.table("complaints").set_index("order_no")
    assert table.loc["W1", "content"] == "油烟" and table.loc["W2", "content"] == "噪音"

    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "办结时间", "办理结果"]
    rows = [["W1", "2024-03-05 08:00:00", "投诉", "油烟", "2024-03-09", "已整改"]]
    r = ws.import_file(
        write_csv(tmp_path / "a.csv", header, rows, "gb18030"), "complaints", today="2024-06-01"
    )
    assert (r.read, r.accepted, r.updated, r.duplicates) == (1, 0, 1, 0)
    r = ws.import_file(
        write_csv(tmp_path / "b.csv", header, rows, "gb18030"), "complaints", today="2024-06-01"
    )
    assert (r.read, r.accepted, r.updated, r.duplicates) == (1, 0, 0, 1)
    table = ws.table("complaints")
    assert sorted(table["order_no"]) == ["W1", "W2"]
    assert table.set_index("order_no").loc["W1", "result"] == "已整改"


def test_work_orders_keep_three_texts_uncompressed_and_their_rows_and_columns(tmp_path: Path) -> None:
    """Migration 010 rebuilds complaints with the order number, the content and the row hash
    stored uncompressed: the stored rows, the columns, their order and types stay; new rows of
    those columns are written uncompressed, the others keep DuckDB's own choice."""
    db = tmp_path / "ws" / "workspace.duckdb"
    old = Store(db, schema_target=9)
    with old.transaction() as con:
        con.execute(
            "INSERT INTO complaints (order_no, received_at, content, row_hash) "
            "VALUES ('W1', TIMESTAMP '2024-03-05 08:00:00', '油烟', 'x')"
        )
        before = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'complaints' "
            "ORDER BY column_index"
        ).fetchall()
    ws = ga.Workspace(tmp_path / "ws")
    assert ws.store.schema_version() >= 10
    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "办结时间", "办理结果"]
    rows = [
        [f"W{k}", "2024-03-05 08:00:00", "投诉", f"油烟扰民{k}", "2024-03-09", "已整改"]
        for k in range(2, 2000)
    ]
    r = ws.import_file(
        write_csv(tmp_path / "a.csv", header, rows, "gb18030"), "complaints", today="2024-06-01"
    )
    assert (r.read, r.accepted) == (1998, 1998)
    with ws.store.connect(read_only=True) as con:
        after = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'complaints' "
            "ORDER BY column_index"
        ).fetchall()
        kinds = dict(
            con.execute(
                "SELECT column_name, string_agg(DISTINCT compression, ',') FROM pragma_storage_info('complaints') "
                "WHERE segment_type = 'VARCHAR' GROUP BY column_name"
            ).fetchall()
        )
    assert after == before
    assert {c: kinds[c] for c in ("order_no", "content", "row_hash")} == dict.fromkeys(
        ("order_no", "content", "row_hash"), "Uncompressed"
    )
    assert kinds["request_type"] != "Uncompressed"  # 投诉 2,000 times: DuckDB compresses it
    table = ws.table("complaints").set_index("order_no")
    assert (
        len(table) == 1999
        and table.loc["W1", "content"] == "油烟"
        and table.loc["W7", "content"] == "油烟扰民7"
    )


# -- bounded memory and the per-batch account ----------------------------------------------------
def test_staged_batches_are_not_held_until_commit(ws: ga.Workspace) -> None:
    """A batch written inside the import's transaction can be freed at once (no register())."""
    import gc
    import weakref

    from guidance_analytics.ingest import rows as ingest_rows

    with ws.store.transaction() as con:
        columns = list(con.table("complaints").columns)
        frame = pd.DataFrame({"order_no": ["W1", "W2"], "received_at": pd.Timestamp("2024-03-05")})
        frame = frame.reindex(columns=columns)
        alive = weakref.ref(frame)
        ingest_rows.run_on(con, "ingest/insert_complaints", frame, "staged")
        del frame
        gc.collect()
        assert alive() is None
    assert ws.table("complaints")["order_no"].tolist() == ["W1", "W2"]


def test_repeated_keys_in_one_file_are_walked_in_order(ws: ga.Workspace, tmp_path: Path) -> None:
    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "办结时间", "办理结果"]
    stored = [["W9", "2024-03-01", "投诉", "噪音", "2024-03-04", "已处理"]]
    ws.import_file(write_csv(tmp_path / "a.csv", header, stored, "gb18030"), "complaints")
    rows = [
        ["W1", "2024-03-05", "投诉", "油烟", "", ""],  # new
        ["W1", "2024-03-05", "投诉", "油烟", "2024-03-09", "已整改"],  # same key, closed: an update
        ["W1", "2024-03-05", "投诉", "油烟", "", ""],  # the open state again: older, a duplicate
        ["W9", "2024-03-01", "投诉", "噪音", "", ""],  # older than the stored closed one
        ["W2", "2024-03-06", "咨询", "问", "", ""],  # new, once
    ]
    r = ws.import_file(write_csv(tmp_path / "b.csv", header, rows, "gb18030"), "complaints")
    assert (r.read, r.accepted, r.updated, r.duplicates, r.rejected) == (5, 2, 1, 2, 0)
    table = ws.table("complaints").set_index("order_no")
    assert table.loc["W1", "result"] == "已整改"
    assert table.loc["W9", "result"] == "已处理"
    assert sorted(table.index) == ["W1", "W2", "W9"]
