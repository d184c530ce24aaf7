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
        计划时间=["2023-12-28", "2023-12-30", "2024-01-03"],
    )
    second = chosen(
        [(b[1], "提示提醒"), (b[2], "约谈"), (b[0], "案件回访"), (b[3], "劝导警示")],
        计划时间=["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"],
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
    first = ws.add_to_register(rows, officers="张三", today=TODAY)
    again = ws.add_to_register(rows, officers="张三", today=TODAY)
    assert len(first) == 2 and again.empty
    assert [s["row_number"] for s in again.attrs["skipped"]] == [1, 2]
    assert all("已登记" in s["reason"] for s in again.attrs["skipped"])
    assert len(ws.register()) == 2
    assert ws.query("SELECT count(*) AS n FROM register_documents")["n"].iloc[0] == 4
    # the same row twice in one batch is registered once
    twice = chosen([(BUSINESSES[2][0], "提示提醒"), (BUSINESSES[2][0], "提示提醒")])
    out = ws.add_to_register(twice, officers="张三", today=TODAY)
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
                "",
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
    ok = ws.add_to_register(chosen([(b[1], "提示提醒")]), officers="张三", today=TODAY)
    assert ok["seq"].tolist() == [1] and ok["opinion_no"].tolist() == ["2024年第001号"]
    with pytest.raises(RegisterError, match="有 1 行不符合登记条件"):
        ws.add_to_register(
            chosen([(b[2], "提示提醒"), ("NOPE", "约谈")]), officers="张三", today=TODAY, strict=True
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
        assert '\'=HYPERLINK("http://x","y")' in texts and "'+1-2" in texts
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


def test_register_export_has_the_form_layout(ws: ga.Workspace, tmp_path: Path) -> None:
    b = [x[0] for x in BUSINESSES]
    ws.add_to_register(chosen([(b[0], "提示提醒")], 计划时间="2023-11-02"), officers="张三", today=TODAY)
    ws.add_to_register(
        chosen([(b[1], "提示提醒"), (b[2], "案件回访")], 计划时间="2024-03-02"), officers="李四", today=TODAY
    )
    ws.record_result(2024, 1, "已整改")
    sheet = load_workbook(ws.export_register(tmp_path / "r.xlsx", year=2024)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "行政指导事项登记簿"
    assert values[2][:5] == ["序号", "时间", "指导事项", "指导结果", "指导人员"]
    assert [v[0] for v in values[3:]] == [1, 2]
    assert values[3][3] == "已整改" and values[4][3] == "待反馈"
    assert values[3][2] == "沂源县乙大药房：药品零售企业经营规范提示（提示提醒）"
    ranged = load_workbook(
        ws.export_register(tmp_path / "q.xlsx", start="2023-01-01", end="2023-12-31")
    ).active
    assert [[c.value for c in row] for row in ranged.iter_rows()][3][4] == "张三"
    assert ranged.max_row == 4


@pytest.mark.slow
def test_cli_register_add_list_and_exports(ws: ga.Workspace, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from guidance_analytics.cli import app

    b = BUSINESSES
    sheet = write_review_sheet(
        tmp_path / "review.xlsx",
        [
            [
                1,
                b[0][1],
                b[0][2],
                "",
                "6210",
                "提示提醒",
                0.8,
                "投诉多",
                "",
                "",
                "",
                "是",
                "",
                "",
                "",
                b[0][0],
            ],
            [2, b[1][1], b[1][2], "", "5251", "移送执法", 0.9, "严重", "", "", "", "是", "", "", "", b[1][0]],
        ],
    )
    runner = CliRunner()
    base = ["--workspace", str(ws.path)]
    out = runner.invoke(app, [*base, "register", "add", str(sheet), "--officer", "张三"])
    assert out.exit_code == 0, out.output
    assert "新登记 1 条，拒绝 1 条" in out.output and "移送执法事项不得以行政指导代替" in out.output
    out = runner.invoke(app, [*base, "register", "list"])
    assert "沂源县甲餐馆" in out.output and "待反馈" in out.output
    out = runner.invoke(app, [*base, "register", "result", str(dt.date.today().year), "1", "已整改"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, [*base, "register", "void", "1999", "1", "--by", "x", "--reason", "y"])
    assert out.exit_code == 2 and "没有 1999 年第 1 号" in out.output
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
