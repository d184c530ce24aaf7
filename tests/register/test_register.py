"""The register: numbering, idempotence, refusals, crash and concurrency safety, audit, exports."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from register_helpers import set_contacts

import guidance_analytics as ga
from guidance_analytics.errors import RegisterError
from guidance_analytics.register import entries as reg_mod

TODAY = dt.date(2024, 6, 1)
BUSINESSES = [
    # business_id, uscc, name, township, industry_code
    ("913703230000000011", "913703230000000011", "沂源县甲餐馆", "南麻街道", "6210"),
    ("913703230000000022", "913703230000000022", "沂源县乙大药房", "历山街道", "5251"),
    ("923703230000000033", "923703230000000033", "沂源县丙宾馆", "悦庄镇", "6121"),
    ("S0123456789abcdef0", None, '=HYPERLINK("http://x","y")', "南鲁山镇", "6291"),
    ("913703230000000055", "913703230000000055", "+1-2", "东里镇", "9013"),
]


def make_ws(path: Path) -> ga.Workspace:
    ws = ga.Workspace(path)
    with ws.store.transaction() as con:
        for row in BUSINESSES:
            con.execute(
                "INSERT INTO businesses (business_id, uscc, name, township, industry_code) "
                "VALUES (?, ?, ?, ?, ?)",
                list(row),
            )
    return ws


def chosen(rows: list[tuple[str, str]], **extra: object) -> pd.DataFrame:
    """(business_id, action) pairs as a candidates frame."""
    names = {b[0]: b[2] for b in BUSINESSES}
    frame = pd.DataFrame(
        {
            "business_id": [r[0] for r in rows],
            "name": [names.get(r[0], "未知") for r in rows],
            "action": [r[1] for r in rows],
            "reasons": ["近3个月被投诉2次，其中属实1次"] * len(rows),
            "score": [0.5] * len(rows),
        }
    )
    for key, value in extra.items():
        frame[key] = value
    return frame


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    return make_ws(tmp_path / "ws")


def test_numbers_per_year_and_per_document_type_are_gapless(ws: ga.Workspace) -> None:
    b = [x[0] for x in BUSINESSES]
    first = chosen(
        [(b[0], "提示提醒"), (b[1], "约谈"), (b[2], "提示提醒")],
        计划时间=["2023-12-28", "2023-12-29", "2024-01-03"],
    )
    second = chosen(
        [(b[1], "提示提醒"), (b[2], "约谈"), (b[0], "案件回访"), (b[3], "劝导警示")],
        计划时间=["2024-01-05", "2024-01-09", "2024-01-07", "2024-01-08"],
    )
    ws.add_to_register(first, officers="张三", today=TODAY)
    ws.add_to_register(second, officers="李四", today=TODAY)
    reg = ws.register()
    assert list(zip(reg["year"], reg["seq"], strict=True)) == [
        (2023, 1),
        (2023, 2),
        (2024, 1),
        (2024, 2),
        (2024, 3),
        (2024, 4),
        (2024, 5),
    ]
    assert ws.register(2023)["seq"].tolist() == [1, 2]
    docs = ws.query("SELECT doc_type, year, number FROM register_documents ORDER BY doc_type, year, number")
    by_type = docs.groupby(["doc_type", "year"])["number"].apply(list).to_dict()
    # 2023: 提示提醒 (意见书+文书), 约谈 (通知书+文书); 2024: 提示提醒, 提示提醒, 约谈, 案件回访, 劝导警示
    assert by_type == {
        ("意见书", 2023): [1],
        ("文书", 2023): [1, 2],
        ("约谈通知书", 2023): [1],
        ("意见书", 2024): [1, 2, 3],
        ("文书", 2024): [1, 2, 3, 4, 5],
        ("约谈通知书", 2024): [1],
    }
    row = reg[(reg["year"] == 2024) & (reg["seq"] == 3)].iloc[0]
    assert row["method"] == "约谈"
    assert row["notice_no"] == "2024年第001号" and row["record_no"] == "2024年第003号"
    assert row["doc_no"] == "约谈通知书2024年第001号；文书2024年第003号"


def test_register_has_the_contract_columns(ws: ga.Workspace) -> None:
    ws.add_to_register(
        chosen([(BUSINESSES[0][0], "提示提醒")]), officers="张三", guided_on="2024-05-20", today=TODAY
    )
    reg = ws.register(2024)
    for col in (
        "seq",
        "year",
        "guided_on",
        "matter",
        "result",
        "officers",
        "method",
        "target_name",
        "uscc",
        "unit",
        "catalog_item",
        "doc_no",
        "status",
    ):
        assert col in reg.columns
    row = reg.iloc[0]
    assert (row["seq"], row["year"], row["guided_on"]) == (1, 2024, pd.Timestamp("2024-05-20"))
    assert row["result"] == "待反馈" and not row["result_recorded"] and row["status"] == "已登记"
    assert row["target_name"] == "沂源县甲餐馆" and row["uscc"] == "913703230000000011"
    assert row["catalog_item"] == "YYSP-ZD-002"  # food service (62xx) + 提示提醒: the more specific item
    assert row["officers"] == "张三" and row["unit"] == "社会事务审批科"


def test_adding_the_same_rows_twice_adds_nothing(ws: ga.Workspace) -> None:
    rows = chosen([(BUSINESSES[0][0], "提示提醒"), (BUSINESSES[1][0], "约谈")], as_of="2024-05-31")
    first = ws.add_to_register(rows, officers="张三", guided_on="2024-06-03", today=TODAY)
    again = ws.add_to_register(rows, officers="张三", guided_on="2024-06-03", today=TODAY)
    assert len(first) == 2 and again.empty
    assert [s["row_number"] for s in again.attrs["skipped"]] == [1, 2]
    assert all("已登记" in s["reason"] for s in again.attrs["skipped"])
    assert len(ws.register()) == 2
    assert ws.query("SELECT count(*) AS n FROM register_documents")["n"].iloc[0] == 4
    # the same row twice in one batch is registered once
    twice = chosen([(BUSINESSES[2][0], "提示提醒"), (BUSINESSES[2][0], "提示提醒")])
    out = ws.add_to_register(twice, officers="张三", guided_on="2024-06-03", today=TODAY)
    assert len(out) == 1 and "本批次第1行" in out.attrs["skipped"][0]["reason"]


def write_review_sheet(path: Path, rows: list[list[object]]) -> Path:
    """A hand-made review sheet: two title rows, Chinese headers, 主体标识 last."""
    wb = Workbook()
    sh = wb.active
    sh.append(["行政指导候选清单（复核用）"])
    sh.append(["评估基准日：2024-05-31"])
    sh.append(
        [
            "序号",
            "统一社会信用代码",
            "行政相对人名称",
            "所属乡镇",
            "行业",
            "建议方式",
            "风险分",
            "理由",
            "证据",
            "事项编码",
            "指导依据",
            "是否采纳",
            "指导人员",
            "计划时间",
            "备注",
            "主体标识",
        ]
    )
    for row in rows:
        sh.append(row)
    wb.save(path)
    return path


def test_reviewed_sheet_only_adopted_rows_and_idempotent(ws: ga.Workspace, tmp_path: Path) -> None:
    b = BUSINESSES
    sheet = write_review_sheet(
        tmp_path / "review.xlsx",
        [
            [
                1,
                b[0][1],
                b[0][2],
                "南麻街道",
                "6210 正餐服务",
                "提示提醒",
                0.8,
                "投诉多",
                "",
                "YYSP-ZD-002",
                "",
                "是",
                "张三、李四",
                "2024/6/3",
                "",
                b[0][0],
            ],
            [
                2,
                b[1][1],
                b[1][2],
                "历山街道",
                "5251",
                "约谈",
                0.7,
                "投诉属实",
                "",
                "YYSP-ZD-006",
                "",
                "否",
                "",
                "",
                "",
                b[1][0],
            ],
            [
                3,
                b[2][1],
                b[2][2],
                "悦庄镇",
                "6121",
                "提示提醒",
                0.6,
                "卫生投诉",
                "",
                "YYSP-ZD-005",
                "",
                "是",
                "王五",
                "2024年6月4日",
                "",
                b[2][0],
            ],
        ],
    )
    new = ws.add_to_register(sheet, today=TODAY)
    assert new["target_name"].tolist() == ["沂源县甲餐馆", "沂源县丙宾馆"]
    assert new["officers"].tolist() == ["张三、李四", "王五"]
    assert new["guided_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-06-03", "2024-06-04"]
    assert new["catalog_item"].tolist() == ["YYSP-ZD-002", "YYSP-ZD-005"]
    assert new.attrs["not_adopted"] == 1 and new["source"].iloc[0] == "review.xlsx"
    again = ws.add_to_register(sheet, today=TODAY)
    assert again.empty and len(again.attrs["skipped"]) == 2 and len(ws.register()) == 2


def test_invalid_rows_are_refused_with_reasons_and_consume_nothing(ws: ga.Workspace) -> None:
    b = [x[0] for x in BUSINESSES]
    rows = chosen(
        [
            (b[0], "提示提醒"),
            ("NOPE", "提示提醒"),
            (b[1], "移送执法"),
            (b[2], "提示提醒"),
            (b[0], "约谈"),
            (b[1], "提示提醒"),
            (b[2], "罚款"),
        ]
    )
    rows["指导人员"] = ["", "张三", "张三", "张三", "张三", "张三", "张三"]
    rows["计划时间"] = [
        "2024-06-02",
        "2024-06-02",
        "2024-06-02",
        "2024-12-31",
        "2024-06-02",
        "明天",
        "2024-06-02",
    ]
    rows["事项编码"] = ["", "", "", "", "XX-999", "", ""]
    new = ws.add_to_register(rows, today=TODAY)
    assert new.empty and ws.register().empty
    reasons = {r["row_number"]: r["reason"] for r in new.attrs["refused"]}
    assert reasons == {
        1: "未填写指导人员",
        2: "行政相对人不在工作区主体库中（主体标识和统一社会信用代码均未找到）",
        3: "移送执法事项不得以行政指导代替，请按执法程序移送",
        4: "计划时间 2024-12-31 超出计划期限（今天起 90 天内）",
        5: "事项编码 XX-999 不在行政指导事项目录清单中",
        6: "计划时间无法识别",
        7: "指导方式「罚款」不是可登记的行政指导方式（政策指引、意见建议、提示提醒、约谈、劝导警示、示范引领、案件回访）",
    }
    assert ws.query("SELECT count(*) AS n FROM register_documents")["n"].iloc[0] == 0
    ok = ws.add_to_register(
        chosen([(b[1], "提示提醒")]), officers="张三", guided_on="2024-06-03", today=TODAY
    )
    assert ok["seq"].tolist() == [1] and ok["opinion_no"].tolist() == ["2024年第001号"]
    with pytest.raises(RegisterError, match="有 1 行不符合登记条件"):
        ws.add_to_register(
            chosen([(b[2], "提示提醒"), ("NOPE", "约谈")]),
            officers="张三",
            guided_on="2024-06-03",
            today=TODAY,
            strict=True,
        )
    assert len(ws.register()) == 1


def test_a_crash_mid_add_leaves_no_partial_entry(ws: ga.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    original = reg_mod._issue_documents
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 2:  # the second entry: its row is inserted, its numbers not yet
            raise OSError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(reg_mod, "_issue_documents", flaky)
    rows = chosen([(BUSINESSES[0][0], "提示提醒"), (BUSINESSES[1][0], "约谈")])
    with pytest.raises(OSError, match="simulated"):
        ws.add_to_register(rows, officers="张三", guided_on="2024-05-01", today=TODAY)
    assert ws.register().empty
    for table in ("register_documents", "register_audit"):
        assert ws.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0] == 0  # noqa: S608
    monkeypatch.setattr(reg_mod, "_issue_documents", original)
    new = ws.add_to_register(rows, officers="张三", guided_on="2024-05-01", today=TODAY)
    assert new["seq"].tolist() == [1, 2]
    assert new["doc_no"].tolist() == [
        "意见书2024年第001号；文书2024年第001号",
        "约谈通知书2024年第001号；文书2024年第002号",
    ]


WORKER = textwrap.dedent("""
    import sys, time, datetime as dt
    import pandas as pd
    import guidance_analytics as ga
    from guidance_analytics.register import entries as reg_mod
    path, tag = sys.argv[1], sys.argv[2]
    original = reg_mod._insert_entry
    def slow(*args, **kwargs):
        time.sleep(0.05)  # widen the window in which the other process could interleave
        return original(*args, **kwargs)
    reg_mod._insert_entry = slow
    ws = ga.Workspace(path, lock_wait=60)
    ids = sys.argv[3].split(",")
    frame = pd.DataFrame({"business_id": ids, "action": ["提示提醒"] * len(ids), "reasons": [tag] * len(ids)})
    new = ws.add_to_register(frame, officers=tag, guided_on="2024-05-10", today=dt.date(2024, 6, 1))
    print(len(new))
""")


@pytest.mark.slow
def test_two_processes_adding_at_once_get_unique_gapless_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    ws = make_ws(path)
    with ws.store.transaction() as con:
        for i in range(12):
            con.execute(
                "INSERT INTO businesses (business_id, name, industry_code) VALUES (?, ?, '6210')",
                [f"SBIZ{i:02d}", f"餐馆{i:02d}"],
            )
    ws.catalog()  # seed the catalogue copy before the race
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    ids_a = ",".join(f"SBIZ{i:02d}" for i in range(0, 6))
    ids_b = ",".join(f"SBIZ{i:02d}" for i in range(6, 12))
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), tag, ids],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag, ids in (("甲", ids_a), ("乙", ids_b))
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == ["6", "6"]
    reg = ws.register(2024)
    assert reg["seq"].tolist() == list(range(1, 13))
    for tag in ("甲", "乙"):  # each add is one transaction: its entries are consecutive
        seqs = reg.loc[reg["officers"] == tag, "seq"].tolist()
        assert seqs == list(range(seqs[0], seqs[0] + 6))
    docs = ws.query(
        "SELECT doc_type, list(number ORDER BY number) AS n FROM register_documents GROUP BY doc_type"
    )
    assert {r.doc_type: list(r.n) for r in docs.itertuples()} == {
        "意见书": list(range(1, 13)),
        "文书": list(range(1, 13)),
    }


def test_void_amend_and_results_keep_an_audit_trail(ws: ga.Workspace) -> None:
    b = [x[0] for x in BUSINESSES]
    ws.add_to_register(
        chosen([(b[0], "提示提醒"), (b[1], "约谈")]),
        officers="张三",
        guided_on="2024-05-02",
        today=TODAY,
        by="录入员",
    )
    ws.void_entry(2024, 2, by="王科长", reason="对象选择有误")
    voided = ws.register(2024).set_index("seq").loc[2]
    assert voided["status"] == "已作废" and voided["void_by"] == "王科长"
    assert voided["doc_no"] == "约谈通知书2024年第001号；文书2024年第002号"  # numbers stay consumed
    with pytest.raises(RegisterError, match="已作废"):
        ws.record_result(2024, 2, "已整改")
    with pytest.raises(RegisterError, match="已作废"):
        ws.void_entry(2024, 2, by="王科长", reason="再次")
    with pytest.raises(RegisterError, match="操作人和原因"):
        ws.void_entry(2024, 1, by="", reason="x")
    ws.amend_entry(2024, 1, by="王科长", reason="人员笔误", officers="张三,李四")
    with pytest.raises(RegisterError, match="同一年度"):
        ws.amend_entry(2024, 1, by="王科长", reason="x", guided_on="2025-01-02")
    with pytest.raises(RegisterError, match="不能更正"):
        ws.amend_entry(2024, 1, by="王科长", reason="x", status="有效")
    done = ws.record_result(2024, 1, "已按期提出延续申请", effect="避免无证经营", by="张三")
    assert done["result"].iloc[0] == "已按期提出延续申请" and done["status"].iloc[0] == "已办结"
    assert done["officers"].iloc[0] == "张三、李四" and done["effect"].iloc[0] == "避免无证经营"
    trail = reg_mod.audit_trail(ws).astype(object)
    trail = trail.where(trail.notna(), None)
    assert trail[["seq", "action", "field", "old_value", "new_value", "by_whom", "reason"]].iloc[
        2:
    ].values.tolist() == [
        [2, "作废", "status", "已登记", "已作废", "王科长", "对象选择有误"],
        [1, "更正", "officers", "张三", "张三、李四", "王科长", "人员笔误"],
        [1, "记录结果", "result", None, "已按期提出延续申请", "张三", None],
        [1, "记录结果", "effect", None, "避免无证经营", "张三", None],
    ]
    assert trail["action"].iloc[:2].tolist() == ["登记", "登记"] and trail["by_whom"].iloc[0] == "录入员"
    # the voided action may be registered again; its number is not reused
    again = ws.add_to_register(chosen([(b[1], "约谈")]), officers="张三", guided_on="2024-05-02", today=TODAY)
    assert again["seq"].tolist() == [3] and again["notice_no"].tolist() == ["2024年第002号"]
    assert len(ws.register()) == 3  # nothing deleted


def read_csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def test_exports_never_turn_names_into_formulas(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.add_to_register(
        chosen([(BUSINESSES[3][0], "劝导警示"), (BUSINESSES[4][0], "提示提醒")]),
        officers="张三",
        guided_on="2024-05-03",
        today=TODAY,
    )
    for path in (
        ws.export_register(tmp_path / "reg.xlsx", year=2024),
        ws.export_filing_batch(tmp_path / "filing.xlsx"),
    ):
        sheet = load_workbook(path).active
        cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type != "f" for c in cells)
        texts = [c.value for c in cells]
        # the name alone (filing batch) or at the start of 指导事项 (register): neutralised either way
        assert any(t.startswith('\'=HYPERLINK("http://x","y")') for t in texts)
        assert any(t.startswith("'+1-2") for t in texts)
        assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    rows = read_csv_rows(ws.export_filing_batch(tmp_path / "filing.csv"))
    names = [r[1] for r in rows[1:]]
    assert names == ['\'=HYPERLINK("http://x","y")', "'+1-2"]


def test_filing_batch_columns_follow_the_mapping(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.add_to_register(
        chosen([(BUSINESSES[0][0], "约谈"), (BUSINESSES[1][0], "提示提醒")]),
        officers="张三",
        guided_on="2024-05-06",
        today=TODAY,
    )
    ws.void_entry(2024, 2, by="王科长", reason="重复")
    rows = read_csv_rows(ws.export_filing_batch(tmp_path / "f.csv"))
    assert rows[0] == [
        "统一社会信用代码",
        "行政相对人名称",
        "指导时间",
        "指导方式",
        "指导事项",
        "指导内容",
        "指导结果",
        "指导人员",
        "文书编号",
        "实施科室",
    ]
    assert len(rows) == 2  # the voided entry is not filed
    assert rows[1][:4] == ["913703230000000011", "沂源县甲餐馆", "2024-05-06", "约谈"]
    assert rows[1][4] == "餐饮服务食品安全投诉多发提示"
    assert rows[1][6:] == ["待反馈", "张三", "约谈通知书2024年第001号；文书2024年第001号", "社会事务审批科"]
    (ws.config_dir).mkdir(exist_ok=True)
    (ws.config_dir / "filing_columns.toml").write_text(
        '[[columns]]\nheader = "文号"\nfield = "doc_no"\n[[columns]]\nheader = "代码"\nfield = "uscc"\n',
        encoding="utf-8",
    )
    rows = read_csv_rows(ws.export_filing_batch(tmp_path / "g.csv"))
    assert rows == [["文号", "代码"], ["约谈通知书2024年第001号；文书2024年第001号", "913703230000000011"]]


def test_register_export_prints_like_the_form(ws: ga.Workspace, tmp_path: Path) -> None:
    """Point 6: title rows in the form's order, 序号 written 2024年第001号, A4 landscape, title rows
    repeated on every page, fitted to the page width, long text wrapped, no internal columns."""
    b = [x[0] for x in BUSINESSES]
    ws.add_to_register(chosen([(b[0], "提示提醒")], 计划时间="2023-11-02"), officers="张三", today=TODAY)
    ws.add_to_register(
        chosen([(b[1], "提示提醒"), (b[2], "案件回访")], 计划时间="2024-03-04"), officers="李四", today=TODAY
    )
    ws.record_result(2024, 1, "已整改")
    sheet = load_workbook(ws.export_register(tmp_path / "r.xlsx", year=2024)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [v[0] for v in values[:3]] == ["沂源县行政审批服务局", "行政指导事项登记簿", "2024年度"]
    assert sheet["A2"].font.size > sheet["A3"].font.size and sheet["A1"].font.bold
    assert values[3][:5] == ["序号", "时间", "指导事项", "指导结果", "指导人员"]
    assert [v[0] for v in values[4:]] == ["2024年第001号", "2024年第002号"]
    assert values[4][1] == dt.datetime(2024, 3, 4) and sheet["B5"].number_format == 'yyyy"年"m"月"d"日"'
    assert sheet.row_dimensions[5].height >= 2 * 16  # as tall as its wrapped 文书编号 (two documents)
    assert values[4][3] == "已整改" and values[5][3] == "待反馈"
    assert values[4][2] == "沂源县乙大药房：药品零售企业经营规范提示（提示提醒）"
    header = values[3]
    assert "年度" not in header and "指导理由" not in header and "风险分" not in header
    assert header.index("统一社会信用代码") and "文书编号" in header
    # print set-up
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$4"  # both title rows, the period and the header
    assert all(c.alignment.wrap_text for row in sheet.iter_rows(min_row=5) for c in row)
    assert "&P" in sheet.oddFooter.center.text
    # the credit-code column is wide enough for the 18 characters on one line
    letter = "ABCDEFGHIJKLMNOP"[header.index("统一社会信用代码")]
    assert sheet.column_dimensions[letter].width >= 20
    ranged = load_workbook(
        ws.export_register(tmp_path / "q.xlsx", start="2023-01-01", end="2023-12-31")
    ).active
    rows = [[c.value for c in row] for row in ranged.iter_rows()]
    assert rows[4][0] == "2023年第001号" and rows[4][4] == "张三" and ranged.max_row == 5
    assert rows[2][0] == "2023年01月01日至2023年12月31日"


def test_filing_batch_writes_the_date_as_a_date(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.add_to_register(
        chosen([(BUSINESSES[0][0], "提示提醒")]), officers="张三", guided_on="2024-05-06", today=TODAY
    )
    sheet = load_workbook(ws.export_filing_batch(tmp_path / "f.xlsx")).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("指导时间") + 1)
    assert cell.value == dt.datetime(2024, 5, 6) and cell.is_date and cell.number_format == "yyyy-mm-dd"


@pytest.mark.slow
def test_cli_register_add_list_and_exports(ws: ga.Workspace, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    set_contacts(ws.config_dir)
    today = dt.date.today()
    when = (today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)).isoformat()  # next Monday
    first = review_row(1, 0, "6210", "YYSP-ZD-002", "是", when=when)
    referral = [
        2,
        *BUSINESSES[1][1:3],
        "",
        "5251",
        "移送执法",
        0.9,
        "严重",
        "",
        "",
        "",
        "是",
        "",
        when,
        "",
        BUSINESSES[1][0],
    ]
    sheet = write_review_sheet(tmp_path / "review.xlsx", [first, referral])
    runner = CliRunner()
    base = ["--workspace", str(ws.path)]
    out = runner.invoke(app, [*base, "register", "add", str(sheet), "--officer", "张三", "--by", "录入员"])
    assert out.exit_code == 0, out.output
    assert "新登记 1 条，拒绝 1 条" in out.output and "移送执法事项不得以行政指导代替" in out.output
    year = int(when[:4])
    assert f"{year}年第001号" in out.output and "[拒绝] 序号2（表格第5行）" in out.output
    out = runner.invoke(app, [*base, "register", "list"])
    assert f"{year}年第001号" in out.output and "沂源县甲餐馆" in out.output and "待反馈" in out.output
    out = runner.invoke(app, [*base, "register", "result", str(year), "1", "已整改", "--by", "张三"])
    assert out.exit_code == 0 and f"已记录 {year}年第001号" in out.output, out.output
    out = runner.invoke(app, [*base, "register", "void", "1999", "1", "--by", "x", "--reason", "y"])
    assert out.exit_code == 2 and "错误：登记簿中没有 1999年第001号" in out.stderr
    for args in (
        ["register", "export", "--out", str(tmp_path / "r.xlsx")],
        ["documents", "--out", str(tmp_path / "docs")],
        ["filing", "--out", str(tmp_path / "f.xlsx")],
        ["catalog", "--out", str(tmp_path / "c.xlsx")],
    ):
        out = runner.invoke(app, [*base, *args])
        assert out.exit_code == 0, out.output
    assert (tmp_path / "f.csv").is_file() and len(list((tmp_path / "docs").glob("*.docx"))) == 2


@pytest.mark.slow
def test_a_busy_workspace_gives_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    ws = make_ws(path)
    ws.catalog()
    script = tmp_path / "busy.py"
    script.write_text(
        textwrap.dedent("""
        import sys, datetime as dt
        import pandas as pd
        import guidance_analytics as ga
        from guidance_analytics.errors import WorkspaceBusyError
        try:
            ws = ga.Workspace(sys.argv[1], lock_wait=0.5)
            ws.add_to_register(pd.DataFrame({"business_id": ["913703230000000011"], "action": ["提示提醒"]}),
                               officers="张三", today=dt.date(2024, 6, 1))
        except WorkspaceBusyError as exc:
            print("BUSY", exc)
    """),
        encoding="utf-8",
    )
    with ws.store.connect():  # this process holds the database
        done = subprocess.run(
            [sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120
        )
    assert done.stdout.startswith("BUSY") and "正被另一个程序使用" in done.stdout, done.stderr
    assert ws.register().empty


def test_a_hand_made_sheet_with_names_only(ws: ga.Workspace, tmp_path: Path) -> None:
    with ws.store.transaction() as con:  # two businesses share a name: that name is ambiguous
        con.execute(
            "INSERT INTO businesses (business_id, name, industry_code) VALUES "
            "('SDUP1', '沂源县同名小吃店', '6291'), ('SDUP2', '沂源县同名小吃店', '6291')"
        )
    wb = Workbook()
    sh = wb.active
    sh.append(["指导对象", "指导方式", "指导人员", "是否采纳", "计划时间"])
    sh.append(["沂源县乙大药房", "提示提醒", "张三", "是", dt.date(2024, 5, 6)])
    sh.append(["沂源县同名小吃店", "提示提醒", "张三", "是", dt.date(2024, 5, 6)])
    wb.save(tmp_path / "hand.xlsx")
    new = ws.add_to_register(tmp_path / "hand.xlsx", today=TODAY)
    assert new["business_id"].tolist() == ["913703230000000022"]
    assert new["guided_on"].tolist() == [pd.Timestamp("2024-05-06")]
    assert [r["row_number"] for r in new.attrs["refused"]] == [2]


# -- the review round trip (point 7) ---------------------------------------------------------------
def review_row(
    no: int, biz: int, industry: str, code: str, adopted: object, when: str = "2024-06-03"
) -> list:
    """One row of the hand-made review sheet: 提示提醒 for ``BUSINESSES[biz]`` by 张三."""
    b = BUSINESSES[biz]
    return [no, b[1], b[2], "", industry, "提示提醒", 0.8, "x", "", code, "", adopted, "张三", when, "", b[0]]


def test_unclear_adoption_values_are_listed_back_not_counted_as_not_adopted(
    ws: ga.Workspace, tmp_path: Path
) -> None:
    values = ["是", "待定", "采纳（需复核）", "否", None]
    rows = [review_row(n, 0, "6210", "YYSP-ZD-002", v) for n, v in enumerate(values, start=1)]
    new = ws.add_to_register(write_review_sheet(tmp_path / "r.xlsx", rows), today=TODAY)
    assert len(new) == 1 and new.attrs["not_adopted"] == 2  # 否 and the empty one
    unclear = new.attrs["unclear"]
    assert [(u["list_no"], u["sheet_row"]) for u in unclear] == [("2", 5), ("3", 6)]
    assert "「待定」" in unclear[0]["reason"] and "「采纳（需复核）」" in unclear[1]["reason"]
    assert "是否采纳无法识别 2 行" in new.attrs["summary"]
    table = reg_mod.report(new)
    assert table["kind"].tolist() == ["无法识别", "无法识别"]
    assert table["row"].tolist() == ["序号2（表格第5行）", "序号3（表格第6行）"]
    with pytest.raises(RegisterError, match="序号2（表格第4行）"):  # alone on the sheet: its row is 4
        ws.add_to_register(write_review_sheet(tmp_path / "s.xlsx", rows[1:2]), today=TODAY, strict=True)


def test_refusals_name_the_row_by_its_number_and_spreadsheet_row(ws: ga.Workspace, tmp_path: Path) -> None:
    sheet = write_review_sheet(
        tmp_path / "r.xlsx",
        [
            review_row(7, 0, "6210", "YYSP-ZD-002", "是"),
            review_row(8, 2, "6121", "YYSP-ZD-005", "是", when=""),  # no 计划时间: refused, never today
            review_row(9, 1, "5251", "", "是"),
        ],
    )
    new = ws.add_to_register(sheet, today=TODAY)
    assert new["entry_no"].tolist() == ["2024年第001号"]
    refused = {r["row"]: r["reason"] for r in new.attrs["refused"]}
    assert set(refused) == {"序号8（表格第5行）", "序号9（表格第6行）"}
    assert refused["序号8（表格第5行）"].startswith("未填写计划时间（不会默认为今天）")
    # an empty 事项编码 in the review file means "no item covers this business": never guessed
    assert refused["序号9（表格第6行）"].startswith("未填写事项编码")
    # a date for the whole batch is an explicit choice (序号8: no 计划时间 of its own)
    again = ws.add_to_register(sheet, guided_on="2024-06-04", today=TODAY)
    assert [r["row"] for r in again.attrs["refused"]] == ["序号9（表格第6行）"]
    assert again["guided_on"].tolist() == [pd.Timestamp("2024-06-04")]
    assert again["target_name"].tolist() == ["沂源县丙宾馆"]


def test_internal_words_in_the_facts_are_refused(ws: ga.Workspace) -> None:
    rows = chosen([(BUSINESSES[0][0], "提示提醒")], 存在问题="风险分0.68（第25位），宜教育劝导")
    new = ws.add_to_register(rows, officers="张三", guided_on="2024-06-03", today=TODAY)
    assert new.empty
    reason = new.attrs["refused"][0]["reason"]
    assert "风险分" in reason and "第25位" in reason and "宜教育劝导" in reason
    # the reviewer's 理由 may say anything: it is kept for the record and never printed
    ok = ws.add_to_register(
        chosen([(BUSINESSES[0][0], "提示提醒")]), officers="张三", guided_on="2024-06-03", today=TODAY
    )
    assert ok["reasons"].iloc[0] == "近3个月被投诉2次，其中属实1次"
    with pytest.raises(RegisterError, match="内部用语"):
        ws.amend_entry(2024, 1, by="王科长", reason="改写", problem="风险评分较高")


def test_a_machine_login_is_not_an_operator(ws: ga.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GA_OPERATOR")
    monkeypatch.setattr(reg_mod.getpass, "getuser", lambda: "root")
    rows = chosen([(BUSINESSES[0][0], "提示提醒")])
    with pytest.raises(RegisterError, match="GA_OPERATOR"):
        ws.add_to_register(rows, officers="张三", guided_on="2024-06-03", today=TODAY)
    assert ws.register().empty
    done = ws.add_to_register(rows, officers="张三", guided_on="2024-06-03", today=TODAY, by="王科长")
    assert done["created_by"].tolist() == ["王科长"]


def test_the_review_sheets_drop_down_refuses_other_values(tmp_path: Path) -> None:
    path = ga.write_table(
        pd.DataFrame({"是否采纳": [None, None]}), tmp_path / "v.xlsx", validations={"是否采纳": ["是", "否"]}
    )
    dv = load_workbook(path).active.data_validations.dataValidation[0]
    assert dv.type == "list" and dv.formula1 == '"是,否"'
    assert dv.showErrorMessage and dv.errorStyle == "stop" and "是、否" in dv.error and dv.errorTitle


# -- interviews (point 4) --------------------------------------------------------------------------
def interviews(ids: list[str], when: list[str]) -> pd.DataFrame:
    return chosen([(i, "约谈") for i in ids], 计划时间=when)


def test_interviews_get_free_slots_and_clashes_are_refused_before_writing(ws: ga.Workspace) -> None:
    b = [x[0] for x in BUSINESSES]
    # 2024-06-04 is a Tuesday: four configured slots 09:00, 10:30, 14:30, 16:00
    new = ws.add_to_register(interviews(b[:3], ["2024-06-04"] * 3), officers="张三", today=TODAY)
    assert [f"{t:%H:%M}" for t in new["starts_at"]] == ["09:00", "10:30", "14:30"]
    # a reviewer's time that overlaps a booked interview at the same place: refused, naming it
    clash = ws.add_to_register(interviews(b[3:4], ["2024-06-04 10:45"]), officers="张三", today=TODAY)
    assert clash.empty
    reason = clash.attrs["refused"][0]["reason"]
    assert "2024-06-04 10:45" in reason and "登记簿2024年第002号" in reason and "10:30" in reason
    # a free time given by the reviewer is kept; the last slot of the day goes to the next one
    ok = ws.add_to_register(
        interviews(b[3:5], ["2024-06-04 12:00", "2024-06-04"]), officers="张三", today=TODAY
    )
    assert [f"{t:%H:%M}" for t in ok["starts_at"]] == ["12:00", "16:00"]
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, name, industry_code) VALUES ('SFULL', '沂源县丁药店', '5251')"
        )
    full = ws.add_to_register(interviews(["SFULL"], ["2024-06-04"]), officers="李四", today=TODAY)
    assert full.empty and "均已排满" in full.attrs["refused"][0]["reason"]
    # adding the same interviews again: skipped as already registered, not reported as clashes
    again = ws.add_to_register(interviews(b[:3], ["2024-06-04"] * 3), officers="张三", today=TODAY)
    assert again.empty and len(again.attrs["skipped"]) == 3 and not again.attrs["refused"]
    # voiding an interview frees its slot
    ws.void_entry(2024, 2, by="王科长", reason="改期")
    again = ws.add_to_register(interviews(b[1:2], ["2024-06-04 10:30"]), officers="赵六", today=TODAY)
    assert [f"{t:%H:%M}" for t in again["starts_at"]] == ["10:30"]
    times = ws.register(2024).query("status != '已作废' and method == '约谈'")["starts_at"]
    assert times.is_unique


def test_interviews_of_one_batch_never_share_a_slot_and_weekends_are_refused(ws: ga.Workspace) -> None:
    with ws.store.transaction() as con:
        for i in range(3):
            con.execute(
                "INSERT INTO businesses (business_id, name, industry_code) VALUES (?, ?, '5251')",
                [f"SPH{i}", f"药店{i}"],
            )
    batch = ws.add_to_register(
        interviews(["SPH0", "SPH1", "SPH2"], ["2024-06-05", "2024-06-05 09:30", "2024-06-08"]),
        officers="王五",
        today=TODAY,
    )
    assert [f"{t:%H:%M}" for t in batch["starts_at"]] == ["09:00"]
    reasons = {r["row"]: r["reason"] for r in batch.attrs["refused"]}
    assert "本批次第1行" in reasons["第2行"] and "09:00" in reasons["第2行"]
    assert "星期六" in reasons["第3行"]


def test_interview_slots_are_configurable(ws: ga.Workspace) -> None:
    text = ga.core.config_file(None, "register.toml").read_text(encoding="utf-8")
    text = text.replace('slots = ["09:00", "10:30", "14:30", "16:00"]', 'slots = ["08:30"]')
    ws.config_dir.mkdir(exist_ok=True)
    (ws.config_dir / "register.toml").write_text(text, encoding="utf-8")
    b = [x[0] for x in BUSINESSES]
    new = ws.add_to_register(interviews(b[:2], ["2024-06-04"] * 2), officers="张三", today=TODAY)
    assert [f"{t:%H:%M}" for t in new["starts_at"]] == ["08:30"] and len(new.attrs["refused"]) == 1
